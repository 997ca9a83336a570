//! hark-watch: the defender's side of passive DNS — rules that raise alerts as observations
//! arrive.
//!
//! - [`rules`]: the rule file (TOML, checked, errors with line numbers) compiled into a
//!   [`RuleSet`]: canary, intel, new-name, record-change, new-domain, lookalike, posture,
//!   takeover-risk, zone-transfer;
//! - [`engine`]: the [`Watcher`], which applies the rules to every new row of the store's
//!   change feed and to the queries dnstap logs (with the client that asked);
//! - [`alerts`]: [`Alert`]s with their evidence and state (new → acknowledged → resolved),
//!   folded per (rule, subject) within a window, in a durable log ([`AlertLog`]);
//! - [`sinks`]: NDJSON, webhook (HMAC-signed), Slack, Teams, syslog (RFC 5424 + CEF) and
//!   exec hooks, each delivering from the log as a durable outbox;
//! - [`export`]: alerts as a MISP event or a STIX 2.1 bundle;
//! - [`matchers`], [`lists`], [`lookalike`]: name and network sets for 100,000+ indicators,
//!   Zeek intel, Suricata datasets and plain lists, typosquat families;
//! - [`canarytoken`]: the data Canarytokens-style tokens carry in their labels.
//!
//! It is not: a storage engine (it sees the [`hark_store::Store`] trait and the change feed),
//! nor an HTTP face (the server lists and acknowledges alerts through [`AlertLog`]).
//!
//! ```
//! let rules = hark_watch::RuleSet::parse(
//!     "[[rule]]\nid = \"decoy\"\nkind = \"canary\"\nnames = [\"vpn-admin.corp.example\"]\n",
//!     std::path::Path::new("."),
//! )?;
//! assert_eq!(rules.rules.len(), 1);
//! let err = hark_watch::RuleSet::parse("[[rule]]\nid = \"x\"\nkind = \"canary\"\nnames = [\"a b\"]\n", std::path::Path::new("."))
//!     .unwrap_err();
//! assert!(err.to_string().starts_with("line 4:"));
//! # Ok::<(), hark_watch::rules::RuleError>(())
//! ```
#![deny(missing_docs)]

pub mod alerts;
pub mod canarytoken;
pub mod engine;
pub mod export;
pub mod lists;
pub mod lookalike;
pub mod matchers;
pub mod rules;
pub mod sinks;

pub use alerts::{Alert, AlertLog, Evidence, State};
pub use engine::Watcher;
pub use rules::{RuleSet, Severity};
pub use sinks::Sinks;

/// The watch directory of a store directory: where the alert log, the sinks' offsets and the
/// warm-up state live.
pub fn watch_dir(store_dir: &std::path::Path) -> std::path::PathBuf {
    store_dir.join("watch")
}
