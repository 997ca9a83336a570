//! Key encodings shared by the engines: byte strings whose order is the order the [`Store`]
//! methods promise, so an engine that keeps rows sorted by these bytes answers each lookup
//! with one or a few range scans, and resumes a walk after a row by starting after its key.
//!
//! | key | bytes | order of |
//! |---|---|---|
//! | rrset | `R(rrname) · rrtype(u16 BE) · B(bailiwick) · rdata` | [`Store::rrset`], [`Store::scan`] |
//! | forward | `F(rrname) · rrtype · B(bailiwick) · rdata` | right-hand wildcards (`www.example.*`) |
//! | rdata | `0x04 · IPv4 · R(rrname) · rrtype · B(bailiwick)` (A rows) | [`Store::rdata`] |
//! |  | `0x06 · IPv6 · R(rrname) · rrtype · B(bailiwick)` (AAAA rows) | |
//! |  | `'N' · R(target) · R(rrname) · rrtype · B(bailiwick) · rdata` | |
//! |  | `'W' · rrtype · u16 len · rdata · R(rrname) · B(bailiwick)` | |
//! | negative | `R(qname) · qtype(u16 BE) · rcode(u16 BE)` | [`Store::negatives`] |
//! | cert | `R(name) · issuer (UTF-8)` | [`Store::certs`] |
//!
//! `R(name)` is the reversed-label key of `hark_dns::name::reversed_key` (`com\0example\0www\0\0`),
//! so `*.example.com` is one prefix scan and keys sort in DNSSEC canonical name order.
//! `F(name)` is the forward-label key (`www\0example\0com\0\0`). `B(bailiwick)` is `0x00` when
//! the bailiwick is unknown, else `0x01 · R(bailiwick)`. Addresses are raw network-order
//! bytes, so a CIDR or a range is one range scan. Rows whose rdata names a target (NS, CNAME,
//! DNAME, PTR, MX, SRV, SVCB, HTTPS, KX, AFSDB, RT) are indexed by that target (`'N'`), so "who
//! points into `*.cloudfront.net`" is a prefix scan; every other type is indexed by its whole
//! rdata (`'W'`), so raw-rdata lookups (a TXT token) are point scans.
//!
//! [`Store`]: crate::Store
//! [`Store::rrset`]: crate::Store::rrset
//! [`Store::scan`]: crate::Store::scan
//! [`Store::rdata`]: crate::Store::rdata
//! [`Store::negatives`]: crate::Store::negatives
//! [`Store::certs`]: crate::Store::certs

use crate::StoreError;
use hark_dns::{name, RrType};
use hark_record::{CertKey, NegativeKey, RrKey, RrKeyParts};

/// Index kind byte for A rows.
pub const KIND_IPV4: u8 = 0x04;
/// Index kind byte for AAAA rows.
pub const KIND_IPV6: u8 = 0x06;
/// Index kind byte for rows indexed by a target name.
pub const KIND_NAME: u8 = b'N';
/// Index kind byte for rows indexed by whole rdata.
pub const KIND_WHOLE: u8 = b'W';

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.into(),
    }
}

pub use hark_dns::rdata::target_name;

fn push_bailiwick(bailiwick: Option<&[u8]>, out: &mut Vec<u8>) {
    match bailiwick {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            name::reversed_key(b, out);
        }
    }
}

/// Reads a `B(bailiwick)` at the start of `bytes`: (bailiwick, bytes consumed).
fn read_bailiwick(
    bytes: &[u8],
    table: &'static str,
) -> Result<(Option<Vec<u8>>, usize), StoreError> {
    match bytes.first() {
        Some(0) => Ok((None, 1)),
        Some(1) => {
            let rest = bytes.get(1..).unwrap_or_default();
            let (wire, used) = name::from_reversed_key(rest)
                .map_err(|err| corrupt(table, format!("bad bailiwick: {err}")))?;
            Ok((Some(wire), used + 1))
        }
        _ => Err(corrupt(table, "missing bailiwick tag")),
    }
}

