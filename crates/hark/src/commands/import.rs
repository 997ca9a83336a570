//! `hark import FORMAT FILE...`: other tools' files into the store, one source per file.

use crate::cli::{ImportArgs, ImportCommand};
use anyhow::{bail, Context};
use hark_ingest::axfr::{AxfrOptions, AxfrSource};
use hark_ingest::cof::CofSource;
use hark_ingest::ct::{self, JsonEntrySource};
use hark_ingest::dnscollector::DnsCollector;
use hark_ingest::eve::Eve;
use hark_ingest::passivedns::{PassiveDns, PassiveDnsOptions};
use hark_ingest::pipeline::PipelineOptions;
use hark_ingest::sonar::Sonar;
use hark_ingest::source::Source;
use hark_ingest::text::{LineFormat, LineSource};
use hark_ingest::zeek::Zeek;
use hark_ingest::zone::{ZoneOptions, ZoneSource};
use hark_store::{Store, Writer};
use std::io::BufRead;
use std::path::Path;

/// Standard input as a buffered reader.
fn stdin() -> Box<dyn BufRead + Send> {
    Box::new(std::io::BufReader::with_capacity(1 << 20, std::io::stdin()))
}

/// True for the path `-` (standard input).
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Imports every file of the command; prints a summary per file to stderr.
pub fn run(store: &dyn Store, command: &ImportCommand) -> anyhow::Result<()> {
    let writer = Writer::new(store);
    let common = match command {
        ImportCommand::Cof { common }
        | ImportCommand::Dnscollector { common }
        | ImportCommand::Sonar { common }
        | ImportCommand::Crtsh { common }
        | ImportCommand::Certstream { common }
        | ImportCommand::Certspotter { common }
        | ImportCommand::Eve { common }
        | ImportCommand::Passivedns { common, .. }
        | ImportCommand::Zeek { common }
        | ImportCommand::Zone { common, .. } => common,
        ImportCommand::Axfr {
            zone,
            server,
            time,
            timeout,
            max_mb,
            cache_mb,
            no_progress,
        } => {
            let mut source = axfr(zone, server, time.as_deref(), *timeout, *max_mb)?;
            let common = ImportArgs {
                files: Vec::new(),
                force: false,
                cache_mb: *cache_mb,
                max_line_kib: 0,
                strict: true,
                no_progress: *no_progress,
            };
            return run_one(&writer, &mut source, &common);
        }
    };
    if let ImportCommand::Zone { time, .. } = command {
        if time.len() > 1 && time.len() != common.files.len() {
            bail!(
                "--time was given {} times for {} files: give it once, or once per file",
                time.len(),
                common.files.len()
            );
        }
    }
    for (n, path) in common.files.iter().enumerate() {
        let mut source: Box<dyn Source> = match command {
            ImportCommand::Zone { origin, time, .. } => {
                let time = time.get(n).or(time.first());
                Box::new(zone(
                    path,
                    common,
                    origin.as_deref(),
                    time.map(String::as_str),
                )?)
            }
            ImportCommand::Zeek { .. } => lines(path, common, Zeek::default())?,
            ImportCommand::Eve { .. } => lines(path, common, Eve)?,
            ImportCommand::Dnscollector { .. } => lines(path, common, DnsCollector)?,
            ImportCommand::Sonar { .. } => lines(path, common, Sonar)?,
            ImportCommand::Certstream { .. } => lines(path, common, ct::Ct::CertStream)?,
            ImportCommand::Crtsh { .. } => entries(path, common, ct::Ct::CrtSh)?,
            ImportCommand::Certspotter { .. } => entries(path, common, ct::Ct::CertSpotter)?,
            ImportCommand::Passivedns {
                delimiter, fields, ..
            } => {
                let options = PassiveDnsOptions {
                    delimiter: delimiter.clone(),
                    fields: fields.clone(),
                    strict: common.strict,
                };
                lines(path, common, PassiveDns::new(options))?
            }
            _ => Box::new(cof(path, common)?),
        };
        run_one(&writer, source.as_mut(), common)?;
    }
    Ok(())
}

