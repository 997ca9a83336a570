//! DNS-over-TCP reassembly: one direction of a TCP connection (server to client) turned
//! into the RFC 1035 §4.2.2 length-prefixed messages it carries.
//!
//! A stream is keyed by [`FlowKey`] (source address and port to destination address and
//! port). It starts at the server's SYN-ACK (the first data byte is then a message
//! boundary) or, when the handshake was not captured, at the first data segment seen, if
//! its first bytes look like the start of a length-prefixed DNS response (length ≥ 12,
//! QR set, a known opcode, at most one question); a segment that does not is dropped,
//! counted as `tcp_resync`, and the next segment is tried.
//!
//! Sequence numbers compare modulo 2³², so streams may wrap. Bytes already delivered are
//! ignored (retransmissions, overlaps). Segments past a gap are held, up to
//! [`TcpConfig::max_stream_bytes`] per stream (held segments plus the partial message)
//! and [`TcpConfig::max_total_bytes`] over all streams. A gap is given up (`tcp_hole`)
//! when the stream closes (FIN, RST, idle for [`TcpConfig::idle_timeout_secs`] of capture
//! time, eviction, end of input) or when the stream's buffer is full; the partial message
//! before the gap is dropped and reading resumes at the next held segment that starts a
//! message. A message still incomplete at close counts as `tcp_incomplete`; a length
//! prefix below 12 (no DNS header fits) counts as `tcp_bad_length` and starts a resync.
//! At most [`TcpConfig::max_streams`] streams are kept; beyond that, or beyond the total
//! byte cap, the least recently active eighth is closed (`tcp_streams_evicted` each).

use hashbrown::HashMap;

use crate::stats::ExtractStats;

/// Limits for [`TcpReassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpConfig {
    /// Streams tracked at once.
    pub max_streams: usize,
    /// Bytes held per stream (out-of-order segments plus the partial message).
    pub max_stream_bytes: usize,
    /// Bytes held over all streams.
    pub max_total_bytes: usize,
    /// Capture-time seconds without a segment after which a stream is closed.
    pub idle_timeout_secs: u32,
    /// Emit only messages of streams whose client sent data on the same connection
    /// ([`TcpReassembler::note_query`]); the others count as `unpaired_response`.
    pub require_query: bool,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            max_streams: 65_536,
            max_stream_bytes: 256 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
            idle_timeout_secs: 120,
            require_query: false,
        }
    }
}

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Sender address (IPv4 in the first 4 bytes, the rest zero).
    pub src: [u8; 16],
    /// Receiver address (IPv4 in the first 4 bytes, the rest zero).
    pub dst: [u8; 16],
    /// Sender port.
    pub src_port: u16,
    /// Receiver port.
    pub dst_port: u16,
}

impl FlowKey {
    /// The opposite direction of the same connection.
    pub fn reversed(&self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
        }
    }
}

/// The parts of a TCP segment that reassembly needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Sequence number.
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// Segment data.
    pub payload: &'a [u8],
    /// Capture time, seconds.
    pub ts_sec: i64,
    /// Capture time, nanoseconds.
    pub ts_nanos: u32,
}

/// Receives each complete message with the capture time of the segment that completed it
/// and the server's address (the stream's sender).
pub type EmitFn<'e> = dyn FnMut(&[u8], i64, u32, &[u8; 16]) + 'e;

#[derive(Debug)]
struct Held {
    seq: u32,
    data: Vec<u8>,
    ts_sec: i64,
    ts_nanos: u32,
}

