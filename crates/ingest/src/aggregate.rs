//! The aggregation cache: folds observations from parsed responses into rows in memory, and
//! hands them to a store in batches.
//!
//! Every RR of a kept section becomes one observation of its (rrname, rrtype, rdata, bailiwick)
//! row at the response's time (epoch seconds, floored). An RR counts once per response that
//! carries it, whatever section (or how many sections) it stands in. Truncated (TC=1) responses
//! add nothing: the client will retry and the full answer is what counts. NXDOMAIN and NODATA
//! answers become negative observations of (qname, qtype, rcode), kept apart from RR rows.
//!
//! A response comes with its [`Bailiwick`]: unknown (captures: rows get none), or the zone
//! whose servers gave it (dnstap's `query_zone`). With a zone, every row gets the zone as its
//! bailiwick, and a record of a kept section whose owner is not at or below the zone is dropped
//! and counted ([`Dropped`]), as is a negative answer about a name outside it: servers speak
//! only for their zone, so that is how a poisoned record slipped into a response stays out.
//!
//! Memory is bounded: the cache estimates the bytes it holds and reports [`Aggregator::is_full`]
//! once past its budget, after which the owner drains it with [`Aggregator::take_batch`]. Because
//! merging is associative and commutative, draining early only changes how many store writes
//! happen, never the rows that result.

use crate::row_table::{key_hash, Merged, RowTable};
use hark_dns::name::is_at_or_below;
use hark_dns::{Response, RrType, Section, CLASS_IN};
use hark_record::{rcode, Batch, CertKey, NegativeKey, RrKey, RrKeyParts, Tally};
use hashbrown::HashMap;

/// Which message sections contribute RR rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionSet(u8);

impl SectionSet {
    /// Answer and authority: the default, as DNSDB keeps.
    pub const DEFAULT: SectionSet = SectionSet(Section::Answer as u8 | Section::Authority as u8);
    /// All three sections.
    pub const ALL: SectionSet =
        SectionSet(Section::Answer as u8 | Section::Authority as u8 | Section::Additional as u8);

    /// The set as bits (for fingerprints of options).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// True when `section` is in the set.
    pub fn contains(self, section: Section) -> bool {
        self.0 & section as u8 != 0
    }

    /// Parses a comma-separated list: `answer`, `authority`, `additional`, or `all`.
    pub fn parse(text: &str) -> Result<SectionSet, String> {
        let mut bits = 0u8;
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            bits |= match word.to_ascii_lowercase().as_str() {
                "answer" | "an" => Section::Answer as u8,
                "authority" | "auth" | "ns" => Section::Authority as u8,
                "additional" | "add" | "ar" => Section::Additional as u8,
                "all" => SectionSet::ALL.0,
                other => {
                    return Err(format!(
                        "unknown section {other:?}: use answer, authority, additional or all"
                    ))
                }
            };
        }
        if bits == 0 {
            return Err("no section given: use answer, authority, additional or all".into());
        }
        Ok(SectionSet(bits))
    }
}

impl Default for SectionSet {
    fn default() -> Self {
        SectionSet::DEFAULT
    }
}

/// Whose word the records of a response are: what bailiwick their rows get.
#[derive(Clone, Copy)]
pub enum Bailiwick<'z> {
    /// Unknown (a capture of client traffic): rows get no bailiwick and every record is kept.
    Unknown,
    /// The zone whose servers answered, canonical wire (dnstap's `query_zone`): rows get it as
    /// their bailiwick, and records whose owner is not at or below it are dropped.
    Zone(&'z [u8]),
    /// Per record: the offset in its owner name of the zone it gets as bailiwick (a suffix of
    /// the owner), or none to drop it ([`crate::bailiwick::ZoneTable::closest`] for the
    /// server that answered).
    Served(&'z dyn Fn(&[u8]) -> Option<usize>),
}

impl std::fmt::Debug for Bailiwick<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bailiwick::Unknown => f.write_str("Unknown"),
            Bailiwick::Zone(zone) => f.debug_tuple("Zone").field(zone).finish(),
            Bailiwick::Served(_) => f.write_str("Served"),
        }
    }
}

impl PartialEq for Bailiwick<'_> {
    /// Zones compare by name; per-record rules only by identity.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Bailiwick::Unknown, Bailiwick::Unknown) => true,
            (Bailiwick::Zone(a), Bailiwick::Zone(b)) => a == b,
            (Bailiwick::Served(a), Bailiwick::Served(b)) => std::ptr::addr_eq(*a, *b),
            _ => false,
        }
    }
}