fn read_u16(bytes: &[u8], table: &'static str, what: &str) -> Result<u16, StoreError> {
    match bytes.get(..2) {
        Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
        _ => Err(corrupt(table, format!("key ends before its {what}"))),
    }
}

/// Appends the `rrset` key of a row.
pub fn rrset_key(parts: &RrKeyParts<'_>, out: &mut Vec<u8>) {
    name::reversed_key(parts.rrname, out);
    out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
    push_bailiwick(parts.bailiwick, out);
    out.extend_from_slice(parts.rdata);
}

/// Reads an `rrset` key back into a row key.
pub fn decode_rrset_key(key: &[u8]) -> Result<RrKey, StoreError> {
    const T: &str = "rrset";
    let (rrname, used) =
        name::from_reversed_key(key).map_err(|err| corrupt(T, format!("bad rrname: {err}")))?;
    decode_key_tail(T, &rrname, key.get(used..).unwrap_or_default())
}

/// Appends the forward key of a row: `F(rrname) · rrtype · B(bailiwick) · rdata`, the order of
/// right-hand wildcard lookups (`www.example.*`).
pub fn forward_rrset_key(parts: &RrKeyParts<'_>, out: &mut Vec<u8>) {
    name::forward_key(parts.rrname, out);
    out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
    push_bailiwick(parts.bailiwick, out);
    out.extend_from_slice(parts.rdata);
}

/// Reads a key written by [`forward_rrset_key`] back into a row key.
pub fn decode_forward_rrset_key(key: &[u8]) -> Result<RrKey, StoreError> {
    const T: &str = "forward";
    let (rrname, used) =
        name::from_forward_key(key).map_err(|err| corrupt(T, format!("bad rrname: {err}")))?;
    decode_key_tail(T, &rrname, key.get(used..).unwrap_or_default())
}

/// The `rrtype · B(bailiwick) · rdata` that follows the owner name in rrset and forward keys.
fn decode_key_tail(table: &'static str, rrname: &[u8], rest: &[u8]) -> Result<RrKey, StoreError> {
    let rrtype = RrType(read_u16(rest, table, "rrtype")?);
    let rest = rest.get(2..).unwrap_or_default();
    let (bailiwick, used) = read_bailiwick(rest, table)?;
    let rdata = rest.get(used..).unwrap_or_default();
    RrKey::new(&RrKeyParts {
        rrname,
        rrtype,
        bailiwick: bailiwick.as_deref(),
        rdata,
    })
    .map_err(|err| corrupt(table, err.to_string()))
}

/// The rrtype of an `rrset` key, without decoding the rest (for statistics).
pub fn rrset_key_rrtype(key: &[u8]) -> Result<RrType, StoreError> {
    let used = reversed_key_len(key).ok_or_else(|| corrupt("rrset", "unterminated rrname"))?;
    Ok(RrType(read_u16(
        key.get(used..).unwrap_or_default(),
        "rrset",
        "rrtype",
    )?))
}

/// The length of a reversed/forward name key at the start of `key`, end marker included.
pub fn reversed_key_len(key: &[u8]) -> Option<usize> {
    // Labels are separated by 0x00 and the name ends with one more 0x00; escapes never
    // produce 0x00, so the end is the first 0x00 that follows a 0x00 or starts the key.
    let mut previous_was_separator = true;
    for (i, &b) in key.iter().enumerate() {
        if b == 0 {
            if previous_was_separator {
                return Some(i + 1);
            }
            previous_was_separator = true;
        } else {
            previous_was_separator = false;
        }
    }
    None
}

