//! Link layers and encapsulations alone: whatever a frame of any LINKTYPE strips down to is
//! a part of the frame itself, never bytes from elsewhere.
#![no_main]

use hark_ingest::link::{network_layer, Network};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, frame @ ..] = data else {
        return;
    };
    // The link types hark reads, and sometimes any number.
    const TYPES: [u32; 12] = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9, 50];
    let link_type = if a & 0x80 != 0 {
        u32::from_be_bytes([0, 0, *a & 0x7f, *b])
    } else {
        TYPES[usize::from(*b) % TYPES.len()]
    };
    let Ok(network) = network_layer(link_type, frame) else {
        return;
    };
    let inner: &[u8] = match network {
        Network::Ipv4(bytes) | Network::Ipv6(bytes) => bytes,
    };
    let (start, end) = (
        frame.as_ptr() as usize,
        frame.as_ptr() as usize + frame.len(),
    );
    let (inner_start, inner_end) = (
        inner.as_ptr() as usize,
        inner.as_ptr() as usize + inner.len(),
    );
    assert!(
        inner.is_empty() || (start <= inner_start && inner_end <= end),
        "the network layer is not inside the frame"
    );
});
