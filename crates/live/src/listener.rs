//! Listening for dnstap emitters on a unix socket, TCP or TLS, one task per connection.

use crate::queue::{frame_queue, QueueLimits};
use crate::session::{self, SessionContext};
use crate::source::DnstapStream;
use crate::stats::ListenerStats;
use hark_ingest::dnstap::{DnstapOptions, QueryTap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where a listener listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix stream socket at this path (resolvers on the same machine).
    Unix(PathBuf),
    /// A TCP address.
    Tcp(SocketAddr),
    /// A TCP address speaking TLS (resolvers on other machines).
    Tls(SocketAddr),
}

impl std::str::FromStr for Endpoint {
    type Err = String;

    /// `unix:/run/hark/dnstap.sock`, `tcp:127.0.0.1:6000`, `tls:[::]:6853`.
    fn from_str(text: &str) -> Result<Endpoint, String> {
        let address = |rest: &str| {
            rest.parse::<SocketAddr>().map_err(|_| {
                format!(
                    "{rest:?} is not an address and port (such as 127.0.0.1:6000 or [::1]:6000)"
                )
            })
        };
        match text.split_once(':') {
            Some(("unix", path)) if !path.is_empty() => Ok(Endpoint::Unix(PathBuf::from(path))),
            Some(("tcp", rest)) => address(rest).map(Endpoint::Tcp),
            Some(("tls", rest)) => address(rest).map(Endpoint::Tls),
            _ => Err(format!(
                "{text:?}: an endpoint is unix:PATH, tcp:ADDRESS:PORT or tls:ADDRESS:PORT"
            )),
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
            Endpoint::Tcp(address) => write!(f, "tcp:{address}"),
            Endpoint::Tls(address) => write!(f, "tls:{address}"),
        }
    }
}

/// The certificate a TLS listener shows, and whom it lets in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub certificate: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// PEM CA certificates: when set, emitters must present a certificate it signed
    /// (mutual TLS), which is how a listener open to the network keeps strangers out.
    pub client_ca: Option<PathBuf>,
}

/// Everything a listener needs.
#[derive(Clone, Debug)]
pub struct ListenerConfig {
    /// A name for logs and metrics.
    pub name: String,
    /// Where to listen.
    pub endpoint: Endpoint,
    /// For [`Endpoint::Tls`].
    pub tls: Option<TlsFiles>,
    /// Permissions of a unix socket (emitters need write access).
    pub socket_mode: u32,
    /// Which messages and sections make rows, and the frame limit.
    pub options: DnstapOptions,
    /// Room between connections and the store.
    pub queue: QueueLimits,
    /// Time a new connection has to finish its handshake.
    pub handshake_timeout: Duration,
    /// Connections at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Log emitters as `0.0.0.0` rather than by their addresses (privacy).
    pub hide_peer_addresses: bool,
    /// Where the queries the emitters log go (watch rules); none: they are only counted.
    pub query_tap: Option<QueryTap>,
}

impl ListenerConfig {
    /// A listener at `endpoint` with the defaults.
    pub fn new(name: &str, endpoint: Endpoint) -> ListenerConfig {
        ListenerConfig {
            name: name.to_string(),
            endpoint,
            tls: None,
            socket_mode: 0o660,
            options: DnstapOptions::default(),
            queue: QueueLimits::default(),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 1024,
            hide_peer_addresses: false,
            query_tap: None,
        }
    }
}

/// Why a listener cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Binding the socket failed.
    #[error("cannot listen on {endpoint}: {source}")]
    Bind {
        /// Where.
        endpoint: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A unix socket path holds something that is not a socket.
    #[error("{} exists and is not a socket; remove it or choose another path", path.display())]
    NotASocket {
        /// The path.
        path: PathBuf,
    },
    /// The TLS files are missing or wrong.
    #[error("TLS for {endpoint}: {detail}")]
    Tls {
        /// Where.
        endpoint: String,
        /// What is wrong.
        detail: String,
    },
}

