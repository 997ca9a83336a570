//! Historical IP tracking: every A/AAAA a name had, as periods, and when hosting moved.

use crate::timeline::{self, Change, Period};
use crate::{names, rrset_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, Store};
use serde::Serialize;
use std::collections::BTreeMap;

/// The address history of one name or of every name under a domain.
#[derive(Clone, Debug, Serialize)]
pub struct AddressHistory {
    /// What was asked.
    pub query: String,
    /// One entry per owner name with addresses, in name order.
    pub names: Vec<NameHistory>,
}

/// The addresses of one owner name.
#[derive(Clone, Debug, Serialize)]
pub struct NameHistory {
    /// The owner name.
    pub rrname: String,
    /// Each address with when it was seen, oldest first.
    pub addresses: Vec<AddressSeen>,
    /// Periods of constant address sets.
    pub periods: Vec<Period>,
    /// When every address was replaced.
    pub moves: Vec<Change>,
}

/// One address of a name.
#[derive(Clone, Debug, Serialize)]
pub struct AddressSeen {
    /// The address.
    pub address: String,
    /// `A` or `AAAA`.
    pub rrtype: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// The history of `name`, and with `subdomains` of every name below it too.
pub fn analyse(
    store: &dyn Store,
    name: &str,
    subdomains: bool,
) -> Result<AddressHistory, IntelError> {
    let wire = names::parse(name)?;
    let query = names::text(&wire);
    let mut rows = Vec::new();
    for rrtype in [RrType::A, RrType::AAAA] {
        rows.extend(rrset_rows(
            store,
            NamePattern::Exact(wire.clone()),
            Some(rrtype),
            &query,
        )?);
        if subdomains {
            rows.extend(rrset_rows(
                store,
                NamePattern::Subdomains(wire.clone()),
                Some(rrtype),
                &query,
            )?);
        }
    }
    // rrname -> address -> (type, seen); several bailiwicks of one address are one address.
    let mut by_name: BTreeMap<String, BTreeMap<String, (String, Seen)>> = BTreeMap::new();
    for row in &rows {
        let parts = row.key.parts();
        let seen = Seen::of(&row.tally);
        by_name
            .entry(names::text(parts.rrname))
            .or_default()
            .entry(crate::rdata_text(row))
            .and_modify(|(_, known)| known.widen(seen))
            .or_insert_with(|| (parts.rrtype.to_string(), seen));
    }
    let names = by_name
        .into_iter()
        .map(|(rrname, addresses)| {
            let mut addresses: Vec<AddressSeen> = addresses
                .into_iter()
                .map(|(address, (rrtype, seen))| AddressSeen {
                    address,
                    rrtype,
                    seen,
                })
                .collect();
            addresses.sort_by(|a, b| (a.seen.first, &a.address).cmp(&(b.seen.first, &b.address)));
            let intervals: Vec<(String, i64, i64)> = addresses
                .iter()
                .map(|a| (a.address.clone(), a.seen.first, a.seen.last))
                .collect();
            let periods = timeline::periods(&intervals);
            let moves = timeline::changes(&periods);
            NameHistory {
                rrname,
                addresses,
                periods,
                moves,
            }
        })
        .collect();
    Ok(AddressHistory { query, names })
}
