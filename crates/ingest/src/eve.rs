//! Import of Suricata EVE JSON `dns` events as a [`Source`](crate::source::Source): one unit per event that gives
//! rows. Events of other types (alerts, flows…) in the same file are counted (`eve_not_dns`)
//! and left.
//!
//! Three generations of the `dns` object are read:
//! - **v1** (Suricata ≤ 4, `"version"` absent): one `answer` event per answer record, whose
//!   `rrname`/`rrtype`/`rdata` are that record's own owner, type and data.
//! - **v2** (Suricata 5–7, `"version": 2`): one `answer` event per response; the question is
//!   `rrname`/`rrtype`, the records are in `answers` (detailed: each with its own `rrname`,
//!   `rrtype`, `rdata`) and/or `grouped` (`{"A": [...], "CNAME": [...]}`).
//! - **v3** (Suricata 8, `"version": 3`): `type` `response`, the question in `queries`, the
//!   records in `answers` (and `authorities`, `additionals`, read the same way), and/or
//!   `grouped`.
//!
//! Detailed answers keep their owners, so a record behind a CNAME is stored under its own
//! name. The grouped form has no owners: it is used only when it holds the question's type
//! alone (no CNAME or DNAME, so every value belongs to the question name), and skipped as
//! `eve_grouped_ambiguous` otherwise; when both forms are present the detailed one is used.
//!
//! Record data: A, AAAA and the name types (CNAME, NS, PTR, DNAME) from `rdata`; SOA and SRV
//! from Suricata's `soa`/`srv` objects when present; MX when `rdata` carries the preference;
//! TXT when `rdata` is one string of at most 255 bytes (Suricata joins several strings, which
//! cannot be told apart again). Anything else is `eve_incomplete_rdata` or
//! `eve_unsupported_rrtype` rather than stored wrong. NXDOMAIN responses become negative
//! rows. Rows have no bailiwick. Times are the event's `timestamp`, truncated to the second.

use crate::aggregate::Observations;
use crate::source;
use crate::text::{shown, LineFormat, LineSource, SkipLog};
use hark_dns::RrType;
use hark_record::{rcode, RrKeyParts, Tally};
use serde_json::Value;

/// A row: owner, type, canonical rdata.
type Row = (Vec<u8>, RrType, Vec<u8>);

/// What one event gives.
enum Event {
    /// Rows, and why records of the event were left out.
    Rows(Vec<Row>, Vec<&'static str>),
    Negative(Vec<u8>, RrType, u16),
    Skip(&'static str),
}

/// Suricata's timestamp (`2018-03-24T17:15:20.865716+0000`) in epoch seconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    // `+0000` (no colon) is Suricata's offset form: insert the colon.
    let (head, offset) = text.split_at_checked(text.len().checked_sub(5)?)?;
    let sign = offset.as_bytes().first()?;
    if (*sign == b'+' || *sign == b'-') && offset.bytes().skip(1).all(|b| b.is_ascii_digit()) {
        let fixed = format!("{head}{}:{}", offset.get(..3)?, offset.get(3..)?);
        return fixed.parse::<jiff::Timestamp>().ok().map(|t| t.as_second());
    }
    None
}

fn name(text: &str) -> Option<Vec<u8>> {
    hark_dns::name::from_presentation(text).ok()
}

fn rrtype(value: &Value) -> Option<RrType> {
    value.as_str()?.parse().ok()
}

/// The rdata of one detailed answer object; `Err` names why it cannot be stored.
fn rdata(answer: &Value, rrtype: RrType) -> Result<Vec<u8>, &'static str> {
    let text = answer.get("rdata").and_then(Value::as_str);
    let number = |object: &Value, key: &str| object.get(key).and_then(Value::as_u64);
    match rrtype {
        RrType::A | RrType::AAAA | RrType::CNAME | RrType::NS | RrType::PTR | RrType::DNAME => {
            let text = text.ok_or("eve_no_rdata")?;
            hark_dns::rdata::from_presentation(rrtype, text).map_err(|_| "eve_bad_rdata")
        }
        RrType::MX => {
            let text = text.ok_or("eve_no_rdata")?;
            if !text.contains(' ') {
                return Err("eve_incomplete_rdata");
            }
            hark_dns::rdata::from_presentation(rrtype, text).map_err(|_| "eve_bad_rdata")
        }
        RrType::TXT => {
            let text = text.ok_or("eve_no_rdata")?;
            let bytes = text.as_bytes();
            let length = u8::try_from(bytes.len()).map_err(|_| "eve_incomplete_rdata")?;
            Ok([&[length][..], bytes].concat())
        }
        RrType::SOA => {
            let soa = answer.get("soa").ok_or("eve_incomplete_rdata")?;
            let field = |key: &str| soa.get(key).and_then(Value::as_str).and_then(name);
            let mut out = field("mname").ok_or("eve_bad_rdata")?;
            out.extend(field("rname").ok_or("eve_bad_rdata")?);
            for key in ["serial", "refresh", "retry", "expire", "minimum"] {
                let value = number(soa, key).and_then(|n| u32::try_from(n).ok());
                out.extend(value.ok_or("eve_bad_rdata")?.to_be_bytes());
            }
            Ok(out)
        }
        RrType::SRV => {
            let srv = answer.get("srv").ok_or("eve_incomplete_rdata")?;
            let mut out = Vec::new();
            for key in ["priority", "weight", "port"] {
                let value = number(srv, key).and_then(|n| u16::try_from(n).ok());
                out.extend(value.ok_or("eve_bad_rdata")?.to_be_bytes());
            }
            let target = srv.get("name").and_then(Value::as_str).and_then(name);
            out.extend(target.ok_or("eve_bad_rdata")?);
            Ok(out)
        }
        _ => Err("eve_unsupported_rrtype"),
    }
}

