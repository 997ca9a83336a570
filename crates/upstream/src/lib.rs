//! hark-upstream: `hark fetch`, passive DNS from the providers an analyst already pays for,
//! merged into the store beside the local history.
//!
//! A [`Provider`] is one `[[upstream]]` section of the config ([`UpstreamSection`]): its kind
//! ([`Kind`]: DNSDB API v2, CIRCL pDNS, SecurityTrails v1, VirusTotal v3), base URL and key
//! (from a file or an environment variable, never the command line). [`fetch_into`] asks it
//! about a [`Target`] (a name or an address) and commits the answer as rows through a
//! [`hark_record::Sink`], with a checkpoint naming the source (`upstream:ID:TARGET`), so
//! `hark status` lists what came from where and when.
//!
//! - **Freshness**: the checkpoint's position is the fetch time; a target fetched from a
//!   provider less than `fresh` ago is not asked again (unless forced), across runs.
//! - **Counts are not doubled**: providers answer totals, not deltas, so a refetch commits
//!   only what each count grew by since the answer before, kept in a state file per (provider,
//!   target). The new state is written as `.pending` before the commit and promoted after it;
//!   a run that finds a pending file promotes it when the store holds its checkpoint and drops
//!   it otherwise, so a crash anywhere counts nothing twice.
//! - **Quotas**: DNSDB's `rate_limit` endpoint is read first and an exhausted quota is an
//!   error (with its reset time); an HTTP 429 from any provider is waited out (`Retry-After`,
//!   else a doubling pause), at most [`MAX_RETRIES`] times.
//!
//! What each provider's answer becomes:
//! - DNSDB: SAF lines (`rrset/name/NAME`, `rdata/ip/ADDR`), rows as given (COF objects).
//! - CIRCL: COF NDJSON (`/pdns/query/X`), rows as given.
//! - SecurityTrails: `history/NAME/dns/{a,aaaa,mx,ns,txt}` periods, every page: one row per
//!   value and type, seen from the period's `first_seen` to its `last_seen` (days, 00:00 UTC),
//!   one observation per period. SOA periods name only the mailbox and are left out;
//!   addresses are not asked (SecurityTrails' address search gives no times).
//! - VirusTotal: `domains/NAME/resolutions` or `ip_addresses/ADDR/resolutions`, every page
//!   (`cursor`): one A or AAAA row per resolution, at its `date`, one observation each.
//!
//! It is not: a store, nor a server; it speaks to providers over HTTP (ureq) and hands rows to
//! a sink.
//!
//! ```no_run
//! use hark_upstream::{fetch_into, FetchOptions, Provider, Target, UpstreamSection};
//! # fn run(sink: &dyn hark_record::Sink) -> Result<(), Box<dyn std::error::Error>> {
//! let sections: Vec<UpstreamSection> = hark_upstream::read_config("hark.toml".as_ref())?;
//! let provider = Provider::new(&sections[0])?;
//! let target = Target::parse("www.example.com")?;
//! let options = FetchOptions { now: 1_700_000_000, force: false, state_dir: "state".into() };
//! let report = fetch_into(sink, &provider, &target, &options)?;
//! println!("{} rows", report.rows);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod providers;
mod state;

use hark_record::{Batch, Checkpoint, RrKey, Sink, SourceId, Tally};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many times a request answered 429 is tried again.
pub const MAX_RETRIES: u32 = 5;

/// Longest answer read from a provider (one page).
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// Which API a provider speaks.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Farsight/DomainTools DNSDB API v2 (SAF), `X-API-Key`.
    Dnsdb,
    /// CIRCL passive DNS (COF NDJSON), HTTP Basic auth.
    Circl,
    /// SecurityTrails API v1, `APIKEY`.
    Securitytrails,
    /// VirusTotal API v3, `x-apikey`.
    Virustotal,
}

impl Kind {
    /// The kind as the config writes it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Dnsdb => "dnsdb",
            Kind::Circl => "circl",
            Kind::Securitytrails => "securitytrails",
            Kind::Virustotal => "virustotal",
        }
    }
}

