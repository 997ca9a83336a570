//! RRSIG times (RFC 4034 §3.2): seconds since 1970 written as
//! `YYYYMMDDHHMMSS`, and the civil-date arithmetic behind them.

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01.
fn days_to_civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date; the inverse of
/// [`days_to_civil`] for valid dates.
fn civil_to_days(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Appends `seconds` since 1970 as `YYYYMMDDHHMMSS` (UTC).
pub(super) fn push_time(seconds: u32, out: &mut String) {
    let seconds = i64::from(seconds);
    let (year, month, day) = days_to_civil(seconds.div_euclid(86_400));
    let rem = seconds.rem_euclid(86_400);
    out.push_str(&format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    ));
}

/// Reads an RRSIG time: `YYYYMMDDHHMMSS` (a real date, within u32 seconds)
/// or, for any other length, decimal seconds since 1970.
pub(super) fn parse_time(token: &str) -> Option<u32> {
    if !token.bytes().all(|b| b.is_ascii_digit()) || token.is_empty() {
        return None;
    }
    if token.len() != 14 {
        return token.parse().ok();
    }
    let num = |range: std::ops::Range<usize>| token.get(range)?.parse::<u32>().ok();
    let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    if !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = civil_to_days(i64::from(year), month, day);
    if days_to_civil(days) != (i64::from(year), month, day) {
        return None;
    }
    let total = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    u32::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let mut s = String::new();
        push_time(0, &mut s);
        assert_eq!(s, "19700101000000");
        s.clear();
        push_time(u32::MAX, &mut s);
        assert_eq!(s, "21060207062815");
        assert_eq!(parse_time("21060207062815"), Some(u32::MAX));
        assert_eq!(parse_time("21060207062816"), None);
        assert_eq!(parse_time("20000230000000"), None);
        assert_eq!(parse_time("20240229120000"), Some(1_709_208_000));
        assert_eq!(parse_time("1709208000"), Some(1_709_208_000));
    }
}
