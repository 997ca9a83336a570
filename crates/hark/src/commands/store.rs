//! `hark store migrate` and `hark store check`.

use crate::store::Choice;
use anyhow::{bail, Context};
use hark_store_clickhouse::ClickHouseStore;
use std::fmt::Write as _;

fn cluster(choice: &Choice, what: &str) -> anyhow::Result<ClickHouseStore> {
    match choice {
        Choice::ClickHouse(location) => ClickHouseStore::connect(location)
            .with_context(|| format!("cannot reach the store at {}", location.url())),
        Choice::Embedded(dir) => bail!(
            "hark store {what} works on a ClickHouse store (--store clickhouse://...); the \
             embedded store in {} migrates itself when opened and `hark stats` shows it",
            dir.display()
        ),
    }
}

/// Creates or upgrades the schema on every shard.
pub fn migrate(choice: &Choice) -> anyhow::Result<()> {
    let store = cluster(choice, "migrate")?;
    let mut out = String::new();
    for (shard, applied) in store.migrate().context("migrating the schema")? {
        if applied.is_empty() {
            writeln!(
                out,
                "{shard}: schema version {} already",
                hark_store_clickhouse::schema::SCHEMA_VERSION
            )?;
        } else {
            writeln!(out, "{shard}: applied version(s) {applied:?}")?;
        }
    }
    crate::output::print(&out)
}

/// Prints each shard's figures.
pub fn check(choice: &Choice, json: bool) -> anyhow::Result<()> {
    let store = cluster(choice, "check")?;
    let report = store.check().context("checking the cluster")?;
    let mut out = String::new();
    if json {
        let shards: Vec<serde_json::Value> = report
            .shards
            .iter()
            .map(|shard| {
                serde_json::json!({
                    "address": shard.address,
                    "schema_version": shard.schema_version,
                    "tables": shard.tables.iter().map(|(table, rows, parts)| {
                        serde_json::json!({"table": table, "rows_unmerged": rows, "parts": parts})
                    }).collect::<Vec<_>>(),
                    "merges_running": shard.merges_running,
                    "staged_batches": shard.staged_batches,
                    "disk_bytes": shard.disk_bytes,
                })
            })
            .collect();
        let value = serde_json::json!({
            "shards": shards,
            "unapplied_batches": report.unapplied_batches,
        });
        writeln!(out, "{value}")?;
        return crate::output::print(&out);
    }
    for shard in &report.shards {
        writeln!(
            out,
            "shard {}: schema {}, {:.1} MiB on disk, {} merge(s) running, {} batch(es) staged",
            shard.address,
            shard.schema_version,
            shard.disk_bytes as f64 / (1024.0 * 1024.0),
            shard.merges_running,
            shard.staged_batches
        )?;
        for (table, rows, parts) in &shard.tables {
            writeln!(
                out,
                "  {table:<9} {rows:>12} rows before merging in {parts} part(s)"
            )?;
        }
    }
    writeln!(
        out,
        "commits recorded but not applied: {} (the writer that made them finishes them when it \
         restarts)",
        report.unapplied_batches
    )?;
    crate::output::print(&out)
}
