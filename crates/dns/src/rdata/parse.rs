//! Text → wire: [`from_presentation`] reads the presentation form written
//! by [`super::to_presentation`] (and RFC 3597 `\#` for every type) back into
//! canonical rdata; also the character-string reader that the SVCB code
//! shares.

use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXUPPER_PERMISSIVE};

use super::{layout, loc, svcb, time, wks, Field, RdataError, F};
use crate::name;
use crate::rrtype::RrType;

/// Splits text into tokens at unquoted whitespace. Tokens keep their quotes
/// and escapes.
fn tokenize(text: &str) -> Result<Vec<&str>, RdataError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        if pos >= bytes.len() {
            break;
        }
        let start = pos;
        let mut quoted = false;
        while let Some(&byte) = bytes.get(pos) {
            match byte {
                b'\\' => pos += 1,
                b'"' => quoted = !quoted,
                _ if byte.is_ascii_whitespace() && !quoted => break,
                _ => {}
            }
            pos += 1;
        }
        if quoted {
            return Err(RdataError::Unterminated { text: text.into() });
        }
        let end = pos.min(bytes.len());
        if let Some(token) = text.get(start..end) {
            tokens.push(token);
        }
    }
    Ok(tokens)
}

/// Reads a character string: drops unescaped quotes, resolves `\X` and
/// `\DDD`.
pub(super) fn unquote(token: &str) -> Option<Vec<u8>> {
    let bytes = token.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b'"' => pos += 1,
            b'\\' => {
                let (value, used) = name::parse_escape(bytes, pos).ok()?;
                out.push(value);
                pos += used;
            }
            other => {
                out.push(other);
                pos += 1;
            }
        }
    }
    Some(out)
}

/// The tokens of one rdata text, read field by field.
struct TextParser<'t> {
    rrtype: RrType,
    tokens: std::vec::IntoIter<&'t str>,
    /// The origin relative names are completed with (zone files), canonical wire; `None`:
    /// every name is absolute, with or without its trailing dot.
    origin: Option<&'t [u8]>,
}

impl<'t> TextParser<'t> {
    /// The next token, or [`RdataError::MissingField`].
    fn next(&mut self, field: &'static str) -> Result<&'t str, RdataError> {
        self.tokens.next().ok_or(RdataError::MissingField {
            rrtype: self.rrtype,
            field,
        })
    }
    /// A [`RdataError::BadToken`] for `token` in `field`.
    fn bad(&self, field: &'static str, token: &str) -> RdataError {
        RdataError::BadToken {
            rrtype: self.rrtype,
            field,
            token: token.into(),
        }
    }
    /// The next token as a decimal number (digits only).
    fn number<T: std::str::FromStr>(&mut self, field: &'static str) -> Result<T, RdataError> {
        let token = self.next(field)?;
        if !token.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(field, token));
        }
        token.parse().map_err(|_| self.bad(field, token))
    }
    /// Every token left.
    fn rest(&mut self) -> Vec<&'t str> {
        self.tokens.by_ref().collect()
    }
}

/// Parses presentation text of type `rrtype` into canonical rdata.
///
/// Inverse of [`to_presentation`](super::to_presentation); also accepts
/// `\# len hex` for every type, base64 and hex split over several tokens,
/// lowercase hex and base32hex, names without the trailing dot, and RRSIG
/// times as decimal seconds.
pub fn from_presentation(rrtype: RrType, text: &str) -> Result<Vec<u8>, RdataError> {
    parse_text(rrtype, text, None)
}

/// Parses presentation text of type `rrtype` as a zone file writes it: a name in the rdata
/// without its trailing dot is relative to `origin` (canonical wire), and `@` is `origin`
/// itself (RFC 1035 §5.1). Otherwise as [`from_presentation`].
pub fn from_presentation_in(
    rrtype: RrType,
    text: &str,
    origin: &[u8],
) -> Result<Vec<u8>, RdataError> {
    parse_text(rrtype, text, Some(origin))
}

/// True when a name in presentation form is relative: not `.` and not ending in an
/// unescaped dot.
pub fn is_relative_name(token: &str) -> bool {
    let bytes = token.as_bytes();
    if bytes.last() != Some(&b'.') {
        return true;
    }
    let before = bytes.get(..bytes.len() - 1).unwrap_or_default();
    let backslashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
    backslashes % 2 == 1
}

