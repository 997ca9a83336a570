//! Domain names: canonical wire form, presentation text, and store keys.
//!
//! A *canonical name* is the uncompressed wire format (length-prefixed
//! labels), ASCII-lowercased, ending in the root label. Every name this crate
//! hands out is canonical.
//!
//! # Key form
//!
//! Store keys must sort in DNSSEC canonical name order (RFC 4034 §6.1) and
//! support prefix scans on label boundaries. A key is each label's bytes,
//! with `0x00` escaped as `0x01 0x01` and `0x01` as `0x01 0x02`, followed by
//! a `0x00` separator; after the last label one more `0x00` ends the name.
//! [`reversed_key`] writes the labels from the TLD down
//! (`www.example.com.` → `com\0example\0www\0\0`), [`forward_key`] in natural
//! order (`www\0example\0com\0\0`). The root is just `\0`.
//!
//! Because the escape keeps byte order and every escaped label byte is
//! `>= 0x01`, comparing two reversed keys bytewise compares the names label
//! by label from the right, a shorter label first: exactly the canonical
//! order. Every strict subdomain of `example.com.` has the prefix
//! `com\0example\0` followed by a byte other than `0x00`.

/// Longest name in wire form, root label included (RFC 1035 §3.1).
pub const MAX_NAME_LEN: usize = 255;
/// Longest label (RFC 1035 §3.1).
pub const MAX_LABEL_LEN: usize = 63;

/// A name that is not valid in the form it was given.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name has an empty label before its end (e.g. `a..b`).
    #[error("empty label at byte {at}")]
    EmptyLabel {
        /// Offset in the input.
        at: usize,
    },
    /// A label is longer than 63 bytes.
    #[error("label of {len} bytes is longer than {MAX_LABEL_LEN}")]
    LongLabel {
        /// Length of the label.
        len: usize,
    },
    /// The name is longer than 255 bytes in wire form.
    #[error("name of {len} bytes or more is longer than {MAX_NAME_LEN}")]
    LongName {
        /// Length reached when the limit was passed.
        len: usize,
    },
    /// A `\` escape that is neither `\X` nor `\DDD` with DDD <= 255.
    #[error("bad escape at byte {at}")]
    BadEscape {
        /// Offset in the input.
        at: usize,
    },
    /// The input ends before the name does (no root label or end marker).
    #[error("name ends early: input has {len} bytes")]
    Unterminated {
        /// Length of the input.
        len: usize,
    },
    /// Wire input has bytes after the root label.
    #[error("{extra} bytes after the root label")]
    TrailingBytes {
        /// How many bytes follow.
        extra: usize,
    },
    /// A wire length byte that is not a plain label (compression or
    /// extended label type).
    #[error("label type 0x{byte:02x} at byte {at} is not a plain label")]
    BadLabelType {
        /// The length byte.
        byte: u8,
        /// Offset in the input.
        at: usize,
    },
}

/// Iterator over the labels of a wire name, root excluded.
///
/// Stops early, without error, on malformed input.
#[derive(Clone, Debug)]
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, tail) = self.rest.split_first()?;
        let len = usize::from(len);
        if len == 0 || len > MAX_LABEL_LEN {
            self.rest = &[];
            return None;
        }
        let label = tail.get(..len);
        self.rest = tail.get(len..).unwrap_or(&[]);
        label
    }
}

/// Iterates over the labels of the wire name `wire` (root excluded).
pub fn labels(wire: &[u8]) -> Labels<'_> {
    Labels { rest: wire }
}

/// True when the wire name `name` is `zone` or below it, on label boundaries.
///
/// Both must be canonical (lowercased) for a case-insensitive answer; compares bytes, never
/// allocates. A bailiwick check: a record is in a zone's bailiwick when its owner is at or
/// below the zone.
pub fn is_at_or_below(name: &[u8], zone: &[u8]) -> bool {
    let mut rest = name;
    loop {
        if rest == zone {
            return true;
        }
        match rest.split_first() {
            Some((&len, tail)) if len != 0 && usize::from(len) <= MAX_LABEL_LEN => {
                rest = tail.get(usize::from(len)..).unwrap_or_default();
            }
            _ => return false,
        }
    }
}

