//! What hark knows about services, from the data files in `data/` (see `data/README.md`):
//! mail providers by MX suffix, senders by SPF include, DKIM selectors, SaaS by verification
//! token (TXT value, TXT owner label or CNAME target), takeover-prone services by CNAME
//! suffix and DNS providers by name-server name (both with their standing in the public
//! record, dated), hosting/CDN/cloud/DNS providers by name suffix, and providers by AS number.
//!
//! The files are compiled in and parsed once. Suffixes match on label boundaries, case
//! aside; the longest matching suffix wins (a suffix without a `*` beats one with it at equal
//! length); a `*` inside a label matches any run of letters, digits and hyphens within that
//! label (`awsdns-*.com`). Tokens no table lists are still named by a generic rule
//! ([`Knowledge::unlisted_vendor`]) from the vendor word they carry.
//!
//! Tab-separated text rather than Rust literals: an entry is one line a reviewer can check
//! against its source column, and the tests in this module and in `tests/it/coverage.rs` hold
//! every line to its example.
use regex::Regex;
use std::collections::HashMap;
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
    /// An exchange host the entry names.
    pub example: String,
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
    /// An include the entry names.
    pub example: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// How a verification token is recognised.
#[derive(Clone, Debug)]
pub enum TokenMatch {
    /// The TXT value starts with this (any case).
    Prefix(String),
    /// The TXT value contains this (lowercase; matched in any case).
    Contains(String),
    /// The TXT value matches this regex.
    Regex(Regex),
    /// The first label of the TXT record's owner matches this pattern (lowercase, at most one
    /// `*`): `_amazonses`, `_github-challenge-*`.
    Label(String),
    /// A CNAME target ends with this suffix: `acm-validations.aws`.
    Cname(String),
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
    /// The pattern as written in the table (its length ranks overlapping matches).
    pub pattern: String,
    /// A value the entry recognises: a TXT value, an owner name (`label`) or a CNAME target
    /// (`cname`).
    pub example: String,
    /// Where the fact can be checked.
    pub source: String,
}

impl VerificationService {
    /// True when the unquoted TXT value is this service's token (value matchers only).
    pub fn matches(&self, value: &str) -> bool {
        match &self.matcher {
            TokenMatch::Prefix(p) => value
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p)),
            TokenMatch::Contains(p) => value.to_ascii_lowercase().contains(p.as_str()),
            TokenMatch::Regex(re) => re.is_match(value),
            TokenMatch::Label(_) | TokenMatch::Cname(_) => false,
        }
    }
}

/// A verification token named, by a table entry or by the generic rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recognised {
    /// The service, or `unlisted verification token: VENDOR` for the generic rule.
    pub service: String,
    /// The table's category, or `unlisted`.
    pub category: String,
    /// True when a table entry named it.
    pub listed: bool,
}

