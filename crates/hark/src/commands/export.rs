//! `hark export`: every RR row (or every negative row) as NDJSON.

use crate::cli::Format;
use crate::output::RowWriter;
use hark_store::{NamePattern, NegativeQuery, Store, TimeFence};
use std::io::Write;
use std::ops::ControlFlow;

/// Streams every row (every negative row with `negatives`) to `out`.
pub fn run(store: &dyn Store, negatives: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = RowWriter::new(std::io::BufWriter::new(out), Format::Json);
    let mut failure = None;
    if negatives {
        // The root itself, then every name below it: every negative row.
        let root = b"\0".to_vec();
        for name in [
            NamePattern::Exact(root.clone()),
            NamePattern::Subdomains(root),
        ] {
            let query = NegativeQuery {
                name,
                qtype: None,
                fence: TimeFence::default(),
            };
            store.negatives(&query, &mut |row| match writer.negative(&row) {
                Ok(()) => ControlFlow::Continue(()),
                Err(err) => {
                    failure = Some(err);
                    ControlFlow::Break(())
                }
            })?;
        }
        return crate::commands::lookup::finish_output(failure, writer.flush());
    }
    store.scan(&mut |row| match writer.row(&row) {
        Ok(()) => ControlFlow::Continue(()),
        Err(err) => {
            failure = Some(err);
            ControlFlow::Break(())
        }
    })?;
    crate::commands::lookup::finish_output(failure, writer.flush())
}
