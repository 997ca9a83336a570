//! A TLS listener for an axum server: the sensors' intake, when sensors come over networks
//! the operator does not trust and no TLS-terminating proxy stands in front.
//!
//! Handshakes run on their own tasks, each bounded in time, so a peer that connects and says
//! nothing (or a slow one) never holds up the others; a failed handshake is logged and
//! forgotten. The server only ever sees finished TLS streams.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a peer may take to finish its handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

/// Handshakes finished and waiting for the server to take them.
const WAITING: usize = 64;

/// TCP connections turned into TLS streams, for [`axum::serve()`].
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Starts accepting on `listener` (on the current runtime) with `acceptor`; `what` names
    /// the listener in logs.
    pub fn new(listener: TcpListener, acceptor: TlsAcceptor, what: &'static str) -> TlsListener {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (ready_tx, ready) = tokio::sync::mpsc::channel(WAITING);
        let accepting = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of descriptors and the like: pause rather than spin.
                        tracing::warn!(listener = what, error = %err, "cannot accept");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let ready_tx = ready_tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = ready_tx.send((stream, peer)).await;
                        }
                        Ok(Err(err)) => {
                            tracing::warn!(listener = what, %peer, error = %err, "TLS handshake failed");
                        }
                        Err(_) => {
                            tracing::warn!(listener = what, %peer, "TLS handshake took too long");
                        }
                    }
                });
            }
        });
        TlsListener {
            ready,
            local,
            accepting,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // The accepting task is gone only when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
