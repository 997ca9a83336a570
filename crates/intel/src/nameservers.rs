//! Name-server correlation: a domain's name servers, provider servers (shared by many
//! unrelated domains) told apart from the organisation's own, and the domain portfolio
//! behind its own servers: domains whose NS sets match or overlap.

use crate::knowledge::knowledge;
use crate::{names, rdata_rows, rrset_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, RdataMatch, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A name server that this many zones or more delegate to is a provider's.
pub const PROVIDER_ZONES: usize = 50;

/// A domain's name servers and the domains that share them.
#[derive(Clone, Debug, Serialize)]
pub struct NameServers {
    /// The domain.
    pub domain: String,
    /// Each name server the domain was delegated to.
    pub servers: Vec<NameServer>,
    /// Other zones delegated to any of the domain's own (non-provider) servers, best
    /// overlap first.
    pub related: Vec<RelatedZone>,
}

/// One name server of the domain.
#[derive(Clone, Debug, Serialize)]
pub struct NameServer {
    /// The server's name.
    pub host: String,
    /// When the delegation was seen.
    #[serde(flatten)]
    pub seen: Seen,
    /// How many zones were seen delegated to it.
    pub zones: usize,
    /// The DNS provider, when the knowledge tables know its name.
    pub provider: Option<String>,
    /// `provider` (a known provider, or [`PROVIDER_ZONES`] zones or more) or `own`.
    pub role: String,
}

/// A zone sharing some of the domain's own name servers.
#[derive(Clone, Debug, Serialize)]
pub struct RelatedZone {
    /// The zone.
    pub zone: String,
    /// Its registrable domain.
    pub domain: String,
    /// The domain's own servers it shares.
    pub shared: Vec<String>,
    /// Shared servers over all servers of the two (Jaccard), 0–1.
    pub overlap: f64,
    /// True when both have exactly the same servers.
    pub same_set: bool,
}

/// The NS hosts of one zone, from its NS rows.
fn ns_hosts(store: &dyn Store, zone: &[u8]) -> Result<BTreeMap<String, Seen>, IntelError> {
    let what = names::text(zone);
    let mut hosts: BTreeMap<String, Seen> = BTreeMap::new();
    for row in rrset_rows(
        store,
        NamePattern::Exact(zone.to_vec()),
        Some(RrType::NS),
        &what,
    )? {
        let seen = Seen::of(&row.tally);
        hosts
            .entry(crate::rdata_text(&row))
            .and_modify(|s| s.widen(seen))
            .or_insert(seen);
    }
    Ok(hosts)
}

/// Correlates `domain`'s name servers.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<NameServers, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let hosts = ns_hosts(store, &wire)?;
    let own_set: BTreeSet<String> = hosts.keys().cloned().collect();
    let mut servers = Vec::new();
    // zone -> the domain's own servers it shares
    let mut sharing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (host, seen) in &hosts {
        let host_wire = names::parse(host)?;
        let rows = rdata_rows(
            store,
            RdataMatch::Name(NamePattern::Exact(host_wire)),
            Some(RrType::NS),
            host,
        )?;
        let zones: BTreeSet<String> = rows
            .iter()
            .map(|r| names::text(r.key.parts().rrname))
            .collect();
        let provider = knowledge()
            .hosting_provider(host)
            .map(|h| h.provider.clone());
        let is_provider = provider.is_some() || zones.len() >= PROVIDER_ZONES;
        if !is_provider {
            for zone in zones.iter().filter(|z| **z != domain_text) {
                sharing
                    .entry(zone.clone())
                    .or_default()
                    .insert(host.clone());
            }
        }
        servers.push(NameServer {
            host: host.clone(),
            seen: *seen,
            zones: zones.len(),
            provider,
            role: if is_provider { "provider" } else { "own" }.into(),
        });
    }
    let mut related = Vec::new();
    for (zone, shared) in sharing {
        let zone_wire = names::parse(&zone)?;
        let theirs: BTreeSet<String> = ns_hosts(store, &zone_wire)?.into_keys().collect();
        let union = own_set.union(&theirs).count().max(1);
        let common = own_set.intersection(&theirs).count();
        related.push(RelatedZone {
            domain: names::registrable_or_self(&zone),
            zone,
            shared: shared.into_iter().collect(),
            overlap: common as f64 / union as f64,
            same_set: theirs == own_set,
        });
    }
    related.sort_by(|a, b| b.overlap.total_cmp(&a.overlap).then(a.zone.cmp(&b.zone)));
    Ok(NameServers {
        domain: domain_text,
        servers,
        related,
    })
}
