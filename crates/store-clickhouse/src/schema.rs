//! The tables, created and migrated by hark (`hark store migrate`), on every shard.
//!
//! | table | engine, order | holds |
//! |---|---|---|
//! | `rrset` | AggregatingMergeTree, `(owner, rrtype, k, batch)` | RR rows by `keys::rrset_key` (`k`); `owner` = `R(rrname)` |
//! | `forward` | AggregatingMergeTree, `(k, batch)` | the same rows by `keys::forward_rrset_key`, for `www.example.*` |
//! | `rdata` | AggregatingMergeTree, `(k, batch)` | the same rows by `keys::rdata_key`, for addresses and targets |
//! | `negative` | AggregatingMergeTree, `(k, batch)` | negative rows by `keys::negative_key` |
//! | `cert` | AggregatingMergeTree, `(k, batch)` | certificate-name rows by `keys::cert_key` (version 2) |
//! | `stage_states` | MergeTree, partition per batch, `(kind, seq)` | a commit's rows before they are applied, tallies as aggregate states built by hark (version 3; replaces `stage`, which held plain tallies) |
//! | `ledger` | MergeTree, `(kind, source, version)` | commit records, checkpoints, applied marks (used on the first shard) |
//! | `migrations` | TinyLog | the schema versions applied |
//! | `*_all` | Distributed over the cluster | what readers query |
//!
//! Each row table carries the tally as aggregate states, merged with the one merge rule:
//! `seen`/`zone_seen` `max(UInt8)` (1 once a sensor/zone time was merged), `first`/`zone_first`
//! `minIf(Int64, UInt8)`, `last`/`zone_last` `maxIf(Int64, UInt8)` (the flag tells a real time 0
//! from none), `count` `sum(UInt64)`. Data rows have `batch = 0`; a row with empty keys and
//! `batch = B` is batch B's marker (see the `write` module). `PARTITION BY tuple()`: parts merge
//! only inside a partition. `index_granularity = 1024`: point lookups read fewer rows per part
//! (measured 3x faster than 8192 in `../shared/harness/clickhouse`).

use crate::http::{code, CallError, Endpoint, Http};
use hark_store::StoreError;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 3;

const STATES: &str = "seen AggregateFunction(max, UInt8),
    first AggregateFunction(minIf, Int64, UInt8),
    last AggregateFunction(maxIf, Int64, UInt8),
    zone_seen AggregateFunction(max, UInt8),
    zone_first AggregateFunction(minIf, Int64, UInt8),
    zone_last AggregateFunction(maxIf, Int64, UInt8),
    count AggregateFunction(sum, UInt64)";

/// The start of version 3's statement that carries an older hark's staged rows over.
const CARRY_STAGE: &str = "INSERT INTO {db}.stage_states";

/// One migration: the statements that take a schema from `version - 1` to `version`.
/// `{db}` and `{cluster}` are replaced; statements marked `distributed` run only on a cluster.
struct Migration {
    version: u32,
    statements: Vec<(bool, String)>,
}

