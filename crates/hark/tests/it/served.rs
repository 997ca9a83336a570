//! `hark serve` as a separate process on a free loopback port, killed at drop.

use crate::support::TempStore;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `hark serve` over a store.
pub struct Served {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _store: TempStore,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `hark serve` over `store` with `keys` as its keys file and `flags` added, and
    /// waits until it listens.
    pub fn launch(store: TempStore, keys: &str, flags: &[&str]) -> Served {
        let keys_file = store.dir.path().join("keys");
        std::fs::write(&keys_file, keys).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_hark"))
            .args(store.store_args())
            .args(["serve", "--listen", &addr.to_string(), "--keys"])
            .arg(&keys_file)
            .args(flags)
            .env_remove("HARK_DB")
            .env_remove("HARK_STORE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served {
            child,
            addr,
            _store: store,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "hark serve did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }

    /// The base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// True while the server process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// Sends one HTTP/1.1 GET and reads the whole response (blocking, with a time limit).
pub fn http_get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, text)
}
