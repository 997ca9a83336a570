//! TXT intelligence: SPF (mechanisms, `include:` chains resolved from the store, the services
//! they name, the `all` policy, the ten-lookup limit), DMARC policy strength and how it
//! changed, DKIM selectors, MTA-STS, TLS-RPT, BIMI, and every SaaS verification token, with
//! the other domains that carry the same token (the same tenant). TXT records recognised as
//! none of these are listed as such, never dropped.

use crate::knowledge::knowledge;
use crate::{domain_rows, names, rdata_rows, rrset_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, RdataMatch, Row, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// RFC 7208 §4.6.4: at most this many DNS-querying terms in an SPF evaluation.
pub const SPF_LOOKUP_LIMIT: usize = 10;

/// Everything the TXT records under a domain say.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TxtReport {
    /// The domain.
    pub domain: String,
    /// SPF records (at the domain or below).
    pub spf: Vec<Spf>,
    /// DMARC records at `_dmarc.` names, by name, oldest first.
    pub dmarc: Vec<Dmarc>,
    /// When a later DMARC policy was weaker than the one before it.
    pub dmarc_weakened: Vec<Weakening>,
    /// DKIM selectors seen under `_domainkey.`.
    pub dkim_selectors: Vec<Selector>,
    /// MTA-STS policy announcements (`_mta-sts.`).
    pub mta_sts: Vec<Tagged>,
    /// TLS reporting (`_smtp._tls.`).
    pub tls_rpt: Vec<Tagged>,
    /// BIMI records (`._bimi.`).
    pub bimi: Vec<Tagged>,
    /// SaaS verification tokens.
    pub verifications: Vec<Verification>,
    /// TXT records recognised as none of the above.
    pub unrecognised: Vec<TxtSeen>,
    /// For each domain the SPF records here include: the other domains that include it too
    /// (the same sender, or the same organisation for a custom include).
    pub include_pivot: Vec<IncludePivot>,
}

/// Who else includes an SPF include.
#[derive(Clone, Debug, Serialize)]
pub struct IncludePivot {
    /// The included domain.
    pub include: String,
    /// The sending service, when known.
    pub service: Option<String>,
    /// Other registrable domains whose SPF records include it directly.
    pub domains: Vec<String>,
    /// True when the store held more SPF records than one pivot reads
    /// ([`INCLUDE_PIVOT_ROWS`]): the list is a lower bound.
    pub partial: bool,
}

/// Most TXT rows the include pivot reads.
pub const INCLUDE_PIVOT_ROWS: usize = 2_000_000;

/// A TXT record with its owner and times.
#[derive(Clone, Debug, Serialize)]
pub struct TxtSeen {
    /// The owner name.
    pub rrname: String,
    /// The value: the record's strings joined.
    pub value: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// One SPF term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpfTerm {
    /// `+`, `-`, `~` or `?` for mechanisms; empty for modifiers.
    pub qualifier: String,
    /// The mechanism or modifier name (`include`, `ip4`, `redirect`...).
    pub name: String,
    /// What follows `:` or `=`.
    pub value: Option<String>,
}

/// A domain an SPF record names: by `include:`, `redirect=` (followed through the store) or
/// `exists:` (named only).
#[derive(Clone, Debug, Serialize)]
pub struct SpfInclude {
    /// `include`, `redirect` or `exists`.
    pub mechanism: String,
    /// The domain, as written (macros such as `%{i}` kept).
    pub domain: String,
    /// How deep in the chain (1 = named by the record itself).
    pub depth: usize,
    /// The sending service, when known (macro labels are ignored for the match).
    pub service: Option<String>,
    /// Its SPF record, when the store holds one (never looked up for `exists` or a domain
    /// with macros, which names no one record).
    pub record: Option<String>,
}

/// A parsed SPF record.
#[derive(Clone, Debug, Serialize)]
pub struct Spf {
    /// Where it was published.
    pub rrname: String,
    /// The record.
    pub record: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
    /// Its terms, in order.
    pub terms: Vec<SpfTerm>,
    /// What happens to mail from anyone else: `fail` (-all), `softfail` (~all), `neutral`
    /// (?all), `pass` (+all: anyone may send), or `none` (no all).
    pub all: String,
    /// Every include and redirect, followed through the store.
    pub includes: Vec<SpfInclude>,
    /// DNS-querying terms in the whole evaluation, includes followed.
    pub lookups: usize,
    /// True past [`SPF_LOOKUP_LIMIT`]: receivers answer permerror.
    pub too_many_lookups: bool,
    /// The services its includes name.
    pub services: Vec<String>,
    /// What is wrong with it.
    pub problems: Vec<String>,
}

