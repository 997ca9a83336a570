//! `hark stats`: what the store holds.

use crate::output::stats_json;
use hark_store::Store;

/// Prints the store's figures.
pub fn run(store: &dyn Store, location: &str, json: bool) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let stats = store.stats()?;
    if json {
        writeln!(out, "{}", stats_json(&stats))?;
        return crate::output::print(&out);
    }
    writeln!(out, "store:      {location}")?;
    writeln!(out, "rows:       {}", stats.rows)?;
    writeln!(out, "names:      {}", stats.names)?;
    writeln!(out, "negatives:  {}", stats.negatives)?;
    writeln!(out, "cert names: {}", stats.certs)?;
    writeln!(out, "files:      {}", stats.files)?;
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
