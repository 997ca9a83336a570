//! API keys: the keys file, checking what clients present, and each key's rate limits.
//!
//! The file holds one key a line, `NAME:KEY`, or `NAME:sha256:HEX` to keep only the SHA-256
//! of the key (64 hex digits). Blank lines and lines starting with `#` are skipped. Names
//! are for logs and for HTTP Basic auth (the user name on the CIRCL route); keys are
//! compared in constant time, and every stored key is compared, so timing tells nothing
//! about which key or how much of it matched.
//!
//! A line may end with the key's limits, after one more `:`, as comma-separated `NAME=VALUE`
//! items (the last `:`-separated field is read as limits when it holds a `=`; a key that
//! itself holds `:` and then `=` must be given as a `sha256:` hash):
//!
//! | item | meaning |
//! |---|---|
//! | `limit=N` | at most N queries per UTC day (the quota resets at midnight UTC) |
//! | `burst=N/SECS` | at most N queries in each SECS-second window of the wall clock |
//! | `results_max=N` | most results one query returns (replaces `--results-max`) |
//! | `offset_max=N` | highest `offset` (replaces `--offset-max`) |
//!
//! Each item is optional; a key without `limit` has no daily quota. Every lookup and
//! summarize query (DNSDB and CIRCL) counts, whatever its answer; `ping` and `rate_limit` do
//! not. A query over the daily quota or the burst is answered 429, and lookup answers carry
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (the daily quota, the
//! queries left today, the epoch second of the reset; `unlimited`, `n/a` and `n/a` without a
//! quota). Counters live in memory ([`RateLimiter`]) and start again when the server restarts.
//!
//! ```text
//! # analysts
//! alice:4f0e6b1c0d8a
//! bob:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! carol:8d1c77aa:limit=1000,burst=10/60,results_max=100000,offset_max=30000
//! ```

use crate::params::Limits;
use crate::ApiError;
use axum::http::{header, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// How a key is kept.
#[derive(Clone, PartialEq, Eq)]
enum Secret {
    /// The key itself.
    Plain(Vec<u8>),
    /// Its SHA-256.
    Sha256([u8; 32]),
}

/// One key from the file.
#[derive(Clone, PartialEq, Eq)]
struct Key {
    name: String,
    secret: Secret,
    quota: Quota,
}

/// A burst limit: at most `size` queries in each `window`-second wall-clock window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burst {
    /// Queries allowed per window.
    pub size: u64,
    /// The window, in seconds (at least 1).
    pub window: u64,
}

/// What one key may do; `None` fields fall back to the server's settings (or no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quota {
    /// Queries per UTC day.
    pub daily: Option<u64>,
    /// Queries per burst window.
    pub burst: Option<Burst>,
    /// Most results one query returns.
    pub results_max: Option<u64>,
    /// Highest offset.
    pub offset_max: Option<u64>,
}

impl Quota {
    /// The limits of a query by this key, given the server's.
    pub fn limits(&self, server: &Limits) -> Limits {
        Limits {
            results_max: self.results_max.unwrap_or(server.results_max).max(1),
            offset_max: self.offset_max.unwrap_or(server.offset_max),
        }
    }

    /// Reads `limit=N,burst=N/SECS,results_max=N,offset_max=N`.
    fn parse(text: &str, line: usize) -> Result<Quota, KeysError> {
        let bad = |item: &str| KeysError::BadLimit {
            line,
            item: item.to_string(),
        };
        let number = |item: &str, value: &str| -> Result<u64, KeysError> {
            value.trim().parse().map_err(|_| bad(item))
        };
        let mut quota = Quota::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = item.split_once('=').ok_or_else(|| bad(item))?;
            match name.trim() {
                "limit" => quota.daily = Some(number(item, value)?),
                "burst" => {
                    let (size, window) = value.split_once('/').ok_or_else(|| bad(item))?;
                    let window = number(item, window)?;
                    if window == 0 {
                        return Err(bad(item));
                    }
                    quota.burst = Some(Burst {
                        size: number(item, size)?,
                        window,
                    });
                }
                "results_max" => quota.results_max = Some(number(item, value)?),
                "offset_max" => quota.offset_max = Some(number(item, value)?),
                _ => return Err(bad(item)),
            }
        }
        Ok(quota)
    }
}

/// The key a request presented: its name and its quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The key's name.
    pub name: String,
    /// What it may do.
    pub quota: Quota,
}

/// The keys a server accepts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keys {
    keys: Vec<Key>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets.
        f.debug_list()
            .entries(self.keys.iter().map(|k| &k.name))
            .finish()
    }
}

