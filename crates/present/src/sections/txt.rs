//! TXT intelligence: SPF with its includes, DMARC and when it weakened, DKIM selectors,
//! MTA-STS, TLS-RPT, BIMI, verification tokens, and the TXT records nothing recognised.

use super::{aside, section_or_none};
use crate::document::{date, span, table, Block, Section};
use hark_intel::txt::TxtReport;

/// The TXT section: SPF with its include tree and problems, the other domains sharing each
/// include, DMARC and when it weakened, DKIM selectors, MTA-STS, TLS-RPT and BIMI, a table of
/// verification tokens, and the TXT records nothing recognised.
pub fn txt_section(t: &TxtReport) -> Section {
    let mut blocks = Vec::new();
    for spf in &t.spf {
        blocks.push(Block::Line(format!(
            "SPF at {}: {} (all: {}, {} lookups{})",
            spf.rrname,
            spf.record,
            spf.all,
            spf.lookups,
            if spf.too_many_lookups {
                ", too many"
            } else {
                ""
            }
        )));
        for include in &spf.includes {
            let followed = include.mechanism != "exists" && !include.domain.contains('%');
            blocks.push(Block::Line(format!(
                "  {}{} {}{}{}",
                "  ".repeat(include.depth.saturating_sub(1)),
                include.mechanism,
                include.domain,
                include.service.as_deref().map(aside).unwrap_or_default(),
                if followed && include.record.is_none() {
                    " [not in the store]"
                } else {
                    ""
                }
            )));
        }
        for problem in &spf.problems {
            blocks.push(Block::Line(format!("  problem: {problem}")));
        }
    }
    for pivot in &t.include_pivot {
        let others = match (&pivot.service, pivot.domains.len()) {
            (_, 0) => "no other domain in the store".to_string(),
            (Some(service), n) => format!("{n} other domains (the {service} sender)"),
            (None, _) => pivot.domains.join(" "),
        };
        blocks.push(Block::Line(format!(
            "Also including {}: {}{}",
            pivot.include,
            others,
            if pivot.partial { " (partial)" } else { "" }
        )));
    }
    for d in &t.dmarc {
        blocks.push(Block::Line(format!(
            "DMARC {} ({}–{}): {} — p={} sp={} pct={} rua={}",
            d.strength,
            date(d.seen.first),
            date(d.seen.last),
            d.record,
            d.policy.as_deref().unwrap_or("-"),
            d.subdomain_policy.as_deref().unwrap_or("-"),
            d.pct,
            d.rua.join(",")
        )));
    }
    for w in &t.dmarc_weakened {
        blocks.push(Block::Line(format!(
            "DMARC weakened from {} to {} on {}.",
            w.from,
            w.to,
            date(w.on)
        )));
    }
    if !t.dkim_selectors.is_empty() {
        blocks.push(Block::Line(format!(
            "DKIM selectors: {}",
            t.dkim_selectors
                .iter()
                .map(|s| {
                    let mut notes: Vec<&str> = s.service.as_deref().into_iter().collect();
                    if s.revoked {
                        notes.push("revoked");
                    }
                    if notes.is_empty() {
                        s.selector.clone()
                    } else {
                        format!("{} ({})", s.selector, notes.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for (label, records) in [
        ("MTA-STS", &t.mta_sts),
        ("TLS-RPT", &t.tls_rpt),
        ("BIMI", &t.bimi),
    ] {
        for r in records {
            blocks.push(Block::Line(format!(
                "{label} at {}: {}",
                r.rrname, r.record
            )));
        }
    }
    if !t.verifications.is_empty() {
        blocks.push(table(
            &[
                "service",
                "category",
                "at",
                "token",
                "first seen",
                "last seen",
                "same token on",
            ],
            &t.verifications,
            |v| {
                vec![
                    v.service.clone(),
                    v.category.clone(),
                    v.rrname.clone(),
                    v.value.clone(),
                    date(v.seen.first),
                    date(v.seen.last),
                    v.also_on.join(" "),
                ]
            },
        ));
    }
    if !t.unrecognised.is_empty() {
        blocks.push(Block::Line("Unrecognised TXT records:".into()));
        blocks.push(table(
            &["at", "value", "first seen", "last seen", "count"],
            &t.unrecognised,
            |u| {
                let [first, last, count] = span(&u.seen);
                vec![u.rrname.clone(), u.value.clone(), first, last, count]
            },
        ));
    }
    section_or_none(
        format!("TXT records under {}", t.domain),
        blocks,
        "TXT records",
    )
}
