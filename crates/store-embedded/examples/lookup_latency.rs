//! Lookup latency on an existing store: exact rrset lookups, `*.DOMAIN` subdomain lookups,
//! rdata lookups of one address and rdata-by-IP `/24` lookups, each timed one by one with every matching row collected (so the
//! figures include decoding), then summarised as median, p90, p99 and max.
//!
//! ```text
//! cargo run --release -p hark-store-embedded --example lookup_latency -- \
//!     STORE_DIR [--names 10000] [--subdomains 1000] [--ips 1000] [--seed 1]
//! ```
//!
//! Names and addresses are drawn uniformly, with replacement, from the store's own rows (a
//! full scan, which also warms the block cache: the figures are for a store whose tables are
//! in memory, as a query server's would be). The store is opened like any other, so no other
//! process may hold it: measure a copy when a server is using the original.

use hark_dns::{name, RrType};
use hark_store::{IpRange, NamePattern, RdataMatch, RdataQuery, Row, RrsetQuery, Store, TimeFence};
use hark_store_embedded::EmbeddedStore;
use std::error::Error;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Command-line settings.
struct Args {
    store: PathBuf,
    names: usize,
    subdomains: usize,
    ips: usize,
    seed: u64,
}

const USAGE: &str =
    "usage: lookup_latency STORE_DIR [--names N] [--subdomains N] [--ips N] [--seed N]";

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        store: PathBuf::new(),
        names: 10_000,
        subdomains: 1_000,
        ips: 1_000,
        seed: 1,
    };
    let mut store = None;
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut number = |flag: &str| -> Result<u64, Box<dyn Error>> {
            let text = given
                .next()
                .ok_or(format!("{flag} needs a number\n{USAGE}"))?;
            text.parse()
                .map_err(|_| format!("{flag} {text:?}: not a number\n{USAGE}").into())
        };
        match arg.as_str() {
            "--names" => args.names = usize::try_from(number("--names")?)?,
            "--subdomains" => args.subdomains = usize::try_from(number("--subdomains")?)?,
            "--ips" => args.ips = usize::try_from(number("--ips")?)?,
            "--seed" => args.seed = number("--seed")?,
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with('-') => {
                return Err(format!("unknown flag {flag}\n{USAGE}").into())
            }
            path if store.is_none() => store = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument {extra:?}\n{USAGE}").into()),
        }
    }
    args.store = store.ok_or(USAGE)?;
    Ok(args)
}

/// xorshift64*: enough randomness to pick samples, reproducible from a seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // The state must never be zero; mix the seed so that small seeds differ a lot.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform index below `len` (`len` > 0); the modulo bias is negligible for store sizes.
    fn below(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }
}

/// What the store holds, as far as picking samples goes.
struct Population {
    /// Distinct owner names (canonical wire), in store order.
    names: Vec<Vec<u8>>,
    /// A rdata (IPv4 addresses), one per A row.
    addresses: Vec<Ipv4Addr>,
    rows: u64,
}

fn collect_population(store: &dyn Store) -> Result<Population, Box<dyn Error>> {
    let mut population = Population {
        names: Vec::new(),
        addresses: Vec::new(),
        rows: 0,
    };
    store.scan(&mut |row| {
        population.rows += 1;
        let parts = row.key.parts();
        // The scan is in owner-name order, so one comparison removes the repeats.
        if population.names.last().map(Vec::as_slice) != Some(parts.rrname) {
            population.names.push(parts.rrname.to_vec());
        }
        if let (RrType::A, &[a, b, c, d]) = (parts.rrtype, parts.rdata) {
            population.addresses.push(Ipv4Addr::new(a, b, c, d));
        }
        ControlFlow::Continue(())
    })?;
    Ok(population)
}

/// The last two labels of `wire` as a name ("registrable-looking"), if it has two labels.
fn last_two_labels(wire: &[u8]) -> Option<Vec<u8>> {
    let labels: Vec<&[u8]> = name::labels(wire).collect();
    let tail = labels.get(labels.len().checked_sub(2)?..)?;
    let mut out = Vec::new();
    for label in tail {
        out.push(u8::try_from(label.len()).ok()?);
        out.extend_from_slice(label);
    }
    out.push(0);
    Some(out)
}

/// Latencies of one kind of lookup, and how many rows they returned.
struct Timings {
    what: &'static str,
    latencies: Vec<Duration>,
    rows: u64,
}

impl Timings {
    fn new(what: &'static str) -> Timings {
        Timings {
            what,
            latencies: Vec::new(),
            rows: 0,
        }
    }