#[derive(Debug)]
struct Stream {
    /// Sequence number of the next byte expected.
    next_seq: u32,
    /// `buf` starts at a message boundary; otherwise look for one at the next segment.
    synced: bool,
    /// Bytes of the message being completed (prefix included).
    buf: Vec<u8>,
    /// Segments past a gap, sorted by sequence number.
    held: Vec<Held>,
    held_bytes: usize,
    last_sec: i64,
    touched: u64,
    /// Both ports are server ports: drop messages with QR = 0 as queries.
    check_qr: bool,
    /// Sequence number of the first data byte, when the SYN was seen.
    origin: Option<u32>,
    /// The client sent data (a query) on this connection.
    queried: bool,
    /// The sender's address (the server).
    server: [u8; 16],
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

/// Whether `data` may start with a length-prefixed DNS response (true if too short to tell).
fn looks_like_message_start(data: &[u8]) -> bool {
    let Some(len) = u16_at(data, 0) else {
        return true;
    };
    if len < 12 {
        return false;
    }
    if let Some(&flags) = data.get(4) {
        let opcode = (flags >> 3) & 0x0F;
        if flags & 0x80 == 0 || opcode == 3 || opcode > 6 {
            return false;
        }
    }
    u16_at(data, 6).is_none_or(|questions| questions <= 1)
}

struct Out<'a, 'e> {
    require_query: bool,
    stats: &'a mut ExtractStats,
    emit: &'a mut EmitFn<'e>,
}

impl Stream {
    fn new(
        server: [u8; 16],
        next_seq: u32,
        synced: bool,
        now: i64,
        touched: u64,
        check_qr: bool,
    ) -> Self {
        Stream {
            next_seq,
            synced,
            buf: Vec::new(),
            held: Vec::new(),
            held_bytes: 0,
            last_sec: now,
            touched,
            check_qr,
            origin: None,
            queried: false,
            server,
        }
    }

    fn bytes(&self) -> usize {
        self.buf.len() + self.held_bytes
    }

    fn message(&self, message: &[u8], ts: (i64, u32), out: &mut Out<'_, '_>) {
        if self.check_qr && message.get(2).is_some_and(|flags| flags & 0x80 == 0) {
            out.stats.queries += 1;
        } else if out.require_query && !self.queried {
            out.stats.skips.add("unpaired_response");
        } else {
            (out.emit)(message, ts.0, ts.1, &self.server);
        }
    }

    /// Splits complete messages off `data`; returns how many bytes were used, or None
    /// after a bad length (the stream is then unsynced).
    fn split(&mut self, data: &[u8], ts: (i64, u32), out: &mut Out<'_, '_>) -> Option<usize> {
        let mut at = 0usize;
        while let Some(len) = u16_at(data, at) {
            let len = usize::from(len);
            if len < 12 {
                out.stats.skips.add("tcp_bad_length");
                self.synced = false;
                return None;
            }
            let Some(message) = data.get(at + 2..at + 2 + len) else {
                break;
            };
            self.message(message, ts, out);
            at += 2 + len;
        }
        Some(at)
    }

    /// Takes `data`, which starts at `next_seq`.
    fn deliver(&mut self, data: &[u8], ts: (i64, u32), out: &mut Out<'_, '_>) {
        self.next_seq = self.next_seq.wrapping_add(data.len() as u32);
        if !self.synced {
            if !looks_like_message_start(data) {
                out.stats.skips.add("tcp_resync");
                return;
            }
            self.synced = true;
            self.buf.clear();
        }
        if self.buf.is_empty() {
            match self.split(data, ts, out) {
                Some(used) => self
                    .buf
                    .extend_from_slice(data.get(used..).unwrap_or_default()),
                None => self.buf.clear(),
            }
        } else {
            self.buf.extend_from_slice(data);
            let buf = std::mem::take(&mut self.buf);
            let used = self.split(&buf, ts, out);
            self.buf = buf;
            match used {
                Some(used) => {
                    self.buf.drain(..used.min(self.buf.len()));
                }
                None => self.buf.clear(),
            }
        }
    }

    /// Delivers held segments that have become contiguous.
    fn drain(&mut self, trigger: Option<(i64, u32)>, out: &mut Out<'_, '_>) {
        while let Some(first) = self.held.first() {
            let rel = first.seq.wrapping_sub(self.next_seq) as i32;
            if rel > 0 {
                break;
            }
            let held = self.held.remove(0);
            self.held_bytes -= held.data.len();
            let skip = rel.unsigned_abs() as usize;
            if let Some(fresh) = held.data.get(skip..).filter(|d| !d.is_empty()) {
                let ts = trigger.unwrap_or((held.ts_sec, held.ts_nanos));
                self.deliver(fresh, ts, out);
            }
        }
    }

    /// Gives up the gap before the first held segment and reads on from there.
    fn skip_hole(&mut self, trigger: Option<(i64, u32)>, out: &mut Out<'_, '_>) {
        let Some(first) = self.held.first() else {
            return;
        };
        out.stats.skips.add("tcp_hole");
        self.buf.clear();
        self.synced = false;
        self.next_seq = first.seq;
        self.drain(trigger, out);
    }

