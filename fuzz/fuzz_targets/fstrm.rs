//! The Frame Streams codec.
//!
//! - Round trip: frames written by the writer read back identically, whatever the frame
//!   limit (longer ones come back as `TooLarge` with their length), both through the file
//!   reader and through the sans-I/O decoder fed in arbitrary pieces.
//! - Any bytes: the decoder, fed in arbitrary pieces, always consumes within its input,
//!   makes progress, and never yields a data frame over its limit; a control frame it
//!   accepts encodes and parses back to itself.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use hark_ingest::fstrm::{self, Control, Decoded, Decoder, Frame, Reader, Writer};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Plan {
    RoundTrip {
        frames: Vec<Vec<u8>>,
        max_frame: u16,
        pieces: Vec<u16>,
    },
    Bytes {
        max_frame: u16,
        pieces: Vec<u16>,
        data: Vec<u8>,
    },
}

/// Decodes `data` arriving in the given piece sizes; returns the data frames and too-large
/// lengths, in order, and whether the stream stopped on an error.
fn decode_in_pieces(data: &[u8], pieces: &[u16], max_frame: u32) -> (Vec<Frame>, bool) {
    let mut decoder = Decoder::new(max_frame);
    let mut held: Vec<u8> = Vec::new();
    let mut frames = Vec::new();
    let mut rest = data;
    let mut sizes = pieces.iter().map(|p| usize::from(*p).max(1)).cycle();
    loop {
        let decoded = match decoder.decode(&held) {
            Ok(decoded) => decoded,
            Err(err) => {
                assert!(!err.reason().is_empty());
                return (frames, true);
            }
        };
        let consumed = decoded.consumed();
        assert!(
            consumed <= held.len(),
            "{decoded:?} consumes past {} bytes",
            held.len()
        );
        match decoded {
            Decoded::NeedMore { needed } => {
                assert!(
                    needed > held.len() || held.is_empty(),
                    "needs {needed}, holds {}",
                    held.len()
                );
                if rest.is_empty() {
                    return (frames, false);
                }
                let take = sizes.next().unwrap_or(1).min(rest.len());
                held.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                continue;
            }
            Decoded::Data { payload } => {
                assert!(payload.len() <= max_frame as usize && payload.start == 4);
                frames.push(Frame::Data(Bytes::copy_from_slice(&held[payload])));
            }
            Decoded::TooLarge { len } => {
                assert!(len > max_frame);
                frames.push(Frame::TooLarge { len });
            }
            Decoded::Skipped { consumed } => assert!(consumed > 0),
            Decoded::Control { control, .. } => {
                let mut encoded = Vec::new();
                control.encode(&mut encoded);
                match Control::parse(encoded.get(8..).unwrap_or_default()) {
                    Ok(again) => assert_eq!(again, control, "control frame does not re-encode"),
                    Err(err) => panic!("control frame {control:?} re-encodes unreadably: {err}"),
                }
            }
        }
        held.drain(..consumed);
    }
}

fuzz_target!(|plan: Plan| match plan {
    Plan::RoundTrip {
        frames,
        max_frame,
        pieces,
    } => {
        let max_frame = u32::from(max_frame);
        let frames: Vec<Vec<u8>> = frames.into_iter().filter(|f| !f.is_empty()).collect();
        let Ok(mut writer) = Writer::new(Vec::new(), fstrm::CONTENT_TYPE_DNSTAP) else {
            return;
        };
        for frame in &frames {
            writer.write_frame(frame).expect("write to memory");
        }
        let file = writer.finish().expect("finish in memory");
        let expected: Vec<Frame> = frames
            .iter()
            .map(|f| {
                if f.len() > max_frame as usize {
                    Frame::TooLarge {
                        len: f.len() as u32,
                    }
                } else {
                    Frame::Data(Bytes::copy_from_slice(f))
                }
            })
            .collect();
        let mut reader = Reader::new(
            std::io::Cursor::new(&file),
            fstrm::CONTENT_TYPE_DNSTAP,
            max_frame,
        )
        .expect("the writer's file opens");
        let mut read = Vec::new();
        while let Some(frame) = reader.next_frame().expect("the writer's file reads") {
            read.push(frame);
        }
        assert_eq!(read, expected);
        // The decoder sees the control frames too; the data frames are the same.
        let (decoded, failed) = decode_in_pieces(&file, &pieces, max_frame);
        assert!(!failed);
        assert_eq!(decoded, expected);
    }
    Plan::Bytes {
        max_frame,
        pieces,
        data,
    } => {
        let max_frame = u32::from(max_frame);
        let _ = decode_in_pieces(&data, &pieces, max_frame);
        if let Ok(mut reader) = Reader::new(
            std::io::Cursor::new(&data),
            fstrm::CONTENT_TYPE_DNSTAP,
            max_frame,
        ) {
            let mut total = 0usize;
            while let Ok(Some(frame)) = reader.next_frame() {
                if let Frame::Data(payload) = frame {
                    assert!(payload.len() <= max_frame as usize);
                    total += payload.len();
                }
            }
            assert!(total <= data.len());
        }
    }
});
