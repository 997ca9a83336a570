//! Benchmark of lookups on a store as it stands: exact rrset lookups of owner names and rdata
//! lookups of addresses, drawn at random from the store itself, timed one by one.
//!
//! Usage: `lookup_latency DB [--lookups N]` (default 20,000 of each kind). Prints one line per
//! kind: `rrset p50 ... p99 ... max ...` (microseconds), for scripts to collect.

use hark_dns::RrType;
use hark_store::{IpRange, NamePattern, RdataMatch, RdataQuery, RrsetQuery, Store, TimeFence};
use hark_store_embedded::EmbeddedStore;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// A xorshift step: reproducible draws without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Owner names and IPv4 addresses drawn uniformly from the rows (reservoir sampling).
fn sample(store: &dyn Store, wanted: usize) -> (Vec<Vec<u8>>, Vec<Ipv4Addr>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let (mut names, mut addresses) = (Vec::new(), Vec::new());
    let (mut seen_names, mut seen_addresses) = (0u64, 0u64);
    store
        .scan(&mut |row| {
            let parts = row.key.parts();
            seen_names += 1;
            if names.len() < wanted {
                names.push(parts.rrname.to_vec());
            } else if let Some(slot) = names.get_mut((next(&mut state) % seen_names) as usize) {
                *slot = parts.rrname.to_vec();
            }
            if let (RrType::A, Ok(octets)) = (parts.rrtype, <[u8; 4]>::try_from(parts.rdata)) {
                seen_addresses += 1;
                let address = Ipv4Addr::from(octets);
                if addresses.len() < wanted {
                    addresses.push(address);
                } else if let Some(slot) =
                    addresses.get_mut((next(&mut state) % seen_addresses) as usize)
                {
                    *slot = address;
                }
            }
            ControlFlow::Continue(())
        })
        .expect("scan");
    (names, addresses)
}

/// Times `lookups` runs of `lookup` on random items; returns the sorted latencies.
fn time<T>(items: &[T], lookups: usize, lookup: impl Fn(&T) -> usize) -> Vec<Duration> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut latencies = Vec::with_capacity(lookups);
    let mut rows = 0usize;
    for _ in 0..lookups {
        let item = &items[(next(&mut state) % items.len() as u64) as usize];
        let started = Instant::now();
        rows += lookup(item);
        latencies.push(started.elapsed());
    }
    assert!(rows >= lookups, "every drawn item has at least one row");
    latencies.sort();
    latencies
}

fn report(kind: &str, latencies: &[Duration]) {
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "{kind} p50 {:.0} us p99 {:.0} us max {:.0} us ({} lookups)",
        at(0.5),
        at(0.99),
        at(1.0),
        latencies.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(db) = args.get(1) else {
        eprintln!("usage: lookup_latency DB [--lookups N]");
        std::process::exit(2);
    };
    let lookups: usize = match args.get(2).map(String::as_str) {
        Some("--lookups") => args.get(3).and_then(|n| n.parse().ok()).unwrap_or(20_000),
        _ => 20_000,
    };
    let store = EmbeddedStore::open(std::path::Path::new(db)).expect("store opens");
    let (names, addresses) = sample(&store, 10_000);
    assert!(
        !names.is_empty() && !addresses.is_empty(),
        "the store has rows"
    );
    let count = |visit: &mut dyn FnMut(&mut dyn FnMut(hark_store::Row) -> ControlFlow<()>)| {
        let mut rows = 0usize;
        visit(&mut |_| {
            rows += 1;
            ControlFlow::Continue(())
        });
        rows
    };
    let rrset = time(&names, lookups, |name| {
        let query = RrsetQuery {
            name: NamePattern::Exact(name.clone()),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        count(&mut |visit| store.rrset(&query, visit).expect("lookup"))
    });
    report("rrset", &rrset);
    let rdata = time(&addresses, lookups, |address| {
        let query = RdataQuery {
            rdata: RdataMatch::Ip(IpRange {
                low: IpAddr::V4(*address),
                high: IpAddr::V4(*address),
            }),
            rrtype: Some(RrType::A),
            fence: TimeFence::default(),
        };
        count(&mut |visit| store.rdata(&query, visit).expect("lookup"))
    });
    report("rdata", &rdata);
}
