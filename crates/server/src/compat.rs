//! What the SecurityTrails ([`crate::securitytrails`]) and VirusTotal ([`crate::virustotal`])
//! faces share: reading a domain from a path, the values a name has held (rows merged per
//! type and rdata), what "current" means, counting the names that share a value, and reading
//! the fields of MX, SOA and TXT rdata.
//!
//! **Current.** A passive DNS store does not know what a name resolves to *now*; it knows
//! when each value was last seen. Every member of an RRset travels in the same answers, so
//! the members of the RRset a name has now were all seen last at about the same time, and
//! values it dropped were last seen earlier. hark calls current, per type, the values last
//! seen within [`CURRENT_SLACK`] of the newest last-seen time of that type at that name
//! (sensor or zone-file times, whichever is later).

use crate::ApiError;
use hark_dns::RrType;
use hark_store::{
    IpRange, Lookup, NamePattern, RdataMatch, RdataQuery, RrsetQuery, Store, Tally, TimeFence,
    TypeFilter,
};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::ControlFlow;
use tokio::time::Instant;

/// How far before the newest last-seen time of a type a value may have been last seen and
/// still count as current (one day: sensors and zone imports do not see every answer).
pub const CURRENT_SLACK: i64 = 86_400;

/// Most names counted for one `*_count` figure ("how many names share this value"); a
/// figure at the cap means at least that many.
pub const COUNT_CAP: u64 = 100;

/// One value a name held: rows of one (type, rdata) merged over their bailiwicks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// The type.
    pub rrtype: RrType,
    /// Canonical rdata.
    pub rdata: Vec<u8>,
    /// The merged tally.
    pub tally: Tally,
}

impl Held {
    /// First and last seen, by sensors or in zone files, whichever is wider.
    pub fn span(&self) -> Option<(i64, i64)> {
        span(&self.tally)
    }
}

/// First and last seen of a tally, by sensors or in zone files, whichever is wider.
pub fn span(tally: &Tally) -> Option<(i64, i64)> {
    match (tally.seen, tally.zone_seen) {
        (Some(seen), Some(zone)) => Some((seen.first.min(zone.first), seen.last.max(zone.last))),
        (Some(one), None) | (None, Some(one)) => Some((one.first, one.last)),
        (None, None) => None,
    }
}

/// Reads a domain name from a path segment: a plain name (no wildcard, not the root).
pub fn parse_domain(text: &str) -> Result<Vec<u8>, ApiError> {
    let trimmed = text.trim().trim_end_matches('.');
    if trimmed.is_empty() || trimmed.contains('*') || trimmed.contains('/') {
        return Err(ApiError::BadRequest(format!(
            "{text:?} is not a domain name"
        )));
    }
    hark_dns::name::from_presentation(trimmed)
        .map_err(|err| ApiError::BadRequest(format!("{text:?} is not a domain name: {err}")))
}

/// A name without its trailing dot, as SecurityTrails and VirusTotal print names.
pub fn bare_name(wire: &[u8]) -> String {
    let mut text = hark_cof::name_text(wire);
    if text.len() > 1 {
        text.pop();
    }
    text
}

