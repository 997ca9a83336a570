//! Technology profile: the hosting providers, CDNs, clouds, DNS, mail and SaaS a domain uses,
//! with when each was seen, and the networks (AS and organisation) behind its addresses.
//!
//! Evidence comes from the store only: CNAME targets and PTR names matched against the
//! hosting table, NS hosts (DNS providers), MX hosts (mail providers), SPF includes (senders)
//! and TXT or CNAME verification tokens (SaaS). AS numbers need an offline database
//! ([`AsnDb`]); with one, an address without a telling PTR name is named by the provider its
//! AS belongs to (the `asn_providers` table), and the `ip4:`/`ip6:` ranges of SPF records are
//! named by their AS too. Without one the profile says so and names addresses by their PTR
//! records.

use crate::asn::AsnDb;
use crate::knowledge::knowledge;
use crate::{domain_rows, mail, names, rrset_rows, txt, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// What a domain runs on.
#[derive(Clone, Debug, Serialize)]
pub struct Profile {
    /// The domain.
    pub domain: String,
    /// Where AS numbers came from, or why there are none.
    pub asn_source: String,
    /// Technologies in use, by category then provider.
    pub technologies: Vec<Technology>,
    /// The networks behind each address.
    pub networks: Vec<Network>,
}

/// A provider or service in use.
#[derive(Clone, Debug, Serialize)]
pub struct Technology {
    /// `cdn`, `cloud`, `hosting`, `paas`, `waf`, `dns`, `mail`, `email-sender` or `saas`.
    pub category: String,
    /// The provider or service.
    pub provider: String,
    /// The rows that show it (a few, as `name TYPE rdata`).
    pub evidence: Vec<String>,
    /// When it was seen in use.
    #[serde(flatten)]
    pub seen: Seen,
}

/// An address of the domain and the network it is in.
#[derive(Clone, Debug, Serialize)]
pub struct Network {
    /// The address.
    pub address: String,
    /// Its AS number, with a database.
    pub asn: Option<u32>,
    /// The AS organisation, with a database.
    pub organisation: Option<String>,
    /// Its PTR names in the store.
    pub ptr: Vec<String>,
    /// The hosting provider its PTR names point to, when known.
    pub provider: Option<String>,
    /// When the domain used it.
    #[serde(flatten)]
    pub seen: Seen,
}

/// Evidence rows kept per technology.
const EVIDENCE_ROWS: usize = 5;

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa.`, nibbles for IPv6).
pub fn reverse_name(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut out = String::new();
            for byte in v6.octets().iter().rev() {
                out.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            out + "ip6.arpa."
        }
    }
}

struct Collector(BTreeMap<(String, String), Technology>);

impl Collector {
    fn add(&mut self, category: &str, provider: &str, evidence: String, seen: Seen) {
        let entry = self
            .0
            .entry((category.to_string(), provider.to_string()))
            .or_insert_with(|| Technology {
                category: category.to_string(),
                provider: provider.to_string(),
                evidence: Vec::new(),
                seen: Seen { count: 0, ..seen },
            });
        entry.seen.widen(seen);
        if entry.evidence.len() < EVIDENCE_ROWS && !entry.evidence.contains(&evidence) {
            entry.evidence.push(evidence);
        }
    }
}

/// Profiles `domain`, with AS numbers from `asn` when given.
pub fn analyse(
    store: &dyn Store,
    domain: &str,
    asn: Option<&AsnDb>,
) -> Result<Profile, IntelError> {
    let mail = mail::analyse(store, domain)?;
    let txt = txt::analyse(store, domain)?;
    analyse_with(store, domain, asn, &mail, &txt)
}

/// Profiles `domain` from its mail and TXT analyses already made (the report has them).
pub fn analyse_with(
    store: &dyn Store,
    domain: &str,
    asn: Option<&AsnDb>,
    mail: &mail::Mail,
    txt: &txt::TxtReport,
) -> Result<Profile, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let mut found = Collector(BTreeMap::new());
    let mut addresses: BTreeMap<IpAddr, Seen> = BTreeMap::new();
    for row in domain_rows(store, &wire, None)? {
        let parts = row.key.parts();
        let owner = names::text(parts.rrname);
        let rdata = crate::rdata_text(&row);
        let seen = Seen::of(&row.tally);
        let evidence = format!("{owner} {} {rdata}", parts.rrtype);
        match parts.rrtype {
            RrType::CNAME | RrType::NS => {
                if parts.rrtype == RrType::CNAME {
                    if let Some(v) = knowledge().verification_cname(&rdata) {
                        found.add("saas", &v.service, evidence.clone(), seen);
                    }
                }
                if let Some(h) = knowledge().hosting_provider(&rdata) {
                    let kind = if parts.rrtype == RrType::NS {
                        "dns"
                    } else {
                        h.kind.as_str()
                    };
                    found.add(kind, &h.provider, evidence, seen);
                }
            }
            RrType::A | RrType::AAAA => {
                if let Ok(address) = rdata.parse::<IpAddr>() {
                    addresses
                        .entry(address)
                        .and_modify(|s| s.widen(seen))
                        .or_insert(seen);
                }
            }
            _ => {}
        }
    }
    for exchange in &mail.exchanges {
        if exchange.kind != "unknown" {
            let evidence = format!("{domain_text} MX {} {}", exchange.preference, exchange.host);
            found.add("mail", &exchange.provider, evidence, exchange.seen);
        }
    }
    for spf in &txt.spf {
        for include in &spf.includes {
            if let Some(service) = &include.service {
                found.add(
                    "email-sender",
                    service,
                    format!("{} SPF include:{}", spf.rrname, include.domain),
                    spf.seen,
                );
            }
        }
    }
    if let Some(db) = asn {
        spf_networks(db, txt, &mut found);
    }
    for v in &txt.verifications {
        found.add(
            "saas",
            &v.service,
            format!("{} TXT {}", v.rrname, v.value),
            v.seen,
        );
    }
    let mut networks = Vec::new();
    for (address, seen) in addresses {
        let reverse = names::parse(&reverse_name(address))?;
        let ptr: Vec<String> =
            rrset_rows(store, NamePattern::Exact(reverse), Some(RrType::PTR), "PTR")?
                .iter()
                .map(crate::rdata_text)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
        let provider = ptr
            .iter()
            .find_map(|p| knowledge().hosting_provider(p))
            .map(|h| {
                found.add(
                    &h.kind,
                    &h.provider,
                    format!("{address} PTR {}", ptr.join(" ")),
                    seen,
                );
                h.provider.clone()
            });
        let info = asn.and_then(|db| db.lookup(address));
        // Without a PTR name to go by, the AS the address is announced from names the provider.
        let provider = provider.or_else(|| {
            let by_asn = knowledge().asn_provider(info.as_ref()?.asn)?;
            found.add(
                &by_asn.kind,
                &by_asn.provider,
                format!("{address} AS{}", by_asn.asn),
                seen,
            );
            Some(by_asn.provider.clone())
        });
        networks.push(Network {
            address: address.to_string(),
            asn: info.as_ref().map(|i| i.asn),
            organisation: info.map(|i| i.organisation),
            ptr,
            provider,
            seen,
        });
    }
    let asn_source = match asn {
        Some(db) => db.describe(),
        None => {
            "none given (--asn-db FILE, the iptoasn.com TSV): addresses are named by their PTR rows"
                .into()
        }
    };
    Ok(Profile {
        domain: domain_text,
        asn_source,
        technologies: found.0.into_values().collect(),
        networks,
    })
}

/// Names the networks that SPF `ip4:`/`ip6:` terms authorise, by the AS they are announced
/// from: the provider when the AS table knows it, else `AS<number> <organisation>`.
fn spf_networks(db: &AsnDb, txt: &txt::TxtReport, found: &mut Collector) {
    for spf in &txt.spf {
        for term in &spf.terms {
            if term.name != "ip4" && term.name != "ip6" {
                continue;
            }
            let Some(range) = &term.value else { continue };
            let first = range.split('/').next().unwrap_or_default();
            let Some(info) = first.parse::<IpAddr>().ok().and_then(|a| db.lookup(a)) else {
                continue;
            };
            let name = match knowledge().asn_provider(info.asn) {
                Some(known) => known.provider.clone(),
                None => format!("AS{} {}", info.asn, info.organisation),
            };
            let evidence = format!("{} SPF {}:{range}", spf.rrname, term.name);
            found.add("email-sender", &name, evidence, spf.seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.1".parse().expect("v4")),
            "1.2.0.192.in-addr.arpa."
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().expect("v6")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
    }
}
