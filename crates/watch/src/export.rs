//! Alerts as threat-intel documents: a MISP event and a STIX 2.1 bundle.
//!
//! Each alert becomes, in MISP, attributes in the Network activity category (the subject as a
//! `domain` or `ip-dst`, the client that asked as `ip-src`), commented with the rule and the
//! summary; in STIX, an `indicator` with a STIX pattern on the subject (`domain-name:value`,
//! `ipv4-addr:value`, `ipv6-addr:value`), created by a `hark` identity. Ids (UUIDs) are derived
//! from the alerts' ids, so exporting the same alerts twice gives the same documents.

use crate::alerts::Alert;
use serde_json::{json, Value};
use sha2::Digest as _;
use std::net::IpAddr;

/// A UUID (version 5 layout) from `seed`: stable across exports.
fn uuid(seed: &str) -> String {
    let hash = sha2::Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// What an alert is about, as an indicator: a domain name or an address.
enum Subject {
    Name(String),
    Address(IpAddr),
}

fn subject(alert: &Alert) -> Subject {
    let first = alert.subject.split(' ').next().unwrap_or_default();
    match first.parse::<IpAddr>() {
        Ok(address) => Subject::Address(address),
        Err(_) => Subject::Name(first.trim_end_matches('.').to_string()),
    }
}

fn time(epoch: i64, fraction: bool) -> String {
    let stamp = jiff::Timestamp::from_second(epoch).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if fraction {
        stamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    } else {
        stamp.strftime("%Y-%m-%d").to_string()
    }
}

/// A MISP event (MISP core format, `{"Event": {...}}`) holding `alerts`.
pub fn misp_event(alerts: &[Alert], info: &str) -> Value {
    let mut attributes = Vec::new();
    for alert in alerts {
        let comment = format!(
            "hark rule {} ({}): {}",
            alert.rule,
            alert.severity.as_str(),
            alert.summary
        );
        let (kind, value) = match subject(alert) {
            Subject::Name(name) => ("domain", name),
            Subject::Address(address) => ("ip-dst", address.to_string()),
        };
        attributes.push(json!({
            "uuid": uuid(&format!("misp-attribute {} subject", alert.id)),
            "type": kind,
            "category": "Network activity",
            "value": value,
            "to_ids": false,
            "comment": comment,
            "timestamp": alert.last.to_string(),
        }));
        for client in alert.evidence.iter().filter_map(|e| e.client.as_deref()) {
            attributes.push(json!({
                "uuid": uuid(&format!("misp-attribute {} client {client}", alert.id)),
                "type": "ip-src",
                "category": "Network activity",
                "value": client,
                "to_ids": false,
                "comment": format!("asked for {} (hark alert {})", alert.subject, alert.id),
                "timestamp": alert.last.to_string(),
            }));
        }
    }
    let first = alerts.iter().map(|a| a.first).min().unwrap_or(0);
    let last = alerts.iter().map(|a| a.last).max().unwrap_or(0);
    let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    json!({"Event": {
        "uuid": uuid(&format!("misp-event {}", ids.join(","))),
        "info": info,
        "date": time(first, false),
        "timestamp": last.to_string(),
        "threat_level_id": "2",
        "analysis": "0",
        "distribution": "0",
        "Attribute": attributes,
        "Tag": [{"name": "hark:watch"}],
    }})
}

/// A STIX pattern string literal: `'` and `\` escaped.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A STIX 2.1 bundle: a `hark` identity and an indicator per alert.
pub fn stix_bundle(alerts: &[Alert]) -> Value {
    let identity = format!("identity--{}", uuid("stix identity hark"));
    let mut objects = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity,
        "created": time(0, true),
        "modified": time(0, true),
        "name": "hark",
        "identity_class": "system",
    })];
    for alert in alerts {
        let pattern = match subject(alert) {
            Subject::Name(name) => format!("[domain-name:value = {}]", literal(&name)),
            Subject::Address(IpAddr::V4(a)) => format!("[ipv4-addr:value = '{a}']"),
            Subject::Address(IpAddr::V6(a)) => format!("[ipv6-addr:value = '{a}']"),
        };
        let created = time(alert.raised_at, true);
        objects.push(json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": format!("indicator--{}", uuid(&format!("stix indicator {}", alert.id))),
            "created_by_ref": identity,
            "created": created,
            "modified": created,
            "name": alert.title,
            "description": alert.summary,
            "indicator_types": ["anomalous-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": time(alert.first, true),
            "labels": [format!("rule:{}", alert.rule), format!("severity:{}", alert.severity.as_str())],
        }));
    }
    let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid(&format!("stix bundle {}", ids.join(",")))),
        "objects": objects,
    })
}
