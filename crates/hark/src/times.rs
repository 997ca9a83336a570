//! Times on the command line and in output: parsing fences, printing seen times.

use anyhow::{bail, Context};

/// Parses a fence time: epoch seconds, a negative number of seconds before now (as DNSDB
/// takes), a date or date-time (`2024-06-01`, `2024-06-01 12:00:00`, RFC 3339), or an age
/// before now (`90s`, `15m`, `12h`, `7d`, `2w`, `1y`).
pub fn parse_time(text: &str, now: i64) -> anyhow::Result<i64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i64>() {
        return Ok(if number < 0 { now + number } else { number });
    }
    if let Some(age) = parse_age(text) {
        return Ok(now - age);
    }
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    let civil = text.replace(' ', "T");
    if let Ok(dt) = civil.parse::<jiff::civil::DateTime>() {
        let ts = dt.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
        return Ok(ts.as_second());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        let ts = date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp();
        return Ok(ts.as_second());
    }
    bail!(
        "{text:?} is not a time: use epoch seconds, a date like 2024-06-01 or \
         2024-06-01T12:00:00Z (UTC), or an age like 12h, 7d, 2w"
    )
}

/// Seconds in an age like `7d`, or `None` when `text` is not one.
fn parse_age(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let value: i64 = digits.parse().ok()?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    value.checked_mul(unit_seconds)
}

/// Builds a store time fence from the lookup flags.
pub fn fence(args: &crate::cli::LookupArgs, now: i64) -> anyhow::Result<hark_store::TimeFence> {
    let parse = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|v| parse_time(v, now).with_context(|| format!("--{flag}")))
            .transpose()
    };
    Ok(hark_store::TimeFence {
        first_after: parse("first-after", &args.first_after)?,
        first_before: parse("first-before", &args.first_before)?,
        last_after: parse("last-after", &args.last_after)?,
        last_before: parse("last-before", &args.last_before)?,
    })
}

/// Now, in epoch seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// An epoch time as `2024-06-01 12:00:00` (UTC), as dnsdbq prints it.
pub fn format_time(epoch: i64) -> String {
    match jiff::Timestamp::from_second(epoch) {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => epoch.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let now = 1_717_200_000;
        assert_eq!(parse_time("1600000000", now).unwrap(), 1_600_000_000);
        assert_eq!(parse_time("-3600", now).unwrap(), now - 3600);
        assert_eq!(parse_time("7d", now).unwrap(), now - 7 * 86_400);
        assert_eq!(parse_time("90m", now).unwrap(), now - 5_400);
        assert_eq!(parse_time("2024-06-01", now).unwrap(), 1_717_200_000);
        assert_eq!(
            parse_time("2024-06-01 00:00:10", now).unwrap(),
            1_717_200_010
        );
        assert_eq!(
            parse_time("2024-06-01T00:00:10Z", now).unwrap(),
            1_717_200_010
        );
        assert!(parse_time("yesterday", now).is_err());
        assert!(parse_time("7x", now).is_err());
    }

    #[test]
    fn formats_utc() {
        assert_eq!(format_time(1_717_200_010), "2024-06-01 00:00:10");
    }
}
