//! The configuration file of `hark run`: what to collect, where to keep it, how to serve it.
//!
//! TOML, every key checked: an unknown key or section is an error naming its line (a typo
//! never silently turns a feature off). [`EXAMPLE`] is what `hark config init` writes; the
//! tests check that it is valid. Sections:
//!
//! | section | what |
//! |---|---|
//! | `[store]` | the embedded store's directory, cache and flush age |
//! | `[api]` | the HTTP API (the same settings as `hark serve`'s flags); absent: no API |
//! | `[privacy]` | what may appear in logs |
//! | `[[dnstap]]` | a listener for dnstap emitters: unix socket, TCP or TLS |
//! | `[[capture]]` | live capture on an interface (libpcap) |
//! | `[[directory]]` | a directory whose capture, dnstap or import files are ingested as they are closed |
//! | `[watch]` | the watch rule file (`rules`); alerts are kept in the store's directory |
//! | `[intake]` | the endpoint remote sensors ship their batches to (`hark run` only) |
//! | `[sensor]` | makes the file a remote sensor's (`hark sensor`): where to ship, the spool |

use crate::cli::ServeArgs;
use anyhow::{bail, Context};
use hark_ingest::aggregate::SectionSet;
use hark_live::Endpoint;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use toml::Spanned;

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Where rows are kept.
    #[serde(default)]
    pub store: StoreSection,
    /// The HTTP API; none when absent.
    pub api: Option<ApiSection>,
    /// What logs may show.
    #[serde(default)]
    pub privacy: PrivacySection,
    /// dnstap listeners.
    #[serde(default)]
    pub dnstap: Vec<DnstapSection>,
    /// Live captures.
    #[serde(default)]
    pub capture: Vec<CaptureSection>,
    /// Spool directories of rotated capture or dnstap files.
    #[serde(default)]
    pub directory: Vec<DirectorySection>,
    /// Watch rules; none when absent.
    pub watch: Option<WatchSection>,
    /// The endpoint remote sensors ship to; none when absent.
    pub intake: Option<IntakeSection>,
    /// This is a remote sensor's file: where it ships its rows.
    pub sensor: Option<SensorSection>,
    /// Upstream passive DNS providers `hark fetch` asks, and `[[fetch]]` sources on a
    /// schedule.
    #[serde(default)]
    pub upstream: Vec<hark_upstream::UpstreamSection>,
    /// Targets `hark run` fetches from the `[[upstream]]` providers on a schedule.
    #[serde(default)]
    pub fetch: Vec<FetchSection>,
}

/// `[[fetch]]`: names and addresses asked of the upstream providers again and again, so the
/// store keeps the providers' view of them fresh beside what the sensors see.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FetchSection {
    /// A name; unique among sources.
    pub name: Spanned<String>,
    /// Names and addresses to ask about.
    pub targets: Spanned<Vec<String>>,
    /// The `[[upstream]]` ids to ask (default: every one).
    #[serde(default)]
    pub providers: Vec<String>,
    /// How often to go round the targets: `30m`, `6h`, `1d`. An answer still fresh (the
    /// provider's `fresh`) is not asked again, so a short round costs no queries.
    #[serde(default = "default_fetch_every")]
    pub every: String,
}

fn default_fetch_every() -> String {
    "1d".into()
}

impl FetchSection {
    /// Seconds between rounds.
    pub fn every_seconds(&self) -> u64 {
        hark_upstream::parse_duration(&self.every)
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(86_400)
    }
}

/// `[intake]`: the HTTP endpoint of `hark run` that remote sensors (`hark sensor`) ship
/// their batches to.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IntakeSection {
    /// Address and port. Plain HTTP unless `tls_certificate` and `tls_key` are given.
    pub listen: SocketAddr,
    /// The sensors' keys: `NAME:KEY` lines (the API's keys file format); the name is the
    /// sensor's `[sensor] name`.
    pub keys: PathBuf,
    /// Largest batch accepted, in MiB once decompressed.
    #[serde(default = "default_max_batch_mb")]
    pub max_batch_mb: u64,
    /// TLS certificate chain (PEM): the intake speaks HTTPS.
    pub tls_certificate: Option<PathBuf>,
    /// TLS private key (PEM), with `tls_certificate`.
    pub tls_key: Option<PathBuf>,
    /// CA certificates (PEM): sensors must also present a client certificate it signed
    /// (mutual TLS), on top of their keys.
    pub tls_client_ca: Option<PathBuf>,
}

