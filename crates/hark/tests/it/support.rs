//! Running hark, finding the shared material, reading exports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shared material beside the repository, or `None` (with a note) when absent outside CI.
/// Under CI its absence is a failure, never a skip.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.join("fixtures").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("../shared/fixtures is missing; CI must run with the shared material beside the repository");
    }
    eprintln!("note: ../shared is missing, skipping a test that needs it");
    None
}

/// True when every one of `tools` is on the PATH.
pub fn tools_present(tools: &[&str]) -> bool {
    tools.iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// A store in a temporary directory, removed at drop; or, with a URL, a ClickHouse store
/// (the directory then holds only the test's files).
pub struct TempStore {
    pub dir: tempfile::TempDir,
    pub url: Option<String>,
}

impl TempStore {
    pub fn new() -> TempStore {
        TempStore {
            dir: tempfile::tempdir().expect("tempdir"),
            url: None,
        }
    }

    /// A ClickHouse store at `url`.
    pub fn clickhouse(url: String) -> TempStore {
        TempStore {
            url: Some(url),
            ..TempStore::new()
        }
    }

    /// The flags that name this store to hark.
    pub fn store_args(&self) -> Vec<std::ffi::OsString> {
        match &self.url {
            Some(url) => vec!["--store".into(), url.into()],
            None => vec!["--db".into(), self.path().into()],
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    /// Runs hark on this store and returns its output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(self.store_args())
            .args(args)
            .env_remove("HARK_DB")
            .env_remove("HARK_STORE")
            .output()
            .expect("hark runs")
    }

    /// Runs hark and insists it succeeds; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hark {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// `hark export` parsed: (rrname, rrtype, rdata) → (count, first, last).
    pub fn export(&self) -> BTreeMap<(String, String, String), (u64, i64, i64)> {
        let mut rows = BTreeMap::new();
        for line in self.ok(&["export"]).lines() {
            let obj: serde_json::Value = serde_json::from_str(line).expect("export is JSON");
            let text = |k: &str| {
                obj[k]
                    .as_str()
                    .unwrap_or_else(|| panic!("{k} in {line}"))
                    .to_string()
            };
            let int = |k: &str| obj[k].as_i64().unwrap_or_else(|| panic!("{k} in {line}"));
            let key = (text("rrname"), text("rrtype"), text("rdata"));
            let value = (int("count") as u64, int("time_first"), int("time_last"));
            assert!(
                rows.insert(key, value).is_none(),
                "duplicate row in export: {line}"
            );
        }
        rows
    }
}

/// Normalises rdata text where presentation formats legitimately differ between tools:
/// base64 blobs split by spaces, and hex/base32hex case (see fixtures/README.md).
pub fn normalise_rdata(rrtype: &str, rdata: &str) -> String {
    let fields: Vec<&str> = rdata.split_whitespace().collect();
    let join_after = |n: usize, upper: bool| {
        if fields.len() <= n {
            return fields.join(" ");
        }
        let blob: String = fields[n..].concat();
        let blob = if upper { blob.to_uppercase() } else { blob };
        format!("{} {blob}", fields[..n].join(" "))
    };
    match rrtype {
        "DNSKEY" | "CDNSKEY" => join_after(3, false),
        "RRSIG" => join_after(8, false),
        "DS" | "CDS" | "SSHFP" | "TLSA" => join_after(3, true),
        "NSEC3" | "NSEC3PARAM" => rdata.to_uppercase(),
        _ => rdata.to_string(),
    }
}

/// Prints the differences between two row maps in a readable form and fails if any.
pub fn assert_same_rows<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    expected: &BTreeMap<K, V>,
    actual: &BTreeMap<K, V>,
) {
    let mut problems = Vec::new();
    for (k, v) in expected {
        match actual.get(k) {
            None => problems.push(format!("missing  {k:?} {v:?}")),
            Some(a) if a != v => problems.push(format!("differs  {k:?} expected {v:?} got {a:?}")),
            _ => {}
        }
    }
    for (k, v) in actual {
        if !expected.contains_key(k) {
            problems.push(format!("extra    {k:?} {v:?}"));
        }
    }
    if !problems.is_empty() {
        let shown: Vec<&String> = problems.iter().take(30).collect();
        panic!(
            "{what}: {} differences (expected {} rows, got {}):\n{}",
            problems.len(),
            expected.len(),
            actual.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Runs the shared generator; returns the stdout `key=value` figures.
pub fn generate(
    shared: &Path,
    out: &Path,
    truth: Option<&Path>,
    args: &[&str],
) -> BTreeMap<String, String> {
    let mut cmd = Command::new("python3");
    cmd.arg(shared.join("bench/gen_pcap.py"))
        .arg("--out")
        .arg(out)
        .args(args);
    if let Some(truth) = truth {
        cmd.arg("--truth").arg(truth);
    }
    let output = cmd.output().expect("python3 runs the generator");
    assert!(
        output.status.success(),
        "gen_pcap.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
