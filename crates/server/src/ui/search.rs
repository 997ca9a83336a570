//! The search box: one input read as whatever it looks like, and said back to the user.
//!
//! | input | read as | view |
//! |---|---|---|
//! | `www.example.com` | a name | `name/` |
//! | `*.example.com`, `www.example.*` | the names below, or starting with, those labels | `name/` |
//! | `example.com/MX`, `example.com/NS/com` | a name with a type (and a bailiwick) | `name/?type=&bailiwick=` |
//! | `192.0.2.1`, `2001:db8::1`, `192.0.2.0/24`, `192.0.2.0-192.0.2.9` | an address, network or range | `ip/` |
//! | `"v=spf1 -all"` | TXT rdata (quoted strings) | `rdata/raw/` |
//! | `0x0a000001`, `\# 4 0a000001` | raw rdata in hex | `rdata/raw/` |
//! | `/^mail[0-9]+\./`, `regex:…` | a regular expression over owner names | `flex/regex/` |
//! | `*mail*.example.com`, `glob:…` | a glob over owner names | `flex/glob/` |
//! | `rdata:/v=spf1/`, `rdata:regex:…`, `rdata:glob:…`, `rdata:*mail*.example.net` | a regex or a glob over rdata | `flex/{regex,glob}/…?in=rdata` |
//! | `rdata:ns1.example.net`, `rdata:*.cloudfront.net` | records whose rdata names it (the rdata index) | `rdata/name/` |
//!
//! Words `since:`, `until:`, `first-after:`, `first-before:`, `last-after:`, `last-before:`
//! anywhere in the input are time fences (`since` = last seen after, `until` = first seen
//! before), each taking a date (`2024-03-01`), an RFC 3339 time, epoch seconds, or an age
//! (`30d`, `12h`, `2w`: that long before now).

use super::page::{encode, layout, param, respond, when, UiError};
use super::session::Viewer;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use hark_query::{IpRange, NamePattern, TypeFilter};
use maud::{html, Markup};

/// How the search box read its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// What the input was taken for, in words.
    pub what: String,
    /// The view that answers it (a path and query under `/ui/`).
    pub target: String,
    /// The time fences, in words.
    pub fences: Vec<String>,
}

/// The fence words and the parameters they set.
const FENCE_WORDS: [(&str, &str, &str); 6] = [
    ("since:", "time_last_after", "last seen after"),
    ("until:", "time_first_before", "first seen before"),
    ("first-after:", "time_first_after", "first seen after"),
    ("first-before:", "time_first_before", "first seen before"),
    ("last-after:", "time_last_after", "last seen after"),
    ("last-before:", "time_last_before", "last seen before"),
];

/// Reads a time: a date, an RFC 3339 time, epoch seconds, or an age before `now`.
pub fn parse_time(text: &str, now: i64) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_second())
            .map_err(|e| e.to_string());
    }
    if let Ok(time) = text.parse::<jiff::Timestamp>() {
        return Ok(time.as_second());
    }
    let unit = text.chars().last().unwrap_or(' ');
    let amount: Option<i64> = text
        .get(..text.len().saturating_sub(1))
        .and_then(|n| n.parse().ok());
    let seconds = match unit {
        'h' => Some(3600),
        'd' => Some(86_400),
        'w' => Some(7 * 86_400),
        'y' => Some(365 * 86_400),
        _ => None,
    };
    match (amount, seconds) {
        (Some(n), Some(s)) if n >= 0 => Ok(now.saturating_sub(n.saturating_mul(s))),
        _ => Err(format!(
            "{text:?} is not a time: use 2024-03-01, 2024-03-01T12:00:00Z, epoch seconds or an age like 30d"
        )),
    }
}

/// Reads the search box's input. An error says what could not be read, and why.
pub fn read(input: &str, now: i64) -> Result<Reading, String> {
    let mut fences = Vec::new();
    let mut query = String::new();
    let mut words = Vec::new();
    for word in input.split_whitespace() {
        let fence = FENCE_WORDS.iter().find(|(prefix, _, _)| {
            word.len() > prefix.len()
                && word
                    .get(..prefix.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(prefix))
        });
        match fence {
            Some((prefix, parameter, label)) => {
                let time = parse_time(word.get(prefix.len()..).unwrap_or_default(), now)?;
                query.push_str(&format!("&{parameter}={time}"));
                fences.push(format!("{label} {}", when(time)));
            }
            None => words.push(word),
        }
    }
    let subject = words.join(" ");
    if subject.is_empty() {
        return Err("nothing to look up: give a name, an address, a network or a pattern".into());
    }
    let (what, path, extra) = read_subject(&subject)?;
    let joined = format!("{extra}{query}");
    let target = match joined.strip_prefix('&') {
        Some(q) => format!("/ui/{path}?{q}"),
        None => format!("/ui/{path}"),
    };
    Ok(Reading {
        what,
        target,
        fences,
    })
}