fn migrations() -> Vec<Migration> {
    let row_table = |name: &str, columns: &str, order: &str| {
        (
            false,
            format!(
                "CREATE TABLE IF NOT EXISTS {{db}}.{name} ({columns}, batch UInt64, {STATES}) \
                 ENGINE = AggregatingMergeTree() PARTITION BY tuple() ORDER BY ({order}) \
                 SETTINGS index_granularity = 1024"
            ),
        )
    };
    let distributed = |name: &str| {
        (
            true,
            format!(
                "CREATE TABLE IF NOT EXISTS {{db}}.{name}_all AS {{db}}.{name} \
                 ENGINE = Distributed({{cluster}}, {{db}}, {name})"
            ),
        )
    };
    vec![
        Migration {
            version: 1,
            statements: vec![
            row_table(
                "rrset",
                "owner String, rrtype UInt16, k String",
                "owner, rrtype, k, batch",
            ),
            row_table("forward", "k String", "k, batch"),
            row_table("rdata", "k String", "k, batch"),
            row_table("negative", "k String", "k, batch"),
            (
                false,
                "CREATE TABLE IF NOT EXISTS {db}.stage (batch UInt64, writer String, kind UInt8, \
                 seq UInt32, k String, fk String, rk String, owner String, rrtype UInt16, \
                 seen UInt8, first Int64, last Int64, zone_seen UInt8, zone_first Int64, \
                 zone_last Int64, count UInt64) \
                 ENGINE = MergeTree() PARTITION BY batch ORDER BY (kind, seq)"
                    .into(),
            ),
            (
                false,
                "CREATE TABLE IF NOT EXISTS {db}.ledger (batch UInt64, writer String, kind UInt8, \
                 version UInt64, source String, position UInt64, done UInt8, options UInt64, \
                 bytes UInt64, note String) \
                 ENGINE = MergeTree() ORDER BY (kind, source, version)"
                    .into(),
            ),
            distributed("rrset"),
            distributed("forward"),
            distributed("rdata"),
            distributed("negative"),
        ],
        },
        // Certificate-transparency names, a kind of observation of their own.
        Migration {
            version: 2,
            statements: vec![
                row_table("cert", "k String", "k, batch"),
                distributed("cert"),
            ],
        },
        // The stage holds aggregate states built by hark, so applying a batch copies them
        // instead of grouping and building them (`-State`) on the server. What an older hark
        // left staged is carried over; repeating this after an interruption stages rows twice,
        // which readers of the stage ignore (one row per sequence number).
        Migration {
            version: 3,
            statements: vec![
                (
                    false,
                    format!(
                        "CREATE TABLE IF NOT EXISTS {{db}}.stage_states (batch UInt64, \
                         writer String, kind UInt8, seq UInt32, k String, fk String, rk String, \
                         owner String, rrtype UInt16, {STATES}) \
                         ENGINE = MergeTree() PARTITION BY batch ORDER BY (kind, seq)"
                    ),
                ),
                (
                    false,
                    format!(
                        "{CARRY_STAGE} SELECT batch, writer, kind, seq, k, fk, rk, \
                     owner, rrtype, arrayReduce('maxState', [seen]), \
                     arrayReduce('minIfState', [first], [seen]), \
                     arrayReduce('maxIfState', [last], [seen]), \
                     arrayReduce('maxState', [zone_seen]), \
                     arrayReduce('minIfState', [zone_first], [zone_seen]), \
                     arrayReduce('maxIfState', [zone_last], [zone_seen]), \
                     arrayReduce('sumState', [count]) FROM {{db}}.stage"
                    ),
                ),
                (false, "DROP TABLE IF EXISTS {db}.stage".into()),
            ],
        },
    ]
}

fn call(err: CallError) -> StoreError {
    StoreError::Engine(err.to_string())
}

/// The schema version of `db` on one server: 0 when it has none.
pub fn version(http: &Http, endpoint: &Endpoint, db: &str) -> Result<u32, StoreError> {
    match http.text(
        endpoint,
        &format!("SELECT max(version) FROM {db}.migrations FORMAT TabSeparated"),
        &[],
    ) {
        Ok(text) => text.trim().parse().map_err(|_| StoreError::Corrupt {
            table: "migrations",
            reason: format!("version {:?}", text.trim()),
        }),
        Err(err)
            if matches!(
                err.code(),
                Some(code::UNKNOWN_DATABASE) | Some(code::UNKNOWN_TABLE)
            ) =>
        {
            Ok(0)
        }
        Err(err) => Err(call(err)),
    }
}

/// Brings `db` on one server up to [`SCHEMA_VERSION`]; returns the versions applied.
pub fn migrate(
    http: &Http,
    endpoint: &Endpoint,
    db: &str,
    cluster: Option<&str>,
) -> Result<Vec<u32>, StoreError> {
    let current = version(http, endpoint, db)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Engine(format!(
            "database {db} on {} has schema version {current}; this hark knows up to \
             {SCHEMA_VERSION}: upgrade hark",
            endpoint.address
        )));
    }
    http.execute(
        endpoint,
        &format!("CREATE DATABASE IF NOT EXISTS {db}"),
        &[],
    )
    .map_err(call)?;
    http.execute(
        endpoint,
        &format!(
            "CREATE TABLE IF NOT EXISTS {db}.migrations (version UInt32, applied DateTime) \
             ENGINE = TinyLog"
        ),
        &[],
    )
    .map_err(call)?;
    let mut applied = Vec::new();
    for migration in migrations() {
        if migration.version <= current {
            continue;
        }
        for (only_cluster, statement) in &migration.statements {
            if *only_cluster && cluster.is_none() {
                continue;
            }
            let cluster = cluster.unwrap_or_default();
            let sql = statement.replace("{db}", db).replace("{cluster}", cluster);
            match http.execute(endpoint, &sql, &[]) {
                Ok(()) => {}
                // A run of this migration cut short after it carried the old stage over and
                // dropped it: nothing is left to carry.
                Err(err)
                    if statement.starts_with(CARRY_STAGE)
                        && err.code() == Some(code::UNKNOWN_TABLE) => {}
                Err(err) => return Err(call(err)),
            }
        }
        http.execute(
            endpoint,
            &format!(
                "INSERT INTO {db}.migrations VALUES ({}, now())",
                migration.version
            ),
            &[],
        )
        .map_err(call)?;
        applied.push(migration.version);
    }
    Ok(applied)
}