fn axfr(
    zone: &str,
    server: &str,
    time: Option<&str>,
    timeout: u64,
    max_mb: u64,
) -> anyhow::Result<AxfrSource> {
    use std::net::ToSocketAddrs;
    let now = crate::times::now();
    let time = match time {
        Some(text) => crate::times::parse_time(text, now).context("--time")?,
        None => now,
    };
    let zone_wire = hark_dns::name::from_presentation(zone)
        .with_context(|| format!("{zone:?} is not a zone name"))?;
    let host = server.strip_prefix('@').unwrap_or(server);
    let address = host
        .parse::<std::net::SocketAddr>()
        .ok()
        .or_else(|| {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            bare.parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| std::net::SocketAddr::new(ip, 53))
        })
        .map(Ok)
        .unwrap_or_else(|| {
            let with_port = if host.contains(':') {
                host.to_string()
            } else {
                format!("{host}:53")
            };
            with_port
                .to_socket_addrs()
                .with_context(|| format!("cannot resolve the server {host:?}"))?
                .next()
                .with_context(|| format!("the server {host:?} has no address"))
        })?;
    AxfrSource::connect(AxfrOptions {
        zone: zone_wire,
        server: address,
        time,
        timeout: std::time::Duration::from_secs(timeout.max(1)),
        max_bytes: max_mb.saturating_mul(1024 * 1024),
    })
    .with_context(|| format!("cannot connect to {address} for the transfer of {zone}"))
}

/// Runs one source with the common flags; a strict import, or one that cannot go on (a zone
/// whose name is unknown), fails when the source stops early.
pub fn run_one(
    writer: &Writer<'_>,
    source: &mut dyn Source,
    common: &ImportArgs,
) -> anyhow::Result<()> {
    let options = PipelineOptions {
        cache_bytes: common.cache_mb.max(1) * 1024 * 1024,
        force: common.force,
        ..PipelineOptions::default()
    };
    let report = super::run_source(
        writer,
        source,
        &options,
        super::InputKind::Import,
        common.no_progress,
    )?;
    if !report.complete {
        if let Some(stopped) = &report.source.stopped {
            if common.strict || stopped.contains("--origin") {
                bail!("{stopped}");
            }
        }
    }
    Ok(())
}

fn cof(path: &Path, common: &ImportArgs) -> anyhow::Result<CofSource> {
    let source = if is_stdin(path) {
        CofSource::from_reader(stdin(), "stdin")
    } else {
        CofSource::open(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(source
        .with_max_line(common.max_line_kib.max(1) * 1024)
        .with_strict(common.strict))
}

/// A line-based import of `path` (or stdin) in `format`.
fn lines<F: LineFormat + 'static>(
    path: &Path,
    common: &ImportArgs,
    format: F,
) -> anyhow::Result<Box<dyn Source>> {
    let source = if is_stdin(path) {
        LineSource::with_reader(stdin(), "stdin", format, common.strict)
    } else {
        LineSource::open_with(path, format, common.strict)
            .with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(Box::new(source))
}

/// A JSON-array import (crt.sh, Cert Spotter) of `path` (or stdin) in `format`.
fn entries<F: LineFormat + 'static>(
    path: &Path,
    common: &ImportArgs,
    format: F,
) -> anyhow::Result<Box<dyn Source>> {
    let source = if is_stdin(path) {
        JsonEntrySource::with_reader(stdin(), "stdin", format, common.strict)
    } else {
        JsonEntrySource::open_with(path, format, common.strict)
            .with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(Box::new(source))
}

fn zone(
    path: &Path,
    common: &ImportArgs,
    origin: Option<&str>,
    time: Option<&str>,
) -> anyhow::Result<ZoneSource> {
    let now = crate::times::now();
    let time = match time {
        Some(text) => crate::times::parse_time(text, now).context("--time")?,
        None if is_stdin(path) => now,
        None => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(now, |d| i64::try_from(d.as_secs()).unwrap_or(now)),
    };
    let origin = origin
        .map(|text| {
            hark_dns::name::from_presentation(text)
                .with_context(|| format!("--origin {text:?} is not a domain name"))
        })
        .transpose()?;
    let options = ZoneOptions {
        origin,
        time,
        strict: common.strict,
    };
    if is_stdin(path) {
        return Ok(ZoneSource::from_reader(stdin(), "stdin", options));
    }
    ZoneSource::open(path, options).with_context(|| format!("cannot read {}", path.display()))
}