/// A running listener: its counters, its address, and how to stop it.
pub struct Listener {
    name: String,
    local: String,
    stats: Arc<ListenerStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    unix_path: Option<PathBuf>,
}

impl Listener {
    /// Binds `config.endpoint` and starts accepting on the current tokio runtime. The returned
    /// stream is the source to run through the pipeline; it ends after [`Listener::stop`].
    pub async fn start(config: ListenerConfig) -> Result<(Listener, DnstapStream), ListenError> {
        let endpoint_text = config.endpoint.to_string();
        let bind_error = |source| ListenError::Bind {
            endpoint: endpoint_text.clone(),
            source,
        };
        let stats = Arc::new(ListenerStats::default());
        let (sender, receiver) = frame_queue(config.queue);
        let context = Arc::new(SessionContext {
            sender,
            stats: stats.clone(),
            max_frame: config.options.max_frame,
            handshake_timeout: config.handshake_timeout,
        });
        let (stop, stopped) = watch::channel(false);
        let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
        let (local, task, unix_path) = match &config.endpoint {
            Endpoint::Unix(path) => {
                remove_stale_socket(path)?;
                let listener = tokio::net::UnixListener::bind(path).map_err(bind_error)?;
                set_mode(path, config.socket_mode).map_err(bind_error)?;
                let task = tokio::spawn(accept_loop(
                    listener,
                    context,
                    stopped,
                    slots,
                    session::serve,
                ));
                (endpoint_text.clone(), task, Some(path.clone()))
            }
            Endpoint::Tcp(address) | Endpoint::Tls(address) => {
                let (scheme, tls) = match &config.endpoint {
                    Endpoint::Tls(_) => {
                        let files = config.tls.as_ref().ok_or_else(|| ListenError::Tls {
                            endpoint: endpoint_text.clone(),
                            detail: "no certificate and key given".into(),
                        })?;
                        let acceptor =
                            crate::tls::acceptor(files).map_err(|detail| ListenError::Tls {
                                endpoint: endpoint_text.clone(),
                                detail,
                            })?;
                        ("tls", Some(acceptor))
                    }
                    _ => ("tcp", None),
                };
                let listener = tokio::net::TcpListener::bind(address)
                    .await
                    .map_err(bind_error)?;
                let local = listener.local_addr().map_err(bind_error)?;
                let listener = TcpAccept {
                    listener,
                    hide_peers: config.hide_peer_addresses,
                };
                let task = tokio::spawn(accept_loop(
                    listener,
                    context,
                    stopped,
                    slots,
                    move |stream, peer, context, stopped| {
                        serve_tcp(stream, peer, tls.clone(), context, stopped)
                    },
                ));
                (format!("{scheme}:{local}"), task, None)
            }
        };
        tracing::info!(name = %config.name, endpoint = %local, "listening for dnstap");
        let mut stream = DnstapStream::new(
            format!("dnstap {} ({local})", config.name),
            receiver,
            config.options,
            stats.clone(),
        );
        stream.set_query_tap(config.query_tap.clone());
        Ok((
            Listener {
                name: config.name,
                local,
                stats,
                stop,
                task,
                unix_path,
            },
            stream,
        ))
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it listens, with the port the system chose for port 0.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// Its counters.
    pub fn stats(&self) -> &Arc<ListenerStats> {
        &self.stats
    }

    /// Stops accepting; every connection (those waiting to be accepted too) is read until its
    /// emitter pauses, so frames sent before the stop are kept, then closed. The stream ends
    /// once what they sent is decoded. Waits for the accepting task and the connections to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Some(path) = &self.unix_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes a socket left by a previous run at `path` (binding would fail on it); refuses to
/// remove anything that is not a socket.
fn remove_stale_socket(path: &Path) -> Result<(), ListenError> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            std::fs::remove_file(path).map_err(|source| ListenError::Bind {
                endpoint: format!("unix:{}", path.display()),
                source,
            })
        }
        Ok(_) => Err(ListenError::NotASocket {
            path: path.to_path_buf(),
        }),
        Err(_) => Ok(()),
    }
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// Tracks the connection tasks of one accept loop, so stopping waits for all of them.
type Connections = tokio::task::JoinSet<()>;