impl<'z> Bailiwick<'z> {
    /// The bailiwick a record owned by `owner` gets: `Ok(None)` none, `Ok(Some(zone))`, or
    /// `Err(())` when it is to be dropped as out of bailiwick.
    #[inline]
    fn of<'o>(&self, owner: &'o [u8]) -> Result<Option<&'o [u8]>, ()>
    where
        'z: 'o,
    {
        match *self {
            Bailiwick::Unknown => Ok(None),
            Bailiwick::Zone(zone) if is_at_or_below(owner, zone) => Ok(Some(zone)),
            Bailiwick::Zone(_) => Err(()),
            Bailiwick::Served(zone_of) => zone_of(owner)
                .and_then(|at| owner.get(at..))
                .map(Some)
                .ok_or(()),
        }
    }
}

/// What [`Observations::push_in`] left out of one response because of its [`Bailiwick`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Records of a kept section whose owner is outside the zone (each occurrence).
    pub out_of_bailiwick: u64,
    /// The negative answer was about a name outside the zone (its CNAME chain left the zone).
    pub negative_out_of_bailiwick: bool,
}

/// Bytes of bookkeeping per cached negative or certificate row on top of its key: the map slot
/// (key box and tally), the allocator's header and the map's spare capacity.
const ROW_OVERHEAD: usize = 128;

/// Counters of what the cache has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregateStats {
    /// Responses folded in (truncated ones included).
    pub responses: u64,
    /// Truncated (TC=1) responses, which add nothing.
    pub truncated: u64,
    /// RR observations added (after the per-response de-duplication).
    pub rrs: u64,
    /// RRs skipped because their class is not IN.
    pub non_in_class: u64,
    /// Negative (NXDOMAIN/NODATA) observations added.
    pub negatives: u64,
    /// Certificate-name observations added (after the per-certificate de-duplication).
    pub certs: u64,
}

impl AggregateStats {
    fn add(&mut self, other: &AggregateStats) {
        self.responses += other.responses;
        self.truncated += other.truncated;
        self.rrs += other.rrs;
        self.non_in_class += other.non_in_class;
        self.negatives += other.negatives;
        self.certs += other.certs;
    }
}

/// The bytes of a span of the arena (spans are made by the code that fills the arena).
fn span(arena: &[u8], (start, end): (usize, usize)) -> &[u8] {
    arena.get(start..end).unwrap_or_default()
}

/// A packed key in the arena, with its hash ([`key_hash`]). The hash is computed by the thread
/// that packs the key, so the aggregating thread (the pipeline's narrowest) does not, and
/// repeats inside a unit are found by comparing hashes before bytes.
#[derive(Clone, Copy, Debug, Default)]
struct KeySpan {
    start: usize,
    end: usize,
    hash: u64,
}

impl KeySpan {
    fn bytes(self, arena: &[u8]) -> &[u8] {
        span(arena, (self.start, self.end))
    }
}

/// One unit's share of an [`Observations`] chunk: a response, or a set of rows read from an
/// import with their tally.
#[derive(Clone, Copy, Debug)]
struct ResponseEntry {
    /// When it was seen, epoch seconds.
    time: i64,
    /// The tally every key of the unit gets; `None`: one observation at `time`.
    tally: Option<Tally>,
    /// End (exclusive) of its keys in `Observations::keys`.
    keys_end: usize,
    /// Its negative observation: the packed `NegativeKey` name span, type and rcode.
    negative: Option<(usize, usize, RrType, u16)>,
    /// End (exclusive) of its certificate names in `Observations::certs`.
    certs_end: usize,
}

/// Observations extracted from parsed responses, ready to fold into an [`Aggregator`].
///
/// This is the hand-over between the thread that parses and the thread that aggregates: the
/// per-response work (which sections count, de-duplication within a response, what a negative
/// answer is about) happens when a response is pushed, so folding in is only map updates.
/// The buffers are reused after [`Observations::clear`].
#[derive(Default)]
pub struct Observations {
    arena: Vec<u8>,
    keys: Vec<KeySpan>,
    /// Certificate names: (name start, name end = issuer start, issuer end) in the arena.
    certs: Vec<(usize, usize, usize)>,
    responses: Vec<ResponseEntry>,
    stats: AggregateStats,
    /// Input bytes consumed when this chunk was completed (for progress).
    pub bytes_read: u64,
}

