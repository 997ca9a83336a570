//! Flex search pushed down: the pattern of a [`FlexSearch`] evaluated by `match()` on the
//! servers, so only candidate rows travel to hark, which still applies its exact filter.
//!
//! hark's patterns are `regex` crate syntax, matched case-insensitively; ClickHouse's `match`
//! is re2. The two languages agree on printable ASCII text for the constructs this module
//! translates, and it translates from the parsed pattern (`regex-syntax`, the parser the
//! `regex` crate uses), never from the user's text: literals and classes are printed as
//! explicit ASCII byte classes (case folding already applied, members outside ASCII dropped:
//! they cannot match ASCII text), groups as `(?:…)`, anchors and repetitions as themselves.
//! A pattern using anything else (word-start assertions, counted repetitions over 1,000) is
//! not pushed down. The SQL evaluates the pattern only on text it can render exactly as hark
//! does:
//! - owner names whose key bytes are all printed as themselves by
//!   `hark_dns::name::to_presentation` (no `\.`, `\DDD` escapes): the labels of the `owner`
//!   column joined by dots;
//! - A rdata (`IPv4NumToString`) and AAAA rdata outside `::/80` (`IPv6NumToString`, which
//!   writes RFC 5952 text as Rust does; the IPv4-compatible and -mapped forms differ).
//!
//! Every other row passes as a candidate (rdata of other types, names with escapes). Whatever
//! is pushed down, the printed pattern is wrapped in one group: ClickHouse's regex optimizer
//! looks for required literal substrings only outside groups, so it never second-guesses re2.

use hark_store::{FlexField, FlexSearch, TypeFilter};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Bytes `name::to_presentation` prints as themselves: printable ASCII but for the ones it
/// escapes with a backslash. (Key bytes 0 and 1 are the label separator and its escape.)
fn plain_name_byte(byte: u8) -> bool {
    (0x21..=0x7e).contains(&byte)
        && !matches!(byte, b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$')
}

/// The largest counted repetition re2 accepts.
const RE2_MAX_REPEAT: u32 = 1000;
/// The longest re2 pattern sent; longer translations are not pushed down.
const MAX_RE2_BYTES: usize = 16 * 1024;

/// A pattern that never matches ASCII text: where the source has a literal or class with no
/// ASCII member.
const NO_ASCII: &str = r"[^\x00-\x7f]";

/// The re2 form of a `regex` crate pattern (matched case-insensitively) that matches exactly
/// the printable-ASCII texts the original matches; None when it uses a construct this does
/// not translate.
pub(crate) fn re2(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .nest_limit(64)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::from("(?:");
    print(&hir, &mut out)?;
    out.push(')');
    (out.len() <= MAX_RE2_BYTES).then_some(out)
}

fn print(hir: &Hir, out: &mut String) -> Option<()> {
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(literal) => {
            for &byte in literal.0.iter() {
                if byte.is_ascii() {
                    push_class(&[(byte, byte)], out);
                } else {
                    // Part of a non-ASCII character (or a non-ASCII byte): no ASCII text
                    // holds it.
                    out.push_str(NO_ASCII);
                    break;
                }
            }
        }
        HirKind::Class(class) => {
            let ranges: Vec<(u8, u8)> = match class {
                Class::Unicode(class) => class
                    .ranges()
                    .iter()
                    .filter(|r| r.start().is_ascii())
                    .map(|r| (r.start() as u8, r.end().min('\x7f') as u8))
                    .collect(),
                Class::Bytes(class) => class
                    .ranges()
                    .iter()
                    .filter(|r| r.start().is_ascii())
                    .map(|r| (r.start(), r.end().min(0x7f)))
                    .collect(),
            };
            if ranges.is_empty() {
                out.push_str(NO_ASCII);
            } else {
                push_class(&ranges, out);
            }
        }
        HirKind::Look(look) => out.push_str(match look {
            // The text holds no line break: line anchors are text anchors.
            Look::Start | Look::StartLF | Look::StartCRLF => "^",
            Look::End | Look::EndLF | Look::EndCRLF => "$",
            // On ASCII text Unicode and ASCII word characters are the same.
            Look::WordAscii | Look::WordUnicode => r"\b",
            Look::WordAsciiNegate | Look::WordUnicodeNegate => r"\B",
            _ => return None,
        }),
        HirKind::Repetition(rep) => {
            let max = rep.max.unwrap_or(rep.min);
            if rep.min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT {
                return None;
            }
            out.push_str("(?:");
            print(&rep.sub, out)?;
            out.push(')');
            match (rep.min, rep.max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (min, None) => out.push_str(&format!("{{{min},}}")),
                (min, Some(max)) if min == max => out.push_str(&format!("{{{min}}}")),
                (min, Some(max)) => out.push_str(&format!("{{{min},{max}}}")),
            }
        }
        HirKind::Capture(capture) => {
            out.push_str("(?:");
            print(&capture.sub, out)?;
            out.push(')');
        }
        HirKind::Concat(subs) => {
            for sub in subs {
                print(sub, out)?;
            }
        }
        HirKind::Alternation(subs) => {
            out.push_str("(?:");
            for (i, sub) in subs.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                print(sub, out)?;
            }
            out.push(')');
        }
    }
    Some(())
}

