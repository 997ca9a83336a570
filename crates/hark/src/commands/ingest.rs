//! `hark ingest`: capture and dnstap files, and the text imports it recognises (COF, Zeek, EVE,
//! passivedns, zone files), into the store, each recognised by its content.

use crate::cli::{DecodeArgs, IngestArgs, PipelineArgs};
use anyhow::{bail, Context};
use hark_ingest::aggregate::SectionSet;
use hark_ingest::bailiwick::BailiwickMode;
use hark_ingest::capture::CaptureError;
use hark_ingest::capture_source::CaptureSource;
use hark_ingest::dnstap::{self, Detected, DnstapOptions, DnstapSource, QueryTap};
use hark_ingest::extract::ExtractConfig;
use hark_ingest::gzip::ExpansionLimit;
use hark_ingest::pipeline::PipelineOptions;
use hark_ingest::source::Source;
use hark_ingest::text::{self, LineSource, TextFormat};
use hark_store::{Store, Writer};
use std::path::Path;
use std::sync::Arc;

/// Ingests every file, one after the other; prints a summary per file to stderr. With
/// `--rules`, watch rules see what the files add (alerts go to the log in `store_dir`).
pub fn run(store: Arc<dyn Store>, store_dir: &Path, args: &IngestArgs) -> anyhow::Result<()> {
    let Decoding {
        extract,
        sections,
        bailiwick,
    } = decoding(&args.decode)?;
    let options = PipelineOptions {
        force: args.force,
        ..pipeline_options(&args.pipeline)?
    };
    let dnstap_options = DnstapOptions {
        client_responses: args.dnstap_client_responses,
        sections,
        ..DnstapOptions::default()
    };
    let watching = match &args.rules {
        Some(rules) => Some(super::watch::Watching::start(
            store_dir,
            store.clone(),
            rules,
        )?),
        None => None,
    };
    let writer = Writer::new(&*store);
    if let Some(watching) = &watching {
        watching.attach(&writer);
    }
    let result = args.files.iter().try_for_each(|path| {
        let (mut source, kind) = open(
            path,
            &extract,
            sections,
            bailiwick,
            dnstap_options,
            args.gzip_limit(),
            watching.as_ref().map(super::watch::Watching::tap),
        )
        .with_context(|| format!("{}", path.display()))?;
        super::run_source(&writer, source.as_mut(), &options, kind, args.no_progress).map(|_| ())
    });
    if let Some(watching) = watching {
        watching.stop();
    }
    result
}

/// Opens `path` as the source its first bytes say it is: dnstap (Frame Streams) or a capture;
/// the queries a dnstap file logs, and the zone-transfer answers of either, go to `query_tap`.
pub fn open(
    path: &Path,
    extract: &ExtractConfig,
    sections: SectionSet,
    bailiwick: BailiwickMode,
    dnstap_options: DnstapOptions,
    gzip_limit: ExpansionLimit,
    query_tap: Option<QueryTap>,
) -> anyhow::Result<(Box<dyn Source>, super::InputKind)> {
    match dnstap::detect(path).context("cannot read it")? {
        Detected::Dnstap => {
            let source =
                DnstapSource::open(path, dnstap_options, gzip_limit)?.with_query_tap(query_tap);
            Ok((Box::new(source), super::InputKind::Dnstap))
        }
        Detected::OtherFrameStreams(content_type) => bail!(
            "a Frame Streams file of content type {content_type:?}; hark reads dnstap \
             (protobuf:dnstap.Dnstap) and packet captures"
        ),
        Detected::Other => {
            match CaptureSource::open_with_limit(path, extract.clone(), sections, gzip_limit) {
                Ok(source) => Ok((
                    Box::new(
                        source
                            .with_bailiwick(bailiwick)
                            .with_transfer_tap(query_tap),
                    ),
                    super::InputKind::Capture,
                )),
                Err(err @ CaptureError::NotACapture { .. }) if dnstap::named_like_dnstap(path) => {
                    Err(anyhow::Error::new(err).context(
                        "named like a dnstap file, but it does not start with a Frame Streams \
                         START frame: is it cut at its start, or not written by a dnstap \
                         collector (fstrm_capture, dnstap -w)?",
                    ))
                }
                Err(CaptureError::NotACapture { .. })
                    if text::detect(path).ok().flatten().is_some() =>
                {
                    open_text(path)
                }
                Err(err) => Err(err.into()),
            }
        }
    }
}

