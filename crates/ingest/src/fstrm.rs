//! Frame Streams: the framing dnstap travels in, both ways — decoding from a byte stream as
//! it arrives, reading a file, and writing one.
//!
//! # Wire format
//!
//! Every frame starts with a big-endian `u32` length. A length of zero is an escape: a
//! **control frame** follows, as a `u32` control length (at most [`MAX_CONTROL_LEN`] = 512),
//! then that many bytes: a `u32` control type ([`ControlType`]) and fields, each a `u32` field
//! type, a `u32` length and its bytes. The one field defined is CONTENT_TYPE (1), at most
//! [`MAX_CONTENT_TYPE_LEN`] = 256 bytes (`protobuf:dnstap.Dnstap` for dnstap). Any other
//! length starts a **data frame** of that many bytes: one dnstap protobuf message.
//!
//! ```text
//! 00000000 00000022 00000002 00000001 00000016 "protobuf:dnstap.Dnstap"   START, content type
//! 00000080 <128 bytes>                                                      a data frame
//! 00000000 00000004 00000003                                                STOP
//! ```
//!
//! A **unidirectional** stream (a file) is START (with 0 or 1 content type), data frames, STOP.
//! A **bidirectional** stream (a socket) adds a handshake: the writer sends READY (the content
//! types it offers), the reader answers ACCEPT (the one it takes), the writer sends START, data,
//! STOP, and the reader answers FINISH. Control types a reader does not know are ignored, and so
//! are unknown fields of the known ones.
//!
//! # The parts
//!
//! - [`Decoder`]: sans-I/O, for any byte source. Given the bytes received so far it says what
//!   the next frame is, or how many bytes it needs ([`Decoded::NeedMore`], never an error), or
//!   why the bytes are bad ([`FstrmError`]). A data frame longer than its limit
//!   ([`DEFAULT_MAX_FRAME`], 1 MiB) is reported as [`Decoded::TooLarge`] from its length alone,
//!   and its bytes are then dropped as they arrive ([`Decoded::Skipped`]): never held, whatever
//!   the length claims. The live TCP and unix listeners build their handshake on it.
//! - [`Reader`]: a unidirectional stream from any [`Read`] (a file, a gzip decoder), with the
//!   protocol checks: the START's content type, no data before START, the end after STOP. A
//!   stream that stops part-way through a frame is [`FstrmError::Truncated`] and one that ends
//!   between frames before its STOP is [`FstrmError::Unfinished`]: both say the writer was not
//!   done, as a capture cut short does.
//! - [`Writer`] and [`Control::encode`]: the encoder side, for tests and dev tools that make
//!   dnstap files, and for the control frames a listener answers with.
//!
//! # Why it is written here
//!
//! No maintained crate reads Frame Streams: the `framestream` crate only writes, the `dnstap`
//! crate only emits, and the codecs inside Vector and Fastly's dnstap-utils are parts of those
//! programs, not libraries (and pin old versions of their dependencies). The format is small — a
//! length, an escape and four control types — so the decoder is written here, with the limits
//! hark needs: a bounded control frame, a data frame skipped by its length, "need more bytes"
//! kept apart from "bad bytes".

use bytes::{Buf, Bytes, BytesMut};
use std::io::{self, Read, Write};
use std::ops::Range;

/// The content type of a dnstap stream.
pub const CONTENT_TYPE_DNSTAP: &[u8] = b"protobuf:dnstap.Dnstap";
/// The largest control frame payload the spec allows, in bytes.
pub const MAX_CONTROL_LEN: u32 = 512;
/// The largest content type the spec allows, in bytes.
pub const MAX_CONTENT_TYPE_LEN: u32 = 256;
/// The largest data frame kept by default (1 MiB): a DNS message is at most 64 KiB, so a dnstap
/// message carrying a query and its response is far below it.
pub const DEFAULT_MAX_FRAME: u32 = 1024 * 1024;
/// Bytes of the length before every frame.
const LENGTH_LEN: usize = 4;
/// Bytes before a control payload: the escape and the control length.
const CONTROL_HEADER_LEN: usize = 8;
/// The field type of a content type in a control frame.
const FIELD_CONTENT_TYPE: u32 = 1;
/// Bytes asked of the input at a time by [`Reader`].
const READ_CHUNK: usize = 64 * 1024;

/// A control frame type: a number with named constants, so unknown types pass through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ControlType(pub u32);

impl ControlType {
    /// ACCEPT: the reader takes one of the offered content types (bidirectional).
    pub const ACCEPT: ControlType = ControlType(1);
    /// START: a stream begins, with its content type.
    pub const START: ControlType = ControlType(2);
    /// STOP: the writer is done.
    pub const STOP: ControlType = ControlType(3);
    /// READY: the writer offers content types (bidirectional).
    pub const READY: ControlType = ControlType(4);
    /// FINISH: the reader acknowledges a STOP (bidirectional).
    pub const FINISH: ControlType = ControlType(5);