/// One `[[upstream]]` section of the config file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSection {
    /// Its name: the source id of its rows (`upstream:ID:TARGET`) and `hark fetch --provider`.
    pub id: String,
    /// The API it speaks.
    pub kind: Kind,
    /// Base URL (`https://api.dnsdb.info`, `https://www.circl.lu`,
    /// `https://api.securitytrails.com`, `https://www.virustotal.com`).
    pub url: String,
    /// A file holding the key (first line; for CIRCL the password).
    pub key_file: Option<PathBuf>,
    /// An environment variable holding the key (when no `key_file`).
    pub key_env: Option<String>,
    /// CIRCL: the user name of the Basic credentials.
    pub user: Option<String>,
    /// How long an answer stays fresh: `30m`, `12h`, `1d`, `7d` (default `1d`).
    pub fresh: Option<String>,
    /// Most rows asked for per query (DNSDB `limit`; default 10,000).
    pub limit: Option<u64>,
    /// Seconds one request may take (default 60).
    pub timeout: Option<u64>,
}

/// Why a provider could not be used or answered badly.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The config is wrong.
    #[error("upstream {id}: {reason}")]
    Config {
        /// The section.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// The target is neither a name nor an address.
    #[error("{0:?} is neither a domain name nor an address")]
    Target(String),
    /// The provider refused or failed.
    #[error("{provider}: {url}: {reason}")]
    Http {
        /// The provider id.
        provider: String,
        /// The URL asked (without the key).
        url: String,
        /// What happened.
        reason: String,
    },
    /// The provider's answer could not be read.
    #[error("{provider}: unreadable answer: {reason}")]
    Answer {
        /// The provider id.
        provider: String,
        /// What was wrong.
        reason: String,
    },
    /// DNSDB says the key's quota is used up.
    #[error("{provider}: quota exhausted (resets at {reset}); try again later")]
    Quota {
        /// The provider id.
        provider: String,
        /// When it resets, as the provider says.
        reset: String,
    },
    /// The store refused the rows.
    #[error("storing the rows failed: {0}")]
    Sink(hark_record::SinkError),
    /// The state directory could not be used.
    #[error("state file {path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
}

/// Reads the `[[upstream]]` sections of a config file (other sections are `hark run`'s).
pub fn read_config(path: &Path) -> Result<Vec<UpstreamSection>, FetchError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        upstream: Vec<UpstreamSection>,
    }
    let bad = |reason: String| FetchError::Config {
        id: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|err| bad(err.to_string()))?;
    let file: File = toml::from_str(&text).map_err(|err| bad(err.to_string()))?;
    Ok(file.upstream)
}

/// A name or an address to ask about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A domain name: its text without the final dot, lowercase.
    Name(String),
    /// An address.
    Address(IpAddr),
}

impl Target {
    /// An address, else a domain name.
    pub fn parse(text: &str) -> Result<Target, FetchError> {
        let text = text.trim();
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(Target::Address(address));
        }
        let wire = hark_dns::name::from_presentation(text)
            .map_err(|_| FetchError::Target(text.to_string()))?;
        let mut name = String::new();
        hark_dns::name::to_presentation(&wire, &mut name)
            .map_err(|_| FetchError::Target(text.to_string()))?;
        if name == "." {
            return Err(FetchError::Target(text.to_string()));
        }
        Ok(Target::Name(name.trim_end_matches('.').to_string()))
    }

    /// The target as text.
    pub fn text(&self) -> String {
        match self {
            Target::Name(name) => name.clone(),
            Target::Address(address) => address.to_string(),
        }
    }
}

/// A provider ready to be asked: its section, key and HTTP agent.
pub struct Provider {
    /// Its section.
    pub section: UpstreamSection,
    key: String,
    fresh: i64,
    agent: ureq::Agent,
}

/// Reads `30m`, `12h`, `1d`, `45s` as seconds (also `hark run`'s `[[fetch]] every`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let number: i64 = number.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(unit)
}

