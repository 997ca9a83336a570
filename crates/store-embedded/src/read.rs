//! Lookups: rrset by owner (exact, left and right wildcards), rdata through the index,
//! negatives, and the full scan. Each is one or a few prefix or range scans of the layout in
//! [`crate::layout`]; filters the keys cannot express (type, bailiwick, fences) are applied to
//! the scanned rows.

use crate::{engine, layout, EmbeddedStore};
use hark_dns::{name, RrType};
use hark_store::keys::{leading_prefix, prefix_end, subdomain_prefix};
use hark_store::{
    CertQuery, CertRow, NamePattern, NegativeQuery, NegativeRow, RdataMatch, RdataQuery, Row,
    RrKey, RrsetQuery, StoreError,
};
use std::ops::ControlFlow;

impl EmbeddedStore {
    fn rows_with_prefix(
        &self,
        prefix: &[u8],
        skip_apex: bool,
        query: &RrsetQuery,
        after: Option<&[u8]>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, StoreError> {
        for entry in prefix_after(&self.rrset, prefix, after) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            // For a subdomain scan the prefix is the base name without its end marker: a 0x00
            // right after it means the key is the base name itself, not a subdomain.
            if skip_apex && key.get(prefix.len()) == Some(&0) {
                continue;
            }
            let row_key = layout::decode_rrset_key(&key)?;
            let parts = row_key.parts();
            if query.rrtype.is_some_and(|t| t != parts.rrtype)
                || query
                    .bailiwick
                    .as_deref()
                    .is_some_and(|b| Some(b) != parts.bailiwick)
            {
                continue;
            }
            let tally = layout::decode_tally(&value, "rrset")?;
            if !query.fence.admits(&tally) {
                continue;
            }
            if visit(Row {
                key: row_key,
                tally,
            })
            .is_break()
            {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Rows of `rrtype` whose rdata is exactly `bytes`: one prefix scan of the rdata index.
    fn raw_rdata(
        &self,
        query: &RdataQuery,
        rrtype: RrType,
        bytes: &[u8],
        after: Option<&[u8]>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let prefix = hark_store::keys::raw_prefix(rrtype, bytes);
        let wanted = bytes.to_vec();
        let accept = move |row: &Row| row.key.parts().rdata == wanted.as_slice();
        self.visit_index_range(
            prefix_after(&self.rdata, &prefix, after),
            query,
            &accept,
            visit,
        )
    }

    /// The types a raw lookup without a type must try: A or AAAA by length, the types whose
    /// rdata names a target when the bytes hold one, and every type present in the
    /// whole-rdata part of the index (found by seeking from one type to the next).
    fn raw_candidate_types(&self, bytes: &[u8]) -> Result<Vec<RrType>, StoreError> {
        let mut types = hark_store::keys::raw_fixed_types(bytes);
        let mut next: u32 = 0;
        while next <= u32::from(u16::MAX) {
            let start = [&[layout::KIND_WHOLE][..], &(next as u16).to_be_bytes()].concat();
            let Some(entry) = self.rdata.range(start..).next() else {
                break;
            };
            let key = entry.key().map_err(engine)?;
            match (key.first(), key.get(1..3)) {
                (Some(&layout::KIND_WHOLE), Some(&[high, low])) => {
                    let rrtype = u16::from_be_bytes([high, low]);
                    types.push(RrType(rrtype));
                    next = u32::from(rrtype) + 1;
                }
                _ => break,
            }
        }
        types.sort();
        types.dedup();
        Ok(types)
    }

    fn visit_index_range(
        &self,
        range: Box<dyn Iterator<Item = fjall::Guard> + '_>,
        query: &RdataQuery,
        accept: &dyn Fn(&Row) -> bool,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut primary = Vec::new();
        for entry in range {
            let key = entry.key().map_err(engine)?;
            let row_key = layout::decode_rdata_key(&key)?;
            let parts = row_key.parts();
            if query.rrtype.is_some_and(|t| t != parts.rrtype) {
                continue;
            }
            primary.clear();
            layout::rrset_key(&parts, &mut primary);
            let Some(value) = self.rrset.get(&primary).map_err(engine)? else {
                // A bulk load into the empty store writes index entries before rows: a
                // lookup running alongside it can meet an entry whose row is not in yet.
                tracing::debug!("skipping an rdata index entry without its row");
                continue;
            };
            let tally = layout::decode_tally(&value, "rrset")?;
            let row = Row {
                key: row_key,
                tally,
            };
            if !query.fence.admits(&row.tally) || !accept(&row) {
                continue;
            }
            if visit(row).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Rows by owner name, after the row `after` when resuming (see [`hark_store::Store::rrset_after`]).
    pub(crate) fn lookup_rrset(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let after_key = resume_key(after, layout::rrset_key);
        let after_key = after_key.as_deref();
        match &query.name {
            NamePattern::Exact(wire) => {
                let mut prefix = Vec::new();
                name::reversed_key(wire, &mut prefix);
                if let Some(rrtype) = query.rrtype {
                    prefix.extend_from_slice(&rrtype.0.to_be_bytes());
                }
                let _ = self.rows_with_prefix(&prefix, false, query, after_key, visit)?;
            }
            NamePattern::Subdomains(base) => {
                let _ =
                    self.rows_with_prefix(&subdomain_prefix(base), true, query, after_key, visit)?;
            }
            NamePattern::LeadingLabels(leading) => {
                let prefix = leading_prefix(leading);
                // Names in forward-label order; a resumed walk starts at the last row's name.
                let after_name = after.map(|key| {
                    let mut out = Vec::new();
                    name::forward_key(key.parts().rrname, &mut out);
                    out
                });
                let start = match &after_name {
                    Some(name_key) if name_key.as_slice() > prefix.as_slice() => name_key.clone(),
                    _ => prefix.clone(),
                };
                let names: Box<dyn Iterator<Item = fjall::Guard>> = match prefix_end(&prefix) {
                    Some(end) if start < end => Box::new(self.names.range(start..end)),
                    Some(_) => Box::new(std::iter::empty()),
                    None => Box::new(self.names.range(start..)),
                };
                let mut exact = Vec::new();
                for entry in names {
                    let key = entry.key().map_err(engine)?;
                    if key.get(prefix.len()) == Some(&0) {
                        continue; // the leading labels alone, not a longer name
                    }
                    let (wire, _) =
                        name::from_forward_key(&key).map_err(|err| StoreError::Corrupt {
                            table: "names",
                            reason: err.to_string(),
                        })?;
                    exact.clear();
                    name::reversed_key(&wire, &mut exact);
                    if let Some(rrtype) = query.rrtype {
                        exact.extend_from_slice(&rrtype.0.to_be_bytes());
                    }
                    let resume_here = after_name.as_deref() == Some(&key[..]);
                    if self
                        .rows_with_prefix(
                            &exact,
                            false,
                            query,
                            after_key.filter(|_| resume_here),
                            visit,
                        )?
                        .is_break()
                    {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Rows by rdata, in index order, after the row `after` when resuming (see
    /// [`hark_store::Store::rdata_after`]).
    pub(crate) fn lookup_rdata(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let after_key = resume_key(after, layout::rdata_key);
        let after_key = after_key.as_deref();
        match &query.rdata {
            RdataMatch::Ip(range) => {
                let Some((start, end)) = hark_store::keys::ip_key_range(range) else {
                    return Ok(());
                };
                let iter = key_range(&self.rdata, &start, end, after_key);
                self.visit_index_range(iter, query, &|_| true, visit)
            }
            RdataMatch::Name(pattern) => {
                let (prefix, check) = hark_store::keys::target_prefix(pattern);
                let accept = move |row: &Row| {
                    let parts = row.key.parts();
                    !check || hark_store::keys::target_matches(pattern, parts.rrtype, parts.rdata)
                };
                let iter = prefix_after(&self.rdata, &prefix, after_key);
                self.visit_index_range(iter, query, &accept, visit)
            }
            RdataMatch::EveryOfType => {
                let Some(rrtype) = query.rrtype else {
                    return Err(StoreError::Engine(
                        "a lookup of every row of a type needs the type".into(),
                    ));
                };
                // Both parts of a target type in key order ('N' < 'W'), so one resumed walk
                // spans them.
                for prefix in hark_store::keys::type_prefixes(rrtype) {
                    let iter = prefix_after(&self.rdata, &prefix, after_key);
                    self.visit_index_range(iter, query, &|_| true, visit)?;
                }
                Ok(())
            }
            RdataMatch::Raw(bytes) => {
                // Raw rdata of one type is one prefix scan; without a type, one scan per type
                // that could hold these bytes.
                let types = match query.rrtype {
                    Some(rrtype) => vec![rrtype],
                    None => self.raw_candidate_types(bytes)?,
                };
                // Types in ascending order; a resumed walk skips the types before the last row's.
                let resume_type = after.map(|key| key.parts().rrtype);
                let mut stopped = false;
                for rrtype in types {
                    if resume_type.is_some_and(|t| rrtype < t) {
                        continue;
                    }
                    let typed = RdataQuery {
                        rrtype: Some(rrtype),
                        ..query.clone()
                    };
                    let resume = after_key.filter(|_| resume_type == Some(rrtype));
                    self.raw_rdata(&typed, rrtype, bytes, resume, &mut |row| {
                        let flow = visit(row);
                        stopped = flow.is_break();
                        flow
                    })?;
                    if stopped {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    pub(crate) fn lookup_negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (prefix, skip_apex) = hark_store::keys::owner_prefix(&query.name, query.qtype);
        for entry in self.negative.prefix(&prefix) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            if skip_apex && key.get(prefix.len()) == Some(&0) {
                continue;
            }
            let negative_key = layout::decode_negative_key(&key)?;
            if query.qtype.is_some_and(|t| t != negative_key.qtype)
                || !query.name.matches(&negative_key.qname)
            {
                continue;
            }
            let tally = layout::decode_tally(&value, "negative")?;
            if !query.fence.admits(&tally) {
                continue;
            }
            if visit(NegativeRow {
                key: negative_key,
                tally,
            })
            .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    pub(crate) fn lookup_certs(
        &self,
        query: &CertQuery,
        visit: &mut dyn FnMut(CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (prefix, skip_apex) = hark_store::keys::owner_prefix(&query.name, None);
        for entry in self.cert.prefix(&prefix) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            if skip_apex && key.get(prefix.len()) == Some(&0) {
                continue;
            }
            let cert_key = layout::decode_cert_key(&key)?;
            if !query.name.matches(&cert_key.name) {
                continue;
            }
            let tally = layout::decode_tally(&value, "cert")?;
            if !query.fence.admits(&tally) {
                continue;
            }
            if visit(CertRow {
                key: cert_key,
                tally,
            })
            .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    pub(crate) fn scan_rows(
        &self,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        for entry in self.rrset.iter() {
            let (key, value) = entry.into_inner().map_err(engine)?;
            let row = Row {
                key: layout::decode_rrset_key(&key)?,
                tally: layout::decode_tally(&value, "rrset")?,
            };
            if visit(row).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// The key a resumed walk starts after, in the layout `encode` writes (the rrset table or the
/// rdata index).
fn resume_key(
    after: Option<&RrKey>,
    encode: fn(&hark_record::RrKeyParts<'_>, &mut Vec<u8>),
) -> Option<Vec<u8>> {
    after.map(|key| {
        let mut out = Vec::new();
        encode(&key.parts(), &mut out);
        out
    })
}

/// The entries of `keyspace` starting with `prefix`, strictly after the key `after` when given.
fn prefix_after<'k>(
    keyspace: &'k fjall::Keyspace,
    prefix: &[u8],
    after: Option<&[u8]>,
) -> Box<dyn Iterator<Item = fjall::Guard> + 'k> {
    key_range(keyspace, prefix, prefix_end(prefix), after)
}

/// The entries of `keyspace` from `start` (inclusive) to `end` (exclusive, or the last key),
/// strictly after the key `after` when it lies beyond `start`.
fn key_range<'k>(
    keyspace: &'k fjall::Keyspace,
    start: &[u8],
    end: Option<Vec<u8>>,
    after: Option<&[u8]>,
) -> Box<dyn Iterator<Item = fjall::Guard> + 'k> {
    use std::ops::Bound;
    let lower = match after {
        Some(after) if after >= start => Bound::Excluded(after.to_vec()),
        _ => Bound::Included(start.to_vec()),
    };
    let lower_key = match &lower {
        Bound::Included(key) | Bound::Excluded(key) => key.clone(),
        Bound::Unbounded => Vec::new(),
    };
    match end {
        Some(end) if lower_key >= end => Box::new(std::iter::empty()),
        Some(end) => Box::new(keyspace.range::<Vec<u8>, _>((lower, Bound::Excluded(end)))),
        None => Box::new(keyspace.range::<Vec<u8>, _>((lower, Bound::Unbounded))),
    }
}
