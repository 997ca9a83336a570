//! The on-disk key and value layout of the embedded store.
//!
//! Learned from Farsight's dnstable. Six keyspaces (LSM trees) in one data directory; the key
//! encodings are `hark_store::keys` (shared with the ClickHouse engine), re-exported here:
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
//! | `cert`     | `R(name) · issuer`: certificate names (Certificate Transparency)   | tally |
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

use hark_record::{Tally, TimeSpan};
pub use hark_store::keys::{
    cert_key, decode_cert_key, decode_negative_key, decode_rdata_key, decode_rrset_key,
    negative_key, prefix_end, rdata_key, reversed_key_len, rrset_key, rrset_key_rrtype,
    target_name, KIND_IPV4, KIND_IPV6, KIND_NAME, KIND_WHOLE,
};
use hark_store::StoreError;

fn corrupt(table: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: reason.into(),
    }
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
}
