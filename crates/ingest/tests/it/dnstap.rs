//! The shared dnstap fixtures (BIND's test data, a dnsdist capture) read frame by frame through
//! hark's Frame Streams reader and dnstap messages, and printed the way `dnstap-ldns -q` prints
//! them: every line must equal the independent table in `shared/fixtures/expected/`.

use std::net::{Ipv4Addr, Ipv6Addr};

use hark_ingest::dnstap::proto::{Dnstap, Message, MessageType, SocketProtocol};
use hark_ingest::fstrm::{self, Frame};
use prost::Message as _;

use crate::fixtures::fixtures;

/// The question of a DNS message as `"name." CLASS TYPE` (questions are never compressed).
fn question(message: &[u8]) -> String {
    let mut at = 12;
    let mut name = Vec::new();
    loop {
        let len = usize::from(message[at]);
        name.extend_from_slice(&message[at..=at + len]);
        at += 1 + len;
        if len == 0 {
            break;
        }
    }
    let mut text = String::new();
    hark_dns::name::to_presentation(&name, &mut text).expect("a name");
    let qtype = u16::from_be_bytes([message[at], message[at + 1]]);
    let qclass = u16::from_be_bytes([message[at + 2], message[at + 3]]);
    assert_eq!(qclass, 1, "IN");
    format!("\"{text}\" IN {}", hark_dns::RrType(qtype))
}

fn address(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => Ipv4Addr::from(<[u8; 4]>::try_from(bytes).expect("4 bytes")).to_string(),
        16 => Ipv6Addr::from(<[u8; 16]>::try_from(bytes).expect("16 bytes")).to_string(),
        n => panic!("an address of {n} bytes"),
    }
}

/// One message as `dnstap-ldns -q` prints it: the query time for a query and the response
/// time for a response (UTC, microseconds), the type, the client's address for the auth and
/// client kinds and the server's for the others, the transport, the message size and its
/// question.
fn ldns_quiet_line(message: &Message) -> String {
    let kind = message.kind().expect("a known type");
    let (seconds, nanos, wire) = if kind.is_query() {
        (
            message.query_time_sec,
            message.query_time_nsec,
            &message.query_message,
        )
    } else {
        (
            message.response_time_sec,
            message.response_time_nsec,
            &message.response_message,
        )
    };
    let time = jiff::Timestamp::new(seconds.expect("a time") as i64, 0).expect("a time");
    let micros = nanos.unwrap_or(0) / 1000;
    let peer = match kind {
        MessageType::AuthQuery
        | MessageType::AuthResponse
        | MessageType::ClientQuery
        | MessageType::ClientResponse => &message.query_address,
        _ => &message.response_address,
    };
    let protocol = match message.socket_protocol.map(SocketProtocol::try_from) {
        Some(Ok(SocketProtocol::Udp)) => "UDP",
        Some(Ok(SocketProtocol::Tcp)) => "TCP",
        other => panic!("a transport the fixtures do not use: {other:?}"),
    };
    let wire = wire.as_deref().expect("the message");
    format!(
        "{}.{micros:06} {} {} {protocol} {}b {}",
        time.strftime("%Y-%m-%d %H:%M:%S"),
        kind.abbreviation(),
        address(peer.as_deref().expect("an address")),
        wire.len(),
        question(wire)
    )
}

#[test]
fn every_dnstap_fixture_matches_its_dnstap_ldns_table_line_by_line() {
    let Some(dir) = fixtures() else { return };
    let mut files = 0;
    for (name, messages) in [
        ("bind9__dnstap.saved.fstrm", 96),
        ("go-dnscollector__dnstap.fstrm", 2),
    ] {
        let expected = std::fs::read_to_string(
            dir.join("expected")
                .join(format!("{name}.dnstap-ldns-q.txt")),
        )
        .expect("every dnstap fixture has a table");
        let expected: Vec<&str> = expected.lines().collect();
        let file = std::fs::File::open(dir.join("dnstap").join(name)).expect("opens");
        let mut reader =
            fstrm::Reader::new(file, fstrm::CONTENT_TYPE_DNSTAP, fstrm::DEFAULT_MAX_FRAME)
                .expect("a dnstap stream");
        let mut got = Vec::new();
        while let Some(frame) = reader.next_frame().expect("read to its STOP frame") {
            let Frame::Data(bytes) = frame else {
                panic!("{name}: no frame is over the limit")
            };
            let dnstap = Dnstap::decode(bytes).expect("a dnstap message");
            got.push(ldns_quiet_line(dnstap.message.as_ref().expect("a message")));
        }
        assert_eq!(reader.ignored_controls(), 0);
        let matched = got.iter().zip(&expected).filter(|(g, e)| g == e).count();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g, e, "{name}: message {}", i + 1);
        }
        assert_eq!(got.len(), expected.len(), "{name}: messages");
        assert_eq!(matched, messages, "{name}: lines matched");
        eprintln!("{name}: {matched}/{} lines match", expected.len());
        files += 1;
    }
    assert_eq!(files, 2);
}