/// Checks that `wire` is exactly one uncompressed name, ending in the root.
pub fn validate(wire: &[u8]) -> Result<(), NameError> {
    let mut pos = 0;
    loop {
        let Some(&len) = wire.get(pos) else {
            return Err(NameError::Unterminated { len: wire.len() });
        };
        if len > 63 {
            return Err(NameError::BadLabelType { byte: len, at: pos });
        }
        pos += 1 + usize::from(len);
        if pos > MAX_NAME_LEN {
            return Err(NameError::LongName { len: pos });
        }
        if len == 0 {
            break;
        }
    }
    if pos < wire.len() {
        return Err(NameError::TrailingBytes {
            extra: wire.len() - pos,
        });
    }
    Ok(())
}

/// Whether presentation must escape `byte` with a backslash (dig/BIND set).
fn needs_backslash(byte: u8) -> bool {
    matches!(byte, b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$')
}

/// Appends `byte` as `\DDD`.
pub(crate) fn push_decimal_escape(byte: u8, out: &mut String) {
    out.push('\\');
    out.push(char::from(b'0' + byte / 100));
    out.push(char::from(b'0' + byte / 10 % 10));
    out.push(char::from(b'0' + byte % 10));
}

/// Appends the presentation form of the wire name `wire` to `out`.
///
/// Writes `www.example.com.` with a trailing dot, and `.` for the root.
/// Escapes as dig and BIND do: `\.` inside a label, `\\`, `\"`, `\(`, `\)`,
/// `\;`, `\@`, `\$`, and bytes below 0x21 or above 0x7e as `\DDD`.
/// Letter case is kept as given.
pub fn to_presentation(wire: &[u8], out: &mut String) -> Result<(), NameError> {
    validate(wire)?;
    let start = out.len();
    for label in labels(wire) {
        for &byte in label {
            if needs_backslash(byte) {
                out.push('\\');
                out.push(char::from(byte));
            } else if !(0x21..=0x7e).contains(&byte) {
                push_decimal_escape(byte, out);
            } else {
                out.push(char::from(byte));
            }
        }
        out.push('.');
    }
    if out.len() == start {
        out.push('.');
    }
    Ok(())
}

/// Parses a name in presentation form into canonical wire form.
///
/// Accepts names with or without the trailing dot, `\X` and `\DDD` escapes,
/// and lowercases ASCII letters. `.` alone is the root.
pub fn from_presentation(text: &str) -> Result<Vec<u8>, NameError> {
    let mut out = Vec::with_capacity(text.len() + 2);
    from_presentation_bytes(text.as_bytes(), &mut out)?;
    Ok(out)
}

/// Parses presentation bytes into canonical wire form, appending to `out`.
pub(crate) fn from_presentation_bytes(text: &[u8], out: &mut Vec<u8>) -> Result<(), NameError> {
    let name_start = out.len();
    if text == b"." {
        out.push(0);
        return Ok(());
    }
    if text.is_empty() {
        return Err(NameError::EmptyLabel { at: 0 });
    }
    let mut label_start = out.len();
    out.push(0);
    let mut pos = 0;
    let mut ended_with_dot = false;
    while let Some(&byte) = text.get(pos) {
        ended_with_dot = false;
        let value = match byte {
            b'.' => {
                let len = out.len() - label_start - 1;
                if len == 0 {
                    return Err(NameError::EmptyLabel { at: pos });
                }
                close_label(out, label_start, len)?;
                label_start = out.len();
                out.push(0);
                pos += 1;
                ended_with_dot = true;
                continue;
            }
            b'\\' => {
                let (value, used) = parse_escape(text, pos)?;
                pos += used;
                value
            }
            other => {
                pos += 1;
                other
            }
        };
        out.push(value.to_ascii_lowercase());
        if out.len() - name_start > MAX_NAME_LEN {
            return Err(NameError::LongName {
                len: out.len() - name_start,
            });
        }
    }
    if !ended_with_dot {
        let len = out.len() - label_start - 1;
        close_label(out, label_start, len)?;
        out.push(0);
    }
    let len = out.len() - name_start;
    if len > MAX_NAME_LEN {
        return Err(NameError::LongName { len });
    }
    Ok(())
}

fn close_label(out: &mut [u8], label_start: usize, len: usize) -> Result<(), NameError> {
    if len > MAX_LABEL_LEN {
        return Err(NameError::LongLabel { len });
    }
    if let Some(slot) = out.get_mut(label_start) {
        *slot = len as u8;
    }
    Ok(())
}

/// Parses the escape starting with the backslash at `text[pos]`; returns the
/// byte and how many input bytes it used.
pub(crate) fn parse_escape(text: &[u8], pos: usize) -> Result<(u8, usize), NameError> {
    let bad = NameError::BadEscape { at: pos };
    let first = *text.get(pos + 1).ok_or(bad.clone())?;
    if !first.is_ascii_digit() {
        return Ok((first, 2));
    }
    let digits = text.get(pos + 1..pos + 4).ok_or(bad.clone())?;
    let mut value: u32 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return Err(bad);
        }
        value = value * 10 + u32::from(digit - b'0');
    }
    let value = u8::try_from(value).map_err(|_| bad)?;
    Ok((value, 4))
}

