//! The command line: every subcommand and flag, with the help text users read.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hark_ingest::gzip::ExpansionLimit;
use std::path::PathBuf;

/// hark — a self-hosted passive DNS database.
///
/// hark reads DNS answers from packet captures and dnstap files (and COF/NDJSON exports of
/// other passive DNS systems), keeps one row per (rrname, rrtype, rdata, bailiwick) with first
/// seen, last seen and count, and answers lookups the way dnsdbq does.
///
/// Examples:
///   hark ingest traffic.pcap.gz
///   hark lookup rrset '*.example.com/A'
///   hark lookup rdata ip 192.0.2.0/24 --last-after 30d
///   hark lookup rdata name ns1.example.net --json
#[derive(Parser, Debug)]
#[command(name = "hark", version, max_term_width = 100, verbatim_doc_comment)]
pub struct Cli {
    /// Data directory of the store [default: the user's data dir, e.g. ~/.local/share/hark].
    #[arg(long, global = true, env = "HARK_DB", value_name = "DIR")]
    pub db: Option<PathBuf>,

    /// The store: a directory (the embedded store, as --db), or a ClickHouse cluster,
    /// `clickhouse://HOST:PORT[,HOST:PORT...]/DB[?writer=NAME&partial=1&cluster=NAME]` with one
    /// HTTP address per shard in the cluster's shard order (see docs/scale-out.md).
    #[arg(long, global = true, env = "HARK_STORE", value_name = "DIR|URL")]
    pub store: Option<String>,

    /// Log more (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read DNS responses from capture files (pcap, pcapng) and dnstap files, optionally
    /// gzip-compressed, into the store.
    ///
    /// Captures: every response sent from a DNS server port whose query was captured (same
    /// addresses and ports reversed, same ID and question; over TCP, a query on the same
    /// connection) is parsed; unpaired responses are skipped and counted (unpaired_response),
    /// which keeps spoofed answers out. --unpaired takes every response (mirrored one-way
    /// traffic). Tunnels are taken apart: VLAN/QinQ, PPPoE, MPLS, GRE, ERSPAN, VXLAN, GENEVE.
    /// Each RR of the chosen sections becomes an observation of its row. --bailiwick
    /// reconstruct (captures of a resolver's upstream traffic) gives rows the zone their
    /// server was delegated, learnt from the referrals seen; see docs/capture.md.
    ///
    /// dnstap (Frame Streams files, e.g. from fstrm_capture; recognised by their first frame,
    /// whatever their name): RESOLVER_RESPONSE and AUTH_RESPONSE messages make rows whose
    /// bailiwick is the message's query_zone, and every record whose owner is not at or below
    /// that zone is dropped and counted (out_of_bailiwick): a poisoned record stays out.
    /// FORWARDER_RESPONSE messages make rows without bailiwick; CLIENT_RESPONSE messages only
    /// with --dnstap-client-responses; queries none. A row's time is the response time.
    ///
    /// Truncated (TC=1) answers add nothing. NXDOMAIN and NODATA answers are kept as negative
    /// rows. A file whose content was ingested before is refused unless --force.
    ///
    /// Rows are committed together with how far into the file they reach: if hark is killed,
    /// the same command again resumes after the last commit and counts nothing twice. A file
    /// cut short (a capture still being written, a truncated .gz) is not marked as ingested;
    /// the complete file later resumes where the short one stopped. So is a dnstap file cut
    /// mid-frame or without its STOP frame, and a .gz stopped by --max-gzip-ratio; the same
    /// file with a higher limit resumes where it stopped.
    #[command(verbatim_doc_comment)]
    Ingest(IngestArgs),

    /// Capture DNS responses live from a network interface into the store, until SIGINT or
    /// SIGTERM; then flush, print a summary and exit 0.
    ///
    /// Decoding is that of `hark ingest` for capture files (tunnels, IP fragments, TCP
    /// streams, pairing of responses with their queries, --bailiwick). Rows are committed at
    /// least every --flush-secs, so they are queryable while the capture runs. Kernel and
    /// interface drops (libpcap's counters) are in the summary as kernel_drops and
    /// interface_drops; raise --buffer-mb when kernel_drops grow.
    ///
    /// Needs CAP_NET_RAW (and CAP_NET_ADMIN with --promiscuous): run as root, or
    /// `setcap cap_net_raw,cap_net_admin=eip $(command -v hark)`.
    ///
    /// Example:
    ///   hark capture -i eth0 --filter 'port 53 and host 192.0.2.53'
    #[command(verbatim_doc_comment)]
    Capture(CaptureArgs),

    /// Look rows up by owner name (rrset), by what they point at (rdata), or negative answers.
    Lookup {
        /// What to look up.
        #[command(subcommand)]
        what: LookupCommand,
    },

    /// Write every RR row as COF NDJSON (one JSON object a line) to stdout.
    ///
    /// Fields: rrname, rrtype, rdata (strings), time_first, time_last, count (integers),
    /// zone_time_first/zone_time_last when known from zone files, bailiwick when known.
    /// `hark import cof` reads it back. With --negatives, the NXDOMAIN/NODATA rows instead
    /// (qname, qtype, rcode, time_first, time_last, count).
    #[command(verbatim_doc_comment)]
    Export {
        /// Write the negative rows instead of the RR rows.
        #[arg(long)]
        negatives: bool,
    },