/// A service whose unclaimed resources can be taken over through a dangling CNAME.
#[derive(Clone, Debug)]
pub struct TakeoverService {
    /// The service.
    pub service: String,
    /// The CNAME target suffix.
    pub suffix: String,
    /// `vulnerable`, `edge-case` or `not-vulnerable`, as the community record lists it.
    pub status: String,
    /// What shows an unclaimed target: `nxdomain` (the target stops resolving),
    /// `http-fingerprint` (the service answers a "no such app" page), `http-status` (a status
    /// code), or `none` (the record gives none).
    pub evidence: String,
    /// The fingerprint the record gives (`NXDOMAIN`, page text, `HTTP_STATUS=...`).
    pub fingerprint: String,
    /// The date of the record's snapshot this entry follows (`YYYY-MM-DD`).
    pub as_of: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// A DNS provider whose deleted zones may be re-created by anyone (NS-delegation takeover).
#[derive(Clone, Debug)]
pub struct NsTakeover {
    /// The provider.
    pub provider: String,
    /// The name-server name pattern.
    pub suffix: String,
    /// `vulnerable`, `vulnerable-with-purchase`, `edge-case`, `not-vulnerable` or
    /// `registration-closed`.
    pub status: String,
    /// The date of the record's snapshot this entry follows.
    pub as_of: String,
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
    /// A name the entry names.
    pub example: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// A provider found by the AS number its addresses are announced from.
#[derive(Clone, Debug)]
pub struct AsnProvider {
    /// The AS number.
    pub asn: u32,
    /// The provider.
    pub provider: String,
    /// `cdn`, `cloud`, `hosting`, `dns`, `paas` or `waf`.
    pub kind: String,
    /// Where the fact can be checked.
    pub source: String,
}

/// A DKIM selector that a sending service uses.
#[derive(Clone, Debug)]
pub struct DkimSelector {
    /// The selector (at most one `*`).
    pub selector: String,
    /// The service.
    pub service: String,
    /// A selector the entry names.
    pub example: String,
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
    /// Takeover-prone (and cleared) CNAME services.
    pub takeover: Vec<TakeoverService>,
    /// DNS providers by their standing for NS-delegation takeover.
    pub ns_takeover: Vec<NsTakeover>,
    /// Hosting providers.
    pub hosting: Vec<HostingProvider>,
    /// Providers by AS number, sorted by number.
    pub asn: Vec<AsnProvider>,
    /// DKIM selectors.
    pub dkim: Vec<DkimSelector>,
    /// Lines that could not be read (kept empty by a test).
    pub bad_lines: Vec<String>,
    /// The suffix tables indexed by their last two labels.
    index: Indexes,
}

/// Where to look in each suffix table for a name: a lookup reads the few entries that share
/// the name's last two labels instead of every entry.
#[derive(Debug, Default)]
struct Indexes {
    mail: SuffixIndex,
    spf: SuffixIndex,
    hosting: SuffixIndex,
    takeover: SuffixIndex,
    ns_takeover: SuffixIndex,
    /// Over `verification`, its `cname` entries only.
    cname: SuffixIndex,
}

/// Entries of one suffix table by their last two labels; entries with a `*` in those labels
/// (`awsdns-*.com`) are kept apart and always read.
#[derive(Debug, Default)]
struct SuffixIndex {
    by_tail: HashMap<String, Vec<usize>>,
    wild: Vec<usize>,
}

impl SuffixIndex {
    fn build<'a>(suffixes: impl Iterator<Item = Option<&'a str>>) -> SuffixIndex {
        let mut index = SuffixIndex::default();
        for (at, suffix) in suffixes.enumerate() {
            let Some(suffix) = suffix else { continue };
            let tail = last_two(suffix);
            if tail.contains('*') {
                index.wild.push(at);
            } else {
                index.by_tail.entry(tail.to_string()).or_default().push(at);
            }
        }
        index
    }

    /// The positions of the entries that may match `name` (lowercase, no trailing dot).
    fn candidates<'s>(&'s self, name: &str) -> impl Iterator<Item = usize> + 's {
        self.by_tail
            .get(last_two(name))
            .into_iter()
            .flatten()
            .chain(&self.wild)
            .copied()
    }

    /// The entry of `table` whose suffix matches `name` best (see [`longest_match`]).
    fn find<'a, T>(
        &self,
        table: &'a [T],
        name: &str,
        suffix: impl Fn(&T) -> &str,
    ) -> Option<&'a T> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        longest_match(
            self.candidates(&name).filter_map(|at| table.get(at)),
            &name,
            suffix,
        )
    }
}

/// The last two labels of a name (all of it when it has fewer).
fn last_two(name: &str) -> &str {
    match name.rmatch_indices('.').nth(1) {
        Some((at, _)) => &name[at + 1..],
        None => name,
    }
}

const MAIL: &str = include_str!("../data/mail_providers.tsv");
const SPF: &str = include_str!("../data/spf_includes.tsv");
const VERIFICATION: &str = include_str!("../data/verification_tokens.tsv");
const TAKEOVER: &str = include_str!("../data/takeover_services.tsv");
const NS_TAKEOVER: &str = include_str!("../data/ns_takeover.tsv");
const HOSTING: &str = include_str!("../data/hosting_providers.tsv");
const ASN: &str = include_str!("../data/asn_providers.tsv");
const DKIM: &str = include_str!("../data/dkim_selectors.tsv");

/// The tables, parsed on first use.
pub fn knowledge() -> &'static Knowledge {
    static TABLES: OnceLock<Knowledge> = OnceLock::new();
    TABLES.get_or_init(Knowledge::parse)
}

