//! The one query grammar every face uses (hark-query): DNSDB paths, bare subjects, negative
//! lookups, name patterns, address ranges and type filters. Errors are values with a text;
//! what parses is consistent: pattern names are valid canonical names, an exact pattern
//! matches its own name, a subdomain pattern matches a child and not the base, a right-hand
//! wildcard matches its labels plus one, and a range's ends are ordered and of one family.
#![no_main]

use hark_query::{
    parse_lookup, parse_negative, parse_subject, IpRange, Lookup, NamePattern, RdataMatch,
    TimeFence, TypeFilter,
};
use libfuzzer_sys::fuzz_target;

fn check_pattern(pattern: &NamePattern) {
    match pattern {
        NamePattern::Exact(wire) => {
            hark_fuzz::check_name(wire);
            assert!(pattern.matches(wire));
        }
        NamePattern::Subdomains(base) => {
            hark_fuzz::check_name(base);
            assert!(!pattern.matches(base));
            if base.len() + 2 <= 255 {
                let child = [b"\x01x".as_slice(), base].concat();
                assert!(pattern.matches(&child), "{pattern:?} misses its child");
            }
        }
        NamePattern::LeadingLabels(leading) => {
            hark_fuzz::check_name(leading);
            assert!(!pattern.matches(leading));
            if leading.len() + 4 <= 255 {
                let longer = [&leading[..leading.len() - 1], b"\x03com\x00"].concat();
                assert!(pattern.matches(&longer), "{pattern:?} misses {longer:02x?}");
            }
        }
    }
}

fn check_range(range: &IpRange) {
    assert_eq!(range.low.is_ipv4(), range.high.is_ipv4());
    assert!(range.low <= range.high);
}

fn check_lookup(lookup: &Lookup) {
    match lookup {
        Lookup::Rrset(query) => {
            check_pattern(&query.name);
            if let Some(bailiwick) = &query.bailiwick {
                hark_fuzz::check_name(bailiwick);
            }
        }
        Lookup::Rdata(query) => match &query.rdata {
            RdataMatch::Name(pattern) => check_pattern(pattern),
            RdataMatch::Ip(range) => check_range(range),
            RdataMatch::Raw(_) | RdataMatch::EveryOfType => {}
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let fence = TimeFence::default();
    match mode % 6 {
        0 | 1 => {
            let segments: Vec<&str> = text.split('/').collect();
            let absent = if mode % 2 == 0 {
                TypeFilter::Any
            } else {
                TypeFilter::All
            };
            match parse_lookup(&segments, fence, absent) {
                Ok((lookup, _)) => check_lookup(&lookup),
                Err(err) => assert!(!err.to_string().is_empty()),
            }
        }
        2 => match parse_subject(text, TypeFilter::All, fence) {
            Ok(lookup) => check_lookup(&lookup),
            Err(err) => assert!(!err.to_string().is_empty()),
        },
        3 => {
            let segments: Vec<&str> = text.split('/').collect();
            match parse_negative(&segments, fence) {
                Ok((query, _)) => check_pattern(&query.name),
                Err(err) => assert!(!err.to_string().is_empty()),
            }
        }
        4 => match NamePattern::parse(text) {
            Ok(pattern) => check_pattern(&pattern),
            Err(err) => assert!(!err.to_string().is_empty()),
        },
        _ => {
            if let Ok(range) = IpRange::parse(text) {
                check_range(&range);
            }
            if let Ok(filter) = TypeFilter::parse(Some(text), TypeFilter::All) {
                if let Some(rrtype) = filter.store_type() {
                    assert!(filter.admits(rrtype));
                }
            }
        }
    }
});
