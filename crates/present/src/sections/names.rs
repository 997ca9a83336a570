//! The names under a domain and what became of them: subdomains, takeover candidates, and
//! the change log.

use super::aside;
use crate::document::{date, span, table, Block, Section};
use hark_intel::changes::{ChangeLog, Event};
use hark_intel::subdomains::Subdomains;
use hark_intel::takeover::Takeover;

/// The subdomain section: a count line, then one row per name with its status, span, types,
/// targets and where it was learnt (DNS, certificates).
pub fn subdomains_section(s: &Subdomains) -> Section {
    let count = |status: &str| s.names.iter().filter(|n| n.status == status).count();
    let mut blocks = vec![Block::Line(format!(
        "{} names ({} gone, {} known only from certificates), as of {}.",
        s.names.len(),
        count("gone"),
        count("certificate only"),
        date(s.as_of)
    ))];
    blocks.push(table(
        &[
            "name",
            "status",
            "first seen",
            "last seen",
            "count",
            "types",
            "points to",
            "sources",
        ],
        &s.names,
        |n| {
            let [first, last, count] = span(&n.seen);
            vec![
                n.name.clone(),
                match n.nxdomain_since {
                    Some(t) => format!("gone (NXDOMAIN {})", date(t)),
                    None => n.status.clone(),
                },
                first,
                last,
                count,
                n.types.join(" "),
                n.points_to.join(" "),
                n.sources.join(" "),
            ]
        },
    ));
    Section {
        title: format!("Subdomains of {}", s.domain),
        blocks,
    }
}

/// The takeover section: each candidate with its severity, then the rows that are its
/// evidence.
pub fn takeover_section(t: &Takeover) -> Section {
    let mut blocks = Vec::new();
    for c in &t.candidates {
        blocks.push(Block::Line(format!(
            "[{}] {} {} -> {}{}",
            c.severity,
            c.kind.to_uppercase(),
            c.name,
            c.target,
            c.service.as_deref().map(aside).unwrap_or_default()
        )));
        if let (Some(status), Some(as_of)) = (&c.service_status, &c.as_of) {
            let fingerprint = match (c.service_evidence.as_deref(), c.fingerprint.as_deref()) {
                (Some("http-fingerprint" | "http-status"), Some(text)) => {
                    format!("; check the page for: {text}")
                }
                _ => String::new(),
            };
            blocks.push(Block::Line(format!(
                "    listed as {status} by the public record as of {as_of}{fingerprint}"
            )));
        }
        for e in &c.evidence {
            blocks.push(Block::Line(format!(
                "    {} (first {}, last {}, count {})",
                e.row,
                date(e.seen.first),
                date(e.seen.last),
                e.seen.count
            )));
        }
    }
    if blocks.is_empty() {
        blocks.push(Block::Line("No takeover candidates.".into()));
    }
    Section {
        title: format!("Takeover candidates under {}", t.domain),
        blocks,
    }
}

/// The change-log section for the `events` shown of `total`; a line says so when some were
/// left out, since a recon report shows only the newest.
pub fn changes_section(domain: &str, events: &[Event], total: usize) -> Section {
    let mut blocks = Vec::new();
    if events.len() < total {
        blocks.push(Block::Line(format!(
            "The newest {} of {} changes (`hark intel changes {}` lists all).",
            events.len(),
            total,
            domain
        )));
    }
    blocks.push(table(
        &["date", "change", "name", "type", "rdata"],
        events,
        |e| {
            vec![
                date(e.time),
                e.change.clone(),
                e.rrname.clone(),
                e.rrtype.clone(),
                e.rdata.clone(),
            ]
        },
    ));
    Section {
        title: format!("Changes under {domain}"),
        blocks,
    }
}

/// A whole change log as a section (every event shown).
pub fn changelog_section(c: &ChangeLog) -> Section {
    changes_section(&c.domain, &c.events, c.events.len())
}
