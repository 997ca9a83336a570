//! Where names pointed and who else was there: address history, reverse pivots, and the
//! hosting of a recon report.

use super::{moved, section_or_none};
use crate::document::{date, span, table, Block, Section};
use hark_intel::history::AddressHistory;
use hark_intel::pivot::Pivot;
use hark_intel::recon::Hosting;

/// The address history section: for each name, its periods on each set of addresses and
/// the moves between them, one line each.
pub fn history_section(h: &AddressHistory) -> Section {
    let mut blocks = Vec::new();
    for name in &h.names {
        blocks.push(Block::Line(format!("{}:", name.rrname)));
        for p in &name.periods {
            blocks.push(Block::Line(format!(
                "  {} to {}: {}",
                date(p.from),
                date(p.until),
                p.values.join(", ")
            )));
        }
        for m in &name.moves {
            blocks.push(Block::Line(format!("  moved {}", moved(m))));
        }
    }
    section_or_none(
        format!("Address history of {}", h.query),
        blocks,
        "A or AAAA records",
    )
}

/// The reverse pivot section: a count line, then one row per name on each address, with
/// the address's fan-out so shared hosting stands out.
pub fn pivot_section(p: &Pivot) -> Section {
    let mut blocks = vec![Block::Line(format!(
        "{} addresses, {} names, {} registrable domains, {} rows.",
        p.addresses.len(),
        p.names,
        p.domains,
        p.rows
    ))];
    blocks.push(table(
        &[
            "address",
            "domains",
            "shared",
            "name",
            "first seen",
            "last seen",
            "count",
        ],
        p.addresses
            .iter()
            .flat_map(|a| a.names.iter().map(move |n| (a, n))),
        |(a, n)| {
            let [first, last, count] = span(&n.seen);
            vec![
                a.address.clone(),
                a.domains.to_string(),
                if a.shared { "yes" } else { "no" }.into(),
                n.rrname.clone(),
                first,
                last,
                count,
            ]
        },
    ));
    Section {
        title: format!("Names on {}", p.query),
        blocks,
    }
}

/// The hosting section of a recon report: each address the domain used and who else was on
/// it; a shared address gives only the number of the others, which may be thousands.
pub fn hosting_section(hosting: &[Hosting]) -> Section {
    let mut blocks = Vec::new();
    if !hosting.is_empty() {
        blocks.push(table(
            &[
                "address",
                "domains on it",
                "shared",
                "first seen",
                "last seen",
                "other domains",
            ],
            hosting,
            |h| {
                let others = if h.shared {
                    format!("{} others (shared hosting or CDN)", h.co_hosted.len())
                } else {
                    h.co_hosted.join(" ")
                };
                vec![
                    h.address.clone(),
                    h.domains.to_string(),
                    if h.shared { "yes" } else { "no" }.into(),
                    date(h.seen.first),
                    date(h.seen.last),
                    others,
                ]
            },
        ));
    }
    section_or_none(
        "Hosting: who else was on each address".into(),
        blocks,
        "addresses",
    )
}
