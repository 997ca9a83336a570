//! Resource record types: the IANA number as a newtype, with mnemonics.
//!
//! Unknown numbers pass through unchanged and are written `TYPE65534`
//! (RFC 3597 §5). Parsing accepts a mnemonic in any case, `TYPEnnn`, or a
//! bare decimal number.

use std::fmt;
use std::str::FromStr;

/// A resource record type (the 16-bit TYPE field of an RR).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RrType(pub u16);

macro_rules! rrtypes {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:expr;)*) => {
        impl RrType {
            $($(#[$doc])* pub const $name: RrType = RrType($value);)*
        }
        /// Every named type, sorted by number.
        const TABLE: &[(u16, &str)] = &[$(($value, $text)),*];
    };
}

rrtypes! {
    /// IPv4 address (RFC 1035).
    A = 1, "A";
    /// Authoritative name server (RFC 1035).
    NS = 2, "NS";
    /// Mail destination, obsolete (RFC 1035).
    MD = 3, "MD";
    /// Mail forwarder, obsolete (RFC 1035).
    MF = 4, "MF";
    /// Canonical name (RFC 1035).
    CNAME = 5, "CNAME";
    /// Start of authority (RFC 1035).
    SOA = 6, "SOA";
    /// Mailbox domain name (RFC 1035).
    MB = 7, "MB";
    /// Mail group member (RFC 1035).
    MG = 8, "MG";
    /// Mail rename domain name (RFC 1035).
    MR = 9, "MR";
    /// Null RR (RFC 1035).
    NULL = 10, "NULL";
    /// Well-known services (RFC 1035).
    WKS = 11, "WKS";
    /// Domain name pointer (RFC 1035).
    PTR = 12, "PTR";
    /// Host information (RFC 1035).
    HINFO = 13, "HINFO";
    /// Mailbox or mail list information (RFC 1035).
    MINFO = 14, "MINFO";
    /// Mail exchange (RFC 1035).
    MX = 15, "MX";
    /// Text strings (RFC 1035).
    TXT = 16, "TXT";
    /// Responsible person (RFC 1183).
    RP = 17, "RP";
    /// AFS database location (RFC 1183).
    AFSDB = 18, "AFSDB";
    /// X.25 PSDN address (RFC 1183).
    X25 = 19, "X25";
    /// ISDN address (RFC 1183).
    ISDN = 20, "ISDN";
    /// Route through (RFC 1183).
    RT = 21, "RT";
    /// NSAP address (RFC 1706).
    NSAP = 22, "NSAP";
    /// NSAP domain name pointer (RFC 1706).
    NSAP_PTR = 23, "NSAP-PTR";
    /// Security signature, obsolete (RFC 2535).
    SIG = 24, "SIG";
    /// Security key, obsolete (RFC 2535).
    KEY = 25, "KEY";
    /// X.400 mail mapping (RFC 2163).
    PX = 26, "PX";
    /// Geographical position (RFC 1712).
    GPOS = 27, "GPOS";
    /// IPv6 address (RFC 3596).
    AAAA = 28, "AAAA";
    /// Location (RFC 1876).
    LOC = 29, "LOC";
    /// Next domain, obsolete (RFC 2535).
    NXT = 30, "NXT";
    /// Endpoint identifier.
    EID = 31, "EID";
    /// Nimrod locator.
    NIMLOC = 32, "NIMLOC";
    /// Server selection (RFC 2782).
    SRV = 33, "SRV";
    /// ATM address.
    ATMA = 34, "ATMA";
    /// Naming authority pointer (RFC 3403).
    NAPTR = 35, "NAPTR";
    /// Key exchanger (RFC 2230).
    KX = 36, "KX";
    /// Certificate (RFC 4398).
    CERT = 37, "CERT";
    /// IPv6 address, historic (RFC 6563).
    A6 = 38, "A6";
    /// Delegation name (RFC 6672).
    DNAME = 39, "DNAME";
    /// Kitchen sink.
    SINK = 40, "SINK";
    /// EDNS(0) pseudo-RR (RFC 6891); meta.
    OPT = 41, "OPT";
    /// Address prefix list (RFC 3123).
    APL = 42, "APL";
    /// Delegation signer (RFC 4034).
    DS = 43, "DS";
    /// SSH key fingerprint (RFC 4255).
    SSHFP = 44, "SSHFP";
    /// IPsec key (RFC 4025).
    IPSECKEY = 45, "IPSECKEY";
    /// DNSSEC signature (RFC 4034).
    RRSIG = 46, "RRSIG";
    /// Next secure (RFC 4034).
    NSEC = 47, "NSEC";
    /// DNS key (RFC 4034).
    DNSKEY = 48, "DNSKEY";
    /// DHCP identifier (RFC 4701).
    DHCID = 49, "DHCID";
    /// Hashed next secure (RFC 5155).
    NSEC3 = 50, "NSEC3";
    /// NSEC3 parameters (RFC 5155).
    NSEC3PARAM = 51, "NSEC3PARAM";
    /// TLSA certificate association (RFC 6698).
    TLSA = 52, "TLSA";
    /// S/MIME certificate association (RFC 8162).
    SMIMEA = 53, "SMIMEA";
    /// Host identity protocol (RFC 8005).
    HIP = 55, "HIP";
    /// Zone status information.
    NINFO = 56, "NINFO";
    /// Resource key.
    RKEY = 57, "RKEY";
    /// Trust anchor link.
    TALINK = 58, "TALINK";
    /// Child DS (RFC 7344).
    CDS = 59, "CDS";
    /// Child DNSKEY (RFC 7344).
    CDNSKEY = 60, "CDNSKEY";
    /// OpenPGP key (RFC 7929).
    OPENPGPKEY = 61, "OPENPGPKEY";
    /// Child-to-parent synchronisation (RFC 7477).
    CSYNC = 62, "CSYNC";
    /// Zone message digest (RFC 8976).
    ZONEMD = 63, "ZONEMD";
    /// Service binding (RFC 9460).
    SVCB = 64, "SVCB";
    /// HTTPS service binding (RFC 9460).
    HTTPS = 65, "HTTPS";
    /// DNS synchronisation endpoint (RFC 9859).
    DSYNC = 66, "DSYNC";
    /// Sender policy framework, obsolete (RFC 7208).
    SPF = 99, "SPF";
    /// Reserved (IANA).
    UINFO = 100, "UINFO";
    /// Reserved (IANA).
    UID = 101, "UID";
    /// Reserved (IANA).
    GID = 102, "GID";
    /// Reserved (IANA).
    UNSPEC = 103, "UNSPEC";
    /// ILNP node identifier (RFC 6742).
    NID = 104, "NID";
    /// ILNP 32-bit locator (RFC 6742).
    L32 = 105, "L32";
    /// ILNP 64-bit locator (RFC 6742).
    L64 = 106, "L64";
    /// ILNP locator pointer (RFC 6742).
    LP = 107, "LP";
    /// 48-bit EUI address (RFC 7043).
    EUI48 = 108, "EUI48";
    /// 64-bit EUI address (RFC 7043).
    EUI64 = 109, "EUI64";
    /// Transaction key (RFC 2930); meta.
    TKEY = 249, "TKEY";
    /// Transaction signature (RFC 8945); meta.
    TSIG = 250, "TSIG";
    /// Incremental zone transfer (RFC 1995); query only.
    IXFR = 251, "IXFR";
    /// Full zone transfer (RFC 1035); query only.
    AXFR = 252, "AXFR";
    /// Mailbox-related records (RFC 1035); query only.
    MAILB = 253, "MAILB";
    /// Mail agent records, obsolete (RFC 1035); query only.
    MAILA = 254, "MAILA";
    /// All records (RFC 1035, RFC 8482); query only.
    ANY = 255, "ANY";
    /// Uniform resource identifier (RFC 7553).
    URI = 256, "URI";
    /// Certification authority authorization (RFC 8659).
    CAA = 257, "CAA";
    /// Application visibility and control.
    AVC = 258, "AVC";
    /// Digital object architecture.
    DOA = 259, "DOA";
    /// Automatic multicast tunneling relay (RFC 8777).
    AMTRELAY = 260, "AMTRELAY";
    /// Resolver information (RFC 9606).
    RESINFO = 261, "RESINFO";
    /// Public wallet address.
    WALLET = 262, "WALLET";
    /// DNSSEC trust authorities.
    TA = 32768, "TA";
    /// DNSSEC lookaside validation, obsolete (RFC 8749).
    DLV = 32769, "DLV";
}

impl RrType {
    /// The types whose rdata names a target host (after a fixed-size prefix such as an MX
    /// preference): the ones stores index, and analyses pivot, by that target.
    pub const TARGET_TYPES: [RrType; 11] = [
        RrType::NS,
        RrType::CNAME,
        RrType::DNAME,
        RrType::PTR,
        RrType::MX,
        RrType::KX,
        RrType::AFSDB,
        RrType::RT,
        RrType::SVCB,
        RrType::HTTPS,
        RrType::SRV,
    ];

    /// Whether records of this type are meta: OPT, TSIG, TKEY and the
    /// query-only types 249..=255. They are never stored as rows.
    pub fn is_meta(self) -> bool {
        self == RrType::OPT || (249..=255).contains(&self.0)
    }

    /// The mnemonic of a named type, `None` for an unassigned number.
    pub fn mnemonic(self) -> Option<&'static str> {
        TABLE
            .binary_search_by_key(&self.0, |&(value, _)| value)
            .ok()
            .and_then(|index| TABLE.get(index))
            .map(|&(_, text)| text)
    }
}