    /// The spec's name for the type, or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            ControlType::ACCEPT => "ACCEPT",
            ControlType::START => "START",
            ControlType::STOP => "STOP",
            ControlType::READY => "READY",
            ControlType::FINISH => "FINISH",
            _ => "unknown",
        }
    }
}

impl std::fmt::Display for ControlType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:x})", self.name(), self.0)
    }
}

/// A control frame: its type and the content types it carries (other fields are skipped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Control {
    /// The control type.
    pub kind: ControlType,
    /// The CONTENT_TYPE fields, in order.
    pub content_types: Vec<Vec<u8>>,
}

impl Control {
    /// A control frame of type `kind` carrying `content_types`.
    pub fn new(kind: ControlType, content_types: &[&[u8]]) -> Control {
        Control {
            kind,
            content_types: content_types.iter().map(|c| c.to_vec()).collect(),
        }
    }

    /// Reads a control payload (after the escape and the control length). Fields of unknown
    /// types are skipped by their length.
    pub fn parse(payload: &[u8]) -> Result<Control, FstrmError> {
        let mut rest = payload;
        let kind = ControlType(
            take_u32(&mut rest).ok_or(FstrmError::ControlTooShort { len: payload.len() })?,
        );
        let mut content_types = Vec::new();
        while !rest.is_empty() {
            let field_type = take_u32(&mut rest).ok_or(FstrmError::BadControlField {
                kind,
                detail: "a field type is cut short",
            })?;
            let len = take_u32(&mut rest).ok_or(FstrmError::BadControlField {
                kind,
                detail: "a field length is cut short",
            })?;
            let value = rest
                .get(..len as usize)
                .ok_or(FstrmError::BadControlField {
                    kind,
                    detail: "a field runs past the end of its control frame",
                })?;
            rest = rest.get(len as usize..).unwrap_or_default();
            if field_type == FIELD_CONTENT_TYPE {
                if len > MAX_CONTENT_TYPE_LEN {
                    return Err(FstrmError::ContentTypeTooLong {
                        len,
                        limit: MAX_CONTENT_TYPE_LEN,
                    });
                }
                content_types.push(value.to_vec());
            }
        }
        Ok(Control {
            kind,
            content_types,
        })
    }

    /// Appends the whole frame (escape, control length, payload) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let fields: usize = self.content_types.iter().map(|c| 8 + c.len()).sum();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&((4 + fields) as u32).to_be_bytes());
        out.extend_from_slice(&self.kind.0.to_be_bytes());
        for content_type in &self.content_types {
            out.extend_from_slice(&FIELD_CONTENT_TYPE.to_be_bytes());
            out.extend_from_slice(&(content_type.len() as u32).to_be_bytes());
            out.extend_from_slice(content_type);
        }
    }

    /// True when the frame names `content_type`.
    pub fn offers(&self, content_type: &[u8]) -> bool {
        self.content_types.iter().any(|c| c == content_type)
    }
}

/// Appends a data frame (its length, then `payload`) to `out`; `payload` must be shorter than
/// 4 GiB and not empty (an empty frame would read as a control escape).
pub fn encode_data(payload: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    let len = data_len(payload)?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// The length field of a data frame carrying `payload`.
fn data_len(payload: &[u8]) -> io::Result<u32> {
    match u32::try_from(payload.len()) {
        Ok(0) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a Frame Streams data frame cannot be empty",
        )),
        Ok(len) => Ok(len),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a Frame Streams data frame must be shorter than 4 GiB",
        )),
    }
}

/// Takes a big-endian `u32` off the front of `bytes`.
fn take_u32(bytes: &mut &[u8]) -> Option<u32> {
    let (head, rest) = bytes.split_first_chunk::<4>()?;
    *bytes = rest;
    Some(u32::from_be_bytes(*head))
}

/// The big-endian `u32` at `at`.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let mut rest = bytes.get(at..)?;
    take_u32(&mut rest)
}

