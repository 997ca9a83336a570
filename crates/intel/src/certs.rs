//! Certificate names: the names a domain's TLS certificates covered, from a Certificate
//! Transparency export the user provides (crt.sh's JSON output: an array, or one object a
//! line, each with `name_value` — names separated by newlines — and optionally `common_name`,
//! `not_before`, `not_after`, `issuer_name`). Names certificates reveal are often names DNS
//! traffic never showed: staging hosts, VPN portals, internal tools.
//!
//! Names certificates covered come from the store (`hark import crtsh|certstream|certspotter`
//! keeps them as rows of their own, read with [`CertNames::from_store`]) and, as before the
//! store kept them, from an export given at analysis time ([`CertNames::open`]); the two are
//! merged ([`CertNames::merge`]).

use crate::IntelError;
use hark_store::{CertQuery, NamePattern, Store, TimeFence};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the certificates say about one name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertSeen {
    /// The earliest `not_before`, epoch seconds (0 when absent).
    pub first: i64,
    /// The latest `not_after`, epoch seconds (0 when absent).
    pub last: i64,
    /// Certificates naming it.
    pub certificates: u64,
    /// True when only a wildcard (`*.name`) covered it.
    pub wildcard_only: bool,
    /// Issuers, as the export names them.
    pub issuers: Vec<String>,
}

/// Names from certificates, lowercased, with a trailing dot.
#[derive(Clone, Debug, Default)]
pub struct CertNames {
    names: BTreeMap<String, CertSeen>,
}

fn time(value: Option<&serde_json::Value>) -> i64 {
    value
        .and_then(|v| v.as_str())
        .and_then(|text| {
            text.parse::<jiff::Timestamp>().ok().or_else(|| {
                text.parse::<jiff::civil::DateTime>()
                    .ok()
                    .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map(|z| z.timestamp())
            })
        })
        .map_or(0, |t| t.as_second())
}