/// A parsed DMARC record.
#[derive(Clone, Debug, Serialize)]
pub struct Dmarc {
    /// Where it was published.
    pub rrname: String,
    /// The record.
    pub record: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
    /// `p`.
    pub policy: Option<String>,
    /// `sp`.
    pub subdomain_policy: Option<String>,
    /// `pct` (100 when absent).
    pub pct: u32,
    /// `rua` addresses.
    pub rua: Vec<String>,
    /// `ruf` addresses.
    pub ruf: Vec<String>,
    /// `strong` (reject, 100 %), `moderate` (quarantine, 100 %), `partial` (reject or
    /// quarantine on part of the mail), `monitoring` (p=none), or `invalid`.
    pub strength: String,
}

/// A DMARC policy replaced by a weaker one at the same name.
#[derive(Clone, Debug, Serialize)]
pub struct Weakening {
    /// Where (`_dmarc.example.com.`).
    pub rrname: String,
    /// When the weaker record was first seen.
    pub on: i64,
    /// The strength before.
    pub from: String,
    /// The strength after.
    pub to: String,
}

/// A DKIM selector.
#[derive(Clone, Debug, Serialize)]
pub struct Selector {
    /// The selector (`google`, `selector1`, `s1`...).
    pub selector: String,
    /// Where its key was published.
    pub rrname: String,
    /// True when the key record has an empty `p=` (revoked).
    pub revoked: bool,
    /// The sending service that uses this selector, when it is a known one (`selector1`:
    /// Microsoft 365, `google`: Google Workspace, `k1`: Mailchimp...).
    pub service: Option<String>,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// A tag=value record (MTA-STS, TLS-RPT, BIMI).
#[derive(Clone, Debug, Serialize)]
pub struct Tagged {
    /// Where it was published.
    pub rrname: String,
    /// The record.
    pub record: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// A verification token.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// The service it proves an account with.
    pub service: String,
    /// Its category (`unlisted` for the generic rule).
    pub category: String,
    /// False when no table lists the vendor and the generic rule named it from the token's
    /// own vendor word (`unlisted verification token: VENDOR`).
    pub listed: bool,
    /// Where it was published.
    pub rrname: String,
    /// The token.
    pub value: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
    /// Other registrable domains carrying exactly the same record: the same tenant.
    pub also_on: Vec<String>,
}

/// The value of TXT rdata: its character-strings joined, as text.
pub fn txt_value(rdata: &[u8]) -> String {
    let mut out = Vec::with_capacity(rdata.len());
    let mut rest = rdata;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        out.extend_from_slice(&tail[..len]);
        rest = &tail[len..];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `k=v; k=v` records (DMARC, MTA-STS, TLS-RPT, BIMI, DKIM) into lowercase keys.
pub fn tags(record: &str) -> BTreeMap<String, String> {
    record
        .split(';')
        .filter_map(|part| {
            let (key, value) = part.split_once('=')?;
            Some((key.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect()
}

/// Parses SPF terms (RFC 7208 §4.6.1).
pub fn spf_terms(record: &str) -> Vec<SpfTerm> {
    record
        .split_ascii_whitespace()
        .skip(1)
        .map(|term| {
            if let Some((name, value)) = term.split_once('=') {
                if !name.contains(':') {
                    return SpfTerm {
                        qualifier: String::new(),
                        name: name.to_ascii_lowercase(),
                        value: Some(value.to_string()),
                    };
                }
            }
            let (qualifier, rest) = match term.chars().next() {
                Some(q @ ('+' | '-' | '~' | '?')) => (q.to_string(), &term[1..]),
                _ => ("+".to_string(), term),
            };
            let (name, value) = match rest.split_once([':', '/']) {
                Some((name, _)) if rest.as_bytes().get(name.len()) == Some(&b'/') => {
                    (name, Some(rest[name.len()..].to_string()))
                }
                Some((name, value)) => (name, Some(value.to_string())),
                None => (rest, None),
            };
            SpfTerm {
                qualifier,
                name: name.to_ascii_lowercase(),
                value,
            }
        })
        .collect()
}

/// Terms that cost a DNS lookup (RFC 7208 §4.6.4).
fn costs_lookup(term: &SpfTerm) -> bool {
    matches!(
        term.name.as_str(),
        "include" | "a" | "mx" | "ptr" | "exists" | "redirect"
    )
}

/// The most recently seen SPF record published at `domain`, from the store.
fn stored_spf(store: &dyn Store, domain: &str) -> Result<Option<String>, IntelError> {
    let Ok(wire) = names::parse(domain) else {
        return Ok(None);
    };
    let rows = rrset_rows(store, NamePattern::Exact(wire), Some(RrType::TXT), domain)?;
    Ok(rows
        .iter()
        .map(|r| (Seen::of(&r.tally).last, txt_value(r.key.parts().rdata)))
        .filter(|(_, v)| is_spf(v))
        .max_by_key(|(last, _)| *last)
        .map(|(_, v)| v))
}

fn is_spf(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

/// The domains `include:`, `redirect=` and `exists:` terms name, as (mechanism, domain, depth).
fn named_domains(terms: &[SpfTerm], depth: usize) -> Vec<(String, String, usize)> {
    terms
        .iter()
        .filter(|t| matches!(t.name.as_str(), "include" | "redirect" | "exists"))
        .filter_map(|t| t.value.clone().map(|v| (t.name.clone(), v, depth)))
        .collect()
}

/// Parses an SPF record and follows its includes and redirect through the store.
pub fn analyse_spf(
    store: &dyn Store,
    rrname: &str,
    record: &str,
    seen: Seen,
) -> Result<Spf, IntelError> {
    let terms = spf_terms(record);
    let mut problems = Vec::new();
    let all = terms
        .iter()
        .find(|t| t.name == "all")
        .map(|t| match t.qualifier.as_str() {
            "-" => "fail",
            "~" => "softfail",
            "?" => "neutral",
            _ => "pass",
        })
        .unwrap_or("none")
        .to_string();
    if all == "pass" {
        problems.push("+all lets anyone send as this domain".to_string());
    }
    if all == "none" && !terms.iter().any(|t| t.name == "redirect") {
        problems.push("no `all` and no redirect: mail from anyone else is neutral".to_string());
    }
    let mut includes = Vec::new();
    let mut lookups = terms.iter().filter(|t| costs_lookup(t)).count();
    let mut visited = BTreeSet::new();
    let mut queue: Vec<(String, String, usize)> = named_domains(&terms, 1);
    queue.reverse();
    while let Some((mechanism, domain, depth)) = queue.pop() {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if mechanism == "exists" || domain.contains('%') {
            // `exists:` names no SPF record, and a macro names a different one per message.
            includes.push(SpfInclude {
                service: knowledge().spf_sender(&domain).map(|s| s.service.clone()),
                mechanism,
                domain,
                depth,
                record: None,
            });
            continue;
        }
        if !visited.insert(domain.clone()) {
            problems.push(format!(
                "{domain} is included more than once (or in a loop)"
            ));
            continue;
        }
        if depth > SPF_LOOKUP_LIMIT {
            problems.push(format!("includes nest deeper than {SPF_LOOKUP_LIMIT}"));
            break;
        }
        let service = knowledge().spf_sender(&domain).map(|s| s.service.clone());
        let nested = stored_spf(store, &domain)?;
        if let Some(nested) = &nested {
            let nested_terms = spf_terms(nested);
            lookups += nested_terms.iter().filter(|t| costs_lookup(t)).count();
            let mut children = named_domains(&nested_terms, depth + 1);
            children.reverse();
            queue.extend(children);
        }
        includes.push(SpfInclude {
            mechanism,
            domain,
            depth,
            service,
            record: nested,
        });
    }
    let too_many_lookups = lookups > SPF_LOOKUP_LIMIT;
    if too_many_lookups {
        problems.push(format!(
            "{lookups} DNS lookups: over the limit of {SPF_LOOKUP_LIMIT}, receivers answer permerror"
        ));
    }
    let services: Vec<String> = includes
        .iter()
        .filter_map(|i| i.service.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(Spf {
        rrname: rrname.to_string(),
        record: record.to_string(),
        seen,
        terms,
        all,
        includes,
        lookups,
        too_many_lookups,
        services,
        problems,
    })
}

/// Parses a DMARC record.
pub fn parse_dmarc(rrname: &str, record: &str, seen: Seen) -> Dmarc {
    let tags = tags(record);
    let policy = tags.get("p").map(|p| p.to_ascii_lowercase());
    let pct = tags
        .get("pct")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(100)
        .min(100);
    let list = |key: &str| -> Vec<String> {
        tags.get(key)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let strength = match (policy.as_deref(), pct) {
        (Some("reject"), 100) => "strong",
        (Some("quarantine"), 100) => "moderate",
        (Some("reject" | "quarantine"), _) => "partial",
        (Some("none"), _) => "monitoring",
        _ => "invalid",
    };
    Dmarc {
        rrname: rrname.to_string(),
        record: record.to_string(),
        seen,
        subdomain_policy: tags.get("sp").map(|p| p.to_ascii_lowercase()),
        policy,
        pct,
        rua: list("rua"),
        ruf: list("ruf"),
        strength: strength.into(),
    }
}

/// How strong a DMARC strength is: `strong` 4 down to `invalid` 0, to compare two records.
pub fn strength_rank(strength: &str) -> u8 {
    match strength {
        "strong" => 4,
        "moderate" => 3,
        "partial" => 2,
        "monitoring" => 1,
        _ => 0,
    }
}

/// Analyses every TXT record at or below `domain`.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<TxtReport, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let mut report = TxtReport {
        domain: domain_text.clone(),
        ..TxtReport::default()
    };
    let rows = domain_rows(store, &wire, Some(RrType::TXT))?;
    for row in &rows {
        classify(store, row, &domain_text, &mut report)?;
    }
    report.include_pivot = include_pivot(store, &report.spf, &domain_text)?;
    // Oldest first within each name: a weakening is a later record at the same name.
    report.dmarc.sort_by(|a, b| {
        (&a.rrname, a.seen.first, a.seen.last).cmp(&(&b.rrname, b.seen.first, b.seen.last))
    });
    report.dmarc_weakened = report
        .dmarc
        .windows(2)
        .filter(|pair| pair[0].rrname == pair[1].rrname)
        .filter(|pair| strength_rank(&pair[1].strength) < strength_rank(&pair[0].strength))
        .map(|pair| Weakening {
            rrname: pair[1].rrname.clone(),
            on: pair[1].seen.first,
            from: pair[0].strength.clone(),
            to: pair[1].strength.clone(),
        })
        .collect();
    Ok(report)
}

/// Files one TXT row into the report.
fn classify(
    store: &dyn Store,
    row: &Row,
    domain: &str,
    report: &mut TxtReport,
) -> Result<(), IntelError> {
    let parts = row.key.parts();
    let rrname = names::text(parts.rrname);
    let value = txt_value(parts.rdata);
    let seen = Seen::of(&row.tally);
    let lower_name = rrname.to_ascii_lowercase();
    let lower = value.to_ascii_lowercase();
    if lower_name.starts_with("_dmarc.") && lower.starts_with("v=dmarc1") {
        report.dmarc.push(parse_dmarc(&rrname, &value, seen));
    } else if let Some(selector) = lower_name
        .find("._domainkey.")
        .map(|at| rrname[..at].to_string())
    {
        let key = tags(&value);
        report.dkim_selectors.push(Selector {
            service: knowledge()
                .dkim_selector(&selector)
                .map(|d| d.service.clone()),
            selector,
            rrname,
            revoked: key.get("p").is_some_and(|p| p.is_empty()),
            seen,
        });
    } else if lower_name.starts_with("_mta-sts.") && lower.starts_with("v=stsv1") {
        report.mta_sts.push(tagged(rrname, value, seen));
    } else if lower_name.starts_with("_smtp._tls.") && lower.starts_with("v=tlsrptv1") {
        report.tls_rpt.push(tagged(rrname, value, seen));
    } else if lower_name.contains("._bimi.") && lower.starts_with("v=bimi1") {
        report.bimi.push(tagged(rrname, value, seen));
    } else if is_spf(&value) {
        report.spf.push(analyse_spf(store, &rrname, &value, seen)?);
    } else if let Some(named) = knowledge().verification_at(&rrname, &value) {
        let also_on = same_record_elsewhere(store, parts.rdata, domain)?;
        report.verifications.push(Verification {
            service: named.service,
            category: named.category,
            listed: named.listed,
            rrname,
            value,
            seen,
            also_on,
        });
    } else {
        report.unrecognised.push(TxtSeen {
            rrname,
            value,
            seen,
        });
    }
    Ok(())
}

/// The other domains whose SPF records include what the domain's records include, from one
/// pass over every TXT row in the store.
fn include_pivot(
    store: &dyn Store,
    spf: &[Spf],
    domain: &str,
) -> Result<Vec<IncludePivot>, IntelError> {
    let wanted: BTreeSet<String> = spf
        .iter()
        .flat_map(|s| {
            s.includes
                .iter()
                .filter(|i| i.depth == 1 && i.mechanism != "exists" && !i.domain.contains('%'))
                .map(|i| i.domain.clone())
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut read = 0usize;
    let query = hark_store::RdataQuery {
        rdata: RdataMatch::EveryOfType,
        rrtype: Some(RrType::TXT),
        fence: hark_store::TimeFence::default(),
    };
    let mut late = false;
    let mut clock = 0u32;
    store.rdata(&query, &mut |row| {
        if crate::out_of_time(&mut clock) {
            late = true;
            return std::ops::ControlFlow::Break(());
        }
        read += 1;
        if read > INCLUDE_PIVOT_ROWS {
            return std::ops::ControlFlow::Break(());
        }
        let value = txt_value(row.key.parts().rdata);
        if !is_spf(&value) {
            return std::ops::ControlFlow::Continue(());
        }
        let owner = names::text(row.key.parts().rrname);
        if names::is_at_or_below(&owner, domain) {
            return std::ops::ControlFlow::Continue(());
        }
        for term in spf_terms(&value) {
            if let (true, Some(target)) = (
                term.name == "include" || term.name == "redirect",
                term.value,
            ) {
                let target = target.trim_end_matches('.').to_ascii_lowercase();
                if wanted.contains(&target) {
                    found
                        .entry(target)
                        .or_default()
                        .insert(names::registrable_or_self(&owner));
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    })?;
    if late {
        return Err(IntelError::TimedOut);
    }
    let partial = read > INCLUDE_PIVOT_ROWS;
    Ok(wanted
        .into_iter()
        .map(|include| IncludePivot {
            service: knowledge().spf_sender(&include).map(|s| s.service.clone()),
            domains: found
                .remove(&include)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            include,
            partial,
        })
        .collect())
}

fn tagged(rrname: String, record: String, seen: Seen) -> Tagged {
    Tagged {
        rrname,
        tags: tags(&record),
        record,
        seen,
    }
}

/// The registrable domains outside `domain` whose TXT records hold exactly `rdata`.
fn same_record_elsewhere(
    store: &dyn Store,
    rdata: &[u8],
    domain: &str,
) -> Result<Vec<String>, IntelError> {
    let rows = rdata_rows(
        store,
        RdataMatch::Raw(rdata.to_vec()),
        Some(RrType::TXT),
        domain,
    )?;
    Ok(rows
        .iter()
        .map(|r| names::text(r.key.parts().rrname))
        .filter(|owner| !names::is_at_or_below(owner, domain))
        .map(|owner| names::registrable_or_self(&owner))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_terms_and_qualifiers() {
        let terms = spf_terms("v=spf1 ip4:192.0.2.0/24 a/24 -include:_spf.example.net mx ~all redirect=_spf.example.org");
        let text: Vec<String> = terms
            .iter()
            .map(|t| {
                format!(
                    "{}{}={}",
                    t.qualifier,
                    t.name,
                    t.value.clone().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(
            text,
            [
                "+ip4=192.0.2.0/24",
                "+a=/24",
                "-include=_spf.example.net",
                "+mx=",
                "~all=",
                "redirect=_spf.example.org"
            ]
        );
        assert_eq!(txt_value(b"\x03abc\x02de"), "abcde");
        assert_eq!(txt_value(b"\x09short"), "short");
    }

    #[test]
    fn dmarc_strength() {
        let seen = Seen {
            first: 0,
            last: 0,
            count: 1,
        };
        let d = |r: &str| parse_dmarc("_dmarc.example.com.", r, seen).strength;
        assert_eq!(d("v=DMARC1; p=reject; rua=mailto:a@example.com"), "strong");
        assert_eq!(d("v=DMARC1; p=quarantine; pct=25"), "partial");
        assert_eq!(d("v=DMARC1; p=none"), "monitoring");
        assert_eq!(d("v=DMARC1; p=bogus"), "invalid");
        let full = parse_dmarc(
            "_dmarc.example.com.",
            "v=DMARC1; p=Reject; sp=none; rua=mailto:a@x.com, mailto:b@y.com",
            seen,
        );
        assert_eq!(full.subdomain_policy.as_deref(), Some("none"));
        assert_eq!(full.rua, ["mailto:a@x.com", "mailto:b@y.com"]);
    }
}
