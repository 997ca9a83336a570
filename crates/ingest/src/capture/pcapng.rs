//! pcapng: a file of blocks (type, length, body, the length again), grouped in sections.
//!
//! A section header block (`0a0d0d0a`, the same in both byte orders) starts each section and
//! sets its byte order; interface description blocks number the section's interfaces, each
//! with its link type and timestamp resolution (`if_tsresol`) and offset (`if_tsoffset`);
//! enhanced packet blocks name their interface and carry a 64-bit timestamp in its units;
//! simple packet blocks belong to interface 0 and carry no time. Other blocks are skipped.

use super::buffer::RecordBuffer;
use super::{u32_at, CaptureError, Record, MAX_BLOCK_LEN, MAX_CAPLEN};

/// The section header block type; also the first word of every pcapng file.
pub(super) const SECTION_HEADER: u32 = 0x0A0D_0D0A;
const INTERFACE_DESCRIPTION: u32 = 1;
const SIMPLE_PACKET: u32 = 3;
const ENHANCED_PACKET: u32 = 6;
/// The byte-order magic of a section header block, as written in the section's order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// One pcapng interface: what its packets' link type and timestamps mean.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    units_per_second: u64,
    offset_seconds: i64,
}

/// The section being read: its byte order and the interfaces described so far.
#[derive(Debug)]
pub(super) struct Section {
    big_endian: bool,
    interfaces: Vec<Interface>,
}

/// Reads the byte-order magic of the section header block at the start of `buffer`.
fn section_byte_order(buffer: &RecordBuffer) -> Result<bool, CaptureError> {
    match u32_at(buffer.available(), 8, false) {
        BYTE_ORDER_MAGIC => Ok(false),
        m if m.swap_bytes() == BYTE_ORDER_MAGIC => Ok(true),
        m => Err(buffer.malformed(
            "pcapng section header",
            format!("byte-order magic is {m:08x}, expected 1a2b3c4d"),
        )),
    }
}

/// Makes the first 12 bytes of a section header block available and reads its byte order.
fn read_byte_order(buffer: &mut RecordBuffer) -> Result<bool, CaptureError> {
    if !buffer.fill(12)? {
        return Err(buffer.truncated("pcapng section header", 12));
    }
    section_byte_order(buffer)
}

impl Section {
    /// Reads the byte order of the first section; the block itself is read again as the
    /// first block of the file.
    pub(super) fn read_header(buffer: &mut RecordBuffer) -> Result<Section, CaptureError> {
        Ok(Section {
            big_endian: read_byte_order(buffer)?,
            interfaces: Vec::new(),
        })
    }

    /// The next packet block, `None` at a clean end of the data.
    pub(super) fn next_packet(
        &mut self,
        buffer: &mut RecordBuffer,
    ) -> Result<Option<Record>, CaptureError> {
        loop {
            if !buffer.fill(8)? {
                buffer.end_of_data("pcapng block header", 8)?;
                return Ok(None);
            }
            let block_type = u32_at(buffer.available(), 0, self.big_endian);
            if block_type == SECTION_HEADER {
                self.big_endian = read_byte_order(buffer)?;
                self.interfaces.clear();
            }
            let big_endian = self.big_endian;
            let block_len = u32_at(buffer.available(), 4, big_endian);
            if block_len < 12 || !block_len.is_multiple_of(4) {
                return Err(buffer.malformed(
                    "pcapng block",
                    format!("block length {block_len} is not a multiple of 4 of at least 12"),
                ));
            }
            if block_len > MAX_BLOCK_LEN {
                return Err(buffer.too_large(block_len, MAX_BLOCK_LEN));
            }
            let len = block_len as usize;
            if !buffer.fill(len)? {
                return Err(buffer.truncated("pcapng block", len));
            }
            let block = buffer.available().get(..len).unwrap_or_default();
            if u32_at(block, len - 4, big_endian) != block_len {
                return Err(buffer.malformed(
                    "pcapng block",
                    "trailing block length differs from the leading one".to_string(),
                ));
            }
            match block_type {
                INTERFACE_DESCRIPTION => {
                    let interface = parse_interface(buffer, big_endian)?;
                    self.interfaces.push(interface);
                }
                ENHANCED_PACKET => {
                    if len < 32 {
                        return Err(buffer.malformed(
                            "pcapng enhanced packet block",
                            format!("block length {len} is less than 32"),
                        ));
                    }
                    let interface_id = u32_at(block, 8, big_endian);
                    let ts_high = u32_at(block, 12, big_endian);
                    let ts_low = u32_at(block, 16, big_endian);
                    let caplen = u32_at(block, 20, big_endian);
                    if caplen > MAX_CAPLEN {
                        return Err(buffer.too_large(caplen, MAX_CAPLEN));
                    }
                    if 28 + caplen as usize + 4 > len {
                        return Err(buffer.malformed(
                            "pcapng enhanced packet block",
                            format!("captured length {caplen} does not fit a block of {len}"),
                        ));
                    }
                    let interface = self.interface(buffer, interface_id)?;
                    let ticks = (u64::from(ts_high) << 32) | u64::from(ts_low);
                    let (ts_sec, ts_nanos) = ticks_to_time(ticks, interface);
                    let from = buffer.position() + 28;
                    buffer.consume(len);
                    return Ok(Some(Record {
                        ts_sec,
                        ts_nanos,
                        link_type: interface.link_type,
                        data: from..from + caplen as usize,
                    }));
                }
                SIMPLE_PACKET => {
                    if len < 16 {
                        return Err(buffer.malformed(
                            "pcapng simple packet block",
                            format!("block length {len} is less than 16"),
                        ));
                    }
                    let original_len = u32_at(block, 8, big_endian) as usize;
                    let caplen = original_len.min(len - 16);
                    let interface = self.interface(buffer, 0)?;
                    let from = buffer.position() + 12;
                    buffer.consume(len);
                    return Ok(Some(Record {
                        ts_sec: 0,
                        ts_nanos: 0,
                        link_type: interface.link_type,
                        data: from..from + caplen,
                    }));
                }
                _ => {}
            }
            buffer.consume(len);
        }
    }