/// Appends the `rdata` index key of a row.
pub fn rdata_key(parts: &RrKeyParts<'_>, out: &mut Vec<u8>) {
    match (parts.rrtype, parts.rdata.len()) {
        (RrType::A, 4) | (RrType::AAAA, 16) => {
            out.push(if parts.rrtype == RrType::A {
                KIND_IPV4
            } else {
                KIND_IPV6
            });
            out.extend_from_slice(parts.rdata);
            name::reversed_key(parts.rrname, out);
            out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
            push_bailiwick(parts.bailiwick, out);
        }
        _ => {
            if let Some(target) = target_name(parts.rrtype, parts.rdata) {
                out.push(KIND_NAME);
                name::reversed_key(target, out);
                name::reversed_key(parts.rrname, out);
                out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
                push_bailiwick(parts.bailiwick, out);
                out.extend_from_slice(parts.rdata);
            } else {
                out.push(KIND_WHOLE);
                out.extend_from_slice(&parts.rrtype.0.to_be_bytes());
                // rdata is at most 65535 bytes on the wire, so the length always fits.
                let len = u16::try_from(parts.rdata.len()).unwrap_or(u16::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(parts.rdata);
                name::reversed_key(parts.rrname, out);
                push_bailiwick(parts.bailiwick, out);
            }
        }
    }
}

/// Reads an `rdata` index key back into the row key it points at.
pub fn decode_rdata_key(key: &[u8]) -> Result<RrKey, StoreError> {
    const T: &str = "rdata";
    let (&kind, rest) = key
        .split_first()
        .ok_or_else(|| corrupt(T, "empty index key"))?;
    let build = |rrname: &[u8], rrtype, bailiwick: Option<Vec<u8>>, rdata: &[u8]| {
        RrKey::new(&RrKeyParts {
            rrname,
            rrtype,
            bailiwick: bailiwick.as_deref(),
            rdata,
        })
        .map_err(|err| corrupt(T, err.to_string()))
    };
    let name_at = |bytes: &[u8]| {
        name::from_reversed_key(bytes).map_err(|err| corrupt(T, format!("bad name: {err}")))
    };
    match kind {
        KIND_IPV4 | KIND_IPV6 => {
            let len = if kind == KIND_IPV4 { 4 } else { 16 };
            let (ip, rest) = rest
                .split_at_checked(len)
                .ok_or_else(|| corrupt(T, "short address"))?;
            let (rrname, used) = name_at(rest)?;
            let rest = rest.get(used..).unwrap_or_default();
            let rrtype = RrType(read_u16(rest, T, "rrtype")?);
            let (bailiwick, _) = read_bailiwick(rest.get(2..).unwrap_or_default(), T)?;
            build(&rrname, rrtype, bailiwick, ip)
        }
        KIND_NAME => {
            let target_len = reversed_key_len(rest).ok_or_else(|| corrupt(T, "bad target"))?;
            let rest = rest.get(target_len..).unwrap_or_default();
            let (rrname, used) = name_at(rest)?;
            let rest = rest.get(used..).unwrap_or_default();
            let rrtype = RrType(read_u16(rest, T, "rrtype")?);
            let rest = rest.get(2..).unwrap_or_default();
            let (bailiwick, used) = read_bailiwick(rest, T)?;
            build(
                &rrname,
                rrtype,
                bailiwick,
                rest.get(used..).unwrap_or_default(),
            )
        }
        KIND_WHOLE => {
            let rrtype = RrType(read_u16(rest, T, "rrtype")?);
            let len = usize::from(read_u16(rest.get(2..).unwrap_or_default(), T, "length")?);
            let rest = rest.get(4..).unwrap_or_default();
            let (rdata, rest) = rest
                .split_at_checked(len)
                .ok_or_else(|| corrupt(T, "short rdata"))?;
            let (rrname, used) = name_at(rest)?;
            let (bailiwick, _) = read_bailiwick(rest.get(used..).unwrap_or_default(), T)?;
            build(&rrname, rrtype, bailiwick, rdata)
        }
        other => Err(corrupt(T, format!("unknown index kind {other:#04x}"))),
    }
}

/// Appends the `negative` key of a negative row.
pub fn negative_key(key: &NegativeKey, out: &mut Vec<u8>) {
    name::reversed_key(&key.qname, out);
    out.extend_from_slice(&key.qtype.0.to_be_bytes());
    out.extend_from_slice(&key.rcode.to_be_bytes());
}

/// Reads a `negative` key back.
pub fn decode_negative_key(key: &[u8]) -> Result<NegativeKey, StoreError> {
    const T: &str = "negative";
    let (qname, used) =
        name::from_reversed_key(key).map_err(|err| corrupt(T, format!("bad qname: {err}")))?;
    let rest = key.get(used..).unwrap_or_default();
    Ok(NegativeKey {
        qname: qname.into_boxed_slice(),
        qtype: RrType(read_u16(rest, T, "qtype")?),
        rcode: read_u16(rest.get(2..).unwrap_or_default(), T, "rcode")?,
    })
}

/// Appends the `cert` key of a certificate-name row: `R(name) · issuer`.
pub fn cert_key(key: &CertKey, out: &mut Vec<u8>) {
    name::reversed_key(&key.name, out);
    out.extend_from_slice(key.issuer.as_bytes());
}

/// Reads a `cert` key back.
pub fn decode_cert_key(key: &[u8]) -> Result<CertKey, StoreError> {
    const T: &str = "cert";
    let (cert_name, used) =
        name::from_reversed_key(key).map_err(|err| corrupt(T, format!("bad name: {err}")))?;
    let issuer = std::str::from_utf8(key.get(used..).unwrap_or_default())
        .map_err(|_| corrupt(T, "issuer is not UTF-8"))?;
    Ok(CertKey {
        name: cert_name.into_boxed_slice(),
        issuer: issuer.into(),
    })
}

/// The reversed key of `base` without its end marker: the prefix shared by its subdomains
/// (and by `base` itself, whose key has a 0x00 right after the prefix).
pub fn subdomain_prefix(base: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::new();
    name::reversed_key(base, &mut prefix);
    prefix.pop();
    prefix
}

/// The forward key of `leading` without its end marker: the prefix of the names that start
/// with these labels (and of `leading` itself, followed by 0x00).
pub fn leading_prefix(leading: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::new();
    name::forward_key(leading, &mut prefix);
    prefix.pop();
    prefix
}

/// The smallest key greater than every key starting with `prefix`, if any.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The prefix of the keys (rrset or negative) whose owner matches `pattern`, and whether a key
/// with 0x00 right after it (the base name of a subdomain pattern) is to be skipped; a right-hand
/// wildcard has no owner prefix (the empty one: every key). With a type, an exact name's prefix
/// covers that type only.
pub fn owner_prefix(pattern: &crate::NamePattern, rrtype: Option<RrType>) -> (Vec<u8>, bool) {
    match pattern {
        crate::NamePattern::Exact(wire) => {
            let mut prefix = Vec::new();
            name::reversed_key(wire, &mut prefix);
            if let Some(rrtype) = rrtype {
                prefix.extend_from_slice(&rrtype.0.to_be_bytes());
            }
            (prefix, false)
        }
        crate::NamePattern::Subdomains(base) => (subdomain_prefix(base), true),
        crate::NamePattern::LeadingLabels(_) => (Vec::new(), false),
    }
}

/// The rdata-index range of the addresses in `range`: (start, end exclusive, none: to the
/// last key); `None` when the range mixes IPv4 and IPv6.
pub fn ip_key_range(range: &crate::IpRange) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let (kind, low, high) = match (range.low, range.high) {
        (std::net::IpAddr::V4(l), std::net::IpAddr::V4(h)) => {
            (KIND_IPV4, l.octets().to_vec(), h.octets().to_vec())
        }
        (std::net::IpAddr::V6(l), std::net::IpAddr::V6(h)) => {
            (KIND_IPV6, l.octets().to_vec(), h.octets().to_vec())
        }
        _ => return None,
    };
    Some((
        [&[kind][..], &low].concat(),
        prefix_end(&[&[kind][..], &high].concat()),
    ))
}