/// A keys file line that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeysError {
    /// The line has no `:` between name and key.
    #[error("line {line}: expected NAME:KEY or NAME:sha256:HEX")]
    NoSeparator {
        /// 1-based line number.
        line: usize,
    },
    /// The name or the key is empty.
    #[error("line {line}: empty name or key")]
    Empty {
        /// 1-based line number.
        line: usize,
    },
    /// A `sha256:` key is not 64 hex digits.
    #[error("line {line}: a sha256 key must be 64 hex digits")]
    BadHash {
        /// 1-based line number.
        line: usize,
    },
    /// A limit item is unknown or malformed.
    #[error("line {line}: bad limit {item:?}: expected limit=N, burst=N/SECS, results_max=N or offset_max=N")]
    BadLimit {
        /// 1-based line number.
        line: usize,
        /// The item.
        item: String,
    },
    /// Two lines give the same name.
    #[error("line {line}: the name {name:?} is given twice")]
    Duplicate {
        /// 1-based line number.
        line: usize,
        /// The name.
        name: String,
    },
}

impl Keys {
    /// Parses the text of a keys file.
    pub fn parse(text: &str) -> Result<Keys, KeysError> {
        let mut keys: Vec<Key> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (name, rest) = trimmed
                .split_once(':')
                .ok_or(KeysError::NoSeparator { line })?;
            let (key, quota) = match rest.rsplit_once(':') {
                Some((key, limits)) if limits.contains('=') => (key, Quota::parse(limits, line)?),
                _ => (rest, Quota::default()),
            };
            let (name, key) = (name.trim(), key.trim());
            if name.is_empty() || key.is_empty() {
                return Err(KeysError::Empty { line });
            }
            let secret = match key.strip_prefix("sha256:") {
                Some(hex) => {
                    let bytes = data_encoding::HEXLOWER_PERMISSIVE
                        .decode(hex.as_bytes())
                        .map_err(|_| KeysError::BadHash { line })?;
                    Secret::Sha256(bytes.try_into().map_err(|_| KeysError::BadHash { line })?)
                }
                None => Secret::Plain(key.as_bytes().to_vec()),
            };
            if keys.iter().any(|k| k.name == name) {
                return Err(KeysError::Duplicate {
                    line,
                    name: name.to_string(),
                });
            }
            keys.push(Key {
                name: name.to_string(),
                secret,
                quota,
            });
        }
        Ok(Keys { keys })
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The name of the key equal to `presented`, if any.
    pub fn check(&self, presented: &[u8]) -> Option<&str> {
        self.find(None, presented).map(|k| k.name.as_str())
    }

    /// The name when `name` is a key's name and `presented` its key (HTTP Basic auth).
    pub fn check_named(&self, name: &str, presented: &[u8]) -> Option<&str> {
        self.find(Some(name), presented).map(|k| k.name.as_str())
    }

    fn find(&self, name: Option<&str>, presented: &[u8]) -> Option<&Key> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = None;
        for key in &self.keys {
            let equal = match &key.secret {
                Secret::Plain(secret) => secret.as_slice().ct_eq(presented),
                Secret::Sha256(hash) => hash.ct_eq(&digest),
            };
            let name_ok = name.is_none_or(|n| n.as_bytes().ct_eq(key.name.as_bytes()).into());
            if bool::from(equal) && name_ok && found.is_none() {
                found = Some(key);
            }
        }
        found
    }
}

fn caller(key: &Key) -> Caller {
    Caller {
        name: key.name.clone(),
        quota: key.quota,
    }
}

/// Checks the DNSDB `X-API-Key` header (any case) against `keys`; `None` keys means no auth
/// (and an `Ok(None)` caller, with no limits of its own).
pub fn require_api_key(
    keys: Option<&Keys>,
    headers: &HeaderMap,
) -> Result<Option<Caller>, ApiError> {
    check_key(keys, headers.get("x-api-key").map(HeaderValue::as_bytes))
}

/// Checks a key presented however a face takes it (a header, a query parameter); `None`
/// keys means no auth. A missing or unknown key is [`ApiError::Forbidden`].
pub fn check_key(
    keys: Option<&Keys>,
    presented: Option<&[u8]>,
) -> Result<Option<Caller>, ApiError> {
    let Some(keys) = keys else {
        return Ok(None);
    };
    let presented = presented.ok_or(ApiError::Forbidden)?;
    keys.find(None, presented)
        .map(|key| Some(caller(key)))
        .ok_or(ApiError::Forbidden)
}

