//! What each provider is asked, and how its answer becomes rows (see the crate doc).

use crate::{Answer, FetchError, Kind, Provider, Target};
use hark_dns::RrType;
use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

/// Most pages followed (SecurityTrails `page`, VirusTotal `cursor`).
const MAX_PAGES: u32 = 200;

/// VirusTotal's largest page.
const VT_PAGE: u32 = 40;

/// Rows of one answer, merged by key with the one rule.
#[derive(Default)]
struct Rows(HashMap<RrKey, Tally>);

impl Rows {
    fn add(&mut self, parts: &RrKeyParts<'_>, tally: Tally) {
        if let Ok(key) = RrKey::new(parts) {
            self.0
                .entry(key)
                .and_modify(|t| t.merge(&tally))
                .or_insert(tally);
        }
    }

    fn into_answer(self, requests: u32, note: Option<String>) -> Answer {
        let mut rows: Vec<(RrKey, Tally)> = self.0.into_iter().collect();
        rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Answer {
            rows,
            requests,
            note,
        }
    }
}

/// Asks `provider` about `target`.
pub(crate) fn ask(provider: &Provider, target: &Target) -> Result<Answer, FetchError> {
    match provider.section.kind {
        Kind::Dnsdb => dnsdb(provider, target),
        Kind::Circl => circl(provider, target),
        Kind::Securitytrails => securitytrails(provider, target),
        Kind::Virustotal => virustotal(provider, target),
    }
}

/// COF lines (CIRCL NDJSON, DNSDB SAF `obj` lines) into rows; `cond` lines other than
/// `begin`/`succeeded` are returned as the note.
fn cof_lines(
    provider: &Provider,
    text: &str,
    rows: &mut Rows,
) -> Result<Option<String>, FetchError> {
    let mut note = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(value) = serde_json::from_str::<Value>(line) {
            match value.get("cond").and_then(Value::as_str) {
                Some("begin" | "succeeded" | "ongoing") | None => {}
                Some("limited") => {
                    note = Some(format!(
                        "the answer was limited: {}",
                        value.get("msg").and_then(Value::as_str).unwrap_or("")
                    ))
                }
                Some(other) => {
                    return Err(provider.unreadable(format!(
                        "the stream ended with {other}: {}",
                        value.get("msg").and_then(Value::as_str).unwrap_or("")
                    )))
                }
            }
        }
        let parsed =
            hark_cof::parse_line(line).map_err(|err| provider.unreadable(err.to_string()))?;
        for row in parsed {
            rows.add(&row.parts(), row.tally);
        }
    }
    Ok(note)
}

fn dnsdb(provider: &Provider, target: &Target) -> Result<Answer, FetchError> {
    let base = provider.base();
    let limit_url = format!("{base}/dnsdb/v2/rate_limit");
    let mut requests = 1;
    if let Some(text) = provider.get(&limit_url, "application/json")? {
        let doc: Value = serde_json::from_str(&text)
            .map_err(|err| provider.unreadable(format!("rate_limit: {err}")))?;
        let rate = &doc["rate"];
        if rate["remaining"].as_u64() == Some(0) {
            return Err(FetchError::Quota {
                provider: provider.section.id.clone(),
                reset: match &rate["reset"] {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => "an unknown time".into(),
                },
            });
        }
    }
    let limit = provider.section.limit.unwrap_or(10_000);
    let url = match target {
        Target::Name(name) => format!("{base}/dnsdb/v2/lookup/rrset/name/{name}?limit={limit}"),
        Target::Address(address) => {
            format!("{base}/dnsdb/v2/lookup/rdata/ip/{address}?limit={limit}")
        }
    };
    requests += 1;
    let mut rows = Rows::default();
    let note = match provider.get(&url, "application/x-ndjson")? {
        Some(text) => cof_lines(provider, &text, &mut rows)?,
        None => None,
    };
    Ok(rows.into_answer(requests, note))
}

fn circl(provider: &Provider, target: &Target) -> Result<Answer, FetchError> {
    let url = format!("{}/pdns/query/{}", provider.base(), target.text());
    let mut rows = Rows::default();
    let note = match provider.get(&url, "application/json")? {
        Some(text) => cof_lines(provider, &text, &mut rows)?,
        None => None,
    };
    Ok(rows.into_answer(1, note))
}

/// A `YYYY-MM-DD` date as epoch seconds at 00:00 UTC.
fn day(value: &Value) -> Option<i64> {
    let date: jiff::civil::Date = value.as_str()?.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// TXT rdata from its text: character-strings of at most 255 bytes.
fn txt_rdata(text: &str) -> Vec<u8> {
    let mut rdata = Vec::with_capacity(text.len() + 1);
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        rdata.push(0);
    }
    for chunk in bytes.chunks(255) {
        rdata.push(chunk.len() as u8);
        rdata.extend_from_slice(chunk);
    }
    rdata
}

