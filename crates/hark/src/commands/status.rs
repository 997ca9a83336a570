//! `hark status`: what a running `hark run` is doing, from the status file it rewrites every
//! two seconds in the store's directory.

use anyhow::Context;
use serde_json::Value;
use std::path::Path;

/// Prints the status of the service keeping its store in `dir`.
pub fn run(dir: &Path, json: bool) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut out = String::new();
    let path = dir.join(crate::service::board::STATUS_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no status in {}: is `hark run` using this store? (give --db or the [store] path of its configuration)",
            dir.display()
        )
    })?;
    let status: Value = serde_json::from_str(&text).with_context(|| path.display().to_string())?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&status)?)?;
        return crate::output::print(&out);
    }
    let pid = status["pid"].as_u64().unwrap_or(0);
    let alive =
        status["running"].as_bool() == Some(true) && Path::new(&format!("/proc/{pid}")).exists();
    writeln!(
        out,
        "hark run (pid {pid}): {}, started {}, status of {}",
        if alive { "running" } else { "not running" },
        status["started"].as_str().unwrap_or("?"),
        status["updated"].as_str().unwrap_or("?"),
    )?;
    if let Some(api) = status["api"].as_str() {
        writeln!(out, "api: http://{api}")?;
    }
    for source in status["sources"].as_array().into_iter().flatten() {
        let figure = |key: &str| source[key].as_u64().unwrap_or(0);
        let kind = source["kind"].as_str().unwrap_or("?");
        let mut line = format!(
            "{} ({kind}, {}): {} units, {} messages",
            source["name"].as_str().unwrap_or("?"),
            source["location"].as_str().unwrap_or("?"),
            figure("units"),
            figure("messages"),
        );
        if kind == "dnstap" {
            line += &format!(
                ", {} connections open ({} in all), {} frames, {} dropped",
                figure("connections_open"),
                figure("connections"),
                figure("frames"),
                figure("dropped")
            );
        } else {
            line += &format!(
                ", {} files ({} skipped as read before)",
                figure("files"),
                figure("repeats")
            );
        }
        writeln!(out, "{line}")?;
        let skips: Vec<String> = source["skips"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(reason, n)| format!("{reason}={n}"))
            .collect();
        if !skips.is_empty() {
            writeln!(out, "  skipped: {}", skips.join(" "))?;
        }
    }
    crate::output::print(&out)
}
