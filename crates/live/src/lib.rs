//! hark-live: inputs that arrive on sockets while hark runs — dnstap from resolvers.
//!
//! - [`Listener`] listens on a unix socket, TCP or TLS ([`Endpoint`]) and serves every
//!   emitter's connection on its own task: the Frame Streams handshake (READY → ACCEPT →
//!   START … STOP → FINISH, or a unidirectional START …), then data frames. A connection that
//!   sends garbage is closed and counted; the others go on.
//! - The frames of all connections meet in one queue bounded by bytes ([`queue`]): a burst
//!   waits, a store that cannot keep up makes frames drop and be counted, memory never grows.
//! - [`DnstapStream`] is the [`hark_ingest::source::Source`] the pipeline reads: it decodes
//!   the frames with the same step as dnstap files ([`hark_ingest::dnstap::DnstapDecoder`]),
//!   so rows, bailiwicks and skips are the same whether a resolver's dnstap arrives as a file
//!   or on a socket.
//! - [`ListenerStats`]: what each listener counted, readable while it runs.
//!
//! It is not: a store or a pipeline (the caller runs the stream through
//! `hark_ingest::pipeline::run` into a store's writer), nor a parser of DNS.
//!
//! ```no_run
//! use hark_live::{Endpoint, Listener, ListenerConfig};
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let endpoint: Endpoint = "unix:/run/hark/dnstap.sock".parse()?;
//! let (listener, stream) = Listener::start(ListenerConfig::new("unbound", endpoint)).await?;
//! // ... run `stream` through the pipeline on a thread of its own ...
//! listener.stop().await; // the stream then ends
//! # drop(stream);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

#[doc(hidden)]
pub mod fuzzing;
mod listener;
pub mod queue;
mod session;
mod source;
mod stats;
mod tls;

pub use listener::{Endpoint, ListenError, Listener, ListenerConfig, TlsFiles};
pub use session::ABSURD_FRAME;
pub use source::DnstapStream;
pub use stats::ListenerStats;
pub use tls::acceptor as tls_acceptor;
