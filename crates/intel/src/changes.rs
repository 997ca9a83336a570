//! One change log per domain: every record that appeared or disappeared at or below it, all
//! types, all subdomains, in time order, so "what changed in March" is one question.

use crate::{domain_rows, names, newest, IntelError, Seen};
use hark_store::Store;
use serde::Serialize;

/// A record last seen this long before the newest observation under the domain counts as
/// disappeared (captures see a record only when someone asks for it).
pub const GONE_AFTER_SECS: i64 = 7 * 86_400;

/// The change log of a domain.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeLog {
    /// The domain.
    pub domain: String,
    /// The newest observation under the domain.
    pub as_of: i64,
    /// Events, oldest first.
    pub events: Vec<Event>,
}

/// A record appearing or disappearing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When, epoch seconds.
    pub time: i64,
    /// `appeared` or `disappeared`.
    pub change: String,
    /// The owner name.
    pub rrname: String,
    /// The type.
    pub rrtype: String,
    /// The rdata.
    pub rdata: String,
}

/// The change log of `domain`, optionally within `[since, until]`.
pub fn analyse(
    store: &dyn Store,
    domain: &str,
    since: Option<i64>,
    until: Option<i64>,
) -> Result<ChangeLog, IntelError> {
    let wire = names::parse(domain)?;
    let rows = domain_rows(store, &wire, None)?;
    let as_of = newest(&rows, &[]);
    let mut events = Vec::new();
    for row in &rows {
        let parts = row.key.parts();
        let seen = Seen::of(&row.tally);
        let event = |time: i64, change: &str| Event {
            time,
            change: change.into(),
            rrname: names::text(parts.rrname),
            rrtype: parts.rrtype.to_string(),
            rdata: crate::rdata_text(row),
        };
        events.push(event(seen.first, "appeared"));
        if seen.last < as_of.saturating_sub(GONE_AFTER_SECS) {
            events.push(event(seen.last, "disappeared"));
        }
    }
    events.retain(|e| since.is_none_or(|s| e.time >= s) && until.is_none_or(|u| e.time <= u));
    events.sort_by(|a, b| {
        (a.time, &a.rrname, &a.rrtype, &a.rdata, &a.change)
            .cmp(&(b.time, &b.rrname, &b.rrtype, &b.rdata, &b.change))
    });
    Ok(ChangeLog {
        domain: names::text(&wire),
        as_of,
        events,
    })
}
