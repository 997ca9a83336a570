//! Reading requests: path segments and query parameters, as DNSDB clients send them.
//!
//! Path segments are percent-decoded once, after splitting the raw path on `/`, so `%2F`
//! inside an owner name stays inside its segment, and `%2A`, `%3A`, `%2C` become `*`, `:`, `,`.
//! A malformed escape, a segment that is not UTF-8, or a `.`/`..` segment is a 400.

use crate::ApiError;
use hark_store::TimeFence;

/// Longest request target (path and query) served; longer ones get 414.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Decodes `%XX` escapes; `plus_is_space` for query strings (form encoding).
pub fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .ok_or_else(|| bad_escape(text))?;
                let decoded = data_encoding::HEXUPPER_PERMISSIVE
                    .decode(hex)
                    .map_err(|_| bad_escape(text))?;
                out.extend_from_slice(&decoded);
                index += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            other => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|_| ApiError::BadRequest(format!("{text:?} does not decode to UTF-8")))
}

fn bad_escape(text: &str) -> ApiError {
    ApiError::BadRequest(format!("malformed percent-encoding in {text:?}"))
}

/// Splits a raw path (after the route's prefix) on `/` and decodes each segment.
pub fn split_path(raw: &str) -> Result<Vec<String>, ApiError> {
    raw.split('/')
        .map(|segment| {
            let decoded = percent_decode(segment, false)?;
            if decoded == "." || decoded == ".." {
                return Err(ApiError::BadRequest(
                    "`.` and `..` are not path segments here".into(),
                ));
            }
            Ok(decoded)
        })
        .collect()
}

/// The value of one query parameter, percent-decoded (the first one when repeated).
pub fn query_value(query: Option<&str>, name: &str) -> Result<Option<String>, ApiError> {
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(key, true)? == name {
            return Ok(Some(percent_decode(value, true)?));
        }
    }
    Ok(None)
}

/// The media types of NDJSON answers (SAF, COF), as clients name them.
pub const NDJSON_TYPES: &[&str] = &[
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/json",
];

/// Checks that the `Accept` header, when present, admits one of `offered` (or a wildcard);
/// otherwise 415, as DNSDB answers. Media ranges with `q=0` admit nothing.
pub fn check_accept(headers: &axum::http::HeaderMap, offered: &[&str]) -> Result<(), ApiError> {
    let values: Vec<_> = headers.get_all(axum::http::header::ACCEPT).iter().collect();
    if values.is_empty() {
        return Ok(());
    }
    let mut named = Vec::new();
    for value in values {
        let text = value
            .to_str()
            .map_err(|_| ApiError::UnsupportedMediaType("a non-text Accept header".into()))?;
        for range in text.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            if media.is_empty() {
                continue;
            }
            if !refused
                && (media == "*/*"
                    || media == "application/*"
                    || offered.iter().any(|o| media == *o))
            {
                return Ok(());
            }
            named.push(media);
        }
    }
    if named.is_empty() {
        return Ok(());
    }
    Err(ApiError::UnsupportedMediaType(named.join(", ")))
}

/// A DNSDB boolean in any spelling clients send: t/f, true/false in any case, 1/0.
pub fn parse_bool(name: &str, text: &str) -> Result<bool, ApiError> {
    match text.to_ascii_lowercase().as_str() {
        "t" | "true" | "1" | "y" | "yes" => Ok(true),
        "f" | "false" | "0" | "n" | "no" => Ok(false),
        _ => Err(ApiError::BadRequest(format!(
            "{name}={text:?}: expected true or false"
        ))),
    }
}

/// The query parameters hark reads; the rest (swclient, version, id...) are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// Time fences, relative values already resolved against now.
    pub fence: TimeFence,
    /// `limit`, as given.
    pub limit: Option<u64>,
    /// `offset`, as given.
    pub offset: Option<u64>,
    /// `max_count` (summarize).
    pub max_count: Option<u64>,
    /// `aggr` (default true). hark keeps aggregated rows only, so false changes nothing.
    pub aggr: bool,
    /// `humantime`: RFC 3339 times.
    pub humantime: bool,
    /// `rrtype` (CIRCL route).
    pub rrtype: Option<String>,
    /// `exclude` (flex search): a pattern whose matches are left out.
    pub exclude: Option<String>,
    /// `verbose` (flex search, default true): counts and times on each result.
    pub verbose: bool,
}

