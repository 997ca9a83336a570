//! Name patterns: one owner name, its subdomains (`*.example.com`), or names that start with
//! given labels (`www.example.*`).

/// Which owner names (or names inside rdata) a lookup matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamePattern {
    /// Exactly this canonical name.
    Exact(Vec<u8>),
    /// Every strict subdomain of this name (`*.example.com.`): a left-hand wildcard.
    Subdomains(Vec<u8>),
    /// Every name that starts with these labels and has at least one label more
    /// (`www.example.*`): a right-hand wildcard. Holds the leading labels as a canonical name.
    LeadingLabels(Vec<u8>),
}

impl NamePattern {
    /// Parses a presentation-format name with an optional wildcard: `*.example.com`
    /// (subdomains), `www.example.*` (right-hand), or a plain name.
    pub fn parse(text: &str) -> Result<NamePattern, PatternError> {
        let text = text.trim();
        if text == "*" || text == "*." {
            return Err(PatternError::Unbounded);
        }
        if let Some(base) = text.strip_prefix("*.") {
            let wire =
                hark_dns::name::from_presentation(base).map_err(|err| PatternError::BadName {
                    text: text.to_string(),
                    reason: err.to_string(),
                })?;
            return Ok(NamePattern::Subdomains(wire));
        }
        let trimmed = text.strip_suffix('.').unwrap_or(text);
        if let Some(leading) = trimmed.strip_suffix(".*") {
            let wire = hark_dns::name::from_presentation(leading).map_err(|err| {
                PatternError::BadName {
                    text: text.to_string(),
                    reason: err.to_string(),
                }
            })?;
            return Ok(NamePattern::LeadingLabels(wire));
        }
        if text.contains('*') && !text.starts_with("\\*") {
            return Err(PatternError::WildcardPlacement(text.to_string()));
        }
        let wire =
            hark_dns::name::from_presentation(text).map_err(|err| PatternError::BadName {
                text: text.to_string(),
                reason: err.to_string(),
            })?;
        Ok(NamePattern::Exact(wire))
    }

    /// True when `name` (canonical wire) matches.
    pub fn matches(&self, name: &[u8]) -> bool {
        match self {
            NamePattern::Exact(wire) => wire == name,
            NamePattern::Subdomains(base) => name.len() > base.len() && name_ends_with(name, base),
            NamePattern::LeadingLabels(leading) => {
                let leading_labels = hark_dns::name::labels(leading).count();
                let mut labels = hark_dns::name::labels(name);
                let starts_with = hark_dns::name::labels(leading).all(|l| labels.next() == Some(l));
                starts_with && hark_dns::name::labels(name).count() > leading_labels
            }
        }
    }
}

/// True when canonical `name` equals `suffix` or is below it, on label boundaries.
fn name_ends_with(name: &[u8], suffix: &[u8]) -> bool {
    hark_dns::name::is_at_or_below(name, suffix)
}

/// A name pattern that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PatternError {
    /// The name part is not a valid domain name.
    #[error("{text:?} is not a valid name: {reason}")]
    BadName {
        /// What was given.
        text: String,
        /// Why it is invalid.
        reason: String,
    },
    /// `*` alone would match every row.
    #[error("a bare `*` would match everything; give a suffix like `*.example.com` or use `hark export`")]
    Unbounded,
    /// A `*` somewhere other than the first or last label.
    #[error("{0:?}: a wildcard may only be the first label (`*.example.com`) or the last (`www.example.*`)")]
    WildcardPlacement(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        hark_dns::name::from_presentation(text).expect("valid name")
    }

    #[test]
    fn patterns_parse() {
        assert_eq!(
            NamePattern::parse("*.Example.com"),
            Ok(NamePattern::Subdomains(wire("example.com.")))
        );
        assert_eq!(
            NamePattern::parse("www.example.*"),
            Ok(NamePattern::LeadingLabels(wire("www.example.")))
        );
        assert_eq!(
            NamePattern::parse("www.example.com."),
            Ok(NamePattern::Exact(wire("www.example.com.")))
        );
        assert_eq!(NamePattern::parse("*"), Err(PatternError::Unbounded));
        assert!(matches!(
            NamePattern::parse("www.*.com"),
            Err(PatternError::WildcardPlacement(_))
        ));
    }

    #[test]
    fn patterns_match_on_label_boundaries() {
        let sub = NamePattern::parse("*.example.com").expect("parses");
        assert!(sub.matches(&wire("www.example.com.")));
        assert!(sub.matches(&wire("a.b.example.com.")));
        assert!(!sub.matches(&wire("example.com.")));
        assert!(!sub.matches(&wire("wwwexample.com.")));
        let right = NamePattern::parse("www.example.*").expect("parses");
        assert!(right.matches(&wire("www.example.com.")));
        assert!(right.matches(&wire("www.example.co.uk.")));
        assert!(!right.matches(&wire("www.example.")));
        assert!(!right.matches(&wire("www.examples.com.")));
    }
}
