//! Active verification (opt-in): ask a resolver the user names whether the records the store
//! remembers still resolve. This is the one part of hark-intel that sends DNS queries, and
//! only when asked: a "post-collection" check, never part of a plain report.
//!
//! Each distinct (rrname, rrtype) at or below the domain (SOA and the DNSSEC types aside) is
//! asked once, over UDP with a TCP retry when the answer is truncated, and every stored row
//! of it is judged against the answer: `resolves` (the resolver returned this rdata),
//! `changed` (the name answers with other rdata, or is now an alias: given in `current`),
//! `no data` (NOERROR,
//! nothing of that type), `gone` (NXDOMAIN), `error` (another rcode), or `no answer`.

use crate::{domain_rows, names, IntelError};
use hark_dns::message::{ResponseParser, Section};
use hark_dns::{RrType, CLASS_IN};
use hark_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

/// Most (name, type) questions one verification sends.
pub const MAX_QUESTIONS: usize = 2_000;
/// How long to wait for each answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The outcome of a verification.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// Always true: queries were sent.
    pub active: bool,
    /// The resolver asked.
    pub resolver: String,
    /// When, epoch seconds.
    pub checked_at: i64,
    /// Questions sent.
    pub questions: usize,
    /// True when more (name, type) pairs existed than [`MAX_QUESTIONS`].
    pub truncated: bool,
    /// One result per stored row checked.
    pub records: Vec<Checked>,
}

/// One stored row, checked.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    /// The owner name.
    pub rrname: String,
    /// The type.
    pub rrtype: String,
    /// The stored rdata.
    pub rdata: String,
    /// `resolves`, `changed`, `no data`, `gone`, `error` or `no answer`.
    pub status: String,
    /// What the resolver answers now for the name and type.
    pub current: Vec<String>,
}

/// What the resolver said to one question.
enum Answer {
    /// An rcode and the canonical rdata of the matching answer records.
    Reply { rcode: u16, rdata: Vec<Vec<u8>> },
    /// The name is now an alias: the CNAME target (canonical wire).
    Alias { rcode: u16, target: Vec<u8> },
    /// Nothing usable came back.
    Silent(String),
}

/// Verifies the records at or below `domain` against `resolver`.
pub fn verify(
    store: &dyn Store,
    domain: &str,
    resolver: SocketAddr,
) -> Result<Verification, IntelError> {
    let wire = names::parse(domain)?;
    let mut questions: BTreeMap<(Vec<u8>, RrType), Vec<Vec<u8>>> = BTreeMap::new();
    for row in domain_rows(store, &wire, None)? {
        let parts = row.key.parts();
        if parts.rrtype == RrType::SOA || crate::is_dnssec(parts.rrtype) {
            continue;
        }
        questions
            .entry((parts.rrname.to_vec(), parts.rrtype))
            .or_default()
            .push(parts.rdata.to_vec());
    }
    let truncated = questions.len() > MAX_QUESTIONS;
    let mut parser = ResponseParser::new();
    let mut records = Vec::new();
    let mut asked = 0usize;
    for ((qname, qtype), stored) in questions.into_iter().take(MAX_QUESTIONS) {
        asked += 1;
        let answer = ask(resolver, &qname, qtype, &mut parser, asked as u16);
        let present = |rdata: &[u8]| {
            let mut out = String::new();
            hark_dns::rdata::to_presentation(qtype, rdata, &mut out);
            out
        };
        let current: Vec<String> = match &answer {
            Answer::Reply { rdata, .. } => rdata.iter().map(|r| present(r)).collect(),
            Answer::Alias { target, .. } => vec![format!("CNAME {}", names::text(target))],
            Answer::Silent(_) => Vec::new(),
        };
        for rdata in stored {
            let status = match &answer {
                Answer::Silent(why) => format!("no answer ({why})"),
                Answer::Alias { rcode: 0, .. } => "changed".into(),
                Answer::Alias { rcode, .. } => {
                    format!("error ({})", hark_record::rcode::name(*rcode))
                }
                Answer::Reply { rcode: 3, .. } => "gone".into(),
                Answer::Reply {
                    rcode: 0,
                    rdata: now,
                } if now.contains(&rdata) => "resolves".into(),
                Answer::Reply {
                    rcode: 0,
                    rdata: now,
                } if !now.is_empty() => "changed".into(),
                Answer::Reply { rcode: 0, .. } => "no data".into(),
                Answer::Reply { rcode, .. } => {
                    format!("error ({})", hark_record::rcode::name(*rcode))
                }
            };
            records.push(Checked {
                rrname: names::text(&qname),
                rrtype: qtype.to_string(),
                rdata: present(&rdata),
                status,
                current: current.clone(),
            });
        }
    }
    Ok(Verification {
        active: true,
        resolver: resolver.to_string(),
        checked_at: jiff::Timestamp::now().as_second(),
        questions: asked,
        truncated,
        records,
    })
}

