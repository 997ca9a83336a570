//! The one grammar of lookups, as DNSDB paths spell them and the command line reuses:
//! `rrset/name/NAME[/TYPE[/BAILIWICK]]`, `rrset/raw/HEX[/TYPE]`, `rdata/name/NAME[/TYPE]`,
//! `rdata/raw/HEX[/TYPE]`, `rdata/ip/ADDRESS|CIDR|RANGE[/A|AAAA|ANY]`; a bare subject
//! (an address, CIDR or range, else a name pattern) as CIRCL and search boxes take it; and
//! negative lookups, `NAME[/TYPE]`.

use crate::{
    IpRange, Lookup, NamePattern, NegativeQuery, QueryError, RdataMatch, RdataQuery, RrsetQuery,
    TimeFence, TypeFilter,
};

/// Parses the segments after a DNSDB verb (`rrset`, `name`, the value, type, bailiwick).
///
/// `absent` is the filter when no type is named: [`TypeFilter::Any`] on the DNSDB face (as
/// DNSDB defines it), [`TypeFilter::All`] elsewhere.
pub fn parse_lookup(
    segments: &[&str],
    fence: TimeFence,
    absent: TypeFilter,
) -> Result<(Lookup, TypeFilter), QueryError> {
    let text = |index: usize| segments.get(index).copied();
    let (Some(kind), Some(by)) = (text(0), text(1)) else {
        return Err(QueryError::UnknownPath);
    };
    let grammar = match (kind, by) {
        ("rrset", "name") => "rrset/name/NAME[/TYPE[/BAILIWICK]]",
        ("rrset", "raw") => "rrset/raw/HEX[/TYPE]",
        ("rdata", "name") => "rdata/name/NAME[/TYPE]",
        ("rdata", "raw") => "rdata/raw/HEX[/TYPE]",
        ("rdata", "ip") => "rdata/ip/ADDRESS[/TYPE]",
        _ => return Err(QueryError::UnknownPath),
    };
    let value = match text(2) {
        Some(v) if !v.trim().is_empty() => v,
        _ => return Err(QueryError::Missing(grammar)),
    };
    let max_segments = if (kind, by) == ("rrset", "name") {
        5
    } else {
        4
    };
    if segments.len() > max_segments {
        return Err(QueryError::TooManyParts(grammar));
    }
    let type_text = text(3);
    match (kind, by) {
        ("rrset", _) => {
            let name = if by == "name" {
                NamePattern::parse(value)?
            } else {
                NamePattern::Exact(raw_name(value)?)
            };
            let bailiwick = match text(4).map(str::trim) {
                Some(b) if !b.is_empty() => {
                    Some(hark_dns::name::from_presentation(b).map_err(|err| {
                        QueryError::BadBailiwick {
                            text: b.to_string(),
                            reason: err.to_string(),
                        }
                    })?)
                }
                _ => None,
            };
            let filter = TypeFilter::parse(type_text, absent)?;
            let query = RrsetQuery {
                name,
                rrtype: filter.store_type(),
                bailiwick,
                fence,
            };
            Ok((Lookup::Rrset(query), filter))
        }
        ("rdata", "ip") => {
            let range = IpRange::parse(value)?;
            match type_text.map(str::trim) {
                None | Some("") => {}
                Some(t)
                    if ["A", "AAAA", "ANY"]
                        .iter()
                        .any(|a| a.eq_ignore_ascii_case(t)) => {}
                Some(t) => return Err(QueryError::AddressType(t.to_string())),
            }
            Ok((Lookup::Rdata(address_query(range, fence)), TypeFilter::All))
        }
        _ => {
            let filter = TypeFilter::parse(type_text, absent)?;
            let rdata = if by == "name" {
                RdataMatch::Name(NamePattern::parse(value)?)
            } else {
                RdataMatch::Raw(hex(value)?)
            };
            let query = RdataQuery {
                rdata,
                rrtype: filter.store_type(),
                fence,
            };
            Ok((Lookup::Rdata(query), filter))
        }
    }
}

/// Parses a bare subject: an address, CIDR or range gives the A/AAAA rows pointing into it;
/// anything else is a name pattern giving the rows of those owner names.
pub fn parse_subject(
    subject: &str,
    filter: TypeFilter,
    fence: TimeFence,
) -> Result<Lookup, QueryError> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err(QueryError::Missing("a name, address, CIDR or range"));
    }
    let looks_like_address = subject.contains(':')
        || subject
            .bytes()
            .all(|b| b.is_ascii_digit() || b".,/-".contains(&b));
    match IpRange::parse(subject) {
        Ok(range) => return Ok(Lookup::Rdata(address_query(range, fence))),
        // Report why the address did not parse rather than calling it a bad name.
        Err(err) if looks_like_address && subject.contains('/') => return Err(err.into()),
        Err(_) => {}
    }
    Ok(Lookup::Rrset(RrsetQuery {
        name: NamePattern::parse(subject)?,
        rrtype: filter.store_type(),
        bailiwick: None,
        fence,
    }))
}

