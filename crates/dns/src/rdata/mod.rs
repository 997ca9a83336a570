//! Record data: wire → canonical rdata → presentation text, and back.
//!
//! *Canonical rdata* is the rdata with every domain name inside it
//! decompressed and ASCII-lowercased (RFC 4034 §6.2, extended to every type
//! this module knows), and all other bytes verbatim but one: a WKS port
//! bitmap loses its trailing zero octets, so that the same set of ports has
//! one canonical form. Names are decompressed
//! in NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX (RFC 3597 §4) and in
//! RP, AFSDB, RT, PX, NAPTR, SRV, KX, DNAME, the RRSIG signer, the NSEC next
//! name and the SVCB/HTTPS target. [`canonicalize`] also checks each known
//! type's layout (A is 4 bytes, WKS at least 5, names end inside the rdata,
//! TXT strings fit, type bitmaps are well formed, …); rdata that fails is a
//! [`RdataError`].
//!
//! # Presentation format
//!
//! One canonical text form per rdata, close to what `dig` prints. The code
//! is hand-written: `domain` 0.12's `Display` lacks several of these types
//! and differs from dig in places (quoting, base64 spacing, hex case).
//!
//! - Hex is UPPERCASE everywhere (digests, SSHFP, TLSA, salts, EUI, `\#`),
//!   base64 is one token with no spaces, base32hex (NSEC3) is uppercase.
//! - Names are absolute with a trailing dot, escaped as in [`crate::name`].
//! - Character strings are always quoted; `"` and `\` are backslash-escaped
//!   and bytes below 0x20 or above 0x7e are written `\DDD`.
//! - A `1.2.3.4`; AAAA per RFC 5952; WKS `192.0.2.1 6 25 80` (address,
//!   protocol number, then each port whose bit is set, ascending; as input
//!   the protocol may also be `tcp` or `udp`, any case); NS, CNAME, DNAME,
//!   PTR, MB, MG, MR, MD, MF `name.`; MX, AFSDB, RT, KX `10 name.`;
//!   PX `10 map822. mapx400.`;
//!   SOA `mname. rname. serial refresh retry expire minimum`; RP and MINFO
//!   `a. b.`; TXT and SPF `"one" "two"`; HINFO `"cpu" "os"`;
//!   SRV `prio weight port target.`;
//!   NAPTR `order pref "flags" "services" "regexp" replacement.`;
//!   CAA `flags tag "value"`; URI `prio weight "target"`;
//!   SSHFP `alg type HEX`; TLSA, SMIMEA `usage selector mtype HEX`;
//!   DS, CDS `keytag alg dtype HEX`; DNSKEY, CDNSKEY `flags proto alg base64`;
//!   RRSIG `TYPE alg labels origttl YYYYMMDDHHMMSS YYYYMMDDHHMMSS keytag signer. base64`;
//!   NSEC `next. A NS SOA …`; NSEC3 `alg flags iter salt NEXTHASH types`
//!   (salt `-` when empty); NSEC3PARAM `alg flags iter salt`;
//!   LOC as RFC 1876 and dig (`52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`);
//!   SVCB, HTTPS per RFC 9460 (`1 . alpn="h2,h3" port=443 ipv4hint=1.2.3.4`,
//!   unknown keys `key65000="…"`, a comma inside an alpn id as `\\,`);
//!   OPENPGPKEY base64; ZONEMD `serial scheme alg HEX`;
//!   CSYNC `serial flags types`; EUI48, EUI64 `00-00-5E-00-53-2A`.
//!   Type bitmaps list mnemonics, `TYPEnnn` for unknown types.
//! - Any other type, and any rdata that does not fit its type's layout (or
//!   whose typed text would not read back to the same bytes, such as a
//!   bitmap with trailing zero octets), is written as RFC 3597 `\# len HEX`
//!   (`\# 0` when empty). [`from_presentation`] accepts `\#` for every type.
//!
//! # Where the code lives
//!
//! This file holds the field layout of every typed record, which each
//! direction walks. The submodules each do one job: `canonical` (wire
//! validation and canonicalization), `present` (wire → text), `parse`
//! (text → wire), `time` (RRSIG times and civil dates), `loc`, `svcb` and
//! `wks` (the fields of those types, both ways), `reader` (the bounds-checked
//! cursor over rdata) and `error` ([`RdataError`]).