    /// Takes a data segment.
    fn data(
        &mut self,
        seq: u32,
        payload: &[u8],
        ts: (i64, u32),
        max_bytes: usize,
        out: &mut Out<'_, '_>,
    ) {
        loop {
            let rel = seq.wrapping_sub(self.next_seq) as i32;
            if rel <= 0 {
                let skip = rel.unsigned_abs() as usize;
                if let Some(fresh) = payload.get(skip..).filter(|d| !d.is_empty()) {
                    self.deliver(fresh, ts, out);
                    self.drain(Some(ts), out);
                }
                return;
            }
            let gap = rel as usize;
            if gap <= max_bytes && self.bytes() + payload.len() <= max_bytes {
                let at = self
                    .held
                    .partition_point(|h| (h.seq.wrapping_sub(self.next_seq) as i32) <= rel);
                self.held.insert(
                    at,
                    Held {
                        seq,
                        data: payload.to_vec(),
                        ts_sec: ts.0,
                        ts_nanos: ts.1,
                    },
                );
                self.held_bytes += payload.len();
                return;
            }
            if !self.held.is_empty() {
                self.skip_hole(Some(ts), out);
                continue;
            }
            // Nothing held and the gap cannot be: give it up and start over here.
            out.stats.skips.add("tcp_hole");
            self.buf.clear();
            self.synced = false;
            self.next_seq = seq;
        }
    }

    /// Takes one segment's payload (if any) at `seq`, noting the activity time.
    fn take(&mut self, seq: u32, segment: &Segment<'_>, max_bytes: usize, out: &mut Out<'_, '_>) {
        self.last_sec = segment.ts_sec;
        if !segment.payload.is_empty() {
            let ts = (segment.ts_sec, segment.ts_nanos);
            self.data(seq, segment.payload, ts, max_bytes, out);
        }
    }

    /// Closes the stream: gives up every gap, delivers what follows them.
    fn close(&mut self, trigger: Option<(i64, u32)>, out: &mut Out<'_, '_>) {
        while !self.held.is_empty() {
            self.skip_hole(trigger, out);
        }
        if !self.buf.is_empty() {
            out.stats.skips.add("tcp_incomplete");
            self.buf.clear();
        }
    }
}

/// Reassembles DNS messages from the server side of many TCP connections.
#[derive(Debug)]
pub struct TcpReassembler {
    config: TcpConfig,
    streams: HashMap<FlowKey, Stream>,
    /// Connections displaced by a new SYN on the same addresses and ports while still open:
    /// their last segments may still come, told apart by sequence number.
    displaced: HashMap<FlowKey, Stream>,
    clock: u64,
    bytes: usize,
    next_sweep: i64,
    scratch: Vec<u64>,
}

impl TcpReassembler {
    /// A reassembler with the given limits.
    pub fn new(config: TcpConfig) -> Self {
        TcpReassembler {
            config: TcpConfig {
                max_streams: config.max_streams.max(1),
                ..config
            },
            streams: HashMap::new(),
            displaced: HashMap::new(),
            clock: 0,
            bytes: 0,
            next_sweep: i64::MIN,
            scratch: Vec::new(),
        }
    }

    /// Streams tracked now.
    pub fn streams(&self) -> usize {
        self.streams.len()
    }

