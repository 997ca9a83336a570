//! `hark lookup`: rrset, rdata (ip, name) and negative lookups.

use crate::cli::{LookupArgs, LookupCommand, RdataCommand};
use crate::output::RowWriter;
use anyhow::{bail, Context};
use hark_dns::RrType;
use hark_store::{
    IpRange, NamePattern, NegativeQuery, RdataMatch, RdataQuery, Row, RrsetQuery, Store, StoreError,
};
use std::io::Write;
use std::ops::ControlFlow;

/// Splits `NAME[/TYPE[/...]]` on `/`, allowing at most `max` parts.
fn split_query(text: &str, max: usize) -> anyhow::Result<Vec<&str>> {
    let parts: Vec<&str> = text.split('/').collect();
    if parts.len() > max || parts.iter().take(1).any(|p| p.is_empty()) {
        bail!(
            "{text:?}: expected {}",
            ["NAME", "NAME[/TYPE]", "NAME[/TYPE[/BAILIWICK]]"][max - 1]
        );
    }
    Ok(parts)
}

/// Parses a type filter; `ANY` (or empty) means every type.
fn parse_rrtype(text: Option<&&str>) -> anyhow::Result<Option<RrType>> {
    match text.map(|t| t.trim()) {
        None | Some("") => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("ANY") => Ok(None),
        Some(t) => t.parse::<RrType>().map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{t:?} is not a record type: use a mnemonic like A, MX, TXT, TYPE65534, or ANY"
            )
        }),
    }
}

/// Runs one lookup, printing to `out`.
pub fn run(store: &dyn Store, what: &LookupCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let now = crate::times::now();
    match what {
        LookupCommand::Rrset { query, common } => {
            let parts = split_query(query, 3)?;
            let bailiwick = parts
                .get(2)
                .map(|b| hark_dns::name::from_presentation(b))
                .transpose()
                .map_err(|err| anyhow::anyhow!("bailiwick: {err}"))?;
            let query = RrsetQuery {
                name: NamePattern::parse(parts[0])?,
                rrtype: parse_rrtype(parts.get(1))?,
                bailiwick,
                fence: crate::times::fence(common, now)?,
            };
            print_rows(common, out, |visit| store.rrset(&query, visit))
        }
        LookupCommand::Rdata {
            by: RdataCommand::Ip { query, common },
        } => {
            let range = IpRange::parse(query)?;
            let query = RdataQuery {
                rrtype: Some(range.rrtype()),
                rdata: RdataMatch::Ip(range),
                fence: crate::times::fence(common, now)?,
            };
            print_rows(common, out, |visit| store.rdata(&query, visit))
        }
        LookupCommand::Rdata {
            by: RdataCommand::Name { query, common },
        } => {
            let parts = split_query(query, 2)?;
            let query = RdataQuery {
                rdata: RdataMatch::Name(NamePattern::parse(parts[0])?),
                rrtype: parse_rrtype(parts.get(1))?,
                fence: crate::times::fence(common, now)?,
            };
            print_rows(common, out, |visit| store.rdata(&query, visit))
        }
        LookupCommand::Negative { query, common } => {
            let parts = split_query(query, 2)?;
            let query = NegativeQuery {
                name: NamePattern::parse(parts[0])?,
                qtype: parse_rrtype(parts.get(1))?,
                fence: crate::times::fence(common, now)?,
            };
            print_limited(
                common,
                out,
                |visit| store.negatives(&query, visit),
                |writer, row| writer.negative(row),
            )
        }
    }
}

/// Streams rows from `lookup` through a writer, honouring the limit.
fn print_rows(
    common: &LookupArgs,
    out: &mut dyn Write,
    lookup: impl FnOnce(&mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError>,
) -> anyhow::Result<()> {
    print_limited(common, out, lookup, |writer, row| writer.row(row))
}

/// Streams items from `lookup`, printing each with `print`, stopping at the limit.
fn print_limited<T>(
    common: &LookupArgs,
    out: &mut dyn Write,
    lookup: impl FnOnce(&mut dyn FnMut(T) -> ControlFlow<()>) -> Result<(), StoreError>,
    mut print: impl FnMut(&mut RowWriter<std::io::BufWriter<&mut dyn Write>>, &T) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut writer = RowWriter::new(std::io::BufWriter::new(out), common.format());
    let limit = common.limit;
    let mut shown = 0u64;
    let mut failure = None;
    lookup(&mut |item| {
        if limit > 0 && shown >= limit {
            return ControlFlow::Break(());
        }
        shown += 1;
        match print(&mut writer, &item) {
            Ok(()) => ControlFlow::Continue(()),
            Err(err) => {
                failure = Some(err);
                ControlFlow::Break(())
            }
        }
    })
    .context("lookup failed")?;
    finish_output(failure, writer.flush())?;
    report_count(shown, limit);
    Ok(())
}

fn report_count(shown: u64, limit: u64) {
    if shown == 0 {
        eprintln!(";; no results");
    } else if limit > 0 && shown >= limit {
        eprintln!(";; stopped at the limit of {limit} rows; use --limit 0 for all");
    }
}

/// Ends output: a closed pipe (`| head`) is not an error; other write failures are.
pub fn finish_output(
    failure: Option<std::io::Error>,
    flushed: std::io::Result<()>,
) -> anyhow::Result<()> {
    for result in [failure.map_or(Ok(()), Err), flushed] {
        match result {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(err) => return Err(err).context("writing output"),
            Ok(()) => {}
        }
    }
    Ok(())
}
