//! Certificate-transparency names: a kind of observation of its own, not a DNS row.
//!
//! A [`CertKey`] is (name, issuer): a DNS name a certificate covered (a wildcard such as
//! `*.example.com` kept as such) and the issuer that signed it, as the log source names it. Its
//! tally merges with the one rule, so a name seen in many certificates of one issuer is one row
//! with their count and the first and last times the sources gave.

/// The identity of a certificate-name row.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct CertKey {
    /// The name, canonical wire (lowercased); a wildcard's first label is `*`.
    pub name: Box<[u8]>,
    /// The issuer, as the source names it (a distinguished name such as
    /// `C=US, O=Let's Encrypt, CN=R3`); empty when the source gave none.
    pub issuer: Box<str>,
}

/// The longest issuer kept; longer ones are cut at a character boundary (a key must stay
/// bounded).
pub const MAX_ISSUER_BYTES: usize = 1024;

impl CertKey {
    /// A key for `name` (canonical wire) and `issuer`, the issuer trimmed and cut to
    /// [`MAX_ISSUER_BYTES`].
    pub fn new(name: &[u8], issuer: &str) -> CertKey {
        let issuer = issuer.trim();
        let mut end = issuer.len().min(MAX_ISSUER_BYTES);
        while !issuer.is_char_boundary(end) {
            end -= 1;
        }
        CertKey {
            name: name.into(),
            issuer: issuer.get(..end).unwrap_or_default().into(),
        }
    }

    /// True when the name is a wildcard (`*.example.com`).
    pub fn is_wildcard(&self) -> bool {
        self.name.get(..2) == Some(&[1, b'*'][..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_trimmed_and_bounded() {
        let key = CertKey::new(b"\x01*\x07example\x03com\x00", "  CN=R3 ");
        assert_eq!(&*key.issuer, "CN=R3");
        assert!(key.is_wildcard());
        let long = "é".repeat(MAX_ISSUER_BYTES);
        let key = CertKey::new(b"\x03www\x00", &long);
        assert!(key.issuer.len() <= MAX_ISSUER_BYTES);
        assert!(!key.is_wildcard());
    }
}
