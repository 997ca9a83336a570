//! `hark sensor`: collect where the traffic is, keep nothing locally but a spool, and ship
//! the aggregated rows to a central `hark run`.
//!
//! - the batch format (gzip NDJSON of COF rows and negative rows) and its name are
//!   [`hark_cof::batch`]'s, so the library that reads and writes COF owns them and the fuzz
//!   target `sensor_batch` can reach them; the centre takes them at [`INTAKE_PATH`].
//! - [`spool`]: the [`hark_record::Sink`] the sensor's pipelines commit into: a directory of
//!   synced batch files, bounded by bytes.
//! - [`ship`]: the thread that sends them to the centre's intake, oldest first.
//!
//! The sources are those of `hark run` (`[[dnstap]]`, `[[capture]]`), started by the same
//! code; only the sink differs. Exactness: a batch is in the spool before its commit returns
//! and leaves it only once the centre committed it (or already had it); the centre
//! recognises a batch it has by (sensor, epoch, sequence).

pub mod ship;
pub mod spool;

use crate::service::board::{self, Board};
use crate::service::config::{RunConfig, SensorSection};
use crate::service::sources::{self, RunningSource, Shared, SourceSpec};
use crate::service::{read, stop_all, Event, Signals, STATUS_EVERY};
use anyhow::{bail, Context};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The path of the centre's intake endpoint.
pub const INTAKE_PATH: &str = "/sensor/v1/batch";

/// How long a stopping sensor keeps shipping what is left before leaving it in the spool.
const LINGER: Duration = Duration::from_secs(10);

/// Runs the sensor of the file at `config_path` until SIGTERM/SIGINT.
pub fn run(config_path: &Path) -> anyhow::Result<()> {
    let text = read(config_path)?;
    let config = RunConfig::parse(&text).with_context(|| config_path.display().to_string())?;
    let Some(section) = config.sensor.clone() else {
        bail!(
            "{}: no [sensor] section (a file without one is run with `hark run`)",
            config_path.display()
        );
    };
    let specs = SourceSpec::all(&config, &text)?;
    if specs.is_empty() {
        bail!(
            "{}: no sources: add a [[dnstap]] or [[capture]] section",
            config_path.display()
        );
    }
    let key = std::fs::read_to_string(&section.key_file)
        .with_context(|| format!("cannot read the key {}", section.key_file.display()))?
        .trim()
        .to_string();
    if key.is_empty() {
        bail!("the key file {} is empty", section.key_file.display());
    }
    let spool = spool::Spool::open(&section.spool, section.spool_max_mb.saturating_mul(1 << 20))?;
    let destination = ship::Destination::new(&section.centre, key, tls_config(&section)?);
    let shipped = ship::ShipStats::default();
    let stop_shipping = AtomicBool::new(false);
    let runtime = sources::runtime()?;
    let board = Arc::new(Board::default());
    let started = jiff::Timestamp::now();
    let (shared, mut failures) = Shared::new(&spool, None, &runtime, board.clone(), &config);
    let status_path = section.spool.join(board::STATUS_FILE);
    let mut signals = runtime.block_on(async { Signals::new() })?;
    let figures = |running: bool| {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let mut status = board.status(started, None, running);
        status["sensor"] = serde_json::json!({
            "name": section.name,
            "centre": section.centre,
            "spooled": get(&spool.stats.spooled),
            "rows_spooled": get(&spool.stats.rows_spooled),
            "dropped": get(&spool.stats.dropped),
            "rows_dropped": get(&spool.stats.rows_dropped),
            "waiting": get(&spool.stats.waiting),
            "waiting_bytes": get(&spool.stats.bytes),
            "shipped": get(&shipped.shipped),
            "duplicates": get(&shipped.duplicates),
            "failures": get(&shipped.failures),
            "refused": get(&shipped.refused),
            "rejected": get(&shipped.rejected),
        });
        status
    };
    let outcome = std::thread::scope(|scope| -> anyhow::Result<()> {
        let shipper = std::thread::Builder::new()
            .name("hark-ship".into())
            .spawn_scoped(scope, || {
                ship::ship(&spool, &destination, &shipped, &stop_shipping, LINGER);
            })
            .context("cannot start a thread")?;
        let mut running: Vec<RunningSource<'_>> = Vec::new();
        let mut result = Ok(());
        for spec in specs {
            match sources::start(scope, spec, &shared) {
                Ok(source) => running.push(source),
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        if result.is_ok() {
            eprintln!(
                "hark: sensor {} running with {} source(s), shipping to {}; SIGTERM stops",
                section.name,
                running.len(),
                destination.url
            );
            result = loop {
                let event = runtime.block_on(async {
                    tokio::select! {
                        event = signals.next() => event,
                        failure = failures.recv() => Event::Failed(failure.unwrap_or_default()),
                        () = tokio::time::sleep(STATUS_EVERY) => Event::Tick,
                    }
                });
                match event {
                    Event::Tick | Event::Reload => {}
                    Event::Stop => break Ok(()),
                    Event::Failed(what) => break Err(anyhow::anyhow!("a source failed: {what}")),
                }
                if let Err(err) = board.write_status(&status_path, &figures(true)) {
                    tracing::warn!(error = %err, "cannot write the status file");
                }
            };
            eprintln!("hark: stopping: spooling what the sources read, shipping what is left");
        }
        stop_all(&mut running, &shared);
        stop_shipping.store(true, Ordering::Release);
        let _ = shipper.join();
        result
    });
    let _ = board.write_status(&status_path, &figures(false));
    outcome?;
    let left = spool.stats.waiting.load(Ordering::Relaxed);
    if left > 0 {
        eprintln!("hark: stopped; {left} batch(es) wait in the spool for the next start");
    } else {
        eprintln!("hark: stopped");
    }
    Ok(())
}

/// The TLS of the connection to the centre: the private CA of `tls_ca` in place of the Web
/// PKI roots when given, and the client certificate of `tls_certificate`/`tls_key`.
fn tls_config(section: &SensorSection) -> anyhow::Result<ureq::tls::TlsConfig> {
    use ureq::tls::{parse_pem, ClientCert, PemItem, RootCerts, TlsConfig};
    let pem_items = |path: &Path| -> anyhow::Result<Vec<PemItem<'static>>> {
        let text =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        parse_pem(&text)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{} is not valid PEM", path.display()))
    };
    let certificates = |path: &Path| -> anyhow::Result<Vec<ureq::tls::Certificate<'static>>> {
        let found: Vec<_> = pem_items(path)?
            .into_iter()
            .filter_map(|item| match item {
                PemItem::Certificate(certificate) => Some(certificate),
                _ => None,
            })
            .collect();
        if found.is_empty() {
            bail!("{} holds no PEM certificate", path.display());
        }
        Ok(found)
    };
    let mut builder = TlsConfig::builder();
    if let Some(ca) = &section.tls_ca {
        builder = builder.root_certs(RootCerts::new_with_certs(
            &certificates(ca).context("[sensor] tls_ca")?,
        ));
    }
    if let (Some(chain), Some(key)) = (&section.tls_certificate, &section.tls_key) {
        let chain = certificates(chain).context("[sensor] tls_certificate")?;
        let key = pem_items(key)
            .context("[sensor] tls_key")?
            .into_iter()
            .find_map(|item| match item {
                PemItem::PrivateKey(key) => Some(key),
                _ => None,
            })
            .with_context(|| format!("[sensor] tls_key: no private key in {}", key.display()))?;
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(builder.build())
}
