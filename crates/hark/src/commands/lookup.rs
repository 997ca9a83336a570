//! `hark lookup`: rrset, rdata (ip, name), negative and certificate-name lookups.

use crate::cli::{LookupArgs, LookupCommand, RdataCommand};
use crate::output::RowWriter;
use anyhow::Context;
use hark_query::{parse_lookup, parse_negative, TypeFilter};
use hark_store::{run_lookup, Store, StoreError};
use std::io::Write;
use std::ops::ControlFlow;

/// Runs one lookup, printing to `out`. Queries are read by the one grammar of `hark-query`
/// (the DNSDB paths: `rrset/name/NAME/TYPE/BAILIWICK`, `rdata/name/NAME/TYPE`, `rdata/ip/ADDR`).
pub fn run(store: &dyn Store, what: &LookupCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let now = crate::times::now();
    let (path, query, common) = match what {
        LookupCommand::Rrset { query, common } => (["rrset", "name"], query, common),
        LookupCommand::Rdata {
            by: RdataCommand::Ip { query, common },
        } => (["rdata", "ip"], query, common),
        LookupCommand::Rdata {
            by: RdataCommand::Name { query, common },
        } => (["rdata", "name"], query, common),
        LookupCommand::Negative { query, common } => {
            let parts: Vec<&str> = query.split('/').collect();
            let (query, filter) = parse_negative(&parts, crate::times::fence(common, now)?)?;
            return print_limited(
                common,
                out,
                |visit| hark_store::run_negatives(store, &query, filter, visit),
                |writer, row| writer.negative(row),
            );
        }
        LookupCommand::Cert { query, common } => {
            let query = hark_store::CertQuery {
                name: hark_store::NamePattern::parse(query)
                    .with_context(|| format!("{query:?} is not a name or name pattern"))?,
                fence: crate::times::fence(common, now)?,
            };
            return print_limited(
                common,
                out,
                |visit| store.certs(&query, visit),
                |writer, row| writer.cert(row),
            );
        }
    };
    // An address may hold a '/' (a CIDR): it is one part; names split into NAME/TYPE/...
    let mut segments: Vec<&str> = path.to_vec();
    if path[1] == "ip" {
        segments.push(query);
    } else {
        segments.extend(query.split('/'));
    }
    let (lookup, filter) = parse_lookup(
        &segments,
        crate::times::fence(common, now)?,
        TypeFilter::All,
    )?;
    print_limited(
        common,
        out,
        |visit| {
            run_lookup(
                store,
                &lookup,
                filter,
                None,
                &mut || ControlFlow::Continue(()),
                visit,
            )
        },
        |writer, row| writer.row(row),
    )
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
