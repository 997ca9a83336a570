//! hark-capture: live packet capture from a network interface, as a [`Source`] of the ingest
//! pipeline.
//!
//! [`LiveCapture`] opens an interface through libpcap (the `pcap` crate) with a BPF filter
//! (`port 53` by default), and decodes what it captures exactly as capture files are decoded
//! (`hark_ingest::capture_source::PacketDecoder`: link layers, tunnels, IP reassembly, TCP
//! streams, pairing of responses with their queries, bailiwick reconstruction when asked).
//! [`Source::fill`] waits at most [`LiveCaptureOptions::poll_ms`] for packets and returns
//! [`Fill::Idle`] when none came, so the pipeline flushes a quiet interface on time; after the
//! [stop handle](LiveCapture::stop_handle) is set it completes what the reassembly buffers
//! hold and returns [`Fill::End`]. A live capture has no identity (no checkpoints): what it
//! saw is stored once, when each batch is committed.
//!
//! Drops are counted from libpcap's statistics as `kernel_drops` (no room in the capture
//! buffer: hark did not keep up; raise [`LiveCaptureOptions::buffer_bytes`]) and
//! `interface_drops` (dropped by the interface or its driver). libpcap keeps them in 32-bit
//! counters that wrap; [`LiveCapture`] adds up their differences, so the totals are right over
//! any run length.
//!
//! It is a crate of its own because it links a native library (libpcap; `libpcap-dev` to
//! build). Capturing needs `CAP_NET_RAW` (and `CAP_NET_ADMIN` for promiscuous mode), i.e.
//! root or `setcap cap_net_raw,cap_net_admin=eip` on the binary.
//!
//! It is not: a file reader (`hark_ingest::capture_source::CaptureSource` reads captures),
//! nor a store.
//!
//! ```no_run
//! use hark_capture::{LiveCapture, LiveCaptureOptions};
//! use hark_ingest::pipeline::{run, PipelineOptions, VecSink};
//! let mut capture = LiveCapture::open(LiveCaptureOptions::new("eth0"))?;
//! let stop = capture.stop_handle(); // set it (from a signal handler) to end the run
//! let sink = VecSink::default();
//! let report = run(&mut capture, &sink, &PipelineOptions::default(), &mut |_| {})?;
//! println!("{} responses", report.aggregate.responses);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

use hark_ingest::aggregate::{Observations, SectionSet};
use hark_ingest::bailiwick::BailiwickMode;
use hark_ingest::capture::Packet;
use hark_ingest::capture_source::PacketDecoder;
use hark_ingest::extract::ExtractConfig;
use hark_ingest::source::{ChunkLimits, Fill, Source, SourceReport};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to capture, and how to decode what is captured.
#[derive(Clone, Debug)]
pub struct LiveCaptureOptions {
    /// The interface to capture on (`eth0`, `lo`, `any`).
    pub interface: String,
    /// BPF filter expression (tcpdump syntax). Default `port 53`.
    pub filter: String,
    /// Bytes kept of each packet. Default 65,535 (whole packets: a DNS message cut short
    /// cannot be read).
    pub snaplen: i32,
    /// The kernel's capture buffer, bytes. Default 32 MiB. Raise it when `kernel_drops` grow.
    pub buffer_bytes: i32,
    /// Put the interface in promiscuous mode (a mirror port). Default false.
    pub promiscuous: bool,
    /// Longest wait for packets in one call of [`Source::fill`], milliseconds. Default 100.
    pub poll_ms: u32,
    /// Which traffic is DNS, reassembly limits, pairing.
    pub extract: ExtractConfig,
    /// Message sections whose records become rows.
    pub sections: SectionSet,
    /// How rows get their bailiwick.
    pub bailiwick: BailiwickMode,
}

impl LiveCaptureOptions {
    /// The defaults, on `interface`.
    pub fn new(interface: &str) -> Self {
        LiveCaptureOptions {
            interface: interface.to_string(),
            filter: "port 53".to_string(),
            snaplen: 65_535,
            buffer_bytes: 32 * 1024 * 1024,
            promiscuous: false,
            poll_ms: 100,
            extract: ExtractConfig::default(),
            sections: SectionSet::default(),
            bailiwick: BailiwickMode::None,
        }
    }
}

