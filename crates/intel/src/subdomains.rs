//! Subdomain enumeration: every name at or below a domain that the store has seen, with
//! first and last seen, the types seen, what it pointed to, and whether it is live, stale
//! or gone (answered NXDOMAIN after it was last seen). Names come from DNS answers, from
//! NXDOMAIN answers, and from certificates: the names the store keeps from CT imports, and
//! those of a CT export given at analysis time ([`CertNames`]).

use crate::certs::{CertNames, CertSeen};
use crate::{domain_rows, names, negative_rows, newest, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A name not seen for this long before the newest observation under the domain is stale.
pub const STALE_AFTER_SECS: i64 = 30 * 86_400;

/// The names under a domain.
#[derive(Clone, Debug, Serialize)]
pub struct Subdomains {
    /// The domain.
    pub domain: String,
    /// The newest observation under the domain: what "live" is judged against.
    pub as_of: i64,
    /// Every name, in name order.
    pub names: Vec<Subdomain>,
}

/// One name.
#[derive(Clone, Debug, Serialize)]
pub struct Subdomain {
    /// The name.
    pub name: String,
    /// When its records were seen (zero count for a name known only from NXDOMAIN answers).
    #[serde(flatten)]
    pub seen: Seen,
    /// The record types seen at it.
    pub types: Vec<String>,
    /// Its A, AAAA and CNAME rdata.
    pub points_to: Vec<String>,
    /// `live`, `stale` (not seen for 30 days before `as_of`), `gone` (NXDOMAIN since), or
    /// `certificate only` (named by a certificate, never seen in DNS).
    pub status: String,
    /// When it was gone: the first NXDOMAIN answer for it, or (when NXDOMAIN answers came
    /// before its records too) the time its records were last seen; only when an NXDOMAIN
    /// answer came after its last record.
    pub nxdomain_since: Option<i64>,
    /// Where the name was found: `dns`, `nxdomain`, `certificate`.
    pub sources: Vec<String>,
    /// What the certificates say of it, when a CT export was given.
    pub certificate: Option<CertSeen>,
}

/// Enumerates the names at or below `domain`, from the store.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<Subdomains, IntelError> {
    analyse_with(store, domain, None)
}

/// Enumerates the names at or below `domain`, adding the certificate names the store holds
/// and those `certs` covered.
pub fn analyse_with(
    store: &dyn Store,
    domain: &str,
    certs: Option<&CertNames>,
) -> Result<Subdomains, IntelError> {
    let wire = names::parse(domain)?;
    let rows = domain_rows(store, &wire, None)?;
    let mut negatives = negative_rows(store, NamePattern::Exact(wire.clone()))?;
    negatives.extend(negative_rows(store, NamePattern::Subdomains(wire.clone()))?);
    let as_of = newest(&rows, &negatives);
    struct Acc {
        seen: Option<Seen>,
        types: BTreeSet<String>,
        points_to: BTreeSet<String>,
        nxdomain: Option<Seen>,
        certificate: Option<CertSeen>,
    }
    let mut by_name: BTreeMap<String, Acc> = BTreeMap::new();
    let blank = || Acc {
        seen: None,
        types: BTreeSet::new(),
        points_to: BTreeSet::new(),
        nxdomain: None,
        certificate: None,
    };
    for row in &rows {
        let parts = row.key.parts();
        let acc = by_name
            .entry(names::text(parts.rrname))
            .or_insert_with(blank);
        let seen = Seen::of(&row.tally);
        match &mut acc.seen {
            Some(s) => s.widen(seen),
            None => acc.seen = Some(seen),
        }
        acc.types.insert(parts.rrtype.to_string());
        if matches!(parts.rrtype, RrType::A | RrType::AAAA | RrType::CNAME) {
            acc.points_to.insert(crate::rdata_text(row));
        }
    }
    for negative in &negatives {
        if negative.key.rcode != hark_record::rcode::NXDOMAIN {
            continue;
        }
        let acc = by_name
            .entry(names::text(&negative.key.qname))
            .or_insert_with(blank);
        let seen = Seen::of(&negative.tally);
        match &mut acc.nxdomain {
            Some(s) => s.widen(seen),
            None => acc.nxdomain = Some(seen),
        }
    }
    let domain_text = names::text(&wire);
    let mut known_certs = CertNames::from_store(store, &wire)?;
    if let Some(given) = certs {
        known_certs.merge(given);
    }
    for (name, cert) in known_certs.under(&domain_text) {
        by_name
            .entry(name.clone())
            .or_insert_with(blank)
            .certificate = Some(cert.clone());
    }
    let names = by_name
        .into_iter()
        .map(|(name, acc)| {
            let last_records = acc.seen.map(|s| s.last);
            let nxdomain_since = match (acc.nxdomain, last_records) {
                (Some(nx), Some(last)) if nx.last > last => Some(nx.first.max(last)),
                (Some(nx), None) => Some(nx.first),
                _ => None,
            };
            let status = match (nxdomain_since, last_records) {
                (Some(_), _) => "gone",
                (None, Some(last)) if last < as_of.saturating_sub(STALE_AFTER_SECS) => "stale",
                (None, Some(_)) => "live",
                (None, None) => "certificate only",
            };
            let sources = [
                ("dns", acc.seen.is_some()),
                ("nxdomain", acc.nxdomain.is_some()),
                ("certificate", acc.certificate.is_some()),
            ]
            .iter()
            .filter(|(_, present)| *present)
            .map(|(source, _)| source.to_string())
            .collect();
            Subdomain {
                name,
                seen: acc
                    .seen
                    .or(acc.nxdomain.map(|nx| Seen { count: 0, ..nx }))
                    .unwrap_or(Seen {
                        first: acc.certificate.as_ref().map_or(0, |c| c.first),
                        last: acc.certificate.as_ref().map_or(0, |c| c.last),
                        count: 0,
                    }),
                types: acc.types.into_iter().collect(),
                points_to: acc.points_to.into_iter().collect(),
                status: status.into(),
                nxdomain_since,
                sources,
                certificate: acc.certificate,
            }
        })
        .collect();
    Ok(Subdomains {
        domain: domain_text,
        as_of,
        names,
    })
}
