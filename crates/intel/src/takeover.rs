//! Takeover candidates: CNAMEs into services that let anyone claim an unclaimed name,
//! whose target has answered NXDOMAIN; any CNAME whose target answered NXDOMAIN (dangling);
//! NS delegations to name servers whose names no longer resolve; and NS delegations to a DNS
//! provider that lets anyone re-create a deleted zone, where the zone itself stopped
//! answering while its parent kept delegating. Each comes with the rows that are its
//! evidence, and their dates, and with the public record's standing for the service and the
//! date of that record ("as of"). Services the record lists as not vulnerable are not
//! candidates for being what they are (a dangling CNAME into them is still one).

use crate::knowledge::knowledge;
use crate::{domain_rows, names, negative_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{NamePattern, Store};
use serde::Serialize;

/// The takeover candidates under a domain.
#[derive(Clone, Debug, Serialize)]
pub struct Takeover {
    /// The domain.
    pub domain: String,
    /// Candidates, most serious first.
    pub candidates: Vec<Candidate>,
}

/// One candidate.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    /// `cname` or `ns`.
    pub kind: String,
    /// The name that points away.
    pub name: String,
    /// Where it points.
    pub target: String,
    /// The takeover-prone service the target belongs to, when known.
    pub service: Option<String>,
    /// The service's standing in the public record (`vulnerable`, `edge-case`; for NS
    /// delegations also `vulnerable-with-purchase`).
    pub service_status: Option<String>,
    /// What the record says shows an unclaimed resource: `nxdomain`, `http-fingerprint`,
    /// `http-status` (with the [`fingerprint`](Self::fingerprint) to look for), or `none`.
    pub service_evidence: Option<String>,
    /// The page text or status the record gives as the fingerprint.
    pub fingerprint: Option<String>,
    /// The date of the public record the standing comes from.
    pub as_of: Option<String>,
    /// `high` (a prone service whose target answered NXDOMAIN), `medium` (a target that
    /// answered NXDOMAIN; or a prone service claimed by a missing page, not by NXDOMAIN),
    /// or `low` (points into a prone service; no sign of an unclaimed target yet).
    pub severity: String,
    /// The rows behind it.
    pub evidence: Vec<Evidence>,
}

/// One row of evidence.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    /// What the row says (`www.example.com. CNAME x.herokuapp.com.`, `x.herokuapp.com. A NXDOMAIN`).
    pub row: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

impl Candidate {
    /// A candidate for the record `name RRTYPE target`, with the NXDOMAIN rows that make it one.
    fn pointing(
        rrtype: &str,
        name: String,
        target: String,
        seen: Seen,
        dead: Vec<Evidence>,
        severity: &str,
    ) -> Candidate {
        let mut evidence = vec![Evidence {
            row: format!("{name} {rrtype} {target}"),
            seen,
        }];
        evidence.extend(dead);
        Candidate {
            kind: rrtype.to_ascii_lowercase(),
            name,
            target,
            service: None,
            service_status: None,
            service_evidence: None,
            fingerprint: None,
            as_of: None,
            severity: severity.into(),
            evidence,
        }
    }
}

/// NXDOMAIN answers for `name`, as evidence rows.
fn nxdomain(store: &dyn Store, name: &str) -> Result<Vec<Evidence>, IntelError> {
    let Ok(wire) = names::parse(name) else {
        return Ok(Vec::new());
    };
    Ok(negative_rows(store, NamePattern::Exact(wire))?
        .iter()
        .filter(|n| n.key.rcode == hark_record::rcode::NXDOMAIN)
        .map(|n| Evidence {
            row: format!("{} {} NXDOMAIN", names::text(&n.key.qname), n.key.qtype),
            seen: Seen::of(&n.tally),
        })
        .collect())
}

/// The last time `name` answered with records (0 when never, or not a usable name).
fn last_answered(store: &dyn Store, name: &str) -> Result<i64, IntelError> {
    let Ok(wire) = names::parse(name) else {
        return Ok(0);
    };
    Ok(
        crate::rrset_rows(store, NamePattern::Exact(wire), None, name)?
            .iter()
            .map(|r| Seen::of(&r.tally).last)
            .max()
            .unwrap_or(0),
    )
}

/// A day: the slack between a zone's last answer and its parent's last delegation.
const DAY: i64 = 86_400;