impl Observations {
    /// Empties the chunk, keeping its buffers.
    pub fn clear(&mut self) {
        self.arena.clear();
        self.keys.clear();
        self.certs.clear();
        self.responses.clear();
        self.stats = AggregateStats::default();
        self.bytes_read = 0;
    }

    /// Units (responses, import lines) held.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Bytes the chunk holds (keys, spans and unit entries), for byte-bounded chunks.
    pub fn estimated_bytes(&self) -> usize {
        self.arena.len()
            + self.keys.len() * std::mem::size_of::<KeySpan>()
            + self.certs.len() * std::mem::size_of::<(usize, usize, usize)>()
            + self.responses.len() * std::mem::size_of::<ResponseEntry>()
    }

    /// Adds one unit of rows known with their tally (an import line; an rdata array gives
    /// several rows). A row repeated inside the unit counts once. Returns how many rows were
    /// kept (rows whose names do not fit a key are dropped).
    pub fn push_rows<'r>(
        &mut self,
        rows: impl IntoIterator<Item = RrKeyParts<'r>>,
        tally: Tally,
    ) -> usize {
        self.stats.responses += 1;
        let first_key = self.keys.len();
        for parts in rows {
            self.push_key(&parts);
        }
        self.dedup_keys_from(first_key);
        let kept = self.keys.len() - first_key;
        self.stats.rrs += kept as u64;
        self.responses.push(ResponseEntry {
            time: tally.seen.map_or(0, |s| s.last),
            tally: Some(tally),
            keys_end: self.keys.len(),
            negative: None,
            certs_end: self.certs.len(),
        });
        kept
    }

    /// Adds one unit that says a certificate named these names (canonical wire), signed by
    /// `issuer`, with its tally: a Certificate Transparency entry. A name repeated inside the
    /// certificate counts once. Returns how many names were kept.
    pub fn push_certs<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n [u8]>,
        issuer: &str,
        tally: Tally,
    ) -> usize {
        self.stats.responses += 1;
        let first = self.certs.len();
        let issuer = CertKey::new(b"", issuer).issuer;
        for name in names {
            let start = self.arena.len();
            self.arena.extend_from_slice(name);
            let middle = self.arena.len();
            self.arena.extend_from_slice(issuer.as_bytes());
            self.certs.push((start, middle, self.arena.len()));
        }
        if let Some(own) = self.certs.get_mut(first..) {
            let arena = &self.arena;
            own.sort_unstable_by(|a, b| span(arena, (a.0, a.1)).cmp(span(arena, (b.0, b.1))));
        }
        let arena = &self.arena;
        let mut kept = first;
        for i in first..self.certs.len() {
            let current = self.certs.get(i).copied().unwrap_or_default();
            let repeat = kept
                .checked_sub(1)
                .filter(|&k| k >= first)
                .and_then(|k| self.certs.get(k))
                .is_some_and(|p| span(arena, (p.0, p.1)) == span(arena, (current.0, current.1)));
            if !repeat {
                if let Some(slot) = self.certs.get_mut(kept) {
                    *slot = current;
                }
                kept += 1;
            }
        }
        self.certs.truncate(kept);
        self.stats.certs += (kept - first) as u64;
        self.responses.push(ResponseEntry {
            time: tally.seen.map_or(0, |s| s.last),
            tally: Some(tally),
            keys_end: self.keys.len(),
            negative: None,
            certs_end: self.certs.len(),
        });
        kept - first
    }

    /// Adds one unit that says a question got a negative answer (`rcode` 3 for NXDOMAIN, 0
    /// for NODATA), with its tally: an import line of a log that records answers.
    pub fn push_negative(&mut self, qname: &[u8], qtype: RrType, rcode: u16, tally: Tally) {
        self.stats.responses += 1;
        self.stats.negatives += 1;
        let start = self.arena.len();
        self.arena.extend_from_slice(qname);
        self.responses.push(ResponseEntry {
            time: tally.seen.map_or(0, |s| s.last),
            tally: Some(tally),
            keys_end: self.keys.len(),
            negative: Some((start, self.arena.len(), qtype, rcode)),
            certs_end: self.certs.len(),
        });
    }

    /// Packs one key into the arena with its hash; a key whose names do not fit is dropped.
    fn push_key(&mut self, parts: &RrKeyParts<'_>) {
        let start = self.arena.len();
        if RrKey::pack_into(parts, &mut self.arena).is_ok() {
            let end = self.arena.len();
            let hash = key_hash(span(&self.arena, (start, end)));
            self.keys.push(KeySpan { start, end, hash });
        } else {
            self.arena.truncate(start);
        }
    }

    /// Sorts the keys from `first_key` on (by hash, then bytes) and drops repeats: bytes are
    /// compared only when hashes are equal, nearly always for a real repeat.
    fn dedup_keys_from(&mut self, first_key: usize) {
        let arena = &self.arena;
        if let Some(own) = self.keys.get_mut(first_key..) {
            if own.len() > 1 {
                own.sort_unstable_by(|a, b| {
                    a.hash
                        .cmp(&b.hash)
                        .then_with(|| a.bytes(arena).cmp(b.bytes(arena)))
                });
                let mut kept: usize = 0;
                for i in 0..own.len() {
                    let current = own.get(i).copied().unwrap_or_default();
                    let previous = kept.checked_sub(1).and_then(|k| own.get(k).copied());
                    if previous.is_none_or(|p| {
                        p.hash != current.hash || p.bytes(arena) != current.bytes(arena)
                    }) {
                        if let Some(slot) = own.get_mut(kept) {
                            *slot = current;
                        }
                        kept += 1;
                    }
                }
                self.keys.truncate(first_key + kept);
            }
        }
    }

    /// True when no response is held.
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// Bytes of packed keys held.
    pub fn arena_bytes(&self) -> usize {
        self.arena.len()
    }

    /// Extracts the observations of one response received at `time` (epoch seconds), with no
    /// bailiwick ([`Bailiwick::Unknown`]).
    pub fn push(&mut self, response: &Response<'_>, time: i64, sections: SectionSet) {
        self.push_in(response, time, sections, Bailiwick::Unknown);
    }

    /// Adds a unit that gives no observation (a dnstap query, a frame that could not be read),
    /// so that a source's positions can count its input's own units.
    pub fn push_nothing(&mut self) {
        self.responses.push(ResponseEntry {
            time: 0,
            tally: None,
            keys_end: self.keys.len(),
            negative: None,
            certs_end: self.certs.len(),
        });
    }

    /// Extracts the observations of one response received at `time` (epoch seconds), whose
    /// rows get `bailiwick`; returns what the bailiwick left out.
    pub fn push_in(
        &mut self,
        response: &Response<'_>,
        time: i64,
        sections: SectionSet,
        bailiwick: Bailiwick<'_>,
    ) -> Dropped {
        let mut dropped = Dropped::default();
        self.stats.responses += 1;
        if response.truncated {
            self.stats.truncated += 1;
            return dropped;
        }
        let first_key = self.keys.len();
        let mut authority_ns = false;
        let mut authority_soa = false;
        for record in response.records() {
            match record.section {
                Section::Authority if record.rrtype == RrType::NS => authority_ns = true,
                Section::Authority if record.rrtype == RrType::SOA => authority_soa = true,
                _ => {}
            }
            if !sections.contains(record.section) {
                continue;
            }
            if record.class != CLASS_IN {
                self.stats.non_in_class += 1;
                continue;
            }
            let Ok(zone) = bailiwick.of(record.owner) else {
                dropped.out_of_bailiwick += 1;
                continue;
            };
            self.push_key(&RrKeyParts {
                rrname: record.owner,
                rrtype: record.rrtype,
                bailiwick: zone,
                rdata: record.rdata,
            });
        }
        // An RR counts once per response, whatever section (or sections) it stands in.
        self.dedup_keys_from(first_key);
        self.stats.rrs += (self.keys.len() - first_key) as u64;
        let referral = authority_ns && !authority_soa;
        let negative = match (response.rcode, &response.question) {
            // A negative row says an Internet name has no data: questions of other classes
            // (CHAOS `version.bind`) give none.
            (rcode::NXDOMAIN | rcode::NOERROR, Some(question))
                if response.opcode == 0
                    && question.qclass == CLASS_IN
                    && !(referral && response.rcode == rcode::NOERROR) =>
            {
                negative_subject(response, question.qname, question.qtype)
                    .filter(|subject| {
                        let inside = bailiwick.of(subject).is_ok();
                        dropped.negative_out_of_bailiwick = !inside;
                        inside
                    })
                    .map(|subject| {
                        let start = self.arena.len();
                        self.arena.extend_from_slice(subject);
                        (start, self.arena.len(), question.qtype, response.rcode)
                    })
            }
            _ => None,
        };
        if negative.is_some() {
            self.stats.negatives += 1;
        }
        self.responses.push(ResponseEntry {
            time,
            tally: None,
            keys_end: self.keys.len(),
            negative,
            certs_end: self.certs.len(),
        });
        dropped
    }
}

