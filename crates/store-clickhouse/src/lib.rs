//! hark-store-clickhouse: the scale-out store, a ClickHouse cluster over its HTTP interface.
//!
//! [`ClickHouseStore`] implements [`hark_store::Store`] on one ClickHouse server or a cluster
//! of shards, named by a URL ([`Location`]):
//! `clickhouse://host:port[,host:port...]/db[?cluster=hark&writer=NAME&partial=1]`, one
//! `host:port` (HTTP) per shard, in the order of the cluster's shards.
//! - [`schema`]: the tables (aggregate states merged with the one merge rule), created and
//!   migrated by hark;
//! - `write`: commits, exact through retries and crashes: staged per shard, recorded with
//!   their checkpoints in one insert, applied once (see that module);
//! - `read`: every lookup as range scans of the keys of `hark_store::keys`, read through the
//!   Distributed tables with `GROUP BY` of the full key and `-Merge`, so unmerged parts never
//!   show (reads are exact while merges are pending);
//! - `flex`: flex searches (regex/glob) pushed down as `match()` where re2 agrees with hark;
//! - [`check`]: what `hark store check` reports (rows and parts per shard, pending merges).
//!
//! Many processes may write to one cluster at once (each with its own `writer` name) and
//! readers keep no local state.
//!
//! It is not: the query language (`hark-store`), nor a ClickHouse client for anything else.
//! Only the `hark` binary depends on it.
//!
//! ```no_run
//! use hark_store::{Store, NamePattern, RrsetQuery, TimeFence};
//! let location: hark_store_clickhouse::Location =
//!     "clickhouse://127.0.0.1:18120,127.0.0.1:18130/hark".parse()?;
//! let store = hark_store_clickhouse::ClickHouseStore::open(&location)?;
//! store.rrset(
//!     &RrsetQuery { name: NamePattern::parse("*.example.com")?, rrtype: None, bailiwick: None, fence: TimeFence::default() },
//!     &mut |row| { println!("{:?}", row.key); std::ops::ControlFlow::Continue(()) },
//! )?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod check;
mod flex;
mod http;
mod read;
mod rowbinary;
pub mod schema;
mod write;

use hark_record::{Checkpoint, RrKey, SourceId};
use hark_store::{
    Batch, CertQuery, CertRow, CommitReport, Detail, FlexSearch, NegativeQuery, NegativeRow,
    RdataQuery, Row, RrsetQuery, Store, StoreError, StoreStats,
};
use http::{CallError, Endpoint, Http};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the store is: shards, database, cluster and this process's writer name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// `host:port` (HTTP) of each shard, in the order of the cluster's shards.
    pub shards: Vec<String>,
    /// The database.
    pub database: String,
    /// The cluster name in the servers' `remote_servers` (default `hark` with several shards;
    /// none with one server, which is then read directly).
    pub cluster: Option<String>,
    /// This process's name as a writer (default: the host name): a restarted writer finishes
    /// the commits its predecessor of the same name left half-done. Concurrent writers need
    /// distinct names.
    pub writer: String,
    /// Answer from the shards that are up when some are down (`skip_unavailable_shards`);
    /// by default a shard down is an error.
    pub partial: bool,
    /// User and password, when the servers want them.
    pub user: Option<(String, String)>,
    /// How long one call may take.
    pub timeout: Duration,
    /// Stored rows one lookup page may read before the range is paged by key bounds (two
    /// queries a page, each reading only up to the page's last key).
    pub scan_rows: u64,
}

/// Why a store URL could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    /// Not `clickhouse://...`.
    #[error("{0:?} is not a clickhouse://host:port/db URL")]
    Scheme(String),
    /// No database after the hosts.
    #[error("{0:?} names no database: add /DB after the hosts")]
    Database(String),
    /// A database name ClickHouse would need quoting for.
    #[error("database name {0:?}: use letters, digits and _ only")]
    BadDatabase(String),
    /// A host without a port, or an empty one.
    #[error("{0:?} is not host:port")]
    Host(String),
    /// An option hark does not know.
    #[error(
        "unknown option {0:?} (known: cluster, writer, partial, user, password, timeout, scan_rows)"
    )]
    Option(String),
}

