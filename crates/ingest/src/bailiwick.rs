//! Bailiwick reconstruction for captures of a resolver's upstream traffic.
//!
//! A resolver believes a server only about the zones it was sent to that server for. A
//! capture does not say which zone a query was sent for, but the referrals in it do, as in
//! ISC/Farsight's passive DNS sensor: [`ZoneTable`] learns which server addresses serve which
//! zones from the referrals seen (NS records in the authority section, with their glue
//! addresses in the additional section), starting from the root servers' addresses
//! ([`ROOT_HINTS`], IANA's `named.root`). A record in a response from server S then gets as
//! its bailiwick the closest zone enclosing its owner that S is known to serve
//! ([`ZoneTable::closest`]); a record for which S serves no enclosing zone is dropped and
//! counted (`out_of_bailiwick`): that is how a poisoned record slipped into a response stays
//! out of the store.
//!
//! What a response teaches is itself checked first: the zone of a delegation must be one the
//! answering server may speak for (at or below a zone it serves), and a glue address is taken
//! only from a record the server may speak for, so a poisoned referral teaches nothing. An NS
//! name given without glue is remembered; its address is learnt when a server that may speak
//! for that name answers with it later.
//!
//! Memory is bounded: at most [`BailiwickConfig::max_entries`] (server, zone) pairs and as many
//! NS names waiting for an address; past that, the least recently confirmed half is evicted
//! (`bailiwick_evicted`, each), root hints excepted.

use hark_dns::{Response, RrType, Section, CLASS_IN};
use hashbrown::{Equivalent, HashMap};
use std::hash::{Hash, Hasher};

/// How captures get a bailiwick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BailiwickMode {
    /// None: rows have no bailiwick and every record is kept (client-side captures).
    #[default]
    None,
    /// Reconstructed from the referrals seen ([`ZoneTable`]).
    Reconstruct,
}

impl BailiwickMode {
    /// Parses `none` or `reconstruct`.
    pub fn parse(text: &str) -> Result<BailiwickMode, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(BailiwickMode::None),
            "reconstruct" => Ok(BailiwickMode::Reconstruct),
            other => Err(format!(
                "unknown bailiwick mode {other:?}: use none or reconstruct"
            )),
        }
    }
}

/// Limits of a [`ZoneTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BailiwickConfig {
    /// (server, zone) pairs kept, and NS names waiting for an address. Default 1,000,000.
    pub max_entries: usize,
}

impl Default for BailiwickConfig {
    fn default() -> Self {
        BailiwickConfig {
            max_entries: 1_000_000,
        }
    }
}

/// The root servers' addresses, IPv4 and IPv6, as IANA's `named.root` lists them (with
/// b.root-servers.net's addresses before its 2023 renumbering too).
pub const ROOT_HINTS: &[&str] = &[
    "198.41.0.4",
    "2001:503:ba3e::2:30",
    "170.247.170.2",
    "2801:1b8:10::b",
    "199.9.14.201",
    "2001:500:200::b",
    "192.33.4.12",
    "2001:500:2::c",
    "199.7.91.13",
    "2001:500:2d::d",
    "192.203.230.10",
    "2001:500:a8::e",
    "192.5.5.241",
    "2001:500:2f::f",
    "192.112.36.4",
    "2001:500:12::d0d",
    "198.97.190.53",
    "2001:500:1::53",
    "192.36.148.17",
    "2001:7fe::53",
    "192.58.128.30",
    "2001:503:c27::2:30",
    "193.0.14.129",
    "2001:7fd::1",
    "199.7.83.42",
    "2001:500:9f::42",
    "202.12.27.33",
    "2001:dc3::35",
];

/// The root zone's wire name.
const ROOT: &[u8] = &[0];

/// An address as the extractor gives it: IPv4 in the first 4 bytes, the rest zero.
pub fn address_bytes(address: std::net::IpAddr) -> [u8; 16] {
    match address {
        std::net::IpAddr::V4(v4) => {
            let mut out = [0u8; 16];
            for (slot, byte) in out.iter_mut().zip(v4.octets()) {
                *slot = byte;
            }
            out
        }
        std::net::IpAddr::V6(v6) => v6.octets(),
    }
}

/// A (server, zone) key borrowed, to probe the table without allocating.
struct Probe<'a>(&'a [u8; 16], &'a [u8]);

impl Hash for Probe<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same as the tuple ([u8; 16], Box<[u8]>): each part as a slice.
        self.0.hash(state);
        self.1.hash(state);
    }
}

impl Equivalent<([u8; 16], Box<[u8]>)> for Probe<'_> {
    fn equivalent(&self, key: &([u8; 16], Box<[u8]>)) -> bool {
        *self.0 == key.0 && *self.1 == *key.1
    }
}

/// The zones an NS name was named for, and the capture second it was last named.
type Waiting = (Vec<Box<[u8]>>, i64);