    /// Runs `lookup` once, timing it; `lookup` pushes every row it gets into the given vector.
    fn time(
        &mut self,
        rows: &mut Vec<Row>,
        lookup: impl FnOnce(&mut Vec<Row>) -> Result<(), hark_store::StoreError>,
    ) -> Result<(), hark_store::StoreError> {
        rows.clear();
        let start = Instant::now();
        lookup(rows)?;
        self.latencies.push(start.elapsed());
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// The nearest-rank percentile `p` (0..=100) of sorted latencies, in microseconds.
    fn percentile(sorted: &[Duration], p: f64) -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        let index = rank.clamp(1, sorted.len()) - 1;
        sorted
            .get(index)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
    }

    fn print(&mut self) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let s = &self.latencies;
        println!(
            "{:<22} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10.1}",
            self.what,
            n,
            Timings::percentile(s, 50.0),
            Timings::percentile(s, 90.0),
            Timings::percentile(s, 99.0),
            Timings::percentile(s, 100.0),
            s.iter().sum::<Duration>().as_secs_f64() * 1e6 / n.max(1) as f64,
            self.rows as f64 / n.max(1) as f64,
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let opened = Instant::now();
    let store = EmbeddedStore::open(&args.store)
        .map_err(|err| format!("{}: {err}", args.store.display()))?;
    let population = collect_population(&store)?;
    let domains: std::collections::HashSet<Vec<u8>> = population
        .names
        .iter()
        .filter_map(|w| last_two_labels(w))
        .collect();
    println!(
        "store {}: {} rows, {} distinct owner names under {} two-label domains, {} A rows \
         (open + scan {:.2} s)",
        args.store.display(),
        population.rows,
        population.names.len(),
        domains.len(),
        population.addresses.len(),
        opened.elapsed().as_secs_f64()
    );
    if population.names.is_empty() {
        return Err("the store holds no rows".into());
    }
    let mut random = XorShift::new(args.seed);
    let mut rows = Vec::new();

    let mut exact = Timings::new("rrset exact name");
    for _ in 0..args.names {
        let pick = random.below(population.names.len());
        let wire = population.names.get(pick).cloned().unwrap_or_default();
        let query = RrsetQuery {
            name: NamePattern::Exact(wire),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        exact.time(&mut rows, |rows| {
            store.rrset(&query, &mut |row| {
                rows.push(row);
                ControlFlow::Continue(())
            })
        })?;
    }

    let mut subdomains = Timings::new("rrset *.DOMAIN");
    let mut drawn = 0;
    // Names of one label (a TLD apex) have no "last two labels"; draw again, within reason.
    for _ in 0..args.subdomains.saturating_mul(20) {
        if drawn == args.subdomains {
            break;
        }
        let pick = random.below(population.names.len());
        let Some(base) = population.names.get(pick).and_then(|w| last_two_labels(w)) else {
            continue;
        };
        drawn += 1;
        let query = RrsetQuery {
            name: NamePattern::Subdomains(base),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        subdomains.time(&mut rows, |rows| {
            store.rrset(&query, &mut |row| {
                rows.push(row);
                ControlFlow::Continue(())
            })
        })?;
    }

    let mut addresses = Timings::new("rdata A one address");
    let mut networks = Timings::new("rdata A in /24");
    if !population.addresses.is_empty() {
        for _ in 0..args.ips {
            let pick = random.below(population.addresses.len());
            let address = population
                .addresses
                .get(pick)
                .copied()
                .unwrap_or(Ipv4Addr::UNSPECIFIED);
            let query = RdataQuery {
                rdata: RdataMatch::Ip(IpRange {
                    low: IpAddr::V4(address),
                    high: IpAddr::V4(address),
                }),
                rrtype: Some(RrType::A),
                fence: TimeFence::default(),
            };
            addresses.time(&mut rows, |rows| {
                store.rdata(&query, &mut |row| {
                    rows.push(row);
                    ControlFlow::Continue(())
                })
            })?;
        }
        for _ in 0..args.ips {
            let pick = random.below(population.addresses.len());
            let [a, b, c, _] = population
                .addresses
                .get(pick)
                .copied()
                .unwrap_or(Ipv4Addr::UNSPECIFIED)
                .octets();
            let query = RdataQuery {
                rdata: RdataMatch::Ip(IpRange {
                    low: IpAddr::V4(Ipv4Addr::new(a, b, c, 0)),
                    high: IpAddr::V4(Ipv4Addr::new(a, b, c, 255)),
                }),
                rrtype: None,
                fence: TimeFence::default(),
            };
            networks.time(&mut rows, |rows| {
                store.rdata(&query, &mut |row| {
                    rows.push(row);
                    ControlFlow::Continue(())
                })
            })?;
        }
    }

    println!(
        "{:<22} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "lookup (µs)", "count", "median", "p90", "p99", "max", "mean", "rows/query"
    );
    for timings in [&mut exact, &mut subdomains, &mut addresses, &mut networks] {
        timings.print();
    }
    Ok(())
}