/// Parses a negative lookup: `NAME[/TYPE]` as segments; no type means every type. The filter
/// is for the caller to apply to question types (`ANY` leaves DNSSEC types out here too).
pub fn parse_negative(
    segments: &[&str],
    fence: TimeFence,
) -> Result<(NegativeQuery, TypeFilter), QueryError> {
    const GRAMMAR: &str = "NAME[/TYPE]";
    let name = match segments.first() {
        Some(n) if !n.trim().is_empty() => NamePattern::parse(n)?,
        _ => return Err(QueryError::Missing(GRAMMAR)),
    };
    if segments.len() > 2 {
        return Err(QueryError::TooManyParts(GRAMMAR));
    }
    let filter = TypeFilter::parse(segments.get(1).copied(), TypeFilter::All)?;
    let query = NegativeQuery {
        name,
        qtype: filter.store_type(),
        fence,
    };
    Ok((query, filter))
}

/// The A or AAAA rows of an address range.
fn address_query(range: IpRange, fence: TimeFence) -> RdataQuery {
    RdataQuery {
        rrtype: Some(range.rrtype()),
        rdata: RdataMatch::Ip(range),
        fence,
    }
}

/// Decodes hex digits.
fn hex(text: &str) -> Result<Vec<u8>, QueryError> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.trim().as_bytes())
        .map_err(|_| QueryError::BadHex(text.to_string()))
}

/// A wire-format owner name given in hex, made canonical (lowercase).
fn raw_name(text: &str) -> Result<Vec<u8>, QueryError> {
    let wire = hex(text)?;
    let bad = |err: hark_dns::name::NameError| QueryError::BadRawName {
        text: text.to_string(),
        reason: err.to_string(),
    };
    let mut presentation = String::new();
    hark_dns::name::to_presentation(&wire, &mut presentation).map_err(bad)?;
    hark_dns::name::from_presentation(&presentation).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_dns::RrType;

    fn lookup(path: &str) -> Result<(Lookup, TypeFilter), QueryError> {
        let segments: Vec<&str> = path.split('/').collect();
        parse_lookup(&segments, TimeFence::default(), TypeFilter::Any)
    }

    #[test]
    fn lookup_paths() {
        let (found, filter) = lookup("rrset/name/www.example.com/A/example.com").expect("parses");
        assert_eq!(filter, TypeFilter::Only(RrType::A));
        let Lookup::Rrset(query) = found else {
            panic!("an rrset lookup")
        };
        assert_eq!(query.rrtype, Some(RrType::A));
        assert_eq!(
            query.bailiwick.as_deref(),
            Some(&b"\x07example\x03com\x00"[..])
        );
        assert_eq!(
            lookup("rrset/name/example.com").expect("ok").1,
            TypeFilter::Any
        );
        let (found, _) = lookup("rrset/raw/076578616d706c6503636f6d00").expect("parses");
        assert!(matches!(
            found,
            Lookup::Rrset(RrsetQuery {
                name: NamePattern::Exact(_),
                ..
            })
        ));
        assert!(matches!(
            lookup("rdata/ip/192.0.2.0,24/A"),
            Ok((Lookup::Rdata(_), TypeFilter::All))
        ));
        assert!(matches!(
            lookup("rdata/ip/192.0.2.1/MX"),
            Err(QueryError::AddressType(_))
        ));
        assert!(matches!(lookup("rdata/raw/zz"), Err(QueryError::BadHex(_))));
        assert!(matches!(lookup("rrset/name"), Err(QueryError::Missing(_))));
        assert!(matches!(
            lookup("rrset/name/a/A/b/c"),
            Err(QueryError::TooManyParts(_))
        ));
        assert!(matches!(
            lookup("rdata/name/a/A/b"),
            Err(QueryError::TooManyParts(_))
        ));
        assert!(matches!(
            lookup("rrset/bogus/a"),
            Err(QueryError::UnknownPath)
        ));
        assert!(matches!(
            lookup("rrset/name/a/BOGUS"),
            Err(QueryError::BadType(_))
        ));
    }

    #[test]
    fn subjects_by_kind() {
        let fence = TimeFence::default();
        for q in [
            "192.0.2.1",
            "10.0.0.0/24",
            "2001:db8::/32",
            "10.0.0.1-10.0.0.9",
        ] {
            assert!(
                matches!(
                    parse_subject(q, TypeFilter::All, fence),
                    Ok(Lookup::Rdata(_))
                ),
                "{q}"
            );
        }
        for q in ["example.com", "*.example.com", "www.example.*"] {
            assert!(
                matches!(
                    parse_subject(q, TypeFilter::All, fence),
                    Ok(Lookup::Rrset(_))
                ),
                "{q}"
            );
        }
        assert!(matches!(
            parse_subject("10.0.0.0/99", TypeFilter::All, fence),
            Err(QueryError::Range(_))
        ));
        assert!(parse_subject("", TypeFilter::All, fence).is_err());
    }

    #[test]
    fn negative_paths() {
        let (query, _) =
            parse_negative(&["nx.example.com", "AAAA"], TimeFence::default()).expect("ok");
        assert_eq!(query.qtype, Some(RrType::AAAA));
        let (any, filter) =
            parse_negative(&["nx.example.com", "ANY"], TimeFence::default()).expect("ok");
        assert_eq!(any.qtype, None);
        assert!(!filter.admits(RrType::DS));
        assert!(parse_negative(&["a", "A", "b"], TimeFence::default()).is_err());
        assert!(parse_negative(&[""], TimeFence::default()).is_err());
    }
}