/// Builds a recursive query for (qname, qtype) with `id`.
fn query(qname: &[u8], qtype: RrType, id: u16) -> Result<Vec<u8>, String> {
    let name = domain::base::Name::from_octets(qname.to_vec()).map_err(|e| e.to_string())?;
    let mut builder = domain::base::MessageBuilder::new_vec();
    builder.header_mut().set_id(id);
    builder.header_mut().set_rd(true);
    let mut question = builder.question();
    question
        .push((&name, domain::base::Rtype::from_int(qtype.0)))
        .map_err(|e| e.to_string())?;
    Ok(question.finish())
}

/// Asks one question: UDP first, TCP when the answer is truncated.
fn ask(
    resolver: SocketAddr,
    qname: &[u8],
    qtype: RrType,
    parser: &mut ResponseParser,
    id: u16,
) -> Answer {
    let message = match query(qname, qtype, id) {
        Ok(m) => m,
        Err(why) => return Answer::Silent(why),
    };
    let reply = match udp_exchange(resolver, &message, id) {
        Ok(reply) => reply,
        Err(why) => return Answer::Silent(why),
    };
    let reply = match parser.parse(&reply) {
        Ok(parsed) if parsed.truncated => match tcp_exchange(resolver, &message) {
            Ok(full) => full,
            Err(why) => return Answer::Silent(why),
        },
        Ok(_) => reply,
        Err(err) => return Answer::Silent(format!("unreadable answer: {}", err.reason())),
    };
    match parser.parse(&reply) {
        Ok(parsed) => {
            let at_owner = |wanted: RrType| -> Vec<Vec<u8>> {
                parsed
                    .records()
                    .filter(|r| {
                        r.section == Section::Answer
                            && r.class == CLASS_IN
                            && r.rrtype == wanted
                            && r.owner == qname
                    })
                    .map(|r| r.rdata.to_vec())
                    .collect()
            };
            let rdata = at_owner(qtype);
            // A name that has become an alias answers with its CNAME: that is a change too.
            let cname = if rdata.is_empty() && qtype != RrType::CNAME {
                at_owner(RrType::CNAME).into_iter().next()
            } else {
                None
            };
            match cname {
                Some(target) => Answer::Alias {
                    rcode: parsed.rcode,
                    target,
                },
                None => Answer::Reply {
                    rcode: parsed.rcode,
                    rdata,
                },
            }
        }
        Err(err) => Answer::Silent(format!("unreadable answer: {}", err.reason())),
    }
}

fn udp_exchange(resolver: SocketAddr, message: &[u8], id: u16) -> Result<Vec<u8>, String> {
    let bind: SocketAddr = if resolver.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .map_err(|_| "bind address".to_string())?;
    let socket = UdpSocket::bind(bind).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    socket.connect(resolver).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65_535];
    for _attempt in 0..2 {
        socket.send(message).map_err(|e| e.to_string())?;
        loop {
            match socket.recv(&mut buf) {
                Ok(len) if len >= 2 && buf[..2] == id.to_be_bytes() => {
                    return Ok(buf[..len].to_vec())
                }
                Ok(_) => continue, // not our answer
                Err(_) => break,   // timed out: ask again
            }
        }
    }
    Err("timed out".into())
}