/// Why a live capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveCaptureError {
    /// libpcap could not open the interface.
    #[error("cannot capture on {interface}: {source} (capturing needs CAP_NET_RAW, and CAP_NET_ADMIN for promiscuous mode: run as root, or `setcap cap_net_raw,cap_net_admin=eip` on the binary)")]
    Open {
        /// The interface.
        interface: String,
        /// libpcap's error.
        source: pcap::Error,
    },
    /// The BPF filter does not compile.
    #[error("bad capture filter {filter:?}: {source}")]
    Filter {
        /// The filter expression.
        filter: String,
        /// libpcap's error.
        source: pcap::Error,
    },
}

/// Counter totals kept from libpcap's wrapping 32-bit statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropCounters {
    last_kernel: u32,
    last_interface: u32,
    /// Packets dropped for want of room in the capture buffer, in total.
    pub kernel: u64,
    /// Packets dropped by the interface or its driver, in total.
    pub interface: u64,
}

impl DropCounters {
    /// Takes a new reading of the two counters; adds what they grew by since the last one,
    /// across a wrap of 2³².
    pub fn update(&mut self, kernel: u32, interface: u32) {
        self.kernel += u64::from(kernel.wrapping_sub(self.last_kernel));
        self.interface += u64::from(interface.wrapping_sub(self.last_interface));
        self.last_kernel = kernel;
        self.last_interface = interface;
    }
}

/// Packets from a network interface, as a [`Source`].
pub struct LiveCapture {
    label: String,
    capture: pcap::Capture<pcap::Active>,
    link_type: u32,
    decoder: PacketDecoder,
    poll: Duration,
    stop: Arc<AtomicBool>,
    drops: DropCounters,
    bytes: u64,
    ended: bool,
    stopped: Option<String>,
}

impl LiveCapture {
    /// Opens the interface and sets the filter.
    pub fn open(options: LiveCaptureOptions) -> Result<LiveCapture, LiveCaptureError> {
        let interface = options.interface.clone();
        let open_error = |source| LiveCaptureError::Open {
            interface: interface.clone(),
            source,
        };
        let mut capture = pcap::Capture::from_device(options.interface.as_str())
            .map_err(open_error)?
            .snaplen(options.snaplen)
            .promisc(options.promiscuous)
            .buffer_size(options.buffer_bytes)
            .timeout(i32::try_from(options.poll_ms.max(1)).unwrap_or(100))
            .open()
            .map_err(open_error)?
            // Non-blocking, with a poll of our own: on Linux (TPACKET_V3) a blocking read
            // with a timeout never returns while no packet comes, so a quiet interface
            // could not be flushed or stopped.
            .setnonblock()
            .map_err(open_error)?;
        capture
            .filter(&options.filter, true)
            .map_err(|source| LiveCaptureError::Filter {
                filter: options.filter.clone(),
                source,
            })?;
        let link_type = u32::try_from(capture.get_datalink().0).unwrap_or(u32::MAX);
        Ok(LiveCapture {
            label: format!("interface {}", options.interface),
            capture,
            link_type,
            decoder: PacketDecoder::new(options.extract, options.sections, options.bailiwick),
            poll: Duration::from_millis(u64::from(options.poll_ms.max(1))),
            stop: Arc::new(AtomicBool::new(false)),
            drops: DropCounters::default(),
            bytes: 0,
            ended: false,
            stopped: None,
        })
    }

    /// Hands every zone-transfer answer (AXFR, IXFR) it reads to `tap`, for watch rules
    /// (`hark_ingest::capture_source::PacketDecoder::set_transfer_tap`).
    pub fn set_transfer_tap(&mut self, tap: Option<hark_ingest::dnstap::QueryTap>) {
        self.decoder.set_transfer_tap(tap);
    }

    /// Set it to end the capture: the next [`Source::fill`] completes what is buffered and
    /// returns [`Fill::End`].
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// The drop counters so far.
    pub fn drops(&self) -> DropCounters {
        self.drops
    }

    /// Waits until the capture has packets to read, at most `limit` (and at most 50 ms at a
    /// time, so a stop request is seen soon); false when none came.
    fn wait_readable(&self, limit: Duration) -> bool {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let limit = limit.min(Duration::from_millis(50));
        let timeout = Timespec {
            tv_sec: 0,
            tv_nsec: i64::from(limit.subsec_nanos()),
        };
        let mut fds = [PollFd::new(&self.capture, PollFlags::IN)];
        matches!(poll(&mut fds, Some(&timeout)), Ok(n) if n > 0)
    }

