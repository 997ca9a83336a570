//! The recon report: every analysis for one domain, and how any analysis is shown as text,
//! Markdown, HTML or JSON.
//!
//! Each analysis becomes a [`Section`] of paragraphs and tables; one renderer per format
//! turns sections into a document, so the formats never disagree on content.

use crate::changes::{self, ChangeLog, Event};
use crate::history::{self, AddressHistory};
use crate::mail::{self, Mail};
use crate::nameservers::{self, NameServers};
use crate::pivot::{self, AddressFanout, Pivot};
use crate::profile::{self, Profile};
use crate::subdomains::{self, Subdomains};
use crate::takeover::{self, Takeover};
use crate::txt::{self, TxtReport};
use crate::{names, IntelError, Seen};
use hark_store::Store;
use serde::Serialize;
use std::collections::BTreeSet;

/// Change-log events a report shows (the newest); `hark intel changes` shows all.
pub const REPORT_EVENTS: usize = 50;

/// Everything hark can say about one domain.
#[derive(Clone, Debug, Serialize)]
pub struct Recon {
    /// The domain.
    pub domain: String,
    /// Its registrable domain.
    pub registrable: Option<String>,
    /// Names at or below it.
    pub subdomains: Subdomains,
    /// Address history of every name.
    pub history: AddressHistory,
    /// Each address the domain used, with its fan-out.
    pub hosting: Vec<Hosting>,
    /// Name servers and the domains sharing them.
    pub nameservers: NameServers,
    /// Mail providers.
    pub mail: Mail,
    /// TXT intelligence.
    pub txt: TxtReport,
    /// Takeover candidates.
    pub takeover: Takeover,
    /// Technology profile and networks.
    pub profile: Profile,
    /// Active verification through a resolver, when asked for.
    pub verification: Option<crate::verify::Verification>,
    /// Change-log events in all.
    pub change_count: usize,
    /// The newest [`REPORT_EVENTS`] changes, oldest first.
    pub recent_changes: Vec<Event>,
}

/// An address the domain used, and who else was on it.
#[derive(Clone, Debug, Serialize)]
pub struct Hosting {
    /// The address.
    pub address: String,
    /// Registrable domains seen on it, this one included.
    pub domains: usize,
    /// True for shared hosting or a CDN (many unrelated domains).
    pub shared: bool,
    /// The other registrable domains on it (all of them: the size is `domains - 1`).
    pub co_hosted: Vec<String>,
    /// True when the address had more rows than one analysis reads ([`crate::MAX_ROWS`]):
    /// `domains` and `co_hosted` are then not counted.
    pub over_limit: bool,
    /// When it was seen at all.
    #[serde(flatten)]
    pub seen: Seen,
}

/// What a report may use beyond the store.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReconOptions<'a> {
    /// An AS database for the networks.
    pub asn: Option<&'a crate::asn::AsnDb>,
    /// A resolver to verify the remembered records with (sends queries).
    pub verify: Option<std::net::SocketAddr>,
    /// Certificate names from a CT export, for the subdomains.
    pub certs: Option<&'a crate::certs::CertNames>,
}

/// Runs every analysis for `domain`, from the store alone.
pub fn recon(store: &dyn Store, domain: &str) -> Result<Recon, IntelError> {
    recon_with(store, domain, ReconOptions::default())
}

/// Runs every analysis for `domain`, with the extras `options` gives.
pub fn recon_with(
    store: &dyn Store,
    domain: &str,
    options: ReconOptions<'_>,
) -> Result<Recon, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let history = history::analyse(store, &domain_text, true)?;
    let own = names::registrable_or_self(&domain_text);
    let addresses: BTreeSet<String> = history
        .names
        .iter()
        .flat_map(|n| n.addresses.iter().map(|a| a.address.clone()))
        .collect();
    let mut hosting = Vec::new();
    for address in &addresses {
        match pivot::analyse(store, address) {
            Ok(pivot) => {
                if let Some(fanout) = pivot.addresses.into_iter().next() {
                    hosting.push(hosting_of(fanout, &own));
                }
            }
            // An address with more rows than an analysis reads is as shared as it gets.
            Err(IntelError::TooManyRows { .. }) => hosting.push(Hosting {
                address: address.clone(),
                domains: 0,
                shared: true,
                co_hosted: Vec::new(),
                over_limit: true,
                seen: Seen {
                    first: 0,
                    last: 0,
                    count: 0,
                },
            }),
            Err(other) => return Err(other),
        }
    }
    hosting.sort_by(|a, b| (a.domains, &a.address).cmp(&(b.domains, &b.address)));
    let changes = changes::analyse(store, &domain_text, None, None)?;
    let change_count = changes.events.len();
    let recent_changes = changes
        .events
        .into_iter()
        .rev()
        .take(REPORT_EVENTS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mail = mail::analyse(store, &domain_text)?;
    let txt = txt::analyse(store, &domain_text)?;
    let profile = profile::analyse_with(store, &domain_text, options.asn, &mail, &txt)?;
    Ok(Recon {
        registrable: names::registrable(&domain_text),
        subdomains: subdomains::analyse_with(store, &domain_text, options.certs)?,
        history,
        hosting,
        nameservers: nameservers::analyse(store, &domain_text)?,
        mail,
        txt,
        takeover: takeover::analyse(store, &domain_text)?,
        profile,
        verification: options
            .verify
            .map(|resolver| crate::verify::verify(store, &domain_text, resolver))
            .transpose()?,
        change_count,
        recent_changes,
        domain: domain_text,
    })
}