/// A UTC date, `YYYY-MM-DD`.
pub fn date(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|ts| ts.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Reads at most `max_rows` rows of `name` (of `rrtype` only, when given), merged per
/// (type, rdata) and sorted by type then rdata; the flag is true when rows were left unread.
pub fn held_values(
    store: &dyn Store,
    name: &[u8],
    rrtype: Option<RrType>,
    max_rows: u64,
    deadline: Instant,
) -> Result<(Vec<Held>, bool), ApiError> {
    let lookup = Lookup::Rrset(RrsetQuery {
        name: NamePattern::Exact(name.to_vec()),
        rrtype,
        bailiwick: None,
        fence: TimeFence::default(),
    });
    let mut merged: BTreeMap<(u16, Vec<u8>), Tally> = BTreeMap::new();
    let mut rows = 0u64;
    let mut cut = false;
    crate::lookup::run(
        store,
        &lookup,
        TypeFilter::All,
        None,
        deadline,
        &mut |row| {
            if rows >= max_rows {
                cut = true;
                return ControlFlow::Break(());
            }
            rows += 1;
            let parts = row.key.parts();
            merged
                .entry((parts.rrtype.0, parts.rdata.to_vec()))
                .or_default()
                .merge(&row.tally);
            ControlFlow::Continue(())
        },
    )?;
    check_deadline(deadline)?;
    let values = merged
        .into_iter()
        .map(|((rrtype, rdata), tally)| Held {
            rrtype: RrType(rrtype),
            rdata,
            tally,
        })
        .collect();
    Ok((values, cut))
}

/// The current values among `values` (see the module doc), in their order.
pub fn current(values: &[Held]) -> Vec<&Held> {
    let mut newest: BTreeMap<u16, i64> = BTreeMap::new();
    for value in values {
        if let Some((_, last)) = value.span() {
            let entry = newest.entry(value.rrtype.0).or_insert(last);
            *entry = (*entry).max(last);
        }
    }
    values
        .iter()
        .filter(|value| match (value.span(), newest.get(&value.rrtype.0)) {
            (Some((_, last)), Some(&top)) => last >= top.saturating_sub(CURRENT_SLACK),
            _ => false,
        })
        .collect()
}

/// How many names hold `rdata` of `rrtype` (addresses for A/AAAA, targets for NS, MX and
/// CNAME), counted up to [`COUNT_CAP`]; `None` for types the indexes cannot count by.
pub fn count_names(
    store: &dyn Store,
    rrtype: RrType,
    rdata: &[u8],
    deadline: Instant,
) -> Result<Option<u64>, ApiError> {
    let rdata_match = match rrtype {
        RrType::A | RrType::AAAA => match address(rdata) {
            Some(ip) => RdataMatch::Ip(IpRange { low: ip, high: ip }),
            None => return Ok(None),
        },
        RrType::NS | RrType::CNAME => RdataMatch::Name(NamePattern::Exact(rdata.to_vec())),
        RrType::MX => match mx(rdata) {
            Some((_, exchange)) => RdataMatch::Name(NamePattern::Exact(exchange.to_vec())),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let lookup = Lookup::Rdata(RdataQuery {
        rdata: rdata_match,
        rrtype: Some(rrtype),
        fence: TimeFence::default(),
    });
    let mut owners = 0u64;
    distinct_owners(store, &lookup, deadline, |_| {
        if owners >= COUNT_CAP {
            return ControlFlow::Break(());
        }
        owners += 1;
        ControlFlow::Continue(())
    })?;
    Ok(Some(owners))
}

/// Walks `lookup` (whose rows come grouped by owner name, as rdata lookups of one value and
/// rrset lookups do) and hands each distinct owner to `each` until it breaks; returns true
/// when it broke (so more owners may follow).
pub fn distinct_owners(
    store: &dyn Store,
    lookup: &Lookup,
    deadline: Instant,
    mut each: impl FnMut(&[u8]) -> ControlFlow<()>,
) -> Result<bool, ApiError> {
    let mut previous: Option<Box<[u8]>> = None;
    let mut stopped = false;
    crate::lookup::run(store, lookup, TypeFilter::All, None, deadline, &mut |row| {
        let owner = row.key.parts().rrname;
        if previous.as_deref() == Some(owner) {
            return ControlFlow::Continue(());
        }
        if each(owner).is_break() {
            stopped = true;
            return ControlFlow::Break(());
        }
        previous = Some(owner.into());
        ControlFlow::Continue(())
    })?;
    check_deadline(deadline)?;
    Ok(stopped)
}

/// A time-out error once `deadline` has passed (the scans stop themselves there, so an
/// answer built after it would be silently short).
pub fn check_deadline(deadline: Instant) -> Result<(), ApiError> {
    if Instant::now() >= deadline {
        return Err(ApiError::TimedOut);
    }
    Ok(())
}

/// The address in A or AAAA rdata.
pub fn address(rdata: &[u8]) -> Option<IpAddr> {
    match rdata.len() {
        4 => <[u8; 4]>::try_from(rdata).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(rdata).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Length of the wire name at the start of `bytes`.
fn name_len(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    loop {
        let len = usize::from(*bytes.get(pos)?);
        pos += 1 + len;
        if len == 0 {
            return (pos <= bytes.len()).then_some(pos);
        }
    }
}

/// MX rdata: the preference and the exchange's wire name.
pub fn mx(rdata: &[u8]) -> Option<(u16, &[u8])> {
    let (pref, exchange) = rdata.split_at_checked(2)?;
    let pref = u16::from_be_bytes([*pref.first()?, *pref.get(1)?]);
    (name_len(exchange)? == exchange.len()).then_some((pref, exchange))
}

/// The fields of SOA rdata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa<'a> {
    /// The primary server's wire name.
    pub mname: &'a [u8],
    /// The responsible mailbox, as a wire name.
    pub rname: &'a [u8],
    /// Serial, refresh, retry, expire, minimum.
    pub numbers: [u32; 5],
}

/// Reads SOA rdata.
pub fn soa(rdata: &[u8]) -> Option<Soa<'_>> {
    let (mname, rest) = rdata.split_at_checked(name_len(rdata)?)?;
    let (rname, rest) = rest.split_at_checked(name_len(rest)?)?;
    if rest.len() != 20 {
        return None;
    }
    let mut numbers = [0u32; 5];
    for (slot, chunk) in numbers.iter_mut().zip(rest.chunks_exact(4)) {
        *slot = u32::from_be_bytes(chunk.try_into().ok()?);
    }
    Some(Soa {
        mname,
        rname,
        numbers,
    })
}

/// The SOA mailbox as an address: the first label, `@`, the rest (`hostmaster.example.com.`
/// is `hostmaster@example.com`).
pub fn mailbox(rname: &[u8]) -> String {
    let mut labels = hark_dns::name::labels(rname);
    let Some(local) = labels.next() else {
        return String::new();
    };
    let rest: Vec<String> = labels
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect();
    let local = String::from_utf8_lossy(local);
    if rest.is_empty() {
        local.into_owned()
    } else {
        format!("{local}@{}", rest.join("."))
    }
}

/// TXT rdata as one text: its character-strings joined, bytes that are not UTF-8 replaced.
pub fn txt(rdata: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(rdata.len());
    let mut rest = rdata;
    while let Some((&len, tail)) = rest.split_first() {
        let Some((string, after)) = tail.split_at_checked(usize::from(len)) else {
            bytes.extend_from_slice(tail);
            break;
        };
        bytes.extend_from_slice(string);
        rest = after;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The presentation form of rdata.
pub fn rdata_text(rrtype: RrType, rdata: &[u8]) -> String {
    let mut out = String::new();
    hark_dns::rdata::to_presentation(rrtype, rdata, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_record::TimeSpan;

    fn held(rrtype: RrType, rdata: &[u8], first: i64, last: i64) -> Held {
        Held {
            rrtype,
            rdata: rdata.to_vec(),
            tally: Tally {
                seen: Some(TimeSpan { first, last }),
                zone_seen: None,
                count: 1,
            },
        }
    }

    #[test]
    fn current_is_within_a_day_of_the_newest_per_type() {
        let values = [
            held(RrType::A, &[192, 0, 2, 1], 0, 1_000_000),
            held(RrType::A, &[192, 0, 2, 2], 0, 1_000_000 - CURRENT_SLACK),
            held(RrType::A, &[192, 0, 2, 3], 0, 1_000_000 - CURRENT_SLACK - 1),
            held(RrType::NS, b"\x02ns\x00", 0, 5),
        ];
        let kept: Vec<&[u8]> = current(&values).iter().map(|v| &v.rdata[..]).collect();
        assert_eq!(kept, [&[192, 0, 2, 1][..], &[192, 0, 2, 2], b"\x02ns\x00"]);
    }

    #[test]
    fn rdata_fields() {
        assert_eq!(
            mx(b"\x00\x0a\x02mx\x07example\x00"),
            Some((10, &b"\x02mx\x07example\x00"[..]))
        );
        assert_eq!(mx(b"\x00\x0a\x02mx"), None);
        assert_eq!(mx(b"\x00"), None);
        let soa_rdata = b"\x03ns1\x07example\x00\x0ahostmaster\x07example\x00\
            \x00\x00\x00\x01\x00\x00\x0e\x10\x00\x00\x03\x84\x00\x09\x3a\x80\x00\x00\x01\x2c";
        let fields = soa(soa_rdata).expect("soa");
        assert_eq!(fields.numbers, [1, 3600, 900, 604_800, 300]);
        assert_eq!(mailbox(fields.rname), "hostmaster@example");
        assert_eq!(soa(&soa_rdata[..soa_rdata.len() - 1]), None);
        assert_eq!(txt(b"\x05hello\x06 world"), "hello world");
        assert_eq!(txt(b"\x09short"), "short");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(
            bare_name(b"\x03www\x07example\x03com\x00"),
            "www.example.com"
        );
        assert!(parse_domain("*.example.com").is_err());
        assert!(parse_domain("").is_err());
        assert_eq!(
            parse_domain("Example.COM.").expect("name"),
            b"\x07example\x03com\x00"
        );
    }
}
