//! Wire validation and canonicalization: [`canonicalize`] checks rdata
//! against its type's layout and writes it with names decompressed and
//! lowercased; [`decompress_name`] does the same for one name, and
//! [`check_bitmap`] checks an NSEC-style type bitmap.

use domain::base::name::{ParsedName, ToName};
use domain::base::wire::ParseError;
use domain::dep::octseq::Parser;

use super::{fixed_len, layout, loc, svcb, wks, RdataError, F};
use crate::rrtype::RrType;

/// Appends the canonical form of the rdata at
/// `message[rdata_start..rdata_start + rdata_len]` to `out`.
///
/// `message` is the whole DNS message, since names may point anywhere before
/// the rdata. Unknown types are copied verbatim; a WKS port bitmap loses its
/// trailing zero octets (and may not set a port above 65535). On error `out`
/// is left as it was.
pub fn canonicalize(
    rrtype: RrType,
    message: &[u8],
    rdata_start: usize,
    rdata_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let out_start = out.len();
    let result = canonicalize_inner(rrtype, message, rdata_start, rdata_len, out);
    if result.is_err() {
        out.truncate(out_start);
    }
    result
}

/// [`canonicalize`] without the clean-up of `out` on error.
fn canonicalize_inner(
    rrtype: RrType,
    message: &[u8],
    rdata_start: usize,
    rdata_len: usize,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let out_of_bounds = RdataError::OutOfBounds {
        start: rdata_start,
        len: rdata_len,
        message_len: message.len(),
    };
    let end = rdata_start
        .checked_add(rdata_len)
        .ok_or(out_of_bounds.clone())?;
    let rdata = message.get(rdata_start..end).ok_or(out_of_bounds)?;
    let Some(fields) = layout(rrtype) else {
        out.extend_from_slice(rdata);
        return Ok(());
    };
    let mut pos = 0usize;
    let short = |pos: usize, need: usize| RdataError::Short {
        rrtype,
        offset: pos,
        need,
        have: rdata_len - pos,
    };
    for &field in fields {
        let left = rdata_len - pos;
        if let Some(n) = fixed_len(field) {
            let bytes = rdata.get(pos..pos + n).ok_or(short(pos, n))?;
            if field == F::Loc {
                loc::check_loc(bytes).ok_or(RdataError::BadStructure {
                    rrtype,
                    what: "LOC",
                    offset: pos,
                })?;
            }
            out.extend_from_slice(bytes);
            pos += n;
            continue;
        }
        match field {
            F::Name => {
                pos = decompress_name(message, rdata_start + pos, end, out).map_err(|reason| {
                    RdataError::BadName {
                        rrtype,
                        offset: pos,
                        reason,
                    }
                })? - rdata_start;
            }
            F::CharStr | F::Salt | F::Hash | F::CaaTag => {
                let len = usize::from(*rdata.get(pos).ok_or(short(pos, 1))?);
                let bytes = rdata.get(pos..pos + 1 + len).ok_or(short(pos, 1 + len))?;
                out.extend_from_slice(bytes);
                pos += 1 + len;
            }
            F::CharStrs => {
                while let Some(&len) = rdata.get(pos) {
                    let len = usize::from(len);
                    let bytes = rdata.get(pos..pos + 1 + len).ok_or(short(pos, 1 + len))?;
                    out.extend_from_slice(bytes);
                    pos += 1 + len;
                }
            }
            F::Bitmap | F::SvcParams => {
                let bytes = rdata.get(pos..).unwrap_or(&[]);
                let ok = if field == F::Bitmap {
                    check_bitmap(bytes, false)
                } else {
                    svcb::check_svc_params(bytes)
                };
                if let Err(offset) = ok {
                    return Err(RdataError::BadStructure {
                        rrtype,
                        what: if field == F::Bitmap {
                            "type bitmap"
                        } else {
                            "SvcParams"
                        },
                        offset: pos + offset,
                    });
                }
                out.extend_from_slice(bytes);
                pos = rdata_len;
            }
            F::Ports => {
                let bitmap =
                    wks::canonical_ports(rdata.get(pos..).unwrap_or(&[])).map_err(|offset| {
                        RdataError::BadStructure {
                            rrtype,
                            what: "WKS port bitmap",
                            offset: pos + offset,
                        }
                    })?;
                out.extend_from_slice(bitmap);
                pos = rdata_len;
            }
            _ => {
                // HexRest, Base64Rest, QuotedRest: everything that is left.
                out.extend_from_slice(rdata.get(pos..).unwrap_or(&[]));
                pos += left;
            }
        }
    }
    if pos != rdata_len {
        return Err(RdataError::Trailing {
            rrtype,
            extra: rdata_len - pos,
        });
    }
    Ok(())
}

