//! hark-query: the one query language of hark, shared by the command line, the DNSDB and
//! CIRCL faces and the native API.
//!
//! - [`NamePattern`]: an owner name, its subdomains (`*.example.com`) or names starting with
//!   given labels (`www.example.*`);
//! - [`IpRange`]: an address, CIDR or range; [`TimeFence`]: bounds on first/last seen;
//! - [`TypeFilter`]: one type, `ANY` (without DNSSEC types, as DNSDB means it), `ANY-DNSSEC`,
//!   or every type — one meaning everywhere;
//! - the queries a store answers ([`RrsetQuery`], [`RdataQuery`], [`NegativeQuery`]) and
//!   [`Lookup`], the one a request names;
//! - [`parse_lookup`], [`parse_subject`], [`parse_negative`]: the grammar of lookups
//!   (`rrset/name/NAME/TYPE/BAILIWICK`...), parsed once, with errors a user can act on.
//!
//! It is not: a store (`hark-store` runs these queries), nor HTTP (`hark-server` maps
//! [`QueryError`] to answers).
//!
//! ```
//! use hark_query::{parse_lookup, Lookup, TimeFence, TypeFilter};
//! let (lookup, filter) = parse_lookup(
//!     &["rrset", "name", "*.example.com", "ANY"],
//!     TimeFence::default(),
//!     TypeFilter::All,
//! )?;
//! assert!(matches!(lookup, Lookup::Rrset(_)));
//! assert!(!filter.admits(hark_dns::RrType::RRSIG));
//! # Ok::<(), hark_query::QueryError>(())
//! ```
#![deny(missing_docs)]

mod fence;
mod lookup;
mod path;
mod pattern;
mod range;
mod types;

pub use fence::TimeFence;
pub use lookup::{Lookup, NegativeQuery, RdataMatch, RdataQuery, RrsetQuery, BOUNDED_ADDRESSES};
pub use path::{parse_lookup, parse_negative, parse_subject};
pub use pattern::{NamePattern, PatternError};
pub use range::{prefix_length, IpRange, RangeError};
pub use types::{TypeFilter, DNSSEC_TYPES};

/// A lookup that cannot be run as written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    /// Not a kind of lookup hark knows (`rrset/bogus/...`); a server answers 404.
    #[error(
        "not a lookup hark knows: use rrset/name, rrset/raw, rdata/name, rdata/raw or rdata/ip"
    )]
    UnknownPath,
    /// The value to look up is missing.
    #[error("the value to look up is missing: expected {0}")]
    Missing(&'static str),
    /// More parts than the grammar takes.
    #[error("too many parts: expected {0}")]
    TooManyParts(&'static str),
    /// Not a record type.
    #[error(
        "{0:?} is not a record type: use a mnemonic like A, MX, TXT, TYPE65534, ANY or ANY-DNSSEC"
    )]
    BadType(String),
    /// An address lookup with a type other than A, AAAA or ANY.
    #[error("address lookups take the type A, AAAA or ANY, not {0:?}")]
    AddressType(String),
    /// A bad name pattern.
    #[error(transparent)]
    Pattern(#[from] PatternError),
    /// A bad address, CIDR or range.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// A bailiwick that is not a name.
    #[error("bailiwick {text:?}: {reason}")]
    BadBailiwick {
        /// What was given.
        text: String,
        /// Why it is not a name.
        reason: String,
    },
    /// Hex that does not decode.
    #[error("{0:?} is not an even number of hex digits")]
    BadHex(String),
    /// Hex that decodes to no wire-format name.
    #[error("{text:?} is not a wire-format name: {reason}")]
    BadRawName {
        /// What was given.
        text: String,
        /// Why it is not a name.
        reason: String,
    },
}
