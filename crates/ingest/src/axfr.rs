//! A zone transfer (AXFR over TCP, RFC 5936) as a [`Source`]: the zone's records as zone
//! observations, exactly as a zone file import of the same zone gives them
//! ([`crate::zone`]): bailiwick the zone, `zone_seen` the transfer's time, count 1.
//!
//! The client sends one AXFR query and reads length-prefixed messages until the second SOA
//! (the transfer starts and ends with the zone's SOA, over as many messages as the server
//! likes). Each record is one unit; the closing SOA is not counted again. Bounds: each read
//! waits at most [`AxfrOptions::timeout`], the whole transfer at most
//! [`AxfrOptions::max_bytes`] bytes. A transfer has no identity (it cannot be recognised
//! again), so it gets no checkpoints: an interrupted transfer keeps what was stored and is
//! simply run again (each run is one more snapshot).
//!
//! Anything wrong — refused (an rcode), a message that does not parse, a first record that is
//! not the zone's SOA, a connection closed before the closing SOA, a timeout — ends the
//! source unfinished with the reason in [`SourceReport::stopped`]; a record outside the zone
//! is a counted skip (`zone_out_of_zone`), as is a record of a class other than IN
//! (`zone_not_in_class`: an update-style ANY or NONE record has no rdata to store).

use crate::aggregate::Observations;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_dns::{ResponseParser, RrType, CLASS_IN};
use hark_record::{RrKeyParts, Tally, TimeSpan};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How to run a transfer.
#[derive(Clone, Debug)]
pub struct AxfrOptions {
    /// The zone, canonical wire.
    pub zone: Vec<u8>,
    /// The server.
    pub server: SocketAddr,
    /// The snapshot time, epoch seconds.
    pub time: i64,
    /// Longest wait for the connection and for each read.
    pub timeout: Duration,
    /// Most bytes of messages accepted.
    pub max_bytes: u64,
}

/// The AXFR query for `zone`, with its two-byte length prefix.
fn query(zone: &[u8], id: u16) -> Vec<u8> {
    let mut message = Vec::with_capacity(14 + zone.len() + 4);
    let length = u16::try_from(12 + zone.len() + 4).unwrap_or(u16::MAX);
    message.extend_from_slice(&length.to_be_bytes());
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    message.extend_from_slice(zone);
    message.extend_from_slice(&252u16.to_be_bytes()); // AXFR
    message.extend_from_slice(&1u16.to_be_bytes()); // IN
    message
}

/// A zone transfer in progress.
pub struct AxfrSource {
    file: FileInput,
    options: AxfrOptions,
    stream: Option<TcpStream>,
    parser: ResponseParser,
    message: Vec<u8>,
    soas: u32,
    records: u64,
    messages: u64,
    bytes: u64,
    skips: Skips,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl AxfrSource {
    /// Connects to the server and asks for the zone.
    pub fn connect(options: AxfrOptions) -> std::io::Result<AxfrSource> {
        let mut stream = TcpStream::connect_timeout(&options.server, options.timeout)?;
        stream.set_read_timeout(Some(options.timeout))?;
        stream.set_write_timeout(Some(options.timeout))?;
        let id = u16::try_from(std::process::id() & 0xffff).unwrap_or(0x4841);
        stream.write_all(&query(&options.zone, id))?;
        let mut zone = String::new();
        let _ = hark_dns::name::to_presentation(&options.zone, &mut zone);
        Ok(AxfrSource {
            file: FileInput::unnamed(&format!("AXFR {zone} @{}", options.server)),
            options,
            stream: Some(stream),
            parser: ResponseParser::new(),
            message: Vec::new(),
            soas: 0,
            records: 0,
            messages: 0,
            bytes: 0,
            skips: Skips::default(),
            ended: None,
            stopped: None,
        })
    }

    /// Reads the next message into `self.message`; `Ok(false)` when the server closed.
    fn read_message(&mut self) -> Result<bool, String> {
        let stream = self.stream.as_mut().ok_or("the connection is closed")?;
        let mut length = [0u8; 2];
        match stream.read_exact(&mut length) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(err) => return Err(format!("reading the transfer failed: {err}")),
        }
        let length = usize::from(u16::from_be_bytes(length));
        self.bytes += 2 + length as u64;
        if self.bytes > self.options.max_bytes {
            return Err(format!(
                "the transfer is larger than {} bytes (--max-bytes)",
                self.options.max_bytes
            ));
        }
        self.message.resize(length, 0);
        stream
            .read_exact(&mut self.message)
            .map_err(|err| format!("reading the transfer failed: {err}"))?;
        self.messages += 1;
        Ok(true)
    }