/// The in-memory cache of merged rows.
pub struct Aggregator {
    max_bytes: usize,
    bytes: usize,
    rows: RowTable,
    negatives: HashMap<NegativeKey, Tally>,
    certs: HashMap<CertKey, Tally>,
    stats: AggregateStats,
}

impl Aggregator {
    /// A cache that is full once it holds about `max_bytes`.
    pub fn new(max_bytes: usize) -> Aggregator {
        Aggregator {
            max_bytes,
            bytes: 0,
            rows: RowTable::default(),
            negatives: HashMap::new(),
            certs: HashMap::new(),
            stats: AggregateStats::default(),
        }
    }

    /// What the cache has counted so far.
    pub fn stats(&self) -> &AggregateStats {
        &self.stats
    }

    /// Estimated bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// True once the cache holds more than its budget and should be drained.
    pub fn is_full(&self) -> bool {
        self.bytes >= self.max_bytes
    }

    /// Rows (RR and negative) currently cached.
    pub fn len(&self) -> usize {
        self.rows.len() + self.negatives.len() + self.certs.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Folds responses `from..` of a chunk in (start with 0); returns where it stopped if the
    /// cache filled part-way, so the owner can drain it and call again from there.
    pub fn add_from(&mut self, observations: &Observations, from: usize) -> Option<usize> {
        if from == 0 {
            self.stats.add(&observations.stats);
        }
        let arena = &observations.arena;
        let (mut first_key, mut first_cert) = match from.checked_sub(1) {
            Some(previous) => observations
                .responses
                .get(previous)
                .map_or((0, 0), |r| (r.keys_end, r.certs_end)),
            None => (0, 0),
        };
        for (index, entry) in observations.responses.iter().enumerate().skip(from) {
            let observation = entry.tally.unwrap_or_else(|| Tally::seen_at(entry.time));
            for &key in observations
                .keys
                .get(first_key..entry.keys_end)
                .unwrap_or_default()
            {
                if let Merged::New(bytes) =
                    self.rows.merge(key.bytes(arena), key.hash, &observation)
                {
                    self.bytes += bytes;
                }
            }
            first_key = entry.keys_end;
            for &(start, middle, end) in observations
                .certs
                .get(first_cert..entry.certs_end)
                .unwrap_or_default()
            {
                let name = span(arena, (start, middle));
                let issuer = std::str::from_utf8(span(arena, (middle, end))).unwrap_or_default();
                let lookup = CertKeyRef { name, issuer };
                if let Some(tally) = self.certs.get_mut(&lookup) {
                    tally.merge(&observation);
                } else {
                    self.bytes += end - start + ROW_OVERHEAD;
                    self.certs.insert(
                        CertKey {
                            name: name.into(),
                            issuer: issuer.into(),
                        },
                        observation,
                    );
                }
            }
            first_cert = entry.certs_end;
            if let Some((start, end, qtype, rcode)) = entry.negative {
                let qname = span(arena, (start, end));
                let lookup = NegativeKeyRef {
                    qname,
                    qtype,
                    rcode,
                };
                if let Some(tally) = self.negatives.get_mut(&lookup) {
                    tally.merge(&observation);
                } else {
                    self.bytes += qname.len() + ROW_OVERHEAD;
                    let key = NegativeKey {
                        qname: qname.into(),
                        qtype,
                        rcode,
                    };
                    self.negatives.insert(key, observation);
                }
            }
            if self.is_full() && index + 1 < observations.responses.len() {
                return Some(index + 1);
            }
        }
        None
    }

    /// Drains the cache into a batch for the store.
    pub fn take_batch(&mut self) -> Batch {
        self.bytes = 0;
        Batch {
            rows: self.rows.drain(),
            negatives: self.negatives.drain().collect(),
            certs: self.certs.drain().collect(),
            checkpoints: Vec::new(),
        }
    }
}

/// A [`NegativeKey`] borrowed from a chunk, to look one up without allocating its name. Its
/// derived hash equals the owned key's (a slice hashes as its boxed copy does).
#[derive(Hash)]
struct NegativeKeyRef<'a> {
    qname: &'a [u8],
    qtype: RrType,
    rcode: u16,
}