    fn read_stats(&mut self) {
        if let Ok(stat) = self.capture.stats() {
            self.drops.update(stat.dropped, stat.if_dropped);
        }
    }

    /// After a stop request: reads what the kernel holds already (waiting out one block
    /// timeout, so packets captured just before the stop are not lost).
    fn drain(&mut self, chunk: &mut Observations) {
        let deadline = Instant::now() + self.poll * 2;
        loop {
            match self.capture.next_packet() {
                Ok(packet) => take(
                    &mut self.decoder,
                    &mut self.bytes,
                    self.link_type,
                    &packet,
                    chunk,
                ),
                Err(pcap::Error::TimeoutExpired) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || !self.wait_readable(left) {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    }

    fn end(&mut self, chunk: &mut Observations, complete: bool) -> Fill {
        self.decoder.finish(chunk);
        self.read_stats();
        self.ended = true;
        Fill::End { complete }
    }
}

/// Decodes one of libpcap's packets into `chunk`, counting its bytes.
fn take(
    decoder: &mut PacketDecoder,
    bytes: &mut u64,
    link_type: u32,
    packet: &pcap::Packet<'_>,
    chunk: &mut Observations,
) {
    #[allow(clippy::unnecessary_cast)] // time_t is i64 here, not everywhere
    let ts_sec = packet.header.ts.tv_sec as i64;
    *bytes += u64::from(packet.header.caplen);
    let packet = Packet {
        ts_sec,
        ts_nanos: u32::try_from(packet.header.ts.tv_usec)
            .unwrap_or(0)
            .saturating_mul(1000)
            .min(999_999_999),
        link_type,
        data: packet.data,
    };
    decoder.push(&packet, chunk);
}

impl Source for LiveCapture {
    fn label(&self) -> &str {
        &self.label
    }

    fn options(&self) -> u64 {
        self.decoder.options()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if self.ended {
            return Fill::End { complete: true };
        }
        let deadline = Instant::now() + self.poll;
        let fill = loop {
            if self.stop.load(Ordering::Relaxed) {
                self.drain(chunk);
                break self.end(chunk, true);
            }
            match self.capture.next_packet() {
                Ok(packet) => {
                    take(
                        &mut self.decoder,
                        &mut self.bytes,
                        self.link_type,
                        &packet,
                        chunk,
                    );
                    if limits.reached(chunk) {
                        break Fill::More;
                    }
                    if Instant::now() >= deadline {
                        self.read_stats();
                        break Fill::Idle;
                    }
                }
                Err(pcap::Error::TimeoutExpired) => {
                    // Nothing buffered now: wait for the descriptor, up to the deadline.
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || !self.wait_readable(left) {
                        self.read_stats();
                        break Fill::Idle;
                    }
                }
                Err(err) => {
                    tracing::error!(interface = %self.label, error = %err, "capture failed; stopping");
                    self.stopped = Some(err.to_string());
                    self.decoder.skip("capture_error", 1);
                    break self.end(chunk, false);
                }
            }
        };
        chunk.bytes_read = self.bytes;
        fill
    }

    fn report(&self) -> SourceReport {
        let mut report = self.decoder.report();
        report.skips.add_n("kernel_drops", self.drops.kernel);
        report.skips.add_n("interface_drops", self.drops.interface);
        report.bytes = self.bytes;
        report.stopped = self.stopped.clone();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_counters_add_across_a_wrap() {
        let mut drops = DropCounters::default();
        drops.update(10, 0);
        drops.update(u32::MAX - 5, 3);
        assert_eq!(drops.kernel, u64::from(u32::MAX - 5));
        drops.update(4, 3); // wrapped: 10 more
        assert_eq!(
            (drops.kernel, drops.interface),
            (u64::from(u32::MAX) + 5, 3)
        );
    }

    #[test]
    fn defaults() {
        let options = LiveCaptureOptions::new("lo");
        assert_eq!(options.filter, "port 53");
        assert_eq!(options.snaplen, 65_535);
        assert!(options.extract.pair_responses);
    }
}