mod canonical;
mod error;
mod loc;
mod parse;
mod present;
mod reader;
mod svcb;
mod time;
mod wks;

pub use canonical::canonicalize;
pub(crate) use canonical::decompress_name;
pub use error::RdataError;
pub use parse::{from_presentation, from_presentation_in, is_relative_name};
pub use present::{present_generic, to_presentation};

use crate::rrtype::RrType;

// ------------------------------------------------------------ field layouts

/// One field of a type's rdata layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// One octet, decimal.
    U8,
    /// Two octets, decimal.
    U16,
    /// Four octets, decimal.
    U32,
    /// RRSIG inception/expiration.
    Time,
    /// RRSIG type covered.
    Type,
    /// A domain name (decompressed, lowercased).
    Name,
    /// One character string (u8 length).
    CharStr,
    /// One or more character strings to the end.
    CharStrs,
    /// Four octets, dotted quad.
    Ipv4,
    /// Sixteen octets, RFC 5952 text.
    Ipv6,
    /// Hex blob to the end.
    HexRest,
    /// Base64 blob to the end.
    Base64Rest,
    /// u8-counted hex, `-` when empty (NSEC3 salt).
    Salt,
    /// u8-counted base32hex (NSEC3 next hashed owner).
    Hash,
    /// NSEC type bitmap to the end.
    Bitmap,
    /// u8-counted CAA tag, bare alphanumerics.
    CaaTag,
    /// Quoted string to the end (CAA value, URI target).
    QuotedRest,
    /// The 16 octets of a LOC rdata (RFC 1876), as dig writes them.
    Loc,
    /// SVCB/HTTPS SvcParams to the end (RFC 9460).
    SvcParams,
    /// Six octets, `00-00-5E-00-53-2A`.
    Eui48,
    /// Eight octets, `00-00-5E-EF-10-00-00-2A`.
    Eui64,
    /// WKS IP protocol: one octet, decimal; `tcp` and `udp` accepted as input.
    Protocol,
    /// WKS port bitmap to the end, as the list of port numbers it sets.
    Ports,
}

use Field as F;

/// The fields of `rrtype`'s rdata in wire order, or `None` for types that
/// are kept verbatim and written as `\#`.
fn layout(rrtype: RrType) -> Option<&'static [Field]> {
    Some(match rrtype {
        RrType::A => &[F::Ipv4],
        RrType::AAAA => &[F::Ipv6],
        RrType::WKS => &[F::Ipv4, F::Protocol, F::Ports],
        RrType::NS
        | RrType::MD
        | RrType::MF
        | RrType::CNAME
        | RrType::MB
        | RrType::MG
        | RrType::MR
        | RrType::PTR
        | RrType::DNAME => &[F::Name],
        RrType::SOA => &[F::Name, F::Name, F::U32, F::U32, F::U32, F::U32, F::U32],
        RrType::MINFO | RrType::RP => &[F::Name, F::Name],
        RrType::MX | RrType::AFSDB | RrType::RT | RrType::KX => &[F::U16, F::Name],
        RrType::PX => &[F::U16, F::Name, F::Name],
        RrType::SRV => &[F::U16, F::U16, F::U16, F::Name],
        RrType::NAPTR => &[F::U16, F::U16, F::CharStr, F::CharStr, F::CharStr, F::Name],
        RrType::HINFO => &[F::CharStr, F::CharStr],
        RrType::TXT | RrType::SPF => &[F::CharStrs],
        RrType::CAA => &[F::U8, F::CaaTag, F::QuotedRest],
        RrType::URI => &[F::U16, F::U16, F::QuotedRest],
        RrType::SSHFP => &[F::U8, F::U8, F::HexRest],
        RrType::TLSA | RrType::SMIMEA => &[F::U8, F::U8, F::U8, F::HexRest],
        RrType::DS | RrType::CDS => &[F::U16, F::U8, F::U8, F::HexRest],
        RrType::DNSKEY | RrType::CDNSKEY => &[F::U16, F::U8, F::U8, F::Base64Rest],
        RrType::RRSIG => &[
            F::Type,
            F::U8,
            F::U8,
            F::U32,
            F::Time,
            F::Time,
            F::U16,
            F::Name,
            F::Base64Rest,
        ],
        RrType::NSEC => &[F::Name, F::Bitmap],
        RrType::NSEC3 => &[F::U8, F::U8, F::U16, F::Salt, F::Hash, F::Bitmap],
        RrType::NSEC3PARAM => &[F::U8, F::U8, F::U16, F::Salt],
        RrType::LOC => &[F::Loc],
        RrType::SVCB | RrType::HTTPS => &[F::U16, F::Name, F::SvcParams],
        RrType::OPENPGPKEY => &[F::Base64Rest],
        RrType::ZONEMD => &[F::U32, F::U8, F::U8, F::HexRest],
        RrType::CSYNC => &[F::U32, F::U16, F::Bitmap],
        RrType::EUI48 => &[F::Eui48],
        RrType::EUI64 => &[F::Eui64],
        _ => return None,
    })
}