/// The rdata-index prefix holding the rows whose target name matches `pattern`, and whether
/// the rows under it must still be checked against the pattern (wildcards).
pub fn target_prefix(pattern: &crate::NamePattern) -> (Vec<u8>, bool) {
    match pattern {
        crate::NamePattern::Exact(wire) => {
            let mut prefix = vec![KIND_NAME];
            name::reversed_key(wire, &mut prefix);
            (prefix, false)
        }
        crate::NamePattern::Subdomains(base) => {
            ([&[KIND_NAME][..], &subdomain_prefix(base)].concat(), true)
        }
        crate::NamePattern::LeadingLabels(_) => (vec![KIND_NAME], true),
    }
}

/// True when the target name of a row's rdata matches `pattern`.
pub fn target_matches(pattern: &crate::NamePattern, rrtype: RrType, rdata: &[u8]) -> bool {
    target_name(rrtype, rdata).is_some_and(|t| pattern.matches(t))
}

/// The rdata-index prefixes holding every row of `rrtype`, in key order: the rows of a target
/// type whose rdata holds no usable name sit in the whole-rdata part, after the `'N'` part.
pub fn type_prefixes(rrtype: RrType) -> Vec<Vec<u8>> {
    let whole = [&[KIND_WHOLE][..], &rrtype.0.to_be_bytes()].concat();
    match rrtype {
        RrType::A => vec![vec![KIND_IPV4]],
        RrType::AAAA => vec![vec![KIND_IPV6]],
        t if RrType::TARGET_TYPES.contains(&t) => vec![vec![KIND_NAME], whole],
        _ => vec![whole],
    }
}

