//! Writing COF: one row into one JSON object, in the Passive DNS Common Output Format and its
//! DNSDB dialect.
//!
//! One builder, [`object`], serves three faces that differ in small, client-driven ways
//! ([`Style`]):
//! - `hark export` / `lookup --json`: rdata a string, rrtype always a string (`TYPE65534`);
//! - DNSDB API v2: rdata a one-element array, rrtype a string (dnsdbq drops integer types),
//!   bailiwick only on rrset lookups, times optionally RFC 3339 (`humantime`);
//! - CIRCL: rdata a string, unknown rrtypes as their decimal number (pypdns cannot read
//!   `"TYPE65534"`), `time_first`/`time_last` always present (pypdns requires them), and
//!   always an `origin` (MISP's module reads it unconditionally).
//!
//! Fields come in one order: rrname, rrtype, rdata, time_first, time_last, zone_time_first,
//! zone_time_last, count, bailiwick, origin. Every object written reads back
//! ([`crate::read`]) to the row's key and tally, except where a style drops on purpose: a
//! style without `bailiwick` loses the bailiwick, and `times_required` gives a zone-only row
//! sensor times too.

use hark_dns::{name, rdata};
use hark_store::Row;
use serde_json::{Map, Value};

/// How a face wants its objects shaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style<'a> {
    /// `rdata` as a one-element array rather than a string.
    pub rdata_array: bool,
    /// Unknown rrtypes as their decimal number rather than `TYPEnnn`.
    pub numeric_unknown_type: bool,
    /// Times as RFC 3339 strings rather than epoch seconds.
    pub humantime: bool,
    /// Include `bailiwick` when known.
    pub bailiwick: bool,
    /// When a row has only zone times, also give them as `time_first`/`time_last`.
    pub times_required: bool,
    /// An `origin` URI to put on every object.
    pub origin: Option<&'a str>,
}

impl Style<'static> {
    /// `hark export` and `hark lookup --json`.
    pub const EXPORT: Style<'static> = Style {
        rdata_array: false,
        numeric_unknown_type: false,
        humantime: false,
        bailiwick: true,
        times_required: false,
        origin: None,
    };

    /// DNSDB API v2 objects; `rrset` says whether the lookup was by owner name.
    pub fn dnsdb(rrset: bool, humantime: bool) -> Style<'static> {
        Style {
            rdata_array: true,
            numeric_unknown_type: false,
            humantime,
            bailiwick: rrset,
            times_required: false,
            origin: None,
        }
    }
}

impl<'a> Style<'a> {
    /// CIRCL pDNS objects, tagged with `origin`.
    pub fn circl(origin: &'a str) -> Style<'a> {
        Style {
            rdata_array: false,
            numeric_unknown_type: true,
            humantime: false,
            bailiwick: true,
            times_required: true,
            origin: Some(origin),
        }
    }
}

/// The presentation form of a canonical name (trailing dot, escapes).
pub fn name_text(wire: &[u8]) -> String {
    let mut out = String::new();
    if name::to_presentation(wire, &mut out).is_err() {
        out = format!("<bad name {}>", wire.len());
    }
    out
}

/// An epoch time as JSON: the number, or its RFC 3339 form with `humantime`.
pub fn time_value(seconds: i64, humantime: bool) -> Value {
    if humantime {
        if let Ok(ts) = jiff::Timestamp::from_second(seconds) {
            return ts.to_string().into();
        }
    }
    seconds.into()
}

/// The object of one RR row, shaped by `style`.
pub fn object(row: &Row, style: &Style<'_>) -> Map<String, Value> {
    let parts = row.key.parts();
    let mut rdata_text = String::new();
    rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata_text);
    let mut obj = Map::new();
    obj.insert("rrname".into(), name_text(parts.rrname).into());
    let rrtype = match parts.rrtype.mnemonic() {
        None if style.numeric_unknown_type => Value::from(parts.rrtype.0),
        _ => parts.rrtype.to_string().into(),
    };
    obj.insert("rrtype".into(), rrtype);
    let rdata = if style.rdata_array {
        Value::Array(vec![rdata_text.into()])
    } else {
        rdata_text.into()
    };
    obj.insert("rdata".into(), rdata);
    let time = |t| time_value(t, style.humantime);
    let seen = match (row.tally.seen, style.times_required) {
        (Some(seen), _) => Some(seen),
        (None, true) => row.tally.zone_seen,
        (None, false) => None,
    };
    if let Some(seen) = seen {
        obj.insert("time_first".into(), time(seen.first));
        obj.insert("time_last".into(), time(seen.last));
    }
    if let Some(zone) = row.tally.zone_seen {
        obj.insert("zone_time_first".into(), time(zone.first));
        obj.insert("zone_time_last".into(), time(zone.last));
    }
    obj.insert("count".into(), row.tally.count.into());
    if let (true, Some(bailiwick)) = (style.bailiwick, parts.bailiwick) {
        obj.insert("bailiwick".into(), name_text(bailiwick).into());
    }
    if let Some(origin) = style.origin {
        obj.insert("origin".into(), origin.into());
    }
    obj
}

