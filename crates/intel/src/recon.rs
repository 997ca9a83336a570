//! The recon report: every analysis for one domain, run from the store alone, as one
//! serialisable [`Recon`].
//!
//! This module assembles the answers; it does not show them. The JSON form is the
//! [`Recon`]'s `Serialize`; text, Markdown and HTML are rendered by the `hark-present` crate.

use crate::changes::{self, Event};
use crate::history::{self, AddressHistory};
use crate::mail::{self, Mail};
use crate::nameservers::{self, NameServers};
use crate::pivot::{self, AddressFanout};
use crate::profile::{self, Profile};
use crate::subdomains::{self, Subdomains};
use crate::takeover::{self, Takeover};
use crate::txt::{self, TxtReport};
use crate::{names, IntelError, Seen};
use hark_store::Store;
use serde::Serialize;
use std::collections::BTreeSet;

/// Change-log events a report shows (the newest); `hark intel changes` shows all.
pub const REPORT_EVENTS: usize = 50;

/// Everything hark can say about one domain.
#[derive(Clone, Debug, Serialize)]
pub struct Recon {
    /// The domain.
    pub domain: String,
    /// Its registrable domain.
    pub registrable: Option<String>,
    /// Names at or below it.
    pub subdomains: Subdomains,
    /// Address history of every name.
    pub history: AddressHistory,
    /// Each address the domain used, with its fan-out.
    pub hosting: Vec<Hosting>,
    /// Name servers and the domains sharing them.
    pub nameservers: NameServers,
    /// Mail providers.
    pub mail: Mail,
    /// TXT intelligence.
    pub txt: TxtReport,
    /// Takeover candidates.
    pub takeover: Takeover,
    /// Technology profile and networks.
    pub profile: Profile,
    /// Active verification through a resolver, when asked for.
    pub verification: Option<crate::verify::Verification>,
    /// Change-log events in all.
    pub change_count: usize,
    /// The newest [`REPORT_EVENTS`] changes, oldest first.
    pub recent_changes: Vec<Event>,
}

/// An address the domain used, and who else was on it.
#[derive(Clone, Debug, Serialize)]
pub struct Hosting {
    /// The address.
    pub address: String,
    /// Registrable domains seen on it, this one included.
    pub domains: usize,
    /// True for shared hosting or a CDN (many unrelated domains).
    pub shared: bool,
    /// The other registrable domains on it (all of them: the size is `domains - 1`).
    pub co_hosted: Vec<String>,
    /// True when the address had more rows than one analysis reads ([`crate::MAX_ROWS`]):
    /// `domains` and `co_hosted` are then not counted.
    pub over_limit: bool,
    /// When it was seen at all.
    #[serde(flatten)]
    pub seen: Seen,
}

/// What a report may use beyond the store.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReconOptions<'a> {
    /// An AS database for the networks.
    pub asn: Option<&'a crate::asn::AsnDb>,
    /// A resolver to verify the remembered records with (sends queries).
    pub verify: Option<std::net::SocketAddr>,
    /// Certificate names from a CT export, for the subdomains.
    pub certs: Option<&'a crate::certs::CertNames>,
}

/// Runs every analysis for `domain`, from the store alone.
pub fn recon(store: &dyn Store, domain: &str) -> Result<Recon, IntelError> {
    recon_with(store, domain, ReconOptions::default())
}

/// Runs every analysis for `domain`, with the extras `options` gives.
pub fn recon_with(
    store: &dyn Store,
    domain: &str,
    options: ReconOptions<'_>,
) -> Result<Recon, IntelError> {
    let wire = names::parse(domain)?;
    let domain_text = names::text(&wire);
    let history = history::analyse(store, &domain_text, true)?;
    let own = names::registrable_or_self(&domain_text);
    let addresses: BTreeSet<String> = history
        .names
        .iter()
        .flat_map(|n| n.addresses.iter().map(|a| a.address.clone()))
        .collect();
    let mut hosting = Vec::new();
    for address in &addresses {
        match pivot::analyse(store, address) {
            Ok(pivot) => {
                if let Some(fanout) = pivot.addresses.into_iter().next() {
                    hosting.push(hosting_of(fanout, &own));
                }
            }
            // An address with more rows than an analysis reads is as shared as it gets.
            Err(IntelError::TooManyRows { .. }) => hosting.push(Hosting {
                address: address.clone(),
                domains: 0,
                shared: true,
                co_hosted: Vec::new(),
                over_limit: true,
                seen: Seen {
                    first: 0,
                    last: 0,
                    count: 0,
                },
            }),
            Err(other) => return Err(other),
        }
    }
    hosting.sort_by(|a, b| (a.domains, &a.address).cmp(&(b.domains, &b.address)));
    let changes = changes::analyse(store, &domain_text, None, None)?;
    let change_count = changes.events.len();
    let recent_changes = changes
        .events
        .into_iter()
        .rev()
        .take(REPORT_EVENTS)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mail = mail::analyse(store, &domain_text)?;
    let txt = txt::analyse(store, &domain_text)?;
    let profile = profile::analyse_with(store, &domain_text, options.asn, &mail, &txt)?;
    Ok(Recon {
        registrable: names::registrable(&domain_text),
        subdomains: subdomains::analyse_with(store, &domain_text, options.certs)?,
        history,
        hosting,
        nameservers: nameservers::analyse(store, &domain_text)?,
        mail,
        txt,
        takeover: takeover::analyse(store, &domain_text)?,
        profile,
        verification: options
            .verify
            .map(|resolver| crate::verify::verify(store, &domain_text, resolver))
            .transpose()?,
        change_count,
        recent_changes,
        domain: domain_text,
    })
}

/// The hosting entry of an address, the domain's own registrable domain `own` left out of
/// the co-hosted ones.
fn hosting_of(fanout: AddressFanout, own: &str) -> Hosting {
    let co_hosted: Vec<String> = fanout
        .names
        .iter()
        .map(|n| n.domain.clone())
        .filter(|d| d != own)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Hosting {
        address: fanout.address,
        domains: fanout.domains,
        shared: fanout.shared,
        co_hosted,
        over_limit: false,
        seen: fanout.seen,
    }
}
