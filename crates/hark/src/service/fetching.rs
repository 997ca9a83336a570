//! `[[fetch]]` sources: the upstream providers asked about a list of targets, round after
//! round, through the service's one writer — `hark fetch` on a schedule.
//!
//! Each answer goes through [`hark_upstream::fetch_into`]: an answer still fresh is not asked
//! again (so rounds shorter than the providers' `fresh` cost no queries), and a refetch adds
//! only what the provider's counts grew by. A provider that fails (away, quota spent) is
//! logged and counted, and asked again next round; the other providers go on.

use super::board::SourceEntry;
use super::sources::Shared;
use hark_ingest::source::SourceReport;
use hark_upstream::{fetch_into, FetchOptions, Provider, Target};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs rounds until `stop` is set: every provider about every target, then a pause of
/// `every` (cut short by a stop). Rows committed count as the source's units; answers as its
/// messages; answers still fresh as `fresh_not_asked` skips, failures as `fetch_failed`.
#[allow(clippy::too_many_arguments)] // the parts of one source, each used once
pub fn rounds(
    name: &str,
    providers: &[Provider],
    targets: &[Target],
    state_dir: &Path,
    every: Duration,
    shared: &Shared<'_>,
    entry: &SourceEntry,
    stop: &AtomicBool,
) {
    loop {
        let options = FetchOptions {
            now: crate::times::now(),
            force: false,
            state_dir: state_dir.to_path_buf(),
        };
        let mut round = SourceReport::default();
        'round: for target in targets {
            for provider in providers {
                if stop.load(Ordering::Acquire) {
                    break 'round;
                }
                let id = &provider.section.id;
                match fetch_into(shared.sink, provider, target, &options) {
                    Ok(report) if report.fresh_since.is_some() => {
                        round.skips.add("fresh_not_asked");
                    }
                    Ok(report) => {
                        round.messages += 1;
                        entry.units.fetch_add(report.rows as u64, Ordering::Relaxed);
                        tracing::info!(source = name, provider = %id, target = %target.text(), rows = report.rows, "fetched");
                    }
                    Err(err) => {
                        round.skips.add("fetch_failed");
                        tracing::warn!(source = name, provider = %id, target = %target.text(), error = %err, "fetch failed; asked again next round");
                    }
                }
            }
        }
        entry.add_finished(&round);
        let next = Instant::now() + every;
        while Instant::now() < next {
            if stop.load(Ordering::Acquire) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