    /// Bytes held over all streams.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// Takes a segment sent by the server side of `key` (source port is a server port).
    /// `check_qr` says both ports are server ports, so messages with QR = 0 are queries.
    pub fn segment(
        &mut self,
        key: FlowKey,
        segment: &Segment<'_>,
        check_qr: bool,
        stats: &mut ExtractStats,
        emit: &mut EmitFn<'_>,
    ) {
        let now = segment.ts_sec;
        let ts = (segment.ts_sec, segment.ts_nanos);
        let mut out = Out {
            require_query: self.config.require_query,
            stats,
            emit,
        };
        if now >= self.next_sweep {
            self.sweep(now, &mut out);
        }
        self.clock += 1;
        let mut seq = segment.seq;
        if segment.syn {
            seq = seq.wrapping_add(1);
            let repeated = self
                .streams
                .get(&key)
                .is_some_and(|stream| stream.origin == Some(seq));
            if !repeated {
                // A new connection on the same addresses and ports. The old one may still
                // have data in flight: keep it aside (one per flow) until it closes.
                if let Some(old) = self.streams.remove(&key) {
                    if let Some(mut older) = self.displaced.insert(key, old) {
                        self.bytes -= older.bytes();
                        older.close(Some(ts), &mut out);
                    }
                }
                let mut stream = Stream::new(key.src, seq, true, now, self.clock, check_qr);
                stream.origin = Some(seq);
                self.insert(key, stream, &mut out);
            }
        } else if segment.payload.is_empty() && !segment.fin && !segment.rst {
            return;
        }
        if !segment.syn && self.fits_displaced(&key, seq) {
            if let Some(mut stream) = self.displaced.remove(&key) {
                let before = stream.bytes();
                stream.take(seq, segment, self.config.max_stream_bytes, &mut out);
                if segment.fin || segment.rst {
                    stream.close(Some(ts), &mut out);
                    self.bytes -= before;
                } else {
                    self.bytes = self.bytes + stream.bytes() - before;
                    self.displaced.insert(key, stream);
                }
                return;
            }
        }
        let stream = match self.streams.get_mut(&key) {
            Some(stream) => stream,
            None => {
                if segment.payload.is_empty() {
                    return;
                }
                let stream = Stream::new(key.src, seq, false, now, self.clock, check_qr);
                self.insert(key, stream, &mut out);
                match self.streams.get_mut(&key) {
                    Some(stream) => stream,
                    None => return,
                }
            }
        };
        stream.touched = self.clock;
        let before = stream.bytes();
        stream.take(seq, segment, self.config.max_stream_bytes, &mut out);
        let closing = segment.fin || segment.rst;
        if closing {
            stream.close(Some(ts), &mut out);
        }
        self.bytes = self.bytes + stream.bytes() - before;
        if closing {
            self.streams.remove(&key);
        }
        while self.bytes > self.config.max_total_bytes && !self.streams.is_empty() {
            self.evict(&mut out);
        }
    }

    /// True when a segment at `seq` belongs to the displaced connection of `key` rather than
    /// the current one: it fits the displaced stream's window and not the current one's.
    fn fits_displaced(&self, key: &FlowKey, seq: u32) -> bool {
        let window = i64::try_from(self.config.max_stream_bytes).unwrap_or(i64::MAX);
        let near = |stream: &Stream| {
            let rel = i64::from(seq.wrapping_sub(stream.next_seq) as i32);
            (-window..=window).contains(&rel)
        };
        self.displaced.get(key).is_some_and(near) && !self.streams.get(key).is_some_and(near)
    }

    /// The other side reset the connection: close the server-side stream `key`.
    pub fn reset(
        &mut self,
        key: &FlowKey,
        ts_sec: i64,
        ts_nanos: u32,
        stats: &mut ExtractStats,
        emit: &mut EmitFn<'_>,
    ) {
        if let Some(mut stream) = self.streams.remove(key) {
            self.bytes -= stream.bytes();
            stream.close(
                Some((ts_sec, ts_nanos)),
                &mut Out {
                    require_query: self.config.require_query,
                    stats,
                    emit,
                },
            );
        }
    }

    /// The client of the server-side stream `key` sent data (a query) on the connection:
    /// its messages count as answers to it ([`TcpConfig::require_query`]). A stream not
    /// tracked yet (its SYN-ACK was not captured) is not marked.
    pub fn note_query(&mut self, key: &FlowKey) {
        if let Some(stream) = self.streams.get_mut(key) {
            stream.queried = true;
        }
    }

    /// End of input: closes every stream, oldest first.
    pub fn finish(&mut self, stats: &mut ExtractStats, emit: &mut EmitFn<'_>) {
        let mut out = Out {
            require_query: self.config.require_query,
            stats,
            emit,
        };
        let mut streams: Vec<Stream> = self
            .streams
            .drain()
            .chain(self.displaced.drain())
            .map(|(_, s)| s)
            .collect();
        streams.sort_by_key(|s| s.touched);
        for mut stream in streams {
            stream.close(None, &mut out);
        }
        self.bytes = 0;
    }

    fn insert(&mut self, key: FlowKey, stream: Stream, out: &mut Out<'_, '_>) {
        while self.streams.len() >= self.config.max_streams {
            self.evict(out);
        }
        if self.displaced.len() >= self.config.max_streams {
            for (_, mut old) in self.displaced.drain() {
                self.bytes -= old.bytes();
                old.close(None, out);
                out.stats.skips.add("tcp_streams_evicted");
            }
        }
        out.stats.tcp_streams += 1;
        self.streams.insert(key, stream);
    }