/// The subject without fences: (what it is, the view's path, extra query parameters).
fn read_subject(subject: &str) -> Result<(String, String, String), String> {
    let s = subject.trim();
    if let Some(rest) = s.strip_prefix("rdata:") {
        return read_rdata(rest.trim());
    }
    if let Some(pattern) = s.strip_prefix("regex:") {
        return Ok(regex(pattern));
    }
    if let Some(pattern) = s.strip_prefix("glob:") {
        return Ok(glob(pattern));
    }
    if s.len() > 2 && s.starts_with('/') && s.ends_with('/') {
        return Ok(regex(s.get(1..s.len() - 1).unwrap_or_default()));
    }
    if s.starts_with('"') {
        let wire = txt_wire(s)?;
        return Ok((
            "TXT rdata (quoted strings)".into(),
            format!("rdata/raw/{}", data_encoding::HEXLOWER.encode(&wire)),
            "&type=TXT".into(),
        ));
    }
    let hex = s.strip_prefix("0x").or_else(|| {
        s.strip_prefix("\\#").map(|rest| {
            // `\# LENGTH HEX…`: drop the length.
            rest.trim().split_once(' ').map_or(rest, |(_, hex)| hex)
        })
    });
    if let Some(hex) = hex {
        let digits: String = hex.split_whitespace().collect();
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(digits.as_bytes())
            .map_err(|_| format!("{digits:?} is not an even number of hex digits"))?;
        return Ok((
            "raw rdata (hex)".into(),
            format!("rdata/raw/{}", data_encoding::HEXLOWER.encode(&bytes)),
            String::new(),
        ));
    }
    if let Ok(range) = IpRange::parse(s) {
        let _ = range;
        let what = if s.contains('/') || s.contains(',') {
            "a network (CIDR)"
        } else if s.contains('-') {
            "an address range"
        } else if s.contains(':') {
            "an IPv6 address"
        } else {
            "an IPv4 address"
        };
        return Ok((
            format!("{what}: the names seen on it"),
            format!("ip/{}", encode(s)),
            String::new(),
        ));
    }
    if s.contains('/') {
        let mut parts = s.splitn(3, '/');
        let name = parts.next().unwrap_or_default();
        let rrtype = parts.next().unwrap_or_default();
        let bailiwick = parts.next();
        NamePattern::parse(name).map_err(|e| e.to_string())?;
        let filter = TypeFilter::parse(Some(rrtype), TypeFilter::All).map_err(|e| e.to_string())?;
        let _ = filter;
        let mut extra = format!("&type={}", encode(&rrtype.to_ascii_uppercase()));
        let mut what = format!("{} records of {name}", rrtype.to_ascii_uppercase());
        if let Some(b) = bailiwick.filter(|b| !b.is_empty()) {
            hark_dns::name::from_presentation(b).map_err(|e| format!("bailiwick {b:?}: {e}"))?;
            extra.push_str(&format!("&bailiwick={}", encode(b)));
            what.push_str(&format!(" in bailiwick {b}"));
        }
        return Ok((what, format!("name/{}", encode(name)), extra));
    }
    match NamePattern::parse(s) {
        Ok(NamePattern::Exact(_)) => Ok((
            "a name".into(),
            format!("name/{}", encode(s)),
            String::new(),
        )),
        Ok(NamePattern::Subdomains(_)) => Ok((
            format!("every name below {}", s.get(2..).unwrap_or_default()),
            format!("name/{}", encode(s)),
            String::new(),
        )),
        Ok(NamePattern::LeadingLabels(_)) => Ok((
            "every name starting with these labels".into(),
            format!("name/{}", encode(s)),
            String::new(),
        )),
        Err(err) if s.contains(['*', '?', '[']) => {
            let _ = err;
            Ok(glob(s))
        }
        Err(err) => Err(err.to_string()),
    }
}