/// `[...]` of ASCII byte ranges, every member as a `\xHH` escape (no character is special).
fn push_class(ranges: &[(u8, u8)], out: &mut String) {
    out.push('[');
    for &(start, end) in ranges {
        out.push_str(&format!("\\x{start:02x}"));
        if end != start {
            out.push_str(&format!("-\\x{end:02x}"));
        }
    }
    out.push(']');
}

/// `match(text, re)`, or its exclusion, as SQL.
fn matches(text: &str, pattern: &str) -> String {
    format!("match({text}, {})", crate::http::quote(pattern))
}

/// The owner name as hark prints it (for names whose bytes are all plain).
const OWNER_TEXT: &str = "if(owner = '\\0', '.', concat(arrayStringConcat(arrayReverse(\
     splitByChar('\\0', substring(owner, 1, greatest(length(owner), 2) - 2))), '.'), '.'))";

/// The SQL condition on the `rrset` table that keeps every row the search may select (and
/// leaves out rows it cannot): the type filter, and the pattern where it can be evaluated
/// exactly. None when there is nothing to push down.
pub(crate) fn condition(search: &FlexSearch) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(types) = type_condition(search.filter) {
        parts.push(types);
    }
    if let Some(pattern) = re2(&search.pattern) {
        let exclude = match &search.exclude {
            None => Some(None),
            Some(ex) => re2(ex).map(Some),
        };
        let selects = |text: &str| {
            let mut sql = matches(text, &pattern);
            // An exclusion that cannot be translated is left to hark: it only removes rows.
            if let Some(Some(ex)) = &exclude {
                sql = format!("{sql} AND NOT {}", matches(text, ex));
            }
            sql
        };
        parts.push(match search.field {
            FlexField::Rrnames => {
                let plain: Vec<(u8, u8)> = plain_ranges();
                let mut class = String::new();
                push_class(&plain, &mut class);
                // The separators (0) are the only other bytes of a plain name's key.
                let plain_key = format!("^(?:\\x00|{class})*$");
                format!(
                    "(NOT {} OR ({}))",
                    matches("owner", &plain_key),
                    selects(OWNER_TEXT)
                )
            }
            FlexField::Rdata => {
                // The rdata: after owner, rrtype and the bailiwick (0, or 1 and a name key
                // ending in 0 0, or 1 0 for the root).
                let blen = "multiIf(substring(k, length(owner) + 3, 1) = '\\0', 1, \
                            substring(k, length(owner) + 4, 1) = '\\0', 2, \
                            position(substring(k, length(owner) + 4), '\\0\\0') + 2)";
                let data = format!("substring(k, length(owner) + 3 + {blen})");
                let dlen = format!("(length(k) - length(owner) - 2 - {blen})");
                // Every branch is evaluated on every row: keep the conversions total.
                let v4 = format!(
                    "IPv4NumToString(reinterpretAsUInt32(reverse(substring({data}, 1, 4))))"
                );
                let v6 = format!("IPv6NumToString(toFixedString(substring({data}, 1, 16), 16))");
                format!(
                    "multiIf(rrtype = 1 AND {dlen} = 4, {}, \
                     rrtype = 28 AND {dlen} = 16 AND substring({data}, 1, 10) != \
                     unhex('00000000000000000000'), {}, 1)",
                    selects(&v4),
                    selects(&v6)
                )
            }
        });
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The plain name bytes as ranges.
fn plain_ranges() -> Vec<(u8, u8)> {
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    for byte in 0u8..=0x7f {
        if !plain_name_byte(byte) {
            continue;
        }
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == byte => *end = byte,
            _ => ranges.push((byte, byte)),
        }
    }
    ranges
}

fn type_condition(filter: TypeFilter) -> Option<String> {
    let dnssec = || {
        hark_store::DNSSEC_TYPES
            .iter()
            .map(|t| t.0.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match filter {
        TypeFilter::All => None,
        TypeFilter::Only(rrtype) => Some(format!("rrtype = {}", rrtype.0)),
        TypeFilter::Any => Some(format!("rrtype NOT IN ({})", dnssec())),
        TypeFilter::AnyDnssec => Some(format!("rrtype IN ({})", dnssec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_print_as_ascii_classes_in_one_group() {
        assert_eq!(
            re2(r"^a\.b$").as_deref(),
            Some(r"(?:^[\x41\x61][\x2e][\x42\x62]$)")
        );
        assert_eq!(
            re2("x{2,3}|é").as_deref(),
            Some(r"(?:(?:(?:[\x58\x78]){2,3}|[^\x00-\x7f]))")
        );
        // `.` keeps every ASCII character but the line break.
        assert_eq!(re2(".").as_deref(), Some(r"(?:[\x00-\x09\x0b-\x7f])"));
        assert_eq!(re2(r"\bk").as_deref(), Some(r"(?:\b[\x4b\x6b])"));
        assert_eq!(re2(r"\<a"), None);
        assert_eq!(re2("a{1001}"), None);
        assert_eq!(re2("(a"), None);
    }

    #[test]
    fn plain_bytes_leave_out_escaped_ones() {
        let ranges = plain_ranges();
        assert_eq!(ranges.first(), Some(&(b'!', b'!')));
        assert!(ranges.iter().all(|&(a, b)| a <= b && b <= 0x7e));
        assert!(!ranges.iter().any(|&(a, b)| (a..=b).contains(&b'.')));
    }
}