/// Why Frame Streams bytes cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FstrmError {
    /// Reading the input failed.
    #[error("cannot read the stream at byte {offset}: {source}")]
    Io {
        /// Stream bytes decoded before the failure.
        offset: u64,
        /// What the input said.
        source: io::Error,
    },
    /// The input ends inside a frame: the writer was cut off (a file still being written, a
    /// copy cut short).
    #[error("the stream is cut at byte {offset}: the frame there needs {needed} more bytes")]
    Truncated {
        /// Where the incomplete frame starts.
        offset: u64,
        /// Bytes it still needs.
        needed: u64,
    },
    /// The input ends between frames, before the STOP frame: the writer did not finish.
    #[error("the stream ends at byte {offset} without its STOP frame: the writer did not finish")]
    Unfinished {
        /// Where the input ends.
        offset: u64,
    },
    /// A control frame longer than the spec allows.
    #[error("a control frame of {len} bytes, more than the limit of {limit}")]
    ControlTooLong {
        /// The length it claims.
        len: u32,
        /// The largest accepted.
        limit: u32,
    },
    /// A control frame too short to hold its type.
    #[error("a control frame of {len} bytes is too short to hold its type")]
    ControlTooShort {
        /// Its length.
        len: usize,
    },
    /// A field of a control frame does not fit in it.
    #[error("a {kind} control frame is malformed: {detail}")]
    BadControlField {
        /// The frame's type.
        kind: ControlType,
        /// What is wrong.
        detail: &'static str,
    },
    /// A content type longer than the spec allows.
    #[error("a content type of {len} bytes, more than the limit of {limit}")]
    ContentTypeTooLong {
        /// Its length.
        len: u32,
        /// The largest accepted.
        limit: u32,
    },
    /// The stream carries another content type than the one wanted.
    #[error("the stream's content type is {found:?}, not {expected:?}")]
    WrongContentType {
        /// The content type of the START frame.
        found: String,
        /// The one wanted.
        expected: String,
    },
    /// A frame where the protocol does not allow it (data before START, STOP twice...).
    #[error("{what} at byte {offset}: not a Frame Streams file, or a corrupt one")]
    OutOfOrder {
        /// What came.
        what: &'static str,
        /// Where.
        offset: u64,
    },
}

impl FstrmError {
    /// Stable `snake_case` name for skip counters.
    pub fn reason(&self) -> &'static str {
        match self {
            FstrmError::Io { .. } => "read_error",
            FstrmError::Truncated { .. } => "fstrm_cut_mid_frame",
            FstrmError::Unfinished { .. } => "fstrm_no_stop_frame",
            FstrmError::ControlTooLong { .. } => "fstrm_control_too_long",
            FstrmError::ControlTooShort { .. } | FstrmError::BadControlField { .. } => {
                "fstrm_bad_control_frame"
            }
            FstrmError::ContentTypeTooLong { .. } | FstrmError::WrongContentType { .. } => {
                "fstrm_wrong_content_type"
            }
            FstrmError::OutOfOrder { .. } => "fstrm_frame_out_of_order",
        }
    }

    /// True when the bytes were fine but ended early (the writer was not done), rather than bad.
    pub fn is_cut(&self) -> bool {
        matches!(
            self,
            FstrmError::Truncated { .. } | FstrmError::Unfinished { .. }
        )
    }
}

/// What the next bytes of a stream are, from [`Decoder::decode`]. Every variant but
/// `NeedMore` consumes bytes from the front of the input: [`Decoded::consumed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A data frame: its payload is `input[payload]`, and it ends at `payload.end`.
    Data {
        /// Where the payload is in the input.
        payload: Range<usize>,
    },
    /// A control frame of `consumed` bytes.
    Control {
        /// The frame.
        control: Control,
        /// Its length, escape included.
        consumed: usize,
    },
    /// A data frame longer than the limit: only its length (4 bytes) is consumed; the
    /// decoder then skips its `len` bytes as they come ([`Decoded::Skipped`]).
    TooLarge {
        /// The length it claims.
        len: u32,
    },
    /// Bytes of a too-large frame, dropped.
    Skipped {
        /// How many, from the front of the input.
        consumed: usize,
    },
    /// Nothing can be decoded until the input holds at least `needed` bytes.
    NeedMore {
        /// Bytes the input must hold.
        needed: usize,
    },
}

impl Decoded {
    /// Bytes this step takes from the front of the input.
    pub fn consumed(&self) -> usize {
        match self {
            Decoded::Data { payload } => payload.end,
            Decoded::Control { consumed, .. } | Decoded::Skipped { consumed } => *consumed,
            Decoded::TooLarge { .. } => LENGTH_LEN,
            Decoded::NeedMore { .. } => 0,
        }
    }
}

/// Finds frames in bytes as they arrive (sans I/O): the caller keeps the bytes, calls
/// [`Decoder::decode`] on what it holds, and drops [`Decoded::consumed`] bytes from the front.
#[derive(Clone, Debug)]
pub struct Decoder {
    max_frame: u32,
    skipping: u64,
}

impl Decoder {
    /// A decoder keeping data frames of up to `max_frame` bytes.
    pub fn new(max_frame: u32) -> Decoder {
        Decoder {
            max_frame,
            skipping: 0,
        }
    }

    /// Bytes of a too-large frame still to skip.
    pub fn skipping(&self) -> u64 {
        self.skipping
    }