/// What follows `rdata:`: a regex (`/…/`, `regex:…`) or a glob (`glob:…`, or a pattern with
/// `*`, `?`, `[` that is no name pattern) over rdata, a name or name pattern (the rdata index),
/// or an address, network or range.
fn read_rdata(s: &str) -> Result<(String, String, String), String> {
    let flex = |syntax: &str, pattern: &str| {
        (
            format!("a {syntax} over rdata (DNSDB flex: scans every record)"),
            format!("flex/{syntax}/{}", encode(pattern)),
            "&in=rdata".to_string(),
        )
    };
    if let Some(pattern) = s.strip_prefix("regex:") {
        return Ok(flex("regex", pattern));
    }
    if let Some(pattern) = s.strip_prefix("glob:") {
        return Ok(flex("glob", pattern));
    }
    if s.len() > 2 && s.starts_with('/') && s.ends_with('/') {
        return Ok(flex("regex", s.get(1..s.len() - 1).unwrap_or_default()));
    }
    if s.is_empty() {
        return Err("rdata: give a name, an address, /regex/ or a glob after it".into());
    }
    if IpRange::parse(s).is_ok() {
        return read_subject(s);
    }
    match NamePattern::parse(s) {
        Ok(pattern) => {
            let what = match pattern {
                NamePattern::Exact(_) => format!("records whose rdata names {s}"),
                NamePattern::Subdomains(_) => format!(
                    "records whose rdata names a name below {}",
                    s.get(2..).unwrap_or_default()
                ),
                NamePattern::LeadingLabels(_) => {
                    "records whose rdata names a name starting with these labels".to_string()
                }
            };
            Ok((what, format!("rdata/name/{}", encode(s)), String::new()))
        }
        Err(_) if s.contains(['*', '?', '[']) => Ok(flex("glob", s)),
        Err(err) => Err(format!("rdata: {err}")),
    }
}

fn regex(pattern: &str) -> (String, String, String) {
    (
        "a regular expression over owner names".into(),
        format!("flex/regex/{}", encode(pattern)),
        String::new(),
    )
}

fn glob(pattern: &str) -> (String, String, String) {
    (
        "a glob over owner names".into(),
        format!("flex/glob/{}", encode(pattern)),
        String::new(),
    )
}

/// TXT rdata in wire form from quoted strings (`"a" "b"`; `\"` and `\\` escaped).
fn txt_wire(text: &str) -> Result<Vec<u8>, String> {
    let mut wire = Vec::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c != '"' {
            return Err("TXT rdata: put each string in double quotes".into());
        }
        let mut string = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => string.extend(chars.next()),
                Some(other) => string.push(other),
                None => return Err("TXT rdata: a string is not closed with \"".into()),
            }
        }
        let bytes = string.as_bytes();
        let len = u8::try_from(bytes.len())
            .map_err(|_| "TXT rdata: a string is longer than 255 bytes".to_string())?;
        wire.push(len);
        wire.extend_from_slice(bytes);
    }
    Ok(wire)
}

/// How the search box read `input`, for the page under it.
pub fn reading_markup(reading: &Result<Reading, String>) -> Markup {
    html! {
        @match reading {
            Ok(r) => {
                span.reading { "Read as " strong { (r.what) } }
                @for fence in &r.fences { " " span.chip { (fence) } }
            }
            Err(e) => span.error { (e) },
        }
    }
}

/// `GET /ui/explain?q=`: how the input reads (a fragment, for htmx as the user types).
pub async fn explain(_viewer: Viewer, uri: Uri, headers: HeaderMap) -> Result<Response, UiError> {
    let q = param(uri.query(), "q")?.unwrap_or_default();
    if q.trim().is_empty() {
        return Ok(respond(&headers, html! {}));
    }
    let reading = read(&q, jiff::Timestamp::now().as_second());
    Ok(respond(&headers, reading_markup(&reading)))
}

