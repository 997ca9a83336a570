//! Printing rows: dnsdbq-style text, COF NDJSON and CSV.

use crate::cli::Format;
use crate::times::format_time;
use hark_record::rcode;
use hark_store::{NegativeRow, Row};
use serde_json::{json, Map, Value};
use std::io::Write;

/// The presentation form of a canonical name (trailing dot, escapes).
pub fn name_text(wire: &[u8]) -> String {
    hark_cof::name_text(wire)
}

/// The COF object of one RR row: rrname, rrtype, rdata (a string), times, count, bailiwick.
pub fn cof_object(row: &Row) -> Map<String, Value> {
    hark_cof::object(row, &hark_cof::Style::EXPORT)
}

/// Writes rows in one format, keeping what a format needs between rows (the CSV header).
pub struct RowWriter<W: Write> {
    out: W,
    format: Format,
    header_written: bool,
}

impl<W: Write> RowWriter<W> {
    /// A writer printing `format` to `out`.
    pub fn new(out: W, format: Format) -> Self {
        RowWriter {
            out,
            format,
            header_written: false,
        }
    }

    /// Prints one RR row.
    pub fn row(&mut self, row: &Row) -> std::io::Result<()> {
        let obj = cof_object(row);
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.out, &obj)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => {
                let fields = [
                    "rrname",
                    "rrtype",
                    "rdata",
                    "time_first",
                    "time_last",
                    "count",
                    "bailiwick",
                    "zone_time_first",
                    "zone_time_last",
                ];
                self.csv_record(&fields, &obj)
            }
            Format::Text => {
                let text = |key: &str| {
                    obj.get(key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                self.text_times(&row.tally)?;
                match obj.get("bailiwick").and_then(Value::as_str) {
                    Some(b) => writeln!(self.out, ";; count: {}; bailiwick: {b}", row.tally.count)?,
                    None => writeln!(self.out, ";; count: {}", row.tally.count)?,
                }
                writeln!(
                    self.out,
                    "{}  {}  {}\n",
                    text("rrname"),
                    text("rrtype"),
                    text("rdata")
                )
            }
        }
    }

    /// Prints one negative row.
    pub fn negative(&mut self, row: &NegativeRow) -> std::io::Result<()> {
        let obj = hark_cof::negative_object(row, false);
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.out, &obj)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => self.csv_record(
                &[
                    "qname",
                    "qtype",
                    "rcode",
                    "time_first",
                    "time_last",
                    "count",
                ],
                &obj,
            ),
            Format::Text => {
                self.text_times(&row.tally)?;
                writeln!(self.out, ";; count: {}", row.tally.count)?;
                writeln!(
                    self.out,
                    "{}  {}  {}\n",
                    name_text(&row.key.qname),
                    row.key.qtype,
                    rcode::negative_kind(row.key.rcode)
                )
            }
        }
    }

    /// Writes one certificate-name row.
    pub fn cert(&mut self, row: &hark_store::CertRow) -> std::io::Result<()> {
        let obj = hark_cof::cert_object(row, false);
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut self.out, &obj)?;
                self.out.write_all(b"\n")
            }
            Format::Csv => self.csv_record(
                &[
                    "name",
                    "issuer",
                    "wildcard",
                    "time_first",
                    "time_last",
                    "count",
                ],
                &obj,
            ),
            Format::Text => {
                if let Some(seen) = row.tally.seen {
                    writeln!(
                        self.out,
                        ";; certificate times: {} .. {}",
                        format_time(seen.first),
                        format_time(seen.last)
                    )?;
                }
                writeln!(self.out, ";; certificates: {}", row.tally.count)?;
                writeln!(
                    self.out,
                    "{}  issuer: {}\n",
                    name_text(&row.key.name),
                    row.key.issuer
                )
            }
        }
    }

    /// The `;; record times` / `;; zone times` header lines of a text block.
    fn text_times(&mut self, tally: &hark_record::Tally) -> std::io::Result<()> {
        if let Some(seen) = tally.seen {
            writeln!(
                self.out,
                ";; record times: {} .. {}",
                format_time(seen.first),
                format_time(seen.last)
            )?;
        }
        if let Some(zone) = tally.zone_seen {
            writeln!(
                self.out,
                ";;   zone times: {} .. {}",
                format_time(zone.first),
                format_time(zone.last)
            )?;
        }
        Ok(())
    }

    fn csv_record(&mut self, fields: &[&str], obj: &Map<String, Value>) -> std::io::Result<()> {
        let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
        if !self.header_written {
            csv.write_record(fields)?;
            self.header_written = true;
        }
        let cells = fields.iter().map(|f| match obj.get(*f) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        });
        csv.write_record(cells)?;
        let bytes = csv
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.out.write_all(&bytes)
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A JSON value for `stats --json`.
pub fn stats_json(stats: &hark_store::StoreStats) -> Value {
    let per_type: Map<String, Value> = stats
        .rows_per_type
        .iter()
        .map(|(t, n)| (t.to_string(), (*n).into()))
        .collect();
    let mut value = json!({
        "rows": stats.rows,
        "names": stats.names,
        "negatives": stats.negatives,
        "certs": stats.certs,
        "files": stats.files,
        "disk_bytes": stats.disk_bytes,
        "rows_per_type": per_type,
    });
    for (name, figure) in &stats.engine {
        value[*name] = (*figure).into();
    }
    value
}

/// Writes `text` to standard output. A reader that went away (`hark stats | head`) is not an
/// error: the output simply ends there.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
