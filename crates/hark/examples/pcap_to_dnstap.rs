//! Turns a capture into a dnstap file of RESOLVER_RESPONSE messages: the input of the dnstap
//! benchmarks (replayed into hark with `fstrm_replay`, or read with `hark ingest`).
//!
//! ```text
//! cargo run --release -p hark --example pcap_to_dnstap -- CAPTURE OUT.dnstap [--zone auto|root] [--ports 53]
//! ```
//!
//! Every DNS response the capture holds (from the server ports, UDP or reassembled TCP, in the
//! order `hark ingest` reads them) becomes one data frame: a `Dnstap` of type MESSAGE with a
//! RESOLVER_RESPONSE whose `response_message` is the response's bytes, `response_time` and
//! `query_time` its capture time, `socket_protocol` UDP or TCP, and identity
//! `hark-pcap_to_dnstap`. No address is written.
//!
//! `query_zone` — which hark takes as the bailiwick, dropping records outside it — is chosen
//! with `--zone`:
//! - `auto` (the default), from the response itself: the owner of an SOA in the authority
//!   section (negative answers carry their zone's SOA); else the owner of an NS record (answer
//!   or authority) that is the question's name or above it; else the registrable domain of the
//!   question's name (Public Suffix List); else the root. A capture of a resolver's *client*
//!   side (like the shared generator's) holds whole answers whose CNAME chains cross zones, so
//!   some records fall outside the zone chosen: the tool prints how many, which is how many
//!   `out_of_bailiwick` skips hark will count.
//! - `root`: `.` for every message, so nothing is outside its zone and the rows equal those of
//!   the capture (every one with bailiwick `.`).

use hark_dns::name::{from_presentation, is_at_or_below, to_presentation};
use hark_dns::{Response, ResponseParser, RrType, Section};
use hark_ingest::capture::CaptureReader;
use hark_ingest::dnstap::proto::{Dnstap, DnstapType, Message, MessageType, SocketProtocol};
use hark_ingest::extract::{DnsExtractor, DnsMessage, ExtractConfig, Transport};
use hark_ingest::fstrm;
use prost::Message as _;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// How `query_zone` is chosen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ZoneChoice {
    Auto,
    Root,
}

/// What the conversion counted.
#[derive(Default)]
struct Counts {
    messages: u64,
    by_soa: u64,
    by_ns: u64,
    by_registrable: u64,
    by_root: u64,
    unparsed: u64,
    records: u64,
    outside: u64,
}

/// The zone `auto` picks for `response` (canonical wire), and which rule picked it.
fn auto_zone(response: &Response<'_>, counts: &mut Counts) -> Vec<u8> {
    let qname = response.question.map(|q| q.qname).unwrap_or(b"\0");
    if let Some(soa) = response
        .records()
        .find(|r| r.section == Section::Authority && r.rrtype == RrType::SOA)
    {
        counts.by_soa += 1;
        return soa.owner.to_vec();
    }
    if let Some(ns) = response
        .records()
        .filter(|r| r.section != Section::Additional && r.rrtype == RrType::NS)
        .filter(|r| is_at_or_below(qname, r.owner))
        .max_by_key(|r| r.owner.len())
    {
        counts.by_ns += 1;
        return ns.owner.to_vec();
    }
    let mut text = String::new();
    let registrable = to_presentation(qname, &mut text)
        .ok()
        .and_then(|()| psl::domain_str(text.trim_end_matches('.')))
        .and_then(|domain| from_presentation(domain).ok());
    match registrable {
        Some(zone) => {
            counts.by_registrable += 1;
            zone
        }
        None => {
            counts.by_root += 1;
            vec![0]
        }
    }
}

/// The dnstap frame for one captured response.
fn frame(
    message: &DnsMessage<'_>,
    choice: ZoneChoice,
    parser: &mut ResponseParser,
    counts: &mut Counts,
) -> Vec<u8> {
    counts.messages += 1;
    let zone = match (choice, parser.parse(message.payload)) {
        (ZoneChoice::Auto, Ok(response)) => {
            let zone = auto_zone(&response, counts);
            for record in response.records() {
                counts.records += 1;
                if !is_at_or_below(record.owner, &zone) {
                    counts.outside += 1;
                }
            }
            zone
        }
        (_, parsed) => {
            counts.by_root += 1;
            counts.unparsed += u64::from(parsed.is_err());
            vec![0]
        }
    };
    let seconds = u64::try_from(message.ts_sec).unwrap_or(0);
    let protocol = match message.transport {
        Transport::Udp => SocketProtocol::Udp,
        Transport::Tcp => SocketProtocol::Tcp,
    };
    Dnstap {
        identity: Some(b"hark-pcap_to_dnstap".to_vec().into()),
        r#type: DnstapType::Message as i32,
        message: Some(Message {
            r#type: MessageType::ResolverResponse as i32,
            socket_protocol: Some(protocol as i32),
            query_time_sec: Some(seconds),
            query_time_nsec: Some(message.ts_nanos),
            response_time_sec: Some(seconds),
            response_time_nsec: Some(message.ts_nanos),
            query_zone: Some(zone.into()),
            response_message: Some(message.payload.to_vec().into()),
            ..Message::default()
        }),
        ..Dnstap::default()
    }
    .encode_to_vec()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: pcap_to_dnstap CAPTURE OUT.dnstap [--zone auto|root] [--ports 53,5300]";
    let mut positional = Vec::new();
    let mut choice = ZoneChoice::Auto;
    let mut ports = vec![53];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--zone" => {
                choice = match args.next().as_deref() {
                    Some("auto") => ZoneChoice::Auto,
                    Some("root") => ZoneChoice::Root,
                    _ => return Err(format!("--zone takes auto or root\n{usage}").into()),
                }
            }
            "--ports" => {
                let list = args.next().ok_or(usage)?;
                ports = list
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--ports {list}: {e}"))?;
            }
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [capture, out] = <[PathBuf; 2]>::try_from(positional).map_err(|_| usage)?;

    let started = std::time::Instant::now();
    let mut reader = CaptureReader::open(&capture)?;
    let mut extractor = DnsExtractor::new(ExtractConfig {
        server_ports: ports,
        ..ExtractConfig::default()
    });
    let file = std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut writer = fstrm::Writer::new(
        BufWriter::with_capacity(1 << 20, file),
        fstrm::CONTENT_TYPE_DNSTAP,
    )?;
    let mut parser = ResponseParser::new();
    let mut counts = Counts::default();
    let mut failed: Option<std::io::Error> = None;
    let mut emit = |message: DnsMessage<'_>| {
        if failed.is_none() {
            let payload = frame(&message, choice, &mut parser, &mut counts);
            if let Err(err) = writer.write_frame(&payload) {
                failed = Some(err);
            }
        }
    };
    while let Some(packet) = reader.next_packet()? {
        extractor.push(&packet, &mut emit);
    }
    extractor.finish(&mut emit);
    if let Some(err) = failed {
        return Err(format!("{}: {err}", out.display()).into());
    }
    writer.finish()?.flush()?;
    let c = &counts;
    println!(
        "messages={} zone_by_soa={} zone_by_ns={} zone_by_registrable={} zone_root={} unparsed={} records={} outside_zone={} seconds={:.2}",
        c.messages,
        c.by_soa,
        c.by_ns,
        c.by_registrable,
        c.by_root,
        c.unparsed,
        c.records,
        c.outside,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