impl fmt::Display for RrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mnemonic() {
            Some(text) => f.write_str(text),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

/// A text that names no rrtype.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("unknown rrtype {0:?}: expected a mnemonic, TYPEnnn or a decimal number")]
pub struct ParseRrTypeError(pub String);

impl FromStr for RrType {
    type Err = ParseRrTypeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(&(value, _)) = TABLE
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(text))
        {
            return Ok(RrType(value));
        }
        let digits = match text.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("TYPE") => text.get(4..).unwrap_or(""),
            _ => text,
        };
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(value) = digits.parse::<u16>() {
                return Ok(RrType(value));
            }
        }
        Err(ParseRrTypeError(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn display_and_parse() {
        assert_eq!(RrType::AAAA.to_string(), "AAAA");
        assert_eq!(RrType(65534).to_string(), "TYPE65534");
        assert_eq!(RrType::NSAP_PTR.to_string(), "NSAP-PTR");
        assert_eq!("aaaa".parse::<RrType>(), Ok(RrType::AAAA));
        assert_eq!("type65534".parse::<RrType>(), Ok(RrType(65534)));
        assert_eq!("TYPE1".parse::<RrType>(), Ok(RrType::A));
        assert_eq!("28".parse::<RrType>(), Ok(RrType::AAAA));
        assert_eq!(
            "TYPE65536".parse::<RrType>(),
            Err(ParseRrTypeError("TYPE65536".into()))
        );
        assert!("BOGUS".parse::<RrType>().is_err());
        assert!("".parse::<RrType>().is_err());
        assert!("TYPE".parse::<RrType>().is_err());
        assert!("+1".parse::<RrType>().is_err());
    }

    #[test]
    fn meta() {
        for t in [
            RrType::OPT,
            RrType::TSIG,
            RrType::TKEY,
            RrType::ANY,
            RrType::AXFR,
        ] {
            assert!(t.is_meta(), "{t}");
        }
        for t in [RrType::A, RrType::SOA, RrType::RRSIG, RrType::URI] {
            assert!(!t.is_meta(), "{t}");
        }
    }
}
