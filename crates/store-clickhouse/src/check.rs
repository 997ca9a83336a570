//! `hark store check`: what each shard holds and whether the cluster is healthy.

use crate::http::quote;
use crate::{call, ClickHouseStore};
use hark_store::StoreError;

/// One shard's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardReport {
    /// `host:port`.
    pub address: String,
    /// Its schema version.
    pub schema_version: u32,
    /// Per row table: (table, stored rows before merging, active parts).
    pub tables: Vec<(String, u64, u64)>,
    /// Merges running now.
    pub merges_running: u64,
    /// Batches staged but not yet applied and dropped.
    pub staged_batches: u64,
    /// Bytes on disk of the database's active parts.
    pub disk_bytes: u64,
}

/// What `check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// One entry per shard, in URL order.
    pub shards: Vec<ShardReport>,
    /// Batches recorded in the ledger but not applied (a writer died mid-commit; its
    /// restart finishes them).
    pub unapplied_batches: u64,
}

impl ClickHouseStore {
    /// Reads every shard's figures. Fails naming the first shard that does not answer.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let db = &self.db;
        let mut report = CheckReport::default();
        for shard in &self.shards {
            let text = |sql: String| {
                self.http
                    .text(shard, &format!("{sql} FORMAT TabSeparated"), &[])
                    .map_err(call)
            };
            let mut figures = ShardReport {
                address: shard.address.clone(),
                schema_version: crate::schema::version(&self.http, shard, db)?,
                ..ShardReport::default()
            };
            for line in text(format!(
                "SELECT table, sum(rows), count(), sum(bytes_on_disk) FROM system.parts \
                 WHERE database = {} AND active GROUP BY table ORDER BY table",
                quote(db)
            ))?
            .lines()
            {
                let fields: Vec<&str> = line.split('\t').collect();
                if let [table, rows, parts, bytes] = fields[..] {
                    figures.disk_bytes += bytes.parse::<u64>().unwrap_or(0);
                    if table != "stage_states" && table != "ledger" && table != "migrations" {
                        figures.tables.push((
                            table.to_string(),
                            rows.parse().unwrap_or(0),
                            parts.parse().unwrap_or(0),
                        ));
                    }
                }
            }
            figures.merges_running = text(format!(
                "SELECT count() FROM system.merges WHERE database = {}",
                quote(db)
            ))?
            .trim()
            .parse()
            .unwrap_or(0);
            figures.staged_batches =
                text(format!("SELECT uniqExact(batch) FROM {db}.stage_states"))?
                    .trim()
                    .parse()
                    .unwrap_or(0);
            report.shards.push(figures);
        }
        report.unapplied_batches = self
            .http
            .text(
                self.entry(),
                &format!(
                    "SELECT uniqExact(batch) FROM {db}.ledger WHERE kind = 0 AND batch NOT IN \
                     (SELECT batch FROM {db}.ledger WHERE kind = 2) FORMAT TabSeparated"
                ),
                &[],
            )
            .map_err(call)?
            .trim()
            .parse()
            .unwrap_or(0);
        Ok(report)
    }
}