/// The wire length of a fixed-size field; `None` for variable ones.
fn fixed_len(field: Field) -> Option<usize> {
    match field {
        F::U8 | F::Protocol => Some(1),
        F::U16 | F::Type => Some(2),
        F::U32 | F::Time | F::Ipv4 => Some(4),
        F::Ipv6 | F::Loc => Some(16),
        F::Eui48 => Some(6),
        F::Eui64 => Some(8),
        _ => None,
    }
}

/// The name an rdata points at, for the types whose rdata names a target (NS, CNAME, DNAME,
/// PTR; MX, KX, AFSDB, RT exchanges; SVCB and HTTPS targets; SRV targets): the name the
/// rdata index of a store is keyed by, and what watch rules match.
pub fn target_name(rrtype: RrType, rdata: &[u8]) -> Option<&[u8]> {
    let skip = match rrtype {
        RrType::NS | RrType::CNAME | RrType::DNAME | RrType::PTR => 0,
        RrType::MX | RrType::KX | RrType::AFSDB | RrType::RT | RrType::SVCB | RrType::HTTPS => 2,
        RrType::SRV => 6,
        _ => return None,
    };
    let rest = rdata.get(skip..)?;
    let len = wire_name_len(rest)?;
    rest.get(..len)
}

/// The length of the uncompressed wire name at the start of `bytes`.
fn wire_name_len(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    loop {
        let len = usize::from(*bytes.get(pos)?);
        if len > 63 {
            return None;
        }
        pos += 1 + len;
        if len == 0 {
            return (pos <= 255).then_some(pos);
        }
    }
}

/// Helpers shared by the unit tests of the submodules.
#[cfg(test)]
mod test_util {
    use super::*;

    /// Canonicalizes `message[start..]`, checking that `out` is restored on
    /// error.
    pub(super) fn canon(
        rrtype: RrType,
        message: &[u8],
        start: usize,
    ) -> Result<Vec<u8>, RdataError> {
        let mut out = vec![0xaa];
        let result = canonicalize(rrtype, message, start, message.len() - start, &mut out);
        match result {
            Ok(()) => Ok(out[1..].to_vec()),
            Err(err) => {
                assert_eq!(out, vec![0xaa], "output restored on error");
                Err(err)
            }
        }
    }

    /// The presentation text of `rdata`.
    pub(super) fn text(rrtype: RrType, rdata: &[u8]) -> String {
        let mut s = String::new();
        to_presentation(rrtype, rdata, &mut s);
        s
    }
}
