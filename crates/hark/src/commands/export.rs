//! `hark export`: every RR row as COF NDJSON.

use crate::cli::Format;
use crate::output::RowWriter;
use hark_store::Store;
use std::io::Write;
use std::ops::ControlFlow;

/// Streams every row to `out`.
pub fn run(store: &dyn Store, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = RowWriter::new(std::io::BufWriter::new(out), Format::Json);
    let mut failure = None;
    store.scan(&mut |row| match writer.row(&row) {
        Ok(()) => ControlFlow::Continue(()),
        Err(err) => {
            failure = Some(err);
            ControlFlow::Break(())
        }
    })?;
    crate::commands::lookup::finish_output(failure, writer.flush())
}