fn hosting_of(fanout: AddressFanout, own: &str) -> Hosting {
    let co_hosted: Vec<String> = fanout
        .names
        .iter()
        .map(|n| n.domain.clone())
        .filter(|d| d != own)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Hosting {
        address: fanout.address,
        domains: fanout.domains,
        shared: fanout.shared,
        co_hosted,
        over_limit: false,
        seen: fanout.seen,
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
}

/// A part of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A line of text.
    Line(String),
    /// A table.
    Table {
        /// Column names.
        head: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
}

/// A titled part of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// What it holds.
    pub blocks: Vec<Block>,
}

/// A date from epoch seconds, `YYYY-MM-DD`.
pub fn date(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

fn span(seen: &Seen) -> [String; 3] {
    [date(seen.first), date(seen.last), seen.count.to_string()]
}

fn table(head: &[&str], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        head: head.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

fn none_if_empty(blocks: &mut Vec<Block>, what: &str) {
    if blocks.is_empty() {
        blocks.push(Block::Line(format!("No {what} in the store.")));
    }
}

/// The subdomain section.
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
        s.names
            .iter()
            .map(|n| {
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
            })
            .collect(),
    ));
    Section {
        title: format!("Subdomains of {}", s.domain),
        blocks,
    }
}

/// The address history section.
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
            blocks.push(Block::Line(format!(
                "  moved from {} to {} on {}",
                m.from.join(", "),
                m.to.join(", "),
                date(m.on)
            )));
        }
    }
    none_if_empty(&mut blocks, "A or AAAA records");
    Section {
        title: format!("Address history of {}", h.query),
        blocks,
    }
}

/// The hosting section of a report.
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
            hosting
                .iter()
                .map(|h| {
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
                })
                .collect(),
        ));
    }
    none_if_empty(&mut blocks, "addresses");
    Section {
        title: "Hosting: who else was on each address".into(),
        blocks,
    }
}

/// The pivot section.
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
            .flat_map(|a| {
                a.names.iter().map(move |n| {
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
                })
            })
            .collect(),
    ));
    Section {
        title: format!("Names on {}", p.query),
        blocks,
    }
}

/// The name-server section.
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
            n.servers
                .iter()
                .map(|s| {
                    vec![
                        s.host.clone(),
                        s.role.clone(),
                        s.provider.clone().unwrap_or_default(),
                        s.zones.to_string(),
                        date(s.seen.first),
                        date(s.seen.last),
                    ]
                })
                .collect(),
        ));
    }
    if !n.related.is_empty() {
        blocks.push(Block::Line("Zones on the same own name servers:".into()));
        blocks.push(table(
            &["zone", "shared servers", "overlap", "same set"],
            n.related
                .iter()
                .map(|r| {
                    vec![
                        r.zone.clone(),
                        r.shared.join(" "),
                        format!("{:.0} %", r.overlap * 100.0),
                        if r.same_set { "yes" } else { "no" }.into(),
                    ]
                })
                .collect(),
        ));
    }
    none_if_empty(&mut blocks, "NS records");
    Section {
        title: format!("Name servers of {}", n.domain),
        blocks,
    }
}

/// The mail section.
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
            m.exchanges
                .iter()
                .map(|e| {
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
                })
                .collect(),
        ));
    }
    for c in &m.changes {
        blocks.push(Block::Line(format!(
            "Mail moved from {} to {} on {}.",
            c.from.join(", "),
            c.to.join(", "),
            date(c.on)
        )));
    }
    none_if_empty(&mut blocks, "MX records");
    Section {
        title: format!("Mail of {}", m.domain),
        blocks,
    }
}

