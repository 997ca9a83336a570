//! Who serves a domain: its name servers, its mail providers, and its technology profile.

use super::{moved, section_or_none};
use crate::document::{date, span, table, Block, Section};
use hark_intel::mail::Mail;
use hark_intel::nameservers::NameServers;
use hark_intel::profile::Profile;

/// The name-server section: each server with its role and provider, then the zones that
/// share the domain's own servers.
pub fn nameservers_section(n: &NameServers) -> Section {
    let mut blocks = Vec::new();
    if !n.servers.is_empty() {
        blocks.push(table(
            &[
                "name server",
                "role",
                "provider",
                "zones on it",
                "first seen",
                "last seen",
            ],
            &n.servers,
            |s| {
                vec![
                    s.host.clone(),
                    s.role.clone(),
                    s.provider.clone().unwrap_or_default(),
                    s.zones.to_string(),
                    date(s.seen.first),
                    date(s.seen.last),
                ]
            },
        ));
    }
    if !n.related.is_empty() {
        blocks.push(Block::Line("Zones on the same own name servers:".into()));
        blocks.push(table(
            &["zone", "shared servers", "overlap", "same set"],
            &n.related,
            |r| {
                vec![
                    r.zone.clone(),
                    r.shared.join(" "),
                    format!("{:.0} %", r.overlap * 100.0),
                    if r.same_set { "yes" } else { "no" }.into(),
                ]
            },
        ));
    }
    section_or_none(
        format!("Name servers of {}", n.domain),
        blocks,
        "NS records",
    )
}

/// The mail section: each MX with the provider behind it, then when mail moved.
pub fn mail_section(m: &Mail) -> Section {
    let mut blocks = Vec::new();
    if !m.exchanges.is_empty() {
        blocks.push(table(
            &[
                "preference",
                "exchange",
                "provider",
                "kind",
                "first seen",
                "last seen",
                "count",
            ],
            &m.exchanges,
            |e| {
                let [first, last, count] = span(&e.seen);
                vec![
                    e.preference.to_string(),
                    e.host.clone(),
                    e.provider.clone(),
                    e.kind.clone(),
                    first,
                    last,
                    count,
                ]
            },
        ));
    }
    for c in &m.changes {
        blocks.push(Block::Line(format!("Mail moved {}.", moved(c))));
    }
    section_or_none(format!("Mail of {}", m.domain), blocks, "MX records")
}

/// The technology profile section: the services in use with their first evidence, where
/// the AS numbers came from, and the networks behind the addresses.
pub fn profile_section(p: &Profile) -> Section {
    let mut blocks = Vec::new();
    if !p.technologies.is_empty() {
        blocks.push(table(
            &[
                "category",
                "provider",
                "first seen",
                "last seen",
                "evidence",
            ],
            &p.technologies,
            |t| {
                vec![
                    t.category.clone(),
                    t.provider.clone(),
                    date(t.seen.first),
                    date(t.seen.last),
                    t.evidence.first().cloned().unwrap_or_default(),
                ]
            },
        ));
    }
    blocks.push(Block::Line(format!("AS numbers: {}.", p.asn_source)));
    if !p.networks.is_empty() {
        blocks.push(table(
            &[
                "address",
                "AS",
                "organisation",
                "PTR",
                "provider",
                "first seen",
                "last seen",
            ],
            &p.networks,
            |n| {
                vec![
                    n.address.clone(),
                    n.asn.map(|a| format!("AS{a}")).unwrap_or_default(),
                    n.organisation.clone().unwrap_or_default(),
                    n.ptr.join(" "),
                    n.provider.clone().unwrap_or_default(),
                    date(n.seen.first),
                    date(n.seen.last),
                ]
            },
        ));
    }
    Section {
        title: format!("Technology profile of {}", p.domain),
        blocks,
    }
}
