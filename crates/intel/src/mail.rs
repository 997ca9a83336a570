//! MX analysis: the mail provider behind each exchange, and how it changed over time.

use crate::knowledge::knowledge;
use crate::timeline::{self, Change, Period};
use crate::{names, rrset_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, Store};
use serde::Serialize;

/// A domain's mail exchanges and providers.
#[derive(Clone, Debug, Serialize)]
pub struct Mail {
    /// The domain.
    pub domain: String,
    /// Each MX seen, oldest first.
    pub exchanges: Vec<Exchange>,
    /// Periods of constant provider sets.
    pub periods: Vec<Period>,
    /// When every provider was replaced.
    pub changes: Vec<Change>,
}

/// One MX record.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    /// The exchange host.
    pub host: String,
    /// The MX preference.
    pub preference: u16,
    /// The provider: from the knowledge tables, `self-hosted` when the exchange is under the
    /// domain's own registrable domain, else `unknown (REGISTRABLE)`.
    pub provider: String,
    /// `hosted`, `filtering`, `self-hosted` or `unknown`.
    pub kind: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// The provider of an exchange host for a domain.
pub fn provider_of(host: &str, domain: &str) -> (String, String) {
    if let Some(known) = knowledge().mail_provider(host) {
        return (known.provider.clone(), known.kind.clone());
    }
    let own = names::registrable_or_self(domain);
    let theirs = names::registrable_or_self(host);
    if own == theirs {
        ("self-hosted".into(), "self-hosted".into())
    } else {
        (format!("unknown ({theirs})"), "unknown".into())
    }
}

/// Analyses `domain`'s MX records.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<Mail, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let rows = rrset_rows(
        store,
        NamePattern::Exact(wire),
        Some(RrType::MX),
        &domain_text,
    )?;
    let mut exchanges: Vec<Exchange> = Vec::new();
    for row in &rows {
        let rdata = row.key.parts().rdata;
        let (Some(pref), Some(exchange)) = (rdata.get(..2), rdata.get(2..)) else {
            continue;
        };
        let preference = u16::from_be_bytes([pref[0], pref[1]]);
        let host = names::text(exchange);
        let seen = Seen::of(&row.tally);
        if let Some(same) = exchanges
            .iter_mut()
            .find(|e| e.host == host && e.preference == preference)
        {
            same.seen.widen(seen);
            continue;
        }
        let (provider, kind) = provider_of(&host, &domain_text);
        exchanges.push(Exchange {
            host,
            preference,
            provider,
            kind,
            seen,
        });
    }
    exchanges.sort_by(|a, b| {
        (a.seen.first, a.preference, &a.host).cmp(&(b.seen.first, b.preference, &b.host))
    });
    let intervals: Vec<(String, i64, i64)> = exchanges
        .iter()
        .map(|e| (e.provider.clone(), e.seen.first, e.seen.last))
        .collect();
    let periods = timeline::periods(&intervals);
    let changes = timeline::changes(&periods);
    Ok(Mail {
        domain: domain_text,
        exchanges,
        periods,
        changes,
    })
}
