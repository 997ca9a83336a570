//! Import of go-dnscollector (DNS-collector) JSON as a [`Source`](crate::source::Source): one
//! DNS message a line (its `json` output format), one unit per response that gives rows.
//!
//! A line holds `dns` (`rcode`, `qname`, `qtype`, `flags.qr`, `resource-records` with `an`,
//! `ns`, `ar` lists of `{name, rdatatype, rdata}`) and, for dnstap input, `dnstap`
//! (`operation`, `timestamp-rfc3339ns`, `query-zone`). Mapping:
//!
//! - Queries (`flags.qr` false, or a `*_QUERY` operation) are counted (`dnscollector_query`).
//! - Records of the answer and authority sections become rows under their own names (the
//!   additional section is left, as `hark ingest` does by default). When `query-zone` is given
//!   it is the bailiwick and records outside it are dropped (`dnscollector_out_of_bailiwick`),
//!   as hark does with dnstap files.
//! - NXDOMAIN is a negative row; NOERROR without answers but with a SOA in the authority
//!   section is a NODATA negative row.
//! - Rdata is read as presentation text (go-dnscollector prints it so, names with or without
//!   their trailing dot); TXT without quotes is one string of at most 255 bytes. A message with
//!   rdata that does not read is skipped whole (`dnscollector_bad_rdata`).
//! - Time: `dnstap.timestamp-rfc3339ns`, truncated to the second.

use crate::aggregate::Observations;
use crate::source;
use crate::text::{shown, LineFormat, LineSource, SkipLog};
use hark_dns::RrType;
use hark_record::{rcode, RrKeyParts, Tally};
use serde_json::Value;

/// A row: owner, type, canonical rdata.
type Row = (Vec<u8>, RrType, Vec<u8>);

/// What one message gives.
enum Message {
    Rows(Vec<Row>, Option<Vec<u8>>, u64),
    Negative(Vec<u8>, RrType, u16),
    Skip(&'static str),
}

fn name(text: &str) -> Option<Vec<u8>> {
    hark_dns::name::from_presentation(text).ok()
}

fn rdata(rrtype: RrType, text: &str) -> Option<Vec<u8>> {
    if rrtype == RrType::TXT && !text.starts_with('"') {
        let length = u8::try_from(text.len()).ok()?;
        return Some([&[length][..], text.as_bytes()].concat());
    }
    hark_dns::rdata::from_presentation(rrtype, text).ok()
}

fn message(line: &Value) -> Result<(i64, Message), &'static str> {
    let dns = line.get("dns").ok_or("dnscollector_no_dns")?;
    let dnstap = line.get("dnstap");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let time = dnstap
        .and_then(|d| d.get("timestamp-rfc3339ns"))
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
        .ok_or("dnscollector_bad_timestamp")?;
    let operation = text(dnstap.and_then(|d| d.get("operation"))).unwrap_or_default();
    let qr = dns
        .get("flags")
        .and_then(|f| f.get("qr"))
        .and_then(Value::as_bool);
    if operation.ends_with("_QUERY") || qr == Some(false) {
        return Ok((time, Message::Skip("dnscollector_query")));
    }
    if dns.get("malformed-packet").and_then(Value::as_bool) == Some(true) {
        return Ok((time, Message::Skip("dnscollector_malformed")));
    }
    let code = text(dns.get("rcode"))
        .as_deref()
        .and_then(rcode::parse)
        .ok_or("dnscollector_bad_rcode")?;
    let qname = text(dns.get("qname")).as_deref().and_then(name);
    let qtype = text(dns.get("qtype")).and_then(|t| t.parse::<RrType>().ok());
    let zone = text(dnstap.and_then(|d| d.get("query-zone")))
        .filter(|z| z != "-" && !z.is_empty())
        .map(|z| name(&z).ok_or("dnscollector_bad_zone"))
        .transpose()?;
    let records = dns.get("resource-records");
    let section = |key: &str| {
        records
            .and_then(|r| r.get(key))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (answers, authority) = (section("an"), section("ns"));
    if code == rcode::NXDOMAIN || (code == rcode::NOERROR && answers.is_empty()) {
        let soa = authority
            .iter()
            .any(|r| r.get("rdatatype").and_then(Value::as_str) == Some("SOA"));
        return match (qname, qtype) {
            (Some(qname), Some(qtype)) if code == rcode::NXDOMAIN || soa => {
                Ok((time, Message::Negative(qname, qtype, code)))
            }
            _ => Ok((time, Message::Skip("dnscollector_no_answers"))),
        };
    }
    if code != rcode::NOERROR {
        return Ok((time, Message::Skip("dnscollector_error_rcode")));
    }
    let mut rows = Vec::new();
    let mut dropped = 0;
    for record in answers.iter().chain(&authority) {
        let owner = text(record.get("name")).as_deref().and_then(name);
        let rrtype = text(record.get("rdatatype")).and_then(|t| t.parse::<RrType>().ok());
        let value = text(record.get("rdata"));
        let parsed = match (owner, rrtype, value) {
            (Some(owner), Some(rrtype), Some(value)) if !rrtype.is_meta() => {
                rdata(rrtype, &value).map(|rdata| (owner, rrtype, rdata))
            }
            _ => None,
        };
        match parsed {
            Some(row) => {
                if zone
                    .as_deref()
                    .is_some_and(|zone| !hark_dns::name::is_at_or_below(&row.0, zone))
                {
                    dropped += 1;
                } else {
                    rows.push(row);
                }
            }
            None => return Err("dnscollector_bad_rdata"),
        }
    }
    Ok((time, Message::Rows(rows, zone, dropped)))
}

/// go-dnscollector's JSON lines, as a [`LineFormat`].
#[derive(Debug, Default)]
pub struct DnsCollector;

/// A go-dnscollector JSON log as a [`Source`](crate::source::Source).
pub type DnsCollectorSource = LineSource<DnsCollector>;

impl LineFormat for DnsCollector {
    fn options(&self) -> u64 {
        source::fingerprint(&[b"dnscollector"])
    }

