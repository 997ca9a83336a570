//! Alert latency in `hark run`, from observation to sink hand-off: dnstap CLIENT_QUERY
//! messages for canary names (`q<N>.<DECOY>`) sent at a steady rate to a dnstap TCP listener
//! of `hark run`, amid a stream of RESOLVER_RESPONSE messages for names never seen before
//! (background load: every one a new row); a webhook receiver started here records when each
//! alert arrives. The latency of a canary is its arrival time minus the moment its frame was
//! written to the socket (both on this machine's monotonic clock).
//!
//! ```text
//! cargo run --release -p hark --example alert_latency -- tcp:127.0.0.1:PORT HOOK_ADDRESS DECOY \
//!     [--canaries 1000] [--rate 100] [--background 20000]
//! ```
//! `hark run` must have a `canary` rule on DECOY (window 0) and a `webhook` sink to
//! `http://HOOK_ADDRESS/`. Prints the canaries sent, the alerts received, and the median, p99
//! and largest latency (ms).

use hark_ingest::dnstap::proto::{Dnstap, DnstapType, Message, MessageType};
use hark_ingest::fstrm::{self, Control, ControlType};
use prost::Message as _;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A query message for `name` A.
fn query(name: &[u8]) -> Vec<u8> {
    let mut out = vec![0x43, 0x21, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    out.extend_from_slice(name);
    out.extend_from_slice(&[0, 1, 0, 1]);
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

/// Answers every POST with 200 and records (subject, arrival) of each alert body.
fn receive(listener: std::net::TcpListener, arrivals: Arc<Mutex<HashMap<String, Instant>>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let arrivals = arrivals.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let mut length = 0usize;
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = line.trim_end().to_ascii_lowercase();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(value) = header.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let arrived = Instant::now();
                if let Ok(alert) = serde_json::from_slice::<serde_json::Value>(&body) {
                    if let Some(subject) = alert["subject"].as_str() {
                        arrivals
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(subject.to_string())
                            .or_insert(arrived);
                    }
                }
                let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
                if reader.get_mut().write_all(reply).is_err() {
                    return;
                }
            }
        });
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: alert_latency tcp:ADDRESS:PORT HOOK_ADDRESS DECOY [--canaries N] [--rate PER_SECOND] [--background PER_SECOND]";
    let mut positional = Vec::new();
    let (mut canaries, mut rate, mut background) = (1000usize, 100u64, 20_000u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--canaries" => canaries = args.next().ok_or(usage)?.parse()?,
            "--rate" => rate = args.next().ok_or(usage)?.parse()?,
            "--background" => background = args.next().ok_or(usage)?.parse()?,
            _ => positional.push(arg),
        }
    }
    let [endpoint, hook, decoy] = <[String; 3]>::try_from(positional).map_err(|_| usage)?;
    let address = endpoint.strip_prefix("tcp:").ok_or(usage)?;
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let listener = std::net::TcpListener::bind(&hook)?;
    {
        let arrivals = arrivals.clone();
        std::thread::spawn(move || receive(listener, arrivals));
    }

    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_nodelay(true)?;
    let mut out = Vec::new();
    Control::new(ControlType::READY, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut out);
    stream.write_all(&out)?;
    let mut accept = [0u8; 64];
    let _ = stream.read(&mut accept)?;
    out.clear();
    Control::new(ControlType::START, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut out);
    stream.write_all(&out)?;

    let zone = wire_name("flood.example");
    let rate = rate.max(1);
    let per_canary = background / rate;
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut flood = 0u64;
    let started = Instant::now();
    for i in 0..canaries {
        let due = started + Duration::from_micros(i as u64 * 1_000_000 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?;
        out.clear();
        for _ in 0..per_canary {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let name = wire_name(&format!(
                "{flood}.{:012x}.flood.example",
                state & 0xffff_ffff_ffff
            ));
            let bytes = state.to_be_bytes();
            let message = Dnstap {
                r#type: DnstapType::Message as i32,
                message: Some(Message {
                    r#type: MessageType::ResolverResponse as i32,
                    query_zone: Some(zone.clone().into()),
                    response_time_sec: Some(now.as_secs()),
                    response_message: Some(
                        response(&name, [10, bytes[0], bytes[1], bytes[2]]).into(),
                    ),
                    ..Message::default()
                }),
                ..Dnstap::default()
            }
            .encode_to_vec();
            fstrm::encode_data(&message, &mut out)?;
            flood += 1;
        }
        let canary = format!("q{i}.{}", decoy.trim_end_matches('.'));
        let message = Dnstap {
            r#type: DnstapType::Message as i32,
            message: Some(Message {
                r#type: MessageType::ClientQuery as i32,
                query_address: Some(vec![127, 0, 0, 9].into()),
                query_time_sec: Some(now.as_secs()),
                query_time_nsec: Some(now.subsec_nanos()),
                query_message: Some(query(&wire_name(&canary)).into()),
                ..Message::default()
            }),
            ..Dnstap::default()
        }
        .encode_to_vec();
        fstrm::encode_data(&message, &mut out)?;
        let written = Instant::now();
        stream.write_all(&out)?;
        sent.insert(format!("{canary}."), written);
    }
    // Other rules' alerts may reach the receiver too: count the canaries only.
    let give_up = Instant::now() + Duration::from_secs(30);
    let received = || {
        let arrived = arrivals.lock().unwrap_or_else(|e| e.into_inner());
        sent.keys()
            .filter(|name| arrived.contains_key(*name))
            .count()
    };
    while received() < sent.len() && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(20));
    }
    out.clear();
    Control::new(ControlType::STOP, &[]).encode(&mut out);
    stream.write_all(&out)?;
    let arrived = arrivals.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut latencies: Vec<f64> = sent
        .iter()
        .filter_map(|(name, at)| {
            arrived
                .get(name)
                .map(|got| got.saturating_duration_since(*at).as_secs_f64() * 1e3)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "canaries={} received={} background_messages={flood} median_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        sent.len(),
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}
