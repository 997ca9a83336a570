//! Takeover candidates: CNAMEs into services that let anyone claim an unclaimed name,
//! whose target has answered NXDOMAIN; any CNAME whose target answered NXDOMAIN (dangling);
//! and NS delegations to name servers whose names no longer resolve. Each comes with the
//! rows that are its evidence, and their dates.

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
    /// The service's standing in the public record (`vulnerable`, `edge-case`).
    pub service_status: Option<String>,
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
        let prone = knowledge().takeover_service(&target);
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
            (Some(service), true) if service.evidence == "http-fingerprint" => "medium",
            (Some(_), true) => "low",
            (None, true) => continue,
        };
        let mut candidate = Candidate::pointing("CNAME", name, target, cname_seen, dead, severity);
        candidate.service = prone.map(|s| s.service.clone());
        candidate.service_status = prone.map(|s| s.status.clone());
        candidates.push(candidate);
    }
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
        if dead.is_empty() {
            continue;
        }
        candidates.push(Candidate::pointing("NS", name, host, ns_seen, dead, "high"));
    }
    candidates.sort_by(|a, b| (rank(&a.severity), &a.name).cmp(&(rank(&b.severity), &b.name)));
    Ok(Takeover {
        domain: names::text(&wire),
        candidates,
    })
}