/// One detailed answer object as a row.
fn detailed(answer: &Value) -> Result<Row, &'static str> {
    let owner = answer
        .get("rrname")
        .and_then(Value::as_str)
        .and_then(name)
        .ok_or("eve_bad_rrname")?;
    let rrtype = answer
        .get("rrtype")
        .and_then(rrtype)
        .ok_or("eve_bad_rrtype")?;
    Ok((owner, rrtype, rdata(answer, rrtype)?))
}

/// Rows of the grouped form, when every value belongs to the question name.
fn grouped(grouped: &Value, qname: &[u8], qtype: RrType) -> Result<Vec<Row>, &'static str> {
    let groups = grouped.as_object().ok_or("eve_bad_grouped")?;
    let mut rows = Vec::new();
    for (type_name, values) in groups {
        let rrtype: RrType = type_name.parse().map_err(|_| "eve_bad_rrtype")?;
        if rrtype != qtype || rrtype == RrType::CNAME || rrtype == RrType::DNAME {
            return Err("eve_grouped_ambiguous");
        }
        for value in values.as_array().ok_or("eve_bad_grouped")? {
            let answer = serde_json::json!({ "rdata": value });
            rows.push((qname.to_vec(), rrtype, rdata(&answer, rrtype)?));
        }
    }
    Ok(rows)
}