impl Params {
    /// Reads a raw query string; `now` resolves negative (relative) times.
    pub fn parse(query: Option<&str>, now: i64) -> Result<Params, ApiError> {
        let mut params = Params {
            aggr: true,
            verbose: true,
            ..Params::default()
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = percent_decode(name, true)?;
            let value = percent_decode(value, true)?;
            let time = || -> Result<Option<i64>, ApiError> {
                let t: i64 = value.trim().parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "{name}={value:?}: expected epoch seconds, or negative seconds before now"
                    ))
                })?;
                Ok(Some(if t < 0 { now.saturating_add(t) } else { t }))
            };
            let count = || -> Result<Option<u64>, ApiError> {
                value.trim().parse().map(Some).map_err(|_| {
                    ApiError::BadRequest(format!("{name}={value:?}: expected a whole number"))
                })
            };
            match name.as_str() {
                "time_first_before" => params.fence.first_before = time()?,
                "time_first_after" => params.fence.first_after = time()?,
                "time_last_before" => params.fence.last_before = time()?,
                "time_last_after" => params.fence.last_after = time()?,
                "limit" => params.limit = count()?,
                "offset" => params.offset = count()?,
                "max_count" => params.max_count = count()?,
                "aggr" => params.aggr = parse_bool(&name, &value)?,
                "humantime" => params.humantime = parse_bool(&name, &value)?,
                "rrtype" => params.rrtype = Some(value),
                "exclude" => params.exclude = Some(value),
                "verbose" => params.verbose = parse_bool(&name, &value)?,
                _ => {}
            }
        }
        Ok(params)
    }
}

/// What a key may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most results one query returns (`limit=0` asks for this many).
    pub results_max: u64,
    /// Highest `offset` allowed.
    pub offset_max: u64,
}

/// DNSDB's default `limit`.
pub const DEFAULT_LIMIT: u64 = 10_000;

impl Limits {
    /// The limit to apply: the default when absent, the maximum for 0, clamped to it.
    pub fn limit(&self, asked: Option<u64>) -> u64 {
        match asked {
            None => DEFAULT_LIMIT.min(self.results_max),
            Some(0) => self.results_max,
            Some(n) => n.min(self.results_max),
        }
    }

    /// The offset to apply, or 416 past the maximum.
    pub fn offset(&self, asked: Option<u64>) -> Result<u64, ApiError> {
        match asked {
            Some(offset) if offset > self.offset_max => Err(ApiError::OffsetTooLarge {
                offset,
                max: self.offset_max,
            }),
            other => Ok(other.unwrap_or(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_once() {
        assert_eq!(
            split_path("rrset/name/%2A.example.com/A").expect("ok"),
            ["rrset", "name", "*.example.com", "A"]
        );
        assert_eq!(
            split_path("ip/2001%3Adb8%3A%3A%2C32").expect("ok"),
            ["ip", "2001:db8::,32"]
        );
        assert_eq!(split_path("a%2Fb/%252A").expect("ok"), ["a/b", "%2A"]);
        assert!(split_path("a/%zz").is_err());
        assert!(split_path("a/%4").is_err());
        assert!(split_path("a/%ff").is_err());
        assert!(split_path("a/../b").is_err());
        assert!(split_path("a/%2e%2E/b").is_err());
    }

    #[test]
    fn params_in_every_spelling() {
        let p = Params::parse(
            Some("swclient=dnsdbq&aggr=f&humantime=True&limit=5&time_last_after=-100&time_first_before=1700000000"),
            1_000,
        )
        .expect("ok");
        assert!(!p.aggr);
        assert!(p.humantime);
        assert_eq!(p.limit, Some(5));
        assert_eq!(p.fence.last_after, Some(900));
        assert_eq!(p.fence.first_before, Some(1_700_000_000));
        for (text, value) in [("t", true), ("False", false), ("1", true), ("0", false)] {
            assert_eq!(parse_bool("aggr", text).expect("bool"), value);
        }
        assert!(Params::parse(Some("limit=-1"), 0).is_err());
        assert!(Params::parse(Some("humantime=maybe"), 0).is_err());
    }

    #[test]
    fn accept_headers() {
        let with = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(
                axum::http::header::ACCEPT,
                axum::http::HeaderValue::from_str(value).expect("header"),
            );
            check_accept(&headers, NDJSON_TYPES)
        };
        assert!(check_accept(&axum::http::HeaderMap::new(), NDJSON_TYPES).is_ok());
        for ok in [
            "application/x-ndjson",
            "*/*",
            "text/html,application/xhtml+xml,*/*;q=0.8",
            "Application/JSON; charset=utf-8",
            "application/*",
        ] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for refused in [
            "text/html",
            "image/png, text/csv",
            "application/x-ndjson;q=0",
        ] {
            assert!(
                matches!(with(refused), Err(ApiError::UnsupportedMediaType(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn limits_clamp() {
        let limits = Limits {
            results_max: 100,
            offset_max: 10,
        };
        assert_eq!(limits.limit(None), 100);
        assert_eq!(limits.limit(Some(0)), 100);
        assert_eq!(limits.limit(Some(7)), 7);
        assert_eq!(limits.limit(Some(1_000)), 100);
        assert_eq!(limits.offset(Some(10)).expect("ok"), 10);
        assert!(limits.offset(Some(11)).is_err());
    }
}
