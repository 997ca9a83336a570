//! Lookalike domains: is a newly seen registrable domain a typosquat of a watched brand?
//!
//! The families are dnstwist's, tested on the label left of the public suffix (from the
//! Public Suffix List, the `psl` crate), most specific first:
//!
//! | family | example for `paypal.com` |
//! |---|---|
//! | `tld-swap` | `paypal.net`, `paypal.co.uk` |
//! | `homoglyph` | `pаypal.com` (Cyrillic а), `paypa1.com`, `rnicrosoft` for `microsoft`: equal UTS #39 skeletons of the IDNA-decoded label (with `rn`, `vv`, `cl` read as `m`, `w`, `d`) |
//! | `hyphenation` | `pay-pal.com` |
//! | `bitflip` | `qaypal.com` (one bit of one letter) |
//! | `typo` | `paypall.com`, `paypl.com`, `papyal.com`, `paypak.com`: one insertion, omission, replacement or transposition |
//! | `added-word` | `paypal-login.com`, `securepaypal.com` |
//!
//! Brand labels shorter than 4 characters are checked for `tld-swap`, `homoglyph` and
//! `hyphenation` only: one edit away from a 3-letter label is half the namespace.

use unicode_security::skeleton;

/// A watched brand: a registrable domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    /// The domain (`paypal.com`).
    pub domain: String,
    label: String,
    skeleton: String,
}

/// Which kind of lookalike a domain is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The same label under another public suffix.
    TldSwap,
    /// Visually confusable characters.
    Homoglyph,
    /// Hyphens added.
    Hyphenation,
    /// One bit of one character flipped.
    Bitflip,
    /// One character added, dropped, replaced, or two swapped.
    Typo,
    /// The brand with a word added.
    AddedWord,
}

impl Family {
    /// Its name in alerts.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::TldSwap => "tld-swap",
            Family::Homoglyph => "homoglyph",
            Family::Hyphenation => "hyphenation",
            Family::Bitflip => "bitflip",
            Family::Typo => "typo",
            Family::AddedWord => "added-word",
        }
    }
}

/// Letter pairs that read as one letter in most fonts (dnstwist's list); UTS #39 maps single
/// characters only.
const PAIRS: [(&str, &str); 3] = [("rn", "m"), ("vv", "w"), ("cl", "d")];

/// The UTS #39 skeleton, folded to lower case (skeletons keep case; `0` maps to `O`), with
/// [`PAIRS`] read as their letter.
fn fold(text: &str) -> String {
    let once: String = skeleton(&text.to_lowercase()).collect();
    PAIRS
        .iter()
        .fold(once.to_lowercase(), |folded, (pair, letter)| {
            folded.replace(pair, letter)
        })
}

/// Splits a registrable domain into its label and public suffix.
fn split(domain: &str) -> Option<(&str, &str)> {
    let suffix = psl::suffix_str(domain)?;
    let label = domain.strip_suffix(suffix)?.strip_suffix('.')?;
    (!label.is_empty() && !label.contains('.')).then_some((label, suffix))
}

impl Brand {
    /// A brand from its registrable domain (`paypal.com`, any case, IDN allowed); `None` when
    /// it is not exactly a registrable domain.
    pub fn parse(text: &str) -> Option<Brand> {
        let text = text.trim().trim_end_matches('.');
        let domain = if text.is_ascii() {
            text.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii(text).ok()?
        };
        // A host name (letters, digits, hyphens; IDNs as their A-labels) that DNS can hold:
        // the Public Suffix List takes any text for a label.
        let host = domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !host || crate::rules::parse_name(&domain).is_none() {
            return None;
        }
        if psl::domain_str(&domain)? != domain {
            return None;
        }
        let (label, _) = split(&domain)?;
        let unicode = idna::domain_to_unicode(label).0;
        Some(Brand {
            skeleton: fold(&unicode),
            label: unicode,
            domain,
        })
    }

    /// The family `domain` (a registrable domain, ASCII as in DNS, no final dot) belongs to
    /// as a lookalike of this brand, if any.
    pub fn classify(&self, domain: &str) -> Option<Family> {
        self.classify_candidate(&Candidate::new(domain)?)
    }

