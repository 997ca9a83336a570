//! What can be asked of a store: name patterns, rdata matches, time fences, limits.

use hark_dns::RrType;
use hark_record::Tally;
use std::net::IpAddr;

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
    let name_labels: Vec<&[u8]> = hark_dns::name::labels(name).collect();
    let suffix_labels: Vec<&[u8]> = hark_dns::name::labels(suffix).collect();
    name_labels.len() >= suffix_labels.len()
        && name_labels[name_labels.len() - suffix_labels.len()..] == suffix_labels[..]
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

/// Inclusive bounds on a row's first and last seen times (epoch seconds).
///
/// `first_after: Some(t)` keeps rows with `time_first >= t`, and so on. Rows known only from
/// zone imports are judged by their zone times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeFence {
    /// Keep rows first seen at or after this time.
    pub first_after: Option<i64>,
    /// Keep rows first seen at or before this time.
    pub first_before: Option<i64>,
    /// Keep rows last seen at or after this time.
    pub last_after: Option<i64>,
    /// Keep rows last seen at or before this time.
    pub last_before: Option<i64>,
}

impl TimeFence {
    /// True when the fence lets a row with this tally through.
    pub fn admits(&self, tally: &Tally) -> bool {
        let Some(span) = tally.seen.or(tally.zone_seen) else {
            return self == &TimeFence::default();
        };
        self.first_after.is_none_or(|t| span.first >= t)
            && self.first_before.is_none_or(|t| span.first <= t)
            && self.last_after.is_none_or(|t| span.last >= t)
            && self.last_before.is_none_or(|t| span.last <= t)
    }
}

/// An rrset lookup: rows by owner name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RrsetQuery {
    /// Which owner names.
    pub name: NamePattern,
    /// Only this type; `None` for any.
    pub rrtype: Option<RrType>,
    /// Only rows with this bailiwick (canonical wire); `None` for any.
    pub bailiwick: Option<Vec<u8>>,
    /// Time bounds.
    pub fence: TimeFence,
}

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// Lowest address.
    pub low: IpAddr,
    /// Highest address.
    pub high: IpAddr,
}

impl IpRange {
    /// Parses `ADDR`, `ADDR/PREFIX` (CIDR; also DNSDB's `ADDR,PREFIX`) or `LOW-HIGH`.
    pub fn parse(text: &str) -> Result<IpRange, RangeError> {
        let bad = |reason: &str| RangeError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let text = text.trim();
        if let Some((low, high)) = text.split_once('-') {
            let low: IpAddr = low.trim().parse().map_err(|_| bad("bad low address"))?;
            let high: IpAddr = high.trim().parse().map_err(|_| bad("bad high address"))?;
            if low.is_ipv4() != high.is_ipv4() {
                return Err(bad("the two ends are of different address families"));
            }
            if low > high {
                return Err(bad("the low end is above the high end"));
            }
            return Ok(IpRange { low, high });
        }
        if let Some((addr, prefix)) = text.split_once(['/', ',']) {
            let addr: IpAddr = addr.trim().parse().map_err(|_| bad("bad address"))?;
            let prefix: u32 = prefix
                .trim()
                .parse()
                .map_err(|_| bad("bad prefix length"))?;
            return match addr {
                IpAddr::V4(v4) => {
                    if prefix > 32 {
                        return Err(bad("an IPv4 prefix is at most 32"));
                    }
                    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                    let low = u32::from(v4) & mask;
                    Ok(IpRange {
                        low: IpAddr::V4(low.into()),
                        high: IpAddr::V4((low | !mask).into()),
                    })
                }
                IpAddr::V6(v6) => {
                    if prefix > 128 {
                        return Err(bad("an IPv6 prefix is at most 128"));
                    }
                    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                    let low = u128::from(v6) & mask;
                    Ok(IpRange {
                        low: IpAddr::V6(low.into()),
                        high: IpAddr::V6((low | !mask).into()),
                    })
                }
            };
        }
        let addr: IpAddr = text
            .parse()
            .map_err(|_| bad("not an address, CIDR or range"))?;
        Ok(IpRange {
            low: addr,
            high: addr,
        })
    }

    /// The rrtype whose rdata holds addresses of this family.
    pub fn rrtype(&self) -> RrType {
        if self.low.is_ipv4() {
            RrType::A
        } else {
            RrType::AAAA
        }
    }
}

/// An address, CIDR or range that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{text:?} is not a usable address, CIDR or range: {reason}")]
pub struct RangeError {
    /// What was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// What an rdata lookup matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdataMatch {
    /// A and AAAA rows whose address lies in the range.
    Ip(IpRange),
    /// Rows whose rdata names this name (NS, CNAME, DNAME, PTR targets; MX exchanges; SRV,
    /// SVCB and HTTPS targets), or a name under it with a wildcard.
    Name(NamePattern),
    /// Rows whose canonical rdata is exactly these bytes.
    Raw(Vec<u8>),
    /// Every row of the query's rrtype (which must be given), in rdata order: for analyses
    /// that read all records of one type (every SPF record, to find who shares an include).
    EveryOfType,
}

/// An rdata lookup: rows by what they point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdataQuery {
    /// What the rdata must match.
    pub rdata: RdataMatch,
    /// Only this type; `None` for any.
    pub rrtype: Option<RrType>,
    /// Time bounds.
    pub fence: TimeFence,
}

/// A lookup of negative (NXDOMAIN/NODATA) rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegativeQuery {
    /// Which question names.
    pub name: NamePattern,
    /// Only this question type; `None` for any.
    pub qtype: Option<RrType>,
    /// Time bounds.
    pub fence: TimeFence,
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

    #[test]
    fn ranges_parse() {
        let r = IpRange::parse("192.0.2.0/24").expect("cidr");
        assert_eq!(r.low, "192.0.2.0".parse::<IpAddr>().expect("ip"));
        assert_eq!(r.high, "192.0.2.255".parse::<IpAddr>().expect("ip"));
        let r = IpRange::parse("192.0.2.7,31").expect("dnsdb cidr");
        assert_eq!(r.low, "192.0.2.6".parse::<IpAddr>().expect("ip"));
        assert_eq!(r.high, "192.0.2.7".parse::<IpAddr>().expect("ip"));
        let r = IpRange::parse("2001:db8::/32").expect("v6");
        assert_eq!(
            r.high,
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
                .parse::<IpAddr>()
                .expect("ip")
        );
        let r = IpRange::parse("0.0.0.0/0").expect("all v4");
        assert_eq!(r.high, "255.255.255.255".parse::<IpAddr>().expect("ip"));
        assert!(IpRange::parse("10.0.0.9-10.0.0.1").is_err());
        assert!(IpRange::parse("10.0.0.1-::1").is_err());
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("nonsense").is_err());
    }

    #[test]
    fn fences_are_inclusive() {
        let tally = Tally {
            seen: Some(hark_record::TimeSpan {
                first: 100,
                last: 200,
            }),
            zone_seen: None,
            count: 1,
        };
        let fence = |f: TimeFence| f.admits(&tally);
        assert!(fence(TimeFence {
            first_after: Some(100),
            last_before: Some(200),
            ..TimeFence::default()
        }));
        assert!(!fence(TimeFence {
            first_after: Some(101),
            ..TimeFence::default()
        }));
        assert!(!fence(TimeFence {
            last_after: Some(201),
            ..TimeFence::default()
        }));
        assert!(fence(TimeFence {
            first_before: Some(100),
            last_after: Some(200),
            ..TimeFence::default()
        }));
    }
}
