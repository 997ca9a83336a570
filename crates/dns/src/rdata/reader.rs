//! [`Reader`]: a bounds-checked cursor over rdata, shared by validation,
//! presentation and the LOC, SVCB and WKS helpers.

use crate::name;

/// A cursor over rdata bytes. Every read checks bounds and returns `None`
/// when the bytes run out.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    /// Offset of the next unread byte.
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    /// Whether every byte has been read.
    pub(super) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
    /// The next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }
    /// Every byte left (possibly none).
    pub(super) fn rest(&mut self) -> &'a [u8] {
        let bytes = self.data.get(self.pos..).unwrap_or(&[]);
        self.pos = self.data.len();
        bytes
    }
    /// One octet.
    pub(super) fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    /// A big-endian u16.
    pub(super) fn u16(&mut self) -> Option<u16> {
        let bytes = self.take(2)?;
        Some(u16::from_be_bytes(bytes.try_into().ok()?))
    }
    /// A big-endian u32.
    pub(super) fn u32(&mut self) -> Option<u32> {
        let bytes = self.take(4)?;
        Some(u32::from_be_bytes(bytes.try_into().ok()?))
    }
    /// A u8-counted byte string (a character string), without its length.
    pub(super) fn counted(&mut self) -> Option<&'a [u8]> {
        let len = self.u8()?;
        self.take(usize::from(len))
    }
    /// An uncompressed, valid name, with its terminal root label.
    pub(super) fn name(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        loop {
            let len = self.u8()?;
            if len > 63 {
                return None;
            }
            self.take(usize::from(len))?;
            if self.pos - start > name::MAX_NAME_LEN {
                return None;
            }
            if len == 0 {
                break;
            }
        }
        self.data.get(start..self.pos)
    }
}
