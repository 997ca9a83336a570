//! The matchers rules are built from: names at or below listed names ([`NameSet`]) and
//! addresses inside listed networks ([`CidrSet`]), both sized for lists of 100,000+ entries.
//!
//! A [`NameSet`] is a hash set of canonical wire names: a name matches when it or one of its
//! parents is in the set, so a lookup costs one hash probe per label, whatever the list's
//! size. A [`CidrSet`] keeps its networks as sorted, merged address ranges: a lookup is one
//! binary search. (Both are a few lines over `hashbrown` and a sorted `Vec`; a trie crate
//! would add a dependency for no gain at these sizes.)

use hark_query::prefix_length;
use hashbrown::HashMap;
use std::net::IpAddr;

/// Names, each matching itself and every name below it, with where each came from.
#[derive(Clone, Debug, Default)]
pub struct NameSet {
    names: HashMap<Box<[u8]>, u32>,
    sources: Box<Sources>,
}

/// The distinct sources of a set's entries, each numbered once: a list whose every line
/// names another source (a Zeek `meta.source` column) costs one hash probe a line, not a
/// scan of the sources seen so far. (Boxed in the sets: rules hold several sets each.)
#[derive(Clone, Debug, Default)]
struct Sources {
    names: Vec<String>,
    numbers: HashMap<String, u32>,
}

impl Sources {
    /// The number of `source`, given one if it is new.
    fn number(&mut self, source: &str) -> u32 {
        if let Some(&number) = self.numbers.get(source) {
            return number;
        }
        let number = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(source.to_string());
        self.numbers.insert(source.to_string(), number);
        number
    }

    /// The source numbered `number`.
    fn name(&self, number: u32) -> &str {
        self.names.get(number as usize).map_or("", String::as_str)
    }
}

impl NameSet {
    /// An empty set.
    pub fn new() -> NameSet {
        NameSet::default()
    }

    /// Adds `name` (canonical wire), remembering `source` (a list's name, a rule's id) as
    /// where it came from; the first source of a name is kept.
    pub fn insert(&mut self, name: &[u8], source: &str) {
        let index = self.sources.number(source);
        self.names.entry(name.into()).or_insert(index);
    }

    /// How many names it holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The listed name `name` is at or below, and its source, if any: the longest one.
    pub fn find<'s>(&'s self, name: &'s [u8]) -> Option<(&'s [u8], &'s str)> {
        if self.names.is_empty() {
            return None;
        }
        let mut rest = name;
        loop {
            if let Some((listed, &source)) = self.names.get_key_value(rest) {
                return Some((listed, self.sources.name(source)));
            }
            let len = usize::from(*rest.first()?);
            if len == 0 {
                return None;
            }
            rest = rest.get(1 + len..)?;
        }
    }

    /// The listed names (canonical wire), in no particular order: for showing what a rule
    /// watches.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.names.keys().map(|name| &**name)
    }

    /// True when `name` itself is listed.
    pub fn names_exactly(&self, name: &[u8]) -> bool {
        self.names.contains_key(name)
    }

    /// True when `name` is at or below a listed name.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.find(name).is_some()
    }

    /// The listed name `name` is strictly below, if any.
    pub fn find_below<'s>(&'s self, name: &'s [u8]) -> Option<&'s [u8]> {
        let len = usize::from(*name.first()?);
        if len == 0 {
            return None;
        }
        self.find(name.get(1 + len..)?).map(|(listed, _)| listed)
    }
}

/// Address ranges, IPv4 and IPv6 apart, each with where it came from.
#[derive(Clone, Debug, Default)]
pub struct CidrSet {
    pending: Vec<(u128, u128, bool, u32)>,
    v4: Vec<(u128, u128, u32)>,
    v6: Vec<(u128, u128, u32)>,
    sources: Box<Sources>,
}

/// `::ffff:0:0`, where the IPv4-mapped IPv6 addresses start.
const MAPPED: u128 = 0xffff_0000_0000;

/// A network that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{text:?} is not an address or a network (ADDRESS/PREFIX)")]
pub struct CidrError {
    /// What was given.
    pub text: String,
}

/// Parses `ADDRESS` or `ADDRESS/PREFIX` into its first and last address (as u128, IPv4 in
/// the low 32 bits) and whether it is IPv4.
pub fn parse_cidr(text: &str) -> Result<(u128, u128, bool), CidrError> {
    let bad = || CidrError {
        text: text.to_string(),
    };
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix_length(prefix, 128).ok_or_else(bad)?)),
        None => (text, None),
    };
    let address: IpAddr = address.trim().parse().map_err(|_| bad())?;
    let (value, bits, v4) = match address {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32, true),
        IpAddr::V6(a) => (u128::from(a), 128, false),
    };
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return Err(bad());
    }
    let host_bits = bits - prefix;
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Ok((value & !mask, value | mask, v4))
}

impl CidrSet {
    /// An empty set.
    pub fn new() -> CidrSet {
        CidrSet::default()
    }