fn plain_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl std::str::FromStr for Location {
    type Err = LocationError;

    fn from_str(url: &str) -> Result<Location, LocationError> {
        let rest = url
            .strip_prefix("clickhouse://")
            .ok_or_else(|| LocationError::Scheme(url.into()))?;
        let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
        let (hosts, database) = path
            .split_once('/')
            .ok_or_else(|| LocationError::Database(url.into()))?;
        let database = database.trim_end_matches('/');
        if database.is_empty() {
            return Err(LocationError::Database(url.into()));
        }
        if !plain_name(database) {
            return Err(LocationError::BadDatabase(database.into()));
        }
        let shards: Vec<String> = hosts.split(',').map(str::to_string).collect();
        for host in &shards {
            match host.rsplit_once(':') {
                Some((name, port)) if !name.is_empty() && port.parse::<u16>().is_ok() => {}
                _ => return Err(LocationError::Host(host.clone())),
            }
        }
        let mut location = Location {
            cluster: (shards.len() > 1).then(|| "hark".to_string()),
            shards,
            database: database.into(),
            writer: host_name(),
            partial: false,
            user: None,
            timeout: Duration::from_secs(300),
            scan_rows: 262_144,
        };
        let mut password = String::new();
        for pair in options.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "cluster" if plain_name(value) => location.cluster = Some(value.into()),
                "writer" if !value.is_empty() => location.writer = value.into(),
                "partial" => location.partial = matches!(value, "1" | "true" | ""),
                "user" => location.user = Some((value.into(), String::new())),
                "password" => password = value.into(),
                "timeout" if value.parse::<u64>().is_ok_and(|s| s > 0) => {
                    location.timeout = Duration::from_secs(value.parse().unwrap_or(300))
                }
                "scan_rows" if value.parse::<u64>().is_ok_and(|n| n > 0) => {
                    location.scan_rows = value.parse().unwrap_or(262_144)
                }
                _ => return Err(LocationError::Option(pair.into())),
            }
        }
        if let Some((_, key)) = &mut location.user {
            *key = password;
        }
        Ok(location)
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "hark".into())
}

fn call(err: CallError) -> StoreError {
    StoreError::Engine(err.to_string())
}

/// The ClickHouse store.
pub struct ClickHouseStore {
    http: Http,
    shards: Vec<Endpoint>,
    db: String,
    cluster: Option<String>,
    writer: String,
    partial: bool,
    /// Stored rows one lookup page may read unbounded.
    scan_rows: u64,
    /// The commit lock: holds the writer's state (recovered yet, last version).
    commits: Mutex<write::WriterState>,
    /// The last stats and when they were read; cleared by commits.
    stats: Mutex<Option<(Instant, StoreStats)>>,
}

/// How long `stats()` answers from its last reading when this process committed nothing since.
const STATS_FOR: Duration = Duration::from_secs(10);

impl ClickHouseStore {
    /// Connects to every shard, checks the cluster matches the URL, and creates the schema
    /// in a database that has none. Fails when a shard is unreachable, or when the schema is
    /// older than this hark (run `hark store migrate`) or newer.
    pub fn open(location: &Location) -> Result<ClickHouseStore, StoreError> {
        let store = ClickHouseStore::connect(location)?;
        let mut versions = Vec::new();
        if !store.partial {
            for shard in &store.shards {
                versions.push(schema::version(&store.http, shard, &store.db)?);
            }
        }
        if store.partial {
            // Partial answers: shards that are down are not asked about their schema.
        } else if versions.iter().all(|&v| v == 0) {
            store.migrate()?;
        } else if let Some((shard, &version)) = store
            .shards
            .iter()
            .zip(&versions)
            .find(|(_, &v)| v != schema::SCHEMA_VERSION)
        {
            return Err(StoreError::Engine(format!(
                "database {} on {} has schema version {version}, this hark uses {}: run \
                 `hark store migrate --store {}`",
                store.db,
                shard.address,
                schema::SCHEMA_VERSION,
                location.url()
            )));
        }
        Ok(store)
    }

