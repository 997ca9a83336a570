//! Well-behaved emitters: many at once, over TCP and a unix socket, both handshakes.

use crate::support::*;
use hark_live::{Endpoint, ListenerConfig, ListenerStats};

/// Eight emitters at once on TCP (as PowerDNS Recursor opens one per thread), each with its
/// own names and a share of common ones: every frame becomes its row, common rows count once
/// per emitter, each emitter gets its ACCEPT and FINISH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tcp_emitters_at_once_lose_nothing() {
    let running = Running::start(ListenerConfig::new(
        "tcp",
        "tcp:127.0.0.1:0".parse().unwrap(),
    ))
    .await;
    let address = running
        .listener
        .local()
        .trim_start_matches("tcp:")
        .to_string();
    let mut emitters = Vec::new();
    for emitter in 0..8 {
        let address = address.clone();
        emitters.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let mut frames = messages(&format!("e{emitter}"), 2_000);
            frames.extend(messages("common", 500));
            emit(&mut stream, &frames, true).await
        }));
    }
    for emitter in emitters {
        assert!(
            tokio::time::timeout(TIMEOUT, emitter)
                .await
                .unwrap()
                .unwrap(),
            "an emitter did not get ACCEPT and FINISH"
        );
    }
    let stats = running.listener.stats().clone();
    let (report, rows) = running.finish().await;
    let mut expected = expected_rows("common", 500, 8);
    for emitter in 0..8 {
        expected.extend(expected_rows(&format!("e{emitter}"), 2_000, 1));
    }
    assert_eq!(rows, expected);
    assert_eq!(report.source.packets, 8 * 2_500, "frames decoded");
    assert_eq!(ListenerStats::get(&stats.connections), 8);
    assert_eq!(ListenerStats::get(&stats.dropped), 0);
    assert!(stats.events().is_empty(), "{:?}", stats.events());
}

/// A unix socket, with one bidirectional emitter and one unidirectional one (START without
/// READY, as Unbound sends with `dnstap-bidirectional: no`), which gets no FINISH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_takes_both_handshakes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dnstap.sock");
    let running = Running::start(ListenerConfig::new("unix", Endpoint::Unix(path.clone()))).await;
    let mut bidirectional = tokio::net::UnixStream::connect(&path).await.unwrap();
    assert!(emit(&mut bidirectional, &messages("bi", 300), true).await);
    let mut unidirectional = tokio::net::UnixStream::connect(&path).await.unwrap();
    assert!(emit(&mut unidirectional, &messages("uni", 200), false).await);
    drop(unidirectional);
    // The unidirectional emitter hears nothing back: stopping at once, its frames may still
    // wait in the socket (or its connection in the backlog); a stop reads them first.
    let (_, rows) = running.finish().await;
    let mut expected = expected_rows("bi", 300, 1);
    expected.extend(expected_rows("uni", 200, 1));
    assert_eq!(rows, expected);
    assert!(
        !path.exists(),
        "the socket is removed when the listener stops"
    );
}

/// A listener that stops while an emitter is connected and idle: the stream ends, what was
/// sent is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_with_an_idle_emitter_keeps_what_it_sent() {
    use tokio::io::AsyncWriteExt;
    let running = Running::start(ListenerConfig::new(
        "tcp",
        "tcp:127.0.0.1:0".parse().unwrap(),
    ))
    .await;
    let address = running
        .listener
        .local()
        .trim_start_matches("tcp:")
        .to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(&control(
            hark_ingest::fstrm::ControlType::READY,
            &[hark_ingest::fstrm::CONTENT_TYPE_DNSTAP],
        ))
        .await
        .unwrap();
    read_control(&mut stream).await.expect("ACCEPT");
    let mut out = control(
        hark_ingest::fstrm::ControlType::START,
        &[hark_ingest::fstrm::CONTENT_TYPE_DNSTAP],
    );
    for frame in messages("idle", 50) {
        out.extend(data(&frame));
    }
    stream.write_all(&out).await.unwrap();
    // Wait until the listener has them (frames counted), then stop with the emitter open.
    let stats = running.listener.stats().clone();
    let give_up = tokio::time::Instant::now() + TIMEOUT;
    while ListenerStats::get(&stats.frames) < 50 && tokio::time::Instant::now() < give_up {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (_, rows) = running.finish().await;
    assert_eq!(rows, expected_rows("idle", 50, 1));
    drop(stream);
}

/// Stopping while emitters' frames still wait unread in their sockets (each writes far more
/// than a socket buffers, and the stop comes the moment the last write returns): every frame
/// sent before the stop becomes its row, on a unix socket and on TCP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_keeps_the_frames_already_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dnstap.sock");
    for config in [
        ListenerConfig::new("unix", Endpoint::Unix(path.clone())),
        ListenerConfig::new("tcp", "tcp:127.0.0.1:0".parse().unwrap()),
    ] {
        let running = Running::start(config).await;
        let local = running.listener.local().to_string();
        let frames = messages("sent", 20_000);
        if let Some(address) = local.strip_prefix("tcp:") {
            let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
            emit_without_stop(&mut stream, &frames).await;
        } else {
            let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
            emit_without_stop(&mut stream, &frames).await;
        }
        let (report, rows) = running.finish().await;
        assert_eq!(rows, expected_rows("sent", 20_000, 1), "{local}");
        assert_eq!(report.source.packets, 20_000, "{local}");
    }
}

/// Writes START and `frames` (unidirectional) and returns without STOP or closing, the
/// stream still open.
async fn emit_without_stop<S: tokio::io::AsyncWrite + Unpin>(stream: &mut S, frames: &[Vec<u8>]) {
    use tokio::io::AsyncWriteExt;
    let mut bytes = control(
        hark_ingest::fstrm::ControlType::START,
        &[hark_ingest::fstrm::CONTENT_TYPE_DNSTAP],
    );
    for frame in frames {
        bytes.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        bytes.extend_from_slice(frame);
    }
    stream.write_all(&bytes).await.unwrap();
}
