//! The rule file: TOML, every key checked, errors naming their line.
//!
//! ```toml
//! [[sink]]
//! id = "soc"                 # named by rules' `sinks`; a rule without `sinks` uses them all
//! kind = "webhook"           # ndjson | webhook | slack | teams | syslog | exec
//! url = "https://soc.example/hooks/hark"
//! secret = "change me"       # HMAC-SHA256 of the body, in X-Hark-Signature (webhook)
//!
//! [[rule]]
//! id = "canary"              # unique; alerts name it
//! title = "Someone resolved a decoy name"
//! severity = "high"          # info | low | medium | high | critical
//! kind = "canary"
//! names = ["vpn-admin.corp.example"]
//! window = "0s"              # alerts per (rule, subject) within it are one alert
//! ```
//!
//! | kind | keys | what raises an alert |
//! |---|---|---|
//! | `canary` | `names` | a query (dnstap), answer or NXDOMAIN at or below a decoy name; window 0 by default |
//! | `intel` | `names`, `networks`, `lists` | a query, owner or rdata name at or below a listed name; an address or client in a listed network |
//! | `new-name` | `zones` | the first row of a name below a watched zone, from DNS or from a certificate (CT import) |
//! | `record-change` | `names`, `types`, `expect` | a watched (name, type) gains a member; with `expect`, only members outside it (addresses in its networks, names at or below its names) |
//! | `new-domain` | `warmup`, `zones` | a registrable domain never seen, once `warmup` of observations has passed; `zones` limits it to domains under those suffixes |
//! | `lookalike` | `brands`, `except_ns` | a new registrable domain that is a typo, bit-flip, homoglyph, hyphenation, added word or TLD swap of a brand |
//! | `posture` | `zones` | SPF loosened (`-all` to `~all`, `?all`, `+all`) or its includes changed; DMARC weakened |
//! | `takeover-risk` | `zones` | a CNAME or NS target of a name at or below a zone starts answering NXDOMAIN (the recon takeover finding) |
//! | `zone-transfer` | `zones`, `allow` | an AXFR/IXFR query or answer for a zone, from a client or by a server outside `allow` |
//! | `cert` | `zones`, `issuers` | a name newly seen in a certificate (CT import) at or below a watched zone that DNS never showed, or from an issuer none of `issuers` names |
//!
//! Intel rules also read Suricata dataset files (`datasets = ["string:dns-bl.lst"]`), and
//! record-change's `expect` takes AS numbers (`AS64500`) when the file names an AS database
//! (`asn_db = "ip2asn-combined.tsv"` at its top).
//!
//! Every rule also takes `except` (names at or below which nothing alerts), `window` and
//! `sinks`.

use crate::lookalike::Brand;
use crate::matchers::{CidrSet, NameSet};
use hark_dns::RrType;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// An error in a rule file, with its line when one is known.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML does not parse, or a key is unknown or of the wrong type.
    #[error("{0}")]
    Toml(String),
    /// A value is wrong.
    #[error("line {line}: {message}")]
    At {
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An intel list could not be read.
    #[error("line {line}: {source}")]
    List {
        /// The line of the rule naming it.
        line: usize,
        /// Why.
        source: crate::lists::ListError,
    },
}

/// How bad an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record.
    Info,
    /// Worth a look.
    Low,
    /// Worth a look soon.
    Medium,
    /// Act.
    High,
    /// Act now.
    Critical,
}