impl IntakeSection {
    /// The TLS files, when the intake speaks HTTPS.
    pub fn tls(&self) -> Option<hark_live::TlsFiles> {
        Some(hark_live::TlsFiles {
            certificate: self.tls_certificate.clone()?,
            key: self.tls_key.clone()?,
            client_ca: self.tls_client_ca.clone(),
        })
    }
}

fn default_max_batch_mb() -> u64 {
    256
}

/// `[sensor]`: a remote sensor's destination and spool.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensorSection {
    /// This sensor's name, as the centre's intake keys file names it.
    pub name: String,
    /// The centre's intake, `http://host:port` or `https://host:port`.
    pub centre: String,
    /// A file holding this sensor's key (one line).
    pub key_file: PathBuf,
    /// The directory batches wait in until the centre has them.
    pub spool: PathBuf,
    /// The spool's bound in MiB: past it, new batches are dropped and counted.
    #[serde(default = "default_spool_max_mb")]
    pub spool_max_mb: u64,
    /// CA certificates (PEM) that sign the centre's certificate: a private CA. Without it an
    /// `https://` centre is verified against the Web PKI roots built into hark.
    pub tls_ca: Option<PathBuf>,
    /// This sensor's client certificate chain (PEM), for a centre that asks for one
    /// (`[intake] tls_client_ca`).
    pub tls_certificate: Option<PathBuf>,
    /// The client certificate's private key (PEM), with `tls_certificate`.
    pub tls_key: Option<PathBuf>,
}

fn default_spool_max_mb() -> u64 {
    1024
}

/// `[watch]`: the rule file whose rules see every new row and every query dnstap logs
/// (docs/watch.md); SIGHUP re-reads it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WatchSection {
    /// The rule file (relative paths start at the working directory).
    pub rules: Spanned<PathBuf>,
}

/// `[store]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// The embedded store's directory; default: `--db`, `HARK_DB`, else the user's data
    /// directory.
    pub path: Option<PathBuf>,
    /// A ClickHouse cluster to keep the rows in instead of the embedded store:
    /// `clickhouse://HOST:PORT[,HOST:PORT...]/DB?writer=NAME` (the data directory then holds
    /// only the status file). Each `hark run` writing to one cluster needs its own writer name.
    pub url: Option<String>,
    /// Memory for each source's aggregation cache, in MiB.
    pub cache_mb: usize,
    /// Seconds an observation may wait in a cache before it is committed (and queryable).
    pub flush_seconds: f64,
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            path: None,
            url: None,
            cache_mb: 128,
            flush_seconds: 2.0,
        }
    }
}

/// `[api]`: the settings `hark serve` takes as flags.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSection {
    /// Address and port.
    pub listen: SocketAddr,
    /// The keys file (`NAME:KEY` lines).
    pub keys: Option<PathBuf>,
    /// Serve without keys (loopback addresses only).
    pub no_auth: bool,
    /// The `origin` of CIRCL/COF records.
    pub origin: String,
    /// Seconds one query may run.
    pub query_timeout: u64,
    /// Most results a query returns.
    pub results_max: u64,
    /// Highest offset a query may use.
    pub offset_max: u64,
    /// Queries running at once.
    pub max_queries: usize,
    /// Client connections at once.
    pub max_connections: usize,
    /// Seconds a client has to send its request headers.
    pub header_timeout: u64,
}

impl Default for ApiSection {
    fn default() -> Self {
        ApiSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            keys: None,
            no_auth: false,
            origin: "hark".into(),
            query_timeout: hark_server::DEFAULT_QUERY_TIMEOUT.as_secs(),
            results_max: hark_server::DEFAULT_RESULTS_MAX,
            offset_max: hark_server::DEFAULT_OFFSET_MAX,
            max_queries: hark_server::DEFAULT_MAX_QUERIES,
            max_connections: hark_server::DEFAULT_MAX_CONNECTIONS,
            header_timeout: hark_server::DEFAULT_HEADER_TIMEOUT.as_secs(),
        }
    }
}

