//! What both APIs ask of the store: a lookup by owner name or by rdata, and a type filter
//! that the store alone cannot express (`ANY` without DNSSEC types, `ANY-DNSSEC`).

use crate::ApiError;
use hark_dns::RrType;
use hark_store::{
    IpRange, NamePattern, RdataMatch, RdataQuery, Row, RrsetQuery, Store, StoreError, TimeFence,
};
use std::net::IpAddr;
use std::ops::ControlFlow;

/// The DNSSEC types that DNSDB's `ANY` leaves out and `ANY-DNSSEC` keeps.
pub const DNSSEC_TYPES: [RrType; 10] = [
    RrType::DS,
    RrType::RRSIG,
    RrType::NSEC,
    RrType::DNSKEY,
    RrType::NSEC3,
    RrType::NSEC3PARAM,
    RrType::DLV,
    RrType::CDS,
    RrType::CDNSKEY,
    RrType::TA,
];

/// Most addresses in a range that [`Lookup::is_bounded`] still counts as bounded (a /24).
pub const BOUNDED_ADDRESSES: u128 = 256;

/// How many addresses a range holds (saturating).
fn range_size(range: &IpRange) -> u128 {
    match (range.low, range.high) {
        (IpAddr::V4(low), IpAddr::V4(high)) => {
            u128::from(u32::from(high).saturating_sub(u32::from(low))) + 1
        }
        (IpAddr::V6(low), IpAddr::V6(high)) => u128::from(high)
            .saturating_sub(u128::from(low))
            .saturating_add(1),
        _ => u128::MAX,
    }
}

/// Which rrtypes a lookup returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeFilter {
    /// Every type (CIRCL without a filter).
    All,
    /// DNSDB `ANY`: every type but the DNSSEC ones.
    Any,
    /// DNSDB `ANY-DNSSEC`: only the DNSSEC types.
    AnyDnssec,
    /// One type.
    Only(RrType),
}

impl TypeFilter {
    /// Parses a DNSDB type segment; absent or empty means `ANY`.
    pub fn parse(text: Option<&str>) -> Result<TypeFilter, ApiError> {
        match text.map(str::trim) {
            None | Some("") => Ok(TypeFilter::Any),
            Some(t) if t.eq_ignore_ascii_case("ANY") => Ok(TypeFilter::Any),
            Some(t) if t.eq_ignore_ascii_case("ANY-DNSSEC") => Ok(TypeFilter::AnyDnssec),
            Some(t) => t
                .parse::<RrType>()
                .map(TypeFilter::Only)
                .map_err(|_| ApiError::BadRequest(format!("{t:?} is not a record type"))),
        }
    }

    /// The type to hand the store, when the filter is one type.
    pub fn store_type(self) -> Option<RrType> {
        match self {
            TypeFilter::Only(t) => Some(t),
            _ => None,
        }
    }

    /// True when rows of `rrtype` pass.
    pub fn admits(self, rrtype: RrType) -> bool {
        match self {
            TypeFilter::All => true,
            TypeFilter::Any => !DNSSEC_TYPES.contains(&rrtype),
            TypeFilter::AnyDnssec => DNSSEC_TYPES.contains(&rrtype),
            TypeFilter::Only(t) => t == rrtype,
        }
    }
}

/// A lookup, ready to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// By owner name.
    Rrset(RrsetQuery),
    /// By what the rdata holds.
    Rdata(RdataQuery),
}

impl Lookup {
    /// True for lookups by owner name (their results carry a bailiwick).
    pub fn is_rrset(&self) -> bool {
        matches!(self, Lookup::Rrset(_))
    }