/// The TXT section.
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
            blocks.push(Block::Line(format!(
                "  {}include {}{}{}",
                "  ".repeat(include.depth.saturating_sub(1)),
                include.domain,
                include
                    .service
                    .as_ref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default(),
                if include.record.is_none() {
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
                .map(|s| if s.revoked {
                    format!("{} (revoked)", s.selector)
                } else {
                    s.selector.clone()
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
            t.verifications
                .iter()
                .map(|v| {
                    vec![
                        v.service.clone(),
                        v.category.clone(),
                        v.rrname.clone(),
                        v.value.clone(),
                        date(v.seen.first),
                        date(v.seen.last),
                        v.also_on.join(" "),
                    ]
                })
                .collect(),
        ));
    }
    if !t.unrecognised.is_empty() {
        blocks.push(Block::Line("Unrecognised TXT records:".into()));
        blocks.push(table(
            &["at", "value", "first seen", "last seen", "count"],
            t.unrecognised
                .iter()
                .map(|u| {
                    let [first, last, count] = span(&u.seen);
                    vec![u.rrname.clone(), u.value.clone(), first, last, count]
                })
                .collect(),
        ));
    }
    none_if_empty(&mut blocks, "TXT records");
    Section {
        title: format!("TXT records under {}", t.domain),
        blocks,
    }
}

/// The takeover section.
pub fn takeover_section(t: &Takeover) -> Section {
    let mut blocks = Vec::new();
    for c in &t.candidates {
        blocks.push(Block::Line(format!(
            "[{}] {} {} -> {}{}",
            c.severity,
            c.kind.to_uppercase(),
            c.name,
            c.target,
            c.service
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        )));
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

/// The technology profile section.
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
            p.technologies
                .iter()
                .map(|t| {
                    vec![
                        t.category.clone(),
                        t.provider.clone(),
                        date(t.seen.first),
                        date(t.seen.last),
                        t.evidence.first().cloned().unwrap_or_default(),
                    ]
                })
                .collect(),
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
            p.networks
                .iter()
                .map(|n| {
                    vec![
                        n.address.clone(),
                        n.asn.map(|a| format!("AS{a}")).unwrap_or_default(),
                        n.organisation.clone().unwrap_or_default(),
                        n.ptr.join(" "),
                        n.provider.clone().unwrap_or_default(),
                        date(n.seen.first),
                        date(n.seen.last),
                    ]
                })
                .collect(),
        ));
    }
    Section {
        title: format!("Technology profile of {}", p.domain),
        blocks,
    }
}

/// The verification section.
pub fn verification_section(v: &crate::verify::Verification) -> Section {
    let resolves = v.records.iter().filter(|r| r.status == "resolves").count();
    let mut blocks =
        vec![Block::Line(format!(
        "ACTIVE: {} queries were sent to {} at {}; {} of {} remembered records still resolve{}.",
        v.questions,
        v.resolver,
        date(v.checked_at),
        resolves,
        v.records.len(),
        if v.truncated { " (questions capped)" } else { "" }
    ))];
    blocks.push(table(
        &["name", "type", "remembered", "now", "current answer"],
        v.records
            .iter()
            .map(|r| {
                vec![
                    r.rrname.clone(),
                    r.rrtype.clone(),
                    r.rdata.clone(),
                    r.status.clone(),
                    r.current.join(" "),
                ]
            })
            .collect(),
    ));
    Section {
        title: "Verification (active)".into(),
        blocks,
    }
}

/// The change-log section.
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
        events
            .iter()
            .map(|e| {
                vec![
                    date(e.time),
                    e.change.clone(),
                    e.rrname.clone(),
                    e.rrtype.clone(),
                    e.rdata.clone(),
                ]
            })
            .collect(),
    ));
    Section {
        title: format!("Changes under {domain}"),
        blocks,
    }
}

/// The change log as a section.
pub fn changelog_section(c: &ChangeLog) -> Section {
    changes_section(&c.domain, &c.events, c.events.len())
}

/// Every section of a report.
pub fn recon_sections(r: &Recon) -> Vec<Section> {
    let mut sections = vec![
        subdomains_section(&r.subdomains),
        history_section(&r.history),
        hosting_section(&r.hosting),
        nameservers_section(&r.nameservers),
        mail_section(&r.mail),
        txt_section(&r.txt),
        takeover_section(&r.takeover),
        profile_section(&r.profile),
        changes_section(&r.domain, &r.recent_changes, r.change_count),
    ];
    if let Some(v) = &r.verification {
        sections.push(verification_section(v));
    }
    sections
}