/// When the zone delegated by an NS row stopped answering for itself: its newest row other
/// than NS, as evidence, when that is more than a day older than the delegation's last
/// sighting. `None` when the zone never answered (nothing to compare) or still does.
fn zone_gone_quiet(
    store: &dyn Store,
    zone: &str,
    delegation: Seen,
) -> Result<Option<Evidence>, IntelError> {
    let Ok(wire) = names::parse(zone) else {
        return Ok(None);
    };
    let rows = crate::rrset_rows(store, NamePattern::Exact(wire), None, zone)?;
    let newest = rows
        .iter()
        .filter(|r| r.key.parts().rrtype != RrType::NS)
        .max_by_key(|r| Seen::of(&r.tally).last);
    Ok(newest
        .filter(|r| Seen::of(&r.tally).last + DAY < delegation.last)
        .map(|r| Evidence {
            row: format!(
                "{zone} {} {} (the zone's last answer)",
                r.key.parts().rrtype,
                crate::rdata_text(r)
            ),
            seen: Seen::of(&r.tally),
        }))
}

fn rank(severity: &str) -> u8 {
    match severity {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// Looks for takeover candidates at or below `domain`.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<Takeover, IntelError> {
    let wire = names::parse(domain)?;
    let mut candidates = Vec::new();
    for row in domain_rows(store, &wire, Some(RrType::CNAME))? {
        let name = names::text(row.key.parts().rrname);
        let target = crate::rdata_text(&row);
        let cname_seen = Seen::of(&row.tally);
        let prone = knowledge()
            .takeover_service(&target)
            .filter(|s| s.status != "not-vulnerable");
        // NXDOMAIN for the target once the CNAME had been seen, and after its last answer
        // with records (a target that resolved again is not dangling).
        let answered_until = last_answered(store, &target)?;
        let dead: Vec<Evidence> = nxdomain(store, &target)?
            .into_iter()
            .filter(|e| e.seen.last >= cname_seen.first && e.seen.last > answered_until)
            .collect();
        let severity = match (prone, dead.is_empty()) {
            (Some(_), false) => "high",
            (None, false) => "medium",
            (Some(service), true)
                if service.evidence == "http-fingerprint" || service.evidence == "http-status" =>
            {
                "medium"
            }
            (Some(_), true) => "low",
            (None, true) => continue,
        };
        let mut candidate = Candidate::pointing("CNAME", name, target, cname_seen, dead, severity);
        if let Some(service) = prone {
            candidate.service = Some(service.service.clone());
            candidate.service_status = Some(service.status.clone());
            candidate.service_evidence = Some(service.evidence.clone());
            candidate.fingerprint = Some(service.fingerprint.clone());
            candidate.as_of = Some(service.as_of.clone());
        }
        candidates.push(candidate);
    }
    let mut provider_zones = std::collections::BTreeSet::new();
    for row in domain_rows(store, &wire, Some(RrType::NS))? {
        let name = names::text(row.key.parts().rrname);
        let host = crate::rdata_text(&row);
        let ns_seen = Seen::of(&row.tally);
        let mut dead = nxdomain(store, &host)?;
        if let Some(registrable) = names::registrable(&host) {
            if registrable != host {
                dead.extend(nxdomain(store, &registrable)?);
            }
        }
        let answered_until = last_answered(store, &host)?;
        dead.retain(|e| e.seen.last >= ns_seen.first && e.seen.last > answered_until);
        if !dead.is_empty() {
            candidates.push(Candidate::pointing("NS", name, host, ns_seen, dead, "high"));
            continue;
        }
        let Some(provider) = knowledge().ns_takeover(&host).filter(|p| {
            matches!(
                p.status.as_str(),
                "vulnerable" | "vulnerable-with-purchase" | "edge-case"
            )
        }) else {
            continue;
        };
        if !provider_zones.insert((name.clone(), provider.provider.clone())) {
            continue;
        }
        if let Some(quiet) = zone_gone_quiet(store, &name, ns_seen)? {
            let mut candidate =
                Candidate::pointing("NS", name, host, ns_seen, vec![quiet], "medium");
            candidate.service = Some(provider.provider.clone());
            candidate.service_status = Some(provider.status.clone());
            candidate.service_evidence = Some("zone-answers-stopped".into());
            candidate.as_of = Some(provider.as_of.clone());
            candidates.push(candidate);
        }
    }
    candidates.sort_by(|a, b| (rank(&a.severity), &a.name).cmp(&(rank(&b.severity), &b.name)));
    Ok(Takeover {
        domain: names::text(&wire),
        candidates,
    })
}
