//! A random-subdomain flood over dnstap: RESOLVER_RESPONSE messages for names never seen
//! before (`<n>.<random>.flood.example`), sent to a listener as fast as it takes them, for a
//! given time. The input of the memory benchmark (`scripts/bench-flood.sh`): every message is
//! a new row, which is the worst case for a store's memory.
//!
//! ```text
//! cargo run --release -p hark-live --example dnstap_flood -- tcp:127.0.0.1:6000 SECONDS
//! ```
//! Prints the messages sent.

use hark_ingest::dnstap::proto::{Dnstap, DnstapType, Message, MessageType};
use hark_ingest::fstrm::{self, Control, ControlType};
use prost::Message as _;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A response for `name` A `address`.
fn response(name: &[u8], address: [u8; 4]) -> Vec<u8> {
    let mut out = vec![0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0];
    out.extend_from_slice(name);
    out.extend_from_slice(&[0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4]);
    out.extend_from_slice(&address);
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(endpoint), Some(seconds)) = (args.get(1), args.get(2)) else {
        return Err("usage: dnstap_flood tcp:ADDRESS:PORT SECONDS".into());
    };
    let address = endpoint
        .strip_prefix("tcp:")
        .ok_or("the endpoint must be tcp:ADDRESS:PORT")?;
    let until = Instant::now() + Duration::from_secs(seconds.parse()?);
    let mut stream = std::net::TcpStream::connect(address)?;
    let mut out = Vec::new();
    Control::new(ControlType::READY, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut out);
    stream.write_all(&out)?;
    let mut accept = [0u8; 64];
    let _ = stream.read(&mut accept)?;
    out.clear();
    Control::new(ControlType::START, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut out);
    let zone = wire_name("flood.example");
    let mut sent: u64 = 0;
    // A xorshift generator: names differ in a random label as well as a counter.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while Instant::now() < until {
        for _ in 0..1000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let name = wire_name(&format!(
                "{sent}.{:012x}.flood.example",
                state & 0xffff_ffff_ffff
            ));
            let bytes = state.to_be_bytes();
            let message = Dnstap {
                r#type: DnstapType::Message as i32,
                message: Some(Message {
                    r#type: MessageType::ResolverResponse as i32,
                    query_zone: Some(zone.clone().into()),
                    response_time_sec: Some(1_780_000_000 + sent / 100_000),
                    response_message: Some(
                        response(&name, [10, bytes[0], bytes[1], bytes[2]]).into(),
                    ),
                    ..Message::default()
                }),
                ..Dnstap::default()
            }
            .encode_to_vec();
            fstrm::encode_data(&message, &mut out)?;
            sent += 1;
        }
        stream.write_all(&out)?;
        out.clear();
    }
    Control::new(ControlType::STOP, &[]).encode(&mut out);
    stream.write_all(&out)?;
    let _ = stream.read(&mut accept)?;
    println!("{sent}");
    Ok(())
}