/// A listening socket that hands out emitters' connections, each with the name logs give
/// its peer.
trait Accept: Send + 'static {
    /// A connection.
    type Stream: Send + 'static;
    /// The next connection.
    fn next(
        &self,
    ) -> impl std::future::Future<Output = std::io::Result<(Self::Stream, String)>> + Send;
}

impl Accept for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;

    async fn next(&self) -> std::io::Result<(Self::Stream, String)> {
        let (stream, _) = self.accept().await?;
        Ok((stream, "unix peer".into()))
    }
}

/// A TCP listener, with its peers' addresses hidden in logs when privacy asks.
struct TcpAccept {
    listener: tokio::net::TcpListener,
    hide_peers: bool,
}

impl Accept for TcpAccept {
    type Stream = tokio::net::TcpStream;

    async fn next(&self) -> std::io::Result<(Self::Stream, String)> {
        let (stream, peer) = self.listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let peer = if self.hide_peers {
            SocketAddr::from(([0, 0, 0, 0], 0))
        } else {
            peer
        };
        Ok((stream, peer.to_string()))
    }
}

/// Accepts connections until stopped, each served by `serve` on a task of its own, at most
/// `slots` at once; then serves those already waiting, and waits for every connection to end.
async fn accept_loop<A, F, Fut>(
    listener: A,
    context: Arc<SessionContext>,
    mut stopped: watch::Receiver<bool>,
    slots: Arc<tokio::sync::Semaphore>,
    serve: F,
) where
    A: Accept,
    F: Fn(A::Stream, String, Arc<SessionContext>, watch::Receiver<bool>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut connections = Connections::new();
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        tokio::select! {
            accepted = listener.next() => match accepted {
                Ok((stream, peer)) => {
                    let served = serve(stream, peer, context.clone(), stopped.clone());
                    connections.spawn(async move {
                        served.await;
                        drop(slot);
                    });
                }
                Err(err) => accept_failed(&context, &err).await,
            },
            _ = stopped.changed() => {
                drop(slot);
                break;
            }
        }
        reap(&mut connections);
    }
    // Connections made before the stop and not yet accepted are served too (they drain what
    // their emitters sent, then close); a zero timeout takes only those already waiting.
    while let Ok(slot) = slots.clone().try_acquire_owned() {
        match tokio::time::timeout(Duration::ZERO, listener.next()).await {
            Ok(Ok((stream, peer))) => {
                let served = serve(stream, peer, context.clone(), stopped.clone());
                connections.spawn(async move {
                    served.await;
                    drop(slot);
                });
            }
            Ok(Err(_)) | Err(_) => break,
        }
    }
    drop(context);
    while connections.join_next().await.is_some() {}
}

async fn serve_tcp(
    stream: tokio::net::TcpStream,
    peer: String,
    tls: Option<tokio_rustls::TlsAcceptor>,
    context: Arc<SessionContext>,
    mut stopped: watch::Receiver<bool>,
) {
    let Some(acceptor) = tls else {
        return session::serve(stream, peer, context, stopped).await;
    };
    let handshake = tokio::time::timeout(context.handshake_timeout, acceptor.accept(stream));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => {
                context.stats.event("tls_handshake_failed");
                tracing::warn!(%peer, error = %err, "TLS handshake with a dnstap emitter failed");
                return;
            }
            Err(_) => {
                context.stats.event("tls_handshake_timeout");
                return;
            }
        },
        _ = stopped.changed() => return,
    };
    session::serve(stream, peer, context, stopped).await;
}

/// Drops finished connection tasks without waiting.
fn reap(connections: &mut Connections) {
    while connections.try_join_next().is_some() {}
}

/// An accept that failed (out of descriptors, say): counted, and a short pause so a
/// persistent failure does not spin.
async fn accept_failed(context: &SessionContext, err: &std::io::Error) {
    context.stats.event("accept_failed");
    tracing::warn!(error = %err, "accepting a dnstap connection failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