impl Severity {
    /// Parses `info`, `low`, `medium`, `high` or `critical`.
    pub fn parse(text: &str) -> Option<Severity> {
        Some(match text {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// An AS database (iptoasn TSV or MaxMind DB, relative to the rule file), so that
    /// record-change's `expect` may name AS numbers.
    pub asn_db: Option<Spanned<PathBuf>>,
    /// Where alerts go.
    #[serde(default)]
    pub sink: Vec<SinkSection>,
    /// The rules.
    #[serde(default)]
    pub rule: Vec<RuleSection>,
}

/// `[[sink]]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SinkSection {
    /// Its name, unique.
    pub id: Spanned<String>,
    /// `ndjson`, `webhook`, `slack`, `teams`, `syslog` or `exec`.
    pub kind: Spanned<String>,
    /// `ndjson`: the file alerts are appended to (relative to the rule file), `-` or none for
    /// standard output.
    pub path: Option<PathBuf>,
    /// `webhook`, `slack`, `teams`: where to POST.
    pub url: Option<String>,
    /// `webhook`: the HMAC-SHA256 key signing each body.
    pub secret: Option<String>,
    /// `syslog`: `udp:HOST:PORT` or `tcp:HOST:PORT` of a syslog receiver (RFC 5424, CEF message).
    pub address: Option<String>,
    /// `exec`: the program and its arguments; the alert's JSON is its standard input.
    pub command: Option<Vec<String>>,
    /// Alerts below this severity are not sent here.
    pub min_severity: Option<Spanned<String>>,
}

/// `[[rule]]`: every key any kind takes; [`RuleSet::parse`] checks which belong.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSection {
    /// Unique id.
    pub id: Spanned<String>,
    /// A title for people.
    pub title: Option<String>,
    /// `info`, `low`, `medium` (default), `high`, `critical`.
    pub severity: Option<Spanned<String>>,
    /// What it watches.
    pub kind: Spanned<String>,
    /// Alerts of one subject within this long are one alert (`0s`, `10m`, `1h`, `1d`).
    pub window: Option<Spanned<String>>,
    /// The sinks its alerts go to (default: every sink).
    pub sinks: Option<Vec<Spanned<String>>>,
    /// Names (canary, intel, record-change).
    pub names: Option<Vec<Spanned<String>>>,
    /// Zones (new-name, new-domain, posture).
    pub zones: Option<Vec<Spanned<String>>>,
    /// Types (record-change).
    pub types: Option<Vec<Spanned<String>>>,
    /// The allowed members (record-change): networks and names.
    pub expect: Option<Vec<Spanned<String>>>,
    /// Networks (intel).
    pub networks: Option<Vec<Spanned<String>>>,
    /// List files (intel), relative to the rule file.
    pub lists: Option<Vec<Spanned<PathBuf>>>,
    /// Suricata dataset files (intel): `TYPE:PATH`, TYPE one of `string`, `ipv4`, `ip`,
    /// `md5`, `sha256` (hashes are read and ignored).
    pub datasets: Option<Vec<Spanned<String>>>,
    /// Networks allowed to transfer zones (zone-transfer): clients that may ask, servers that
    /// may answer.
    pub allow: Option<Vec<Spanned<String>>>,
    /// Brands (lookalike): registrable domains.
    pub brands: Option<Vec<Spanned<String>>>,
    /// Names at or below which nothing alerts.
    pub except: Option<Vec<Spanned<String>>>,
    /// Lookalike domains whose name servers are at or below these are not alerted.
    pub except_ns: Option<Vec<Spanned<String>>>,
    /// new-domain: observation time before anything is called new.
    pub warmup: Option<Spanned<String>>,
    /// cert: the allowed certificate issuers (each matched as a case-insensitive part of
    /// the issuer's name, e.g. `Let's Encrypt`).
    pub issuers: Option<Vec<Spanned<String>>>,
}

/// What a rule watches, compiled.
#[derive(Debug)]
pub enum Kind {
    /// Decoy names.
    Canary {
        /// At or below these.
        names: NameSet,
    },
    /// Known-bad names and networks.
    Intel {
        /// At or below these.
        names: NameSet,
        /// Inside these.
        networks: CidrSet,
    },
    /// First names under zones.
    NewName {
        /// Strictly below these.
        zones: NameSet,
    },
    /// Members of watched RRsets.
    RecordChange {
        /// Owner names exactly.
        names: NameSet,
        /// Owner names below these (`*.zone`).
        below: NameSet,
        /// The types watched (empty: all).
        types: Vec<RrType>,
        /// Allowed target names.
        expect_names: NameSet,
        /// Allowed addresses.
        expect_networks: CidrSet,
        /// Allowed autonomous systems (addresses looked up in the rule file's AS database).
        expect_asns: Vec<u32>,
    },
    /// Newly observed registrable domains.
    NewDomain {
        /// Seconds of observations before anything counts as new.
        warmup: i64,
        /// Only under these public suffixes (empty: all).
        zones: NameSet,
    },
    /// Typosquats of brands.
    Lookalike {
        /// The brands.
        brands: Vec<Brand>,
        /// Domains served by these name servers are not alerted.
        except_ns: NameSet,
    },
    /// Mail-security posture of zones.
    Posture {
        /// The zones.
        zones: NameSet,
    },
    /// CNAME and NS targets of names in zones that start answering NXDOMAIN.
    TakeoverRisk {
        /// At or below these.
        zones: NameSet,
    },
    /// Zone transfers (AXFR, IXFR) of zones by clients or servers outside an allowlist.
    ZoneTransfer {
        /// At or below these.
        zones: NameSet,
        /// The clients and servers allowed.
        allow: CidrSet,
    },
    /// Names in certificates.
    Cert {
        /// At or below these.
        zones: NameSet,
        /// Allowed issuers, lowercased (empty: any issuer).
        issuers: Vec<String>,
    },
}

impl Kind {
    /// The kind's name as written in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Canary { .. } => "canary",
            Kind::Intel { .. } => "intel",
            Kind::NewName { .. } => "new-name",
            Kind::RecordChange { .. } => "record-change",
            Kind::NewDomain { .. } => "new-domain",
            Kind::Lookalike { .. } => "lookalike",
            Kind::Posture { .. } => "posture",
            Kind::TakeoverRisk { .. } => "takeover-risk",
            Kind::ZoneTransfer { .. } => "zone-transfer",
            Kind::Cert { .. } => "cert",
        }
    }
}