    /// Adds a network or address (`192.0.2.0/24`, `2001:db8::1`); call [`CidrSet::build`]
    /// once every entry is in.
    pub fn insert(&mut self, text: &str, source: &str) -> Result<(), CidrError> {
        let (mut first, mut last, mut v4) = parse_cidr(text)?;
        // An IPv4-mapped network (`::ffff:192.0.2.0/120`) is an IPv4 one: lookups of mapped
        // addresses go to the IPv4 ranges, where it must be to match them.
        if !v4 && first >= MAPPED && last <= MAPPED | u128::from(u32::MAX) {
            (first, last, v4) = (first - MAPPED, last - MAPPED, true);
        }
        let index = self.sources.number(source);
        self.pending.push((first, last, v4, index));
        Ok(())
    }

    /// Sorts and merges the ranges added; lookups see only what was built.
    pub fn build(&mut self) {
        let mut v4: Vec<_> = std::mem::take(&mut self.v4);
        let mut v6: Vec<_> = std::mem::take(&mut self.v6);
        for (first, last, is_v4, source) in self.pending.drain(..) {
            if is_v4 { &mut v4 } else { &mut v6 }.push((first, last, source));
        }
        self.v4 = merge(v4);
        self.v6 = merge(v6);
    }

    /// How many merged ranges it holds.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The source of the range `address` is in, if any. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is looked up as the IPv4 address
    /// it maps, then as itself (an IPv6 network such as `::/0` may cover it).
    pub fn find(&self, address: IpAddr) -> Option<&str> {
        match address {
            IpAddr::V4(a) => self.find_in(&self.v4, u128::from(u32::from(a))),
            IpAddr::V6(a) => a
                .to_ipv4_mapped()
                .and_then(|v4| self.find_in(&self.v4, u128::from(u32::from(v4))))
                .or_else(|| self.find_in(&self.v6, u128::from(a))),
        }
    }

    fn find_in(&self, ranges: &[(u128, u128, u32)], value: u128) -> Option<&str> {
        let after = ranges.partition_point(|&(first, _, _)| first <= value);
        let &(_, last, source) = ranges.get(after.checked_sub(1)?)?;
        (value <= last).then(|| self.sources.name(source))
    }

    /// The merged ranges (first and last address), IPv4 first, each family in order: for
    /// showing what a rule watches.
    pub fn ranges(&self) -> impl Iterator<Item = (IpAddr, IpAddr)> + '_ {
        let v4 = |value: u128| {
            IpAddr::from(std::net::Ipv4Addr::from(
                u32::try_from(value).unwrap_or(u32::MAX),
            ))
        };
        let v6 = |value: u128| IpAddr::from(std::net::Ipv6Addr::from(value));
        self.v4
            .iter()
            .map(move |&(first, last, _)| (v4(first), v4(last)))
            .chain(
                self.v6
                    .iter()
                    .map(move |&(first, last, _)| (v6(first), v6(last))),
            )
    }

    /// True when `address` is in a listed range.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.find(address).is_some()
    }
}

/// Sorts ranges and merges those that overlap or touch (the first one's source is kept).
fn merge(mut ranges: Vec<(u128, u128, u32)>) -> Vec<(u128, u128, u32)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u128, u128, u32)> = Vec::with_capacity(ranges.len());
    for (first, last, source) in ranges {
        match merged.last_mut() {
            Some(previous) if first <= previous.1.saturating_add(1) => {
                previous.1 = previous.1.max(last);
            }
            _ => merged.push((first, last, source)),
        }
    }
    merged.shrink_to_fit();
    merged
}

