//! Names as the analyses handle them: canonical wire form in, presentation text out, and the
//! registrable domain (the Public Suffix List's "eTLD+1") of a name.

use crate::IntelError;

/// Parses a name typed by a user (`Example.COM`, with or without the trailing dot).
pub fn parse(text: &str) -> Result<Vec<u8>, IntelError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.contains('*') {
        return Err(IntelError::BadInput(format!(
            "{text:?} is not a domain name (no wildcards here: the analyses look below the name themselves)"
        )));
    }
    hark_dns::name::from_presentation(trimmed)
        .map_err(|err| IntelError::BadInput(format!("{text:?} is not a domain name: {err}")))
}

/// The presentation form, with the trailing dot.
pub fn text(wire: &[u8]) -> String {
    let mut out = String::new();
    if hark_dns::name::to_presentation(wire, &mut out).is_err() {
        out = format!("<bad name of {} bytes>", wire.len());
    }
    out
}

/// The registrable domain of a name in presentation form, with its trailing dot
/// (`www.example.co.uk.` → `example.co.uk.`); `None` for a public suffix itself or a name
/// under no known suffix.
pub fn registrable(name: &str) -> Option<String> {
    let bare = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = psl::domain_str(&bare)?;
    Some(format!("{domain}."))
}

/// The registrable domain, or the name itself when it has none (in-addr.arpa, a bare TLD).
pub fn registrable_or_self(name: &str) -> String {
    registrable(name).unwrap_or_else(|| name.to_string())
}

/// True when `name` is `domain` or below it (both presentation form, any case).
pub fn is_at_or_below(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    name == domain || name.ends_with(&format!(".{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable("www.example.co.uk.").as_deref(),
            Some("example.co.uk.")
        );
        assert_eq!(
            registrable("a.b.example.com").as_deref(),
            Some("example.com.")
        );
        assert_eq!(registrable("co.uk."), None);
        assert!(is_at_or_below("WWW.Example.com.", "example.com"));
        assert!(!is_at_or_below("badexample.com.", "example.com."));
        assert!(parse("*.example.com").is_err());
        assert_eq!(text(&parse("Example.COM").expect("name")), "example.com.");
    }
}
