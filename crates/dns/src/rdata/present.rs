//! Wire → text: [`to_presentation`] writes canonical rdata in the one
//! presentation form documented in [`super`], falling back to RFC 3597
//! [`present_generic`] for rdata that does not fit its type.

use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXUPPER};

use super::canonical::check_bitmap;
use super::reader::Reader;
use super::{layout, loc, svcb, time, wks, F};
use crate::name::{self, push_decimal_escape};
use crate::rrtype::RrType;

/// Appends the presentation form of canonical rdata of type `rrtype` to
/// `out`. Never fails: rdata that does not fit the type's layout is written
/// as RFC 3597 `\# len HEX`.
pub fn to_presentation(rrtype: RrType, canonical: &[u8], out: &mut String) {
    let start = out.len();
    if present_typed(rrtype, canonical, out).is_none() {
        out.truncate(start);
        present_generic(canonical, out);
    }
}

/// Appends RFC 3597 `\# len HEX` (`\# 0` when empty).
pub fn present_generic(bytes: &[u8], out: &mut String) {
    out.push_str("\\# ");
    out.push_str(itoa(bytes.len() as u64).as_str());
    if !bytes.is_empty() {
        out.push(' ');
        HEXUPPER.encode_append(bytes, out);
    }
}

/// `value` in decimal.
fn itoa(value: u64) -> String {
    value.to_string()
}

/// Appends a space unless `out` is still empty past `start`, the offset
/// where this rdata's text began.
pub(super) fn sep(out: &mut String, start: usize) {
    if out.len() > start {
        out.push(' ');
    }
}

/// Appends `bytes` as one quoted character string.
pub(super) fn push_quoted(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => push_decimal_escape(byte, out),
        }
    }
    out.push('"');
}

/// Appends the typed text of `data`, or returns `None` (leaving partial
/// text behind) when it does not fit the layout of `rrtype`.
fn present_typed(rrtype: RrType, data: &[u8], out: &mut String) -> Option<()> {
    let fields = layout(rrtype)?;
    let start = out.len();
    let mut reader = Reader::new(data);
    for &field in fields {
        match field {
            F::U8 | F::Protocol => {
                sep(out, start);
                out.push_str(&reader.u8()?.to_string());
            }
            F::U16 => {
                sep(out, start);
                out.push_str(&reader.u16()?.to_string());
            }
            F::U32 => {
                sep(out, start);
                out.push_str(&reader.u32()?.to_string());
            }
            F::Time => {
                sep(out, start);
                time::push_time(reader.u32()?, out);
            }
            F::Type => {
                sep(out, start);
                out.push_str(&RrType(reader.u16()?).to_string());
            }
            F::Name => {
                sep(out, start);
                name::to_presentation(reader.name()?, out).ok()?;
            }
            F::CharStr => {
                sep(out, start);
                push_quoted(reader.counted()?, out);
            }
            F::CharStrs => {
                if reader.is_empty() {
                    return None;
                }
                while !reader.is_empty() {
                    sep(out, start);
                    push_quoted(reader.counted()?, out);
                }
            }
            F::Ipv4 => {
                sep(out, start);
                let bytes: [u8; 4] = reader.take(4)?.try_into().ok()?;
                out.push_str(&Ipv4Addr::from(bytes).to_string());
            }
            F::Ipv6 => {
                sep(out, start);
                let bytes: [u8; 16] = reader.take(16)?.try_into().ok()?;
                out.push_str(&Ipv6Addr::from(bytes).to_string());
            }
            F::HexRest => {
                let bytes = reader.rest();
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                HEXUPPER.encode_append(bytes, out);
            }
            F::Base64Rest => {
                let bytes = reader.rest();
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                BASE64.encode_append(bytes, out);
            }
            F::Salt => {
                sep(out, start);
                let bytes = reader.counted()?;
                if bytes.is_empty() {
                    out.push('-');
                } else {
                    HEXUPPER.encode_append(bytes, out);
                }
            }
            F::Hash => {
                let bytes = reader.counted()?;
                if bytes.is_empty() {
                    return None;
                }
                sep(out, start);
                BASE32HEX_NOPAD.encode_append(bytes, out);
            }
            F::Bitmap => {
                let bytes = reader.rest();
                check_bitmap(bytes, true).ok()?;
                for rrtype in bitmap_types(bytes) {
                    sep(out, start);
                    out.push_str(&rrtype.to_string());
                }
            }
            F::CaaTag => {
                let tag = reader.counted()?;
                if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                    return None;
                }
                sep(out, start);
                out.extend(tag.iter().map(|&b| char::from(b)));
            }
            F::QuotedRest => {
                sep(out, start);
                push_quoted(reader.rest(), out);
            }
            F::Loc => {
                sep(out, start);
                loc::present_loc(reader.take(16)?, out)?;
            }
            F::SvcParams => svcb::present_svc_params(reader.rest(), out, start)?,
            F::Ports => wks::present_ports(reader.rest(), out, start)?,
            F::Eui48 | F::Eui64 => {
                sep(out, start);
                let bytes = reader.take(if field == F::Eui48 { 6 } else { 8 })?;
                for (index, byte) in bytes.iter().enumerate() {
                    if index > 0 {
                        out.push('-');
                    }
                    HEXUPPER.encode_append(&[*byte], out);
                }
            }
        }
    }
    reader.is_empty().then_some(())
}

/// The types set in an NSEC-style type bitmap, ascending.
fn bitmap_types(bytes: &[u8]) -> impl Iterator<Item = RrType> + '_ {
    let mut reader = Reader::new(bytes);
    std::iter::from_fn(move || {
        let window = u16::from(reader.u8()?);
        let block = reader.counted()?;
        Some(block.iter().enumerate().flat_map(move |(index, &byte)| {
            (0..8u16)
                .filter(move |bit| byte & (0x80 >> bit) != 0)
                .map(move |bit| RrType(window << 8 | (index as u16) << 3 | bit))
        }))
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use crate::rdata::test_util::text;
    use crate::rrtype::RrType;

    #[test]
    fn generic() {
        assert_eq!(text(RrType(65534), b"\x01\xab"), "\\# 2 01AB");
        assert_eq!(text(RrType(65534), b""), "\\# 0");
    }
}
