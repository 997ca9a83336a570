//! `hark recon` and `hark intel`: the recon analyses of `hark-intel`, printed as JSON or as
//! the documents of `hark-present`.

use crate::cli::{GraphFormat, IntelCommand, ReconArgs, ReportFormat};
use crate::times::{now, parse_time};
use anyhow::Context;
use hark_intel::asn::AsnDb;
use hark_intel::certs::CertNames;
use hark_intel::recon::{self, ReconOptions};
use hark_intel::{
    changes, graph, history, mail, nameservers, pivot, profile, subdomains, takeover, txt,
};
use hark_present::{render, sections, Format, Section};
use hark_store::Store;
use serde::Serialize;
use std::io::{BufRead, Write};

/// The report format of a text-like output choice.
fn document_format(format: ReportFormat) -> Option<Format> {
    match format {
        ReportFormat::Text => Some(Format::Text),
        ReportFormat::Markdown => Some(Format::Markdown),
        ReportFormat::Html => Some(Format::Html),
        ReportFormat::Json => None,
    }
}

/// Prints `value` as JSON, or its sections as a document.
fn print<T: Serialize>(
    out: &mut dyn Write,
    title: &str,
    value: &T,
    sections: impl FnOnce(&T) -> Vec<Section>,
    format: ReportFormat,
) -> anyhow::Result<()> {
    match document_format(format) {
        None => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
        Some(format) => out.write_all(render(title, &sections(value), format).as_bytes())?,
    }
    Ok(())
}

/// `hark recon`.
pub fn run_recon(store: &dyn Store, args: &ReconArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let asn = asn_db(args.asn_db.as_deref())?;
    if let Some(path) = &args.bulk {
        return run_bulk(store, path, asn.as_ref(), out);
    }
    let domain = args
        .domain
        .as_deref()
        .context("give a DOMAIN or --bulk FILE")?;
    let verify = args.verify.as_deref().map(resolver_address).transpose()?;
    let certs = cert_names(args.certs.as_deref())?;
    let options = ReconOptions {
        asn: asn.as_ref(),
        verify,
        certs: certs.as_ref(),
    };
    let recon = recon::recon_with(store, domain, options)?;
    let title = format!(
        "Recon: {} (from the store: no query was sent)",
        recon.domain
    );
    print(out, &title, &recon, sections::recon_sections, args.format)
}

/// A resolver address: `ADDR`, `ADDR:PORT` or `[V6]:PORT`; port 53 when none is given.
fn resolver_address(text: &str) -> anyhow::Result<std::net::SocketAddr> {
    if let Ok(addr) = text.parse::<std::net::SocketAddr>() {
        return Ok(addr);
    }
    let ip: std::net::IpAddr = text.trim_matches(['[', ']']).parse().with_context(|| {
        format!("--verify {text:?}: give the resolver as an address, ADDR:PORT or [V6]:PORT")
    })?;
    Ok(std::net::SocketAddr::new(ip, 53))
}

/// Reads the certificate export when one is named.
fn cert_names(path: Option<&std::path::Path>) -> anyhow::Result<Option<CertNames>> {
    path.map(|p| {
        CertNames::open(p)
            .with_context(|| format!("cannot use the certificate export {}", p.display()))
    })
    .transpose()
}

/// Opens the AS database when one is named.
fn asn_db(path: Option<&std::path::Path>) -> anyhow::Result<Option<AsnDb>> {
    path.map(|p| {
        AsnDb::open(p).with_context(|| format!("cannot use the AS database {}", p.display()))
    })
    .transpose()
}

/// `hark recon --bulk`: one NDJSON line per target.
fn run_bulk(
    store: &dyn Store,
    path: &std::path::Path,
    asn: Option<&AsnDb>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        ))
    };
    for line in input.lines() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        let target = line.trim();
        if target.is_empty() || target.starts_with('#') {
            continue;
        }
        let looks_like_address = target.contains(':')
            || target
                .bytes()
                .all(|b| b.is_ascii_digit() || b".,/-".contains(&b));
        let result = if looks_like_address {
            pivot::analyse(store, target).map(|p| ("pivot", serde_json::to_value(p)))
        } else {
            let options = ReconOptions {
                asn,
                ..ReconOptions::default()
            };
            recon::recon_with(store, target, options).map(|r| ("domain", serde_json::to_value(r)))
        };
        let line = match result {
            Ok((kind, value)) => {
                serde_json::json!({"input": target, "kind": kind, "result": value?})
            }
            Err(err) => serde_json::json!({"input": target, "error": err.to_string()}),
        };
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `hark intel QUESTION`.
pub fn run_intel(
    store: &dyn Store,
    question: &IntelCommand,
    format: ReportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match question {
        IntelCommand::History { name, subdomains } => {
            let h = history::analyse(store, name, *subdomains)?;
            print(
                out,
                "Address history",
                &h,
                |h| vec![sections::history_section(h)],
                format,
            )
        }
        IntelCommand::Pivot { target } => {
            let p = pivot::analyse(store, target)?;
            print(
                out,
                "Reverse pivot",
                &p,
                |p| vec![sections::pivot_section(p)],
                format,
            )
        }
        IntelCommand::Ns { domain } => {
            let n = nameservers::analyse(store, domain)?;
            print(
                out,
                "Name servers",
                &n,
                |n| vec![sections::nameservers_section(n)],
                format,
            )
        }
        IntelCommand::Mx { domain } => {
            let m = mail::analyse(store, domain)?;
            print(out, "Mail", &m, |m| vec![sections::mail_section(m)], format)
        }
        IntelCommand::Txt { domain } => {
            let t = txt::analyse(store, domain)?;
            print(
                out,
                "TXT intelligence",
                &t,
                |t| vec![sections::txt_section(t)],
                format,
            )
        }
        IntelCommand::Subdomains { domain, certs } => {
            let certs = cert_names(certs.as_deref())?;
            let s = subdomains::analyse_with(store, domain, certs.as_ref())?;
            print(
                out,
                "Subdomains",
                &s,
                |s| vec![sections::subdomains_section(s)],
                format,
            )
        }
        IntelCommand::Takeover { domain } => {
            let t = takeover::analyse(store, domain)?;
            print(
                out,
                "Takeover candidates",
                &t,
                |t| vec![sections::takeover_section(t)],
                format,
            )
        }
        IntelCommand::Profile {
            domain,
            asn_db: path,
        } => {
            let asn = asn_db(path.as_deref())?;
            let p = profile::analyse(store, domain, asn.as_ref())?;
            print(
                out,
                "Technology profile",
                &p,
                |p| vec![sections::profile_section(p)],
                format,
            )
        }
        IntelCommand::Graph {
            domain,
            graph_format,
        } => {
            let g = graph::analyse(store, domain)?;
            match graph_format {
                GraphFormat::Dot => out.write_all(g.to_dot().as_bytes())?,
                GraphFormat::Graphml => out.write_all(g.to_graphml().as_bytes())?,
                GraphFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &g)?;
                    writeln!(out)?;
                }
            }
            Ok(())
        }
        IntelCommand::Changes {
            domain,
            since,
            until,
        } => {
            let now = now();
            let since = since.as_deref().map(|t| parse_time(t, now)).transpose()?;
            let until = until.as_deref().map(|t| parse_time(t, now)).transpose()?;
            let c = changes::analyse(store, domain, since, until)?;
            print(
                out,
                "Change log",
                &c,
                |c| vec![sections::changelog_section(c)],
                format,
            )
        }
    }
}