    /// [`Brand::classify`] of a domain prepared once for many brands.
    pub fn classify_candidate(&self, candidate: &Candidate) -> Option<Family> {
        if candidate.domain == self.domain {
            return None;
        }
        let label = candidate.label.as_str();
        let brand = self.label.as_str();
        if label == brand {
            return Some(Family::TldSwap);
        }
        let long = brand.chars().count() >= 4;
        if candidate.idn {
            return (candidate.skeleton == self.skeleton).then_some(Family::Homoglyph);
        }
        if label.contains('-') && label.replace('-', "") == brand {
            return Some(Family::Hyphenation);
        }
        if candidate.skeleton == self.skeleton {
            return Some(Family::Homoglyph);
        }
        if long && is_bitflip(label, brand) {
            return Some(Family::Bitflip);
        }
        if long && one_edit(label.as_bytes(), brand.as_bytes()) {
            return Some(Family::Typo);
        }
        if long && label.len() >= brand.len() + 2 && label.contains(brand) {
            return Some(Family::AddedWord);
        }
        None
    }
}

/// A newly seen registrable domain, decoded and folded once for every brand.
#[derive(Clone, Debug)]
pub struct Candidate {
    domain: String,
    label: String,
    idn: bool,
    skeleton: String,
}

impl Candidate {
    /// Prepares `domain` (a registrable domain, ASCII as in DNS, no final dot); `None` when
    /// it has no label left of a public suffix.
    pub fn new(domain: &str) -> Option<Candidate> {
        let (ascii, _) = split(domain)?;
        let label = if ascii.contains("xn--") {
            idna::domain_to_unicode(ascii).0
        } else {
            ascii.to_string()
        };
        Some(Candidate {
            domain: domain.to_string(),
            idn: label != ascii || !label.is_ascii(),
            skeleton: fold(&label),
            label,
        })
    }
}

/// Same length, one byte differing by exactly one bit, and still a hostname character.
fn is_bitflip(label: &str, brand: &str) -> bool {
    if label.len() != brand.len() {
        return false;
    }
    let mut differing = label.bytes().zip(brand.bytes()).filter(|(a, b)| a != b);
    match (differing.next(), differing.next()) {
        (Some((a, b)), None) => (a ^ b).count_ones() == 1,
        _ => false,
    }
}

/// True when `a` is one insertion, deletion, substitution or adjacent transposition away
/// from `b` (Damerau-Levenshtein distance 1), in one pass.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    match a.len() as isize - b.len() as isize {
        0 => {
            a.get(1..) == b.get(1..)
                || (a.len() >= 2
                    && a.first() == b.get(1)
                    && a.get(1) == b.first()
                    && a.get(2..) == b.get(2..))
        }
        1 => a.get(1..) == Some(b),
        -1 => b.get(1..) == Some(a),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits() {
        assert!(one_edit(b"paypall", b"paypal"));
        assert!(one_edit(b"paypl", b"paypal"));
        assert!(one_edit(b"papyal", b"paypal"));
        assert!(one_edit(b"paypak", b"paypal"));
        assert!(!one_edit(b"pypl", b"paypal"));
        assert!(is_bitflip("qaypal", "paypal"));
        assert!(!is_bitflip("paypak", "paypal"));
    }

    #[test]
    fn brands_must_be_registrable() {
        assert!(Brand::parse("paypal.com").is_some());
        assert!(Brand::parse("www.paypal.com").is_none());
        assert!(Brand::parse("com").is_none());
        assert_eq!(
            Brand::parse(" PayPal.com. ").map(|b| b.domain),
            Some("paypal.com".to_string())
        );
        assert_eq!(
            Brand::parse("bücher.de").map(|b| b.domain),
            Some("xn--bcher-kva.de".to_string())
        );
    }

    /// Found by the `watch_rules` fuzz target: the Public Suffix List takes any text for a
    /// label, so a brand with spaces, quotes or control characters was accepted (and matched
    /// nothing) instead of being an error in the rule file.
    #[test]
    fn brands_are_host_names() {
        assert!(Brand::parse("pay pal.com").is_none());
        assert!(Brand::parse("oe8k\u{e}.1h 3\u{1b}m\"kko . ").is_none());
        assert!(Brand::parse("pay_pal.com").is_none());
        assert!(Brand::parse("paypal\".com").is_none());
        assert!(Brand::parse(&format!("{}.com", "a".repeat(64))).is_none());
        assert!(Brand::parse(&format!("{}.com", "a".repeat(63))).is_some());
    }
}
