//! A TCP proxy in front of one ClickHouse server that breaks chosen requests: it cuts a
//! request in the middle, or lets it through whole and drops the answer (the statement ran,
//! the client cannot know).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What to do with a request whose first bytes contain the needle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// Forward half of its first chunk, then close both sides.
    CutRequest,
    /// Forward it whole, then close the client side when the answer starts.
    DropAnswer,
}

/// The proxy; it runs until the process ends.
pub struct Proxy {
    pub address: String,
    rules: Arc<Mutex<Vec<(String, Break, u32)>>>,
    /// How many requests were broken.
    pub broken: Arc<Mutex<Vec<(String, Break)>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let address = listener.local_addr().expect("address").to_string();
        let rules: Arc<Mutex<Vec<(String, Break, u32)>>> = Arc::default();
        let broken: Arc<Mutex<Vec<(String, Break)>>> = Arc::default();
        let upstream = upstream.to_string();
        let (r, b) = (rules.clone(), broken.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (r, b) = (r.clone(), b.clone());
                std::thread::spawn(move || relay(client, server, r, b));
            }
        });
        Proxy {
            address,
            rules,
            broken,
        }
    }

    /// Breaks the next `times` requests containing `needle` with `how`.
    pub fn add(&self, needle: &str, how: Break, times: u32) {
        self.rules.lock().unwrap().push((needle.into(), how, times));
    }
}

fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    rules: Arc<Mutex<Vec<(String, Break, u32)>>>,
    broken: Arc<Mutex<Vec<(String, Break)>>>,
) {
    let drop_answer = Arc::new(AtomicBool::new(false));
    let (mut client_back, mut server_back) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    let flag = drop_answer.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match server_back.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if flag.swap(false, Ordering::SeqCst) {
                let _ = client_back.shutdown(Shutdown::Both);
                let _ = server_back.shutdown(Shutdown::Both);
                break;
            }
            if client_back.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 256 * 1024];
    // Bytes still to forward before cutting a request in the middle of its body.
    let mut cut_in: Option<usize> = None;
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        if let Some(left) = cut_in {
            if left < n {
                let _ = server.write_all(&chunk[..left]);
                let _ = server.shutdown(Shutdown::Both);
                let _ = client.shutdown(Shutdown::Both);
                return;
            }
            cut_in = Some(left - n);
        }
        let mut action = None;
        if chunk.starts_with(b"POST ") {
            let head = String::from_utf8_lossy(chunk);
            let mut rules = rules.lock().unwrap();
            if let Some(rule) = rules
                .iter_mut()
                .find(|(needle, _, times)| *times > 0 && head.contains(needle.as_str()))
            {
                rule.2 -= 1;
                action = Some((rule.0.clone(), rule.1));
            }
        }
        match action {
            Some((needle, Break::CutRequest)) => {
                // Cut in the middle of the body: the header and half of Content-Length.
                let head = String::from_utf8_lossy(chunk).to_ascii_lowercase();
                let header_len = head.find("\r\n\r\n").map_or(n, |i| i + 4);
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                broken.lock().unwrap().push((needle, Break::CutRequest));
                let at = header_len + length / 2;
                if at < n {
                    let _ = server.write_all(&chunk[..at]);
                    let _ = server.shutdown(Shutdown::Both);
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                cut_in = Some(at - n);
            }
            Some((needle, Break::DropAnswer)) => {
                drop_answer.store(true, Ordering::SeqCst);
                broken.lock().unwrap().push((needle, Break::DropAnswer));
            }
            None => {}
        }
        if server.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = server.shutdown(Shutdown::Both);
}