/// One rule, compiled.
#[derive(Debug)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its alerts' severity.
    pub severity: Severity,
    /// What it watches.
    pub kind: Kind,
    /// Dedup window, seconds.
    pub window: i64,
    /// Sinks its alerts go to (empty: all).
    pub sinks: Vec<String>,
    /// Names at or below which it never alerts.
    pub except: NameSet,
}

/// A sink as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkSpec {
    /// Its id.
    pub id: String,
    /// Where and how.
    pub target: SinkTarget,
    /// Least severity sent.
    pub min_severity: Severity,
}

/// Where a sink sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SinkTarget {
    /// NDJSON lines to a file, or standard output (`None`).
    Ndjson(Option<PathBuf>),
    /// A JSON POST of the alert, signed when a secret is given.
    Webhook {
        /// The URL.
        url: String,
        /// The HMAC key.
        secret: Option<String>,
    },
    /// A Slack incoming webhook message.
    Slack(String),
    /// A Microsoft Teams incoming webhook message card.
    Teams(String),
    /// RFC 5424 syslog with a CEF message, over UDP or TCP.
    Syslog {
        /// `true` for TCP (octet-counted framing).
        tcp: bool,
        /// `HOST:PORT`.
        address: String,
    },
    /// A program run per alert, the alert's JSON on its standard input.
    Exec(Vec<String>),
}

/// A checked rule file, ready to match.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The sinks, in file order.
    pub sinks: Vec<SinkSpec>,
    /// The AS database named by `asn_db`, for AS numbers in record-change's `expect`.
    pub asn: Option<std::sync::Arc<hark_intel::asn::AsnDb>>,
}

/// Parses a name as rules write it (with or without the final dot, any case, IDN allowed)
/// into canonical wire format.
pub fn parse_name(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    let ascii = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(text).ok()?
    };
    let absolute = if ascii.ends_with('.') {
        ascii
    } else {
        format!("{ascii}.")
    };
    hark_dns::name::from_presentation(&absolute).ok()
}

/// Parses a duration: `0`, or a number with `s`, `m`, `h` or `d` (`90s`, `10m`, `1d`), or
/// any duration jiff reads (`1h 30m`); seconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text == "0" {
        return Some(0);
    }
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            let duration: jiff::SignedDuration = text.parse().ok()?;
            return (!duration.is_negative()).then(|| duration.as_secs());
        }
    };
    number.parse::<i64>().ok()?.checked_mul(scale)
}