#[inline]
fn push_key_label(label: &[u8], out: &mut Vec<u8>) {
    if label.iter().all(|&byte| byte > 1) {
        out.extend_from_slice(label);
        out.push(0);
        return;
    }
    for &byte in label {
        match byte {
            0 => out.extend_from_slice(&[1, 1]),
            1 => out.extend_from_slice(&[1, 2]),
            other => out.push(other),
        }
    }
    out.push(0);
}

/// Appends the reversed-label key of the canonical name `wire` to `out`.
///
/// See the module doc for the layout. The input is not lowercased here.
pub fn reversed_key(wire: &[u8], out: &mut Vec<u8>) {
    out.reserve(wire.len() + 1);
    // At most 127 labels in a 255-byte name: collect their offsets on the
    // stack, then walk them backwards.
    let mut starts = [0u8; 128];
    let mut count = 0;
    let mut pos = 0usize;
    while let Some(&len) = wire.get(pos) {
        if len == 0 || len > 63 || count == starts.len() {
            break;
        }
        if let Some(slot) = starts.get_mut(count) {
            *slot = pos as u8;
        }
        count += 1;
        pos += 1 + usize::from(len);
    }
    for &start in starts.get(..count).unwrap_or(&[]).iter().rev() {
        let start = usize::from(start);
        if let Some(label) = labels(wire.get(start..).unwrap_or(&[])).next() {
            push_key_label(label, out);
        }
    }
    out.push(0);
}

/// Appends the forward (natural label order) key of `wire` to `out`.
pub fn forward_key(wire: &[u8], out: &mut Vec<u8>) {
    out.reserve(wire.len() + 1);
    for label in labels(wire) {
        push_key_label(label, out);
    }
    out.push(0);
}

/// Reads key labels from `key`; returns the labels in key order and the
/// bytes consumed, end marker included.
fn read_key(key: &[u8]) -> Result<(Vec<Vec<u8>>, usize), NameError> {
    let mut labels = Vec::new();
    let mut total = 1;
    let mut pos = 0;
    loop {
        match key.get(pos) {
            None => return Err(NameError::Unterminated { len: key.len() }),
            Some(0) => return Ok((labels, pos + 1)),
            Some(_) => {}
        }
        let mut label = Vec::new();
        loop {
            let Some(&byte) = key.get(pos) else {
                return Err(NameError::Unterminated { len: key.len() });
            };
            match byte {
                0 => {
                    pos += 1;
                    break;
                }
                1 => {
                    let value = match key.get(pos + 1) {
                        Some(1) => 0,
                        Some(2) => 1,
                        _ => return Err(NameError::BadEscape { at: pos }),
                    };
                    label.push(value);
                    pos += 2;
                }
                other => {
                    label.push(other);
                    pos += 1;
                }
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LongLabel { len: label.len() });
            }
        }
        total += 1 + label.len();
        if total > MAX_NAME_LEN {
            return Err(NameError::LongName { len: total });
        }
        labels.push(label);
    }
}