/// Which servers serve which zones, learnt from referrals.
#[derive(Debug)]
pub struct ZoneTable {
    config: BailiwickConfig,
    /// (server address, zone wire name) → capture second it was last confirmed (`i64::MAX`
    /// for root hints, never evicted).
    served: HashMap<([u8; 16], Box<[u8]>), i64>,
    /// NS name given without glue → the zones it serves, and when.
    waiting: HashMap<Box<[u8]>, Waiting>,
    evicted: u64,
}

/// The offsets of `name`'s suffixes, longest first (the name itself, then its parents, up to
/// and including the root).
fn suffixes(name: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = Some(0usize);
    std::iter::from_fn(move || {
        let here = at?;
        at = match name.get(here) {
            Some(&0) | None => None,
            Some(&len) => Some(here + 1 + usize::from(len)).filter(|&next| next < name.len()),
        };
        name.get(here..)
            .filter(|rest| !rest.is_empty())
            .map(|_| here)
    })
}

impl ZoneTable {
    /// A table holding the root hints.
    pub fn new(config: BailiwickConfig) -> Self {
        let mut table = ZoneTable {
            config: BailiwickConfig {
                max_entries: config.max_entries.max(16),
            },
            served: HashMap::new(),
            waiting: HashMap::new(),
            evicted: 0,
        };
        for hint in ROOT_HINTS {
            if let Ok(address) = hint.parse() {
                table
                    .served
                    .insert((address_bytes(address), ROOT.into()), i64::MAX);
            }
        }
        table
    }

    /// Adds a server for a zone (a resolver's stub or forward zone, a test's own roots).
    pub fn add_server(&mut self, server: [u8; 16], zone: &[u8], now: i64) {
        self.insert(server, zone, now);
    }

    /// (server, zone) pairs known, root hints included.
    pub fn len(&self) -> usize {
        self.served.len()
    }

    /// True when nothing is known (never: the root hints are always there).
    pub fn is_empty(&self) -> bool {
        self.served.is_empty()
    }

    /// Entries evicted to keep the table within its bound, so far.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// The offset in `owner` (a canonical wire name) of the closest enclosing zone that
    /// `server` is known to serve, if any.
    pub fn closest(&self, server: &[u8; 16], owner: &[u8]) -> Option<usize> {
        suffixes(owner).find(|&at| {
            owner
                .get(at..)
                .is_some_and(|zone| self.served.contains_key(&Probe(server, zone)))
        })
    }

    /// Learns from a response sent by `server` at capture second `now`: delegations with
    /// their glue, and addresses of NS names learnt before without glue.
    pub fn learn(&mut self, server: &[u8; 16], response: &Response<'_>, now: i64) {
        if response.truncated {
            return;
        }
        let mut delegations: Vec<(&[u8], &[u8])> = Vec::new();
        for record in response.records() {
            if record.section == Section::Authority
                && record.rrtype == RrType::NS
                && record.class == CLASS_IN
                && self.closest(server, record.owner).is_some()
            {
                delegations.push((record.owner, record.rdata));
            }
        }
        let mut learnt: Vec<([u8; 16], Box<[u8]>)> = Vec::new();
        for record in response.records() {
            if record.class != CLASS_IN || record.section == Section::Authority {
                continue;
            }
            let Some(address) = address_of(record.rrtype, record.rdata) else {
                continue;
            };
            if self.closest(server, record.owner).is_none() {
                continue;
            }
            if record.section == Section::Additional {
                for (zone, _) in delegations.iter().filter(|(_, ns)| *ns == record.owner) {
                    learnt.push((address, (*zone).into()));
                }
            }
            if let Some((zones, _)) = self.waiting.get(record.owner) {
                learnt.extend(zones.iter().map(|zone| (address, zone.clone())));
            }
        }
        for (address, zone) in learnt {
            self.insert(address, &zone, now);
        }
        for (zone, ns) in delegations {
            if self.waiting.len() >= self.config.max_entries && !self.waiting.contains_key(ns) {
                self.evict_waiting();
            }
            let (zones, seen) = self
                .waiting
                .entry(ns.into())
                .or_insert_with(|| (Vec::new(), now));
            *seen = now;
            if !zones.iter().any(|known| **known == *zone) && zones.len() < 16 {
                zones.push(zone.into());
            }
        }
    }

    fn insert(&mut self, server: [u8; 16], zone: &[u8], now: i64) {
        if let Some(seen) = self.served.get_mut(&Probe(&server, zone)) {
            *seen = (*seen).max(now);
            return;
        }
        if self.served.len() >= self.config.max_entries {
            self.evict_served();
        }
        self.served.insert((server, zone.into()), now);
    }

    /// Drops the least recently confirmed half of the learnt (server, zone) pairs.
    fn evict_served(&mut self) {
        let mut times: Vec<i64> = self
            .served
            .values()
            .copied()
            .filter(|&t| t != i64::MAX)
            .collect();
        if times.is_empty() {
            return;
        }
        let middle = times.len() / 2;
        let cutoff = *times.select_nth_unstable(middle).1;
        let before = self.served.len();
        self.served.retain(|_, seen| *seen > cutoff);
        self.evicted += (before - self.served.len()) as u64;
    }

