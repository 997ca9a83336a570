//! A dnstap emitter's connection (hark-live): the handshake and data frames, over bytes that
//! arrive in arbitrary reads. Any bytes: frames queued never pass the frame limit and are
//! inside the input. A well-formed session (READY, START, data frames, STOP) in any read
//! pieces: ACCEPT then FINISH are answered and exactly the frames sent are queued.
#![no_main]

use arbitrary::Arbitrary;
use hark_ingest::fstrm::{self, Control, ControlType};
use hark_live::fuzzing::serve_chunks;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Plan {
    Session {
        frames: Vec<Vec<u8>>,
        pieces: Vec<u16>,
    },
    Bytes {
        max_frame: u16,
        pieces: Vec<u16>,
        data: Vec<u8>,
    },
}

fn cut<'a>(data: &'a [u8], pieces: &[u16]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = data;
    let mut sizes = pieces.iter().map(|p| usize::from(*p).max(1)).cycle();
    while !rest.is_empty() {
        let take = sizes.next().unwrap_or(rest.len()).min(rest.len());
        chunks.push(&rest[..take]);
        rest = &rest[take..];
    }
    chunks
}

fuzz_target!(|plan: Plan| match plan {
    Plan::Session { frames, pieces } => {
        let frames: Vec<Vec<u8>> = frames.into_iter().filter(|f| !f.is_empty()).collect();
        let mut wire = Vec::new();
        Control::new(ControlType::READY, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut wire);
        Control::new(ControlType::START, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut wire);
        for frame in &frames {
            fstrm::encode_data(frame, &mut wire).expect("encode in memory");
        }
        Control::new(ControlType::STOP, &[]).encode(&mut wire);
        let outcome = serve_chunks(&cut(&wire, &pieces), fstrm::DEFAULT_MAX_FRAME);
        let queued: Vec<Vec<u8>> = outcome.frames.iter().map(|f| f.to_vec()).collect();
        assert_eq!(
            queued, frames,
            "ended {}, events {:?}",
            outcome.ended, outcome.events
        );
        let mut answers = Vec::new();
        Control::new(ControlType::ACCEPT, &[fstrm::CONTENT_TYPE_DNSTAP]).encode(&mut answers);
        Control::new(ControlType::FINISH, &[]).encode(&mut answers);
        assert_eq!(outcome.written, answers);
    }
    Plan::Bytes {
        max_frame,
        pieces,
        data,
    } => {
        let max_frame = u32::from(max_frame);
        let outcome = serve_chunks(&cut(&data, &pieces), max_frame);
        let mut total = 0;
        for frame in &outcome.frames {
            assert!(frame.len() <= max_frame as usize);
            total += frame.len();
        }
        assert!(total <= data.len());
    }
});
