//! Name-server correlation: a domain's name servers, provider servers (shared by many
//! unrelated domains) told apart from the organisation's own, and the domain portfolio
//! behind its own servers: domains whose NS sets match or overlap.

use crate::knowledge::knowledge;
use crate::{names, rrset_rows, IntelError, Seen};
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
    /// How many zones were seen delegated to it (counted up to [`COUNTED_ZONES`]).
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

/// The NS hosts of one zone, from its NS rows: presentation name → (wire name, seen).
fn ns_hosts(
    store: &dyn Store,
    zone: &[u8],
) -> Result<BTreeMap<String, (Vec<u8>, Seen)>, IntelError> {
    let what = names::text(zone);
    let mut hosts: BTreeMap<String, (Vec<u8>, Seen)> = BTreeMap::new();
    for row in rrset_rows(
        store,
        NamePattern::Exact(zone.to_vec()),
        Some(RrType::NS),
        &what,
    )? {
        let seen = Seen::of(&row.tally);
        let wire = row.key.parts().rdata.to_vec();
        hosts
            .entry(names::text(&wire))
            .and_modify(|(_, s)| s.widen(seen))
            .or_insert((wire, seen));
    }
    Ok(hosts)
}

/// Zones counted on one name server before counting stops (it is a provider's by then).
pub const COUNTED_ZONES: usize = 10_000;

/// The zones delegated to `host` (wire), up to [`COUNTED_ZONES`]: name → wire name.
fn zones_on(store: &dyn Store, host: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, IntelError> {
    let query = hark_store::RdataQuery {
        rdata: RdataMatch::Name(NamePattern::Exact(host.to_vec())),
        rrtype: Some(RrType::NS),
        fence: hark_store::TimeFence::default(),
    };
    let mut zones = BTreeMap::new();
    let mut late = false;
    let mut clock = 0u32;
    store.rdata(&query, &mut |row| {
        if crate::out_of_time(&mut clock) {
            late = true;
            return std::ops::ControlFlow::Break(());
        }
        let owner = row.key.parts().rrname;
        zones
            .entry(names::text(owner))
            .or_insert_with(|| owner.to_vec());
        if zones.len() >= COUNTED_ZONES {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    })?;
    if late {
        return Err(IntelError::TimedOut);
    }
    Ok(zones)
}

/// Correlates `domain`'s name servers.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<NameServers, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let hosts = ns_hosts(store, &wire)?;
    let own_set: BTreeSet<String> = hosts.keys().cloned().collect();
    let mut servers = Vec::new();
    // zone -> (its wire name, the domain's own servers it shares)
    let mut sharing: BTreeMap<String, (Vec<u8>, BTreeSet<String>)> = BTreeMap::new();
    for (host, (host_wire, seen)) in &hosts {
        let provider = knowledge()
            .hosting_provider(host)
            .map(|h| h.provider.clone());
        let zones = zones_on(store, host_wire)?;
        let is_provider = provider.is_some() || zones.len() >= PROVIDER_ZONES;
        if !is_provider {
            for (zone, zone_wire) in zones.iter().filter(|(z, _)| **z != domain_text) {
                sharing
                    .entry(zone.clone())
                    .or_insert_with(|| (zone_wire.clone(), BTreeSet::new()))
                    .1
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
    for (zone, (zone_wire, shared)) in sharing {
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
