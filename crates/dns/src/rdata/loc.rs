//! LOC (RFC 1876): wire checks, and text both ways as BIND and dig write
//! it.

use super::reader::Reader;

/// Checks the 16 octets of a LOC rdata: version 0, precisions whose
/// mantissa and exponent are digits, latitude and longitude within ±90° and
/// ±180°.
pub(super) fn check_loc(bytes: &[u8]) -> Option<()> {
    let mut reader = Reader::new(bytes);
    if reader.u8()? != 0 {
        return None;
    }
    for _ in 0..3 {
        let precision = reader.u8()?;
        if precision >> 4 > 9 || precision & 0x0f > 9 {
            return None;
        }
    }
    let latitude = reader.u32()?;
    let longitude = reader.u32()?;
    if latitude.abs_diff(EQUATOR) > 90 * 3_600_000 || longitude.abs_diff(EQUATOR) > 180 * 3_600_000
    {
        return None;
    }
    Some(())
}

/// The wire value of 0° latitude or longitude (2^31 thousandths of an arc
/// second).
const EQUATOR: u32 = 1 << 31;
/// The wire value of altitude 0 m: centimetres above 100 km below the
/// WGS 84 spheroid.
const ALTITUDE_BASE: i64 = 10_000_000;

/// Appends a LOC rdata as dig writes it:
/// `52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`. `None` when it
/// fails [`check_loc`] or its text would not read back to the same bytes.
pub(super) fn present_loc(bytes: &[u8], out: &mut String) -> Option<()> {
    check_loc(bytes)?;
    let mut reader = Reader::new(bytes);
    reader.u8()?;
    let size = reader.u8()?;
    let horizontal = reader.u8()?;
    let vertical = reader.u8()?;
    let latitude = reader.u32()?;
    let longitude = reader.u32()?;
    let altitude = reader.u32()?;
    for precision in [size, horizontal, vertical] {
        if precision >> 4 == 0 && precision & 0x0f != 0 {
            return None; // 0e5 reads back as 0e0
        }
    }
    push_angle(latitude, b'N', b'S', out);
    out.push(' ');
    push_angle(longitude, b'E', b'W', out);
    let altitude = i64::from(altitude) - ALTITUDE_BASE;
    let sign = if altitude < 0 { "-" } else { "" };
    let altitude = altitude.abs();
    out.push_str(&format!(" {sign}{}.{:02}m", altitude / 100, altitude % 100));
    for precision in [size, horizontal, vertical] {
        out.push(' ');
        let mantissa = u64::from(precision >> 4);
        let exponent = u32::from(precision & 0x0f);
        if exponent >= 2 {
            out.push_str(&format!("{}m", mantissa * 10u64.pow(exponent - 2)));
        } else {
            let cm = mantissa * 10u64.pow(exponent);
            out.push_str(&format!("0.{cm:02}m"));
        }
    }
    Some(())
}

/// Appends a latitude or longitude as `deg min sec.mmm H`.
fn push_angle(value: u32, positive: u8, negative: u8, out: &mut String) {
    let (diff, hemisphere) = if value >= EQUATOR {
        (value - EQUATOR, positive)
    } else {
        (EQUATOR - value, negative)
    };
    out.push_str(&format!(
        "{} {} {}.{:03} {}",
        diff / 3_600_000,
        diff / 60_000 % 60,
        diff / 1000 % 60,
        diff % 1000,
        char::from(hemisphere)
    ));
}

/// Reads LOC text (RFC 1876 §3): minutes, seconds and the three precisions
/// are optional, `m` suffixes too. `None` when it is not valid LOC text.
pub(super) fn parse_loc(tokens: &[&str]) -> Option<Vec<u8>> {
    let mut iter = tokens.iter().copied().peekable();
    let mut angle = |positive: &str, negative: &str, max: u32| -> Option<u32> {
        let degrees: u32 = iter.next()?.parse().ok()?;
        let mut minutes = 0u32;
        let mut thousandths = 0u32;
        let mut hemisphere = iter.next()?;
        if hemisphere.bytes().all(|b| b.is_ascii_digit()) {
            minutes = hemisphere.parse().ok()?;
            hemisphere = iter.next()?;
            if hemisphere
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_digit())
            {
                thousandths = u32::try_from(parse_fixed(hemisphere, 3)?).ok()?;
                hemisphere = iter.next()?;
            }
        }
        if degrees > max || minutes > 59 || thousandths > 59_999 {
            return None;
        }
        let diff = degrees * 3_600_000 + minutes * 60_000 + thousandths;
        if diff > max * 3_600_000 {
            return None;
        }
        if hemisphere.eq_ignore_ascii_case(positive) {
            Some(EQUATOR + diff)
        } else if hemisphere.eq_ignore_ascii_case(negative) {
            Some(EQUATOR - diff)
        } else {
            None
        }
    };
    let latitude = angle("N", "S", 90)?;
    let longitude = angle("E", "W", 180)?;
    let altitude_text = iter.next()?;
    let altitude_text = altitude_text
        .strip_suffix(['m', 'M'])
        .unwrap_or(altitude_text);
    let (negative, digits) = match altitude_text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, altitude_text),
    };
    let cm = i64::try_from(parse_fixed(digits, 2)?).ok()?;
    let altitude = u32::try_from(if negative { -cm } else { cm } + ALTITUDE_BASE).ok()?;
    let mut precision = [0x12u8, 0x16, 0x13];
    for slot in precision.iter_mut() {
        let Some(text) = iter.next() else { break };
        let text = text.strip_suffix(['m', 'M']).unwrap_or(text);
        let mut cm = parse_fixed(text, 2)?;
        let mut exponent = 0u8;
        while cm >= 10 {
            if cm % 10 != 0 {
                return None; // not one digit times a power of ten
            }
            cm /= 10;
            exponent += 1;
        }
        if exponent > 9 {
            return None;
        }
        *slot = (cm as u8) << 4 | exponent;
    }
    if iter.next().is_some() {
        return None;
    }
    let mut out = vec![0u8];
    out.extend_from_slice(&precision);
    out.extend_from_slice(&latitude.to_be_bytes());
    out.extend_from_slice(&longitude.to_be_bytes());
    out.extend_from_slice(&altitude.to_be_bytes());
    Some(out)
}

/// Parses `123.45` with at most `places` decimals into an integer scaled by
/// 10^places.
fn parse_fixed(text: &str, places: u32) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > places as usize {
        return None;
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let mut value = whole.checked_mul(10u64.pow(places))?;
    let mut scale = 10u64.pow(places);
    for digit in fraction.bytes() {
        scale /= 10;
        value = value.checked_add(u64::from(digit - b'0') * scale)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use crate::rdata::test_util::canon;
    use crate::rdata::RdataError;
    use crate::rrtype::RrType;

    #[test]
    fn loc_checks() {
        let mut loc = [0u8; 16];
        loc[0] = 1;
        assert!(matches!(
            canon(RrType::LOC, &loc, 0),
            Err(RdataError::BadStructure { .. })
        ));
    }
}