    /// Drops the least recently named half of the NS names waiting for an address.
    fn evict_waiting(&mut self) {
        let mut times: Vec<i64> = self.waiting.values().map(|(_, t)| *t).collect();
        if times.is_empty() {
            return;
        }
        let middle = times.len() / 2;
        let cutoff = *times.select_nth_unstable(middle).1;
        let before = self.waiting.len();
        self.waiting.retain(|_, (_, seen)| *seen > cutoff);
        self.evicted += (before - self.waiting.len()) as u64;
    }
}

/// The address an A or AAAA record holds.
fn address_of(rrtype: RrType, rdata: &[u8]) -> Option<[u8; 16]> {
    if rrtype == RrType::A {
        let v4: [u8; 4] = rdata.try_into().ok()?;
        Some(address_bytes(std::net::Ipv4Addr::from(v4).into()))
    } else if rrtype == RrType::AAAA {
        let v6: [u8; 16] = rdata.try_into().ok()?;
        Some(v6)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{a, name_rr, response, wire};
    use hark_dns::ResponseParser;

    fn ip(text: &str) -> [u8; 16] {
        address_bytes(text.parse().expect("address"))
    }

    #[test]
    fn suffixes_run_to_the_root() {
        let name = wire("www.example.com");
        let got: Vec<usize> = suffixes(&name).collect();
        assert_eq!(got, vec![0, 4, 12, 16]);
        assert_eq!(suffixes(&[0]).collect::<Vec<_>>(), vec![0]);
        assert_eq!(suffixes(&[]).count(), 0);
        // a length running past the end stops there
        assert_eq!(suffixes(&[5, b'a']).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn roots_serve_the_root_and_referrals_teach_glue() {
        let mut table = ZoneTable::new(BailiwickConfig::default());
        let root = ip("198.41.0.4");
        let owner = wire("www.example.com");
        assert_eq!(table.closest(&root, &owner), Some(16));
        assert_eq!(table.closest(&ip("192.0.2.1"), &owner), None);
        let referral = response(
            "www.example.com",
            1,
            0,
            &[
                name_rr(Section::Authority, "com", 2, "a.gtld-servers.net"),
                a(Section::Additional, "a.gtld-servers.net", [192, 5, 6, 30]),
                // glue for a name no NS record named: learns nothing
                a(Section::Additional, "evil.example", [6, 6, 6, 6]),
            ],
        );
        let mut parser = ResponseParser::new();
        let parsed = parser.parse(&referral).expect("parses");
        table.learn(&root, &parsed, 10);
        assert_eq!(table.closest(&ip("192.5.6.30"), &owner), Some(12));
        assert_eq!(table.closest(&ip("6.6.6.6"), &owner), None);
    }

    #[test]
    fn a_poisoned_referral_teaches_nothing() {
        let mut table = ZoneTable::new(BailiwickConfig::default());
        let tld = ip("192.5.6.30");
        table.add_server(tld, &wire("com"), 0);
        // a .com server delegating a .net zone, with glue
        let poisoned = response(
            "www.example.com",
            1,
            0,
            &[
                name_rr(Section::Authority, "bank.net", 2, "ns.bank.net"),
                a(Section::Additional, "ns.bank.net", [6, 6, 6, 6]),
            ],
        );
        let mut parser = ResponseParser::new();
        let parsed = parser.parse(&poisoned).expect("parses");
        table.learn(&tld, &parsed, 1);
        assert_eq!(table.closest(&ip("6.6.6.6"), &wire("www.bank.net")), None);
    }

    #[test]
    fn ns_without_glue_learns_its_address_later() {
        let mut table = ZoneTable::new(BailiwickConfig::default());
        let tld = ip("192.5.6.30");
        table.add_server(tld, &wire("com"), 0);
        table.add_server(tld, &wire("net"), 0);
        let referral = response(
            "example.com",
            1,
            0,
            &[name_rr(Section::Authority, "example.com", 2, "ns1.dns.net")],
        );
        let mut parser = ResponseParser::new();
        table.learn(&tld, &parser.parse(&referral).expect("parses"), 1);
        let answer = response(
            "ns1.dns.net",
            1,
            0,
            &[a(Section::Answer, "ns1.dns.net", [203, 0, 113, 9])],
        );
        table.learn(&tld, &parser.parse(&answer).expect("parses"), 2);
        let owner = wire("www.example.com");
        assert_eq!(table.closest(&ip("203.0.113.9"), &owner), Some(4));
    }

    #[test]
    fn the_table_stays_bounded() {
        let mut table = ZoneTable::new(BailiwickConfig { max_entries: 64 });
        for i in 0..1000u32 {
            let mut server = [0u8; 16];
            server[..4].copy_from_slice(&i.to_be_bytes());
            table.add_server(server, &wire("example.com"), i64::from(i));
        }
        assert!(table.len() <= 64);
        assert!(table.evicted() > 900);
        // the roots stay
        assert_eq!(
            table.closest(&ip("198.41.0.4"), &wire("x.example")),
            Some(10)
        );
        assert_eq!(
            BailiwickMode::parse("Reconstruct"),
            Ok(BailiwickMode::Reconstruct)
        );
        assert!(BailiwickMode::parse("zone").is_err());
    }
}