/// Appends the wire form of `token` to `out`, completing a relative name with `origin`.
fn push_name_in(
    token: &str,
    origin: Option<&[u8]>,
    out: &mut Vec<u8>,
) -> Result<(), name::NameError> {
    let Some(origin) = origin else {
        return name::from_presentation_bytes(token.as_bytes(), out);
    };
    if token == "@" {
        out.extend_from_slice(origin);
        return Ok(());
    }
    if !is_relative_name(token) {
        return name::from_presentation_bytes(token.as_bytes(), out);
    }
    let start = out.len();
    name::from_presentation_bytes(token.as_bytes(), out)?;
    // The relative labels end with the root label: replace it with the origin.
    out.pop();
    out.extend_from_slice(origin);
    if out.len() - start > 255 {
        let len = out.len() - start;
        out.truncate(start);
        return Err(name::NameError::LongName { len });
    }
    Ok(())
}

fn parse_text(rrtype: RrType, text: &str, origin: Option<&[u8]>) -> Result<Vec<u8>, RdataError> {
    let tokens = tokenize(text)?;
    if tokens.first() == Some(&"\\#") {
        return parse_generic(rrtype, tokens.get(1..).unwrap_or(&[]));
    }
    let Some(fields) = layout(rrtype) else {
        return Err(RdataError::BadToken {
            rrtype,
            field: "\\# generic rdata",
            token: text.into(),
        });
    };
    let mut parser = TextParser {
        rrtype,
        tokens: tokens.into_iter(),
        origin,
    };
    let mut out = Vec::new();
    for &field in fields {
        parse_field(&mut parser, field, &mut out)?;
    }
    if let Some(token) = parser.tokens.next() {
        return Err(RdataError::ExtraText {
            rrtype,
            token: token.into(),
        });
    }
    Ok(out)
}

/// Reads the tokens after `\#`: a length, then hex (possibly split).
fn parse_generic(rrtype: RrType, tokens: &[&str]) -> Result<Vec<u8>, RdataError> {
    let (length, hex) = tokens.split_first().ok_or(RdataError::MissingField {
        rrtype,
        field: "\\# length",
    })?;
    let declared: usize = length
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| length.parse().ok())
        .flatten()
        .ok_or_else(|| RdataError::BadToken {
            rrtype,
            field: "\\# length",
            token: (*length).into(),
        })?;
    let hex = hex.concat();
    let bytes = HEXUPPER_PERMISSIVE
        .decode(hex.as_bytes())
        .map_err(|_| RdataError::BadToken {
            rrtype,
            field: "\\# hex",
            token: hex.clone(),
        })?;
    if bytes.len() != declared {
        return Err(RdataError::GenericLength {
            declared,
            actual: bytes.len(),
        });
    }
    Ok(bytes)
}

/// Appends `token` as a u8-counted character string.
fn push_charstr(parser: &TextParser<'_>, token: &str, out: &mut Vec<u8>) -> Result<(), RdataError> {
    let bytes = unquote(token).ok_or_else(|| parser.bad("character string", token))?;
    let len = u8::try_from(bytes.len()).map_err(|_| parser.bad("character string", token))?;
    out.push(len);
    out.extend_from_slice(&bytes);
    Ok(())
}

