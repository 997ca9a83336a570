//! Lookups: each is one or a few range scans over the key column of one row table, read in
//! pages of `GROUP BY k ORDER BY k LIMIT n` with `-Merge` of the states, so the answer is
//! the merged row whatever parts are still unmerged, and a page resumes after the last key
//! of the one before (the order the `Store` methods promise is the key order). A page that
//! would read more than `scan_rows` stored rows (18.16 aggregates a whole range before its
//! `LIMIT`) is bounded first: the key of the page-th stored row is read, and only keys up to
//! it are grouped. Filters the
//! keys cannot express (type, bailiwick, fences, the apex of a subdomain scan) are applied
//! to the rows read.

use crate::http::{code, hex, quote};
use crate::{call, ClickHouseStore};
use hark_dns::{name, RrType};
use hark_record::{Checkpoint, RrKey, SourceId, Tally, TimeSpan};
use hark_store::keys::{self, leading_prefix, prefix_end, subdomain_prefix};
use hark_store::{
    CertQuery, CertRow, NamePattern, NegativeQuery, NegativeRow, RdataMatch, RdataQuery, Row,
    RrsetQuery, StoreError, StoreStats,
};
use std::ops::ControlFlow;

/// Takes one (key, tally) of a scan; breaks to stop it.
type KeyVisitor<'a> = dyn FnMut(&[u8], Tally) -> Result<ControlFlow<()>, StoreError> + 'a;

/// Pages grow from the first (most lookups want few rows) to the last size.
const PAGES: [usize; 4] = [256, 2048, 8192, 16384];

/// A range of keys: from `start` (inclusive) to `end` (exclusive; none: to the last key).
struct KeyRange {
    start: Vec<u8>,
    end: Option<Vec<u8>>,
}

impl KeyRange {
    fn prefix(prefix: Vec<u8>) -> KeyRange {
        KeyRange {
            end: prefix_end(&prefix),
            start: prefix,
        }
    }
}

fn tally(
    seen: u8,
    first: i64,
    last: i64,
    zone_seen: u8,
    zone_first: i64,
    zone_last: i64,
    count: u64,
) -> Tally {
    Tally {
        seen: (seen != 0).then_some(TimeSpan { first, last }),
        zone_seen: (zone_seen != 0).then_some(TimeSpan {
            first: zone_first,
            last: zone_last,
        }),
        count,
    }
}

/// ` AND owner OP R(owner of key)` when the table's primary key starts with the owner (so the
/// index narrows the read); empty otherwise. Owner keys are prefix-free, so `k` bounded by a
/// key is bounded by its owner the same way.
fn owner_bound(column: &str, key: &[u8], op: &str) -> String {
    (column == "owner")
        .then(|| keys::reversed_key_len(key).and_then(|len| key.get(..len)))
        .flatten()
        .map(|owner| format!(" AND owner {op} {}", hex(owner)))
        .unwrap_or_default()
}

impl ClickHouseStore {
    /// Streams (key, tally) of `table` in key order over `range`, after `after`, until
    /// `visit` breaks; returns whether it broke.
    fn scan_range(
        &self,
        table: &str,
        range: &KeyRange,
        after: Option<&[u8]>,
        visit: &mut KeyVisitor<'_>,
    ) -> Result<ControlFlow<()>, StoreError> {
        self.scan_range_on(None, table, range, after, None, visit)
    }