    /// Merge rows from other systems' exports into the store.
    Import {
        /// The format to read.
        #[command(subcommand)]
        format: ImportCommand,
    },

    /// Serve the store over HTTP: the DNSDB API v2 (dnsdbq, dnsdb2) and the CIRCL pDNS API (pypdns).
    ///
    /// Paths: /dnsdb/v2/... (lookup, summarize, regex/glob flex search, rate_limit, ping),
    /// /pdns/query/Q (CIRCL), /api/v1/... (hark's JSON API; /api/openapi.json describes it),
    /// /metrics (Prometheus text format, no key needed: counts only, never data).
    ///
    /// DNSDB clients send their key in `X-API-Key`; CIRCL clients use HTTP Basic auth with the
    /// key's name as user and the key as password. Without --keys the server only starts on a
    /// loopback address, and only with --no-auth.
    ///
    /// Keys file: one key a line, `NAME:KEY` or `NAME:sha256:HEX`, optionally followed by
    /// `:` and the key's limits, comma-separated:
    ///   limit=N          at most N queries per UTC day (resets at midnight UTC)
    ///   burst=N/SECS     at most N queries in each SECS-second window
    ///   results_max=N    most results per query (replaces --results-max)
    ///   offset_max=N     highest offset (replaces --offset-max)
    /// e.g. `carol:8d1c77aa:limit=1000,burst=10/60,results_max=100000,offset_max=30000`.
    /// A query over the quota or the burst gets 429; lookups carry X-RateLimit-Limit,
    /// X-RateLimit-Remaining and X-RateLimit-Reset, and /dnsdb/v2/rate_limit reports them.
    /// Counters are kept in memory.
    ///
    /// Examples:
    ///   hark serve --listen 127.0.0.1:8080 --no-auth
    ///   hark serve --listen 0.0.0.0:443 --keys /etc/hark/keys
    ///   DNSDB_SERVER=http://127.0.0.1:8080 DNSDB_API_KEY=x dnsdbq -r www.example.com
    ///   curl -H 'X-API-Key: x' 'http://127.0.0.1:8080/dnsdb/v2/regex/rrnames/%5C._dmarc%5C./TXT'
    ///   curl -H 'X-API-Key: x' 'http://127.0.0.1:8080/api/v1/lookup/rdata/ip/192.0.2.0,24'
    #[command(verbatim_doc_comment)]
    Serve(ServeArgs),

    /// Map a domain's infrastructure from the history: the whole recon report.
    ///
    /// Subdomains (live, stale, gone), the address history of every name and when hosting
    /// moved, who else sat on each address (shared hosting and CDNs flagged), name servers
    /// (provider or own, and the zones sharing the own ones), mail providers and their changes,
    /// SPF/DMARC/DKIM/MTA-STS/BIMI and SaaS verification tokens (with the other domains
    /// carrying the same token), takeover candidates with their evidence, and recent changes.
    /// Nothing is queried: every answer comes from the store.
    ///
    /// With --bulk, reads one domain, address, CIDR or range a line (from a file, or - for
    /// stdin) and writes one JSON object a line: {"input":..., "kind":"domain"|"pivot",
    /// "result":...} or {"input":..., "error":...}.
    ///
    /// Examples:
    ///   hark recon example.com
    ///   hark recon example.com --format html > example.html
    ///   hark recon --bulk targets.txt > results.ndjson
    ///   hark intel mx example.com        (one question at a time: see `hark intel --help`)
    #[command(verbatim_doc_comment)]
    Recon(ReconArgs),

