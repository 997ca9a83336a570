//! Address ranges: one address, a CIDR (`192.0.2.0/24`, DNSDB's `192.0.2.0,24`) or `low-high`.

use hark_dns::RrType;
use std::net::IpAddr;

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// Lowest address.
    pub low: IpAddr,
    /// Highest address.
    pub high: IpAddr,
}

/// A CIDR prefix length of at most `bits`: one to three decimal digits and nothing else
/// (`u32::from_str` alone also takes a leading `+`, which no prefix length has). Shared by
/// every reader of CIDR text (query ranges, watch rule networks).
pub fn prefix_length(text: &str, bits: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|&length| length <= bits)
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
            let prefix =
                prefix_length(prefix.trim(), 128).ok_or_else(|| bad("bad prefix length"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // A prefix length is digits only (the one rule watch's networks follow too).
        assert!(IpRange::parse("10.0.0.0/+8").is_err());
        assert!(IpRange::parse("10.0.0.0,").is_err());
        assert_eq!(prefix_length("032", 32), Some(32));
        assert_eq!(prefix_length("33", 32), None);
        assert!(IpRange::parse("nonsense").is_err());
    }
}