    /// Decodes the frame at the front of `input`.
    pub fn decode(&mut self, input: &[u8]) -> Result<Decoded, FstrmError> {
        if self.skipping > 0 {
            if input.is_empty() {
                return Ok(Decoded::NeedMore { needed: 1 });
            }
            let consumed = usize::try_from(self.skipping)
                .unwrap_or(usize::MAX)
                .min(input.len());
            self.skipping -= consumed as u64;
            return Ok(Decoded::Skipped { consumed });
        }
        let Some(len) = u32_at(input, 0) else {
            return Ok(Decoded::NeedMore { needed: LENGTH_LEN });
        };
        if len > 0 {
            if len > self.max_frame {
                self.skipping = u64::from(len);
                return Ok(Decoded::TooLarge { len });
            }
            let end = LENGTH_LEN + len as usize;
            if input.len() < end {
                return Ok(Decoded::NeedMore { needed: end });
            }
            return Ok(Decoded::Data {
                payload: LENGTH_LEN..end,
            });
        }
        let Some(control_len) = u32_at(input, LENGTH_LEN) else {
            return Ok(Decoded::NeedMore {
                needed: CONTROL_HEADER_LEN,
            });
        };
        if control_len > MAX_CONTROL_LEN {
            return Err(FstrmError::ControlTooLong {
                len: control_len,
                limit: MAX_CONTROL_LEN,
            });
        }
        let end = CONTROL_HEADER_LEN + control_len as usize;
        let Some(payload) = input.get(CONTROL_HEADER_LEN..end) else {
            return Ok(Decoded::NeedMore { needed: end });
        };
        Ok(Decoded::Control {
            control: Control::parse(payload)?,
            consumed: end,
        })
    }
}

/// A frame a [`Reader`] yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A data frame's payload.
    Data(Bytes),
    /// A data frame longer than the limit, skipped unread.
    TooLarge {
        /// The length it claimed.
        len: u32,
    },
}

/// Where a unidirectional stream stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    BeforeStart,
    /// After START: data frames.
    Streaming,
    /// After STOP: the end, or another stream's START (concatenated files).
    Stopped,
}

/// A unidirectional Frame Streams stream (a file) read from any [`Read`].
///
/// Memory is bounded by the largest data frame kept plus one read: a too-large frame is
/// skipped as it is read. Control frames other than START and STOP are ignored (and counted),
/// as the spec asks of readers; a START after a STOP begins another stream (files
/// concatenated), whose content type is checked again.
pub struct Reader<R> {
    input: R,
    buffer: BytesMut,
    decoder: Decoder,
    content_type: Vec<u8>,
    state: State,
    /// Stream offset of the first byte of `buffer`.
    offset: u64,
    /// Where the too-large frame being skipped starts.
    skipped_from: u64,
    eof: bool,
    /// The input ended with an unexpected-EOF error (a gzip stream cut short).
    cut: bool,
    ignored_controls: u64,
}

impl<R: Read> Reader<R> {
    /// Reads the START frame of `input` and checks it carries `content_type` (a START with no
    /// content type is taken as the one wanted). Data frames of up to `max_frame` bytes are kept.
    pub fn new(input: R, content_type: &[u8], max_frame: u32) -> Result<Reader<R>, FstrmError> {
        let mut reader = Reader {
            input,
            buffer: BytesMut::new(),
            decoder: Decoder::new(max_frame),
            content_type: content_type.to_vec(),
            state: State::BeforeStart,
            offset: 0,
            skipped_from: 0,
            eof: false,
            cut: false,
            ignored_controls: 0,
        };
        while reader.state == State::BeforeStart {
            reader.step()?;
        }
        Ok(reader)
    }