    /// One recon question at a time (the parts of `hark recon`).
    Intel {
        /// The question.
        #[command(subcommand)]
        question: IntelCommand,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text, global = true)]
        format: ReportFormat,
    },

    /// Ask upstream passive DNS providers (DNSDB, CIRCL, SecurityTrails, VirusTotal) about
    /// names or addresses, and merge their answers into the store.
    ///
    /// Providers are the `[[upstream]]` sections of the config file (keys from key_file or
    /// key_env, never the command line). Each answer is committed with a checkpoint naming
    /// its source (upstream:ID:TARGET; `hark stats` lists the providers); a target asked of a
    /// provider within its `fresh` window (default 1d) is not asked again; a later answer
    /// adds only what the provider's counts grew by. See docs/fetch.md.
    ///
    /// Example config:
    ///   `[[upstream]]`
    ///   `id = "dnsdb"`
    ///   `kind = "dnsdb"              # dnsdb | circl | securitytrails | virustotal`
    ///   `url = "https://api.dnsdb.info"`
    ///   `key_file = "/etc/hark/dnsdb.key"`
    ///   `fresh = "1d"`
    ///
    /// Examples:
    ///   hark fetch --config hark.toml www.example.com 192.0.2.1
    ///   hark fetch --config hark.toml --provider dnsdb --force example.com
    #[command(verbatim_doc_comment)]
    Fetch {
        /// The config file holding the `[[upstream]]` sections.
        #[arg(long, env = "HARK_CONFIG", value_name = "FILE")]
        config: PathBuf,
        /// Ask only these providers (their ids); default: every one.
        #[arg(long, value_name = "ID")]
        provider: Vec<String>,
        /// Ask even when the last answer is still fresh.
        #[arg(long)]
        force: bool,
        /// Names or addresses.
        #[arg(value_name = "TARGET", required = true)]
        targets: Vec<String>,
    },

    /// Show what the store holds: rows, names, rows per type, negative rows, disk size.
    Stats {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },

    /// Collect, keep and serve in one process, as a configuration file says: dnstap
    /// listeners (unix sockets, TCP, TLS), spool directories of rotated captures, the store
    /// and the HTTP API.
    ///
    /// Start with `hark config init > hark.toml`, edit, check with `hark config check
    /// hark.toml`. New rows are committed (and queryable) within `[store]` flush_seconds (2 s).
    /// A source that outruns the store drops and counts (dnstap frames wait up to
    /// queue_wait_ms for room first); files wait. Per-source counters are on /metrics and in
    /// `hark status`.
    ///
    /// Signals: SIGTERM/SIGINT commit what was read and stop; SIGHUP re-reads the file and
    /// starts, stops or restarts the sources whose sections changed (`[store]` and `[api]`
    /// changes need a restart; a file that does not check is refused and the running
    /// configuration kept).
    ///
    /// Privacy: client addresses are never read, and rows hold no address of any party.
    #[command(verbatim_doc_comment)]
    Run {
        /// The configuration file (TOML).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: PathBuf,
    },

    /// Run as a remote sensor: collect with the `[[dnstap]]` and `[[capture]]` sections of a
    /// configuration file, aggregate, and ship the rows to a central `hark run` as compressed
    /// batches (its `[intake]`), with this sensor's key.
    ///
    /// The file has a `[sensor]` section instead of `[api]`: `name` (as the centre's intake keys
    /// file names this sensor), `centre` (`http://host:port` or `https://host:port` of the centre's `[intake]`),
    /// `key_file` (this sensor's key), `spool` (the directory batches wait in) and
    /// `spool_max_mb` (1024: past it, new batches are dropped and counted); for an `https://`
    /// centre, `tls_ca` (a private CA's certificates, in place of the Web PKI roots) and
    /// `tls_certificate`/`tls_key` (a client certificate, when the centre asks for one).
    /// docs/run.md has an example.
    ///
    /// Every batch is written to the spool (synced) before it is shipped and removed only once
    /// the centre committed it; a batch sent again after an interruption is recognised by
    /// the centre (sensor, epoch, sequence) and never counted twice. When the centre is away
    /// the sensor keeps collecting into the spool and resumes shipping by itself.
    /// `[store] flush_seconds` sets how often batches are cut. Status: SPOOL/run-status.json.
    #[command(verbatim_doc_comment)]
    Sensor {
        /// The configuration file (TOML).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: PathBuf,
    },

    /// Write an example configuration for `hark run`, or check one.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigCommand,
    },

    /// Operate the store: create or upgrade a ClickHouse schema, check a cluster.
    Store {
        /// What to do.
        #[command(subcommand)]
        action: StoreCommand,
    },

    /// Show what a running `hark run` is doing: its sources, their counters, drops, skips.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },

    /// Check a watch rule file, or try rules on captures before deploying them.
    ///
    /// Rules (canary, intel, new-name, record-change, new-domain, lookalike, posture,
    /// takeover-risk, zone-transfer) raise alerts from the rows each commit makes new and
    /// from the queries dnstap logs; see docs/watch.md. `hark ingest --rules FILE` and
    /// `[watch] rules` in `hark run` apply them.
    #[command(verbatim_doc_comment)]
    Watch {
        /// What to do.
        #[command(subcommand)]
        action: WatchCommand,
    },

    /// List the alerts watch rules raised (newest last), follow them, or acknowledge one.
    ///
    /// Examples:
    ///   hark alerts --state new --severity high
    ///   hark alerts --follow
    ///   hark alerts ack 3f2a9c0d12ab34ef
    #[command(verbatim_doc_comment)]
    Alerts(AlertsArgs),
}

