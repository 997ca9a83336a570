//! The on-disk key and value layout of the embedded store.
//!
//! Learned from Farsight's dnstable. Five keyspaces (LSM trees) in one data directory:
//!
//! | keyspace   | key                                                              | value |
//! |------------|------------------------------------------------------------------|-------|
//! | `rrset`    | `R(rrname) · rrtype(u16 BE) · B(bailiwick) · rdata`               | tally |
//! | `names`    | `F(rrname)`: one entry per distinct owner name                     | empty |
//! | `rdata`    | `0x04 · IPv4 · R(rrname) · rrtype · B(bailiwick)` (A rows)        | empty |
//! |            | `0x06 · IPv6 · R(rrname) · rrtype · B(bailiwick)` (AAAA rows)     | empty |
//! |            | `'N' · R(target) · R(rrname) · rrtype · B(bailiwick) · rdata`     | empty |
//! |            | `'W' · rrtype · u16 len · rdata · R(rrname) · B(bailiwick)`       | empty |
//! | `negative` | `R(qname) · qtype(u16 BE) · rcode(u16 BE)`                         | tally |
//! | `meta`     | `file/` · content hash → a note on the ingested file; `format` → version | text |
//!
//! `R(name)` is the reversed-label key of `hark_dns::name::reversed_key` (`com\0example\0www\0\0`),
//! so `*.example.com` is one prefix scan and keys sort in DNSSEC canonical name order.
//! `F(name)` is the forward-label key (`www\0example\0com\0\0`) for right-hand wildcards.
//! `B(bailiwick)` is `0x00` when the bailiwick is unknown, else `0x01 · R(bailiwick)`.
//! Addresses are raw network-order bytes, so a CIDR or a range is one range scan. Rows whose
//! rdata names a target (NS, CNAME, DNAME, PTR, MX, SRV, SVCB, HTTPS, KX, AFSDB, RT) are indexed
//! by that target (`'N'`), so "who points into `*.cloudfront.net`" is a prefix scan; every
//! other type is indexed by its whole rdata (`'W'`), so raw-rdata lookups (a TXT token) are
//! point scans.
//!
//! A tally is `flags · varint count · [zigzag first · varint (last-first)] · [zone pair]`,
//! where flag bit 0 marks a sensor time pair and bit 1 a zone time pair.

use hark_dns::{name, RrType};
use hark_record::{NegativeKey, RrKey, RrKeyParts, Tally, TimeSpan};
use hark_store::StoreError;

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
    let rest = key.get(used..).unwrap_or_default();
    let rrtype = RrType(read_u16(rest, T, "rrtype")?);
    let rest = rest.get(2..).unwrap_or_default();
    let (bailiwick, used) = read_bailiwick(rest, T)?;
    let rdata = rest.get(used..).unwrap_or_default();
    RrKey::new(&RrKeyParts {
        rrname: &rrname,
        rrtype,
        bailiwick: bailiwick.as_deref(),
        rdata,
    })
    .map_err(|err| corrupt(T, err.to_string()))
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

fn push_varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

fn push_span(span: TimeSpan, out: &mut Vec<u8>) {
    push_varint(zigzag(span.first), out);
    push_varint(zigzag(span.last.wrapping_sub(span.first)), out);
}

fn read_span(bytes: &mut &[u8]) -> Option<TimeSpan> {
    let first = unzigzag(read_varint(bytes)?);
    let last = first.wrapping_add(unzigzag(read_varint(bytes)?));
    Some(TimeSpan { first, last })
}

/// Encodes a tally as a value.
pub fn encode_tally(tally: &Tally, out: &mut Vec<u8>) {
    let flags = u8::from(tally.seen.is_some()) | (u8::from(tally.zone_seen.is_some()) << 1);
    out.push(flags);
    push_varint(tally.count, out);
    if let Some(span) = tally.seen {
        push_span(span, out);
    }
    if let Some(span) = tally.zone_seen {
        push_span(span, out);
    }
}

/// Decodes a tally value.
pub fn decode_tally(mut bytes: &[u8], table: &'static str) -> Result<Tally, StoreError> {
    let bad = || corrupt(table, "bad tally value");
    let (&flags, rest) = bytes.split_first().ok_or_else(bad)?;
    bytes = rest;
    let count = read_varint(&mut bytes).ok_or_else(bad)?;
    let seen = if flags & 1 != 0 {
        Some(read_span(&mut bytes).ok_or_else(bad)?)
    } else {
        None
    };
    let zone_seen = if flags & 2 != 0 {
        Some(read_span(&mut bytes).ok_or_else(bad)?)
    } else {
        None
    };
    Ok(Tally {
        seen,
        zone_seen,
        count,
    })
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
    fn tallies_round_trip() {
        for tally in [
            Tally::seen_at(1_717_200_000),
            Tally {
                seen: Some(TimeSpan {
                    first: -5,
                    last: 1 << 40,
                }),
                zone_seen: Some(TimeSpan::at(3)),
                count: u64::MAX,
            },
            Tally::default(),
        ] {
            let mut value = Vec::new();
            encode_tally(&tally, &mut value);
            assert_eq!(decode_tally(&value, "t").expect("decodes"), tally);
        }
        assert!(decode_tally(&[1, 5], "t").is_err());
        assert!(decode_tally(&[], "t").is_err());
        assert!(decode_tally(&[0, 0xff, 0xff], "t").is_err());
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