/// Control characters (from TXT records, say) as `\DDD`, so that no stored byte can move
/// a terminal's cursor or break a table.
fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\{:03}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The sections with every line and cell cleaned of control characters.
fn cleaned(sections: &[Section]) -> Vec<Section> {
    sections
        .iter()
        .map(|section| Section {
            title: clean(&section.title),
            blocks: section
                .blocks
                .iter()
                .map(|block| match block {
                    Block::Line(line) => Block::Line(clean(line)),
                    Block::Table { head, rows } => Block::Table {
                        head: head.iter().map(|h| clean(h)).collect(),
                        rows: rows
                            .iter()
                            .map(|row| row.iter().map(|c| clean(c)).collect())
                            .collect(),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Renders sections as one document under `title`.
pub fn render(title: &str, sections: &[Section], format: Format) -> String {
    let sections = &cleaned(sections);
    let title = &clean(title);
    match format {
        Format::Text => render_text(title, sections),
        Format::Markdown => render_markdown(title, sections),
        Format::Html => render_html(title, sections),
    }
}

fn render_text(title: &str, sections: &[Section]) -> String {
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    for section in sections {
        out.push_str(&format!(
            "\n{}\n{}\n",
            section.title,
            "-".repeat(section.title.chars().count())
        ));
        for block in &section.blocks {
            match block {
                Block::Line(line) => {
                    out.push_str(line);
                    out.push('\n');
                }
                Block::Table { head, rows } => {
                    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
                    for row in rows {
                        for (w, cell) in widths.iter_mut().zip(row) {
                            *w = (*w).max(cell.chars().count());
                        }
                    }
                    let line = |cells: &[String]| -> String {
                        let padded: Vec<String> = cells
                            .iter()
                            .zip(&widths)
                            .map(|(c, w)| format!("{c:<w$}"))
                            .collect();
                        padded.join("  ").trim_end().to_string() + "\n"
                    };
                    out.push_str(&line(head));
                    for row in rows {
                        out.push_str(&line(row));
                    }
                }
            }
        }
    }
    out
}

/// Text for a Markdown line or table cell: HTML escaped (Markdown passes HTML through),
/// pipes escaped.
fn markdown_cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

fn render_markdown(title: &str, sections: &[Section]) -> String {
    let mut out = format!("# {title}\n");
    for section in sections {
        out.push_str(&format!("\n## {}\n\n", section.title));
        for block in &section.blocks {
            match block {
                Block::Line(line) => {
                    out.push_str(&markdown_cell(line));
                    out.push_str("  \n");
                }
                Block::Table { head, rows } => {
                    out.push('\n');
                    let row = |cells: &[String]| {
                        format!(
                            "| {} |\n",
                            cells
                                .iter()
                                .map(|c| markdown_cell(c))
                                .collect::<Vec<_>>()
                                .join(" | ")
                        )
                    };
                    out.push_str(&row(head));
                    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                    for r in rows {
                        out.push_str(&row(r));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn render_html(title: &str, sections: &[Section]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;font-size:90%}}th{{background:#eee}}</style></head><body>\n<h1>{}</h1>\n",
        escape(title),
        escape(title)
    );
    for section in sections {
        out.push_str(&format!("<h2>{}</h2>\n", escape(&section.title)));
        for block in &section.blocks {
            match block {
                Block::Line(line) => out.push_str(&format!("<p>{}</p>\n", escape(line))),
                Block::Table { head, rows } => {
                    out.push_str("<table><tr>");
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", escape(h)));
                    }
                    out.push_str("</tr>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for cell in row {
                            out.push_str(&format!("<td>{}</td>", escape(cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table>\n");
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_markdown_tables() {
        let sections = vec![Section {
            title: "T <x>".into(),
            blocks: vec![
                Block::Line("a|b".into()),
                Block::Table {
                    head: vec!["h".into()],
                    rows: vec![vec!["<script>".into()]],
                },
            ],
        }];
        let html = render("r", &sections, Format::Html);
        assert!(html.contains("<h2>T &lt;x&gt;</h2>") && html.contains("<td>&lt;script&gt;</td>"));
        let md = render("r", &sections, Format::Markdown);
        assert!(
            md.contains("a\\|b") && md.contains("| h |\n|---|\n| &lt;script&gt; |"),
            "{md}"
        );
        let hostile = vec![Section {
            title: "t".into(),
            blocks: vec![Block::Line("bad\u{1b}[2Jtext\nmore".into())],
        }];
        let shown = render("r", &hostile, Format::Text);
        assert!(shown.contains("bad\\027[2Jtext\\010more"), "{shown:?}");
        let text = render("r", &sections, Format::Text);
        assert!(
            text.starts_with("r\n=\n\nT <x>\n-----\na|b\nh\n<script>\n"),
            "{text:?}"
        );
        assert_eq!(date(1_700_000_000), "2023-11-14");
    }
}