impl ApiSection {
    /// The same settings as `hark serve`'s flags.
    pub fn serve_args(&self) -> ServeArgs {
        ServeArgs {
            listen: self.listen,
            keys: self.keys.clone(),
            no_auth: self.no_auth,
            origin: self.origin.clone(),
            query_timeout: self.query_timeout,
            results_max: self.results_max,
            offset_max: self.offset_max,
            max_queries: self.max_queries,
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
            rules: None,
        }
    }
}

/// `[privacy]`. hark never reads client addresses from dnstap or captures, and rows hold no
/// address of any party; the addresses of emitters (resolvers) appear in logs only, and can
/// be hidden there too.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySection {
    /// Log emitters (resolvers) as `0.0.0.0` instead of their addresses.
    pub hide_resolver_addresses: bool,
}

/// `[[dnstap]]`: one listener.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DnstapSection {
    /// A name for logs, metrics and `hark status`; unique among sources.
    pub name: Spanned<String>,
    /// `unix:PATH`, `tcp:ADDRESS:PORT` or `tls:ADDRESS:PORT`.
    pub listen: Spanned<String>,
    /// Permissions of a unix socket, octal (the resolver's user must be able to write).
    #[serde(default = "default_socket_mode")]
    pub socket_mode: String,
    /// Also store CLIENT_RESPONSE messages (no bailiwick; they repeat the cache).
    #[serde(default)]
    pub client_responses: bool,
    /// Message sections whose records become rows.
    #[serde(default = "default_sections")]
    pub sections: String,
    /// Largest data frame kept, in KiB; larger ones are skipped and counted.
    #[serde(default = "default_max_frame_kib")]
    pub max_frame_kib: u32,
    /// Bytes of frames waiting for the store at most, in MiB.
    #[serde(default = "default_queue_mib")]
    pub queue_mib: usize,
    /// How long an emitter's connection waits for room in the queue before frames are
    /// dropped (and counted), in milliseconds.
    #[serde(default = "default_queue_wait_ms")]
    pub queue_wait_ms: u64,
    /// Emitters connected at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// TLS certificate chain (PEM), for `tls:` listeners.
    pub tls_certificate: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// CA certificates (PEM) emitters' certificates must be signed by (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
}

fn default_socket_mode() -> String {
    "0660".into()
}
fn default_sections() -> String {
    "answer,authority".into()
}
fn default_max_frame_kib() -> u32 {
    1024
}
fn default_queue_mib() -> usize {
    64
}
fn default_queue_wait_ms() -> u64 {
    1000
}
fn default_max_connections() -> usize {
    1024
}
fn default_pattern() -> String {
    "*".into()
}
fn default_settle_seconds() -> u64 {
    10
}
fn default_poll_seconds() -> u64 {
    2
}
fn default_ports() -> Vec<u16> {
    vec![53]
}
fn default_filter() -> String {
    "port 53".into()
}
fn default_bailiwick() -> String {
    "none".into()
}
fn default_buffer_mib() -> i32 {
    32
}

/// How packets are decoded, for captures live and spooled.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PacketDecoding {
    /// DNS server ports.
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
    /// Message sections whose records become rows.
    #[serde(default = "default_sections")]
    pub sections: String,
    /// Keep responses whose query was not seen (mirrored one-way traffic).
    #[serde(default)]
    pub unpaired: bool,
    /// `none`, or `reconstruct` (a resolver's upstream traffic: bailiwick from referrals).
    #[serde(default = "default_bailiwick")]
    pub bailiwick: String,
}

impl PacketDecoding {
    /// The decoding, checked; `line` names the section in errors.
    pub fn checked(&self, line: usize) -> anyhow::Result<crate::commands::ingest::Decoding> {
        let sections = SectionSet::parse(&self.sections)
            .map_err(|err| anyhow::anyhow!("line {line}: sections: {err}"))?;
        if self.ports.is_empty() {
            bail!("line {line}: ports needs at least one port");
        }
        let bailiwick = hark_ingest::bailiwick::BailiwickMode::parse(&self.bailiwick)
            .map_err(|err| anyhow::anyhow!("line {line}: bailiwick: {err}"))?;
        Ok(crate::commands::ingest::Decoding {
            extract: hark_ingest::extract::ExtractConfig {
                server_ports: self.ports.clone(),
                pair_responses: !self.unpaired,
                ..hark_ingest::extract::ExtractConfig::default()
            },
            sections,
            bailiwick,
        })
    }
}