/// Reads one field's tokens and appends its wire form.
fn parse_field(
    parser: &mut TextParser<'_>,
    field: Field,
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let rrtype = parser.rrtype;
    match field {
        F::U8 => out.push(parser.number::<u8>("u8")?),
        F::Protocol => {
            let token = parser.next("protocol")?;
            let protocol =
                wks::parse_protocol(token).ok_or_else(|| parser.bad(wks::PROTOCOL, token))?;
            out.push(protocol);
        }
        F::Ports => {
            let mut ports = Vec::new();
            for token in parser.rest() {
                ports.push(wks::parse_port(token).ok_or_else(|| parser.bad(wks::PORT, token))?);
            }
            wks::push_ports(&ports, out);
        }
        F::U16 => out.extend_from_slice(&parser.number::<u16>("u16")?.to_be_bytes()),
        F::U32 => out.extend_from_slice(&parser.number::<u32>("u32")?.to_be_bytes()),
        F::Time => {
            let token = parser.next("time")?;
            let time = time::parse_time(token).ok_or_else(|| parser.bad("time", token))?;
            out.extend_from_slice(&time.to_be_bytes());
        }
        F::Type => {
            let token = parser.next("type covered")?;
            let value: RrType = token
                .parse()
                .map_err(|_| parser.bad("type covered", token))?;
            out.extend_from_slice(&value.0.to_be_bytes());
        }
        F::Name => {
            let token = parser.next("name")?;
            push_name_in(token, parser.origin, out).map_err(|source| RdataError::BadTextName {
                rrtype,
                token: token.into(),
                source,
            })?;
        }
        F::CharStr => {
            let token = parser.next("character string")?;
            push_charstr(parser, token, out)?;
        }
        F::CharStrs => {
            let tokens = parser.rest();
            if tokens.is_empty() {
                return Err(RdataError::MissingField {
                    rrtype,
                    field: "character string",
                });
            }
            for token in tokens {
                push_charstr(parser, token, out)?;
            }
        }
        F::Ipv4 => {
            let token = parser.next("IPv4 address")?;
            let address: Ipv4Addr = token
                .parse()
                .map_err(|_| parser.bad("IPv4 address", token))?;
            out.extend_from_slice(&address.octets());
        }
        F::Ipv6 => {
            let token = parser.next("IPv6 address")?;
            let address: Ipv6Addr = token
                .parse()
                .map_err(|_| parser.bad("IPv6 address", token))?;
            out.extend_from_slice(&address.octets());
        }
        F::HexRest | F::Base64Rest => {
            let what = if field == F::HexRest { "hex" } else { "base64" };
            let text = parser.rest().concat();
            if text.is_empty() {
                return Err(RdataError::MissingField {
                    rrtype,
                    field: what,
                });
            }
            let encoding = if field == F::HexRest {
                &HEXUPPER_PERMISSIVE
            } else {
                &BASE64
            };
            let bytes = encoding
                .decode(text.as_bytes())
                .map_err(|_| parser.bad(what, &text))?;
            out.extend_from_slice(&bytes);
        }
        F::Salt => {
            let token = parser.next("salt")?;
            let bytes = if token == "-" {
                Vec::new()
            } else {
                HEXUPPER_PERMISSIVE
                    .decode(token.as_bytes())
                    .map_err(|_| parser.bad("salt", token))?
            };
            let len = u8::try_from(bytes.len()).map_err(|_| parser.bad("salt", token))?;
            out.push(len);
            out.extend_from_slice(&bytes);
        }
        F::Hash => {
            let token = parser.next("next hashed owner")?;
            let bytes = BASE32HEX_NOPAD
                .decode(token.to_ascii_uppercase().as_bytes())
                .map_err(|_| parser.bad("next hashed owner", token))?;
            let len =
                u8::try_from(bytes.len()).map_err(|_| parser.bad("next hashed owner", token))?;
            if len == 0 {
                return Err(parser.bad("next hashed owner", token));
            }
            out.push(len);
            out.extend_from_slice(&bytes);
        }
        F::Bitmap => {
            let mut types = Vec::new();
            for token in parser.rest() {
                let value: RrType = token.parse().map_err(|_| parser.bad("type", token))?;
                types.push(value.0);
            }
            push_bitmap(&mut types, out);
        }
        F::CaaTag => {
            let token = parser.next("tag")?;
            let bytes = unquote(token).ok_or_else(|| parser.bad("tag", token))?;
            if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_alphanumeric) || bytes.len() > 255
            {
                return Err(parser.bad("tag", token));
            }
            out.push(bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        F::QuotedRest => {
            let token = parser.next("value")?;
            let bytes = unquote(token).ok_or_else(|| parser.bad("value", token))?;
            out.extend_from_slice(&bytes);
        }
        F::Loc => {
            let tokens = parser.rest();
            let bytes =
                loc::parse_loc(&tokens).ok_or_else(|| parser.bad("LOC", &tokens.join(" ")))?;
            out.extend_from_slice(&bytes);
        }
        F::SvcParams => {
            let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
            for token in parser.rest() {
                let param =
                    svcb::parse_svc_param(token).ok_or_else(|| parser.bad("SvcParam", token))?;
                params.push(param);
            }
            params.sort_by_key(|(key, _)| *key);
            for (index, (key, value)) in params.iter().enumerate() {
                if index > 0 && params.get(index - 1).map(|p| p.0) == Some(*key) {
                    return Err(parser.bad("SvcParam", &format!("key{key}")));
                }
                let len =
                    u16::try_from(value.len()).map_err(|_| parser.bad("SvcParam", "value"))?;
                out.extend_from_slice(&key.to_be_bytes());
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(value);
            }
        }
        F::Eui48 | F::Eui64 => {
            let width = if field == F::Eui48 { 6 } else { 8 };
            let token = parser.next("EUI")?;
            let parts: Vec<&str> = token.split('-').collect();
            if parts.len() != width || parts.iter().any(|p| p.len() != 2) {
                return Err(parser.bad("EUI", token));
            }
            let bytes = HEXUPPER_PERMISSIVE
                .decode(parts.concat().as_bytes())
                .map_err(|_| parser.bad("EUI", token))?;
            out.extend_from_slice(&bytes);
        }
    }
    Ok(())
}

/// Appends the NSEC-style type bitmap of `types` (sorted and deduplicated
/// here), each window only as long as its highest set bit needs.
fn push_bitmap(types: &mut Vec<u16>, out: &mut Vec<u8>) {
    types.sort_unstable();
    types.dedup();
    let mut index = 0;
    while let Some(&first) = types.get(index) {
        let window = first >> 8;
        let mut block = [0u8; 32];
        let mut used = 0;
        while let Some(&value) = types.get(index) {
            if value >> 8 != window {
                break;
            }
            let low = usize::from(value & 0xff);
            if let Some(byte) = block.get_mut(low / 8) {
                *byte |= 0x80 >> (low % 8);
            }
            used = low / 8 + 1;
            index += 1;
        }
        out.push(window as u8);
        out.push(used as u8);
        out.extend_from_slice(block.get(..used).unwrap_or(&[]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic() {
        assert_eq!(
            from_presentation(RrType(65534), "\\# 2 01ab").unwrap(),
            b"\x01\xab"
        );
        assert_eq!(
            from_presentation(RrType::A, "\\# 4 01 02 0304").unwrap(),
            b"\x01\x02\x03\x04"
        );
        assert_eq!(
            from_presentation(RrType(65534), "\\# 3 01ab"),
            Err(RdataError::GenericLength {
                declared: 3,
                actual: 2
            })
        );
        assert!(from_presentation(RrType(65534), "01ab").is_err());
        assert_eq!(from_presentation(RrType(65534), "\\# 0").unwrap(), b"");
    }

    #[test]
    fn text_errors() {
        assert!(matches!(
            from_presentation(RrType::A, "1.2.3.4 5"),
            Err(RdataError::ExtraText { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::MX, "10"),
            Err(RdataError::MissingField { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::MX, "x a."),
            Err(RdataError::BadToken { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::TXT, "\"abc"),
            Err(RdataError::Unterminated { .. })
        ));
        assert!(matches!(
            from_presentation(RrType::NS, "a..b"),
            Err(RdataError::BadTextName { .. })
        ));
        let long = format!("\"{}\"", "a".repeat(256));
        assert!(from_presentation(RrType::TXT, &long).is_err());
    }

    #[test]
    fn zone_file_names_are_relative_to_the_origin() {
        let origin = b"\x07example\x03com\x00";
        assert_eq!(
            from_presentation_in(RrType::MX, "10 mail", origin).expect("mx"),
            b"\x00\x0a\x04mail\x07example\x03com\x00"
        );
        assert_eq!(
            from_presentation_in(RrType::CNAME, "@", origin).expect("apex"),
            origin
        );
        assert_eq!(
            from_presentation_in(RrType::NS, "ns.example.net.", origin).expect("absolute"),
            b"\x02ns\x07example\x03net\x00"
        );
        // An escaped final dot is part of the label: the name is still relative.
        assert!(is_relative_name("a\\."));
        assert!(!is_relative_name("a\\\\."));
        assert!(!is_relative_name("."));
        let long = "a".repeat(63);
        let text = format!("{long}.{long}.{long}.{long}");
        assert!(from_presentation_in(RrType::NS, &text, origin).is_err());
    }
}