impl CertNames {
    /// Reads a crt.sh JSON export (an array, or NDJSON).
    pub fn open(path: &Path) -> Result<CertNames, IntelError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| IntelError::BadInput(format!("{}: {err}", path.display())))?;
        CertNames::parse(&text)
            .map_err(|why| IntelError::BadInput(format!("{}: {why}", path.display())))
    }

    /// Parses the export's text.
    pub fn parse(text: &str) -> Result<CertNames, String> {
        let entries: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(text)
        {
            Ok(serde_json::Value::Array(items)) => items,
            Ok(single @ serde_json::Value::Object(_)) => vec![single],
            _ => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(i, line)| {
                    serde_json::from_str(line)
                        .map_err(|err| format!("line {}: not JSON: {err}", i + 1))
                })
                .collect::<Result<_, _>>()?,
        };
        let mut out = CertNames::default();
        let mut named = 0usize;
        for (index, entry) in entries.iter().enumerate() {
            let Some(object) = entry.as_object() else {
                return Err(format!("entry {}: not an object", index + 1));
            };
            let mut names = BTreeSet::new();
            for field in ["name_value", "common_name"] {
                if let Some(text) = object.get(field).and_then(|v| v.as_str()) {
                    names.extend(
                        text.split(['\n', ',', ' '])
                            .map(str::trim)
                            .filter(|n| !n.is_empty())
                            .map(str::to_ascii_lowercase),
                    );
                }
            }
            named += usize::from(!names.is_empty());
            let (first, last) = (
                time(object.get("not_before")),
                time(object.get("not_after")),
            );
            let issuer = object
                .get("issuer_name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            for name in names {
                out.add(&name, first, last, 1, issuer.as_deref());
            }
        }
        if named == 0 && !entries.is_empty() {
            return Err(
                "no entry names a certificate's names (expected crt.sh JSON: name_value, common_name)"
                    .into(),
            );
        }
        Ok(out)
    }

    /// Counts `certificates` certificates naming `name` (presentation, lowercase; a leading
    /// `*.` covers the name below it), valid from `first` to `last` (0: unknown), from
    /// `issuer`.
    fn add(&mut self, name: &str, first: i64, last: i64, certificates: u64, issuer: Option<&str>) {
        let (bare, wildcard) = match name.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (name, false),
        };
        if bare.contains('*') || bare.contains('@') || bare.is_empty() || bare == "." {
            return;
        }
        let key = format!("{}.", bare.trim_end_matches('.'));
        let seen = self.names.entry(key).or_insert(CertSeen {
            first: 0,
            last: 0,
            certificates: 0,
            wildcard_only: true,
            issuers: Vec::new(),
        });
        if first != 0 && (seen.first == 0 || first < seen.first) {
            seen.first = first;
        }
        seen.last = seen.last.max(last);
        seen.certificates += certificates;
        seen.wildcard_only &= wildcard;
        if let Some(issuer) = issuer.filter(|i| !i.is_empty()) {
            if !seen.issuers.iter().any(|known| known == issuer) {
                seen.issuers.push(issuer.to_string());
            }
        }
    }

    /// The certificate names the store holds at or below `domain` (canonical wire).
    pub fn from_store(store: &dyn Store, domain: &[u8]) -> Result<CertNames, IntelError> {
        let mut out = CertNames::default();
        for pattern in [
            NamePattern::Exact(domain.to_vec()),
            NamePattern::Subdomains(domain.to_vec()),
        ] {
            let query = CertQuery {
                name: pattern,
                fence: TimeFence::default(),
            };
            store.certs(&query, &mut |row| {
                let name = crate::names::text(&row.key.name);
                let (first, last) = row.tally.seen.map_or((0, 0), |s| (s.first, s.last));
                out.add(&name, first, last, row.tally.count, Some(&row.key.issuer));
                std::ops::ControlFlow::Continue(())
            })?;
        }
        Ok(out)
    }

    /// Adds what `other` says to these names.
    pub fn merge(&mut self, other: &CertNames) {
        for (name, seen) in &other.names {
            let first = seen.first;
            let wildcard_name;
            let name = if seen.wildcard_only {
                wildcard_name = format!("*.{name}");
                &wildcard_name
            } else {
                name
            };
            self.add(name, first, seen.last, seen.certificates, None);
            for issuer in &seen.issuers {
                self.add(name, first, seen.last, 0, Some(issuer));
            }
        }
    }

    /// The names at or below `domain`, with what the certificates say.
    pub fn under(&self, domain: &str) -> impl Iterator<Item = (&String, &CertSeen)> + '_ {
        let domain = domain.to_string();
        self.names
            .iter()
            .filter(move |(name, _)| crate::names::is_at_or_below(name, &domain))
    }

    /// Distinct names read.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no name was read.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crt_sh_exports() {
        let certs = CertNames::parse(
            r#"[{"issuer_name":"C=US, O=Let's Encrypt, CN=R3","common_name":"acme.example","name_value":"acme.example\nwww.acme.example\nVPN.acme.example","not_before":"2023-03-01T00:00:00","not_after":"2023-05-30T00:00:00"},
               {"issuer_name":"C=US, O=Let's Encrypt, CN=R3","common_name":"*.staging.acme.example","name_value":"*.staging.acme.example","not_before":"2023-06-01T00:00:00","not_after":"2023-08-30T00:00:00"},
               {"name_value":"other.example"}]"#,
        )
        .expect("parses");
        let under: Vec<(&str, u64, bool)> = certs
            .under("acme.example.")
            .map(|(n, s)| (n.as_str(), s.certificates, s.wildcard_only))
            .collect();
        assert_eq!(
            under,
            [
                ("acme.example.", 1, false),
                ("staging.acme.example.", 1, true),
                ("vpn.acme.example.", 1, false),
                ("www.acme.example.", 1, false)
            ]
        );
        let vpn = certs
            .under("acme.example")
            .find(|(n, _)| n.starts_with("vpn"))
            .expect("vpn")
            .1;
        assert_eq!((vpn.first, vpn.last), (1_677_628_800, 1_685_404_800));
        let ndjson =
            CertNames::parse("{\"name_value\":\"a.example\"}\n{\"name_value\":\"b.example\"}\n")
                .expect("ndjson");
        assert_eq!(ndjson.len(), 2);
        assert!(CertNames::parse("[1, 2]").is_err());
        assert!(CertNames::parse("not json").is_err());
        assert!(CertNames::parse("{\"rrname\":\"a.example.\"}").is_err());
    }
}
