//! `hark fetch`: upstream providers' answers into the store (`hark-upstream`).

use anyhow::Context;
use hark_store::{Store, Writer};
use hark_upstream::{fetch_into, read_config, FetchOptions, Provider, Target};
use std::path::Path;

/// Asks every chosen provider about every target; prints a line per answer to stderr. The
/// previous answers are kept under `DIR/upstream` (the store's directory, or the data
/// directory with ClickHouse).
pub fn run(
    store: &dyn Store,
    dir: &Path,
    config: &Path,
    only: &[String],
    force: bool,
    targets: &[String],
) -> anyhow::Result<()> {
    let sections = read_config(config)?;
    if sections.is_empty() {
        anyhow::bail!(
            "{} has no [[upstream]] section: add one per provider (see `hark fetch --help`)",
            config.display()
        );
    }
    for id in only {
        if !sections.iter().any(|s| &s.id == id) {
            anyhow::bail!(
                "--provider {id}: {} has no [[upstream]] with that id",
                config.display()
            );
        }
    }
    let providers = sections
        .iter()
        .filter(|s| only.is_empty() || only.contains(&s.id))
        .map(Provider::new)
        .collect::<Result<Vec<_>, _>>()?;
    let targets = targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let writer = Writer::new(store);
    let options = FetchOptions {
        now: crate::times::now(),
        force,
        state_dir: dir.join("upstream"),
    };
    let mut failed = 0;
    for target in &targets {
        for provider in &providers {
            let id = &provider.section.id;
            match fetch_into(&writer, provider, target, &options)
                .with_context(|| format!("fetching {} from {id}", target.text()))
            {
                Ok(report) => match report.fresh_since {
                    Some(at) => eprintln!(
                        "{id}: {}: fresh (fetched at {}), not asked again; --force asks anyway",
                        target.text(),
                        crate::times::format_time(at)
                    ),
                    None => {
                        eprintln!(
                            "{id}: {}: {} rows ({} new) in {} requests{}",
                            target.text(),
                            report.rows,
                            report
                                .new_rows
                                .map_or_else(|| "?".to_string(), |n| n.to_string()),
                            report.requests,
                            report.note.map(|n| format!("; {n}")).unwrap_or_default()
                        );
                    }
                },
                Err(err) => {
                    failed += 1;
                    eprintln!("error: {err:#}");
                }
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} fetches failed (the others are stored)");
    }
    Ok(())
}