/// The rdata-index prefix of the rows of `rrtype` whose rdata is exactly `bytes`.
pub fn raw_prefix(rrtype: RrType, bytes: &[u8]) -> Vec<u8> {
    let parts = RrKeyParts {
        rrname: b"\x00",
        rrtype,
        bailiwick: None,
        rdata: bytes,
    };
    let mut full = Vec::new();
    rdata_key(&parts, &mut full);
    // Cut the owner name and what follows: the prefix ends where the rdata ends.
    let len = match full.first() {
        Some(&KIND_IPV4) => 5,
        Some(&KIND_IPV6) => 17,
        Some(&KIND_NAME) => 1 + reversed_key_len(full.get(1..).unwrap_or_default()).unwrap_or(0),
        _ => 5 + bytes.len(),
    };
    full.truncate(len);
    full
}

/// The types a raw-rdata lookup without a type tries besides those of the whole-rdata part:
/// A or AAAA by length, and the target types when the bytes hold a name.
pub fn raw_fixed_types(bytes: &[u8]) -> Vec<RrType> {
    let mut types = Vec::new();
    match bytes.len() {
        4 => types.push(RrType::A),
        16 => types.push(RrType::AAAA),
        _ => {}
    }
    types.extend(
        RrType::TARGET_TYPES
            .into_iter()
            .filter(|&rrtype| target_name(rrtype, bytes).is_some()),
    );
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        name::from_presentation(text).expect("valid name")
    }

    fn parts<'a>(
        rrname: &'a [u8],
        rrtype: RrType,
        bailiwick: Option<&'a [u8]>,
        rdata: &'a [u8],
    ) -> RrKeyParts<'a> {
        RrKeyParts {
            rrname,
            rrtype,
            bailiwick,
            rdata,
        }
    }

    #[test]
    fn rrset_keys_round_trip() {
        let owner = wire("www.example.com.");
        let zone = wire("example.com.");
        for p in [
            parts(&owner, RrType::A, None, &[192, 0, 2, 1]),
            parts(&owner, RrType::TXT, Some(&zone), b"\x05hello"),
            parts(b"\x00", RrType::NS, Some(b"\x00"), b"\x01a\x00"),
        ] {
            let mut key = Vec::new();
            rrset_key(&p, &mut key);
            assert_eq!(decode_rrset_key(&key).expect("decodes").parts(), p);
            assert_eq!(rrset_key_rrtype(&key).expect("rrtype"), p.rrtype);
        }
    }

    #[test]
    fn rdata_keys_round_trip() {
        let owner = wire("www.example.com.");
        let zone = wire("example.com.");
        let mx = [&[0u8, 10][..], &wire("mail.example.net.")].concat();
        let aaaa = [0x20u8, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        for p in [
            parts(&owner, RrType::A, None, &[192, 0, 2, 1]),
            parts(&owner, RrType::AAAA, Some(&zone), &aaaa),
            parts(&owner, RrType::MX, Some(&zone), &mx),
            parts(&owner, RrType::TXT, None, b"\x05hello"),
            parts(&owner, RrType::A, None, &[1, 2, 3]),
        ] {
            let mut key = Vec::new();
            rdata_key(&p, &mut key);
            assert_eq!(decode_rdata_key(&key).expect("decodes").parts(), p);
        }
    }

    #[test]
    fn mx_is_indexed_by_its_exchange() {
        let mx = [&[0u8, 10][..], &wire("mail.example.net.")].concat();
        assert_eq!(
            target_name(RrType::MX, &mx),
            Some(&wire("mail.example.net.")[..])
        );
        assert_eq!(target_name(RrType::MX, &[0, 10, 5, b'a']), None);
        assert_eq!(target_name(RrType::TXT, b"\x01a"), None);
    }

    #[test]
    fn negative_keys_round_trip() {
        let key = NegativeKey {
            qname: wire("nx.example.com.").into_boxed_slice(),
            qtype: RrType::AAAA,
            rcode: 3,
        };
        let mut bytes = Vec::new();
        negative_key(&key, &mut bytes);
        assert_eq!(decode_negative_key(&bytes).expect("decodes"), key);
    }

    #[test]
    fn cert_keys_round_trip_and_sort_under_their_zone() {
        let key = CertKey::new(&wire("*.example.com."), "C=US, O=Let's Encrypt, CN=R3");
        let mut bytes = Vec::new();
        cert_key(&key, &mut bytes);
        assert_eq!(decode_cert_key(&bytes).expect("decodes"), key);
        assert!(bytes.starts_with(&subdomain_prefix(&wire("example.com."))));
        let bare = CertKey::new(&wire("example.com."), "");
        bytes.clear();
        cert_key(&bare, &mut bytes);
        assert_eq!(decode_cert_key(&bytes).expect("decodes"), bare);
        assert!(decode_cert_key(b"com\0").is_err());
    }

    #[test]
    fn forward_keys_round_trip_and_sort_by_leading_labels() {
        let a = wire("www.example.com.");
        let b = wire("www.example.net.");
        let mut ka = Vec::new();
        let mut kb = Vec::new();
        forward_rrset_key(&parts(&a, RrType::A, None, &[192, 0, 2, 1]), &mut ka);
        forward_rrset_key(&parts(&b, RrType::A, None, &[192, 0, 2, 1]), &mut kb);
        assert!(ka < kb);
        assert!(ka.starts_with(&leading_prefix(&wire("www.example."))));
        assert_eq!(
            decode_forward_rrset_key(&ka)
                .expect("decodes")
                .parts()
                .rrname,
            &a[..]
        );
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
    }

    #[test]
    fn corrupt_keys_are_errors_not_panics() {
        for bytes in [
            &[][..],
            &[0x04, 1, 2],
            &[b'N', 3, b'c'],
            &[b'W', 0, 1, 0xff, 0xff],
            &[0x99],
        ] {
            assert!(decode_rdata_key(bytes).is_err());
        }
        assert!(decode_rrset_key(&[3, b'c', b'o']).is_err());
    }
}
