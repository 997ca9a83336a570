//! `hark serve`: the DNSDB API v2, CIRCL pDNS, hark's own JSON API, the web UI and `/metrics` over the store.

use crate::cli::ServeArgs;
use anyhow::{bail, Context};
use hark_server::auth::Keys;
use hark_server::{params::Limits, AppState, Config};
use hark_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Checks the flags, then serves until SIGINT or SIGTERM; the alerts of watch rules come from
/// the log in `store_dir`, what the rules watch from `--rules`.
pub fn run(
    store: Arc<dyn Store>,
    store_dir: &std::path::Path,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    let config = server_config(args)?;
    let mut state = AppState::new(store, config);
    state.alerts = Some(Arc::new(
        hark_watch::AlertLog::open(&hark_watch::watch_dir(store_dir)).context("the alert log")?,
    ));
    if let Some(path) = &args.rules {
        let rules = Arc::new(crate::commands::watch::load_rules(path).context("--rules")?);
        state.rules = Some(Arc::new(move || rules.clone()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = bind(args.listen).await?;
        hark_server::serve(listener, state, shutdown_signal())
            .await
            .context("server failed")
    })
}

/// Binds the API's address and says where each face is.
pub async fn bind(address: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr().context("listening address")?;
    eprintln!(
        "hark: serving on http://{local}: DNSDB API v2 at /dnsdb/v2, CIRCL pDNS at /pdns/query, \
         hark's API at /api/v1 (described at /api/openapi.json), the web UI at /ui/, metrics at /metrics"
    );
    Ok(listener)
}

/// The server's configuration from the flags (or the `[api]` section of `hark run`'s file),
/// checked.
pub fn server_config(args: &ServeArgs) -> anyhow::Result<Config> {
    let keys = match (&args.keys, args.no_auth) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the keys file {}", path.display()))?;
            let keys =
                Keys::parse(&text).with_context(|| format!("bad keys file {}", path.display()))?;
            if keys.is_empty() {
                bail!("the keys file {} holds no keys", path.display());
            }
            Some(keys)
        }
        (None, true) if args.listen.ip().is_loopback() => None,
        (None, true) => bail!(
            "--no-auth is allowed only on a loopback address, not {}: give --keys FILE",
            args.listen
        ),
        (None, false) => bail!(
            "no keys: give --keys FILE (lines of NAME:KEY), or --no-auth on a loopback address"
        ),
    };
    if !(1..=MAX_TIMEOUT_SECS).contains(&args.query_timeout)
        || !(1..=MAX_TIMEOUT_SECS).contains(&args.header_timeout)
    {
        bail!(
            "--query-timeout and --header-timeout must be between 1 and {MAX_TIMEOUT_SECS} seconds"
        );
    }
    if !(1..=MAX_QUERIES).contains(&args.max_queries) {
        bail!("--max-queries must be between 1 and {MAX_QUERIES}");
    }
    let max_connections = connection_budget(args.max_connections);
    let config = Config {
        keys,
        origin: args.origin.clone(),
        query_timeout: Duration::from_secs(args.query_timeout),
        limits: Limits {
            results_max: args.results_max.max(1),
            offset_max: args.offset_max,
        },
        max_queries: args.max_queries.max(1),
        max_connections,
        header_timeout: Duration::from_secs(args.header_timeout),
    };
    Ok(config)
}

/// Longest time limit accepted (a day): larger values overflow timers.
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// Most concurrent queries accepted.
const MAX_QUERIES: usize = 100_000;

/// File descriptors kept back from connections: the store's tables, the journal, logs.
const RESERVED_FILES: u64 = 512;

/// Raises the open-file limit to its hard limit and returns how many connections fit in it
/// (at most `wanted`), so that a crowd of clients cannot exhaust the descriptors the store needs.
fn connection_budget(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let fits = usize::try_from(limit.saturating_sub(RESERVED_FILES).max(16)).unwrap_or(usize::MAX);
    if fits < wanted {
        eprintln!(
            "hark: the open-file limit ({limit}) allows {fits} connections, not --max-connections {wanted}; \
             raise it (ulimit -n, LimitNOFILE=) for more"
        );
    }
    wanted.min(fits).max(1)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("hark: shutting down");
}