/// Reads and compiles the rule file at `path` (intel lists relative to its directory).
pub fn load(path: &Path) -> Result<RuleSet, RuleError> {
    let text = std::fs::read_to_string(path).map_err(|source| RuleError::Io {
        path: path.display().to_string(),
        source,
    })?;
    RuleSet::parse(&text, path.parent().unwrap_or(Path::new(".")))
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text.get(..span.start)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

impl RuleSet {
    /// Parses and compiles a rule file's text; `base` is where relative list paths start.
    pub fn parse(text: &str, base: &Path) -> Result<RuleSet, RuleError> {
        let file: RuleFile = toml::from_str(text)
            .map_err(|err| RuleError::Toml(err.to_string().trim_end().into()))?;
        let at = |span: Range<usize>, message: String| RuleError::At {
            line: line_of(text, span),
            message,
        };
        let mut set = RuleSet::default();
        for sink in &file.sink {
            let id = sink.id.get_ref().clone();
            if id.is_empty() || set.sinks.iter().any(|s: &SinkSpec| s.id == id) {
                return Err(at(
                    sink.id.span(),
                    format!("sink id {id:?} is empty or used twice"),
                ));
            }
            let need = |value: &Option<String>, key: &str| {
                value.clone().ok_or_else(|| {
                    at(
                        sink.kind.span(),
                        format!("a {} sink needs `{key}`", sink.kind.get_ref()),
                    )
                })
            };
            let target = match sink.kind.get_ref().as_str() {
                "ndjson" => SinkTarget::Ndjson(
                    sink.path
                        .as_ref()
                        .filter(|p| p.as_os_str() != "-")
                        .map(|p| base.join(p)),
                ),
                "webhook" => SinkTarget::Webhook {
                    url: need(&sink.url, "url")?,
                    secret: sink.secret.clone(),
                },
                "slack" => SinkTarget::Slack(need(&sink.url, "url")?),
                "teams" => SinkTarget::Teams(need(&sink.url, "url")?),
                "syslog" => {
                    let address = need(&sink.address, "address")?;
                    let (tcp, address) = match address.split_once(':') {
                        Some(("udp", rest)) => (false, rest.to_string()),
                        Some(("tcp", rest)) => (true, rest.to_string()),
                        _ => {
                            return Err(at(
                                sink.kind.span(),
                                format!("syslog address {address:?}: write udp:HOST:PORT or tcp:HOST:PORT"),
                            ))
                        }
                    };
                    SinkTarget::Syslog { tcp, address }
                }
                "exec" => match &sink.command {
                    Some(command) if !command.is_empty() => SinkTarget::Exec(command.clone()),
                    _ => return Err(at(sink.kind.span(), "an exec sink needs `command`".into())),
                },
                other => {
                    return Err(at(
                        sink.kind.span(),
                        format!("unknown sink kind {other:?}: ndjson, webhook, slack, teams, syslog or exec"),
                    ))
                }
            };
            let min_severity = match &sink.min_severity {
                Some(s) => Severity::parse(s.get_ref())
                    .ok_or_else(|| at(s.span(), format!("unknown severity {:?}", s.get_ref())))?,
                None => Severity::Info,
            };
            set.sinks.push(SinkSpec {
                id,
                target,
                min_severity,
            });
        }
        if let Some(path) = &file.asn_db {
            let db = hark_intel::asn::AsnDb::open(&base.join(path.get_ref()))
                .map_err(|err| at(path.span(), format!("asn_db: {err}")))?;
            set.asn = Some(std::sync::Arc::new(db));
        }
        for section in &file.rule {
            let rule = compile(section, &set.sinks, set.asn.is_some(), base, &at)?;
            if set.rules.iter().any(|r| r.id == rule.id) {
                return Err(at(
                    section.id.span(),
                    format!("rule id {:?} is used twice", rule.id),
                ));
            }
            set.rules.push(rule);
        }
        Ok(set)
    }

    /// True when a rule of this kind is in the set.
    pub fn has(&self, kind: &str) -> bool {
        self.rules.iter().any(|r| r.kind.name() == kind)
    }
}

type At<'a> = dyn Fn(Range<usize>, String) -> RuleError + 'a;

fn compile(
    section: &RuleSection,
    sinks: &[SinkSpec],
    has_asn_db: bool,
    base: &Path,
    at: &At<'_>,
) -> Result<Rule, RuleError> {
    let id = section.id.get_ref().clone();
    let here = section.id.span();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(at(
            here,
            format!("rule id {id:?}: use letters, digits, '-', '_' and '.'"),
        ));
    }
    let kind_name = section.kind.get_ref().as_str();
    let allowed: &[&str] = match kind_name {
        "canary" => &["names"],
        "intel" => &["names", "networks", "lists", "datasets"],
        "new-name" => &["zones"],
        "record-change" => &["names", "types", "expect"],
        "new-domain" => &["warmup", "zones"],
        "lookalike" => &["brands", "except_ns"],
        "posture" | "takeover-risk" => &["zones"],
        "zone-transfer" => &["zones", "allow"],
        "cert" => &["zones", "issuers"],
        other => {
            return Err(at(
                section.kind.span(),
                format!(
                    "unknown rule kind {other:?}: canary, intel, new-name, record-change, \
                     new-domain, lookalike, posture, takeover-risk, zone-transfer \
                     or cert"
                ),
            ))
        }
    };
    let given = [
        ("names", section.names.is_some()),
        ("zones", section.zones.is_some()),
        ("types", section.types.is_some()),
        ("expect", section.expect.is_some()),
        ("networks", section.networks.is_some()),
        ("lists", section.lists.is_some()),
        ("datasets", section.datasets.is_some()),
        ("allow", section.allow.is_some()),
        ("brands", section.brands.is_some()),
        ("except_ns", section.except_ns.is_some()),
        ("warmup", section.warmup.is_some()),
        ("issuers", section.issuers.is_some()),
    ];
    for (key, present) in given {
        if present && !allowed.contains(&key) {
            return Err(at(
                here,
                format!(
                    "`{key}` is not a key of a {kind_name} rule (it takes {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let names_of =
        |list: &Option<Vec<Spanned<String>>>, what: &str| -> Result<NameSet, RuleError> {
            let mut set = NameSet::new();
            for item in list.iter().flatten() {
                let text = item.get_ref().strip_prefix("*.").unwrap_or(item.get_ref());
                let wire = parse_name(text).ok_or_else(|| {
                    at(
                        item.span(),
                        format!("{what}: {:?} is not a domain name", item.get_ref()),
                    )
                })?;
                set.insert(&wire, &id);
            }
            Ok(set)
        };
    let require = |present: bool, key: &str| {
        if present {
            Ok(())
        } else {
            Err(at(
                here.clone(),
                format!("a {kind_name} rule needs `{key}`"),
            ))
        }
    };
    let kind = match kind_name {
        "canary" => {
            require(
                section.names.as_ref().is_some_and(|n| !n.is_empty()),
                "names",
            )?;
            Kind::Canary {
                names: names_of(&section.names, "names")?,
            }
        }
        "intel" => {
            let mut names = names_of(&section.names, "names")?;
            let mut networks = CidrSet::new();
            for item in section.networks.iter().flatten() {
                networks
                    .insert(item.get_ref(), &id)
                    .map_err(|err| at(item.span(), err.to_string()))?;
            }
            for list in section.lists.iter().flatten() {
                let path = base.join(list.get_ref());
                let report =
                    crate::lists::load(&path, &mut names, &mut networks).map_err(|source| {
                        RuleError::List {
                            line: line_of_span(list.span(), at),
                            source,
                        }
                    })?;
                if report.skipped > 0 {
                    tracing::warn!(list = %path.display(), skipped = report.skipped, first = ?report.first_skips, "lines of an intel list skipped");
                }
            }
            for dataset in section.datasets.iter().flatten() {
                let (kind, file) = dataset
                    .get_ref()
                    .split_once(':')
                    .and_then(|(kind, file)| {
                        crate::lists::DatasetType::parse(kind).map(|kind| (kind, file))
                    })
                    .ok_or_else(|| {
                        at(
                            dataset.span(),
                            format!(
                                "datasets: {:?}: write TYPE:PATH, TYPE one of string, ipv4, ip, md5, sha256",
                                dataset.get_ref()
                            ),
                        )
                    })?;
                let path = base.join(file);
                let report = crate::lists::load_dataset(&path, kind, &mut names, &mut networks)
                    .map_err(|source| RuleError::List {
                        line: line_of_span(dataset.span(), at),
                        source,
                    })?;
                if report.skipped > 0 {
                    tracing::warn!(dataset = %path.display(), skipped = report.skipped, first = ?report.first_skips, "lines of a Suricata dataset skipped");
                }
            }
            networks.build();
            require(
                !names.is_empty() || !networks.is_empty(),
                "names, networks, lists or datasets",
            )?;
            Kind::Intel { names, networks }
        }
        "new-name" => {
            require(
                section.zones.as_ref().is_some_and(|n| !n.is_empty()),
                "zones",
            )?;
            Kind::NewName {
                zones: names_of(&section.zones, "zones")?,
            }
        }
        "record-change" => {
            require(
                section.names.as_ref().is_some_and(|n| !n.is_empty()),
                "names",
            )?;
            let mut names = NameSet::new();
            let mut below = NameSet::new();
            for item in section.names.iter().flatten() {
                let (set, text) = match item.get_ref().strip_prefix("*.") {
                    Some(zone) => (&mut below, zone),
                    None => (&mut names, item.get_ref().as_str()),
                };
                let wire = parse_name(text).ok_or_else(|| {
                    at(
                        item.span(),
                        format!("names: {:?} is not a domain name", item.get_ref()),
                    )
                })?;
                set.insert(&wire, &id);
            }
            let mut types = Vec::new();
            for item in section.types.iter().flatten() {
                let rrtype: RrType =
                    item.get_ref()
                        .parse()
                        .map_err(|err: hark_dns::rrtype::ParseRrTypeError| {
                            at(item.span(), err.to_string())
                        })?;
                types.push(rrtype);
            }
            let mut expect_names = NameSet::new();
            let mut expect_networks = CidrSet::new();
            let mut expect_asns = Vec::new();
            for item in section.expect.iter().flatten() {
                let text = item.get_ref();
                if let Some(asn) = parse_asn(text) {
                    if !has_asn_db {
                        return Err(at(
                            item.span(),
                            format!(
                                "expect: {text:?} is an AS number, which needs an AS database: \
                                 add `asn_db = \"FILE\"` (iptoasn TSV or MaxMind DB) at the top of the file"
                            ),
                        ));
                    }
                    expect_asns.push(asn);
                } else if crate::matchers::parse_cidr(text).is_ok() {
                    expect_networks
                        .insert(text, &id)
                        .map_err(|err| at(item.span(), err.to_string()))?;
                } else {
                    let wire =
                        parse_name(text.strip_prefix("*.").unwrap_or(text)).ok_or_else(|| {
                            at(
                                item.span(),
                                format!("expect: {text:?} is neither a network nor a name"),
                            )
                        })?;
                    expect_names.insert(&wire, &id);
                }
            }
            expect_networks.build();
            Kind::RecordChange {
                names,
                below,
                types,
                expect_names,
                expect_networks,
                expect_asns,
            }
        }
        "new-domain" => {
            let warmup = match &section.warmup {
                Some(w) => parse_duration(w.get_ref()).ok_or_else(|| {
                    at(
                        w.span(),
                        format!("warmup: {:?} is not a duration (1d, 12h)", w.get_ref()),
                    )
                })?,
                None => 86_400,
            };
            Kind::NewDomain {
                warmup,
                zones: names_of(&section.zones, "zones")?,
            }
        }
        "lookalike" => {
            require(
                section.brands.as_ref().is_some_and(|n| !n.is_empty()),
                "brands",
            )?;
            let mut brands = Vec::new();
            for item in section.brands.iter().flatten() {
                let brand = Brand::parse(item.get_ref()).ok_or_else(|| {
                    at(
                        item.span(),
                        format!(
                            "brands: {:?} is not a registrable domain (example.com)",
                            item.get_ref()
                        ),
                    )
                })?;
                brands.push(brand);
            }
            Kind::Lookalike {
                brands,
                except_ns: names_of(&section.except_ns, "except_ns")?,
            }
        }
        "takeover-risk" => {
            require(
                section.zones.as_ref().is_some_and(|n| !n.is_empty()),
                "zones",
            )?;
            Kind::TakeoverRisk {
                zones: names_of(&section.zones, "zones")?,
            }
        }
        "zone-transfer" => {
            require(
                section.zones.as_ref().is_some_and(|n| !n.is_empty()),
                "zones",
            )?;
            let mut allow = CidrSet::new();
            for item in section.allow.iter().flatten() {
                allow
                    .insert(item.get_ref(), &id)
                    .map_err(|err| at(item.span(), format!("allow: {err}")))?;
            }
            allow.build();
            Kind::ZoneTransfer {
                zones: names_of(&section.zones, "zones")?,
                allow,
            }
        }
        "cert" => {
            require(
                section.zones.as_ref().is_some_and(|n| !n.is_empty()),
                "zones",
            )?;
            let mut issuers = Vec::new();
            for item in section.issuers.iter().flatten() {
                let issuer = item.get_ref().trim().to_lowercase();
                if issuer.is_empty() {
                    return Err(at(
                        item.span(),
                        "issuers: an empty issuer matches every one".into(),
                    ));
                }
                issuers.push(issuer);
            }
            Kind::Cert {
                zones: names_of(&section.zones, "zones")?,
                issuers,
            }
        }
        _ => {
            require(
                section.zones.as_ref().is_some_and(|n| !n.is_empty()),
                "zones",
            )?;
            Kind::Posture {
                zones: names_of(&section.zones, "zones")?,
            }
        }
    };
    let severity = match &section.severity {
        Some(s) => Severity::parse(s.get_ref()).ok_or_else(|| {
            at(
                s.span(),
                format!(
                    "unknown severity {:?}: info, low, medium, high or critical",
                    s.get_ref()
                ),
            )
        })?,
        None => Severity::Medium,
    };
    let window = match &section.window {
        Some(w) => parse_duration(w.get_ref()).ok_or_else(|| {
            at(
                w.span(),
                format!(
                    "window: {:?} is not a duration (0s, 10m, 1h, 1d)",
                    w.get_ref()
                ),
            )
        })?,
        None if matches!(kind, Kind::Canary { .. }) => 0,
        None => 86_400,
    };
    let mut rule_sinks = Vec::new();
    for sink in section.sinks.iter().flatten() {
        if !sinks.iter().any(|s| &s.id == sink.get_ref()) {
            return Err(at(
                sink.span(),
                format!("no [[sink]] has the id {:?}", sink.get_ref()),
            ));
        }
        rule_sinks.push(sink.get_ref().clone());
    }
    Ok(Rule {
        title: section
            .title
            .clone()
            .unwrap_or_else(|| format!("{kind_name} rule {id}")),
        except: names_of(&section.except, "except")?,
        id,
        severity,
        kind,
        window,
        sinks: rule_sinks,
    })
}

/// Parses an AS number as `expect` writes it: `AS64500` (any case) or `ASN64500`.
pub fn parse_asn(text: &str) -> Option<u32> {
    let upper = text.trim().to_ascii_uppercase();
    let digits = upper
        .strip_prefix("ASN")
        .or_else(|| upper.strip_prefix("AS"))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn line_of_span(span: Range<usize>, at: &At<'_>) -> usize {
    match at(span, String::new()) {
        RuleError::At { line, .. } => line,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("10m"), Some(600));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("1h 30m"), Some(5400));
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn as_numbers() {
        assert_eq!(parse_asn("AS64500"), Some(64500));
        assert_eq!(parse_asn("as13335"), Some(13335));
        assert_eq!(parse_asn("ASN15169"), Some(15169));
        assert_eq!(parse_asn("AS"), None);
        assert_eq!(parse_asn("ASX1"), None);
        assert_eq!(parse_asn("asia.example"), None);
        assert_eq!(parse_asn("AS99999999999"), None);
    }

    #[test]
    fn names_are_canonical() {
        assert_eq!(
            parse_name("WWW.Example.COM"),
            parse_name("www.example.com.")
        );
        assert!(parse_name("bücher.example").is_some());
        assert!(parse_name("a b").is_none());
    }
}
