//! Classic pcap: a 24-byte file header (magic, version, snaplen, link type), then records of
//! a 16-byte header (seconds, fraction, captured length, original length) and the captured
//! bytes. The magic gives the byte order and whether the fraction counts microseconds or
//! nanoseconds; one link type holds for the whole file.

use super::buffer::RecordBuffer;
use super::{u32_at, CaptureError, Record, MAX_CAPLEN};

/// Length of the file header.
const FILE_HEADER_LEN: usize = 24;
/// Length of a record header.
const RECORD_HEADER_LEN: usize = 16;

/// What the file header says about every record.
#[derive(Clone, Copy, Debug)]
pub(super) struct FileHeader {
    big_endian: bool,
    nanos: bool,
    link_type: u32,
}

impl FileHeader {
    /// The byte order and the nanosecond flag a pcap magic number (read little-endian) stands
    /// for; `None` if it is none of the four.
    pub(super) fn recognise(magic: u32) -> Option<(bool, bool)> {
        match magic {
            0xa1b2_c3d4 => Some((false, false)),
            0xd4c3_b2a1 => Some((true, false)),
            0xa1b2_3c4d => Some((false, true)),
            0x4d3c_b2a1 => Some((true, true)),
            _ => None,
        }
    }

    /// Reads and consumes the file header at the start of `buffer`.
    pub(super) fn read(
        buffer: &mut RecordBuffer,
        big_endian: bool,
        nanos: bool,
    ) -> Result<FileHeader, CaptureError> {
        if !buffer.fill(FILE_HEADER_LEN)? {
            return Err(buffer.truncated("pcap file header", FILE_HEADER_LEN));
        }
        // The low 16 bits are the link type; the high bits may carry FCS information.
        let link_type = u32_at(buffer.available(), 20, big_endian) & 0xFFFF;
        buffer.consume(FILE_HEADER_LEN);
        Ok(FileHeader {
            big_endian,
            nanos,
            link_type,
        })
    }

    /// The next record, `None` at a clean end of the data.
    pub(super) fn next_record(
        &self,
        buffer: &mut RecordBuffer,
    ) -> Result<Option<Record>, CaptureError> {
        let big_endian = self.big_endian;
        if !buffer.fill(RECORD_HEADER_LEN)? {
            buffer.end_of_data("pcap record header", RECORD_HEADER_LEN)?;
            return Ok(None);
        }
        let head = buffer.available();
        let ts_sec = u32_at(head, 0, big_endian);
        let fraction = u32_at(head, 4, big_endian);
        let caplen = u32_at(head, 8, big_endian);
        if caplen > MAX_CAPLEN {
            return Err(buffer.too_large(caplen, MAX_CAPLEN));
        }
        let record_len = RECORD_HEADER_LEN + caplen as usize;
        if !buffer.fill(record_len)? {
            return Err(buffer.truncated("pcap record", record_len));
        }
        // Some writers let the fraction overflow; carry it into the seconds.
        let (per_second, scale) = if self.nanos {
            (1_000_000_000, 1)
        } else {
            (1_000_000, 1000)
        };
        let from = buffer.position() + RECORD_HEADER_LEN;
        buffer.consume(record_len);
        Ok(Some(Record {
            ts_sec: i64::from(ts_sec) + i64::from(fraction / per_second),
            ts_nanos: (fraction % per_second) * scale,
            link_type: self.link_type,
            data: from..buffer.position(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::CaptureReader;
    use super::*;

    fn reader(bytes: Vec<u8>) -> Result<CaptureReader, CaptureError> {
        CaptureReader::from_reader(Box::new(std::io::Cursor::new(bytes)), "test.pcap")
    }

    fn pcap_header(magic: u32, link: u32) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&magic.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&link.to_le_bytes());
        out
    }

    fn record(out: &mut Vec<u8>, sec: u32, frac: u32, data: &[u8]) {
        out.extend_from_slice(&sec.to_le_bytes());
        out.extend_from_slice(&frac.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }

    #[test]
    fn magics() {
        assert_eq!(FileHeader::recognise(0xa1b2_c3d4), Some((false, false)));
        assert_eq!(FileHeader::recognise(0x4d3c_b2a1), Some((true, true)));
        assert_eq!(FileHeader::recognise(0x0a0d_0d0a), None);
    }

    #[test]
    fn short_global_header_is_truncated() {
        let bytes = pcap_header(0xa1b2_c3d4, 1);
        let err = reader(bytes.get(..10).unwrap().to_vec()).unwrap_err();
        assert!(matches!(
            err,
            CaptureError::Truncated {
                offset: 0,
                needed: 24,
                available: 10,
                ..
            }
        ));
    }

    #[test]
    fn fraction_overflow_carries_into_seconds() {
        let mut bytes = pcap_header(0xa1b2_c3d4, 1);
        record(&mut bytes, 10, 2_500_000, b"x");
        let mut r = reader(bytes).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.ts_sec, p.ts_nanos), (12, 500_000_000));
        assert!(r.next_packet().unwrap().is_none());
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn record_header_cut_is_truncated_once() {
        let mut bytes = pcap_header(0xa1b2_c3d4, 1);
        record(&mut bytes, 1, 0, b"abc");
        bytes.extend_from_slice(&[1, 2, 3]);
        let mut r = reader(bytes).unwrap();
        assert_eq!(r.next_packet().unwrap().unwrap().data, b"abc");
        let err = r.next_packet().unwrap_err();
        assert!(
            matches!(
                err,
                CaptureError::Truncated {
                    offset: 43,
                    needed: 16,
                    available: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(r.next_packet().unwrap().is_none());
    }
}