/// Opens a text import recognised by its first line (COF, Zeek, EVE, passivedns, zone file)
/// with the defaults of `hark import` (a zone file at its modification time).
fn open_text(path: &Path) -> anyhow::Result<(Box<dyn Source>, super::InputKind)> {
    use hark_ingest::{cof, ct, dnscollector, eve, passivedns, sonar, zeek, zone};
    let format = text::detect(path)?.context("not a format hark recognises")?;
    let source: Box<dyn Source> = match format {
        TextFormat::Cof => Box::new(cof::CofSource::open(path)?),
        TextFormat::Zeek => Box::new(LineSource::open_with(path, zeek::Zeek::default(), false)?),
        TextFormat::Eve => Box::new(LineSource::open_with(path, eve::Eve, false)?),
        TextFormat::DnsCollector => Box::new(LineSource::open_with(
            path,
            dnscollector::DnsCollector,
            false,
        )?),
        TextFormat::Sonar => Box::new(LineSource::open_with(path, sonar::Sonar, false)?),
        TextFormat::CertStream => Box::new(LineSource::open_with(path, ct::Ct::CertStream, false)?),
        TextFormat::CrtSh => Box::new(ct::JsonEntrySource::open_with(path, ct::Ct::CrtSh, false)?),
        TextFormat::CertSpotter => Box::new(ct::JsonEntrySource::open_with(
            path,
            ct::Ct::CertSpotter,
            false,
        )?),
        TextFormat::PassiveDns => Box::new(LineSource::open_with(
            path,
            passivedns::PassiveDns::new(passivedns::PassiveDnsOptions::default()),
            false,
        )?),
        TextFormat::Zone => {
            let time = std::fs::metadata(path)?
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            let options = zone::ZoneOptions {
                time,
                ..zone::ZoneOptions::default()
            };
            Box::new(zone::ZoneSource::open(path, options)?)
        }
    };
    Ok((source, super::InputKind::Import))
}

/// How packets are decoded, from the flags.
pub struct Decoding {
    /// Ports, reassembly limits, pairing.
    pub extract: ExtractConfig,
    /// Sections whose records become rows.
    pub sections: SectionSet,
    /// How rows get their bailiwick.
    pub bailiwick: BailiwickMode,
}

/// Reads the decoding flags shared by `hark ingest` and `hark capture`.
pub fn decoding(args: &DecodeArgs) -> anyhow::Result<Decoding> {
    let sections = SectionSet::parse(&args.sections)
        .map_err(anyhow::Error::msg)
        .context("--sections")?;
    if args.ports.is_empty() {
        bail!("--ports needs at least one port");
    }
    let bailiwick = BailiwickMode::parse(&args.bailiwick)
        .map_err(anyhow::Error::msg)
        .context("--bailiwick")?;
    Ok(Decoding {
        extract: ExtractConfig {
            server_ports: args.ports.clone(),
            pair_responses: !args.unpaired,
            ..ExtractConfig::default()
        },
        sections,
        bailiwick,
    })
}

/// Pipeline options from the cache and flush flags.
pub fn pipeline_options(args: &PipelineArgs) -> anyhow::Result<PipelineOptions> {
    if !(args.flush_secs > 0.0 && args.flush_secs.is_finite()) {
        bail!("--flush-secs must be a positive number of seconds");
    }
    Ok(PipelineOptions {
        cache_bytes: args.cache_mb.max(1) * 1024 * 1024,
        flush_after: std::time::Duration::from_secs_f64(args.flush_secs),
        ..PipelineOptions::default()
    })
}