/// Checks HTTP Basic credentials (user = key name, password = key); `None` keys means no auth.
pub fn require_basic(keys: Option<&Keys>, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    let Some(keys) = keys else {
        return Ok(None);
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized)?
        .as_bytes();
    let (scheme, encoded) = value.split_at_checked(6).ok_or(ApiError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case(b"basic ") {
        return Err(ApiError::Unauthorized);
    }
    let decoded = data_encoding::BASE64
        .decode(encoded.trim_ascii())
        .map_err(|_| ApiError::Unauthorized)?;
    let colon = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or(ApiError::Unauthorized)?;
    let (name, password) = decoded.split_at(colon);
    let name = std::str::from_utf8(name).map_err(|_| ApiError::Unauthorized)?;
    let password = password.get(1..).unwrap_or_default();
    keys.find(Some(name), password)
        .map(|key| Some(caller(key)))
        .ok_or(ApiError::Unauthorized)
}

/// Seconds in a day, the quota window.
const DAY: i64 = 86_400;

/// Where a key stands against its daily quota, as the `X-RateLimit-*` headers and
/// `rate_limit` report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateStatus {
    /// The daily quota, `None` for unlimited.
    pub limit: Option<u64>,
    /// Queries left today (`None` when unlimited).
    pub remaining: Option<u64>,
    /// Epoch second when the quota starts again (`None` when unlimited).
    pub reset: Option<i64>,
    /// Seconds until a refused query may be tried again (429 only).
    pub retry_after: Option<i64>,
}

impl RateStatus {
    /// The status of a request with no quota.
    pub const UNLIMITED: RateStatus = RateStatus {
        limit: None,
        remaining: None,
        reset: None,
        retry_after: None,
    };

    /// Adds the `X-RateLimit-*` headers (and `Retry-After` on a refusal).
    pub fn add_headers(&self, headers: &mut HeaderMap) {
        let text = |value: Option<String>, none: &'static str| {
            value
                .and_then(|v| HeaderValue::from_str(&v).ok())
                .unwrap_or(HeaderValue::from_static(none))
        };
        headers.insert(
            "x-ratelimit-limit",
            text(self.limit.map(|n| n.to_string()), "unlimited"),
        );
        headers.insert(
            "x-ratelimit-remaining",
            text(self.remaining.map(|n| n.to_string()), "n/a"),
        );
        headers.insert(
            "x-ratelimit-reset",
            text(self.reset.map(|n| n.to_string()), "n/a"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
    }
}

/// Use of one key so far.
#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    /// The UTC day (epoch seconds / 86400) `daily` counts.
    day: i64,
    daily: u64,
    /// Start of the burst window `burst` counts.
    window_start: i64,
    burst: u64,
}

/// Counts each key's queries against its [`Quota`], in memory, by the wall clock.
#[derive(Debug, Default)]
pub struct RateLimiter {
    usage: Mutex<HashMap<String, Usage>>,
}

impl RateLimiter {
    /// Counts one query by `caller` at `now` (epoch seconds), or refuses it (429) when it is
    /// over the daily quota or the burst. Callers without a key are never limited.
    pub fn admit(&self, caller: Option<&Caller>, now: i64) -> Result<RateStatus, ApiError> {
        let Some(caller) = caller else {
            return Ok(RateStatus::UNLIMITED);
        };
        let quota = caller.quota;
        if quota.daily.is_none() && quota.burst.is_none() {
            return Ok(RateStatus::UNLIMITED);
        }
        let mut usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        let entry = usage.entry(caller.name.clone()).or_default();
        roll(entry, &quota, now);
        let over_daily = quota.daily.is_some_and(|limit| entry.daily >= limit);
        let over_burst = quota.burst.is_some_and(|b| entry.burst >= b.size);
        if over_daily || over_burst {
            let mut status = status(entry, &quota, now);
            status.retry_after = Some(if over_daily {
                next_day(now) - now
            } else {
                burst_end(entry, &quota) - now
            });
            return Err(ApiError::RateLimited(status));
        }
        entry.daily = entry.daily.saturating_add(1);
        entry.burst = entry.burst.saturating_add(1);
        Ok(status(entry, &quota, now))
    }

    /// Where `caller` stands at `now`, without counting a query.
    pub fn status(&self, caller: Option<&Caller>, now: i64) -> RateStatus {
        let Some(caller) = caller else {
            return RateStatus::UNLIMITED;
        };
        let usage = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        let mut entry = usage.get(&caller.name).copied().unwrap_or_default();
        roll(&mut entry, &caller.quota, now);
        status(&entry, &caller.quota, now)
    }
}

/// Starts new windows when the day or the burst window has moved on.
fn roll(entry: &mut Usage, quota: &Quota, now: i64) {
    let day = now.div_euclid(DAY);
    if entry.day != day {
        entry.day = day;
        entry.daily = 0;
    }
    if let Some(burst) = quota.burst {
        let window = i64::try_from(burst.window).unwrap_or(i64::MAX);
        let start = now - now.rem_euclid(window);
        if entry.window_start != start {
            entry.window_start = start;
            entry.burst = 0;
        }
    }
}

fn next_day(now: i64) -> i64 {
    (now.div_euclid(DAY) + 1) * DAY
}