fn labels_to_wire<'a>(labels: impl Iterator<Item = &'a Vec<u8>>) -> Vec<u8> {
    let mut wire = Vec::with_capacity(64);
    for label in labels {
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
    }
    wire.push(0);
    wire
}

/// Decodes a key written by [`reversed_key`]: (canonical wire, bytes
/// consumed including the end marker).
pub fn from_reversed_key(key: &[u8]) -> Result<(Vec<u8>, usize), NameError> {
    let (labels, used) = read_key(key)?;
    Ok((labels_to_wire(labels.iter().rev()), used))
}

/// Decodes a key written by [`forward_key`]: (canonical wire, bytes consumed
/// including the end marker).
pub fn from_forward_key(key: &[u8]) -> Result<(Vec<u8>, usize), NameError> {
    let (labels, used) = read_key(key)?;
    Ok((labels_to_wire(labels.iter()), used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_or_below_goes_by_labels() {
        let www = b"\x03www\x07example\x03com\x00";
        let example = b"\x07example\x03com\x00";
        assert!(is_at_or_below(www, example));
        assert!(is_at_or_below(example, example));
        assert!(is_at_or_below(www, b"\x00"), "everything is below the root");
        assert!(!is_at_or_below(example, www));
        // "ample.com" is a byte suffix of "example.com" but not on a label boundary.
        assert!(!is_at_or_below(example, b"\x05ample\x03com\x00"));
        assert!(!is_at_or_below(b"\x03com\x00", b"\x03org\x00"));
        // Malformed input ends the walk without a match or a panic.
        assert!(!is_at_or_below(b"\x40abc", b"\x00"));
        assert!(!is_at_or_below(b"", b"\x00"));
    }

    fn present(wire: &[u8]) -> String {
        let mut s = String::new();
        to_presentation(wire, &mut s).unwrap();
        s
    }

    #[test]
    fn presentation_basics() {
        assert_eq!(
            present(b"\x03www\x07example\x03com\x00"),
            "www.example.com."
        );
        assert_eq!(present(b"\x00"), ".");
        assert_eq!(present(b"\x03a.b\x00"), "a\\.b.");
        assert_eq!(present(b"\x04a b\\\x00"), "a\\032b\\\\.");
        assert_eq!(present(b"\x06\"();@$\x00"), "\\\"\\(\\)\\;\\@\\$.");
        assert_eq!(present(b"\x02\x00\xff\x00"), "\\000\\255.");
        assert_eq!(present(b"\x03WwW\x00"), "WwW.");
    }

    #[test]
    fn presentation_rejects_bad_wire() {
        let mut s = String::new();
        assert_eq!(
            to_presentation(b"\x03www", &mut s),
            Err(NameError::Unterminated { len: 4 })
        );
        assert_eq!(
            to_presentation(b"\x00\x00", &mut s),
            Err(NameError::TrailingBytes { extra: 1 })
        );
        assert_eq!(
            to_presentation(b"\xc0\x0c", &mut s),
            Err(NameError::BadLabelType { byte: 0xc0, at: 0 })
        );
        assert_eq!(
            to_presentation(b"", &mut s),
            Err(NameError::Unterminated { len: 0 })
        );
    }

    #[test]
    fn parse_basics() {
        assert_eq!(
            from_presentation("WWW.Example.com").unwrap(),
            b"\x03www\x07example\x03com\x00"
        );
        assert_eq!(
            from_presentation("www.example.com.").unwrap(),
            b"\x03www\x07example\x03com\x00"
        );
        assert_eq!(from_presentation(".").unwrap(), b"\x00");
        assert_eq!(from_presentation("a\\.b.").unwrap(), b"\x03a.b\x00");
        assert_eq!(from_presentation("\\065\\000").unwrap(), b"\x02a\x00\x00");
        assert_eq!(from_presentation("\\\\.").unwrap(), b"\x01\\\x00");
    }

    #[test]
    fn parse_errors() {
        assert_eq!(from_presentation(""), Err(NameError::EmptyLabel { at: 0 }));
        assert_eq!(
            from_presentation("a..b"),
            Err(NameError::EmptyLabel { at: 2 })
        );
        assert_eq!(
            from_presentation(".a"),
            Err(NameError::EmptyLabel { at: 0 })
        );
        assert_eq!(
            from_presentation("a\\"),
            Err(NameError::BadEscape { at: 1 })
        );
        assert_eq!(
            from_presentation("a\\25"),
            Err(NameError::BadEscape { at: 1 })
        );
        assert_eq!(
            from_presentation("a\\256"),
            Err(NameError::BadEscape { at: 1 })
        );
        assert_eq!(
            from_presentation("a\\2x5"),
            Err(NameError::BadEscape { at: 1 })
        );
        // A 64-byte label written with escapes.
        let long = "\\097".repeat(64);
        assert_eq!(
            from_presentation(&long),
            Err(NameError::LongLabel { len: 64 })
        );
        let ok = "\\097".repeat(63);
        assert_eq!(from_presentation(&ok).unwrap().len(), 65);
        // 4 * 63-byte labels = 256 bytes with root.
        let label = "a".repeat(63);
        let name = [label.as_str(); 4].join(".");
        assert!(matches!(
            from_presentation(&name),
            Err(NameError::LongName { .. })
        ));
        // 3 * 63 + 61 + root = 255: fits.
        let name = format!("{label}.{label}.{label}.{}", "b".repeat(61));
        assert_eq!(from_presentation(&name).unwrap().len(), 255);
    }

    #[test]
    fn keys() {
        let wire = b"\x03www\x07example\x03com\x00";
        let mut key = Vec::new();
        reversed_key(wire, &mut key);
        assert_eq!(key, b"com\0example\0www\0\0");
        assert_eq!(from_reversed_key(&key).unwrap(), (wire.to_vec(), key.len()));
        key.clear();
        forward_key(wire, &mut key);
        assert_eq!(key, b"www\0example\0com\0\0");
        assert_eq!(from_forward_key(&key).unwrap(), (wire.to_vec(), key.len()));
        key.clear();
        reversed_key(b"\x00", &mut key);
        assert_eq!(key, b"\0");
        assert_eq!(from_reversed_key(b"\0rest").unwrap(), (b"\x00".to_vec(), 1));
        key.clear();
        reversed_key(b"\x02\x00\x01\x00", &mut key);
        assert_eq!(key, b"\x01\x01\x01\x02\0\0");
        assert_eq!(from_reversed_key(&key).unwrap().0, b"\x02\x00\x01\x00");
    }

    #[test]
    fn key_errors() {
        assert_eq!(
            from_reversed_key(b""),
            Err(NameError::Unterminated { len: 0 })
        );
        assert_eq!(
            from_reversed_key(b"com\0"),
            Err(NameError::Unterminated { len: 4 })
        );
        assert_eq!(
            from_reversed_key(b"com"),
            Err(NameError::Unterminated { len: 3 })
        );
        assert_eq!(
            from_reversed_key(b"\x01\x03\0\0"),
            Err(NameError::BadEscape { at: 0 })
        );
        let long = [b'a'; 64];
        let mut key = long.to_vec();
        key.extend_from_slice(b"\0\0");
        assert_eq!(
            from_reversed_key(&key),
            Err(NameError::LongLabel { len: 64 })
        );
    }

    #[test]
    fn labels_iter() {
        let all: Vec<&[u8]> = labels(b"\x03www\x07example\x03com\x00").collect();
        assert_eq!(all, vec![&b"www"[..], b"example", b"com"]);
        assert_eq!(labels(b"\x00").count(), 0);
        assert_eq!(labels(b"\x05ab").count(), 0);
    }
}