/// `[[capture]]`: live capture on an interface, through libpcap (needs `CAP_NET_RAW`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaptureSection {
    /// A name; unique among sources.
    pub name: Spanned<String>,
    /// The interface (`eth0`, `lo`, `any`).
    pub interface: String,
    /// BPF filter (tcpdump syntax).
    #[serde(default = "default_filter")]
    pub filter: String,
    /// The kernel's capture buffer, MiB; raise it when `kernel_drops` grow.
    #[serde(default = "default_buffer_mib")]
    pub buffer_mib: i32,
    /// Promiscuous mode (a mirror port).
    #[serde(default)]
    pub promiscuous: bool,
    /// How packets are decoded.
    #[serde(flatten)]
    pub decoding: PacketDecoding,
}

/// `[[directory]]`: a spool directory of rotated files (tcpdump `-G`/`-C`, dnstap
/// collectors), each ingested once it is closed.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DirectorySection {
    /// A name; unique among sources.
    pub name: Spanned<String>,
    /// The directory.
    pub path: PathBuf,
    /// File names to take, a glob with `*` and `?` (`*.pcap*`).
    #[serde(default = "default_pattern")]
    pub pattern: String,
    /// A file is taken once its size and time have not changed for this many seconds.
    #[serde(default = "default_settle_seconds")]
    pub settle_seconds: u64,
    /// Seconds between looks at the directory.
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u64,
    /// Store dnstap CLIENT_RESPONSE messages too.
    #[serde(default)]
    pub dnstap_client_responses: bool,
    /// How captures are decoded.
    #[serde(flatten)]
    pub decoding: PacketDecoding,
}

/// A checked dnstap listener.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedDnstap {
    /// The section as written.
    pub section: DnstapSection,
    /// Its endpoint.
    pub endpoint: Endpoint,
    /// Its sections.
    pub sections: SectionSet,
    /// Its socket mode.
    pub socket_mode: u32,
}

impl RunConfig {
    /// Parses and checks `text`.
    pub fn parse(text: &str) -> anyhow::Result<RunConfig> {
        let config: RunConfig = toml::from_str(text)
            .map_err(|err| anyhow::anyhow!("{}", err.to_string().trim_end()))?;
        config.check(text)?;
        Ok(config)
    }