    /// The next data frame; `Ok(None)` at the end of a stream that ended with STOP.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FstrmError> {
        loop {
            if let Some(frame) = self.step()? {
                return Ok(Some(frame));
            }
            if self.eof && self.buffer.is_empty() && self.decoder.skipping() == 0 {
                return match (self.state, self.cut) {
                    (State::Stopped, false) => Ok(None),
                    (_, true) => Err(FstrmError::Truncated {
                        offset: self.offset,
                        needed: 1,
                    }),
                    _ => Err(FstrmError::Unfinished {
                        offset: self.offset,
                    }),
                };
            }
        }
    }

    /// The input under the reader.
    pub fn get_ref(&self) -> &R {
        &self.input
    }

    /// Stream bytes decoded so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Control frames ignored so far (unknown types, and READY/ACCEPT/FINISH in a file).
    pub fn ignored_controls(&self) -> u64 {
        self.ignored_controls
    }

    /// Takes `n` bytes off the front of the buffer.
    fn consume(&mut self, n: usize) {
        self.buffer.advance(n.min(self.buffer.len()));
        self.offset += n as u64;
    }

    /// Decodes one step: a data frame, or `None` after a control frame, skipped bytes, or a
    /// read (at the end of the input, `None` with `eof` set and nothing decodable left).
    fn step(&mut self) -> Result<Option<Frame>, FstrmError> {
        let offset = self.offset;
        let decoded = self.decoder.decode(&self.buffer)?;
        match decoded {
            Decoded::NeedMore { needed } => {
                if self.eof {
                    if self.buffer.is_empty() && self.decoder.skipping() == 0 {
                        if self.state == State::BeforeStart {
                            return Err(FstrmError::OutOfOrder {
                                what: "the input ends before a START frame",
                                offset,
                            });
                        }
                        return Ok(None);
                    }
                    return Err(match self.decoder.skipping() {
                        0 => FstrmError::Truncated {
                            offset,
                            needed: needed.saturating_sub(self.buffer.len()) as u64,
                        },
                        skipping => FstrmError::Truncated {
                            offset: self.skipped_from,
                            needed: skipping,
                        },
                    });
                }
                self.fill(needed)?;
                Ok(None)
            }
            Decoded::Skipped { consumed } => {
                self.consume(consumed);
                Ok(None)
            }
            Decoded::TooLarge { len } => {
                self.check_streaming(false, offset)?;
                self.skipped_from = offset;
                self.consume(LENGTH_LEN);
                Ok(Some(Frame::TooLarge { len }))
            }
            Decoded::Data { payload } => {
                self.check_streaming(false, offset)?;
                self.consume(payload.start);
                let frame = self.buffer.split_to(payload.len()).freeze();
                self.offset += payload.len() as u64;
                Ok(Some(Frame::Data(frame)))
            }
            Decoded::Control { control, consumed } => {
                self.consume(consumed);
                match control.kind {
                    ControlType::START => {
                        if self.state == State::Streaming {
                            return Err(FstrmError::OutOfOrder {
                                what: "a START frame inside a stream",
                                offset,
                            });
                        }
                        if let Some(found) = control.content_types.first() {
                            if *found != self.content_type {
                                return Err(FstrmError::WrongContentType {
                                    found: String::from_utf8_lossy(found).into_owned(),
                                    expected: String::from_utf8_lossy(&self.content_type)
                                        .into_owned(),
                                });
                            }
                        }
                        self.state = State::Streaming;
                    }
                    ControlType::STOP => {
                        self.check_streaming(true, offset)?;
                        self.state = State::Stopped;
                    }
                    _ => self.ignored_controls += 1,
                }
                Ok(None)
            }
        }
    }

    /// Fails unless a stream is open (after START, before STOP) for a data frame, or for a
    /// STOP frame when `stop`.
    fn check_streaming(&self, stop: bool, offset: u64) -> Result<(), FstrmError> {
        let what = match (self.state, stop) {
            (State::Streaming, _) => return Ok(()),
            (State::BeforeStart, false) => "a data frame before START",
            (State::BeforeStart, true) => "a STOP frame before START",
            (State::Stopped, false) => "a data frame after STOP",
            (State::Stopped, true) => "a second STOP frame",
        };
        Err(FstrmError::OutOfOrder { what, offset })
    }

    /// Reads until the buffer holds `needed` bytes or the input ends; at least one chunk.
    fn fill(&mut self, needed: usize) -> Result<(), FstrmError> {
        while self.buffer.len() < needed.max(1) && !self.eof {
            let old = self.buffer.len();
            let want = (needed - old.min(needed)).max(READ_CHUNK);
            self.buffer.resize(old + want, 0);
            let result = loop {
                match self
                    .input
                    .read(self.buffer.get_mut(old..).unwrap_or_default())
                {
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            match result {
                Ok(0) => {
                    self.buffer.truncate(old);
                    self.eof = true;
                }
                Ok(got) => self.buffer.truncate(old + got),
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    // A gzip stream cut short: what was decoded is usable, the rest is lost.
                    self.buffer.truncate(old);
                    self.eof = true;
                    self.cut = true;
                }
                Err(source) => {
                    self.buffer.truncate(old);
                    return Err(FstrmError::Io {
                        offset: self.offset + old as u64,
                        source,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Writes a unidirectional Frame Streams stream: START on creation, data frames, STOP on
/// [`Writer::finish`].
pub struct Writer<W: Write> {
    output: W,
    scratch: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// Writes the START frame with `content_type`.
    pub fn new(mut output: W, content_type: &[u8]) -> io::Result<Writer<W>> {
        let mut scratch = Vec::new();
        Control::new(ControlType::START, &[content_type]).encode(&mut scratch);
        output.write_all(&scratch)?;
        Ok(Writer { output, scratch })
    }

    /// Writes one data frame.
    pub fn write_frame(&mut self, payload: &[u8]) -> io::Result<()> {
        let len = data_len(payload)?;
        self.output.write_all(&len.to_be_bytes())?;
        self.output.write_all(payload)
    }

    /// Writes the STOP frame and hands the output back.
    pub fn finish(mut self) -> io::Result<W> {
        self.scratch.clear();
        Control::new(ControlType::STOP, &[]).encode(&mut self.scratch);
        self.output.write_all(&self.scratch)?;
        self.output.flush()?;
        Ok(self.output)
    }
}

/// The content type of the START frame at the front of `head` (the first bytes of a file):
/// `Some(None)` for a START without one, `None` when `head` does not start with a START frame.
pub fn start_content_type(head: &[u8]) -> Option<Option<Vec<u8>>> {
    match Decoder::new(0).decode(head) {
        Ok(Decoded::Control { control, .. }) if control.kind == ControlType::START => {
            Some(control.content_types.into_iter().next())
        }
        _ => None,
    }
}

/// Bytes enough to hold any START frame: the escape, the control length and the largest
/// control payload.
pub const START_FRAME_MAX: usize = CONTROL_HEADER_LEN + MAX_CONTROL_LEN as usize;

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of a START frame with the dnstap content type.
    const START_LEN: usize = 42;

    fn dnstap_file(frames: &[&[u8]]) -> Vec<u8> {
        let mut writer = Writer::new(Vec::new(), CONTENT_TYPE_DNSTAP).expect("start");
        for frame in frames {
            writer.write_frame(frame).expect("frame");
        }
        writer.finish().expect("stop")
    }

    /// Reads every frame, or the error that stopped the stream.
    fn read_all(input: impl Read, max_frame: u32) -> (Vec<Frame>, Option<FstrmError>) {
        let mut reader = match Reader::new(input, CONTENT_TYPE_DNSTAP, max_frame) {
            Ok(reader) => reader,
            Err(err) => return (Vec::new(), Some(err)),
        };
        let mut frames = Vec::new();
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => return (frames, None),
                Err(err) => return (frames, Some(err)),
            }
        }
    }

    /// Every frame of a stream that must read to its end.
    fn read_ok(input: impl Read, max_frame: u32) -> Vec<Frame> {
        let (frames, err) = read_all(input, max_frame);
        assert!(err.is_none(), "{err:?}");
        frames
    }

    /// A reader that gives one byte per read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn data(frames: &[&[u8]]) -> Vec<Frame> {
        frames
            .iter()
            .map(|f| Frame::Data(Bytes::copy_from_slice(f)))
            .collect()
    }

    #[test]
    fn the_documented_header_is_what_is_written() {
        let file = dnstap_file(&[b"abc"]);
        let mut expected = vec![
            0, 0, 0, 0, 0, 0, 0, 0x22, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x16,
        ];
        expected.extend_from_slice(CONTENT_TYPE_DNSTAP);
        expected.extend_from_slice(&[0, 0, 0, 3, b'a', b'b', b'c']);
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3]);
        assert_eq!(file, expected);
        assert_eq!(
            start_content_type(&file),
            Some(Some(CONTENT_TYPE_DNSTAP.to_vec()))
        );
        assert_eq!(start_content_type(&file[..10]), None, "too short to tell");
        assert_eq!(start_content_type(b"\xa1\xb2\xc3\xd4"), None);
    }

    #[test]
    fn round_trip_whole_and_one_byte_at_a_time() {
        let frames: [&[u8]; 3] = [b"first", &[7u8; 70_000], b"x"];
        let file = dnstap_file(&frames);
        assert_eq!(read_ok(&file[..], DEFAULT_MAX_FRAME), data(&frames));
        let (got, err) = read_all(Trickle(&file), DEFAULT_MAX_FRAME);
        assert_eq!((got, err.map(|e| e.to_string())), (data(&frames), None));
        // Encoding a frame on its own gives the same bytes as the writer.
        let mut one = Vec::new();
        encode_data(b"first", &mut one).expect("encodes");
        assert_eq!(one, b"\0\0\0\x05first");
        assert!(
            encode_data(b"", &mut one).is_err(),
            "empty data is an escape"
        );
    }

    #[test]
    fn an_oversize_frame_is_skipped_by_its_length_and_counted() {
        let big = vec![0xabu8; 100_000];
        let frames: [&[u8]; 3] = [b"small", &big, b"after"];
        let file = dnstap_file(&frames);
        let expected = vec![
            Frame::Data(Bytes::from_static(b"small")),
            Frame::TooLarge { len: 100_000 },
            Frame::Data(Bytes::from_static(b"after")),
        ];
        let mut reader = Reader::new(&file[..], CONTENT_TYPE_DNSTAP, 1000).expect("start");
        let mut got = Vec::new();
        while let Some(frame) = reader.next_frame().expect("reads") {
            // Never more than a read's worth held: the big frame is dropped as it comes.
            assert!(reader.buffer.capacity() <= 2 * READ_CHUNK);
            got.push(frame);
        }
        assert_eq!(got, expected);
        let (got, err) = read_all(Trickle(&file), 1000);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, expected);
    }

    #[test]
    fn a_hostile_length_costs_no_memory_and_ends_as_a_cut() {
        // A data frame claiming 4 GiB - 1, followed by a few bytes: skipped, then the stream
        // is cut with the rest of the claim still to come.
        let mut file = dnstap_file(&[])[..START_LEN].to_vec();
        assert_eq!(start_content_type(&file).map(|c| c.is_some()), Some(true));
        file.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
        let (got, err) = read_all(&file[..], DEFAULT_MAX_FRAME);
        assert_eq!(got, vec![Frame::TooLarge { len: u32::MAX }]);
        match err {
            Some(FstrmError::Truncated { offset, needed }) => {
                assert_eq!(offset, START_LEN as u64, "where the frame starts");
                assert_eq!(needed, u64::from(u32::MAX) - 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_cut_gives_a_prefix_of_the_frames_then_says_it_is_cut() {
        let frames: [&[u8]; 3] = [b"one", b"two two", b"three"];
        let file = dnstap_file(&frames);
        let all = data(&frames);
        for cut in 0..file.len() {
            let (got, err) = read_all(&file[..cut], DEFAULT_MAX_FRAME);
            assert!(all.starts_with(&got), "cut at {cut}: {got:?}");
            let err = err.unwrap_or_else(|| panic!("cut at {cut} reads as complete"));
            if cut < START_LEN {
                // Not even a whole START frame: not a stream at all.
                assert!(
                    matches!(
                        err,
                        FstrmError::OutOfOrder { .. } | FstrmError::Truncated { .. }
                    ),
                    "cut at {cut}: {err}"
                );
            } else {
                assert!(err.is_cut(), "cut at {cut}: {err}");
            }
        }
        // Between frames, with no STOP: unfinished; inside a frame: truncated.
        let (got, err) = read_all(&file[..file.len() - 12], DEFAULT_MAX_FRAME);
        assert_eq!(got, all);
        assert!(
            matches!(err, Some(FstrmError::Unfinished { .. })),
            "{err:?}"
        );
        let (_, err) = read_all(&file[..file.len() - 14], DEFAULT_MAX_FRAME);
        assert!(
            matches!(err, Some(FstrmError::Truncated { needed: 2, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn a_gzip_stream_cut_short_is_a_cut_even_at_a_frame_boundary() {
        struct CutGzip<'a>(&'a [u8]);
        impl Read for CutGzip<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                let n = self.0.len().min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let file = dnstap_file(&[b"one"]);
        let (got, err) = read_all(CutGzip(&file), DEFAULT_MAX_FRAME);
        assert_eq!(got, data(&[b"one"]));
        assert!(matches!(err, Some(FstrmError::Truncated { .. })), "{err:?}");
    }

    #[test]
    fn the_wrong_content_type_is_a_clear_error() {
        let mut file = Vec::new();
        Control::new(ControlType::START, &[b"protobuf:other.Thing"]).encode(&mut file);
        let err = Reader::new(&file[..], CONTENT_TYPE_DNSTAP, DEFAULT_MAX_FRAME)
            .err()
            .expect("refused");
        assert_eq!(
            err.to_string(),
            "the stream's content type is \"protobuf:other.Thing\", not \"protobuf:dnstap.Dnstap\""
        );
        assert_eq!(err.reason(), "fstrm_wrong_content_type");
        // A START without a content type is taken as the one wanted.
        let mut file = Vec::new();
        Control::new(ControlType::START, &[]).encode(&mut file);
        encode_data(b"frame", &mut file).expect("encodes");
        Control::new(ControlType::STOP, &[]).encode(&mut file);
        assert_eq!(read_ok(&file[..], DEFAULT_MAX_FRAME), data(&[b"frame"]));
    }

    #[test]
    fn unknown_control_frames_and_fields_are_ignored() {
        let mut file = Vec::new();
        // START with an unknown field (type 9) before its content type.
        file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x2e, 0, 0, 0, 2]);
        file.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 4, 1, 2, 3, 4]);
        file.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0x16]);
        file.extend_from_slice(CONTENT_TYPE_DNSTAP);
        encode_data(b"one", &mut file).expect("encodes");
        // An unknown control type 0x99, and a READY, which has no place in a file.
        file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0x99]);
        Control::new(ControlType::READY, &[CONTENT_TYPE_DNSTAP]).encode(&mut file);
        encode_data(b"two", &mut file).expect("encodes");
        Control::new(ControlType::STOP, &[]).encode(&mut file);
        let mut reader = Reader::new(&file[..], CONTENT_TYPE_DNSTAP, 1000).expect("start");
        let mut got = Vec::new();
        while let Some(frame) = reader.next_frame().expect("reads") {
            got.push(frame);
        }
        assert_eq!(got, data(&[b"one", b"two"]));
        assert_eq!(reader.ignored_controls(), 2);
        assert_eq!(reader.offset(), file.len() as u64);
    }

    #[test]
    fn concatenated_streams_read_as_one() {
        let mut file = dnstap_file(&[b"one"]);
        file.extend(dnstap_file(&[b"two"]));
        assert_eq!(
            read_ok(&file[..], DEFAULT_MAX_FRAME),
            data(&[b"one", b"two"])
        );
    }

    #[test]
    fn malformed_control_frames_are_named() {
        let err = |file: &[u8]| {
            Reader::new(file, CONTENT_TYPE_DNSTAP, 1000)
                .err()
                .expect("refused")
                .to_string()
        };
        // A control frame at the start: the escape, then `rest`.
        let start = |rest: &[u8]| err(&[&[0, 0, 0, 0], rest].concat());
        assert_eq!(
            start(&[0, 0, 2, 1]),
            "a control frame of 513 bytes, more than the limit of 512"
        );
        assert_eq!(
            start(&[0, 0, 0, 2, 0, 2]),
            "a control frame of 2 bytes is too short to hold its type"
        );
        assert_eq!(
            start(&[0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0]),
            "a START (0x2) control frame is malformed: a field length is cut short"
        );
        assert_eq!(
            start(&[0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 9]),
            "a START (0x2) control frame is malformed: a field runs past the end of its control frame"
        );
        let mut long = vec![0, 0, 1, 0x10, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 4];
        long.extend_from_slice(&[b'x'; 260]);
        assert_eq!(
            start(&long),
            "a content type of 260 bytes, more than the limit of 256"
        );
        // Data before START, STOP before START, nothing at all.
        assert_eq!(
            err(b"\0\0\0\x03abc"),
            "a data frame before START at byte 0: not a Frame Streams file, or a corrupt one"
        );
        assert_eq!(
            err(b"\0\0\0\0\0\0\0\x04\0\0\0\x03"),
            "a STOP frame before START at byte 0: not a Frame Streams file, or a corrupt one"
        );
        assert_eq!(
            err(b""),
            "the input ends before a START frame at byte 0: not a Frame Streams file, or a corrupt one"
        );
        // Data after STOP, and a START inside a stream.
        let mut file = dnstap_file(&[b"one"]);
        encode_data(b"late", &mut file).expect("encodes");
        let (_, stopped) = read_all(&file[..], 1000);
        assert_eq!(
            stopped.map(|e| e.reason()),
            Some("fstrm_frame_out_of_order")
        );
        let mut file = dnstap_file(&[])[..START_LEN].to_vec();
        file.extend(dnstap_file(&[]));
        let (_, stopped) = read_all(&file[..], 1000);
        assert!(stopped
            .expect("refused")
            .to_string()
            .starts_with("a START frame inside a stream"));
    }

    #[test]
    fn the_decoder_says_what_it_needs() {
        let mut decoder = Decoder::new(10);
        for (input, needed) in [
            (&b"\0\0"[..], 4),
            (b"\0\0\0\x05ab", 9),
            (b"\0\0\0\0\0\0", 8),
            (b"\0\0\0\0\0\0\0\x04\0", 12),
        ] {
            assert_eq!(
                decoder.decode(input).expect("ok"),
                Decoded::NeedMore { needed },
                "{input:?}"
            );
        }
        let data = decoder.decode(b"\0\0\0\x02abXX").expect("ok");
        assert_eq!(data, Decoded::Data { payload: 4..6 });
        assert_eq!(data.consumed(), 6);
        // A frame over the limit: its length is consumed, then its bytes as they come.
        let too_large = decoder.decode(b"\0\0\0\x0babc").expect("ok");
        assert_eq!(too_large, Decoded::TooLarge { len: 11 });
        assert_eq!(too_large.consumed(), 4);
        assert_eq!(
            decoder.decode(b"abc").expect("ok"),
            Decoded::Skipped { consumed: 3 }
        );
        assert_eq!(decoder.skipping(), 8);
        assert_eq!(
            decoder.decode(b"").expect("ok"),
            Decoded::NeedMore { needed: 1 }
        );
        assert_eq!(
            decoder.decode(b"12345678\0\0").expect("ok"),
            Decoded::Skipped { consumed: 8 }
        );
        assert_eq!(decoder.skipping(), 0);
    }
}
