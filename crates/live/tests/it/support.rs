//! A listener running into an in-memory sink, and emitters that speak Frame Streams.

use bytes::Bytes;
use hark_ingest::dnstap::proto::{Dnstap, DnstapType, Message, MessageType};
use hark_ingest::fstrm::{Control, ControlType, Decoded, Decoder};
use hark_ingest::pipeline::{run, PipelineOptions, RunReport, VecSink};
use hark_live::{Listener, ListenerConfig};
use prost::Message as _;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Every await in these tests is bounded by this (a hang guard, not a timing assertion).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The wire form of a presentation name.
pub fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A response to `name` A with one answer `address` (uncompressed, AA).
pub fn a_response(name: &str, address: [u8; 4]) -> Vec<u8> {
    let mut out = vec![0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0];
    out.extend(wire_name(name));
    out.extend_from_slice(&[0, 1, 0, 1]);
    out.extend(wire_name(name));
    out.extend_from_slice(&[0, 1, 0, 1, 0, 0, 1, 44, 0, 4]);
    out.extend_from_slice(&address);
    out
}

/// A RESOLVER_RESPONSE dnstap message for `name` → `address`, asked of `zone`'s servers.
pub fn resolver_response(name: &str, address: [u8; 4], zone: &str) -> Vec<u8> {
    Dnstap {
        identity: Some(Bytes::from_static(b"test-emitter")),
        version: None,
        extra: None,
        r#type: DnstapType::Message as i32,
        message: Some(Message {
            r#type: MessageType::ResolverResponse as i32,
            socket_family: Some(1),
            socket_protocol: Some(1),
            query_address: Some(Bytes::from_static(&[192, 0, 2, 99])),
            response_address: Some(Bytes::from_static(&[198, 51, 100, 53])),
            query_port: Some(40000),
            response_port: Some(53),
            query_time_sec: Some(1_700_000_000),
            query_time_nsec: Some(0),
            query_message: None,
            query_zone: Some(Bytes::from(wire_name(zone))),
            response_time_sec: Some(1_700_000_001),
            response_time_nsec: Some(0),
            response_message: Some(Bytes::from(a_response(name, address))),
        }),
    }
    .encode_to_vec()
}

/// `count` distinct messages: `h{i}.{zone}` → 198.51.100.x, tagged with `tag` in the name.
pub fn messages(tag: &str, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            resolver_response(
                &format!("h{i}.{tag}.example.test"),
                [198, 51, 100, (i % 250) as u8 + 1],
                "example.test",
            )
        })
        .collect()
}

/// A control frame's bytes.
pub fn control(kind: ControlType, content_types: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    Control::new(kind, content_types).encode(&mut out);
    out
}

/// A data frame's bytes.
pub fn data(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    hark_ingest::fstrm::encode_data(payload, &mut out).unwrap();
    out
}

/// Reads one control frame from `stream`.
pub async fn read_control<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Control> {
    let mut buffer = Vec::new();
    let mut decoder = Decoder::new(1 << 20);
    loop {
        match decoder.decode(&buffer).ok()? {
            Decoded::Control { control, .. } => return Some(control),
            Decoded::NeedMore { .. } => {
                let mut byte = [0u8; 256];
                let n = tokio::time::timeout(TIMEOUT, stream.read(&mut byte))
                    .await
                    .ok()?
                    .ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&byte[..n]);
            }
            _ => return None,
        }
    }
}

/// Sends `frames` as a well-behaved emitter: READY, (ACCEPT), START, data, STOP, (FINISH) when
/// `bidirectional`, else START, data, STOP. True when the listener answered as the protocol
/// says (ACCEPT, then FINISH).
pub async fn emit<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    frames: &[Vec<u8>],
    bidirectional: bool,
) -> bool {
    let dnstap = hark_ingest::fstrm::CONTENT_TYPE_DNSTAP;
    if bidirectional {
        stream
            .write_all(&control(ControlType::READY, &[b"other/type", dnstap]))
            .await
            .unwrap();
        match read_control(stream).await {
            Some(accept) if accept.kind == ControlType::ACCEPT && accept.offers(dnstap) => {}
            _ => return false,
        }
    }
    let mut out = control(ControlType::START, &[dnstap]);
    for frame in frames {
        out.extend(data(frame));
        if out.len() > 64 * 1024 {
            stream.write_all(&out).await.unwrap();
            out.clear();
        }
    }
    out.extend(control(ControlType::STOP, &[]));
    stream.write_all(&out).await.unwrap();
    stream.flush().await.unwrap();
    if !bidirectional {
        return true;
    }
    matches!(read_control(stream).await, Some(finish) if finish.kind == ControlType::FINISH)
}

/// A listener whose stream runs through the pipeline into memory on a thread of its own.
pub struct Running {
    pub listener: Listener,
    pipeline: std::thread::JoinHandle<(RunReport, VecSink)>,
}

impl Running {
    /// Starts `config` on the current runtime.
    pub async fn start(config: ListenerConfig) -> Running {
        let (listener, mut stream) = Listener::start(config).await.expect("listener starts");
        let pipeline = std::thread::spawn(move || {
            let sink = VecSink::default();
            let options = PipelineOptions {
                flush_after: Duration::from_millis(100),
                ..PipelineOptions::default()
            };
            let report = run(&mut stream, &sink, &options, &mut |_| {}).expect("pipeline");
            (report, sink)
        });
        Running { listener, pipeline }
    }

    /// Stops the listener and returns the pipeline's report and the rows: (rrname, address)
    /// → count.
    pub async fn finish(self) -> (RunReport, BTreeMap<(String, String), u64>) {
        let Running { listener, pipeline } = self;
        tokio::time::timeout(TIMEOUT, listener.stop())
            .await
            .expect("the listener stops");
        let (report, sink) = tokio::task::spawn_blocking(move || pipeline.join().unwrap())
            .await
            .unwrap();
        let mut rows = BTreeMap::new();
        for batch in sink.into_batches() {
            for (key, tally) in &batch.rows {
                let parts = key.parts();
                let mut name = String::new();
                hark_dns::name::to_presentation(parts.rrname, &mut name).unwrap();
                let mut rdata = String::new();
                hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
                *rows.entry((name, rdata)).or_insert(0) += tally.count;
            }
        }
        (report, rows)
    }
}

/// The rows `messages(tag, count)` give, each counted `times`.
pub fn expected_rows(tag: &str, count: usize, times: u64) -> BTreeMap<(String, String), u64> {
    (0..count)
        .map(|i| {
            (
                (
                    format!("h{i}.{tag}.example.test."),
                    format!("198.51.100.{}", i % 250 + 1),
                ),
                times,
            )
        })
        .collect()
}