    /// Checks what the types cannot: unique names, endpoints, TLS files, sections, modes.
    fn check(&self, text: &str) -> anyhow::Result<()> {
        let mut names = std::collections::HashSet::new();
        let all_names = self
            .dnstap
            .iter()
            .map(|d| &d.name)
            .chain(self.capture.iter().map(|c| &c.name))
            .chain(self.directory.iter().map(|d| &d.name))
            .chain(self.fetch.iter().map(|f| &f.name));
        for name in all_names {
            if name.get_ref().trim().is_empty() {
                bail!("line {}: a source needs a name", line_of(text, name.span()));
            }
            if !names.insert(name.get_ref().clone()) {
                bail!(
                    "line {}: the name {:?} is used by another source; names must be unique",
                    line_of(text, name.span()),
                    name.get_ref()
                );
            }
        }
        for dnstap in &self.dnstap {
            dnstap.checked(text)?;
        }
        for capture in &self.capture {
            let line = line_of(text, capture.name.span());
            capture.decoding.checked(line)?;
            if !(1..=2048).contains(&capture.buffer_mib) {
                bail!("line {line}: buffer_mib must be between 1 and 2048");
            }
        }
        for directory in &self.directory {
            let line = line_of(text, directory.name.span());
            directory.decoding.checked(line)?;
            if directory.poll_seconds == 0 {
                bail!("line {line}: poll_seconds must be at least 1");
            }
        }
        if !(self.store.flush_seconds > 0.0 && self.store.flush_seconds <= 3600.0) {
            bail!("[store] flush_seconds must be between 0 and 3600");
        }
        if let Some(url) = &self.store.url {
            url.parse::<hark_store_clickhouse::Location>()
                .map_err(|err| anyhow::anyhow!("[store] url: {err}"))?;
        }
        if self.store.cache_mb == 0 {
            bail!("[store] cache_mb must be at least 1");
        }
        if let Some(api) = &self.api {
            crate::commands::serve::server_config(&api.serve_args()).context("[api]")?;
        }
        if let Some(watch) = &self.watch {
            hark_watch::rules::load(watch.rules.get_ref()).map_err(|err| {
                anyhow::anyhow!(
                    "line {}: [watch] rules: {err}",
                    line_of(text, watch.rules.span())
                )
            })?;
        }
        if let Some(sensor) = &self.sensor {
            if self.api.is_some() || self.intake.is_some() || !self.directory.is_empty() {
                bail!("a [sensor] file ships what it collects: it has no [api], [intake] or [[directory]] (run those on the centre)");
            }
            if !(sensor.centre.starts_with("http://") || sensor.centre.starts_with("https://")) {
                bail!("[sensor] centre must be an http:// or https:// URL");
            }
            if sensor.name.trim().is_empty() || sensor.name.contains(':') {
                bail!("[sensor] name must be non-empty and without ':'");
            }
            if sensor.spool_max_mb == 0 {
                bail!("[sensor] spool_max_mb must be at least 1");
            }
            if sensor.tls_certificate.is_some() != sensor.tls_key.is_some() {
                bail!("[sensor] tls_certificate and tls_key go together");
            }
            let tls_given = sensor.tls_ca.is_some() || sensor.tls_certificate.is_some();
            if tls_given && !sensor.centre.starts_with("https://") {
                bail!("[sensor] tls_ca, tls_certificate and tls_key are for an https:// centre");
            }
        }
        for fetch in &self.fetch {
            let line = line_of(text, fetch.name.span());
            if self.sensor.is_some() {
                bail!("line {line}: [[fetch]] belongs to the centre, not to a [sensor] file");
            }
            if self.upstream.is_empty() {
                bail!("line {line}: [[fetch]] needs [[upstream]] providers to ask");
            }
            if hark_upstream::parse_duration(&fetch.every).is_none_or(|s| s < 1) {
                bail!(
                    "line {line}: every = {:?}: write a duration such as \"30m\", \"6h\" or \"1d\"",
                    fetch.every
                );
            }
            let targets_line = line_of(text, fetch.targets.span());
            if fetch.targets.get_ref().is_empty() {
                bail!("line {targets_line}: targets: name at least one domain or address");
            }
            for target in fetch.targets.get_ref() {
                hark_upstream::Target::parse(target)
                    .map_err(|err| anyhow::anyhow!("line {targets_line}: targets: {err}"))?;
            }
            for id in &fetch.providers {
                if !self.upstream.iter().any(|u| &u.id == id) {
                    bail!("line {line}: providers: no [[upstream]] has id {id:?}");
                }
            }
        }
        if let Some(intake) = &self.intake {
            if intake.max_batch_mb == 0 {
                bail!("[intake] max_batch_mb must be at least 1");
            }
            if intake.tls_certificate.is_some() != intake.tls_key.is_some() {
                bail!("[intake] tls_certificate and tls_key go together");
            }
            if intake.tls_client_ca.is_some() && intake.tls_certificate.is_none() {
                bail!("[intake] tls_client_ca needs tls_certificate and tls_key");
            }
        }
        Ok(())
    }

    /// Every source's name.
    pub fn source_names(&self) -> Vec<String> {
        self.dnstap
            .iter()
            .map(|d| d.name.get_ref().clone())
            .chain(self.capture.iter().map(|c| c.name.get_ref().clone()))
            .chain(self.directory.iter().map(|d| d.name.get_ref().clone()))
            .chain(self.fetch.iter().map(|f| f.name.get_ref().clone()))
            .collect()
    }
}