/// The generic rule for tokens no table lists: `<vendor>-(site-|domain-)?verification(-code|-key)?=`
/// and its relatives (`-verify`, `-validation`, `-challenge`, `_ownership_proof`), at the start
/// of the value. The first group is the vendor word.
fn generic_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^_?([a-z0-9]+(?:[-_.][a-z0-9]+)*?)[-_](?:(?:site|domain|dns|account|org|sso|developers?|web)[-_])?(?:verification|verify|validation|challenge|ownership[-_]proof|ownership|proof|confirmation|certification)(?:[-_](?:code|key|id|token|value|challenge))?(?:-[a-z0-9]{1,12})?\s*[=:]",
        )
        .expect("the generic token pattern is valid")
    })
}

/// The generic rule for owner labels: `_<vendor>-challenge`, `_<vendor>-verification`...
fn generic_label() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^_([a-z0-9]+(?:-[a-z0-9]+)*?)-(?:domain-)?(?:challenge|verification|verify|validation|ownership)(?:-[a-z0-9-]+)?$",
        )
        .expect("the generic label pattern is valid")
    })
}

/// Vendor words that name no vendor (`domain-verification=...`).
const NOT_VENDORS: &[&str] = &["domain", "site", "dns", "txt", "www", "verification", "web"];

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
        let mail = rows(MAIL, 5, &mut bad)
            .into_iter()
            .map(|f| MailProvider {
                suffix: f[0].to_ascii_lowercase(),
                provider: f[1].into(),
                kind: f[2].into(),
                example: f[3].into(),
                source: f[4].into(),
            })
            .collect();
        let spf = rows(SPF, 5, &mut bad)
            .into_iter()
            .map(|f| SpfSender {
                include: f[0].to_ascii_lowercase(),
                service: f[1].into(),
                category: f[2].into(),
                example: f[3].into(),
                source: f[4].into(),
            })
            .collect();
        let mut verification = Vec::new();
        for f in rows(VERIFICATION, 6, &mut bad) {
            let matcher = match f[2] {
                "prefix" => Some(TokenMatch::Prefix(f[3].into())),
                "contains" => Some(TokenMatch::Contains(f[3].to_ascii_lowercase())),
                "regex" => Regex::new(f[3]).ok().map(TokenMatch::Regex),
                "label" => Some(TokenMatch::Label(f[3].to_ascii_lowercase())),
                "cname" => Some(TokenMatch::Cname(f[3].to_ascii_lowercase())),
                _ => None,
            };
            match matcher {
                Some(matcher) => verification.push(VerificationService {
                    service: f[0].into(),
                    category: f[1].into(),
                    matcher,
                    pattern: f[3].into(),
                    example: f[4].into(),
                    source: f[5].into(),
                }),
                None => bad.push(f.join("\t")),
            }
        }
        let takeover = rows(TAKEOVER, 7, &mut bad)
            .into_iter()
            .map(|f| TakeoverService {
                service: f[0].into(),
                suffix: f[1].to_ascii_lowercase(),
                status: f[2].into(),
                evidence: f[3].into(),
                fingerprint: f[4].into(),
                as_of: f[5].into(),
                source: f[6].into(),
            })
            .collect();
        let ns_takeover = rows(NS_TAKEOVER, 5, &mut bad)
            .into_iter()
            .map(|f| NsTakeover {
                provider: f[0].into(),
                suffix: f[1].to_ascii_lowercase(),
                status: f[2].into(),
                as_of: f[3].into(),
                source: f[4].into(),
            })
            .collect();
        let hosting = rows(HOSTING, 5, &mut bad)
            .into_iter()
            .map(|f| HostingProvider {
                suffix: f[0].to_ascii_lowercase(),
                provider: f[1].into(),
                kind: f[2].into(),
                example: f[3].into(),
                source: f[4].into(),
            })
            .collect();
        let mut asn = Vec::new();
        for f in rows(ASN, 4, &mut bad) {
            match f[0].parse::<u32>() {
                Ok(number) => asn.push(AsnProvider {
                    asn: number,
                    provider: f[1].into(),
                    kind: f[2].into(),
                    source: f[3].into(),
                }),
                Err(_) => bad.push(f.join("\t")),
            }
        }
        asn.sort_by_key(|a| a.asn);
        let dkim = rows(DKIM, 4, &mut bad)
            .into_iter()
            .map(|f| DkimSelector {
                selector: f[0].to_ascii_lowercase(),
                service: f[1].into(),
                example: f[2].into(),
                source: f[3].into(),
            })
            .collect();
        let mut knowledge = Knowledge {
            mail,
            spf,
            verification,
            takeover,
            ns_takeover,
            hosting,
            asn,
            dkim,
            bad_lines: bad,
            index: Indexes::default(),
        };
        knowledge.index = Indexes {
            mail: SuffixIndex::build(knowledge.mail.iter().map(|m| Some(m.suffix.as_str()))),
            spf: SuffixIndex::build(knowledge.spf.iter().map(|s| Some(s.include.as_str()))),
            hosting: SuffixIndex::build(knowledge.hosting.iter().map(|h| Some(h.suffix.as_str()))),
            takeover: SuffixIndex::build(
                knowledge.takeover.iter().map(|t| Some(t.suffix.as_str())),
            ),
            ns_takeover: SuffixIndex::build(
                knowledge
                    .ns_takeover
                    .iter()
                    .map(|n| Some(n.suffix.as_str())),
            ),
            cname: SuffixIndex::build(knowledge.verification.iter().map(|v| match &v.matcher {
                TokenMatch::Cname(suffix) => Some(suffix.as_str()),
                _ => None,
            })),
        };
        knowledge
    }

    /// The mail provider of an MX exchange name.
    pub fn mail_provider(&self, exchange: &str) -> Option<&MailProvider> {
        self.index.mail.find(&self.mail, exchange, |m| &m.suffix)
    }

    /// The sender behind an SPF include domain. Labels holding macros (`%{i}`) are dropped
    /// first, so `%{ir}.%{v}._spf.example.net` is matched as `_spf.example.net`.
    pub fn spf_sender(&self, include: &str) -> Option<&SpfSender> {
        self.index
            .spf
            .find(&self.spf, &without_macros(include), |s| &s.include)
    }

    /// The service whose verification token this unquoted TXT value is, from the value alone;
    /// the longest matching pattern wins.
    pub fn verification(&self, value: &str) -> Option<&VerificationService> {
        self.verification
            .iter()
            .filter(|v| v.matches(value))
            .max_by_key(|v| v.pattern.len())
    }

    /// The service a TXT record at `rrname` proves an account with: a table entry for its value,
    /// then one for its owner's first label, then the generic rule on either.
    pub fn verification_at(&self, rrname: &str, value: &str) -> Option<Recognised> {
        let listed = |v: &VerificationService| Recognised {
            service: v.service.clone(),
            category: v.category.clone(),
            listed: true,
        };
        if let Some(v) = self.verification(value) {
            return Some(listed(v));
        }
        let label = rrname
            .split('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let by_label = self
            .verification
            .iter()
            .filter(|v| match &v.matcher {
                TokenMatch::Label(pattern) => label_matches(&label, pattern),
                _ => false,
            })
            .max_by_key(|v| v.pattern.len());
        if let Some(v) = by_label {
            return Some(listed(v));
        }
        self.unlisted_vendor(rrname, value)
            .map(|vendor| Recognised {
                service: format!("unlisted verification token: {vendor}"),
                category: "unlisted".into(),
                listed: false,
            })
    }

    /// The vendor word of a token no table lists, by the generic rule: from the value
    /// (`acme-domain-verification=...` gives `acme`), else from the owner's first label
    /// (`_acme-challenge.example.com`... gives `acme`).
    pub fn unlisted_vendor(&self, rrname: &str, value: &str) -> Option<String> {
        let word = |re: &Regex, text: &str| {
            re.captures(text)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_ascii_lowercase())
                .filter(|w| !NOT_VENDORS.contains(&w.as_str()))
        };
        let label = rrname.split('.').next().unwrap_or_default();
        word(generic_value(), value).or_else(|| word(generic_label(), label))
    }

    /// The service whose domain verification a CNAME target is (`*.acm-validations.aws`).
    pub fn verification_cname(&self, target: &str) -> Option<&VerificationService> {
        self.index
            .cname
            .find(&self.verification, target, |v| match &v.matcher {
                TokenMatch::Cname(suffix) => suffix,
                _ => "",
            })
    }

    /// The sending service a DKIM selector belongs to, when it is a known one.
    pub fn dkim_selector(&self, selector: &str) -> Option<&DkimSelector> {
        let selector = selector.to_ascii_lowercase();
        self.dkim
            .iter()
            .filter(|d| label_matches(&selector, &d.selector))
            .max_by_key(|d| (!d.selector.contains('*'), d.selector.len()))
    }

    /// The takeover-prone (or cleared) service a CNAME target points into.
    pub fn takeover_service(&self, target: &str) -> Option<&TakeoverService> {
        self.index
            .takeover
            .find(&self.takeover, target, |t| &t.suffix)
    }

    /// The DNS provider of a name server, with its NS-takeover standing.
    pub fn ns_takeover(&self, host: &str) -> Option<&NsTakeover> {
        self.index
            .ns_takeover
            .find(&self.ns_takeover, host, |n| &n.suffix)
    }

    /// The hosting, CDN or DNS provider of a name.
    pub fn hosting_provider(&self, name: &str) -> Option<&HostingProvider> {
        self.index.hosting.find(&self.hosting, name, |h| &h.suffix)
    }

    /// The provider behind an AS number.
    pub fn asn_provider(&self, asn: u32) -> Option<&AsnProvider> {
        self.asn
            .binary_search_by_key(&asn, |a| a.asn)
            .ok()
            .and_then(|at| self.asn.get(at))
    }
}

