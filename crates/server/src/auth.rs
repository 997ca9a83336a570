//! API keys: the keys file, and checking what clients present.
//!
//! The file holds one key a line, `NAME:KEY`, or `NAME:sha256:HEX` to keep only the SHA-256
//! of the key (64 hex digits). Blank lines and lines starting with `#` are skipped. Names
//! are for logs and for HTTP Basic auth (the user name on the CIRCL route); keys are
//! compared in constant time, and every stored key is compared, so timing tells nothing
//! about which key or how much of it matched.
//!
//! ```text
//! # analysts
//! alice:4f0e6b1c0d8a
//! bob:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```

use crate::ApiError;
use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
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
            let (name, key) = trimmed
                .split_once(':')
                .ok_or(KeysError::NoSeparator { line })?;
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
        self.find(None, presented)
    }

    /// The name when `name` is a key's name and `presented` its key (HTTP Basic auth).
    pub fn check_named(&self, name: &str, presented: &[u8]) -> Option<&str> {
        self.find(Some(name), presented)
    }

    fn find(&self, name: Option<&str>, presented: &[u8]) -> Option<&str> {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        let mut found = None;
        for key in &self.keys {
            let equal = match &key.secret {
                Secret::Plain(secret) => secret.as_slice().ct_eq(presented),
                Secret::Sha256(hash) => hash.ct_eq(&digest),
            };
            let name_ok = name.is_none_or(|n| n.as_bytes().ct_eq(key.name.as_bytes()).into());
            if bool::from(equal) && name_ok && found.is_none() {
                found = Some(key.name.as_str());
            }
        }
        found
    }
}

/// Checks the DNSDB `X-API-Key` header (any case) against `keys`; `None` means no auth.
pub fn require_api_key(keys: Option<&Keys>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(keys) = keys else {
        return Ok(());
    };
    let presented = headers.get("x-api-key").ok_or(ApiError::Forbidden)?;
    keys.check(presented.as_bytes())
        .map(|_| ())
        .ok_or(ApiError::Forbidden)
}

/// Checks HTTP Basic credentials (user = key name, password = key); `None` means no auth.
pub fn require_basic(keys: Option<&Keys>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(keys) = keys else {
        return Ok(());
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
    keys.check_named(name, password)
        .map(|_| ())
        .ok_or(ApiError::Unauthorized)
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