    /// Closes the least recently active eighth of the streams.
    fn evict(&mut self, out: &mut Out<'_, '_>) {
        let count = (self.streams.len() / 8).max(1);
        self.scratch.clear();
        self.scratch
            .extend(self.streams.values().map(|s| s.touched));
        let (_, cutoff, _) = self.scratch.select_nth_unstable(count - 1);
        let cutoff = *cutoff;
        let Self { streams, bytes, .. } = self;
        streams.retain(|_, stream| {
            if stream.touched > cutoff {
                return true;
            }
            *bytes -= stream.bytes();
            stream.close(None, out);
            out.stats.skips.add("tcp_streams_evicted");
            false
        });
    }

    /// Closes streams idle for longer than the timeout at capture second `now`.
    fn sweep(&mut self, now: i64, out: &mut Out<'_, '_>) {
        let timeout = i64::from(self.config.idle_timeout_secs);
        self.next_sweep = now.saturating_add((timeout / 4).max(1));
        let Self {
            streams,
            displaced,
            bytes,
            ..
        } = self;
        for map in [streams, displaced] {
            map.retain(|_, stream| {
                if stream.last_sec.saturating_add(timeout) >= now {
                    return true;
                }
                *bytes -= stream.bytes();
                stream.close(None, out);
                false
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FlowKey {
        FlowKey {
            src: [1; 16],
            dst: [2; 16],
            src_port: 53,
            dst_port: 40000,
        }
    }

    fn msg(id: u8, len: usize) -> Vec<u8> {
        let mut m = vec![0u8; len];
        m[0] = id;
        m[2] = 0x81;
        m[5] = 1;
        let mut out = (len as u16).to_be_bytes().to_vec();
        out.extend_from_slice(&m);
        out
    }

    fn seg(seq: u32, payload: &[u8]) -> Segment<'_> {
        Segment {
            seq,
            syn: false,
            fin: false,
            rst: false,
            payload,
            ts_sec: 1,
            ts_nanos: 0,
        }
    }

    fn run(config: TcpConfig, segments: &[Segment<'_>]) -> (Vec<Vec<u8>>, ExtractStats) {
        let mut r = TcpReassembler::new(config);
        let mut stats = ExtractStats::default();
        let mut got = Vec::new();
        for s in segments {
            r.segment(key(), s, false, &mut stats, &mut |m, _, _, _| {
                got.push(m.to_vec())
            });
        }
        r.finish(&mut stats, &mut |m, _, _, _| got.push(m.to_vec()));
        (got, stats)
    }

    #[test]
    fn two_connections_overlapping_on_one_flow_both_deliver() {
        // Regression (ref2m benchmark file): a second SYN on the same addresses and ports
        // arrived before the first connection's answer; that answer was lost as a hole.
        let (a, b) = (msg(1, 40), msg(2, 50));
        let syn = |seq| Segment {
            syn: true,
            ..seg(seq, &[])
        };
        let fin = |seq| Segment {
            fin: true,
            ..seg(seq, &[])
        };
        let (got, stats) = run(
            TcpConfig::default(),
            &[
                syn(1_000),
                syn(900_000_000),
                seg(900_000_001, &b),
                seg(1_001, &a),
                fin(1_001 + a.len() as u32),
                fin(900_000_001 + b.len() as u32),
            ],
        );
        assert_eq!(got, vec![b[2..].to_vec(), a[2..].to_vec()]);
        assert!(stats.skips.is_empty(), "{:?}", stats.skips);
    }

    #[test]
    fn start_check() {
        assert!(looks_like_message_start(&msg(1, 20)));
        assert!(looks_like_message_start(&[0]));
        assert!(!looks_like_message_start(&[0, 5]));
        let mut query = msg(1, 20);
        query[4] = 0x01;
        assert!(!looks_like_message_start(&query));
    }

    #[test]
    fn hole_given_up_when_buffer_full() {
        let a = msg(1, 100);
        let b = msg(2, 100);
        let c = msg(3, 100);
        let config = TcpConfig {
            max_stream_bytes: 150,
            ..TcpConfig::default()
        };
        let (got, stats) = run(
            config,
            &[seg(1000, &a), seg(1000 + 204, &c), seg(1000 + 306, &a)],
        );
        // b (1102..1204) never comes; holding c and then a again overflows 150 bytes.
        assert_eq!(got.len(), 3, "{stats:?}");
        assert_eq!(got[1][0], 3);
        assert_eq!(stats.skips.get("tcp_hole"), 1);
        let _ = b;
    }
}
