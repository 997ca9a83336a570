//! The generator's world (`shared/bench/gen_pcap.py`): a capture ingested through the real
//! pipeline, and the analyses' answers compared with answers computed here from the
//! generator's own truth file, for samples of domains and addresses.

use hark_ingest::capture_source::CaptureSource;
use hark_ingest::pipeline::{run, PipelineOptions};
use hark_intel::{mail, pivot, subdomains, txt};
use hark_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One tuple of the truth file, in the sections hark keeps by default (answer, authority).
struct Truth {
    rrname: String,
    rrtype: String,
    rdata: String,
    count: u64,
}

struct World {
    store: hark_store_embedded::EmbeddedStore,
    truth: Vec<Truth>,
    _dir: tempfile::TempDir,
}

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("bench/gen_pcap.py").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/bench/gen_pcap.py is missing"
    );
    eprintln!("note: ../shared/bench/gen_pcap.py not found; skipping");
    None
}

fn world() -> Option<World> {
    let shared = shared()?;
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("world.pcap");
    let truth_file = dir.path().join("world.tsv");
    let status = Command::new("python3")
        .arg(shared.join("bench/gen_pcap.py"))
        .args(["--responses", "20000", "--seed", "5", "--out"])
        .arg(&pcap)
        .arg("--truth")
        .arg(&truth_file)
        .output()
        .expect("python3 runs the generator");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let store = hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let mut source = CaptureSource::open(&pcap, Default::default(), Default::default()).unwrap();
    run(
        &mut source,
        &hark_store::Writer::new(&store),
        &PipelineOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let truth = std::fs::read_to_string(&truth_file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let sections: u8 = f[6].parse().unwrap();
            (sections & 3 != 0).then(|| Truth {
                rrname: f[0].to_string(),
                rrtype: f[1].to_string(),
                rdata: f[2].to_string(),
                count: f[5].parse().unwrap(),
            })
        })
        .collect();
    Some(World {
        store,
        truth,
        _dir: dir,
    })
}

/// Every `step`-th key of a sorted map: a deterministic sample.
fn sample<K: Clone, V>(map: &BTreeMap<K, V>, want: usize) -> Vec<K> {
    let step = (map.len() / want).max(1);
    map.keys().step_by(step).take(want).cloned().collect()
}

/// The last two labels: the generator's domains are all one label under a TLD.
fn apex(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    labels[labels.len().saturating_sub(2)..].join(".") + "."
}

#[test]
fn analyses_agree_with_the_generator_truth() {
    let Some(world) = world() else { return };
    let store: &dyn Store = &world.store;

    // Subdomains: every name at or below a domain.
    let mut names_by_domain: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in world
        .truth
        .iter()
        .filter(|t| !t.rrname.ends_with(".arpa.") && t.rrname != ".")
    {
        names_by_domain
            .entry(apex(&t.rrname))
            .or_default()
            .insert(t.rrname.clone());
    }
    names_by_domain
        .retain(|domain, _| domain.matches('.').count() == 2 && !domain.starts_with('_'));
    let domains = sample(&names_by_domain, 40);
    assert!(domains.len() >= 20);
    for domain in &domains {
        let got: BTreeSet<String> = subdomains::analyse(store, domain)
            .unwrap()
            .names
            .into_iter()
            .filter(|n| n.seen.count > 0)
            .map(|n| n.name)
            .collect();
        assert_eq!(&got, &names_by_domain[domain], "names under {domain}");
    }

    // Mail: the exchanges of every domain with MX rows in the sample.
    let mut mx: BTreeMap<String, BTreeSet<(u16, String)>> = BTreeMap::new();
    for t in world.truth.iter().filter(|t| t.rrtype == "MX") {
        let (pref, host) = t.rdata.split_once(' ').unwrap();
        mx.entry(t.rrname.clone())
            .or_default()
            .insert((pref.parse().unwrap(), host.to_string()));
    }
    let mx_domains = sample(&mx, 30);
    assert!(mx_domains.len() >= 10);
    for domain in &mx_domains {
        let got: BTreeSet<(u16, String)> = mail::analyse(store, domain)
            .unwrap()
            .exchanges
            .into_iter()
            .map(|e| (e.preference, e.host))
            .collect();
        assert_eq!(&got, &mx[domain], "MX of {domain}");
    }

    // Pivot: every name on an address, with counts.
    let mut on_address: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for t in world
        .truth
        .iter()
        .filter(|t| t.rrtype == "A" || t.rrtype == "AAAA")
    {
        *on_address
            .entry(t.rdata.clone())
            .or_default()
            .entry(t.rrname.clone())
            .or_default() += t.count;
    }
    let addresses = sample(&on_address, 50);
    for address in &addresses {
        let p = pivot::analyse(store, address).unwrap();
        assert_eq!(p.addresses.len(), 1, "{address}");
        let got: BTreeMap<String, u64> = p.addresses[0]
            .names
            .iter()
            .map(|n| (n.rrname.clone(), n.seen.count))
            .collect();
        assert_eq!(&got, &on_address[address], "names on {address}");
    }

    // DMARC: each domain's policies, as the truth's records state them.
    let mut dmarc: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in world
        .truth
        .iter()
        .filter(|t| t.rrtype == "TXT" && t.rrname.starts_with("_dmarc."))
    {
        let policy = t
            .rdata
            .trim_matches('"')
            .split(';')
            .find_map(|tag| tag.trim().strip_prefix("p="))
            .unwrap()
            .to_string();
        dmarc
            .entry(t.rrname["_dmarc.".len()..].to_string())
            .or_default()
            .insert(policy);
    }
    let dmarc_domains = sample(&dmarc, 30);
    assert!(dmarc_domains.len() >= 10);
    for domain in &dmarc_domains {
        let got: BTreeSet<String> = txt::analyse(store, domain)
            .unwrap()
            .dmarc
            .into_iter()
            .filter_map(|d| d.policy)
            .collect();
        assert_eq!(&got, &dmarc[domain], "DMARC of {domain}");
    }
}