    fn too_long(&self) -> &'static str {
        "dnscollector_line_too_long"
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
                log.skip("dnscollector_bad_json", label, number, &err);
                return;
            }
        };
        match message(&parsed) {
            Ok((time, Message::Rows(rows, zone, dropped))) => {
                log.add_n("dnscollector_out_of_bailiwick", dropped);
                let parts = rows.iter().map(|(owner, rrtype, rdata)| RrKeyParts {
                    rrname: owner,
                    rrtype: *rrtype,
                    bailiwick: zone.as_deref(),
                    rdata,
                });
                chunk.push_rows(parts, Tally::seen_at(time));
            }
            Ok((time, Message::Negative(qname, qtype, code))) => {
                chunk.push_negative(&qname, qtype, code, Tally::seen_at(time));
            }
            Ok((_, Message::Skip(reason))) => log.add_n(reason, 1),
            Err(reason) => log.skip(reason, label, number, &shown(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(line: &str) -> Vec<String> {
        let value: Value = serde_json::from_str(line).expect("JSON");
        match message(&value) {
            Ok((_, Message::Rows(rows, zone, _))) => rows
                .iter()
                .map(|(owner, rrtype, rdata)| {
                    let mut out = String::new();
                    hark_dns::name::to_presentation(owner, &mut out).expect("name");
                    out.push_str(&format!(" {rrtype} "));
                    hark_dns::rdata::to_presentation(*rrtype, rdata, &mut out);
                    if let Some(zone) = &zone {
                        out.push_str(" @");
                        hark_dns::name::to_presentation(zone, &mut out).expect("zone");
                    }
                    out
                })
                .collect(),
            Ok((_, Message::Negative(_, _, code))) => vec![format!("negative {code}")],
            Ok((_, Message::Skip(reason))) | Err(reason) => vec![reason.into()],
        }
    }

    #[test]
    fn responses_with_sections_and_zones() {
        let line = r#"{"network":{"family":"INET","protocol":"UDP"},"dns":{"length":90,"opcode":0,"rcode":"NOERROR","qname":"www.example.com","qtype":"A","flags":{"qr":true},"resource-records":{"an":[{"name":"www.example.com","rdatatype":"CNAME","rdata":"cdn.example.net","ttl":60},{"name":"cdn.example.net","rdatatype":"A","rdata":"192.0.2.7","ttl":60}],"ns":[{"name":"example.com","rdatatype":"NS","rdata":"ns1.example.com","ttl":60}],"ar":[{"name":"ns1.example.com","rdatatype":"A","rdata":"192.0.2.53"}]},"malformed-packet":false},"dnstap":{"operation":"RESOLVER_RESPONSE","timestamp-rfc3339ns":"2024-05-01T10:00:00.123456789Z","query-zone":"example.com"}}"#;
        assert_eq!(
            rows(line),
            vec![
                "www.example.com. CNAME cdn.example.net. @example.com.",
                "example.com. NS ns1.example.com. @example.com.",
            ]
        );
        let nx = r#"{"dns":{"rcode":"NXDOMAIN","qname":"nope.example.com","qtype":"A","flags":{"qr":true},"resource-records":{"an":[],"ns":[],"ar":[]}},"dnstap":{"operation":"CLIENT_RESPONSE","timestamp-rfc3339ns":"2024-05-01T10:00:00Z","query-zone":"-"}}"#;
        assert_eq!(rows(nx), vec!["negative 3"]);
        let query = r#"{"dns":{"rcode":"NOERROR","qname":"a.example","qtype":"A","flags":{"qr":false}},"dnstap":{"operation":"CLIENT_QUERY","timestamp-rfc3339ns":"2024-05-01T10:00:00Z"}}"#;
        assert_eq!(rows(query), vec!["dnscollector_query"]);
        let mx = r#"{"dns":{"rcode":"NOERROR","qname":"example.com","qtype":"MX","flags":{"qr":true},"resource-records":{"an":[{"name":"example.com","rdatatype":"MX","rdata":"10 mx.example.com"},{"name":"example.com","rdatatype":"TXT","rdata":"v=spf1 -all"}]}},"dnstap":{"operation":"CLIENT_RESPONSE","timestamp-rfc3339ns":"2024-05-01T10:00:00Z"}}"#;
        assert_eq!(
            rows(mx),
            vec![
                "example.com. MX 10 mx.example.com.",
                "example.com. TXT \"v=spf1 -all\""
            ]
        );
    }
}
