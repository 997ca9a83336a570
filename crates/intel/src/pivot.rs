//! Reverse pivoting: every name seen on an address, a network or a range, with each
//! address's fan-out (how many registrable domains share it), so dedicated addresses stand
//! apart from shared hosting and CDNs. No cap hides addresses behind a crowd: every address
//! and name is listed, with the sizes (a query over [`crate::MAX_ROWS`] rows is refused
//! whole, asking for a smaller network, rather than answered in part).

use crate::{names, rdata_rows, IntelError, Seen};
use hark_store::{IpRange, RdataMatch, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// An address shared by at least this many registrable domains is flagged `shared`.
pub const SHARED_DOMAINS: usize = 5;

/// The names behind an address, network or range.
#[derive(Clone, Debug, Serialize)]
pub struct Pivot {
    /// What was asked.
    pub query: String,
    /// Rows read.
    pub rows: usize,
    /// Distinct owner names.
    pub names: usize,
    /// Distinct registrable domains.
    pub domains: usize,
    /// Every address with names, dedicated ones (fewest domains) first.
    pub addresses: Vec<AddressFanout>,
}

/// One address and who was on it.
#[derive(Clone, Debug, Serialize)]
pub struct AddressFanout {
    /// The address.
    pub address: String,
    /// Distinct registrable domains seen on it.
    pub domains: usize,
    /// True when [`SHARED_DOMAINS`] or more registrable domains share it (shared hosting,
    /// a CDN, a parking service).
    pub shared: bool,
    /// When it was seen at all.
    #[serde(flatten)]
    pub seen: Seen,
    /// Every name on it.
    pub names: Vec<NameOnAddress>,
}

/// A name seen on an address.
#[derive(Clone, Debug, Serialize)]
pub struct NameOnAddress {
    /// The owner name.
    pub rrname: String,
    /// Its registrable domain.
    pub domain: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// Pivots on `query`: an address, `net/pfx` (or DNSDB's `net,pfx`) or `lo-hi`.
pub fn analyse(store: &dyn Store, query: &str) -> Result<Pivot, IntelError> {
    let range = IpRange::parse(query).map_err(|err| IntelError::BadInput(err.to_string()))?;
    let rrtype = Some(range.rrtype());
    let rows = rdata_rows(store, RdataMatch::Ip(range), rrtype, query)?;
    let mut by_address: BTreeMap<IpAddr, BTreeMap<String, Seen>> = BTreeMap::new();
    for row in &rows {
        let seen = Seen::of(&row.tally);
        let Ok(address) = crate::rdata_text(row).parse::<IpAddr>() else {
            continue;
        };
        by_address
            .entry(address)
            .or_default()
            .entry(names::text(row.key.parts().rrname))
            .and_modify(|s| s.widen(seen))
            .or_insert(seen);
    }
    let mut all_names = BTreeSet::new();
    let mut all_domains = BTreeSet::new();
    let mut addresses: Vec<AddressFanout> = by_address
        .into_iter()
        .map(|(address, on)| {
            let mut domains = BTreeSet::new();
            let mut span: Option<Seen> = None;
            let names: Vec<NameOnAddress> = on
                .into_iter()
                .map(|(rrname, seen)| {
                    let domain = names::registrable_or_self(&rrname);
                    domains.insert(domain.clone());
                    all_domains.insert(domain.clone());
                    all_names.insert(rrname.clone());
                    match &mut span {
                        Some(s) => s.widen(seen),
                        None => span = Some(seen),
                    }
                    NameOnAddress {
                        rrname,
                        domain,
                        seen,
                    }
                })
                .collect();
            AddressFanout {
                address: address.to_string(),
                domains: domains.len(),
                shared: domains.len() >= SHARED_DOMAINS,
                seen: span.unwrap_or(Seen {
                    first: 0,
                    last: 0,
                    count: 0,
                }),
                names,
            }
        })
        .collect();
    addresses.sort_by_key(|a| a.domains);
    Ok(Pivot {
        query: query.to_string(),
        rows: rows.len(),
        names: all_names.len(),
        domains: all_domains.len(),
        addresses,
    })
}
