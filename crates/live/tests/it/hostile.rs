//! Hostile and broken peers: each is closed and counted, and the emitters beside them lose
//! nothing.

use crate::support::*;
use hark_ingest::fstrm::{ControlType, CONTENT_TYPE_DNSTAP};
use hark_live::{ListenerConfig, ListenerStats};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connects, sends `bytes`, and waits until the listener closes the connection (or `close`
/// is set: then reads the ACCEPT and closes it from this side). True when the listener
/// closed it.
async fn send_and_see(address: &str, bytes: Vec<u8>, close: bool) -> bool {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The listener may close before everything is written; that is what is tested.
    let _ = stream.write_all(&bytes).await;
    if close {
        // Read the ACCEPT first: a socket closed with unread bytes sends a reset, not the
        // orderly end (FIN) these peers are meant to show.
        read_control(&mut stream).await.expect("ACCEPT");
        let _ = stream.shutdown().await;
        return false;
    }
    let mut sink = Vec::new();
    matches!(
        tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut sink)).await,
        Ok(Ok(_)) | Ok(Err(_))
    )
}

fn handshake() -> Vec<u8> {
    let mut out = control(ControlType::READY, &[CONTENT_TYPE_DNSTAP]);
    out.extend(control(ControlType::START, &[CONTENT_TYPE_DNSTAP]));
    out
}

/// Garbage, a 4 GB length, data before START, READY twice, a foreign content type, a half
/// handshake, a peer leaving mid-frame and one leaving without STOP — while a good emitter
/// sends beside them, with a too-large frame and an unknown control frame in its stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_peers_are_closed_and_counted_while_others_go_on() {
    let mut config = ListenerConfig::new("tcp", "tcp:127.0.0.1:0".parse().unwrap());
    config.handshake_timeout = Duration::from_millis(300);
    let running = Running::start(config).await;
    let address = running
        .listener
        .local()
        .trim_start_matches("tcp:")
        .to_string();

    let good = {
        let address = address.clone();
        tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            stream
                .write_all(&control(ControlType::READY, &[CONTENT_TYPE_DNSTAP]))
                .await
                .unwrap();
            read_control(&mut stream).await.expect("ACCEPT");
            let mut out = control(ControlType::START, &[CONTENT_TYPE_DNSTAP]);
            let frames = messages("good", 1_000);
            for (i, frame) in frames.iter().enumerate() {
                out.extend(data(frame));
                if i == 400 {
                    // 2 MiB: over the 1 MiB limit, skipped by its length.
                    out.extend(data(&vec![0u8; 2 * 1024 * 1024]));
                    // A control type nobody defined: ignored.
                    out.extend(control(ControlType(0x77), &[]));
                }
            }
            out.extend(control(ControlType::STOP, &[]));
            stream.write_all(&out).await.unwrap();
            read_control(&mut stream).await.map(|c| c.kind)
        })
    };

    // Garbage: a "length" of 0x47455420 ("GET ") is over the absurd-length bound.
    assert!(
        send_and_see(
            &address,
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            false
        )
        .await
    );
    // A 4 GB length after a proper handshake.
    let mut four_gb = handshake();
    four_gb.extend_from_slice(&u32::MAX.to_be_bytes());
    four_gb.extend_from_slice(&[0u8; 64]);
    assert!(send_and_see(&address, four_gb, false).await);
    // Data before START.
    let mut early = control(ControlType::READY, &[CONTENT_TYPE_DNSTAP]);
    early.extend(data(&messages("early", 1)[0]));
    assert!(send_and_see(&address, early, false).await);
    // READY twice.
    let mut twice = control(ControlType::READY, &[CONTENT_TYPE_DNSTAP]);
    twice.extend(control(ControlType::READY, &[CONTENT_TYPE_DNSTAP]));
    assert!(send_and_see(&address, twice, false).await);
    // Another content type only.
    assert!(
        send_and_see(
            &address,
            control(ControlType::READY, &[b"protobuf:other"]),
            false
        )
        .await
    );
    // A control frame longer than the spec allows.
    let mut long_control = 0u32.to_be_bytes().to_vec();
    long_control.extend_from_slice(&100_000u32.to_be_bytes());
    assert!(send_and_see(&address, long_control, false).await);
    // Half a handshake, then silence: closed at the handshake timeout.
    assert!(send_and_see(&address, vec![0, 0, 0], false).await);
    // Leaves mid-frame, then without STOP: its complete frames are kept.
    let mut cut = handshake();
    for frame in messages("cut", 10) {
        cut.extend(data(&frame));
    }
    let mut partial = data(&messages("cut-partial", 1)[0]);
    partial.truncate(20);
    cut.extend(partial);
    send_and_see(&address, cut, true).await;
    let mut unfinished = handshake();
    for frame in messages("nostop", 10) {
        unfinished.extend(data(&frame));
    }
    send_and_see(&address, unfinished, true).await;

    assert_eq!(
        tokio::time::timeout(TIMEOUT, good).await.unwrap().unwrap(),
        Some(ControlType::FINISH)
    );
    // Let the listener see the last two peers go before stopping it.
    let stats = running.listener.stats().clone();
    let give_up = tokio::time::Instant::now() + TIMEOUT;
    while ListenerStats::get(&stats.open) > 0 && tokio::time::Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (report, rows) = running.finish().await;
    let mut expected = expected_rows("good", 1_000, 1);
    expected.extend(expected_rows("cut", 10, 1));
    expected.extend(expected_rows("nostop", 10, 1));
    assert_eq!(rows, expected);
    let events = stats.events();
    for (reason, count) in [
        ("fstrm_absurd_frame_length", 2),
        ("fstrm_frame_out_of_order", 2),
        ("fstrm_wrong_content_type", 1),
        ("fstrm_control_too_long", 1),
        ("dnstap_handshake_timeout", 1),
        ("fstrm_cut_mid_frame", 1),
        ("fstrm_no_stop_frame", 1),
        ("dnstap_frame_too_large", 1),
        ("fstrm_control_ignored", 1),
    ] {
        assert_eq!(events.get(reason), count, "{reason} in {events:?}");
    }
    assert_eq!(
        report.source.skips.get("dnstap_frame_too_large"),
        1,
        "the decoder's report carries the listener's events"
    );
    assert_eq!(ListenerStats::get(&stats.connections), 10);
}