/// `hark watch` actions.
#[derive(Subcommand, Debug)]
pub enum WatchCommand {
    /// Check a rule file: every key, name, network, list and sink, errors with their line.
    Check {
        /// The rule file (TOML).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Replay captures or dnstap files into a scratch store with the rules and print the
    /// alerts they raise (NDJSON with --json). Nothing is kept and no sink is called.
    Test {
        /// The rule file.
        #[arg(value_name = "RULES")]
        rules: PathBuf,
        /// Captures, dnstap files or imports, as `hark ingest` takes them.
        #[arg(required = true, value_name = "CAPTURE")]
        files: Vec<PathBuf>,
        /// One JSON object per alert.
        #[arg(long)]
        json: bool,
    },
}

/// Flags of `hark alerts`.
#[derive(Args, Debug)]
pub struct AlertsArgs {
    /// Acknowledge or resolve an alert.
    #[command(subcommand)]
    pub action: Option<AlertAction>,
    /// Only alerts of this rule.
    #[arg(long)]
    pub rule: Option<String>,
    /// Only alerts at least this severe (info, low, medium, high, critical).
    #[arg(long)]
    pub severity: Option<String>,
    /// Only alerts in this state (new, acknowledged, resolved).
    #[arg(long)]
    pub state: Option<String>,
    /// Only alerts seen since this time (RFC 3339, or epoch seconds).
    #[arg(long)]
    pub since: Option<String>,
    /// One JSON object per alert.
    #[arg(long)]
    pub json: bool,
    /// Print the alerts as one document instead: a MISP event or a STIX 2.1 bundle.
    #[arg(long, value_name = "misp|stix", conflicts_with_all = ["json", "follow"])]
    pub export: Option<String>,
    /// Keep printing alerts as they are raised or change, until interrupted.
    #[arg(long)]
    pub follow: bool,
}

/// What to do with one alert.
#[derive(Subcommand, Debug)]
pub enum AlertAction {
    /// Mark an alert acknowledged.
    Ack {
        /// The alert's id.
        id: String,
    },
    /// Mark an alert resolved (a new finding then opens a new alert).
    Resolve {
        /// The alert's id.
        id: String,
    },
}

/// `hark store` actions.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Create the ClickHouse tables, or bring them up to this hark's schema version, on every
    /// shard (--store clickhouse://...). The embedded store migrates itself when opened.
    Migrate,
    /// Report each shard's rows and parts per table, merges running, batches staged, and
    /// commits recorded but not applied; fails naming a shard that does not answer.
    Check {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `hark config` actions.
#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print a commented example configuration with every section.
    Init,
    /// Check a configuration as `hark run` would, naming the line of each error.
    Check {
        /// The file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Flags of `hark ingest`.
#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Capture files (pcap, µs or ns, or pcapng) or dnstap files (Frame Streams), optionally
    /// gzip-compressed; detected by content. Text imports are recognised by their first line
    /// too (COF, Zeek dns.log, Suricata EVE, passivedns, zone files at their modification
    /// time) and read with `hark import`'s defaults.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// dnstap: also store CLIENT_RESPONSE messages (rows without bailiwick). They repeat the
    /// resolver's cached answers; by default only what it learned from upstream is stored.
    #[arg(long)]
    pub dnstap_client_responses: bool,

    /// How packets are decoded.
    #[command(flatten)]
    pub decode: DecodeArgs,

    /// Ingest a file even if a file with the same content was ingested before (counts twice).
    #[arg(long)]
    pub force: bool,

    /// Aggregation cache and commits.
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    /// Never draw a progress bar (it is drawn only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// Watch rules (docs/watch.md) applied to the rows this ingest makes new and to the
    /// queries dnstap files log; alerts go to the store's alert log and the file's sinks.
    #[arg(long, value_name = "FILE", env = "HARK_RULES")]
    pub rules: Option<PathBuf>,

    /// Stop reading a .gz file once its data expands more than N times the compressed bytes
    /// read so far: a gzip bomb. DNS captures expand 2-15 times, a bomb about 1000 times.
    /// 0 = no limit. A file stopped this way keeps what was read before the stop and is not
    /// marked as ingested: the same command with a higher N resumes where it stopped.
    #[arg(long, default_value_t = ExpansionLimit::DEFAULT_MAX_RATIO, value_name = "N", verbatim_doc_comment)]
    pub max_gzip_ratio: u64,

    /// Check --max-gzip-ratio only after this many MiB were decompressed, so small files that
    /// compress very well always pass.
    #[arg(long, default_value_t = ExpansionLimit::DEFAULT_CHECK_AFTER >> 20, value_name = "MIB")]
    pub gzip_ratio_after_mib: u64,
}

/// Flags of packet decoding, shared by `hark ingest` (capture files) and `hark capture`.
#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// Message sections whose RRs become rows: a comma-separated list of answer, authority,
    /// additional, or `all`.
    #[arg(long, default_value = "answer,authority", value_name = "LIST")]
    pub sections: String,

    /// UDP/TCP ports DNS servers answer from (comma-separated).
    #[arg(
        long,
        default_value = "53",
        value_delimiter = ',',
        value_name = "PORTS"
    )]
    pub ports: Vec<u16>,

    /// Captures: take every response, even when its query was not captured (mirrored
    /// one-way traffic). By default a response counts only if its query was seen.
    #[arg(long)]
    pub unpaired: bool,

    /// Captures: `none` (rows have no bailiwick), or `reconstruct` (a resolver's upstream
    /// traffic: rows get the zone their server serves, learnt from referrals, root hints
    /// preloaded; records no zone of their server covers are dropped as out_of_bailiwick).
    #[arg(long, default_value = "none", value_name = "MODE", value_parser = ["none", "reconstruct"])]
    pub bailiwick: String,
}