impl Provider {
    /// Checks the section and reads its key.
    pub fn new(section: &UpstreamSection) -> Result<Provider, FetchError> {
        let bad = |reason: &str| FetchError::Config {
            id: section.id.clone(),
            reason: reason.to_string(),
        };
        if section.id.is_empty()
            || !section
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad("id: use letters, digits, '-', '_' and '.'"));
        }
        if !(section.url.starts_with("http://") || section.url.starts_with("https://")) {
            return Err(bad("url must start with http:// or https://"));
        }
        let key = match (&section.key_file, &section.key_env) {
            (Some(path), _) => std::fs::read_to_string(path)
                .map_err(|err| bad(&format!("key_file {}: {err}", path.display())))?
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
            (None, Some(variable)) => std::env::var(variable)
                .map_err(|_| bad(&format!("key_env: ${variable} is not set")))?
                .trim()
                .to_string(),
            (None, None) => return Err(bad("give key_file or key_env")),
        };
        if key.is_empty() {
            return Err(bad("the key is empty"));
        }
        if section.kind == Kind::Circl && section.user.is_none() {
            return Err(bad(
                "a circl provider needs `user` (the key is the password)",
            ));
        }
        if section.kind != Kind::Circl && section.user.is_some() {
            return Err(bad("`user` is for circl providers only"));
        }
        let fresh = match &section.fresh {
            Some(text) => {
                parse_duration(text).ok_or_else(|| bad("fresh: a duration such as 30m, 12h, 1d"))?
            }
            None => 86_400,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(
                section.timeout.unwrap_or(60).max(1),
            )))
            .http_status_as_error(false)
            .user_agent("hark-fetch")
            .build()
            .into();
        Ok(Provider {
            section: section.clone(),
            key,
            fresh,
            agent,
        })
    }

    /// The source id of what it says about `target`.
    pub fn source(&self, target: &Target) -> SourceId {
        SourceId(format!("upstream:{}:{}", self.section.id, target.text()).into_bytes())
    }

    /// The base URL without a final slash.
    fn base(&self) -> &str {
        self.section.url.trim_end_matches('/')
    }

    fn error(&self, url: &str, reason: impl Into<String>) -> FetchError {
        FetchError::Http {
            provider: self.section.id.clone(),
            url: url.to_string(),
            reason: reason.into(),
        }
    }

    fn unreadable(&self, reason: impl Into<String>) -> FetchError {
        FetchError::Answer {
            provider: self.section.id.clone(),
            reason: reason.into(),
        }
    }

    /// GETs `url` with the provider's credentials; `Ok(None)` for 404 (nothing known).
    /// A 429 is waited out (`Retry-After`, else 1, 2, 4... seconds), at most
    /// [`MAX_RETRIES`] times.
    fn get(&self, url: &str, accept: &str) -> Result<Option<String>, FetchError> {
        let mut pause = Duration::from_secs(1);
        for attempt in 0..=MAX_RETRIES {
            let request = self.agent.get(url).header("accept", accept);
            let request = match self.section.kind {
                Kind::Dnsdb => request.header("x-api-key", &self.key),
                Kind::Securitytrails => request.header("apikey", &self.key),
                Kind::Virustotal => request.header("x-apikey", &self.key),
                Kind::Circl => {
                    use base64::Engine as _;
                    let user = self.section.user.as_deref().unwrap_or_default();
                    let token = base64::engine::general_purpose::STANDARD
                        .encode(format!("{user}:{}", self.key));
                    request.header("authorization", &format!("Basic {token}"))
                }
            };
            let mut response = request
                .call()
                .map_err(|err| self.error(url, err.to_string()))?;
            let status = response.status().as_u16();
            if status == 429 && attempt < MAX_RETRIES {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(pause, |s| Duration::from_secs(s.min(300)));
                tracing::warn!(provider = %self.section.id, wait_s = wait.as_secs_f64(), "429: waiting before asking again");
                std::thread::sleep(wait);
                pause = (pause * 2).min(Duration::from_secs(60));
                continue;
            }
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_ANSWER_BYTES)
                .read_to_string()
                .map_err(|err| self.error(url, format!("reading the answer: {err}")))?;
            return match status {
                200 => Ok(Some(body)),
                404 => Ok(None),
                _ => {
                    let excerpt: String = body.chars().take(200).collect();
                    Err(self.error(url, format!("HTTP {status}: {excerpt}")))
                }
            };
        }
        Err(self.error(url, "still 429 after every retry"))
    }
}

/// How to fetch.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Now, epoch seconds (the fetch time recorded).
    pub now: i64,
    /// Ask even when the last answer is still fresh.
    pub force: bool,
    /// Where the previous answers are kept (per provider and target).
    pub state_dir: PathBuf,
}

/// What one fetch did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// The answer was fresh: not asked again. When it was fetched.
    pub fresh_since: Option<i64>,
    /// Rows in the provider's answer.
    pub rows: usize,
    /// Requests made.
    pub requests: u32,
    /// Rows the store did not hold before, when the sink knows.
    pub new_rows: Option<u64>,
    /// What the provider's answer left out (a note for the user), if anything.
    pub note: Option<String>,
}