impl hashbrown::Equivalent<NegativeKey> for NegativeKeyRef<'_> {
    fn equivalent(&self, key: &NegativeKey) -> bool {
        *self.qname == *key.qname && self.qtype == key.qtype && self.rcode == key.rcode
    }
}

/// A [`CertKey`] borrowed from a chunk; hashes as the owned key does.
#[derive(Hash)]
struct CertKeyRef<'a> {
    name: &'a [u8],
    issuer: &'a str,
}

impl hashbrown::Equivalent<CertKey> for CertKeyRef<'_> {
    fn equivalent(&self, key: &CertKey) -> bool {
        *self.name == *key.name && *self.issuer == *key.issuer
    }
}

/// Whether two names from one parsed response are equal. The parser gives every reference to
/// one compressed name the same bytes, so the same slice answers before the bytes are compared
/// (a call to `memcmp` per record was a tenth of the parsing thread's time).
fn same_name(a: &[u8], b: &[u8]) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// Longest CNAME chain followed when deciding what a negative answer is about.
const MAX_CHAIN: usize = 16;

/// The name a negative answer is about: the end of the CNAME chain from `qname` in the answer
/// section; `None` when the answer does hold data of `qtype` for it (a positive answer). Only
/// records of class IN count: an update-style CNAME of class ANY or NONE has empty rdata, no
/// name to follow.
fn negative_subject<'r>(
    response: &'r Response<'_>,
    qname: &'r [u8],
    qtype: RrType,
) -> Option<&'r [u8]> {
    let mut subject = qname;
    for _ in 0..MAX_CHAIN {
        let mut next = None;
        for record in response.records() {
            let answers = record.rrtype == qtype || qtype == RrType::ANY;
            let leads_on = record.rrtype == RrType::CNAME && next.is_none();
            // Names compared last: most records are not of a type that matters here.
            if record.section != Section::Answer
                || record.class != CLASS_IN
                || !(answers || leads_on)
                || !same_name(record.owner, subject)
            {
                continue;
            }
            if answers {
                return None;
            }
            next = Some(record.rdata);
        }
        match next {
            Some(target) if target != subject => subject = target,
            _ => return Some(subject),
        }
    }
    Some(subject)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_borrowed_negative_key_finds_the_owned_one() {
        let mut map: HashMap<NegativeKey, u32> = HashMap::new();
        let qname = b"\x02nx\x07example\x00";
        map.insert(
            NegativeKey {
                qname: qname.to_vec().into_boxed_slice(),
                qtype: RrType::AAAA,
                rcode: 3,
            },
            1,
        );
        let found = |qtype, rcode| {
            map.get(&NegativeKeyRef {
                qname,
                qtype,
                rcode,
            })
            .copied()
        };
        assert_eq!(found(RrType::AAAA, 3), Some(1));
        assert_eq!(found(RrType::A, 3), None);
        assert_eq!(found(RrType::AAAA, 0), None);
    }

    use super::*;
    use crate::testing::{a, name_rr, record, response, soa, wire};
    use hark_dns::ResponseParser;

    /// (rrname, bailiwick) of a row.
    type Named = (Vec<u8>, Option<Vec<u8>>);

    /// The rows and negative rows one response gives under `bailiwick`, with what it dropped.
    fn rows_of(
        message: &[u8],
        sections: SectionSet,
        bailiwick: Bailiwick<'_>,
    ) -> (Vec<Named>, Vec<Vec<u8>>, Dropped) {
        let mut parser = ResponseParser::new();
        let parsed = parser.parse(message).expect("parses");
        let mut observations = Observations::default();
        let dropped = observations.push_in(&parsed, 100, sections, bailiwick);
        assert_eq!(observations.len(), 1, "one unit per response");
        let mut aggregator = Aggregator::new(1 << 20);
        assert_eq!(aggregator.add_from(&observations, 0), None);
        let batch = aggregator.take_batch();
        let mut rows: Vec<_> = batch
            .rows
            .iter()
            .map(|(key, tally)| {
                assert_eq!(tally.count, 1);
                let parts = key.parts();
                (parts.rrname.to_vec(), parts.bailiwick.map(<[u8]>::to_vec))
            })
            .collect();
        rows.sort();
        let negatives = batch
            .negatives
            .iter()
            .map(|(key, _)| key.qname.to_vec())
            .collect();
        (rows, negatives, dropped)
    }

    #[test]
    fn a_zone_is_the_bailiwick_and_keeps_a_poisoned_record_out() {
        // example.com's servers answer for www.example.com, and slip an address for
        // www.bank.test into the additional section.
        let message = response(
            "www.example.com",
            1,
            0,
            &[
                a(Section::Answer, "www.example.com", [192, 0, 2, 1]),
                name_rr(Section::Authority, "example.com", 2, "ns1.example.com"),
                a(Section::Additional, "ns1.example.com", [192, 0, 2, 53]),
                a(Section::Additional, "www.bank.test", [203, 0, 113, 66]),
            ],
        );
        let zone = wire("example.com");
        let (rows, negatives, dropped) = rows_of(&message, SectionSet::ALL, Bailiwick::Zone(&zone));
        let in_zone = |name: &str| (wire(name), Some(zone.clone()));
        let mut expected = vec![
            in_zone("www.example.com"),
            in_zone("example.com"),
            in_zone("ns1.example.com"),
        ];
        expected.sort();
        assert_eq!(rows, expected, "the poisoned record is not stored");
        assert!(negatives.is_empty());
        assert_eq!(
            dropped,
            Dropped {
                out_of_bailiwick: 1,
                negative_out_of_bailiwick: false
            }
        );

        // Without a zone nothing is dropped and no row has a bailiwick.
        let (rows, _, dropped) = rows_of(&message, SectionSet::ALL, Bailiwick::Unknown);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|(_, bailiwick)| bailiwick.is_none()));
        assert_eq!(dropped, Dropped::default());

        // Records of sections that are not kept are neither rows nor counted drops.
        let (rows, _, dropped) = rows_of(&message, SectionSet::DEFAULT, Bailiwick::Zone(&zone));
        assert_eq!(rows.len(), 2);
        assert_eq!(dropped.out_of_bailiwick, 0);
    }

    #[test]
    fn a_negative_answer_outside_the_zone_is_dropped() {
        // NODATA for the end of a CNAME chain that leaves the zone: example.com's servers
        // cannot speak for cdn.test.
        let chain = response(
            "www.example.com",
            1,
            0,
            &[name_rr(
                Section::Answer,
                "www.example.com",
                5,
                "edge.cdn.test",
            )],
        );
        let zone = wire("example.com");
        let (rows, negatives, dropped) = rows_of(&chain, SectionSet::ALL, Bailiwick::Zone(&zone));
        assert_eq!(rows, vec![(wire("www.example.com"), Some(zone.clone()))]);
        assert!(negatives.is_empty());
        assert!(dropped.negative_out_of_bailiwick);
        // The same NXDOMAIN inside the zone is a negative row.
        let nxdomain = response("nx.example.com", 1, 3, &[soa("example.com")]);
        let (rows, negatives, dropped) =
            rows_of(&nxdomain, SectionSet::ALL, Bailiwick::Zone(&zone));
        assert_eq!(rows, vec![(wire("example.com"), Some(zone.clone()))]);
        assert_eq!(negatives, vec![wire("nx.example.com")]);
        assert_eq!(dropped, Dropped::default());
    }

    /// A response (QR=1) to `qname`/`qtype` of `qclass`, with answers of any class and rdata.
    fn response_of_classes(
        qname: &str,
        qtype: u16,
        qclass: u16,
        answers: &[(&str, u16, u16, &[u8])],
    ) -> Vec<u8> {
        let mut m = vec![
            0x12,
            0x34,
            0x84,
            0x00,
            0,
            1,
            0,
            answers.len() as u8,
            0,
            0,
            0,
            0,
        ];
        m.extend(wire(qname));
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&qclass.to_be_bytes());
        for &(owner, rrtype, class, rdata) in answers {
            record(&mut m, owner, rrtype, class, rdata);
        }
        m
    }

    /// Fuzz finding (dns_message): an update-style CNAME (class ANY, empty rdata) owned by the
    /// question's name was followed as a CNAME chain, and the NODATA row took its empty rdata
    /// as its name. Only class IN records lead a chain on, and only class IN questions give
    /// negative rows.
    #[test]
    fn negative_rows_follow_only_class_in() {
        let www = "www.example.com";
        let edge = wire("edge.example.com");
        // A CNAME of class ANY with no rdata: NODATA for the name asked.
        let update_style = response_of_classes(www, 1, 1, &[(www, 5, 255, &[])]);
        let (rows, negatives, _) = rows_of(&update_style, SectionSet::ALL, Bailiwick::Unknown);
        assert!(rows.is_empty(), "a class ANY record is no row");
        assert_eq!(negatives, vec![wire(www)]);
        // A CHAOS CNAME with a real target leads nowhere either.
        let chaos = response_of_classes(www, 1, 1, &[(www, 5, 3, &edge)]);
        let (rows, negatives, _) = rows_of(&chaos, SectionSet::ALL, Bailiwick::Unknown);
        assert!(rows.is_empty());
        assert_eq!(negatives, vec![wire(www)]);
        // The same CNAME in class IN does.
        let internet = response_of_classes(www, 1, 1, &[(www, 5, 1, &edge)]);
        let (rows, negatives, _) = rows_of(&internet, SectionSet::ALL, Bailiwick::Unknown);
        assert_eq!(rows, vec![(wire(www), None)]);
        assert_eq!(negatives, vec![edge.clone()]);
        // An A record of another class does not make the IN answer positive.
        let other = response_of_classes(www, 1, 1, &[(www, 1, 3, &[192, 0, 2, 1])]);
        let (_, negatives, _) = rows_of(&other, SectionSet::ALL, Bailiwick::Unknown);
        assert_eq!(negatives, vec![wire(www)]);
        // A CHAOS question without an answer (`version.bind` refused as NODATA) is no
        // negative row of the Internet's `version.bind.`.
        let version = response_of_classes("version.bind", 16, 3, &[]);
        let (rows, negatives, _) = rows_of(&version, SectionSet::ALL, Bailiwick::Unknown);
        assert!(rows.is_empty() && negatives.is_empty());

        // The fuzzer's own input: the root asked for TYPE6458 in class 3584, fourteen answers,
        // one of them a class ANY CNAME owned by the root with no rdata.
        let hex = [
            "d14181800001000e0000000000193a0e0000000001670000ff000004d83ac6cec00c001d00010000",
            "012b0010000031676f6f436c650001000001c00c000000000004000000000000000000000f000100",
            "00000000000000000000000000000000000000460000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000500ff3ff3ff010000000000001200000000000000",
            "0f00010000000000000000000000000000000000000000460001000002570009000c04616c4031c0",
            "5b",
        ]
        .concat();
        let mut found: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        let (_, negatives, _) = rows_of(&found, SectionSet::ALL, Bailiwick::Unknown);
        assert!(
            negatives.is_empty(),
            "a question of class 3584 gives no negative row"
        );
        // Asked in class IN, it is NODATA for the root, not for an empty name.
        found[15..17].copy_from_slice(&1u16.to_be_bytes());
        let (_, negatives, _) = rows_of(&found, SectionSet::ALL, Bailiwick::Unknown);
        assert_eq!(negatives, vec![vec![0]]);
    }

    #[test]
    fn an_empty_unit_counts_as_a_unit_and_adds_nothing() {
        let mut observations = Observations::default();
        observations.push_nothing();
        observations.push_nothing();
        assert_eq!(observations.len(), 2);
        let mut aggregator = Aggregator::new(1 << 20);
        assert_eq!(aggregator.add_from(&observations, 0), None);
        assert!(aggregator.is_empty());
        assert_eq!(aggregator.stats().responses, 0);
    }

    #[test]
    fn sections_parse() {
        assert_eq!(SectionSet::parse("all"), Ok(SectionSet::ALL));
        assert_eq!(
            SectionSet::parse("answer,authority"),
            Ok(SectionSet::DEFAULT)
        );
        let answer = SectionSet::parse("answer").expect("parses");
        assert!(answer.contains(Section::Answer));
        assert!(!answer.contains(Section::Additional));
        assert!(SectionSet::parse("answers").is_err());
        assert!(SectionSet::parse("").is_err());
    }
}
