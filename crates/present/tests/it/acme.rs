//! The Acme recon report laid out and rendered: what the story says must be on the page.

use crate::support::load;
use hark_intel::recon::{self, Recon};
use hark_intel::verify::{Checked, Verification};
use hark_present::sections::{self, changes_section};
use hark_present::{render, Block, Format};

fn acme() -> Recon {
    let s = load("acme");
    recon::recon(s.store(), "acme.example").unwrap()
}

#[test]
fn the_report_in_every_format() {
    let r = acme();
    let sections = sections::recon_sections(&r);
    let text = render("Recon: acme.example.", &sections, Format::Text);
    for needle in [
        "moved from 192.0.2.10 to 2001:db8:ac::5, 203.0.113.5 on 2023-06-01",
        "Mail moved from self-hosted to Microsoft 365 / Exchange Online on 2023-05-01.",
        "DMARC weakened from strong to monitoring on 2023-07-01.",
        "[high] CNAME app.acme.example. -> acme-app.azurewebsites.net. (Microsoft Azure App Service)",
        "gone (NXDOMAIN 2023-12-07)",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    let html = render("Recon", &sections, Format::Html);
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains("<h2>Takeover candidates under acme.example.</h2>")
    );
    let md = render("Recon", &sections, Format::Markdown);
    assert!(md.contains("## Mail of acme.example."));
}

#[test]
fn the_sections_of_a_report_in_order() {
    let titles: Vec<String> = sections::recon_sections(&acme())
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert_eq!(
        titles,
        [
            "Subdomains of acme.example.",
            "Address history of acme.example.",
            "Hosting: who else was on each address",
            "Name servers of acme.example.",
            "Mail of acme.example.",
            "TXT records under acme.example.",
            "Takeover candidates under acme.example.",
            "Technology profile of acme.example.",
            "Changes under acme.example.",
        ]
    );
}

#[test]
fn shared_hosting_gives_a_count_not_the_names() {
    let hosting = sections::hosting_section(&acme().hosting);
    let Block::Table { head, rows } = &hosting.blocks[0] else {
        panic!("{hosting:?}");
    };
    assert_eq!(head[5], "other domains");
    let shared = rows.iter().find(|row| row[0] == "192.0.2.10").unwrap();
    assert_eq!(
        shared[1..],
        [
            "7",
            "yes",
            "2023-01-01",
            "2023-10-28",
            "6 others (shared hosting or CDN)"
        ]
    );
}

#[test]
fn a_report_shows_the_newest_changes_and_says_how_many() {
    let r = acme();
    let newest = &r.recent_changes[r.recent_changes.len() - 2..];
    let section = changes_section(&r.domain, newest, r.change_count);
    assert_eq!(
        section.blocks[0],
        Block::Line(format!(
            "The newest 2 of {} changes (`hark intel changes acme.example.` lists all).",
            r.change_count
        ))
    );
    let all = changes_section(&r.domain, &r.recent_changes, r.recent_changes.len());
    assert!(
        matches!(&all.blocks[0], Block::Table { rows, .. } if rows.len() == r.recent_changes.len())
    );
}

#[test]
fn a_verified_report_ends_with_the_active_section() {
    let mut r = acme();
    let record = |rdata: &str, status: &str, current: &[&str]| Checked {
        rrname: "www.acme.example.".into(),
        rrtype: "A".into(),
        rdata: rdata.into(),
        status: status.into(),
        current: current.iter().map(|c| c.to_string()).collect(),
    };
    r.verification = Some(Verification {
        active: true,
        resolver: "127.0.0.1:5301".into(),
        checked_at: 1_700_000_000,
        questions: 2,
        truncated: true,
        records: vec![
            record("203.0.113.5", "resolves", &["203.0.113.5"]),
            record("192.0.2.10", "changed", &["203.0.113.5"]),
        ],
    });
    let text = render("Recon", &sections::recon_sections(&r), Format::Text);
    let active = text.split_once("\nVerification (active)\n").unwrap().1;
    assert!(
        active.starts_with(
            "---------------------\nACTIVE: 2 queries were sent to 127.0.0.1:5301 at 2023-11-14; \
             1 of 2 remembered records still resolve (questions capped).\n"
        ),
        "{active}"
    );
    assert!(active.contains("\nwww.acme.example.  A     192.0.2.10   changed   203.0.113.5\n"));
}