    /// Turns the message read last into units; `Ok(true)` once the closing SOA was seen.
    fn take_message(&mut self, chunk: &mut Observations) -> Result<bool, String> {
        let response = self
            .parser
            .parse(&self.message)
            .map_err(|err| format!("a transfer message does not parse: {err}"))?;
        if response.rcode != 0 {
            return Err(format!(
                "the server refused the transfer: {}",
                hark_record::rcode::name(response.rcode)
            ));
        }
        let zone = self.options.zone.as_slice();
        let tally = Tally {
            seen: None,
            zone_seen: Some(TimeSpan::at(self.options.time)),
            count: 1,
        };
        for record in response.records() {
            let is_soa =
                record.rrtype == RrType::SOA && record.class == CLASS_IN && record.owner == zone;
            if self.soas == 0 && !is_soa {
                return Err("the transfer does not start with the zone's SOA".into());
            }
            if is_soa {
                self.soas += 1;
                if self.soas == 2 {
                    return Ok(true);
                }
            }
            if record.class != CLASS_IN {
                self.skips.add("zone_not_in_class");
                continue;
            }
            if !hark_dns::name::is_at_or_below(record.owner, zone) {
                self.skips.add("zone_out_of_zone");
                continue;
            }
            let parts = RrKeyParts {
                rrname: record.owner,
                rrtype: record.rrtype,
                bailiwick: Some(zone),
                rdata: record.rdata,
            };
            chunk.push_rows(std::iter::once(parts), tally);
            self.records += 1;
        }
        Ok(false)
    }
}

impl Source for AxfrSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        source::fingerprint(&[b"axfr", &self.options.zone])
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            let step = self.read_message().and_then(|more| {
                if more {
                    self.take_message(chunk)
                } else {
                    Err("the server closed the connection before the closing SOA".into())
                }
            });
            match step {
                Ok(true) => break Fill::End { complete: true },
                Ok(false) => {}
                Err(reason) => {
                    self.stopped = Some(reason);
                    break Fill::End { complete: false };
                }
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.bytes;
        if let Fill::End { complete } = fill {
            self.stream = None;
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        SourceReport {
            messages: self.records,
            packets: self.messages,
            skips: self.skips.clone(),
            bytes: self.bytes,
            stopped: self.stopped.clone(),
            ..SourceReport::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Aggregator;
    use crate::testing::{record, wire};
    use std::net::TcpListener;

    /// One record of a transfer message: owner, type, class, rdata.
    type Rr<'a> = (&'a str, u16, u16, &'a [u8]);

    /// A transfer message (QR=1, AA=1, no question) holding `records`, length-prefixed.
    fn message(records: &[Rr<'_>]) -> Vec<u8> {
        let mut m = vec![
            0x12,
            0x34,
            0x84,
            0x00,
            0,
            0,
            0,
            records.len() as u8,
            0,
            0,
            0,
            0,
        ];
        for &(owner, rrtype, class, rdata) in records {
            record(&mut m, owner, rrtype, class, rdata);
        }
        let mut framed = (m.len() as u16).to_be_bytes().to_vec();
        framed.extend(m);
        framed
    }

    /// Serves `messages` once on a loopback port, after reading the query; transfers
    /// `zone` from it and gives the rows (owner, type) and the source's report.
    fn transfer(zone: &str, messages: Vec<u8>) -> (Vec<(Vec<u8>, RrType)>, SourceReport) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let server = listener.local_addr().expect("its address");
        let serving = std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().expect("the client connects");
            let mut length = [0u8; 2];
            peer.read_exact(&mut length).expect("the query's length");
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(length))];
            peer.read_exact(&mut query).expect("the query");
            peer.write_all(&messages).expect("the transfer is sent");
        });
        let mut source = AxfrSource::connect(AxfrOptions {
            zone: wire(zone),
            server,
            time: 1_700_000_000,
            timeout: Duration::from_secs(10),
            max_bytes: 1 << 20,
        })
        .expect("connects");
        let mut chunk = Observations::default();
        let limits = ChunkLimits {
            units: 1 << 20,
            bytes: 1 << 30,
        };
        assert_eq!(
            source.fill(&mut chunk, &limits),
            Fill::End { complete: true }
        );
        serving.join().expect("the server thread");
        let mut cache = Aggregator::new(1 << 20);
        assert_eq!(cache.add_from(&chunk, 0), None);
        let mut rows: Vec<(Vec<u8>, RrType)> = cache
            .take_batch()
            .rows
            .iter()
            .map(|(key, _)| (key.parts().rrname.to_vec(), key.parts().rrtype))
            .collect();
        rows.sort();
        (rows, source.report())
    }

    /// A transfer's records of other classes (a CHAOS record, an update-style ANY CNAME with
    /// no rdata) are counted skips, not rows of class IN.
    #[test]
    fn records_of_other_classes_are_skipped() {
        let mut soa = wire("ns.example");
        soa.extend(wire("admin.example"));
        soa.extend([0u8; 20]);
        let messages = [
            message(&[
                ("example", 6, 1, &soa),
                ("version.example", 16, 3, b"\x03nsd"),
                ("www.example", 5, 255, &[]),
            ]),
            message(&[
                ("www.example", 1, 1, &[192, 0, 2, 1]),
                ("example", 6, 1, &soa),
            ]),
        ]
        .concat();
        let (rows, report) = transfer("example", messages);
        assert_eq!(
            rows,
            vec![
                (wire("www.example"), RrType::A),
                (wire("example"), RrType::SOA),
            ],
            "sorted by wire bytes: the label length 3 comes first"
        );
        assert_eq!(
            report.messages, 2,
            "the SOA and the A record (the closing SOA is not counted again)"
        );
        assert_eq!(report.packets, 2, "two messages");
        assert_eq!(report.skips.get("zone_not_in_class"), 2);
        assert_eq!(report.stopped, None);
    }

    #[test]
    fn the_query_asks_for_axfr_in_class_in() {
        let message = query(b"\x07example\x00", 0x1234);
        assert_eq!(
            message,
            b"\x00\x19\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x00\x00\xfc\x00\x01"
        );
    }
}