/// The address in A or AAAA rdata.
pub fn rdata_address(rrtype: hark_dns::RrType, rdata: &[u8]) -> Option<IpAddr> {
    match rrtype {
        hark_dns::RrType::A => <[u8; 4]>::try_from(rdata).ok().map(IpAddr::from),
        hark_dns::RrType::AAAA => <[u8; 16]>::try_from(rdata).ok().map(IpAddr::from),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        hark_dns::name::from_presentation(text).expect("name")
    }

    #[test]
    fn names_match_at_or_below() {
        let mut set = NameSet::new();
        set.insert(&wire("evil.example."), "list");
        assert!(set.contains(&wire("evil.example.")));
        assert!(set.contains(&wire("a.b.evil.example.")));
        assert!(!set.contains(&wire("notevil.example.")));
        assert!(!set.contains(&wire("example.")));
        assert_eq!(set.find_below(&wire("evil.example.")), None);
        assert!(set.find_below(&wire("x.evil.example.")).is_some());
        set.insert(&wire("evil.example."), "again");
        let listed: Vec<&[u8]> = set.names().collect();
        assert_eq!(listed, [wire("evil.example.").as_slice()]);
    }

    #[test]
    fn cidrs_merge_and_match() {
        let mut set = CidrSet::new();
        set.insert("192.0.2.0/25", "a").expect("cidr");
        set.insert("192.0.2.128/25", "b").expect("cidr");
        set.insert("10.0.0.1", "c").expect("cidr");
        set.insert("2001:db8::/32", "d").expect("cidr");
        set.build();
        assert_eq!(set.len(), 3);
        assert_eq!(set.find("192.0.2.200".parse().expect("ip")), Some("a"));
        assert!(set.contains("10.0.0.1".parse().expect("ip")));
        assert!(!set.contains("10.0.0.2".parse().expect("ip")));
        assert!(set.contains("2001:db8:1::5".parse().expect("ip")));
        assert!(set.contains("::ffff:192.0.2.1".parse().expect("ip")));
        assert!(!set.contains("2001:db9::".parse().expect("ip")));
        let ip = |text: &str| text.parse::<IpAddr>().expect("ip");
        let ranges: Vec<_> = set.ranges().collect();
        assert_eq!(
            ranges,
            [
                (ip("10.0.0.1"), ip("10.0.0.1")),
                (ip("192.0.2.0"), ip("192.0.2.255")),
                (
                    ip("2001:db8::"),
                    ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
                ),
            ]
        );
        assert!(set.insert("192.0.2.0/33", "x").is_err());
        assert!(set.insert("example", "x").is_err());
    }

    /// A prefix length is one to three digits: a sign, a space, an empty or overlong length
    /// is refused rather than read.
    #[test]
    fn prefix_lengths_are_digits() {
        for bad in [
            "1.2.3.0/+8",
            "1.2.3.0/-8",
            "1.2.3.0/ 8",
            "1.2.3.0/",
            "1.2.3.0/0008",
            "2001:db8::/+32",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad} was accepted");
        }
        let v4_net = |first: u32, last: u32| (u128::from(first), u128::from(last), true);
        assert_eq!(
            parse_cidr("1.2.3.0/8").expect("cidr"),
            v4_net(0x0100_0000, 0x01ff_ffff)
        );
        assert_eq!(
            parse_cidr("1.2.3.4/032").expect("cidr"),
            v4_net(0x0102_0304, 0x0102_0304)
        );
        assert_eq!(parse_cidr("::/0").expect("cidr"), (0, u128::MAX, false));
    }

    /// Found by the `watch_rules` fuzz target: an IPv4-mapped entry went into the IPv6
    /// ranges, while lookups of mapped addresses went to the IPv4 ones, so it matched nothing.
    #[test]
    fn ipv4_mapped_networks_match() {
        let ip = |text: &str| text.parse::<IpAddr>().expect("ip");
        let mut set = CidrSet::new();
        set.insert("::ffff:192.0.2.1", "one").expect("cidr");
        set.insert("::ffff:198.51.100.0/120", "net").expect("cidr");
        set.build();
        assert_eq!(set.find(ip("::ffff:192.0.2.1")), Some("one"));
        assert_eq!(set.find(ip("192.0.2.1")), Some("one"));
        assert_eq!(set.find(ip("198.51.100.77")), Some("net"));
        assert_eq!(set.find(ip("::ffff:198.51.100.255")), Some("net"));
        assert_eq!(set.find(ip("192.0.2.2")), None);
        assert_eq!(
            set.ranges().collect::<Vec<_>>(),
            [
                (ip("192.0.2.1"), ip("192.0.2.1")),
                (ip("198.51.100.0"), ip("198.51.100.255"))
            ]
        );
        // An IPv6 network covering mapped addresses (but not only them) still matches them.
        let mut all = CidrSet::new();
        all.insert("::/0", "all").expect("cidr");
        all.build();
        assert_eq!(all.find(ip("::ffff:192.0.2.1")), Some("all"));
        assert_eq!(all.find(ip("192.0.2.1")), None);
    }

    #[test]
    fn every_entry_keeps_its_own_source() {
        // A feed naming another source on every line (the sources were once scanned on each
        // insert: quadratic in a 100,000-line list of this shape).
        let mut names = NameSet::new();
        let mut networks = CidrSet::new();
        for i in 0..2_000u32 {
            names.insert(&wire(&format!("n{i}.example.")), &format!("feed-{i}"));
            let address = std::net::Ipv4Addr::from(0x0a00_0000 + 2 * i);
            networks
                .insert(&address.to_string(), &format!("feed-{i}"))
                .expect("cidr");
        }
        names.insert(&wire("n7.example."), "later");
        networks.build();
        assert_eq!(
            names.find(&wire("x.n1999.example.")),
            Some((wire("n1999.example.").as_slice(), "feed-1999"))
        );
        assert_eq!(
            names.find(&wire("n7.example.")).map(|(_, s)| s),
            Some("feed-7")
        );
        assert_eq!(
            networks.find("10.0.0.14".parse().expect("ip")),
            Some("feed-7")
        );
        assert_eq!(networks.find("10.0.0.15".parse().expect("ip")), None);
    }
}
