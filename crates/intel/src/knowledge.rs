//! What hark knows about services, from the data files in `data/` (see `data/README.md`):
//! mail providers by MX suffix, senders by SPF include, SaaS by TXT verification token,
//! takeover-prone services by CNAME suffix, and hosting/CDN/DNS providers by name suffix.
//!
//! The files are compiled in and parsed once. Suffixes match on label boundaries, case
//! aside; the longest matching suffix wins; a `*` inside a label matches any run of letters,
//! digits and hyphens within that label (`awsdns-*.com`).

use regex::Regex;
use std::sync::OnceLock;

/// A mail provider, found by the suffix of an MX exchange.
#[derive(Clone, Debug)]
pub struct MailProvider {
    /// The exchange suffix.
    pub suffix: String,
    /// The provider.
    pub provider: String,
    /// `hosted` (mailbox provider) or `filtering` (secure email gateway).
    pub kind: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// A sending service, found by an SPF `include:` domain.
#[derive(Clone, Debug)]
pub struct SpfSender {
    /// The included domain.
    pub include: String,
    /// The service.
    pub service: String,
    /// A short category.
    pub category: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// How a verification token is recognised.
#[derive(Clone, Debug)]
pub enum TokenMatch {
    /// The TXT value starts with this (any case).
    Prefix(String),
    /// The TXT value contains this (any case).
    Contains(String),
    /// The TXT value matches this regex.
    Regex(Regex),
}

/// A SaaS verification token.
#[derive(Clone, Debug)]
pub struct VerificationService {
    /// The vendor and product.
    pub service: String,
    /// A short category.
    pub category: String,
    /// How the token is recognised.
    pub matcher: TokenMatch,
    /// Where the fact can be checked.
    pub source: String,
}

impl VerificationService {
    /// True when the unquoted TXT value is this service's token.
    pub fn matches(&self, value: &str) -> bool {
        match &self.matcher {
            TokenMatch::Prefix(p) => value
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p)),
            TokenMatch::Contains(p) => value.to_ascii_lowercase().contains(&p.to_ascii_lowercase()),
            TokenMatch::Regex(re) => re.is_match(value),
        }
    }
}

/// A service whose unclaimed resources can be taken over through a dangling CNAME.
#[derive(Clone, Debug)]
pub struct TakeoverService {
    /// The service.
    pub service: String,
    /// The CNAME target suffix.
    pub suffix: String,
    /// `vulnerable` or `edge-case`, as the community record lists it.
    pub status: String,
    /// `nxdomain` (the target stops resolving) or `http-fingerprint` (the service answers a
    /// "no such app" page).
    pub evidence: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// A hosting, CDN, cloud or DNS provider, found by a name suffix.
#[derive(Clone, Debug)]
pub struct HostingProvider {
    /// The name suffix.
    pub suffix: String,
    /// The provider.
    pub provider: String,
    /// `cdn`, `cloud`, `hosting`, `dns`, `paas` or `waf`.
    pub kind: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// Every table, parsed.
#[derive(Debug)]
pub struct Knowledge {
    /// Mail providers.
    pub mail: Vec<MailProvider>,
    /// SPF senders.
    pub spf: Vec<SpfSender>,
    /// Verification tokens.
    pub verification: Vec<VerificationService>,
    /// Takeover-prone services.
    pub takeover: Vec<TakeoverService>,
    /// Hosting providers.
    pub hosting: Vec<HostingProvider>,
    /// Lines that could not be read (kept empty by a test).
    pub bad_lines: Vec<String>,
}

const MAIL: &str = include_str!("../data/mail_providers.tsv");
const SPF: &str = include_str!("../data/spf_includes.tsv");
const VERIFICATION: &str = include_str!("../data/verification_tokens.tsv");
const TAKEOVER: &str = include_str!("../data/takeover_services.tsv");
const HOSTING: &str = include_str!("../data/hosting_providers.tsv");

/// The tables, parsed on first use.
pub fn knowledge() -> &'static Knowledge {
    static TABLES: OnceLock<Knowledge> = OnceLock::new();
    TABLES.get_or_init(Knowledge::parse)
}

/// The data lines of a table, split on tabs, each with `columns` fields.
fn rows<'a>(text: &'a str, columns: usize, bad: &mut Vec<String>) -> Vec<Vec<&'a str>> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() == columns && fields.iter().all(|f| !f.is_empty()) {
                Some(fields)
            } else {
                bad.push(line.to_string());
                None
            }
        })
        .collect()
}