/// Flags of the pipeline, shared by `hark ingest` and `hark capture`.
#[derive(Args, Debug)]
pub struct PipelineArgs {
    /// Memory budget of the aggregation cache in MiB; when full it is flushed to the store.
    #[arg(long, default_value_t = 512, value_name = "MIB")]
    pub cache_mb: usize,

    /// Commit what the cache holds at least this often (seconds), so rows become queryable
    /// and durable while a long input is read or a capture runs.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub flush_secs: f64,
}

/// Flags of `hark capture`.
#[derive(Args, Debug)]
pub struct CaptureArgs {
    /// The interface to capture on (eth0, lo, any).
    #[arg(short = 'i', long, value_name = "IFACE")]
    pub interface: String,

    /// BPF filter (tcpdump syntax).
    #[arg(long, default_value = "port 53", value_name = "BPF")]
    pub filter: String,

    /// Bytes kept of each packet.
    #[arg(long, default_value_t = 65_535, value_name = "BYTES")]
    pub snaplen: i32,

    /// The kernel's capture buffer in MiB; raise it when kernel_drops grow.
    #[arg(long, default_value_t = 32, value_name = "MIB")]
    pub buffer_mb: i32,

    /// Put the interface in promiscuous mode (a mirror port; needs CAP_NET_ADMIN).
    #[arg(long)]
    pub promiscuous: bool,

    /// How packets are decoded.
    #[command(flatten)]
    pub decode: DecodeArgs,

    /// Aggregation cache and commits.
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl IngestArgs {
    /// The gzip expansion limit the flags ask for.
    pub fn gzip_limit(&self) -> ExpansionLimit {
        ExpansionLimit {
            max_ratio: self.max_gzip_ratio,
            check_after: self.gzip_ratio_after_mib.saturating_mul(1024 * 1024),
        }
    }
}

/// Flags of `hark serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,

    /// Keys file: one `NAME:KEY` (or `NAME:sha256:HEX`) a line, optionally with
    /// `:limit=N,burst=N/SECS,results_max=N,offset_max=N`; `#` comments.
    #[arg(long, value_name = "FILE", conflicts_with = "no_auth")]
    pub keys: Option<PathBuf>,

    /// Serve without keys; allowed only on a loopback address.
    #[arg(long)]
    pub no_auth: bool,

    /// The `origin` URI put on every CIRCL/COF record.
    #[arg(long, default_value = "hark", value_name = "URI")]
    pub origin: String,

    /// Time limit of one query, in seconds; the answer then ends with a failure.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub query_timeout: u64,

    /// Most results one query returns (what `limit=0` asks for).
    #[arg(long, default_value_t = hark_server::DEFAULT_RESULTS_MAX, value_name = "N")]
    pub results_max: u64,

    /// Highest `offset` a query may use (416 above it).
    #[arg(long, default_value_t = hark_server::DEFAULT_OFFSET_MAX, value_name = "N")]
    pub offset_max: u64,

    /// Most queries running at once; more are answered 503 (retry shortly).
    #[arg(long, default_value_t = hark_server::DEFAULT_MAX_QUERIES, value_name = "N")]
    pub max_queries: usize,

    /// Most client connections open at once; more wait until one closes. Capped by the
    /// process's open-file limit, which hark raises to the hard limit.
    #[arg(long, default_value_t = hark_server::DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,

    /// Seconds a client has to send a request's headers before its connection is closed.
    #[arg(long, default_value_t = hark_server::DEFAULT_HEADER_TIMEOUT.as_secs(), value_name = "SECS")]
    pub header_timeout: u64,

    /// A watch rule file (docs/watch.md) whose watched names, zones and canaries the web UI
    /// shows at /ui/watch. `hark serve` runs no rules: `hark ingest --rules` and `hark run` do.
    #[arg(long, value_name = "FILE", env = "HARK_RULES")]
    pub rules: Option<PathBuf>,
}

/// Flags every `hark import` format shares.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files to read, plain or gzip-compressed; `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Import a file even if a file with the same content was imported before.
    #[arg(long)]
    pub force: bool,
    /// Memory budget of the merge cache in MiB.
    #[arg(long, default_value_t = 512, value_name = "MIB")]
    pub cache_mb: usize,
    /// Longest line accepted, in KiB; a longer line is skipped (and counted) unread.
    #[arg(long, default_value_t = 1024, value_name = "KIB")]
    pub max_line_kib: usize,
    /// Stop at the first line that cannot be used (what came before it stays stored, and the
    /// file is not marked as imported), instead of counting it as a skip and going on.
    #[arg(long)]
    pub strict: bool,
    /// Never draw a progress bar (it is drawn only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