    /// [`ClickHouseStore::scan_range`], on one shard's own table when `shard` is given (every
    /// row of one owner name lives on the shard its hash picks): one server does the work
    /// instead of every shard and the Distributed table.
    fn scan_range_on(
        &self,
        shard: Option<usize>,
        table: &str,
        range: &KeyRange,
        after: Option<&[u8]>,
        filter: Option<&str>,
        visit: &mut KeyVisitor<'_>,
    ) -> Result<ControlFlow<()>, StoreError> {
        let (endpoint, read_table) = match shard {
            Some(index) => (self.shard(index)?, format!("{}.{table}", self.db)),
            None => (self.entry(), self.read_table(table)),
        };
        // In `rrset` the primary key starts with the owner; bounds on it use the index.
        let column = if table == "rrset" { "owner" } else { "k" };
        let mut lower = format!("k >= {}", hex(&range.start));
        if column == "owner" {
            let owner = keys::reversed_key_len(&range.start)
                .and_then(|len| range.start.get(..len))
                .unwrap_or(&range.start);
            lower.push_str(&format!(" AND owner >= {}", hex(owner)));
        }
        let upper = match &range.end {
            Some(end) => format!(" AND k < {} AND {column} <= {}", hex(end), hex(end)),
            None => String::new(),
        };
        let filter = filter
            .map(|sql| format!(" AND ({sql})"))
            .unwrap_or_default();
        let mut cursor: Option<Vec<u8>> = after.map(<[u8]>::to_vec);
        let settings = self.read_settings();
        let mut bounded = false;
        let mut pages = PAGES
            .iter()
            .chain(std::iter::repeat(&PAGES[PAGES.len() - 1]));
        let mut page = pages.next().copied().unwrap_or(PAGES[0]);
        loop {
            let resume = match &cursor {
                Some(key) if key.as_slice() >= range.start.as_slice() => {
                    format!(" AND k > {}{}", hex(key), owner_bound(column, key, ">="))
                }
                _ => String::new(),
            };
            // A page of a range that holds many rows (a busy /24) is first bounded by key: 18.16
            // aggregates the whole range before `LIMIT`, so the grouped query reads only up
            // to the page-th stored row after the cursor.
            let mut bound: Option<Vec<u8>> = None;
            if bounded {
                let sql = format!(
                    "SELECT k FROM {read_table} WHERE batch = 0 AND {lower}{upper}{resume}{filter} \
                     ORDER BY k LIMIT {}, 1 FORMAT RowBinary",
                    page - 1
                );
                self.http
                    .rows(endpoint, &sql, &settings, &mut |row, first| {
                        bound = Some(row.bytes(Some(first))?);
                        Ok(true)
                    })
                    .map_err(call)?;
            }
            let below = match &bound {
                Some(key) => format!(" AND k <= {}{}", hex(key), owner_bound(column, key, "<=")),
                None => String::new(),
            };
            let sql = format!(
                "SELECT k, maxMerge(seen), minIfMerge(first), maxIfMerge(last), \
                 maxMerge(zone_seen), minIfMerge(zone_first), maxIfMerge(zone_last), \
                 sumMerge(count) FROM {read_table} \
                 WHERE batch = 0 AND {lower}{upper}{resume}{below}{filter} \
                 GROUP BY k ORDER BY k LIMIT {page} FORMAT RowBinary"
            );
            let mut capped = settings.clone();
            if !bounded {
                capped.push(("max_rows_to_read", self.scan_rows.to_string()));
            }
            let mut rows: Vec<(Vec<u8>, Tally)> = Vec::new();
            let answer = self.http.rows(endpoint, &sql, &capped, &mut |row, first| {
                let k = row.bytes(Some(first))?;
                let t = tally(
                    row.u8()?,
                    row.i64()?,
                    row.i64()?,
                    row.u8()?,
                    row.i64()?,
                    row.i64()?,
                    row.u64()?,
                );
                rows.push((k, t));
                Ok(true)
            });
            match answer {
                Ok(()) => {}
                Err(err) if !bounded && err.code() == Some(code::TOO_MANY_ROWS) => {
                    // Page this range by key bounds from here on; this page again.
                    bounded = true;
                    continue;
                }
                Err(err) => return Err(call(err)),
            }
            if bounded {
                for (k, t) in &rows {
                    if visit(k, *t)?.is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                match bound {
                    Some(key) => {
                        cursor = Some(key);
                        page = pages.next().copied().unwrap_or(page);
                        continue;
                    }
                    None => return Ok(ControlFlow::Continue(())),
                }
            }
            let full = rows.len() == page;
            for (k, t) in &rows {
                if visit(k, *t)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            match rows.pop() {
                Some((last, _)) if full => cursor = Some(last),
                _ => return Ok(ControlFlow::Continue(())),
            }
            page = pages.next().copied().unwrap_or(page);
        }
    }

    pub(crate) fn lookup_rrset(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let admit = |row: &Row| {
            let parts = row.key.parts();
            query.rrtype.is_none_or(|t| t == parts.rrtype)
                && query
                    .bailiwick
                    .as_deref()
                    .is_none_or(|b| Some(b) == parts.bailiwick)
                && query.fence.admits(&row.tally)
        };
        let shard = match &query.name {
            // With partial answers asked for, the Distributed table skips a shard that is down.
            NamePattern::Exact(wire) if self.shards.len() > 1 && !self.partial => {
                Some(crate::write::shard_of(wire, self.shards.len()))
            }
            _ => None,
        };
        let (table, range, skip_after, decode): (_, _, Option<usize>, fn(&[u8]) -> _) =
            match &query.name {
                NamePattern::Exact(wire) => {
                    let mut prefix = Vec::new();
                    name::reversed_key(wire, &mut prefix);
                    if let Some(rrtype) = query.rrtype {
                        prefix.extend_from_slice(&rrtype.0.to_be_bytes());
                    }
                    (
                        "rrset",
                        KeyRange::prefix(prefix),
                        None,
                        keys::decode_rrset_key,
                    )
                }
                NamePattern::Subdomains(base) => {
                    let prefix = subdomain_prefix(base);
                    let len = prefix.len();
                    (
                        "rrset",
                        KeyRange::prefix(prefix),
                        Some(len),
                        keys::decode_rrset_key,
                    )
                }
                NamePattern::LeadingLabels(leading) => {
                    let prefix = leading_prefix(leading);
                    let len = prefix.len();
                    (
                        "forward",
                        KeyRange::prefix(prefix),
                        Some(len),
                        keys::decode_forward_rrset_key,
                    )
                }
            };
        let after = after.map(|key| {
            let mut out = Vec::new();
            if table == "forward" {
                keys::forward_rrset_key(&key.parts(), &mut out);
            } else {
                keys::rrset_key(&key.parts(), &mut out);
            }
            out
        });
        let _ = self.scan_range_on(
            shard,
            table,
            &range,
            after.as_deref(),
            None,
            &mut |k, tally| {
                // A 0x00 right after the prefix: the base name itself (or the leading labels
                // alone), not a name below or after it.
                if skip_after.is_some_and(|len| k.get(len) == Some(&0)) {
                    return Ok(ControlFlow::Continue(()));
                }
                let row = Row {
                    key: decode(k)?,
                    tally,
                };
                Ok(if admit(&row) {
                    visit(row)
                } else {
                    ControlFlow::Continue(())
                })
            },
        )?;
        Ok(())
    }

    /// Rows of the rdata table over `range` that pass the query's type and fence and `accept`.
    fn visit_rdata(
        &self,
        query: &RdataQuery,
        range: &KeyRange,
        after: Option<&[u8]>,
        accept: &dyn Fn(&Row) -> bool,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, StoreError> {
        self.scan_range("rdata", range, after, &mut |k, tally| {
            let row = Row {
                key: keys::decode_rdata_key(k)?,
                tally,
            };
            let rrtype = row.key.parts().rrtype;
            Ok(
                if query.rrtype.is_none_or(|t| t == rrtype)
                    && query.fence.admits(&row.tally)
                    && accept(&row)
                {
                    visit(row)
                } else {
                    ControlFlow::Continue(())
                },
            )
        })
    }

    pub(crate) fn lookup_rdata(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let after_key = after.map(|key| {
            let mut out = Vec::new();
            keys::rdata_key(&key.parts(), &mut out);
            out
        });
        let after_key = after_key.as_deref();
        match &query.rdata {
            RdataMatch::Ip(range) => {
                let Some((start, end)) = keys::ip_key_range(range) else {
                    return Ok(());
                };
                let range = KeyRange { start, end };
                let _ = self.visit_rdata(query, &range, after_key, &|_| true, visit)?;
            }
            RdataMatch::Name(pattern) => {
                let (prefix, check) = keys::target_prefix(pattern);
                let accept = move |row: &Row| {
                    let parts = row.key.parts();
                    !check || keys::target_matches(pattern, parts.rrtype, parts.rdata)
                };
                let range = KeyRange::prefix(prefix);
                let _ = self.visit_rdata(query, &range, after_key, &accept, visit)?;
            }
            RdataMatch::EveryOfType => {
                let Some(rrtype) = query.rrtype else {
                    return Err(StoreError::Engine(
                        "a lookup of every row of a type needs the type".into(),
                    ));
                };
                // One resumed walk spans both parts of a target type ('N' < 'W').
                for prefix in keys::type_prefixes(rrtype) {
                    let range = KeyRange::prefix(prefix);
                    if self
                        .visit_rdata(query, &range, after_key, &|_| true, visit)?
                        .is_break()
                    {
                        break;
                    }
                }
            }
            RdataMatch::Raw(bytes) => {
                let types = match query.rrtype {
                    Some(rrtype) => vec![rrtype],
                    None => self.raw_candidate_types(bytes)?,
                };
                let resume_type = after.map(|key| key.parts().rrtype);
                for rrtype in types {
                    if resume_type.is_some_and(|t| rrtype < t) {
                        continue;
                    }
                    let typed = RdataQuery {
                        rrtype: Some(rrtype),
                        ..query.clone()
                    };
                    let wanted = bytes.clone();
                    let accept = move |row: &Row| row.key.parts().rdata == wanted.as_slice();
                    let range = KeyRange::prefix(keys::raw_prefix(rrtype, bytes));
                    let resume = after_key.filter(|_| resume_type == Some(rrtype));
                    if self
                        .visit_rdata(&typed, &range, resume, &accept, visit)?
                        .is_break()
                    {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// The types a raw lookup without a type must try: A or AAAA by length, the target types
    /// when the bytes hold a name, and the types of the whole-rdata part holding these bytes.
    fn raw_candidate_types(&self, bytes: &[u8]) -> Result<Vec<RrType>, StoreError> {
        let mut types = keys::raw_fixed_types(bytes);
        if let Ok(len) = u16::try_from(bytes.len()) {
            let sql = format!(
                "SELECT DISTINCT reinterpretAsUInt16(reverse(substring(k, 2, 2))) FROM {} \
                 WHERE batch = 0 AND k >= 'W' AND k < 'X' AND substring(k, 4, 2) = {} \
                 AND substring(k, 6, {len}) = {} FORMAT TabSeparated",
                self.read_table("rdata"),
                hex(&len.to_be_bytes()),
                hex(bytes)
            );
            let text = self
                .http
                .text(self.entry(), &sql, &self.read_settings())
                .map_err(call)?;
            types.extend(
                text.lines()
                    .filter_map(|l| l.trim().parse().ok())
                    .map(RrType),
            );
        }
        types.sort();
        types.dedup();
        Ok(types)
    }

    pub(crate) fn lookup_negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (prefix, skip_apex) = hark_store::keys::owner_prefix(&query.name, query.qtype);
        let len = prefix.len();
        let range = KeyRange {
            end: prefix_end(&prefix).filter(|_| len > 0),
            start: prefix,
        };
        let _ = self.scan_range("negative", &range, None, &mut |k, tally| {
            if skip_apex && k.get(len) == Some(&0) {
                return Ok(ControlFlow::Continue(()));
            }
            let key = keys::decode_negative_key(k)?;
            if query.qtype.is_some_and(|t| t != key.qtype)
                || !query.name.matches(&key.qname)
                || !query.fence.admits(&tally)
            {
                return Ok(ControlFlow::Continue(()));
            }
            Ok(visit(NegativeRow { key, tally }))
        })?;
        Ok(())
    }

    pub(crate) fn lookup_certs(
        &self,
        query: &CertQuery,
        visit: &mut dyn FnMut(CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (prefix, skip_apex) = hark_store::keys::owner_prefix(&query.name, None);
        let len = prefix.len();
        let range = KeyRange {
            end: prefix_end(&prefix).filter(|_| len > 0),
            start: prefix,
        };
        let _ = self.scan_range("cert", &range, None, &mut |k, tally| {
            if skip_apex && k.get(len) == Some(&0) {
                return Ok(ControlFlow::Continue(()));
            }
            let key = keys::decode_cert_key(k)?;
            if !query.name.matches(&key.name) || !query.fence.admits(&tally) {
                return Ok(ControlFlow::Continue(()));
            }
            Ok(visit(CertRow { key, tally }))
        })?;
        Ok(())
    }

    /// Every row of `rrset` in key order, only those passing the SQL condition `filter`.
    pub(crate) fn scan_rows(
        &self,
        filter: Option<&str>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let range = KeyRange {
            start: Vec::new(),
            end: None,
        };
        let _ = self.scan_range_on(None, "rrset", &range, None, filter, &mut |k, tally| {
            Ok(visit(Row {
                key: keys::decode_rrset_key(k)?,
                tally,
            }))
        })?;
        Ok(())
    }

    /// The latest checkpoint of each committed source (of `source` only, when given).
    pub(crate) fn read_checkpoints(
        &self,
        source: Option<&SourceId>,
    ) -> Result<Vec<Checkpoint>, StoreError> {
        let db = &self.db;
        let filter = source
            .map(|s| format!(" AND source = {}", hex(&s.0)))
            .unwrap_or_default();
        let sql = format!(
            "SELECT source, argMax(position, version), argMax(done, version), \
             argMax(options, version), argMax(bytes, version), argMax(note, version) \
             FROM {db}.ledger WHERE kind = 1{filter} AND batch IN \
             (SELECT batch FROM {db}.ledger WHERE kind = 0) \
             GROUP BY source ORDER BY source FORMAT RowBinary"
        );
        let mut found = Vec::new();
        self.http
            .rows(self.entry(), &sql, &[], &mut |row, first| {
                let source = SourceId(row.bytes(Some(first))?);
                let position = row.u64()?;
                let done = row.u8()? != 0;
                let options = row.u64()?;
                let bytes = row.u64()?;
                let note = String::from_utf8_lossy(&row.bytes(None)?).into_owned();
                found.push(Checkpoint {
                    source,
                    position,
                    done,
                    options,
                    bytes,
                    note,
                });
                Ok(true)
            })
            .map_err(call)?;
        Ok(found)
    }

    /// Exact figures: distinct keys counted by the servers (a scan of the key columns).
    pub(crate) fn read_stats(&self) -> Result<StoreStats, StoreError> {
        let settings = self.read_settings();
        let text = |sql: String| {
            self.http
                .text(
                    self.entry(),
                    &format!("{sql} FORMAT TabSeparated"),
                    &settings,
                )
                .map_err(call)
        };
        let number = |text: String| text.trim().parse::<u64>().unwrap_or(0);
        let rrset = self.read_table("rrset");
        let mut stats = StoreStats::default();
        for line in text(format!(
            "SELECT rrtype, uniqExact(k) FROM {rrset} WHERE batch = 0 GROUP BY rrtype"
        ))?
        .lines()
        {
            let mut fields = line.split('\t');
            if let (Some(Ok(rrtype)), Some(Ok(rows))) = (
                fields.next().map(str::parse::<u16>),
                fields.next().map(str::parse::<u64>),
            ) {
                stats.rows += rows;
                stats.rows_per_type.insert(RrType(rrtype), rows);
            }
        }
        stats.names = number(text(format!(
            "SELECT uniqExact(owner) FROM {rrset} WHERE batch = 0"
        ))?);
        stats.negatives = number(text(format!(
            "SELECT uniqExact(k) FROM {} WHERE batch = 0",
            self.read_table("negative")
        ))?);
        stats.certs = number(text(format!(
            "SELECT uniqExact(k) FROM {} WHERE batch = 0",
            self.read_table("cert")
        ))?);
        stats.files = self
            .read_checkpoints(None)?
            .iter()
            .filter(|c| c.done)
            .count() as u64;
        let mut parts = 0;
        for shard in &self.shards {
            let line = self
                .http
                .text(
                    shard,
                    &format!(
                        "SELECT sum(bytes_on_disk), count() FROM system.parts WHERE database = {} \
                         AND active FORMAT TabSeparated",
                        quote(&self.db)
                    ),
                    &[],
                )
                .map_err(call)?;
            let mut fields = line.trim().split('\t');
            stats.disk_bytes += fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
            parts += fields
                .next()
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0);
        }
        stats.engine = vec![("shards", self.shards.len() as u64), ("parts", parts)];
        Ok(stats)
    }
}