/// Maps one parsed event line.
fn event(line: &Value) -> Result<(i64, Event), &'static str> {
    if line.get("event_type").and_then(Value::as_str) != Some("dns") {
        return Err("eve_not_dns");
    }
    let time = line
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .ok_or("eve_bad_timestamp")?;
    let dns = line.get("dns").ok_or("eve_no_dns_object")?;
    let kind = dns.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "query" || kind == "request" {
        return Ok((time, Event::Skip("eve_query")));
    }
    let version = dns.get("version").and_then(Value::as_u64).unwrap_or(1);
    let code = dns
        .get("rcode")
        .and_then(Value::as_str)
        .and_then(rcode::parse)
        .unwrap_or(rcode::NOERROR);
    // The question: v3 in `queries`, v1/v2 at the top of the dns object.
    let question = if version >= 3 {
        dns.get("queries").and_then(|q| q.get(0))
    } else {
        Some(dns)
    };
    let qname = question
        .and_then(|q| q.get("rrname"))
        .and_then(Value::as_str)
        .and_then(name);
    let qtype = question.and_then(|q| q.get("rrtype")).and_then(rrtype);
    if code == rcode::NXDOMAIN {
        return match (qname, qtype) {
            (Some(qname), Some(qtype)) => Ok((time, Event::Negative(qname, qtype, code))),
            _ => Ok((time, Event::Skip("eve_no_question"))),
        };
    }
    if code != rcode::NOERROR {
        return Ok((time, Event::Skip("eve_error_rcode")));
    }
    if version == 1 {
        if dns.get("rdata").is_none() && dns.get("soa").is_none() && dns.get("srv").is_none() {
            return Ok((time, Event::Skip("eve_no_answers")));
        }
        return Ok((time, Event::Rows(vec![detailed(dns)?], Vec::new())));
    }
    let mut rows = Vec::new();
    let mut dropped = Vec::new();
    let mut detailed_seen = false;
    for section in ["answers", "authorities", "additionals"] {
        if let Some(records) = dns.get(section).and_then(Value::as_array) {
            detailed_seen |= section == "answers";
            for record in records {
                match detailed(record) {
                    Ok(row) => rows.push(row),
                    Err(reason) => dropped.push(reason),
                }
            }
        }
    }
    if !detailed_seen {
        if let Some(groups) = dns.get("grouped") {
            let (Some(qname), Some(qtype)) = (qname, qtype) else {
                return Ok((time, Event::Skip("eve_no_question")));
            };
            rows.extend(grouped(groups, &qname, qtype)?);
        }
    }
    if rows.is_empty() {
        return Ok((
            time,
            Event::Skip(dropped.first().copied().unwrap_or("eve_no_answers")),
        ));
    }
    Ok((time, Event::Rows(rows, dropped)))
}

/// Suricata EVE's `dns` events, as a [`LineFormat`].
#[derive(Debug, Default)]
pub struct Eve;

/// Suricata EVE JSON as a [`Source`](crate::source::Source).
pub type EveSource = LineSource<Eve>;

impl LineFormat for Eve {
    fn options(&self) -> u64 {
        source::fingerprint(&[b"eve-dns"])
    }

