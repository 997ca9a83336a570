//! Lookalikes: a hand-built list of typosquats in dnstwist's families is found, with its
//! family; unrelated popular domains are not.

use super::{row, Env};
use hark_watch::lookalike::{Brand, Family};

fn typosquats() -> Vec<(String, &'static str, Family)> {
    // "pаypal" with a Cyrillic а (U+0430), as DNS carries it.
    let cyrillic = idna::domain_to_ascii("p\u{430}ypal.com").unwrap();
    vec![
        ("paypal.net".into(), "paypal.com", Family::TldSwap),
        ("microsoft.co.uk".into(), "microsoft.com", Family::TldSwap),
        (cyrillic, "paypal.com", Family::Homoglyph),
        ("paypa1.com".into(), "paypal.com", Family::Homoglyph),
        ("rnicrosoft.com".into(), "microsoft.com", Family::Homoglyph),
        ("micros0ft.com".into(), "microsoft.com", Family::Homoglyph),
        ("pay-pal.com".into(), "paypal.com", Family::Hyphenation),
        (
            "micro-soft.com".into(),
            "microsoft.com",
            Family::Hyphenation,
        ),
        ("qaypal.com".into(), "paypal.com", Family::Bitflip),
        ("microsofu.com".into(), "microsoft.com", Family::Bitflip),
        ("paypall.com".into(), "paypal.com", Family::Typo),
        ("paypl.com".into(), "paypal.com", Family::Typo),
        ("papyal.com".into(), "paypal.com", Family::Typo),
        ("microsfot.com".into(), "microsoft.com", Family::Typo),
        ("paypal-login.com".into(), "paypal.com", Family::AddedWord),
        ("securepaypal.com".into(), "paypal.com", Family::AddedWord),
        (
            "microsoft-support.net".into(),
            "microsoft.com",
            Family::AddedWord,
        ),
    ]
}

const UNRELATED: &[&str] = &[
    "google.com",
    "facebook.com",
    "wikipedia.org",
    "amazon.com",
    "apple.com",
    "netflix.com",
    "github.com",
    "linkedin.com",
    "cloudflare.com",
    "yahoo.co.jp",
    "mail.ru",
    "paypal.com",
    "microsoft.com",
    "payoneer.com",
    "pinterest.com",
    "microchip.com",
    "learn.com",
];

#[test]
fn families_are_named() {
    let brands = [
        Brand::parse("paypal.com").unwrap(),
        Brand::parse("microsoft.com").unwrap(),
    ];
    for (domain, brand, family) in typosquats() {
        let brand = brands.iter().find(|b| b.domain == brand).unwrap();
        assert_eq!(brand.classify(&domain), Some(family), "{domain}");
    }
    for domain in UNRELATED {
        for brand in &brands {
            assert_eq!(brand.classify(domain), None, "{domain} vs {}", brand.domain);
        }
    }
}

#[test]
fn newly_seen_typosquats_alert_and_popular_names_do_not() {
    let env = Env::new(
        "[[rule]]\nid = \"brand\"\nkind = \"lookalike\"\nbrands = [\"paypal.com\", \"microsoft.com\"]\n",
    );
    let mut rows: Vec<_> = typosquats()
        .iter()
        .map(|(domain, _, _)| row(&format!("www.{domain}."), "A", "192.0.2.1", 1_767_225_600))
        .collect();
    rows.extend(
        UNRELATED
            .iter()
            .map(|domain| row(&format!("www.{domain}."), "A", "192.0.2.2", 1_767_225_600)),
    );
    env.commit(rows, vec![]);
    let mut got: Vec<String> = env.alerts().into_iter().map(|a| a.subject).collect();
    got.sort();
    let mut want: Vec<String> = typosquats()
        .into_iter()
        .map(|(d, _, _)| format!("{d}."))
        .collect();
    want.sort();
    assert_eq!(got, want);
}