/// Decompresses the name at `message[pos..]`, which must end (its
/// uncompressed part) before `end`, appending it lowercased to `out`.
/// Returns the position after the name.
pub(crate) fn decompress_name(
    message: &[u8],
    pos: usize,
    end: usize,
    out: &mut Vec<u8>,
) -> Result<usize, &'static str> {
    let mut parser = Parser::try_with_range(message, pos..end).ok_or("name outside message")?;
    let parsed = ParsedName::parse_ref(&mut parser).map_err(|err| match err {
        ParseError::ShortInput => "name runs past the end",
        ParseError::Form(_) => "bad label, loop, forward pointer or name over 255 bytes",
    })?;
    let start = out.len();
    match parsed.as_flat_slice() {
        Some(flat) => out.extend_from_slice(flat),
        None => {
            for label in parsed.iter() {
                let bytes = label.as_slice();
                out.push(bytes.len() as u8);
                out.extend_from_slice(bytes);
            }
        }
    }
    // Length bytes are below 0x40, so lowercasing them changes nothing.
    if let Some(written) = out.get_mut(start..) {
        written.make_ascii_lowercase();
    }
    Ok(parser.pos())
}

/// Checks a type bitmap; `strict` also demands the canonical form (no
/// trailing zero octet in a window). Returns the offset of the first fault.
pub(super) fn check_bitmap(bytes: &[u8], strict: bool) -> Result<(), usize> {
    let mut pos = 0;
    let mut last_window: Option<u8> = None;
    while pos < bytes.len() {
        let (Some(&window), Some(&len)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(pos);
        };
        if last_window.is_some_and(|last| window <= last) || len == 0 || len > 32 {
            return Err(pos);
        }
        let block = bytes.get(pos + 2..pos + 2 + usize::from(len)).ok_or(pos)?;
        if strict && block.last() == Some(&0) {
            return Err(pos);
        }
        last_window = Some(window);
        pos += 2 + usize::from(len);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::test_util::{canon, text};

    #[test]
    fn a_lengths() {
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03\x04", 0).unwrap(),
            b"\x01\x02\x03\x04"
        );
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03\x04\x05", 0),
            Err(RdataError::Trailing {
                rrtype: RrType::A,
                extra: 1
            })
        );
        assert_eq!(
            canon(RrType::A, b"\x01\x02\x03", 0),
            Err(RdataError::Short {
                rrtype: RrType::A,
                offset: 0,
                need: 4,
                have: 3
            })
        );
        assert!(canon(RrType::AAAA, &[0; 15], 0).is_err());
        assert!(canon(RrType::AAAA, &[0; 17], 0).is_err());
    }

    #[test]
    fn out_of_bounds() {
        let mut out = Vec::new();
        assert!(matches!(
            canonicalize(RrType::A, b"\x01\x02", 1, 4, &mut out),
            Err(RdataError::OutOfBounds { .. })
        ));
        assert!(matches!(
            canonicalize(RrType::A, b"\x01\x02", usize::MAX, 4, &mut out),
            Err(RdataError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn names_are_decompressed_and_lowercased() {
        // "Example.COM." at 0, then an MX rdata at 13 pointing at it.
        let message = b"\x07Example\x03COM\x00\x00\x0a\x04Mail\xc0\x00";
        let got = canon(RrType::MX, message, 13).unwrap();
        assert_eq!(got, b"\x00\x0a\x04mail\x07example\x03com\x00");
        assert_eq!(text(RrType::MX, &got), "10 mail.example.com.");
    }

    #[test]
    fn bad_names_in_rdata() {
        // Pointer to itself.
        assert!(matches!(
            canon(RrType::NS, b"\xc0\x00", 0),
            Err(RdataError::BadName { .. })
        ));
        // Forward pointer.
        assert!(matches!(
            canon(RrType::CNAME, b"\xc0\x02\x00", 0),
            Err(RdataError::BadName { .. })
        ));
        // Name runs past the rdata end.
        let message = b"\x03www\x00";
        let mut out = Vec::new();
        assert!(matches!(
            canonicalize(RrType::PTR, message, 0, 3, &mut out),
            Err(RdataError::BadName { .. })
        ));
        // Bad label type 0x40.
        assert!(matches!(
            canon(RrType::NS, b"\x40\x00", 0),
            Err(RdataError::BadName { .. })
        ));
    }

    #[test]
    fn txt_and_bitmap_checks() {
        assert!(matches!(
            canon(RrType::TXT, b"\x05abc", 0),
            Err(RdataError::Short { .. })
        ));
        assert_eq!(canon(RrType::TXT, b"", 0).unwrap(), b"");
        assert_eq!(text(RrType::TXT, b""), "\\# 0");
        // Windows out of order.
        assert!(matches!(
            canon(RrType::NSEC, b"\x00\x01\x40\x00\x01\x40", 0),
            Err(RdataError::BadStructure { .. })
        ));
        // Zero-length window block.
        assert!(matches!(
            canon(RrType::NSEC, b"\x00\x00\x00", 0),
            Err(RdataError::BadStructure { .. })
        ));
        // Trailing zero octet is valid on the wire but written generically.
        let rdata = b"\x00\x00\x02\x40\x00";
        assert_eq!(canon(RrType::NSEC, rdata, 0).unwrap(), rdata);
        assert_eq!(text(RrType::NSEC, rdata), "\\# 5 0000024000");
    }
}
