//! A 2-shard ClickHouse cluster on loopback, started with `../shared/harness/clickhouse`.

use std::path::PathBuf;
use std::process::Command;

/// The cluster, stopped at drop. Its servers use fixed ports (HTTP 18120 and 18130), so it
/// holds a mutex (tests of this binary take turns) and a lock file (test binaries of several
/// checkouts on one machine take turns).
pub struct Cluster {
    scripts: PathBuf,
    pub dir: tempfile::TempDir,
    pub http: Vec<String>,
    _turn: std::sync::MutexGuard<'static, ()>,
    _machine_turn: std::fs::File,
}

static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(self.scripts.join("stop.sh"))
            .arg(self.dir.path())
            .status();
    }
}

impl Cluster {
    /// Starts two shards; None (with a note) outside CI when ClickHouse or the harness is
    /// missing.
    pub fn start() -> Option<Cluster> {
        let scripts =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/harness/clickhouse");
        let missing = if !scripts.join("start.sh").is_file() {
            Some("../shared/harness/clickhouse")
        } else if !std::path::Path::new("/usr/sbin/clickhouse-server").exists() {
            Some("clickhouse-server (scripts/setup-test-clients.sh installs it)")
        } else {
            None
        };
        if let Some(missing) = missing {
            assert!(std::env::var_os("CI").is_none(), "{missing} is needed");
            eprintln!("note: {missing} is missing; skipping");
            return None;
        }
        let turn = TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let machine_turn = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(std::env::temp_dir().join("hark-clickhouse.lock"))
            .expect("lock file");
        // File::lock is newer than the workspace's rust-version; tests build with the current
        // toolchain only.
        #[allow(clippy::incompatible_msrv)]
        machine_turn.lock().expect("lock");
        let dir = tempfile::tempdir().expect("tempdir");
        let output = Command::new("bash")
            .arg(scripts.join("start.sh"))
            .arg(dir.path())
            .args(["--shards", "2"])
            .output()
            .expect("start.sh runs");
        let mut cluster = Cluster {
            scripts,
            dir,
            http: Vec::new(),
            _turn: turn,
            _machine_turn: machine_turn,
        };
        assert!(
            output.status.success(),
            "start.sh failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        cluster.http = String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        assert_eq!(cluster.http.len(), 2);
        Some(cluster)
    }

    /// The store URL of database `db` on both shards, with extra options.
    pub fn url(&self, db: &str, options: &str) -> String {
        format!("clickhouse://{}/{db}{options}", self.http.join(","))
    }

    /// Stops shard `index` (0-based) with SIGKILL.
    pub fn kill_shard(&self, index: usize) {
        let pid = std::fs::read_to_string(self.dir.path().join(format!("shard{}/pid", index + 1)))
            .expect("pid file");
        let status = Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        std::thread::sleep(std::time::Duration::from_millis(500));
    }

    /// Runs a query with clickhouse-client's HTTP twin (curl-free: a plain TCP request).
    pub fn query(&self, shard: usize, sql: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.http[shard]).expect("connects");
        write!(
            stream,
            "POST / HTTP/1.0\r\nHost: x\r\nContent-Length: {}\r\n\r\n{sql}",
            sql.len()
        )
        .expect("sends");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{sql}: {answer}"
        );
        body.to_string()
    }
}