fn securitytrails(provider: &Provider, target: &Target) -> Result<Answer, FetchError> {
    let Target::Name(name) = target else {
        return Ok(Rows::default().into_answer(
            0,
            Some(
                "SecurityTrails is asked about names only (its address search has no times)".into(),
            ),
        ));
    };
    let owner =
        hark_dns::name::from_presentation(name).map_err(|_| FetchError::Target(name.clone()))?;
    let mut rows = Rows::default();
    let mut requests = 0;
    let mut skipped = 0u64;
    for (kind, rrtype) in [
        ("a", RrType::A),
        ("aaaa", RrType::AAAA),
        ("mx", RrType::MX),
        ("ns", RrType::NS),
        ("txt", RrType::TXT),
    ] {
        let mut page = 1;
        loop {
            let url = format!(
                "{}/v1/history/{name}/dns/{kind}?page={page}",
                provider.base()
            );
            requests += 1;
            let Some(text) = provider.get(&url, "application/json")? else {
                break;
            };
            let doc: Value =
                serde_json::from_str(&text).map_err(|err| provider.unreadable(err.to_string()))?;
            for record in doc["records"].as_array().into_iter().flatten() {
                let (Some(first), Some(last)) =
                    (day(&record["first_seen"]), day(&record["last_seen"]))
                else {
                    skipped += 1;
                    continue;
                };
                let tally = Tally {
                    seen: Some(TimeSpan {
                        first: first.min(last),
                        last: first.max(last),
                    }),
                    zone_seen: None,
                    count: 1,
                };
                for value in record["values"].as_array().into_iter().flatten() {
                    let text = |key: &str| value.get(key).and_then(Value::as_str);
                    let rdata = match rrtype {
                        RrType::A => text("ip")
                            .and_then(|ip| ip.parse::<std::net::Ipv4Addr>().ok())
                            .map(|a| a.octets().to_vec()),
                        RrType::AAAA => text("ipv6")
                            .and_then(|ip| ip.parse::<std::net::Ipv6Addr>().ok())
                            .map(|a| a.octets().to_vec()),
                        RrType::NS => text("nameserver")
                            .and_then(|n| hark_dns::name::from_presentation(n).ok()),
                        RrType::MX => {
                            let host = text("host").or(text("hostname"));
                            let priority = value.get("priority").and_then(Value::as_u64);
                            match (host, priority) {
                                (Some(host), Some(priority)) => hark_dns::rdata::from_presentation(
                                    RrType::MX,
                                    &format!("{priority} {host}"),
                                )
                                .ok(),
                                _ => None,
                            }
                        }
                        _ => text("value").map(txt_rdata),
                    };
                    match rdata {
                        Some(rdata) => rows.add(
                            &RrKeyParts {
                                rrname: &owner,
                                rrtype,
                                bailiwick: None,
                                rdata: &rdata,
                            },
                            tally,
                        ),
                        None => skipped += 1,
                    }
                }
            }
            let pages = doc["pages"].as_u64().unwrap_or(1);
            if u64::from(page) >= pages || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
    }
    let note =
        (skipped > 0).then(|| format!("{skipped} values could not be read and were left out"));
    Ok(rows.into_answer(requests, note))
}

fn virustotal(provider: &Provider, target: &Target) -> Result<Answer, FetchError> {
    let path = match target {
        Target::Name(name) => format!("domains/{name}"),
        Target::Address(address) => format!("ip_addresses/{address}"),
    };
    let mut rows = Rows::default();
    let mut requests = 0;
    let mut cursor: Option<String> = None;
    let mut skipped = 0u64;
    loop {
        let mut url = format!(
            "{}/api/v3/{path}/resolutions?limit={VT_PAGE}",
            provider.base()
        );
        if let Some(cursor) = &cursor {
            url.push_str("&cursor=");
            url.push_str(&percent(cursor));
        }
        requests += 1;
        let Some(text) = provider.get(&url, "application/json")? else {
            break;
        };
        let doc: Value =
            serde_json::from_str(&text).map_err(|err| provider.unreadable(err.to_string()))?;
        for item in doc["data"].as_array().into_iter().flatten() {
            let attributes = &item["attributes"];
            let host = attributes["host_name"].as_str();
            let address = attributes["ip_address"]
                .as_str()
                .and_then(|a| a.parse::<IpAddr>().ok());
            let date = attributes["date"].as_i64();
            let (Some(host), Some(address), Some(date)) = (host, address, date) else {
                skipped += 1;
                continue;
            };
            let Ok(owner) = hark_dns::name::from_presentation(host) else {
                skipped += 1;
                continue;
            };
            let (rrtype, rdata) = match address {
                IpAddr::V4(v4) => (RrType::A, v4.octets().to_vec()),
                IpAddr::V6(v6) => (RrType::AAAA, v6.octets().to_vec()),
            };
            rows.add(
                &RrKeyParts {
                    rrname: &owner,
                    rrtype,
                    bailiwick: None,
                    rdata: &rdata,
                },
                Tally::seen_at(date),
            );
        }
        cursor = doc["meta"]["cursor"].as_str().map(str::to_string);
        if cursor.is_none() || requests >= MAX_PAGES {
            break;
        }
    }
    let note =
        (skipped > 0).then(|| format!("{skipped} resolutions could not be read and were left out"));
    Ok(rows.into_answer(requests, note))
}

/// Percent-encodes a query value (a cursor) byte by byte, leaving unreserved characters.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_txt_and_cursors() {
        assert_eq!(day(&Value::from("2021-10-30")), Some(1_635_552_000));
        assert_eq!(day(&Value::from("soon")), None);
        assert_eq!(txt_rdata("v=spf1 -all"), b"\x0bv=spf1 -all".to_vec());
        assert_eq!(txt_rdata("").len(), 1);
        assert_eq!(txt_rdata(&"x".repeat(300)).len(), 302);
        assert_eq!(percent("a b/c=="), "a%20b%2Fc%3D%3D");
    }
}