fn tcp_exchange(resolver: SocketAddr, message: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect_timeout(&resolver, TIMEOUT).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let len = u16::try_from(message.len()).map_err(|_| "query too long".to_string())?;
    stream
        .write_all(&len.to_be_bytes())
        .map_err(|e| e.to_string())?;
    stream.write_all(message).map_err(|e| e.to_string())?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).map_err(|e| e.to_string())?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut reply).map_err(|e| e.to_string())?;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_well_formed() {
        let q = query(b"\x03www\x07example\x03com\x00", RrType::A, 0x1234).expect("query");
        // id, flags RD, one question, no other records, the name, type A, class IN.
        assert_eq!(&q[..12], &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    }

    /// A resolver on loopback answering one question with `answers` (owner the question's
    /// name; type, class, rdata each), uncompressed.
    fn answer_once(answers: Vec<(u16, u16, Vec<u8>)>) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = socket.local_addr().expect("addr");
        let serving = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            let (len, peer) = socket.recv_from(&mut buf).expect("a question");
            let question = &buf[12..len];
            let qname = &question[..question.len() - 4];
            let mut reply = buf[..2].to_vec();
            reply.extend_from_slice(&[0x81, 0x80, 0, 1, 0, answers.len() as u8, 0, 0, 0, 0]);
            reply.extend_from_slice(question);
            for (rrtype, class, rdata) in &answers {
                reply.extend_from_slice(qname);
                reply.extend_from_slice(&rrtype.to_be_bytes());
                reply.extend_from_slice(&class.to_be_bytes());
                reply.extend_from_slice(&300u32.to_be_bytes());
                reply.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                reply.extend_from_slice(rdata);
            }
            socket.send_to(&reply, peer).expect("the answer");
        });
        (addr, serving)
    }

    /// Only class IN answers count: an update-style CNAME (class ANY, no rdata) is no alias,
    /// and an A record of class CHAOS is no address.
    #[test]
    fn answers_of_other_classes_are_not_the_answer() {
        let (addr, serving) = answer_once(vec![(5, 255, vec![]), (1, 3, vec![192, 0, 2, 1])]);
        let mut parser = ResponseParser::new();
        match ask(addr, b"\x01a\x00", RrType::A, &mut parser, 7) {
            Answer::Reply { rcode, rdata } => {
                assert_eq!(rcode, 0);
                assert!(rdata.is_empty(), "{rdata:?}");
            }
            Answer::Alias { target, .. } => panic!("an alias to {target:?}"),
            Answer::Silent(why) => panic!("silent: {why}"),
        }
        serving.join().expect("the resolver thread");

        let (addr, serving) = answer_once(vec![(5, 1, b"\x01b\x00".to_vec())]);
        match ask(addr, b"\x01a\x00", RrType::A, &mut parser, 8) {
            Answer::Alias { target, .. } => assert_eq!(target, b"\x01b\x00"),
            Answer::Reply { .. } | Answer::Silent(_) => panic!("a class IN CNAME is an alias"),
        }
        serving.join().expect("the resolver thread");
    }

    #[test]
    fn a_silent_resolver_is_reported_not_fatal() {
        // A UDP socket that never answers.
        let quiet = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = quiet.local_addr().expect("addr");
        let mut parser = ResponseParser::new();
        match ask(addr, b"\x01a\x00", RrType::A, &mut parser, 7) {
            Answer::Silent(why) => assert_eq!(why, "timed out"),
            Answer::Reply { .. } | Answer::Alias { .. } => panic!("nothing answered"),
        }
    }
}
