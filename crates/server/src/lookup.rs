//! Running a lookup for an answer: [`hark_store::run_lookup`] with the request's deadline.

use hark_store::{run_lookup, Lookup, Row, RrKey, Store, StoreError, TypeFilter};
use std::ops::ControlFlow;

/// Streams the rows of `lookup` that pass `filter` to `visit`, resumed after `after`, stopping
/// at `deadline` (looked at every [`crate::stream::ROWS_PER_CLOCK_CHECK`] rows read, kept
/// or not).
pub fn run(
    store: &dyn Store,
    lookup: &Lookup,
    filter: TypeFilter,
    after: Option<&RrKey>,
    deadline: tokio::time::Instant,
    visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    let mut rows = 0u32;
    let mut on_read = || {
        if crate::stream::past(deadline, &mut rows) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    run_lookup(store, lookup, filter, after, &mut on_read, visit)
}