impl DnstapSection {
    /// The section checked: its endpoint parsed, TLS files present for `tls:`, and so on.
    pub fn checked(&self, text: &str) -> anyhow::Result<CheckedDnstap> {
        let line = line_of(text, self.listen.span());
        let endpoint: Endpoint = self
            .listen
            .get_ref()
            .parse()
            .map_err(|err| anyhow::anyhow!("line {line}: listen: {err}"))?;
        let tls_given = self.tls_certificate.is_some() || self.tls_key.is_some();
        match (&endpoint, tls_given) {
            (Endpoint::Tls(_), _) if self.tls_certificate.is_none() || self.tls_key.is_none() => {
                bail!("line {line}: a tls: listener needs tls_certificate and tls_key")
            }
            (Endpoint::Unix(_) | Endpoint::Tcp(_), true) => {
                bail!("line {line}: tls_certificate and tls_key are for tls: listeners")
            }
            _ => {}
        }
        let sections = SectionSet::parse(&self.sections)
            .map_err(|err| anyhow::anyhow!("line {line}: sections: {err}"))?;
        let socket_mode = u32::from_str_radix(self.socket_mode.trim_start_matches("0o"), 8)
            .ok()
            .filter(|mode| *mode <= 0o777)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "line {line}: socket_mode {:?} is not an octal mode such as \"0660\"",
                    self.socket_mode
                )
            })?;
        if !(1..=65_536).contains(&self.max_frame_kib) {
            bail!("line {line}: max_frame_kib must be between 1 and 65536");
        }
        if self.queue_mib == 0 {
            bail!("line {line}: queue_mib must be at least 1");
        }
        Ok(CheckedDnstap {
            section: self.clone(),
            endpoint,
            sections,
            socket_mode,
        })
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, span: std::ops::Range<usize>) -> usize {
    text.get(..span.start)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

/// What `hark config init` writes: every section, commented.
pub const EXAMPLE: &str = r#"# hark run --config FILE: collect, keep and serve passive DNS in one process.
# `hark config check FILE` checks a file; SIGHUP makes a running hark re-read it (sources are
# added, removed or changed without a restart; [store] and [api] changes need a restart).

[store]
# The embedded store's directory (default: --db, HARK_DB, else ~/.local/share/hark).
path = "/var/lib/hark"
# Or keep the rows in a ClickHouse cluster (one HTTP address per shard; `path` then holds only
# the status file; each hark run writing to the cluster needs its own writer name):
# url = "clickhouse://10.0.0.1:8123,10.0.0.2:8123/hark?writer=sensor1"
# Memory for each source's aggregation cache, in MiB.
cache_mb = 128
# An observation is committed, and queryable, at most this many seconds after it arrives.
flush_seconds = 2

[api]
# The DNSDB v2, CIRCL and native APIs and /metrics, as `hark serve` gives them.
listen = "127.0.0.1:8080"
# NAME:KEY lines (see `hark serve --help`); or no_auth = true on a loopback address.
keys = "/etc/hark/keys"
# results_max = 1000000
# query_timeout = 30
# max_queries = 128

[privacy]
# hark never reads client addresses, and rows hold no address of any party. Emitters'
# (resolvers') addresses appear in logs only; this hides them there too.
hide_resolver_addresses = false

# A dnstap listener. Unbound:  dnstap-socket-path: "/run/hark/dnstap.sock"
#                              dnstap-log-resolver-response-messages: yes
# BIND:  dnstap { resolver response; }; dnstap-output unix "/run/hark/dnstap.sock";
# Knot Resolver, PowerDNS Recursor, dnsdist, NSD and Knot DNS can send here too.
[[dnstap]]
name = "local-resolvers"
listen = "unix:/run/hark/dnstap.sock"
# The resolver's user must be able to write to the socket.
socket_mode = "0660"
# Rows from RESOLVER_RESPONSE and AUTH_RESPONSE (bailiwick: the message's query_zone) and
# FORWARDER_RESPONSE; CLIENT_RESPONSE only with this (it repeats cached answers):
client_responses = false
sections = "answer,authority"

# Resolvers on other machines, over TLS; with tls_client_ca only those holding a
# certificate signed by it get in.
# [[dnstap]]
# name = "remote-resolvers"
# listen = "tls:0.0.0.0:6853"
# tls_certificate = "/etc/hark/tls/cert.pem"
# tls_key = "/etc/hark/tls/key.pem"
# tls_client_ca = "/etc/hark/tls/resolvers-ca.pem"

# Live capture on an interface (libpcap; needs CAP_NET_RAW). A response counts only when its
# query was seen, unless unpaired = true (a mirror port that sees one direction). For a
# resolver's upstream traffic, bailiwick = "reconstruct" learns zones from the referrals seen.
# [[capture]]
# name = "mirror-port"
# interface = "eth1"
# filter = "port 53"
# buffer_mib = 32
# promiscuous = true
# ports = [53]
# unpaired = false
# bailiwick = "none"

# A spool directory: rotated capture (pcap, pcapng), dnstap or import files (Zeek, EVE,
# passivedns, COF...), optionally gzipped, each ingested once it has not changed for
# settle_seconds. Files are recognised by their content; one read before is not counted again.
# [[directory]]
# name = "sensor-pcaps"
# path = "/var/spool/hark/pcap"
# pattern = "*.pcap*"
# settle_seconds = 10
# ports = [53]

# Watch rules (docs/watch.md): alerts from every new row and every query dnstap logs, kept in
# the store's directory (`hark alerts`), sent to the rule file's sinks. SIGHUP re-reads it;
# `hark watch check FILE` checks it.
# [watch]
# rules = "/etc/hark/rules.toml"

# Upstream passive DNS providers (docs/fetch.md), asked by `hark fetch` and by [[fetch]]
# sources on a schedule; keys from a file or the environment, never in this file.
# [[upstream]]
# id = "dnsdb"
# kind = "dnsdb"
# url = "https://api.dnsdb.info"
# key_file = "/etc/hark/dnsdb.key"
# fresh = "1d"
#
# [[fetch]]
# name = "providers"
# targets = ["corp.example", "203.0.113.10"]
# every = "6h"

# Remote sensors (`hark sensor`) ship their batches here, each with its key from this file
# (NAME:KEY lines, NAME being the sensor's [sensor] name). HTTPS with tls_certificate and
# tls_key; with tls_client_ca, sensors must also hold a certificate that CA signed.
# [intake]
# listen = "0.0.0.0:8054"
# keys = "/etc/hark/sensors.keys"
# max_batch_mb = 256
# tls_certificate = "/etc/hark/tls/intake.pem"
# tls_key = "/etc/hark/tls/intake.key"
# tls_client_ca = "/etc/hark/tls/sensors-ca.pem"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// `text` with the files the check reads (the keys `/etc/hark/keys`, the watch rules
    /// `/etc/hark/rules.toml`) replaced by real ones.
    fn with_keys(text: &str) -> (String, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        std::fs::write(&keys, "analyst:0123456789abcdef0123456789abcdef\n").unwrap();
        let rules = dir.path().join("rules.toml");
        std::fs::write(&rules, "").unwrap();
        (
            text.replace("/etc/hark/keys", &keys.display().to_string())
                .replace("/etc/hark/rules.toml", &rules.display().to_string()),
            dir,
        )
    }

    #[test]
    fn the_example_is_valid_and_says_what_it_seems_to() {
        let err = format!("{:#}", RunConfig::parse(EXAMPLE).unwrap_err());
        assert!(
            err.contains("cannot read the keys file /etc/hark/keys"),
            "a missing keys file is named: {err}"
        );
        let (example, _keys) = with_keys(EXAMPLE);
        let config = RunConfig::parse(&example).unwrap();
        assert_eq!(
            config.store.path.as_deref(),
            Some(Path::new("/var/lib/hark"))
        );
        assert_eq!(config.dnstap.len(), 1);
        let listener = config.dnstap[0].checked(&example).unwrap();
        assert_eq!(
            listener.endpoint,
            Endpoint::Unix(PathBuf::from("/run/hark/dnstap.sock"))
        );
        assert_eq!(listener.socket_mode, 0o660);
        assert_eq!(config.api.unwrap().listen.port(), 8080);
    }

    #[test]
    fn every_commented_section_of_the_example_is_valid_too() {
        // Uncomment everything (but prose lines) and check again.
        let uncommented: String = EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest
                            .split_once(" = ")
                            .is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest
                }
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (uncommented, _keys) = with_keys(&uncommented);
        let config = RunConfig::parse(&uncommented).unwrap();
        assert_eq!(config.dnstap.len(), 2);
        assert_eq!(config.capture.len(), 1);
        assert_eq!(config.capture[0].decoding.bailiwick, "none");
        assert_eq!(config.directory.len(), 1);
        assert_eq!(config.api.unwrap().max_queries, 128);
        assert_eq!(config.intake.unwrap().max_batch_mb, 256);
        assert!(config.watch.is_some());
    }

    #[test]
    fn errors_name_the_line() {
        let unknown = "[store]\ncache_mb = 1\ncahce = 2\n";
        let err = RunConfig::parse(unknown).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("cahce"), "{err}");

        let endpoint = "[[dnstap]]\nname = \"a\"\nlisten = \"udp:1.2.3.4:5\"\n";
        let err = RunConfig::parse(endpoint).unwrap_err().to_string();
        assert!(err.starts_with("line 3: listen:"), "{err}");

        let twice = "[[dnstap]]\nname = \"a\"\nlisten = \"tcp:127.0.0.1:1\"\n\n[[directory]]\nname = \"a\"\npath = \"/x\"\n";
        let err = RunConfig::parse(twice).unwrap_err().to_string();
        assert!(
            err.starts_with("line 6:") && err.contains("unique"),
            "{err}"
        );

        let tls = "[[dnstap]]\nname = \"t\"\nlisten = \"tls:127.0.0.1:1\"\n";
        let err = RunConfig::parse(tls).unwrap_err().to_string();
        assert!(err.contains("tls_certificate and tls_key"), "{err}");

        let mode = "[[dnstap]]\nname = \"m\"\nlisten = \"unix:/x\"\nsocket_mode = \"rw\"\n";
        let err = RunConfig::parse(mode).unwrap_err().to_string();
        assert!(err.contains("octal"), "{err}");

        let api = "[api]\nlisten = \"0.0.0.0:8080\"\nno_auth = true\n";
        let err = format!("{:#}", RunConfig::parse(api).unwrap_err());
        assert!(err.contains("loopback"), "{err}");
    }

    #[test]
    fn fetch_sources_name_their_mistakes() {
        let upstream = "[[upstream]]\nid = \"dnsdb\"\nkind = \"dnsdb\"\nurl = \"https://api.dnsdb.info\"\nkey_env = \"K\"\n";
        let fetch = |body: &str| format!("{upstream}[[fetch]]\nname = \"f\"\n{body}\n");
        let alone = "[[fetch]]\nname = \"f\"\ntargets = [\"example.com\"]\n";
        let err = RunConfig::parse(alone).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("[[upstream]]"),
            "{err}"
        );
        let every = fetch("targets = [\"example.com\"]\nevery = \"often\"");
        let err = RunConfig::parse(&every).unwrap_err().to_string();
        assert!(err.contains("every = \"often\""), "{err}");
        let target = fetch("targets = [\".\"]");
        let err = RunConfig::parse(&target).unwrap_err().to_string();
        assert!(err.starts_with("line 8: targets:"), "{err}");
        let provider = fetch("targets = [\"example.com\"]\nproviders = [\"vt\"]");
        let err = RunConfig::parse(&provider).unwrap_err().to_string();
        assert!(err.contains("no [[upstream]] has id \"vt\""), "{err}");
        let good = fetch("targets = [\"example.com\", \"192.0.2.1\"]\nevery = \"6h\"");
        let config = RunConfig::parse(&good).unwrap();
        assert_eq!(config.fetch[0].every_seconds(), 6 * 3600);
    }

    #[test]
    fn tls_settings_of_intake_and_sensor_come_in_working_sets() {
        let half = "[intake]\nlisten = \"127.0.0.1:1\"\nkeys = \"/k\"\ntls_certificate = \"/c\"\n";
        let err = RunConfig::parse(half).unwrap_err().to_string();
        assert!(err.contains("go together"), "{err}");
        let ca_only = "[intake]\nlisten = \"127.0.0.1:1\"\nkeys = \"/k\"\ntls_client_ca = \"/c\"\n";
        let err = RunConfig::parse(ca_only).unwrap_err().to_string();
        assert!(err.contains("tls_client_ca needs"), "{err}");
        let sensor = |centre: &str, tls: &str| {
            format!(
                "[sensor]\nname = \"e\"\ncentre = \"{centre}\"\nkey_file = \"/k\"\nspool = \"/s\"\n{tls}\n\
                 [[dnstap]]\nname = \"d\"\nlisten = \"unix:/x\"\n"
            )
        };
        let plain = sensor("http://centre:8054", "tls_ca = \"/ca.pem\"");
        let err = RunConfig::parse(&plain).unwrap_err().to_string();
        assert!(err.contains("https:// centre"), "{err}");
        let no_key = sensor("https://centre:8054", "tls_certificate = \"/c.pem\"");
        let err = RunConfig::parse(&no_key).unwrap_err().to_string();
        assert!(err.contains("go together"), "{err}");
        let good = sensor(
            "https://centre:8054",
            "tls_ca = \"/ca.pem\"\ntls_certificate = \"/c.pem\"\ntls_key = \"/c.key\"",
        );
        let config = RunConfig::parse(&good).unwrap();
        assert_eq!(
            config.sensor.unwrap().tls_ca,
            Some(PathBuf::from("/ca.pem"))
        );
    }
}