/// The provider's answer about a target: rows (with the provider's totals), requests made and
/// a note.
pub(crate) struct Answer {
    rows: Vec<(RrKey, Tally)>,
    requests: u32,
    note: Option<String>,
}

/// Asks `provider` about `target` (unless its last answer is still fresh) and commits what its
/// counts grew by since the last answer, with a checkpoint naming the source.
pub fn fetch_into(
    sink: &dyn Sink,
    provider: &Provider,
    target: &Target,
    options: &FetchOptions,
) -> Result<FetchReport, FetchError> {
    let source = provider.source(target);
    let files = state::Files::new(&options.state_dir, &provider.section.id, target);
    let recorded = sink.checkpoint(&source).map_err(FetchError::Sink)?;
    files.settle(recorded.as_ref().map(|c| c.position as i64))?;
    if let Some(last) = recorded.filter(|c| c.done) {
        let at = last.position as i64;
        if !options.force && options.now < at.saturating_add(provider.fresh) {
            return Ok(FetchReport {
                fresh_since: Some(at),
                ..FetchReport::default()
            });
        }
    }
    let answer = providers::ask(provider, target)?;
    let before = files.previous()?;
    let mut counts = state::Counts::default();
    let mut rows = Vec::with_capacity(answer.rows.len());
    for (key, tally) in &answer.rows {
        let had = before.get(key.as_bytes());
        counts.insert(key.as_bytes(), tally.count);
        rows.push((
            key.clone(),
            Tally {
                count: tally.count.saturating_sub(had),
                ..*tally
            },
        ));
    }
    // Counts that vanished from the answer are kept: a later answer is measured against the
    // largest total seen.
    counts.keep_missing(&before);
    files.write_pending(options.now, &counts)?;
    let checkpoint = Checkpoint {
        source,
        position: u64::try_from(options.now).unwrap_or(0),
        done: true,
        options: 0,
        bytes: 0,
        note: format!(
            "{} ({}) {}: {} rows",
            provider.section.id,
            provider.section.kind.name(),
            target.text(),
            answer.rows.len()
        ),
    };
    let committed = sink
        .commit(Batch {
            rows,
            checkpoints: vec![checkpoint],
            ..Batch::default()
        })
        .map_err(FetchError::Sink)?;
    files.promote()?;
    Ok(FetchReport {
        fresh_since: None,
        rows: answer.rows.len(),
        requests: answer.requests,
        new_rows: committed.new_rows,
        note: answer.note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_durations() {
        assert_eq!(
            Target::parse("WWW.Example.com.").unwrap(),
            Target::Name("www.example.com".into())
        );
        assert_eq!(
            Target::parse("2001:db8::1").unwrap(),
            Target::Address("2001:db8::1".parse().unwrap())
        );
        assert!(Target::parse(".").is_err());
        assert!(Target::parse("a..b").is_err());
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("1w"), None);
        assert_eq!(parse_duration("d"), None);
    }

    #[test]
    fn sections_are_checked() {
        let section = |text: &str| -> Result<Provider, FetchError> {
            let file: std::collections::BTreeMap<String, Vec<UpstreamSection>> =
                toml::from_str(text).map_err(|err| FetchError::Target(err.to_string()))?;
            Provider::new(&file["upstream"][0])
        };
        std::env::set_var("HARK_UPSTREAM_TEST_KEY", "k");
        assert!(section("[[upstream]]\nid='d'\nkind='dnsdb'\nurl='https://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\n").is_ok());
        assert!(section("[[upstream]]\nid='d'\nkind='dnsdb'\nurl='https://x'\n").is_err());
        assert!(section("[[upstream]]\nid='c'\nkind='circl'\nurl='https://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\n").is_err());
        assert!(section(
            "[[upstream]]\nid='d'\nkind='dnsdb'\nurl='ftp://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\n"
        )
        .is_err());
        assert!(section("[[upstream]]\nid='d'\nkind='dnsdb'\nurl='https://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\nfresh='soon'\n").is_err());
        assert!(section("[[upstream]]\nid='d'\nkind='pdns'\nurl='https://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\n").is_err());
        assert!(section("[[upstream]]\nid='d'\nkind='dnsdb'\nurl='https://x'\nkey_env='HARK_UPSTREAM_TEST_KEY'\napikey='no'\n").is_err());
    }
}
