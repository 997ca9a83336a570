//! Type filters: one record type, `ANY`, `ANY-DNSSEC`, or every type — with one meaning of
//! each everywhere (command line, DNSDB, CIRCL, native API).

use crate::QueryError;
use hark_dns::RrType;

/// The DNSSEC types that `ANY` leaves out and `ANY-DNSSEC` keeps (as DNSDB defines them).
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
///
/// `ANY` means what it means in DNSDB, whose users and clients (dnsdbq) hark answers: every
/// type but the DNSSEC ones. Every type, DNSSEC included, is what a lookup gives when no type
/// is named at all, except on the DNSDB face, where no type means `ANY` as DNSDB defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeFilter {
    /// Every type (no type named).
    All,
    /// `ANY`: every type but the DNSSEC ones.
    Any,
    /// `ANY-DNSSEC`: only the DNSSEC types.
    AnyDnssec,
    /// One type.
    Only(RrType),
}

impl TypeFilter {
    /// Parses a type segment: a mnemonic (`A`, `TYPE65534`), `ANY` or `ANY-DNSSEC`
    /// (case-insensitive); absent or empty gives `absent`.
    pub fn parse(text: Option<&str>, absent: TypeFilter) -> Result<TypeFilter, QueryError> {
        match text.map(str::trim) {
            None | Some("") => Ok(absent),
            Some(t) if t.eq_ignore_ascii_case("ANY") => Ok(TypeFilter::Any),
            Some(t) if t.eq_ignore_ascii_case("ANY-DNSSEC") => Ok(TypeFilter::AnyDnssec),
            Some(t) => t
                .parse::<RrType>()
                .map(TypeFilter::Only)
                .map_err(|_| QueryError::BadType(t.to_string())),
        }
    }

    /// The one type this filter names, for a store query that narrows by type.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_leaves_dnssec_out() {
        let any = TypeFilter::parse(Some("any"), TypeFilter::All).expect("ok");
        assert!(any.admits(RrType::A));
        assert!(!any.admits(RrType::RRSIG));
        let dnssec = TypeFilter::parse(Some("ANY-DNSSEC"), TypeFilter::All).expect("ok");
        assert!(dnssec.admits(RrType::DS));
        assert!(!dnssec.admits(RrType::A));
        assert_eq!(
            TypeFilter::parse(Some("TYPE65534"), TypeFilter::All).expect("ok"),
            TypeFilter::Only(RrType(65534))
        );
        assert!(TypeFilter::parse(Some("BOGUS"), TypeFilter::All).is_err());
        assert_eq!(
            TypeFilter::parse(None, TypeFilter::Any).expect("ok"),
            TypeFilter::Any
        );
        assert_eq!(
            TypeFilter::parse(Some(" "), TypeFilter::All).expect("ok"),
            TypeFilter::All
        );
        assert!(TypeFilter::All.admits(RrType::RRSIG));
    }
}