fn burst_end(entry: &Usage, quota: &Quota) -> i64 {
    let window = quota
        .burst
        .map_or(0, |b| i64::try_from(b.window).unwrap_or(i64::MAX));
    entry.window_start.saturating_add(window)
}

fn status(entry: &Usage, quota: &Quota, now: i64) -> RateStatus {
    match quota.daily {
        Some(limit) => RateStatus {
            limit: Some(limit),
            remaining: Some(limit.saturating_sub(entry.daily)),
            reset: Some(next_day(now)),
            retry_after: None,
        },
        None => RateStatus::UNLIMITED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_OF_TEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn plain_and_hashed_keys() {
        let keys = Keys::parse(&format!(
            "# comment\n\nalice:s3cret\nbob:sha256:{HASH_OF_TEST}\n"
        ))
        .expect("parses");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.check(b"s3cret"), Some("alice"));
        assert_eq!(keys.check(b"test"), Some("bob"));
        assert_eq!(keys.check(b"s3cre"), None);
        assert_eq!(keys.check(b""), None);
        assert_eq!(keys.check_named("alice", b"s3cret"), Some("alice"));
        assert_eq!(keys.check_named("bob", b"s3cret"), None);
        assert_eq!(format!("{keys:?}"), r#"["alice", "bob"]"#);
    }

    #[test]
    fn limits_on_a_line() {
        let keys = Keys::parse(&format!(
            "carol:k:e:y:limit=1000,burst=10/60,results_max=100000,offset_max=30000\n\
             dave:sha256:{HASH_OF_TEST}:limit=5\nerin:plain\n"
        ))
        .expect("parses");
        let carol = keys.find(None, b"k:e:y").expect("carol");
        assert_eq!(
            carol.quota,
            Quota {
                daily: Some(1000),
                burst: Some(Burst {
                    size: 10,
                    window: 60
                }),
                results_max: Some(100_000),
                offset_max: Some(30_000),
            }
        );
        let dave = keys.find(None, b"test").expect("dave");
        assert_eq!(dave.quota.daily, Some(5));
        assert_eq!(
            keys.find(None, b"plain").expect("erin").quota,
            Quota::default()
        );
        for bad in ["a:k:limit=x", "a:k:burst=3", "a:k:burst=3/0", "a:k:speed=1"] {
            assert!(
                matches!(Keys::parse(bad), Err(KeysError::BadLimit { line: 1, .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn quota_and_burst_by_the_clock() {
        let limiter = RateLimiter::default();
        let caller = Caller {
            name: "carol".into(),
            quota: Quota {
                daily: Some(3),
                burst: Some(Burst {
                    size: 2,
                    window: 60,
                }),
                ..Quota::default()
            },
        };
        let day = 19_000 * DAY;
        let admitted = limiter.admit(Some(&caller), day + 10).expect("first");
        assert_eq!(
            admitted,
            RateStatus {
                limit: Some(3),
                remaining: Some(2),
                reset: Some(day + DAY),
                retry_after: None
            }
        );
        assert!(limiter.admit(Some(&caller), day + 11).is_ok());
        match limiter.admit(Some(&caller), day + 12) {
            Err(ApiError::RateLimited(status)) => {
                assert_eq!(status.remaining, Some(1));
                assert_eq!(status.retry_after, Some(48));
            }
            other => panic!("expected a burst refusal, got {other:?}"),
        }
        // The next burst window: one left for the day, then the quota.
        assert!(limiter.admit(Some(&caller), day + 60).is_ok());
        match limiter.admit(Some(&caller), day + 61) {
            Err(ApiError::RateLimited(status)) => {
                assert_eq!(status.remaining, Some(0));
                assert_eq!(status.retry_after, Some(DAY - 61));
            }
            other => panic!("expected a quota refusal, got {other:?}"),
        }
        assert_eq!(limiter.status(Some(&caller), day + 62).remaining, Some(0));
        // A new UTC day starts again.
        assert_eq!(limiter.status(Some(&caller), day + DAY).remaining, Some(3));
        assert!(limiter.admit(Some(&caller), day + DAY).is_ok());
        assert_eq!(
            limiter.admit(None, day).expect("no key"),
            RateStatus::UNLIMITED
        );
    }

    #[test]
    fn bad_lines() {
        assert_eq!(
            Keys::parse("alice"),
            Err(KeysError::NoSeparator { line: 1 })
        );
        assert_eq!(Keys::parse("\n:x"), Err(KeysError::Empty { line: 2 }));
        assert_eq!(
            Keys::parse("a:sha256:abcd"),
            Err(KeysError::BadHash { line: 1 })
        );
        assert!(matches!(
            Keys::parse("a:x\na:y"),
            Err(KeysError::Duplicate { line: 2, .. })
        ));
    }
}