/// A domain with every label that holds an SPF macro (`%{...}`) removed.
pub fn without_macros(domain: &str) -> String {
    domain
        .trim_end_matches('.')
        .split('.')
        .filter(|label| !label.contains('%'))
        .collect::<Vec<_>>()
        .join(".")
}

/// The entry whose suffix matches `name` (lowercase, no trailing dot) with the most labels,
/// then the fewest `*` labels; the first of equals.
fn longest_match<'a, T: 'a>(
    table: impl IntoIterator<Item = &'a T>,
    name: &str,
    suffix: impl Fn(&T) -> &str,
) -> Option<&'a T> {
    let mut best: Option<((usize, usize), &'a T)> = None;
    for entry in table {
        if let Some(rank) = suffix_rank(name, suffix(entry)) {
            if best.as_ref().is_none_or(|(have, _)| rank > *have) {
                best = Some((rank, entry));
            }
        }
    }
    best.map(|(_, entry)| entry)
}

/// How well `suffix` matches the end of `name` (lowercase): (labels matched, labels matched
/// without a `*`), or `None`. Walks both from the right without allocating.
fn suffix_rank(name: &str, suffix: &str) -> Option<(usize, usize)> {
    let mut have = name.rsplit('.');
    let mut rank = (0, 0);
    for want in suffix.rsplit('.') {
        if !label_matches(have.next()?, want) {
            return None;
        }
        rank.0 += 1;
        if !want.contains('*') {
            rank.1 += 1;
        }
    }
    Some(rank)
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
    use std::collections::BTreeSet;

    fn distinct<'a>(names: impl Iterator<Item = &'a String>) -> usize {
        names.collect::<BTreeSet<_>>().len()
    }

    #[test]
    fn every_line_of_every_table_is_read_and_sourced() {
        let k = knowledge();
        assert!(k.bad_lines.is_empty(), "{:?}", k.bad_lines);
        // The floors issue 15 set, in distinct services / includes / providers.
        assert!(distinct(k.verification.iter().map(|v| &v.service)) >= 150);
        assert!(k.spf.len() >= 150);
        assert!(distinct(k.mail.iter().map(|m| &m.provider)) >= 80);
        assert!(distinct(k.hosting.iter().map(|h| &h.provider)) >= 200);
        assert!(k.asn.len() >= 50);
        assert!(k.takeover.len() >= 70);
        for source in k
            .mail
            .iter()
            .map(|m| &m.source)
            .chain(k.spf.iter().map(|s| &s.source))
            .chain(k.takeover.iter().map(|t| &t.source))
            .chain(k.ns_takeover.iter().map(|t| &t.source))
            .chain(k.hosting.iter().map(|h| &h.source))
            .chain(k.verification.iter().map(|v| &v.source))
            .chain(k.asn.iter().map(|a| &a.source))
            .chain(k.dkim.iter().map(|d| &d.source))
        {
            assert!(source.starts_with("https://"), "{source}");
        }
    }

    #[test]
    fn no_two_entries_claim_the_same_pattern() {
        fn unique(table: &str, keys: impl Iterator<Item = String>) {
            let mut seen = BTreeSet::new();
            for key in keys {
                assert!(seen.insert(key.clone()), "{table}: {key} claimed twice");
            }
        }
        let k = knowledge();
        unique(
            "verification",
            k.verification.iter().map(|v| {
                let kind = match v.matcher {
                    TokenMatch::Label(_) => "label",
                    TokenMatch::Cname(_) => "cname",
                    _ => "value",
                };
                format!("{kind} {}", v.pattern.to_ascii_lowercase())
            }),
        );
        unique("spf", k.spf.iter().map(|s| s.include.clone()));
        unique("mail", k.mail.iter().map(|m| m.suffix.clone()));
        unique("hosting", k.hosting.iter().map(|h| h.suffix.clone()));
        unique("takeover", k.takeover.iter().map(|t| t.suffix.clone()));
        unique(
            "ns_takeover",
            k.ns_takeover.iter().map(|t| t.suffix.clone()),
        );
        unique("asn", k.asn.iter().map(|a| a.asn.to_string()));
        unique("dkim", k.dkim.iter().map(|d| d.selector.clone()));
    }

    #[test]
    fn every_example_is_recognised_as_its_own_service() {
        let k = knowledge();
        let mut wrong = Vec::new();
        let mut check = |table: &str, example: &str, got: Option<&str>, want: &str| {
            if got != Some(want) {
                wrong.push(format!("{table}: {example} -> {got:?}, not {want}"));
            }
        };
        for v in &k.verification {
            let named = match v.matcher {
                TokenMatch::Label(_) => k
                    .verification_at(&v.example, "0123456789abcdef")
                    .map(|r| r.service),
                TokenMatch::Cname(_) => k.verification_cname(&v.example).map(|c| c.service.clone()),
                _ => k
                    .verification_at("example.com.", &v.example)
                    .map(|r| r.service),
            };
            check("verification", &v.example, named.as_deref(), &v.service);
        }
        for s in &k.spf {
            let got = k.spf_sender(&s.example).map(|x| x.include.as_str());
            check("spf", &s.example, got, &s.include);
        }
        for m in &k.mail {
            let got = k.mail_provider(&m.example).map(|x| x.suffix.as_str());
            check("mail", &m.example, got, &m.suffix);
        }
        for h in &k.hosting {
            let got = k.hosting_provider(&h.example).map(|x| x.suffix.as_str());
            check("hosting", &h.example, got, &h.suffix);
        }
        for d in &k.dkim {
            let got = k.dkim_selector(&d.example).map(|x| x.selector.as_str());
            check("dkim", &d.example, got, &d.selector);
        }
        for t in &k.takeover {
            let example = format!("unclaimed.{}", t.suffix.replace('*', "x1"));
            let got = k.takeover_service(&example).map(|x| x.suffix.as_str());
            check("takeover", &example, got, &t.suffix);
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn takeover_entries_are_dated_and_classified() {
        let k = knowledge();
        let date = Regex::new(r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]$").unwrap();
        for t in &k.takeover {
            assert!(date.is_match(&t.as_of), "{}", t.as_of);
            assert!(
                ["vulnerable", "edge-case", "not-vulnerable"].contains(&t.status.as_str()),
                "{}",
                t.status
            );
            assert!(
                ["nxdomain", "http-fingerprint", "http-status", "none"]
                    .contains(&t.evidence.as_str()),
                "{}",
                t.evidence
            );
        }
        for n in &k.ns_takeover {
            assert!(date.is_match(&n.as_of), "{}", n.as_of);
        }
        // From the community records, checked by hand.
        let status = |t: &str| k.takeover_service(t).map(|s| s.status.as_str());
        assert_eq!(status("x.herokuapp.com"), Some("edge-case"));
        assert_eq!(status("x.azurewebsites.net"), Some("vulnerable"));
        assert_eq!(status("x.global.ssl.fastly.net"), Some("not-vulnerable"));
        assert_eq!(status("x.zendesk.com"), Some("not-vulnerable"));
        let ns = |h: &str| k.ns_takeover(h).map(|s| s.status.as_str());
        assert_eq!(ns("ns1.digitalocean.com"), Some("vulnerable"));
        assert_eq!(ns("ns-1536.awsdns-00.co.uk"), Some("not-vulnerable"));
        assert_eq!(ns("ada.ns.cloudflare.com"), Some("not-vulnerable"));
        assert_eq!(ns("ns1abc.name.com"), Some("vulnerable-with-purchase"));
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
        // A named region beats the wildcard entry with as many labels.
        assert_eq!(
            k.mail_provider("inbound-smtp.us-east-1.amazonaws.com")
                .map(|m| m.suffix.as_str()),
            Some("inbound-smtp.us-east-1.amazonaws.com")
        );
        assert_eq!(
            k.mail_provider("inbound-smtp.ap-south-1.amazonaws.com")
                .map(|m| m.suffix.as_str()),
            Some("inbound-smtp.*.amazonaws.com")
        );
    }

    #[test]
    fn tokens_at_labels_and_cnames() {
        let k = knowledge();
        let at = |name: &str, value: &str| k.verification_at(name, value).map(|r| r.service);
        assert!(at("_github-challenge-octo-org.example.com.", "8f252dee57")
            .is_some_and(|s| s.starts_with("GitHub organization")));
        assert!(at("_gh-octo-org-o.example.com.", "8f252dee57")
            .is_some_and(|s| s.starts_with("GitHub organization")));
        assert!(at("_amazonses.example.com.", "pmBGN/7Mjnfh=")
            .is_some_and(|s| s.contains("Amazon SES")));
        assert!(at("_dnsauth.www.example.com.", "abc").is_some_and(|s| s.contains("_dnsauth")));
        assert_eq!(at("www.example.com.", "8f252dee57"), None);
        assert!(k
            .verification_cname("_0123.abcdefghij.acm-validations.aws.")
            .is_some_and(|v| v.service.contains("Certificate Manager")));
        assert!(k
            .verification_cname("gv-abcdefghijklmn.dv.googlehosted.com")
            .is_some_and(|v| v.service.contains("Google")));
        assert!(k.verification_cname("ghs.googlehosted.com").is_none());
    }

    #[test]
    fn tokens_no_table_lists_are_named_by_their_vendor_word() {
        let k = knowledge();
        let unlisted = |name: &str, value: &str| k.verification_at(name, value);
        // Made-up vendors: the rule must name them from the token alone.
        for (value, vendor) in [
            ("frobnicator-domain-verification=abc123", "frobnicator"),
            ("frobnicator-site-verification=abc123", "frobnicator"),
            ("frobnicator-verification-code=abc123", "frobnicator"),
            ("frobnicator-verification:abc123", "frobnicator"),
            ("frobnicator-domain-verify=abc123", "frobnicator"),
            ("frob-nicator-verification-key=abc", "frob-nicator"),
            ("frobnicator_ownership_proof=abc", "frobnicator"),
            ("Frobnicator-Domain-Verification=ABC", "frobnicator"),
        ] {
            let r = unlisted("example.com.", value).unwrap_or_else(|| panic!("{value}"));
            assert_eq!(
                r.service,
                format!("unlisted verification token: {vendor}"),
                "{value}"
            );
            assert_eq!((r.category.as_str(), r.listed), ("unlisted", false));
        }
        assert_eq!(
            unlisted("_frobnicator-challenge.example.com.", "abc").map(|r| r.service),
            Some("unlisted verification token: frobnicator".into())
        );
        // No vendor word, or no verification word: not a token the rule can name.
        assert_eq!(
            unlisted("example.com.", "domain-verification=korange"),
            None
        );
        assert_eq!(unlisted("example.com.", "hello world"), None);
        assert_eq!(
            unlisted("example.com.", "v=spf1 include:_spf.example.net -all"),
            None
        );
        assert_eq!(unlisted("example.com.", "frobnicator=abc"), None);
        // A listed vendor keeps its table name.
        assert_eq!(
            unlisted("example.com.", "slack-domain-verification=abc").map(|r| r.listed),
            Some(true)
        );
    }

    #[test]
    fn spf_macros_dkim_selectors_and_as_numbers() {
        let k = knowledge();
        assert_eq!(
            without_macros("%{ir}.%{v}._spf.mta.salesforce.com"),
            "_spf.mta.salesforce.com"
        );
        assert!(k
            .spf_sender("%{i}._spf.mta.salesforce.com")
            .is_some_and(|s| s.service.contains("Salesforce")));
        let dkim = |s: &str| k.dkim_selector(s).map(|d| d.service.as_str());
        assert_eq!(dkim("selector1"), Some("Microsoft 365 / Exchange Online"));
        assert_eq!(dkim("google"), Some("Google Workspace"));
        assert_eq!(dkim("hs1-21894833"), Some("HubSpot"));
        assert_eq!(dkim("no-such-selector"), None);
        assert!(k
            .asn_provider(13335)
            .is_some_and(|a| a.provider == "Cloudflare"));
        assert!(k
            .asn_provider(16509)
            .is_some_and(|a| a.provider.contains("Amazon")));
        assert!(k.asn_provider(64500).is_none());
    }
}
