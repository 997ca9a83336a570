//! Running a [`Lookup`] with a [`TypeFilter`]: what every face (command line, DNSDB, CIRCL,
//! native API) does with a parsed query.

use crate::{
    Lookup, NamePattern, NegativeQuery, NegativeRow, RdataMatch, RdataQuery, Row, RrsetQuery,
    Store, StoreError,
};
use hark_query::{TimeFence, TypeFilter};
use hark_record::RrKey;
use std::ops::ControlFlow;

/// Streams the rows of `lookup` that pass `filter` and its fence to `visit`, resumed after the
/// row keyed `after` when given (in the order the store states for the lookup).
///
/// The fence, and the type of a lookup that is not by one exact name, are applied here rather
/// than in the store, and `on_read` is called for every row the store reads, kept or not: a
/// caller with a deadline stops there, so a scan whose rows are all filtered out still stops.
pub fn run_lookup(
    store: &dyn Store,
    lookup: &Lookup,
    filter: TypeFilter,
    after: Option<&RrKey>,
    on_read: &mut dyn FnMut() -> ControlFlow<()>,
    visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    let fence = lookup.fence();
    let rrtype = match lookup {
        Lookup::Rrset(q) => q.rrtype,
        Lookup::Rdata(q) => q.rrtype,
    };
    let mut filtered = |row: Row| {
        on_read()?;
        let parts = row.key.parts();
        let type_ok = rrtype.is_none_or(|t| t == parts.rrtype) && filter.admits(parts.rrtype);
        if type_ok && fence.admits(&row.tally) {
            visit(row)
        } else {
            ControlFlow::Continue(())
        }
    };
    match lookup {
        Lookup::Rrset(query) => {
            // The store keeps the type only where it narrows the scan itself (one name).
            let wide = RrsetQuery {
                fence: TimeFence::default(),
                rrtype: query
                    .rrtype
                    .filter(|_| matches!(query.name, NamePattern::Exact(_))),
                ..query.clone()
            };
            store.rrset_after(&wide, after, &mut filtered)
        }
        Lookup::Rdata(query) => {
            // The type picks the index part for addresses and raw rdata: it stays.
            let keeps_type = matches!(
                query.rdata,
                RdataMatch::Ip(_) | RdataMatch::Raw(_) | RdataMatch::EveryOfType
            );
            let wide = RdataQuery {
                fence: TimeFence::default(),
                rrtype: query.rrtype.filter(|_| keeps_type),
                ..query.clone()
            };
            store.rdata_after(&wide, after, &mut filtered)
        }
    }
}

/// Streams the negative rows of `query` whose question type passes `filter` to `visit`.
pub fn run_negatives(
    store: &dyn Store,
    query: &NegativeQuery,
    filter: TypeFilter,
    visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    store.negatives(query, &mut |row| {
        if filter.admits(row.key.qtype) {
            visit(row)
        } else {
            ControlFlow::Continue(())
        }
    })
}