    fn too_long(&self) -> &'static str {
        "eve_line_too_long"
    }

    fn line(
        &mut self,
        line: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    ) {
        let parsed: Value = match serde_json::from_slice(line) {
            Ok(value) => value,
            Err(err) => {
                log.skip("eve_bad_json", label, number, &err);
                return;
            }
        };
        match event(&parsed) {
            Ok((time, Event::Rows(rows, dropped))) => {
                for reason in dropped {
                    log.add_n(reason, 1);
                }
                let parts = rows.iter().map(|(owner, rrtype, rdata)| RrKeyParts {
                    rrname: owner,
                    rrtype: *rrtype,
                    bailiwick: None,
                    rdata,
                });
                chunk.push_rows(parts, Tally::seen_at(time));
            }
            Ok((time, Event::Negative(qname, qtype, code))) => {
                chunk.push_negative(&qname, qtype, code, Tally::seen_at(time));
            }
            // Normal events that carry nothing storable: counted, not logged.
            Ok((_, Event::Skip(reason))) | Err(reason @ "eve_not_dns") => log.add_n(reason, 1),
            Err(reason) => log.skip(reason, label, number, &shown(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(line: &str) -> Vec<String> {
        let value: Value = serde_json::from_str(line).expect("JSON");
        match event(&value) {
            Ok((_, Event::Rows(rows, _))) => rows
                .iter()
                .map(|(owner, rrtype, rdata)| {
                    let mut out = String::new();
                    hark_dns::name::to_presentation(owner, &mut out).expect("name");
                    out.push_str(&format!(" {rrtype} "));
                    hark_dns::rdata::to_presentation(*rrtype, rdata, &mut out);
                    out
                })
                .collect(),
            Ok((_, Event::Negative(..))) => vec!["negative".into()],
            Ok((_, Event::Skip(reason))) | Err(reason) => vec![reason.into()],
        }
    }

    const TS: &str = r#""timestamp":"2024-05-01T10:00:00.123456+0000","event_type":"dns""#;

    #[test]
    fn v1_answers_keep_their_owners() {
        let line = format!(
            r#"{{{TS},"dns":{{"type":"answer","id":1,"rcode":"NOERROR","rrname":"cdn.example.net","rrtype":"A","ttl":60,"rdata":"192.0.2.7"}}}}"#
        );
        assert_eq!(rows(&line), vec!["cdn.example.net. A 192.0.2.7"]);
        let nx = format!(
            r#"{{{TS},"dns":{{"type":"answer","id":1,"rcode":"NXDOMAIN","rrname":"nope.example","rrtype":"A"}}}}"#
        );
        assert_eq!(rows(&nx), vec!["negative"]);
    }

    #[test]
    fn v2_detailed_and_grouped() {
        let detailed = format!(
            r#"{{{TS},"dns":{{"version":2,"type":"answer","rcode":"NOERROR","rrname":"www.example.com","rrtype":"A","answers":[{{"rrname":"www.example.com","rrtype":"CNAME","ttl":5,"rdata":"cdn.example.net"}},{{"rrname":"cdn.example.net","rrtype":"A","ttl":5,"rdata":"192.0.2.7"}}],"grouped":{{"CNAME":["cdn.example.net"],"A":["192.0.2.7"]}}}}}}"#
        );
        assert_eq!(
            rows(&detailed),
            vec![
                "www.example.com. CNAME cdn.example.net.",
                "cdn.example.net. A 192.0.2.7"
            ]
        );
        let grouped_chain = format!(
            r#"{{{TS},"dns":{{"version":2,"type":"answer","rcode":"NOERROR","rrname":"www.example.com","rrtype":"A","grouped":{{"CNAME":["cdn.example.net"],"A":["192.0.2.7"]}}}}}}"#
        );
        assert_eq!(rows(&grouped_chain), vec!["eve_grouped_ambiguous"]);
        let grouped_plain = format!(
            r#"{{{TS},"dns":{{"version":2,"type":"answer","rcode":"NOERROR","rrname":"www.example.com","rrtype":"AAAA","grouped":{{"AAAA":["2001:db8::1","2001:db8::2"]}}}}}}"#
        );
        assert_eq!(
            rows(&grouped_plain),
            vec![
                "www.example.com. AAAA 2001:db8::1",
                "www.example.com. AAAA 2001:db8::2"
            ]
        );
    }

    #[test]
    fn v3_queries_and_sections() {
        let line = format!(
            r#"{{{TS},"dns":{{"version":3,"type":"response","id":7,"rcode":"NOERROR","queries":[{{"rrname":"_sip._udp.example.com","rrtype":"SRV"}}],"answers":[{{"rrname":"_sip._udp.example.com","rrtype":"SRV","ttl":5,"srv":{{"priority":10,"weight":5,"port":5060,"name":"sip.example.com"}}}}],"authorities":[{{"rrname":"example.com","rrtype":"SOA","ttl":5,"soa":{{"mname":"ns.example.com","rname":"h.example.com","serial":1,"refresh":2,"retry":3,"expire":4,"minimum":5}}}}]}}}}"#
        );
        assert_eq!(
            rows(&line),
            vec![
                "_sip._udp.example.com. SRV 10 5 5060 sip.example.com.",
                "example.com. SOA ns.example.com. h.example.com. 1 2 3 4 5",
            ]
        );
        let query = format!(
            r#"{{{TS},"dns":{{"version":3,"type":"request","queries":[{{"rrname":"a.example","rrtype":"A"}}]}}}}"#
        );
        assert_eq!(rows(&query), vec!["eve_query"]);
        let mx = format!(
            r#"{{{TS},"dns":{{"version":3,"type":"response","rcode":"NOERROR","queries":[{{"rrname":"example.com","rrtype":"MX"}}],"answers":[{{"rrname":"example.com","rrtype":"MX","rdata":"mx.example.com"}}]}}}}"#
        );
        assert_eq!(rows(&mx), vec!["eve_incomplete_rdata"]);
        assert_eq!(rows(r#"{"event_type":"flow"}"#), vec!["eve_not_dns"]);
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_timestamp("2018-03-24T17:15:20.865716+0000"),
            Some(1521911720)
        );
        assert_eq!(
            parse_timestamp("2018-03-24T19:15:20.1+0200"),
            Some(1521911720)
        );
        assert_eq!(parse_timestamp("2018-03-24T17:15:20Z"), Some(1521911720));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