/// The object of one negative (NXDOMAIN/NODATA) row: qname, qtype, rcode, times, count.
pub fn negative_object(row: &hark_store::NegativeRow, humantime: bool) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("qname".into(), name_text(&row.key.qname).into());
    obj.insert("qtype".into(), row.key.qtype.to_string().into());
    obj.insert(
        "rcode".into(),
        hark_record::rcode::negative_kind(row.key.rcode).into(),
    );
    if let Some(seen) = row.tally.seen {
        obj.insert("time_first".into(), time_value(seen.first, humantime));
        obj.insert("time_last".into(), time_value(seen.last, humantime));
    }
    obj.insert("count".into(), row.tally.count.into());
    obj
}

/// The object of one certificate-name row (not COF: hark's own shape, for `hark lookup cert`
/// and the native API): name, issuer, wildcard, times, count.
pub fn cert_object(row: &hark_store::CertRow, humantime: bool) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("name".into(), name_text(&row.key.name).into());
    obj.insert("issuer".into(), row.key.issuer.to_string().into());
    obj.insert("wildcard".into(), row.key.is_wildcard().into());
    if let Some(seen) = row.tally.seen {
        obj.insert("time_first".into(), time_value(seen.first, humantime));
        obj.insert("time_last".into(), time_value(seen.last, humantime));
    }
    obj.insert("count".into(), row.tally.count.into());
    obj
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_dns::RrType;
    use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};

    fn row(rrtype: RrType, rdata: &[u8], bailiwick: Option<&[u8]>, zone_only: bool) -> Row {
        let key = RrKey::new(&RrKeyParts {
            rrname: b"\x03www\x07example\x03com\x00",
            rrtype,
            bailiwick,
            rdata,
        })
        .expect("key");
        let span = TimeSpan {
            first: 1_700_000_000,
            last: 1_700_000_100,
        };
        let tally = Tally {
            seen: (!zone_only).then_some(span),
            zone_seen: zone_only.then_some(span),
            count: 3,
        };
        Row { key, tally }
    }

    #[test]
    fn export_style() {
        let obj = object(
            &row(RrType::A, &[192, 0, 2, 1], Some(b"\x03com\x00"), false),
            &Style::EXPORT,
        );
        assert_eq!(
            Value::Object(obj).to_string(),
            r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700000100,"count":3,"bailiwick":"com."}"#
        );
    }

    #[test]
    fn dnsdb_style_arrays_and_humantime() {
        let obj = object(
            &row(RrType(65534), &[1, 2], Some(b"\x03com\x00"), false),
            &Style::dnsdb(false, true),
        );
        assert_eq!(
            Value::Object(obj).to_string(),
            r#"{"rrname":"www.example.com.","rrtype":"TYPE65534","rdata":["\\# 2 0102"],"time_first":"2023-11-14T22:13:20Z","time_last":"2023-11-14T22:15:00Z","count":3}"#
        );
    }

    #[test]
    fn circl_style_numbers_origin_and_zone_times() {
        let obj = object(&row(RrType(65534), &[], None, true), &Style::circl("hark"));
        assert_eq!(
            Value::Object(obj).to_string(),
            r#"{"rrname":"www.example.com.","rrtype":65534,"rdata":"\\# 0","time_first":1700000000,"time_last":1700000100,"zone_time_first":1700000000,"zone_time_last":1700000100,"count":3,"origin":"hark"}"#
        );
    }
}