impl Knowledge {
    fn parse() -> Knowledge {
        let mut bad = Vec::new();
        let mail = rows(MAIL, 4, &mut bad)
            .into_iter()
            .map(|f| MailProvider {
                suffix: f[0].to_ascii_lowercase(),
                provider: f[1].into(),
                kind: f[2].into(),
                source: f[3].into(),
            })
            .collect();
        let spf = rows(SPF, 4, &mut bad)
            .into_iter()
            .map(|f| SpfSender {
                include: f[0].to_ascii_lowercase(),
                service: f[1].into(),
                category: f[2].into(),
                source: f[3].into(),
            })
            .collect();
        let mut verification = Vec::new();
        for f in rows(VERIFICATION, 5, &mut bad) {
            let matcher = match f[2] {
                "prefix" => Some(TokenMatch::Prefix(f[3].into())),
                "contains" => Some(TokenMatch::Contains(f[3].into())),
                "regex" => Regex::new(f[3]).ok().map(TokenMatch::Regex),
                _ => None,
            };
            match matcher {
                Some(matcher) => verification.push(VerificationService {
                    service: f[0].into(),
                    category: f[1].into(),
                    matcher,
                    source: f[4].into(),
                }),
                None => bad.push(f.join("\t")),
            }
        }
        let takeover = rows(TAKEOVER, 5, &mut bad)
            .into_iter()
            .map(|f| TakeoverService {
                service: f[0].into(),
                suffix: f[1].to_ascii_lowercase(),
                status: f[2].into(),
                evidence: f[3].into(),
                source: f[4].into(),
            })
            .collect();
        let hosting = rows(HOSTING, 4, &mut bad)
            .into_iter()
            .map(|f| HostingProvider {
                suffix: f[0].to_ascii_lowercase(),
                provider: f[1].into(),
                kind: f[2].into(),
                source: f[3].into(),
            })
            .collect();
        Knowledge {
            mail,
            spf,
            verification,
            takeover,
            hosting,
            bad_lines: bad,
        }
    }

    /// The mail provider of an MX exchange name.
    pub fn mail_provider(&self, exchange: &str) -> Option<&MailProvider> {
        longest_match(&self.mail, exchange, |m| &m.suffix)
    }

    /// The sender behind an SPF include domain.
    pub fn spf_sender(&self, include: &str) -> Option<&SpfSender> {
        longest_match(&self.spf, include, |s| &s.include)
    }

    /// The service whose verification token this unquoted TXT value is.
    pub fn verification(&self, value: &str) -> Option<&VerificationService> {
        self.verification.iter().find(|v| v.matches(value))
    }

    /// The takeover-prone service a CNAME target points into.
    pub fn takeover_service(&self, target: &str) -> Option<&TakeoverService> {
        longest_match(&self.takeover, target, |t| &t.suffix)
    }

    /// The hosting, CDN or DNS provider of a name.
    pub fn hosting_provider(&self, name: &str) -> Option<&HostingProvider> {
        longest_match(&self.hosting, name, |h| &h.suffix)
    }
}

/// The entry whose suffix matches `name` with the most labels.
fn longest_match<'a, T>(table: &'a [T], name: &str, suffix: impl Fn(&T) -> &str) -> Option<&'a T> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let name_labels: Vec<&str> = name.split('.').collect();
    table
        .iter()
        .filter_map(|entry| {
            let labels: Vec<&str> = suffix(entry).split('.').collect();
            let tail = name_labels.len().checked_sub(labels.len())?;
            let matched = name_labels[tail..]
                .iter()
                .zip(&labels)
                .all(|(have, want)| label_matches(have, want));
            matched.then_some((labels.len(), entry))
        })
        .max_by_key(|(labels, _)| *labels)
        .map(|(_, entry)| entry)
}

/// One label against one pattern label, where `*` matches a run of letters, digits, hyphens.
fn label_matches(label: &str, pattern: &str) -> bool {
    match pattern.split_once('*') {
        None => label == pattern,
        Some((head, tail)) => {
            label.len() >= head.len() + tail.len()
                && label.starts_with(head)
                && label.ends_with(tail)
                && label[head.len()..label.len() - tail.len()]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_every_table_is_read() {
        let k = knowledge();
        assert!(k.bad_lines.is_empty(), "{:?}", k.bad_lines);
        assert!(k.verification.len() >= 40);
        assert!(k.mail.len() >= 25);
        assert!(k.takeover.len() >= 40);
        for source in k
            .mail
            .iter()
            .map(|m| &m.source)
            .chain(k.spf.iter().map(|s| &s.source))
            .chain(k.takeover.iter().map(|t| &t.source))
            .chain(k.hosting.iter().map(|h| &h.source))
            .chain(k.verification.iter().map(|v| &v.source))
        {
            assert!(
                source.starts_with("https://") || source.starts_with("http://"),
                "{source}"
            );
        }
    }

    #[test]
    fn suffixes_match_on_label_boundaries_longest_first() {
        let k = knowledge();
        let provider = |mx: &str| k.mail_provider(mx).map(|m| m.provider.as_str());
        assert!(provider("aspmx.l.google.com.").is_some_and(|p| p.contains("Google")));
        assert!(provider("example-com.mail.protection.outlook.com")
            .is_some_and(|p| p.contains("Microsoft")));
        assert_eq!(provider("evilgoogle.com"), None);
        assert!(k
            .hosting_provider("ns-2048.awsdns-64.com.")
            .is_some_and(|h| h.provider.contains("Route 53")));
        assert!(k
            .takeover_service("myapp.herokuapp.com.")
            .is_some_and(|t| t.service.contains("Heroku")));
        assert!(k
            .spf_sender("_spf.google.com")
            .is_some_and(|s| s.service.contains("Google")));
        assert!(k
            .verification("google-site-verification=abc123")
            .is_some_and(|v| v.service.contains("Google")));
        assert!(k.verification("MS=ms12345678").is_some());
        assert!(k.verification("v=spf1 -all").is_none());
        assert!(label_matches("awsdns-64", "awsdns-*"));
        assert!(!label_matches("awsdns-6.4", "awsdns-*"));
    }
}
