//! Import of Rapid7 Project Sonar FDNS and RDNS JSON lines as a
//! [`Source`](crate::source::Source): one unit per line that gives a row.
//!
//! A line is `{"timestamp":"1527206612","name":…,"type":"a","value":…}`: the timestamp an
//! epoch string, the type lowercase. FDNS lines are (name, type, value) rows; RDNS lines
//! (`type` `ptr` with an address as `name`) get their owner turned into the
//! `in-addr.arpa`/`ip6.arpa` name, so they sit with PTR rows from every other source.
//!
//! A, AAAA, CNAME, NS, PTR, DNAME values are read as presentation text; MX when the value
//! carries its preference; TXT when it is one string of at most 255 bytes (quotes, if any,
//! removed). Other types are `sonar_unsupported_rrtype`, an MX without preference
//! `sonar_incomplete_rdata`. Rows have no bailiwick; each line is one observation (count 1).

use crate::aggregate::Observations;
use crate::source;
use crate::text::{shown, LineFormat, LineSource, SkipLog};
use hark_dns::RrType;
use hark_record::{RrKeyParts, Tally};
use std::net::IpAddr;

/// One Sonar line.
#[derive(serde::Deserialize)]
struct Line {
    timestamp: serde_json::Value,
    name: String,
    #[serde(rename = "type")]
    rrtype: String,
    value: String,
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa.`), canonical wire.
pub fn reverse_name(address: IpAddr) -> Vec<u8> {
    let mut labels: Vec<String> = match address {
        IpAddr::V4(v4) => v4.octets().iter().rev().map(u8::to_string).collect(),
        IpAddr::V6(v6) => v6
            .octets()
            .iter()
            .rev()
            .flat_map(|b| [b & 0x0f, b >> 4])
            .map(|nibble| format!("{nibble:x}"))
            .collect(),
    };
    labels.push(if address.is_ipv4() { "in-addr" } else { "ip6" }.into());
    labels.push("arpa".into());
    let mut wire = Vec::new();
    for label in labels {
        wire.push(u8::try_from(label.len()).unwrap_or(0));
        wire.extend_from_slice(label.as_bytes());
    }
    wire.push(0);
    wire
}

/// A row read from a line: owner, type, canonical rdata, time.
type TimedRow = (Vec<u8>, RrType, Vec<u8>, i64);

/// A Sonar line as a row.
fn row(line: &[u8]) -> Result<TimedRow, &'static str> {
    let parsed: Line = serde_json::from_slice(line).map_err(|_| "sonar_bad_json")?;
    let time = crate::zeek::json_time(&parsed.timestamp).ok_or("sonar_bad_timestamp")?;
    let rrtype: RrType = parsed.rrtype.parse().map_err(|_| "sonar_bad_type")?;
    let owner = match (rrtype, parsed.name.parse::<IpAddr>()) {
        (RrType::PTR, Ok(address)) => reverse_name(address),
        _ => hark_dns::name::from_presentation(&parsed.name).map_err(|_| "sonar_bad_name")?,
    };
    let value = parsed.value.as_str();
    let rdata = match rrtype {
        RrType::A | RrType::AAAA | RrType::CNAME | RrType::NS | RrType::PTR | RrType::DNAME => {
            hark_dns::rdata::from_presentation(rrtype, value).map_err(|_| "sonar_bad_value")?
        }
        RrType::MX if value.contains(' ') => {
            hark_dns::rdata::from_presentation(rrtype, value).map_err(|_| "sonar_bad_value")?
        }
        RrType::MX => return Err("sonar_incomplete_rdata"),
        RrType::TXT => {
            let text = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            let length = u8::try_from(text.len()).map_err(|_| "sonar_incomplete_rdata")?;
            [&[length][..], text.as_bytes()].concat()
        }
        _ => return Err("sonar_unsupported_rrtype"),
    };
    Ok((owner, rrtype, rdata, time))
}

/// Sonar FDNS/RDNS lines, as a [`LineFormat`].
#[derive(Debug, Default)]
pub struct Sonar;

/// A Sonar FDNS or RDNS file as a [`Source`](crate::source::Source).
pub type SonarSource = LineSource<Sonar>;

impl LineFormat for Sonar {
    fn options(&self) -> u64 {
        source::fingerprint(&[b"sonar"])
    }

    fn too_long(&self) -> &'static str {
        "sonar_line_too_long"
    }

    fn line(
        &mut self,
        line: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    ) {
        match row(line) {
            Ok((owner, rrtype, rdata, time)) => {
                let parts = RrKeyParts {
                    rrname: &owner,
                    rrtype,
                    bailiwick: None,
                    rdata: &rdata,
                };
                chunk.push_rows(std::iter::once(parts), Tally::seen_at(time));
            }
            Err(reason @ ("sonar_unsupported_rrtype" | "sonar_incomplete_rdata")) => {
                log.add_n(reason, 1)
            }
            Err(reason) => log.skip(reason, label, number, &shown(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &str) -> String {
        match row(line.as_bytes()) {
            Ok((owner, rrtype, rdata, time)) => {
                let mut out = String::new();
                hark_dns::name::to_presentation(&owner, &mut out).expect("name");
                out.push_str(&format!(" {rrtype} "));
                hark_dns::rdata::to_presentation(rrtype, &rdata, &mut out);
                format!("{out} @{time}")
            }
            Err(reason) => reason.into(),
        }
    }

    #[test]
    fn fdns_and_rdns_lines() {
        assert_eq!(
            text(
                r#"{"timestamp":"1527206612","name":"www.Example.com","type":"cname","value":"example.com"}"#
            ),
            "www.example.com. CNAME example.com. @1527206612"
        );
        assert_eq!(
            text(
                r#"{"timestamp":"1527206612","name":"192.0.2.1","type":"ptr","value":"host.example.com"}"#
            ),
            "1.2.0.192.in-addr.arpa. PTR host.example.com. @1527206612"
        );
        assert_eq!(
            text(r#"{"timestamp":"1527206612","name":"2001:db8::1","type":"ptr","value":"v6.example.com"}"#),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR v6.example.com. @1527206612"
        );
        assert_eq!(
            text(
                r#"{"timestamp":"1527206612","name":"example.com","type":"mx","value":"mail.example.com"}"#
            ),
            "sonar_incomplete_rdata"
        );
        assert_eq!(
            text(
                r#"{"timestamp":"1527206612","name":"example.com","type":"txt","value":"\"v=spf1 -all\""}"#
            ),
            "example.com. TXT \"v=spf1 -all\" @1527206612"
        );
        assert_eq!(
            text(r#"{"timestamp":"x","name":"a","type":"a","value":"1.2.3.4"}"#),
            "sonar_bad_timestamp"
        );
    }
}
