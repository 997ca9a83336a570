//! Recon latency on an existing store: `hark recon` (every analysis of a domain) for the most
//! popular registrable domains, each timed alone, then the reverse pivot on the most
//! populated IPv4 /16.
//!
//! ```text
//! cargo run --release -p hark-intel --example recon_latency -- STORE_DIR [--domains 100] [--runs 3]
//! ```
//!
//! "Popular" is the sum of the counts of every row at or below the domain, from one full
//! scan (which also warms the block cache, as a serving store's would be). The store is
//! opened like any other, so no other process may hold it.

use hark_intel::{names, pivot, recon};
use hark_store::Store;
use hark_store_embedded::EmbeddedStore;
use std::collections::HashMap;
use std::error::Error;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mut store_dir = None;
    let mut domains = 100usize;
    let mut runs = 3usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--domains" => domains = args.next().ok_or("--domains N")?.parse()?,
            "--runs" => runs = args.next().ok_or("--runs N")?.parse()?,
            other => store_dir = Some(other.to_string()),
        }
    }
    let store = EmbeddedStore::open(std::path::Path::new(
        &store_dir.ok_or("usage: recon_latency STORE_DIR [--domains N] [--runs N]")?,
    ))?;
    let mut popularity: HashMap<String, u64> = HashMap::new();
    let mut slash16: HashMap<[u8; 2], u64> = HashMap::new();
    store.scan(&mut |row| {
        let parts = row.key.parts();
        let owner = names::text(parts.rrname);
        if !owner.ends_with(".arpa.") {
            if let Some(domain) = names::registrable(&owner) {
                *popularity.entry(domain).or_default() += row.tally.count;
            }
        }
        if parts.rrtype == hark_dns::RrType::A && parts.rdata.len() == 4 {
            *slash16.entry([parts.rdata[0], parts.rdata[1]]).or_default() += 1;
        }
        ControlFlow::Continue(())
    })?;
    let mut ranked: Vec<(String, u64)> = popularity.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(domains);
    let mut times = Vec::new();
    let mut sections = 0usize;
    let mut slowest: Option<(Duration, String)> = None;
    for (domain, _) in &ranked {
        let started = Instant::now();
        let recon = recon::recon(&store, domain)?;
        let took = started.elapsed();
        times.push(took);
        sections += recon.subdomains.names.len();
        if slowest.as_ref().is_none_or(|(t, _)| took > *t) {
            slowest = Some((took, domain.clone()));
        }
    }
    times.sort();
    println!(
        "recon of the {} most popular domains ({} names in all): median {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ranked.len(),
        sections,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.9).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if let Some((_, domain)) = &slowest {
        // Where the slowest report's time goes, one analysis at a time.
        let mut parts: Vec<(&str, Duration)> = Vec::new();
        let mut time =
            |name: &'static str, run: &mut dyn FnMut() -> Result<(), hark_intel::IntelError>| {
                let started = Instant::now();
                run().map(|()| parts.push((name, started.elapsed())))
            };
        time("subdomains", &mut || {
            hark_intel::subdomains::analyse(&store, domain).map(drop)
        })?;
        time("history", &mut || {
            hark_intel::history::analyse(&store, domain, true).map(drop)
        })?;
        time("nameservers", &mut || {
            hark_intel::nameservers::analyse(&store, domain).map(drop)
        })?;
        time("mail", &mut || {
            hark_intel::mail::analyse(&store, domain).map(drop)
        })?;
        time("txt", &mut || {
            hark_intel::txt::analyse(&store, domain).map(drop)
        })?;
        time("takeover", &mut || {
            hark_intel::takeover::analyse(&store, domain).map(drop)
        })?;
        time("profile", &mut || {
            hark_intel::profile::analyse(&store, domain, None).map(drop)
        })?;
        time("changes", &mut || {
            hark_intel::changes::analyse(&store, domain, None, None).map(drop)
        })?;
        let text: Vec<String> = parts
            .iter()
            .map(|(name, took)| format!("{name} {:.1} ms", took.as_secs_f64() * 1e3))
            .collect();
        println!("slowest: {domain}: {}", text.join(", "));
    }
    let busiest = slash16
        .iter()
        .max_by_key(|(prefix, rows)| (**rows, std::cmp::Reverse(**prefix)))
        .map(|(prefix, _)| format!("{}.{}.0.0/16", prefix[0], prefix[1]))
        .ok_or("no A rows")?;
    let mut pivots = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let p = pivot::analyse(&store, &busiest)?;
        pivots.push(started.elapsed());
        last = Some(p);
    }
    pivots.sort();
    let p = last.ok_or("no run")?;
    println!(
        "pivot on {busiest} ({} rows, {} addresses, {} names, {} domains): median {:.0} ms of {} runs",
        p.rows,
        p.addresses.len(),
        p.names,
        p.domains,
        percentile(&pivots, 0.5).as_secs_f64() * 1e3,
        pivots.len()
    );
    Ok(())
}