/// `hark import` formats.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// COF NDJSON: CIRCL pDNS output, `dnsdbq -j` output, DNSDB SAF lines, `hark export`.
    ///
    /// rrtype may be a name or a number, rdata a string or an array (an RRset: one row per
    /// element), times epoch seconds or RFC 3339. Rows are merged with the store's rule (min
    /// first, max last, sum count).
    #[command(verbatim_doc_comment)]
    Cof {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// DNS zone files (RFC 1035 master files): each record becomes a row with the zone as
    /// bailiwick and a zone time (zone_time_first/zone_time_last), not a sensor time.
    ///
    /// $ORIGIN, $TTL, $INCLUDE (relative to the file), relative names, @, parentheses,
    /// comments, escapes and every type hark reads, plus \# for any type. The zone is
    /// --origin, else the file's first $ORIGIN, else the owner of its first record if that is
    /// its SOA. Records outside the zone are skipped and counted.
    ///
    /// Import successive snapshots of a zone in any order, each at its own --time: each
    /// record's zone_time_first is the first snapshot that had it and zone_time_last the last
    /// one; count is the number of snapshots that had it.
    ///
    /// Examples:
    ///   hark import zone example.com.zone --time 2024-06-01T00:00:00Z
    ///   hark import zone --origin example.com db.example
    #[command(verbatim_doc_comment)]
    Zone {
        #[command(flatten)]
        common: ImportArgs,
        /// The zone (and the origin of relative names), if the file does not say.
        #[arg(long, value_name = "NAME")]
        origin: Option<String>,
        /// When the snapshot was taken (epoch seconds, RFC 3339, a date or an age) [default:
        /// the file's modification time; now for stdin]. Given once, it applies to every
        /// file; given once per file, the Nth --time goes with the Nth file.
        #[arg(long, value_name = "TIME")]
        time: Vec<String>,
    },
    /// Zeek dns.log, TSV (the #fields header says the columns) or JSON lines (ts as epoch
    /// seconds or ISO 8601), detected from the first line.
    ///
    /// Zeek logs answers without their owners or types: a CNAME chain is read in answer order
    /// and its addresses go to the chain's last name, never to the query name; answers whose
    /// shape is ambiguous, and MX/SRV/SOA answers (Zeek keeps one field of them), are counted
    /// skips. NXDOMAIN answers become negative rows. Rows have no bailiwick. See docs/imports.md.
    #[command(verbatim_doc_comment)]
    Zeek {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// Suricata EVE JSON: the `dns` events (v1, one event per answer; v2, detailed answers
    /// and grouped; v3, Suricata 8's queries/answers/authorities/additionals). Other events
    /// are counted and left.
    ///
    /// Detailed answers keep their own owners (a record behind a CNAME is stored under its
    /// name). The grouped form has no owners: used only when it holds the question's type
    /// alone, a counted skip otherwise. NXDOMAIN responses become negative rows. Rows have no
    /// bailiwick. See docs/imports.md.
    #[command(verbatim_doc_comment)]
    Eve {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// gamelinux/passivedns logs: its delimited text (default `||` and fields SMcsCQTAtn) or
    /// its JSON lines (-j).
    ///
    /// Lines are deltas (passivedns prints a record's sightings since its last print): each
    /// line's count is added. NXDOMAIN lines become negative rows. MX, SRV, SOA and TXT lines
    /// hold one field of the rdata only: counted skips, never stored with wrong rdata. Client
    /// and server addresses are not stored. See docs/imports.md.
    #[command(verbatim_doc_comment)]
    Passivedns {
        #[command(flatten)]
        common: ImportArgs,
        /// Field delimiter of the text form (passivedns -d).
        #[arg(long, default_value = "||", value_name = "TEXT")]
        delimiter: String,
        /// Field letters of the text form, in order (passivedns -f).
        #[arg(long, default_value = hark_ingest::passivedns::DEFAULT_FIELDS, value_name = "LETTERS")]
        fields: String,
    },
    /// go-dnscollector (DNS-collector) JSON: one DNS message a line. Answer and authority
    /// records become rows under their own names, with `query-zone` as bailiwick when given
    /// (records outside it dropped); NXDOMAIN and NODATA become negative rows.
    #[command(verbatim_doc_comment)]
    Dnscollector {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// Rapid7 Project Sonar FDNS and RDNS JSON lines (epoch-string timestamps, lowercase
    /// types); RDNS owners become in-addr.arpa / ip6.arpa names. MX values without their
    /// preference are counted skips.
    #[command(verbatim_doc_comment)]
    Sonar {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// crt.sh JSON: the array `crt.sh/?q=%25.example.com&output=json` returns (or
    /// one entry a line). Every name of `name_value` (and `common_name`) becomes a
    /// certificate-name row (name, issuer_name, first/last seen, count), not a DNS row;
    /// wildcards (*.example.com) are kept as such. Seen from not_before to not_after.
    ///
    /// Examples:
    ///   `curl -s 'https://crt.sh/?q=%25.example.com&output=json' > example.json`
    ///   hark import crtsh example.json
    #[command(verbatim_doc_comment)]
    Crtsh {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// CertStream messages, one JSON message a line (certstream-server's full stream):
    /// certificate_update messages give data.leaf_cert.all_domains with the issuer, seen
    /// from not_before to not_after (else at data.seen); heartbeats are counted and left.
    #[command(verbatim_doc_comment)]
    Certstream {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// Cert Spotter (SSLMate API v1) issuances: the JSON array /v1/issuances returns (or
    /// one issuance a line), dns_names with the issuer's name (expand=issuer), seen from
    /// not_before to not_after.
    ///
    /// Example:
    ///   `curl -s 'https://api.certspotter.com/v1/issuances?domain=example.com&include_subdomains=true&expand=dns_names&expand=issuer' > issuances.json`
    ///   hark import certspotter issuances.json
    #[command(verbatim_doc_comment)]
    Certspotter {
        #[command(flatten)]
        common: ImportArgs,
    },
    /// A zone transfer (AXFR over TCP) from a server that allows it: the records become rows
    /// exactly as `hark import zone` makes them from the zone's file, at the transfer's time.
    ///
    /// The transfer must start and end with the zone's SOA; a refusal, a timeout or a
    /// connection closed early is an error (what arrived before stays stored; run again).
    ///
    /// Examples:
    ///   hark import axfr example.com @ns1.example.com
    ///   hark import axfr example.test @127.0.0.1:5300
    #[command(verbatim_doc_comment)]
    Axfr {
        /// The zone to transfer.
        #[arg(value_name = "ZONE")]
        zone: String,
        /// The server: @HOST or @HOST:PORT (port 53 by default; `[ADDR]:PORT` for IPv6).
        #[arg(value_name = "@SERVER[:PORT]")]
        server: String,
        /// Snapshot time [default: now].
        #[arg(long, value_name = "TIME")]
        time: Option<String>,
        /// Seconds to wait for the connection and for each read.
        #[arg(long, default_value_t = 30, value_name = "SECS")]
        timeout: u64,
        /// Largest transfer accepted, in MiB.
        #[arg(long, default_value_t = 4096, value_name = "MIB")]
        max_mb: u64,
        /// Memory budget of the merge cache in MiB.
        #[arg(long, default_value_t = 512, value_name = "MIB")]
        cache_mb: usize,
        /// Never draw a progress bar.
        #[arg(long)]
        no_progress: bool,
    },
}

/// `hark lookup` kinds.
#[derive(Subcommand, Debug)]
pub enum LookupCommand {
    /// Rows by owner name: NAME[/TYPE[/BAILIWICK]].
    ///
    /// NAME may carry a left wildcard (`*.example.com`: every name below example.com) or a
    /// right wildcard (`www.example.*`: www.example under any suffix). TYPE is a mnemonic
    /// (A, MX, TYPE65534), ANY (every type but DNSSEC ones, as in DNSDB) or ANY-DNSSEC;
    /// without TYPE, every type. The same grammar as DNSDB's lookup/rrset/name paths.
    ///
    /// Examples:
    ///   hark lookup rrset www.example.com
    ///   hark lookup rrset '*.example.com/MX'
    ///   hark lookup rrset example.com/NS/com
    #[command(verbatim_doc_comment)]
    Rrset {
        /// NAME[/TYPE[/BAILIWICK]]
        #[arg(value_name = "NAME[/TYPE[/BAILIWICK]]")]
        query: String,
        #[command(flatten)]
        common: LookupArgs,
    },
    /// Rows by what their rdata holds.
    Rdata {
        /// Match an address or a name.
        #[command(subcommand)]
        by: RdataCommand,
    },
    /// Negative answers (NXDOMAIN, NODATA) by question name: NAME[/TYPE].
    Negative {
        /// NAME[/TYPE]; NAME may carry a wildcard as in rrset lookups.
        #[arg(value_name = "NAME[/TYPE]")]
        query: String,
        #[command(flatten)]
        common: LookupArgs,
    },
    /// Names seen in certificates (`hark import crtsh|certstream|certspotter`), with their
    /// issuers: NAME exactly, *.DOMAIN for every name below it (wildcard certificate names
    /// included), or LEADING.* ; a stored wildcard name alone is `\*.DOMAIN` (quoted).
    Cert {
        /// The name or pattern.
        #[arg(value_name = "NAME")]
        query: String,
        #[command(flatten)]
        common: LookupArgs,
    },
}

/// `hark lookup rdata` kinds.
#[derive(Subcommand, Debug)]
pub enum RdataCommand {
    /// A/AAAA rows whose address is ADDR, in a CIDR (192.0.2.0/24, 2001:db8::/32) or in a
    /// range (192.0.2.10-192.0.2.20).
    #[command(verbatim_doc_comment)]
    Ip {
        /// ADDR, ADDR/PREFIX or LOW-HIGH.
        #[arg(value_name = "ADDR|CIDR|LO-HI")]
        query: String,
        #[command(flatten)]
        common: LookupArgs,
    },
    /// Rows whose rdata names NAME: NS, CNAME, DNAME and PTR targets, MX exchanges, SRV, SVCB
    /// and HTTPS targets. `*.cloudfront.net` finds everything pointing into cloudfront.net.
    /// NAME[/TYPE] restricts the type.
    #[command(verbatim_doc_comment)]
    Name {
        /// NAME[/TYPE]
        #[arg(value_name = "NAME[/TYPE]")]
        query: String,
        #[command(flatten)]
        common: LookupArgs,
    },
}

/// Flags of `hark recon`.
#[derive(Args, Debug)]
pub struct ReconArgs {
    /// The domain to map.
    #[arg(required_unless_present = "bulk", value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Read targets (domains, addresses, CIDRs, ranges) one a line from FILE (- for stdin)
    /// and write NDJSON.
    #[arg(long, value_name = "FILE", conflicts_with = "domain")]
    pub bulk: Option<PathBuf>,
    /// AS numbers and organisations from this iptoasn.com TSV (ip2asn-combined.tsv[.gz]).
    #[arg(long, value_name = "FILE")]
    pub asn_db: Option<PathBuf>,
    /// ACTIVE: ask this resolver (ADDR or ADDR:PORT) whether each remembered record still
    /// resolves. Sends one query per name and type; off by default.
    #[arg(long, value_name = "RESOLVER")]
    pub verify: Option<String>,
    /// Names from certificates: a Certificate Transparency export (crt.sh JSON, an array or
    /// one object a line), added to the subdomains.
    #[arg(long, value_name = "FILE")]
    pub certs: Option<PathBuf>,
}

/// `hark intel` questions.
#[derive(Subcommand, Debug)]
pub enum IntelCommand {
    /// Every A/AAAA a name had, as periods, and when hosting moved.
    History {
        /// The name.
        name: String,
        /// Every name below it too.
        #[arg(long)]
        subdomains: bool,
    },
    /// Every name seen on an address, CIDR (192.0.2.0/24) or range (LOW-HIGH), with each
    /// address's fan-out in registrable domains; shared hosting and CDNs are flagged.
    Pivot {
        /// Address, CIDR or range.
        target: String,
    },
    /// A domain's name servers, provider or own, and the zones that share its own.
    Ns {
        /// The domain.
        domain: String,
    },
    /// The mail provider behind each MX of a domain, and how it changed.
    Mx {
        /// The domain.
        domain: String,
    },
    /// SPF (includes followed), DMARC, DKIM selectors, MTA-STS, TLS-RPT, BIMI, verification tokens.
    Txt {
        /// The domain.
        domain: String,
    },
    /// Every name at or below a domain: first/last seen, live, stale or gone, what it pointed to.
    Subdomains {
        /// The domain.
        domain: String,
        /// Names from certificates too: a crt.sh JSON export.
        #[arg(long, value_name = "FILE")]
        certs: Option<PathBuf>,
    },
    /// Dangling CNAMEs into takeover-prone services, and NS delegations to dead domains.
    Takeover {
        /// The domain.
        domain: String,
    },
    /// Hosting, CDN, cloud, DNS, mail and SaaS in use, and the networks behind the addresses.
    Profile {
        /// The domain.
        domain: String,
        /// AS numbers and organisations from this iptoasn.com TSV (ip2asn-combined.tsv[.gz]).
        #[arg(long, value_name = "FILE")]
        asn_db: Option<PathBuf>,
    },
    /// The infrastructure map: names, addresses, NS, MX and CNAME edges, for graph tools.
    Graph {
        /// The domain.
        domain: String,
        /// Graph format (the global --format does not apply).
        #[arg(long = "as", value_enum, default_value_t = GraphFormat::Dot)]
        graph_format: GraphFormat,
    },
    /// Every record that appeared or disappeared at or below a domain, in time order.
    Changes {
        /// The domain.
        domain: String,
        /// Only changes at or after this time (epoch, RFC 3339, YYYY-MM-DD, or 30d ago).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only changes at or before this time.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
}

/// Graph export formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// GraphML (Gephi, yEd, networkx).
    Graphml,
    /// JSON: nodes and edges.
    Json,
}

/// How reports are printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Plain text for a terminal.
    Text,
    /// One JSON document.
    Json,
    /// Markdown.
    Markdown,
    /// A standalone HTML page.
    Html,
}

/// How lookup results are printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// dnsdbq-style text blocks.
    Text,
    /// COF NDJSON, one object a line.
    Json,
    /// CSV with a header line.
    Csv,
}

/// Flags shared by every lookup.
#[derive(Args, Debug)]
pub struct LookupArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Shorthand for --format json (COF NDJSON).
    #[arg(short = 'j', long, conflicts_with = "format")]
    pub json: bool,

    /// At most this many rows; 0 for no limit.
    #[arg(short = 'l', long, default_value_t = 10_000)]
    pub limit: u64,

    /// Only rows first seen at or after TIME. TIME is epoch seconds, a date
    /// (2024-06-01, 2024-06-01T12:00:00Z) or an age (90m, 12h, 7d, 2w, 1y).
    #[arg(long, value_name = "TIME", verbatim_doc_comment)]
    pub first_after: Option<String>,

    /// Only rows first seen at or before TIME.
    #[arg(long, value_name = "TIME")]
    pub first_before: Option<String>,

    /// Only rows last seen at or after TIME (e.g. `--last-after 30d`: still seen lately).
    #[arg(long, value_name = "TIME")]
    pub last_after: Option<String>,

    /// Only rows last seen at or before TIME.
    #[arg(long, value_name = "TIME")]
    pub last_before: Option<String>,
}

impl LookupArgs {
    /// The output format chosen.
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}
