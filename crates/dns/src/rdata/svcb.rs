//! SVCB and HTTPS SvcParams (RFC 9460 §2.1, Appendix A): wire checks, and
//! text both ways.

use std::net::{Ipv4Addr, Ipv6Addr};

use data_encoding::BASE64;

use super::parse::unquote;
use super::present::{push_quoted, sep};
use super::reader::Reader;
use crate::name::push_decimal_escape;

/// The SvcParamKeys with mnemonics (RFC 9460 §14.3.2 and later).
const SVC_KEYS: &[(u16, &str)] = &[
    (0, "mandatory"),
    (1, "alpn"),
    (2, "no-default-alpn"),
    (3, "port"),
    (4, "ipv4hint"),
    (5, "ech"),
    (6, "ipv6hint"),
    (7, "dohpath"),
    (8, "ohttp"),
];

/// Appends a key's mnemonic, or `keyNNNNN` for one without.
fn push_svc_key(key: u16, out: &mut String) {
    match SVC_KEYS.iter().find(|(k, _)| *k == key) {
        Some((_, text)) => out.push_str(text),
        None => out.push_str(&format!("key{key}")),
    }
}

/// Reads a key mnemonic or `keyNNNNN` (not the reserved 65535).
fn parse_svc_key(text: &[u8]) -> Option<u16> {
    if let Some((key, _)) = SVC_KEYS.iter().find(|(_, name)| name.as_bytes() == text) {
        return Some(*key);
    }
    let digits = text.strip_prefix(b"key")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let key: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (key != 65535).then_some(key)
}

/// Checks SvcParams: (key, length, value) triples with strictly ascending
/// keys. Returns the offset of the first fault.
pub(super) fn check_svc_params(bytes: &[u8]) -> Result<(), usize> {
    let mut reader = Reader::new(bytes);
    let mut last: Option<u16> = None;
    while !reader.is_empty() {
        let at = reader.pos;
        let key = reader.u16().ok_or(at)?;
        let len = reader.u16().ok_or(at)?;
        reader.take(usize::from(len)).ok_or(at)?;
        if last.is_some_and(|last| key <= last) {
            return Err(at);
        }
        last = Some(key);
    }
    Ok(())
}

/// Appends SvcParams as `key=value` tokens, each after [`sep`]. `None`
/// when they fail [`check_svc_params`] or a value does not fit its key.
pub(super) fn present_svc_params(bytes: &[u8], out: &mut String, start: usize) -> Option<()> {
    check_svc_params(bytes).ok()?;
    let mut reader = Reader::new(bytes);
    while !reader.is_empty() {
        let key = reader.u16()?;
        let len = reader.u16()?;
        let value = reader.take(usize::from(len))?;
        sep(out, start);
        push_svc_key(key, out);
        let mut items = Reader::new(value);
        match key {
            0 => {
                if value.is_empty() || value.len() % 2 != 0 {
                    return None;
                }
                out.push('=');
                let mut first = true;
                while let Some(mandatory) = items.u16() {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    if mandatory == 65535 {
                        return None;
                    }
                    push_svc_key(mandatory, out);
                }
            }
            1 => {
                if value.is_empty() {
                    return None;
                }
                out.push_str("=\"");
                let mut first = true;
                while !items.is_empty() {
                    let id = items.counted()?;
                    if id.is_empty() {
                        return None;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    for &byte in id {
                        match byte {
                            b',' => out.push_str("\\\\,"),
                            b'\\' => out.push_str("\\\\\\\\"),
                            b'"' => out.push_str("\\\""),
                            0x20..=0x7e => out.push(char::from(byte)),
                            _ => push_decimal_escape(byte, out),
                        }
                    }
                }
                out.push('"');
            }
            2 | 8 => {
                if !value.is_empty() {
                    return None;
                }
            }
            3 => {
                out.push('=');
                out.push_str(&items.u16()?.to_string());
                if !items.is_empty() {
                    return None;
                }
            }
            4 | 6 => {
                let width = if key == 4 { 4 } else { 16 };
                if value.is_empty() || value.len() % width != 0 {
                    return None;
                }
                out.push('=');
                for (index, chunk) in value.chunks(width).enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    if let Ok(v4) = <[u8; 4]>::try_from(chunk) {
                        out.push_str(&Ipv4Addr::from(v4).to_string());
                    } else {
                        let v6: [u8; 16] = chunk.try_into().ok()?;
                        out.push_str(&Ipv6Addr::from(v6).to_string());
                    }
                }
            }
            5 => {
                if value.is_empty() {
                    return None;
                }
                out.push('=');
                BASE64.encode_append(value, out);
            }
            65535 => return None,
            _ => {
                if !value.is_empty() || key == 7 {
                    out.push('=');
                    push_quoted(value, out);
                }
            }
        }
    }
    Some(())
}

/// Reads one `key=value` (or bare `key`) token into the key and its wire
/// value. `None` when the key is unknown or the value does not fit it.
pub(super) fn parse_svc_param(token: &str) -> Option<(u16, Vec<u8>)> {
    let (key_text, value_text) = match token.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (token, None),
    };
    let key = parse_svc_key(key_text.as_bytes())?;
    let value = match value_text {
        None => {
            return matches!(key, 2 | 8)
                .then_some(())
                .or((!matches!(key, 0 | 1 | 3 | 4 | 5 | 6)).then_some(()))
                .map(|()| (key, Vec::new()))
        }
        Some(text) => unquote(text)?,
    };
    let mut out = Vec::new();
    match key {
        0 => {
            for item in value.split(|&b| b == b',') {
                let mandatory = parse_svc_key(item)?;
                out.extend_from_slice(&mandatory.to_be_bytes());
            }
        }
        1 => {
            for id in split_value_list(&value) {
                if id.is_empty() || id.len() > 255 {
                    return None;
                }
                out.push(id.len() as u8);
                out.extend_from_slice(&id);
            }
        }
        2 | 8 => {
            if !value.is_empty() {
                return None;
            }
        }
        3 => {
            let text = std::str::from_utf8(&value).ok()?;
            if !text.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.extend_from_slice(&text.parse::<u16>().ok()?.to_be_bytes());
        }
        4 | 6 => {
            let text = std::str::from_utf8(&value).ok()?;
            for item in text.split(',') {
                if key == 4 {
                    out.extend_from_slice(&item.parse::<Ipv4Addr>().ok()?.octets());
                } else {
                    out.extend_from_slice(&item.parse::<Ipv6Addr>().ok()?.octets());
                }
            }
        }
        5 => out = BASE64.decode(&value).ok()?,
        _ => out = value,
    }
    Some((key, out))
}

/// Splits an RFC 9460 value list at unescaped commas, resolving `\X`.
fn split_value_list(value: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut iter = value.iter();
    while let Some(&byte) = iter.next() {
        match byte {
            b'\\' => {
                if let (Some(&next), Some(item)) = (iter.next(), items.last_mut()) {
                    item.push(next);
                }
            }
            b',' => items.push(Vec::new()),
            other => {
                if let Some(item) = items.last_mut() {
                    item.push(other);
                }
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use crate::rdata::test_util::canon;
    use crate::rdata::RdataError;
    use crate::rrtype::RrType;

    #[test]
    fn svcb_checks() {
        // Descending SvcParam keys.
        let svcb = b"\x00\x01\x00\x00\x03\x00\x02\x01\xbb\x00\x01\x00\x03\x02h2";
        assert!(matches!(
            canon(RrType::SVCB, svcb, 0),
            Err(RdataError::BadStructure { .. })
        ));
    }
}