/// `GET /ui/search?q=`: goes to the view that answers the input, or says why it cannot.
pub async fn search(viewer: Viewer, uri: Uri, headers: HeaderMap) -> Result<Response, UiError> {
    let q = param(uri.query(), "q")?.unwrap_or_default();
    match read(&q, jiff::Timestamp::now().as_second()) {
        Ok(reading) => Ok(super::page::see_other(&reading.target, &[])),
        Err(message) => {
            let body = html! {
                h1 { "Search" }
                p.error role="alert" { "Cannot read " code { (q) } ": " (message) }
                (examples())
            };
            let mut response = respond(&headers, layout("Search", &viewer, &q, body));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
    }
}

fn examples() -> Markup {
    html! {
        h2 { "What the search box reads" }
        table.examples {
            thead { tr { th scope="col" { "Type" } th scope="col" { "to see" } } }
            tbody {
                tr { td { code { "www.example.com" } } td { "its records by type, and who points at it" } }
                tr { td { code { "*.example.com" } ", " code { "www.example.*" } } td { "every name below, or starting with" } }
                tr { td { code { "example.com/MX" } ", " code { "example.com/NS/com" } } td { "one type (in one bailiwick)" } }
                tr { td { code { "192.0.2.1" } ", " code { "192.0.2.0/24" } ", " code { "192.0.2.0-192.0.2.9" } } td { "the names on an address, network or range" } }
                tr { td { code { "\"v=spf1 -all\"" } ", " code { "0x0a000001" } } td { "records with this rdata" } }
                tr { td { code { "/^mail[0-9]+\\./" } ", " code { "*mail*.example.com" } } td { "owner names matching a regex or a glob" } }
                tr { td { code { "rdata:/v=spf1.*-all/" } ", " code { "rdata:*mail*.example.net" } } td { "rdata matching a regex or a glob" } }
                tr { td { code { "rdata:ns1.example.net" } ", " code { "rdata:*.cloudfront.net" } } td { "records pointing at a name, or below it" } }
                tr { td { code { "rdata:/v=spf1.*-all/" } ", " code { "rdata:*.cloudfront.net" } ", " code { "rdata:ns1.example.net" } } td { "rdata matching a regex or a glob; records pointing at a name" } }
                tr { td { code { "since:2024-03-01" } ", " code { "until:30d" } ", " code { "first-after:…" } } td { "time fences, with any of the above" } }
            }
        }
    }
}

/// `GET /ui/`: the search box, what it reads, and what the store holds.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let stats = super::page::store_stats(&state).await?;
    let body = html! {
        h1 { "Passive DNS" }
        p.lead {
            (stats.rows) " records of " (stats.names) " names, "
            (stats.negatives) " negative answers. "
            a href="/ui/status" { "Status" }
        }
        (examples())
    };
    Ok(respond(&headers, layout("Search", &viewer, "", body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn target(input: &str) -> String {
        read(input, NOW).expect(input).target
    }

    #[test]
    fn each_kind_of_input() {
        assert_eq!(target("www.example.com"), "/ui/name/www.example.com");
        assert_eq!(target("*.example.com"), "/ui/name/*.example.com");
        assert_eq!(target("www.example.*"), "/ui/name/www.example.*");
        assert_eq!(target("example.com/mx"), "/ui/name/example.com?type=MX");
        assert_eq!(
            target("example.com/NS/com"),
            "/ui/name/example.com?type=NS&bailiwick=com"
        );
        assert_eq!(target("192.0.2.1"), "/ui/ip/192.0.2.1");
        assert_eq!(target("192.0.2.0/24"), "/ui/ip/192.0.2.0%2F24");
        assert_eq!(target("2001:db8::1"), "/ui/ip/2001:db8::1");
        assert_eq!(target("192.0.2.0-192.0.2.9"), "/ui/ip/192.0.2.0-192.0.2.9");
        assert_eq!(target("\"ab\" \"c\""), "/ui/rdata/raw/0261620163?type=TXT");
        assert_eq!(target("0x0A000001"), "/ui/rdata/raw/0a000001");
        assert_eq!(target("\\# 4 0a000001"), "/ui/rdata/raw/0a000001");
        assert_eq!(
            target("/^mail[0-9]+/"),
            "/ui/flex/regex/%5Email%5B0-9%5D%2B"
        );
        assert_eq!(
            target("*mail*.example.com"),
            "/ui/flex/glob/*mail*.example.com"
        );
    }

    #[test]
    fn rdata_patterns() {
        assert_eq!(
            target("rdata:/^10 mx[0-9]\\./"),
            "/ui/flex/regex/%5E10%20mx%5B0-9%5D%5C.?in=rdata"
        );
        assert_eq!(
            target("rdata:glob:*.cloudfront.net."),
            "/ui/flex/glob/*.cloudfront.net.?in=rdata"
        );
        assert_eq!(
            target("rdata:*mail*.example.net"),
            "/ui/flex/glob/*mail*.example.net?in=rdata"
        );
        assert_eq!(
            target("rdata:*.cloudfront.net"),
            "/ui/rdata/name/*.cloudfront.net"
        );
        assert_eq!(
            target("rdata:ns1.example.net"),
            "/ui/rdata/name/ns1.example.net"
        );
        assert_eq!(target("rdata:192.0.2.0/24"), "/ui/ip/192.0.2.0%2F24");
        assert_eq!(
            target("rdata:/v=spf1/ since:2023-11-14"),
            "/ui/flex/regex/v%3Dspf1?in=rdata&time_last_after=1699920000"
        );
        assert!(read("rdata:/v=spf1/", NOW)
            .expect("reads")
            .what
            .contains("over rdata"));
        assert!(read("rdata:", NOW).is_err());
    }

    #[test]
    fn fences_anywhere() {
        let r = read("since:2023-11-14 example.com until:1d", NOW).expect("reads");
        assert_eq!(
            r.target,
            "/ui/name/example.com?time_last_after=1699920000&time_first_before=1699913600"
        );
        assert_eq!(r.fences.len(), 2);
        assert!(read("example.com since:yesterday", NOW).is_err());
    }

    #[test]
    fn bad_input_says_why() {
        assert!(read("", NOW).is_err());
        assert!(read("example.com/NOPE", NOW)
            .unwrap_err()
            .contains("not a record type"));
        assert!(read("\"open", NOW).is_err());
        assert!(read("0xabc", NOW).is_err());
    }
}
