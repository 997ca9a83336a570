//! The lookups a store answers: by owner name, by what the rdata holds, negative answers by
//! question name; and [`Lookup`], the one an API request or a command line names.

use crate::{IpRange, NamePattern, TimeFence};
use hark_dns::RrType;
use std::net::IpAddr;

/// An rrset lookup: rows by owner name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrsetQuery {
    /// Which owner names.
    pub name: NamePattern,
    /// Only this type; `None` for any.
    pub rrtype: Option<RrType>,
    /// Only rows with this bailiwick (canonical wire); `None` for any.
    pub bailiwick: Option<Vec<u8>>,
    /// Time bounds.
    pub fence: TimeFence,
}

/// What an rdata lookup matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdataMatch {
    /// A and AAAA rows whose address lies in the range.
    Ip(IpRange),
    /// Rows whose rdata names this name (NS, CNAME, DNAME, PTR targets; MX exchanges; SRV,
    /// SVCB and HTTPS targets), or a name under it with a wildcard.
    Name(NamePattern),
    /// Rows whose canonical rdata is exactly these bytes.
    Raw(Vec<u8>),
    /// Every row of the query's rrtype (which must be given), in rdata order: for analyses
    /// that read all records of one type (every SPF record, to find who shares an include).
    EveryOfType,
}

/// An rdata lookup: rows by what they point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdataQuery {
    /// What the rdata must match.
    pub rdata: RdataMatch,
    /// Only this type; `None` for any.
    pub rrtype: Option<RrType>,
    /// Time bounds.
    pub fence: TimeFence,
}

/// A lookup of negative (NXDOMAIN/NODATA) rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegativeQuery {
    /// Which question names.
    pub name: NamePattern,
    /// Only this question type; `None` for any.
    pub qtype: Option<RrType>,
    /// Time bounds.
    pub fence: TimeFence,
}

/// A lookup of RR rows, as a request or a command line names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// By owner name.
    Rrset(RrsetQuery),
    /// By what the rdata holds.
    Rdata(RdataQuery),
}

/// Most addresses in a range that [`Lookup::is_bounded`] still counts as bounded (a /24).
pub const BOUNDED_ADDRESSES: u128 = 256;

impl Lookup {
    /// True for lookups by owner name (their results carry a bailiwick).
    pub fn is_rrset(&self) -> bool {
        matches!(self, Lookup::Rrset(_))
    }

    /// The lookup's time fence.
    pub fn fence(&self) -> TimeFence {
        match self {
            Lookup::Rrset(query) => query.fence,
            Lookup::Rdata(query) => query.fence,
        }
    }

    /// True when the work of a lookup is bounded by its answer: one owner name, one rdata name
    /// with no type, raw rdata of a type not indexed by a target, or at most
    /// [`BOUNDED_ADDRESSES`] addresses, with no time fence — nothing the scan reads is dropped
    /// unseen, so a cap on the answer caps the rows read. Such a lookup costs microseconds.
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
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