    /// True when the work of a lookup is bounded by its answer: one owner name, one rdata name
    /// with no type, raw rdata of a type not indexed by a target, or at most
    /// [`BOUNDED_ADDRESSES`] addresses, with no time fence — nothing the scan reads is dropped
    /// unseen, so the inline answer budget caps the rows read. Such a lookup costs
    /// microseconds, so it may run on the request's own thread.
    pub fn is_bounded(&self) -> bool {
        match self {
            Lookup::Rrset(query) => {
                matches!(query.name, NamePattern::Exact(_)) && query.fence == TimeFence::default()
            }
            Lookup::Rdata(query) => {
                let small = match &query.rdata {
                    // Every row pointing at the name is emitted (no type to filter on), so the
                    // answer budget bounds the work.
                    RdataMatch::Name(pattern) => {
                        matches!(pattern, NamePattern::Exact(_)) && query.rrtype.is_none()
                    }
                    // Raw rdata of a type indexed by its whole rdata is one exact prefix; of a
                    // target type, it is every row pointing at that target, filtered.
                    RdataMatch::Raw(_) => query
                        .rrtype
                        .is_some_and(|t| !RrType::TARGET_TYPES.contains(&t)),
                    RdataMatch::Ip(range) => range_size(range) <= BOUNDED_ADDRESSES,
                    RdataMatch::EveryOfType => false,
                };
                small && query.fence == TimeFence::default()
            }
        }
    }

    /// Streams the matching rows that pass `filter` to `visit`, stopping at `deadline`.
    ///
    /// Time fences, and the type of a lookup that is not by one exact name, are applied here
    /// rather than in the store, so that every row the store reads passes through this
    /// closure: a scan whose rows are all filtered out still stops at the deadline.
    pub fn run(
        &self,
        store: &dyn Store,
        filter: TypeFilter,
        deadline: tokio::time::Instant,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (fence, rrtype) = match self {
            Lookup::Rrset(q) => (q.fence, q.rrtype),
            Lookup::Rdata(q) => (q.fence, q.rrtype),
        };
        let mut rows = 0u32;
        let mut filtered = |row: Row| {
            if crate::stream::past(deadline, &mut rows) {
                return ControlFlow::Break(());
            }
            let parts = row.key.parts();
            let type_ok = rrtype.is_none_or(|t| t == parts.rrtype) && filter.admits(parts.rrtype);
            if type_ok && fence.admits(&row.tally) {
                visit(row)
            } else {
                ControlFlow::Continue(())
            }
        };
        match self {
            Lookup::Rrset(query) => {
                // The store keeps the type only where it narrows the scan itself (one name).
                let wide = RrsetQuery {
                    fence: TimeFence::default(),
                    rrtype: query
                        .rrtype
                        .filter(|_| matches!(query.name, NamePattern::Exact(_))),
                    ..query.clone()
                };
                store.rrset(&wide, &mut filtered)
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
                store.rdata(&wide, &mut filtered)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_leaves_dnssec_out() {
        let any = TypeFilter::parse(Some("any")).expect("ok");
        assert!(any.admits(RrType::A));
        assert!(!any.admits(RrType::RRSIG));
        let dnssec = TypeFilter::parse(Some("ANY-DNSSEC")).expect("ok");
        assert!(dnssec.admits(RrType::DS));
        assert!(!dnssec.admits(RrType::A));
        assert_eq!(
            TypeFilter::parse(Some("TYPE65534")).expect("ok"),
            TypeFilter::Only(RrType(65534))
        );
        assert!(TypeFilter::parse(Some("BOGUS")).is_err());
        assert_eq!(TypeFilter::parse(None).expect("ok"), TypeFilter::Any);
    }

    #[test]
    fn bounded_lookups() {
        let rrset = |name: &str, fence: TimeFence| {
            Lookup::Rrset(RrsetQuery {
                name: NamePattern::parse(name).expect("name"),
                rrtype: None,
                bailiwick: None,
                fence,
            })
        };
        let ip = |text: &str| {
            let range = IpRange::parse(text).expect("range");
            Lookup::Rdata(RdataQuery {
                rrtype: Some(range.rrtype()),
                rdata: RdataMatch::Ip(range),
                fence: TimeFence::default(),
            })
        };
        assert!(rrset("www.example.com", TimeFence::default()).is_bounded());
        assert!(!rrset("*.example.com", TimeFence::default()).is_bounded());
        let fenced = TimeFence {
            last_after: Some(1),
            ..TimeFence::default()
        };
        assert!(!rrset("www.example.com", fenced).is_bounded());
        assert!(ip("192.0.2.1").is_bounded());
        assert!(ip("192.0.2.0/24").is_bounded());
        assert!(!ip("192.0.0.0/23").is_bounded());
        assert!(ip("2001:db8::/120").is_bounded());
        assert!(!ip("2001:db8::/64").is_bounded());
    }
}