    /// The interface a packet block names, or the error at the block.
    fn interface(&self, buffer: &RecordBuffer, id: u32) -> Result<Interface, CaptureError> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            buffer.malformed(
                "pcapng packet block",
                format!(
                    "it names interface {id} but the section describes {}",
                    self.interfaces.len()
                ),
            )
        })
    }
}

/// Parses the interface description block at the start of `buffer`.
fn parse_interface(buffer: &RecordBuffer, big_endian: bool) -> Result<Interface, CaptureError> {
    use pcap_parser::pcapng::{
        parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le,
    };
    let block = buffer.available();
    let parsed = if big_endian {
        parse_interfacedescriptionblock_be(block)
    } else {
        parse_interfacedescriptionblock_le(block)
    };
    let idb = match parsed {
        Ok((_, idb)) => idb,
        Err(err) => {
            return Err(buffer.malformed("pcapng interface description block", format!("{err:?}")))
        }
    };
    let units_per_second = match ts_resolution(idb.if_tsresol) {
        Some(units) => units,
        None => {
            return Err(buffer.malformed(
                "pcapng interface description block",
                format!("unusable if_tsresol {:#04x}", idb.if_tsresol),
            ))
        }
    };
    Ok(Interface {
        link_type: (idb.linktype.0 as u32) & 0xFFFF,
        units_per_second,
        offset_seconds: idb.if_tsoffset,
    })
}

/// Units per second for an `if_tsresol` byte: 10^n, or 2^n when the high bit is set.
/// (Computed here: pcap-parser 0.17 rejects every power-of-two resolution.)
fn ts_resolution(tsresol: u8) -> Option<u64> {
    let exponent = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(exponent).filter(|_| exponent < 64)
    } else {
        10u64.checked_pow(exponent)
    }
}

/// Converts a pcapng timestamp in interface units to seconds and nanoseconds.
fn ticks_to_time(ticks: u64, interface: Interface) -> (i64, u32) {
    let units = interface.units_per_second.max(1);
    let seconds = ticks / units;
    let fraction = ticks % units;
    let nanos = (u128::from(fraction) * 1_000_000_000 / u128::from(units)) as u32;
    let seconds = i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_add(interface.offset_seconds);
    (seconds, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        assert_eq!(ts_resolution(6), Some(1_000_000));
        assert_eq!(ts_resolution(9), Some(1_000_000_000));
        assert_eq!(ts_resolution(0x8a), Some(1024));
        assert_eq!(ts_resolution(0), Some(1));
        assert_eq!(ts_resolution(20), None);
        assert_eq!(ts_resolution(0x80 | 64), None);
    }

    #[test]
    fn ticks_convert_with_resolution_and_offset() {
        let interface = Interface {
            link_type: 1,
            units_per_second: 1 << 10,
            offset_seconds: 100,
        };
        assert_eq!(ticks_to_time(3 * 1024 + 512, interface), (103, 500_000_000));
    }
}
