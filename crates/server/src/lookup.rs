//! What both APIs ask of the store: a lookup by owner name or by rdata, and a type filter
//! that the store alone cannot express (`ANY` without DNSSEC types, `ANY-DNSSEC`).

use crate::ApiError;
use hark_dns::RrType;
use hark_store::{RdataQuery, Row, RrsetQuery, Store, StoreError};
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

    /// Streams the matching rows that pass `filter` to `visit`.
    pub fn run(
        &self,
        store: &dyn Store,
        filter: TypeFilter,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut filtered = |row: Row| {
            if filter.admits(row.key.parts().rrtype) {
                visit(row)
            } else {
                ControlFlow::Continue(())
            }
        };
        match self {
            Lookup::Rrset(query) => store.rrset(query, &mut filtered),
            Lookup::Rdata(query) => store.rdata(query, &mut filtered),
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
}