    /// Connects without looking at the schema (for `hark store migrate` and `check`).
    pub fn connect(location: &Location) -> Result<ClickHouseStore, StoreError> {
        let store = ClickHouseStore {
            http: Http::new(location.timeout, location.user.clone()),
            shards: location
                .shards
                .iter()
                .map(|address| Endpoint {
                    address: address.clone(),
                })
                .collect(),
            db: location.database.clone(),
            cluster: location.cluster.clone(),
            writer: location.writer.clone(),
            partial: location.partial,
            scan_rows: location.scan_rows,
            commits: Mutex::new(write::WriterState::default()),
            stats: Mutex::new(None),
        };
        for shard in &store.shards {
            match store.http.text(shard, "SELECT 1", &[]) {
                Ok(_) => {}
                // Partial answers were asked for: a reader goes on with the shards that are up.
                Err(err) if store.partial => tracing::warn!(error = %err, "a shard is down"),
                Err(err) => {
                    return Err(StoreError::Engine(format!(
                        "shard unreachable: {err} (pass ?partial=1 in the store URL to answer \
                         from the shards that are up)"
                    )))
                }
            }
        }
        if let Some(cluster) = &store.cluster {
            let first = store.entry();
            let count = store
                .http
                .text(
                    first,
                    &format!(
                        "SELECT count() FROM system.clusters WHERE cluster = {} AND replica_num = 1",
                        http::quote(cluster)
                    ),
                    &[],
                )
                .map_err(call)?;
            let count: usize = count.trim().parse().unwrap_or(0);
            if count != store.shards.len() {
                return Err(StoreError::Engine(format!(
                    "cluster {cluster} on {} has {count} shard(s) but the URL names {}: list one \
                     host:port per shard, in the order of remote_servers",
                    first.address,
                    store.shards.len()
                )));
            }
        }
        Ok(store)
    }

    /// Creates or upgrades the schema on every shard; returns the versions applied per shard.
    pub fn migrate(&self) -> Result<Vec<(String, Vec<u32>)>, StoreError> {
        let mut done = Vec::new();
        for shard in &self.shards {
            let applied = schema::migrate(&self.http, shard, &self.db, self.cluster.as_deref())?;
            done.push((shard.address.clone(), applied));
        }
        Ok(done)
    }

    /// The server reads go to (the first shard).
    fn entry(&self) -> &Endpoint {
        // The URL parser never yields an empty shard list.
        &self.shards[0]
    }

    /// The table readers query: the Distributed one on a cluster.
    fn read_table(&self, table: &str) -> String {
        match self.cluster {
            Some(_) => format!("{}.{table}_all", self.db),
            None => format!("{}.{table}", self.db),
        }
    }

    /// Settings of every read: partial answers only when asked for.
    fn read_settings(&self) -> Vec<http::Setting<'static>> {
        vec![(
            "skip_unavailable_shards",
            if self.partial { "1" } else { "0" }.into(),
        )]
    }
}

impl Location {
    /// The URL that names this location (without the password).
    pub fn url(&self) -> String {
        format!("clickhouse://{}/{}", self.shards.join(","), self.database)
    }
}

impl Store for ClickHouseStore {
    fn commit(&self, batch: &Batch, detail: Detail) -> Result<CommitReport, StoreError> {
        let report = self.commit_batch(batch, detail)?;
        *self
            .stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        Ok(report)
    }

    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.read_checkpoints(Some(source))?.into_iter().next())
    }

    fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.read_checkpoints(None)
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, StoreError> {
        Ok(self
            .read_checkpoints(None)?
            .into_iter()
            .filter(|c| !c.done)
            .collect())
    }

    fn rrset_after(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_rrset(query, after, visit)
    }

    fn rdata_after(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_rdata(query, after, visit)
    }

    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_negatives(query, visit)
    }

    fn certs(
        &self,
        query: &CertQuery,
        visit: &mut dyn FnMut(CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_certs(query, visit)
    }

    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        self.scan_rows(None, visit)
    }

    fn flex(
        &self,
        search: &FlexSearch,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.scan_rows(flex::condition(search).as_deref(), visit)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut cached = self
            .stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, stats)) = cached.as_ref() {
            if at.elapsed() < STATS_FOR {
                return Ok(stats.clone());
            }
        }
        let stats = self.read_stats()?;
        *cached = Some((Instant::now(), stats.clone()));
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_shards_database_and_options() {
        let location: Location =
            "clickhouse://127.0.0.1:18120,127.0.0.1:18130/hark?writer=a&partial=1"
                .parse()
                .expect("parses");
        assert_eq!(location.shards, ["127.0.0.1:18120", "127.0.0.1:18130"]);
        assert_eq!(location.database, "hark");
        assert_eq!(location.cluster.as_deref(), Some("hark"));
        assert_eq!(location.writer, "a");
        assert!(location.partial);
        let one: Location = "clickhouse://[::1]:8123/db".parse().expect("parses");
        assert_eq!(one.cluster, None);
        for bad in [
            "http://x:1/db",
            "clickhouse://x:1",
            "clickhouse://x:1/",
            "clickhouse://x/db",
            "clickhouse://x:1/d-b",
            "clickhouse://x:1/db?fast=1",
        ] {
            assert!(bad.parse::<Location>().is_err(), "{bad}");
        }
    }
}
