//! `hark stats`: what the store holds.

use crate::output::stats_json;
use hark_store::Store;

/// What came from one upstream provider (`hark fetch`).
#[derive(serde::Serialize)]
struct Upstream {
    /// Targets it answered about.
    targets: u64,
    /// The newest fetch, epoch seconds.
    last_fetch: i64,
}

/// The upstream providers rows came from, by the checkpoints `hark fetch` records
/// (`upstream:ID:TARGET`, the fetch time as position).
fn upstream_sources(
    store: &dyn Store,
) -> anyhow::Result<std::collections::BTreeMap<String, Upstream>> {
    let mut found = std::collections::BTreeMap::new();
    for checkpoint in store.checkpoints()? {
        let source = String::from_utf8_lossy(&checkpoint.source.0).into_owned();
        let Some(rest) = source.strip_prefix("upstream:") else {
            continue;
        };
        let provider = rest.split(':').next().unwrap_or_default().to_string();
        let entry = found.entry(provider).or_insert(Upstream {
            targets: 0,
            last_fetch: 0,
        });
        entry.targets += 1;
        entry.last_fetch = entry
            .last_fetch
            .max(i64::try_from(checkpoint.position).unwrap_or(0));
    }
    Ok(found)
}

/// Prints the store's figures.
pub fn run(store: &dyn Store, location: &str, json: bool) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let stats = store.stats()?;
    let upstream = upstream_sources(store)?;
    if json {
        let mut value = stats_json(&stats);
        value["upstream"] = serde_json::to_value(&upstream)?;
        writeln!(out, "{value}")?;
        return crate::output::print(&out);
    }
    writeln!(out, "store:      {location}")?;
    writeln!(out, "rows:       {}", stats.rows)?;
    writeln!(out, "names:      {}", stats.names)?;
    writeln!(out, "negatives:  {}", stats.negatives)?;
    writeln!(out, "cert names: {}", stats.certs)?;
    writeln!(out, "files:      {}", stats.files)?;
    for (provider, figures) in &upstream {
        writeln!(
            out,
            "upstream:   {provider}: {} targets fetched, last at {}",
            figures.targets,
            crate::times::format_time(figures.last_fetch)
        )?;
    }
    let journal_bytes = stats
        .engine
        .iter()
        .find(|(name, _)| *name == "journal_bytes")
        .map_or(0, |(_, value)| *value);
    let tables = stats.disk_bytes.saturating_sub(journal_bytes);
    writeln!(
        out,
        "disk:       {:.1} MiB in tables{}, {:.1} MiB in the journal",
        tables as f64 / (1024.0 * 1024.0),
        if stats.rows > 0 {
            format!(
                " ({:.1} bytes/row, indexes included)",
                tables as f64 / stats.rows as f64
            )
        } else {
            String::new()
        },
        journal_bytes as f64 / (1024.0 * 1024.0),
    )?;
    writeln!(out, "rows per type:")?;
    let mut per_type: Vec<_> = stats.rows_per_type.iter().collect();
    per_type.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (rrtype, n) in per_type {
        writeln!(out, "  {:<10} {n}", rrtype.to_string())?;
    }
    crate::output::print(&out)
}
