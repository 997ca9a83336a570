//! The aggregation cache: folds observations from parsed responses into rows in memory, and
//! hands them to a store in batches.
//!
//! Every RR of a kept section becomes one observation of its (rrname, rrtype, rdata, bailiwick)
//! row at the response's time (epoch seconds, floored). An RR counts once per response that
//! carries it, whatever section (or how many sections) it stands in. Truncated (TC=1) responses
//! add nothing: the client will retry and the full answer is what counts. NXDOMAIN and NODATA
//! answers become negative observations of (qname, qtype, rcode), kept apart from RR rows.
//!
//! Memory is bounded: the cache estimates the bytes it holds and reports [`Aggregator::is_full`]
//! once past its budget, after which the owner drains it with [`Aggregator::take_batch`]. Because
//! merging is associative and commutative, draining early only changes how many store writes
//! happen, never the rows that result.

use hark_dns::{RrType, Response, Section};
use hark_record::{rcode, Batch, KeyError, NegativeKey, RrKey, RrKeyParts, Tally};
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

/// Bytes of bookkeeping per cached row on top of its key: the map slot (key box and tally),
/// the allocator's header and the map's spare capacity.
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
}

/// The in-memory cache of merged rows.
pub struct Aggregator {
    sections: SectionSet,
    max_bytes: usize,
    bytes: usize,
    rows: HashMap<RrKey, Tally>,
    negatives: HashMap<NegativeKey, Tally>,
    stats: AggregateStats,
    // Scratch for one response: the packed keys back to back, and their spans.
    scratch: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Aggregator {
    /// A cache keeping rows from `sections`, full once it holds about `max_bytes`.
    pub fn new(sections: SectionSet, max_bytes: usize) -> Aggregator {
        Aggregator {
            sections,
            max_bytes,
            bytes: 0,
            rows: HashMap::new(),
            negatives: HashMap::new(),
            stats: AggregateStats::default(),
            scratch: Vec::with_capacity(4096),
            spans: Vec::with_capacity(64),
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
        self.rows.len() + self.negatives.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Folds one parsed response, received at `time` (epoch seconds), into the cache.
    pub fn observe(&mut self, response: &Response<'_>, time: i64) {
        self.stats.responses += 1;
        if response.truncated {
            self.stats.truncated += 1;
            return;
        }
        self.scratch.clear();
        self.spans.clear();
        let mut authority_ns = false;
        let mut authority_soa = false;
        for record in response.records() {
            match record.section {
                Section::Authority if record.rrtype == RrType::NS => authority_ns = true,
                Section::Authority if record.rrtype == RrType::SOA => authority_soa = true,
                _ => {}
            }
            if !self.sections.contains(record.section) {
                continue;
            }
            if record.class != 1 {
                self.stats.non_in_class += 1;
                continue;
            }
            let start = self.scratch.len();
            let parts = RrKeyParts {
                rrname: record.owner,
                rrtype: record.rrtype,
                bailiwick: None,
                rdata: record.rdata,
            };
            if RrKey::pack_into(&parts, &mut self.scratch).is_ok() {
                self.spans.push((start, self.scratch.len()));
            } else {
                self.scratch.truncate(start);
            }
        }
        self.add_unique_keys(time);
        if matches!(response.rcode, rcode::NXDOMAIN | rcode::NOERROR) && response.opcode == 0 {
            self.observe_negative(response, time, authority_ns && !authority_soa);
        }
    }

    /// Adds each distinct key of the current response once.
    fn add_unique_keys(&mut self, time: i64) {
        let scratch = &self.scratch;
        if self.spans.len() > 1 {
            self.spans
                .sort_unstable_by(|a, b| scratch[a.0..a.1].cmp(&scratch[b.0..b.1]));
            self.spans
                .dedup_by(|a, b| scratch[a.0..a.1] == scratch[b.0..b.1]);
        }
        let observation = Tally::seen_at(time);
        for &(start, end) in &self.spans {
            let key = &scratch[start..end];
            self.stats.rrs += 1;
            if let Some(tally) = self.rows.get_mut(key) {
                tally.merge(&observation);
            } else if let Ok(owned) = RrKey::from_packed(key.into()) {
                self.bytes += key.len() + ROW_OVERHEAD;
                self.rows.insert(owned, observation);
            }
        }
    }

    /// Records an NXDOMAIN, or a NODATA (NOERROR, no answer of the asked type, not a
    /// referral), against the last name of the answer's CNAME chain: that is the name the
    /// negative answer is about (RFC 6604 §3).
    fn observe_negative(&mut self, response: &Response<'_>, time: i64, referral: bool) {
        let Some(question) = &response.question else {
            return;
        };
        if referral && response.rcode == rcode::NOERROR {
            return;
        }
        let Some(subject) = negative_subject(response, question.qname, question.qtype) else {
            return;
        };
        self.stats.negatives += 1;
        let key = NegativeKey {
            qname: subject.into(),
            qtype: question.qtype,
            rcode: response.rcode,
        };
        let observation = Tally::seen_at(time);
        if let Some(tally) = self.negatives.get_mut(&key) {
            tally.merge(&observation);
        } else {
            self.bytes += key.qname.len() + ROW_OVERHEAD;
            self.negatives.insert(key, observation);
        }
    }

    /// Folds in a row known from elsewhere (an import), with its tally as given.
    pub fn add_row(&mut self, parts: &RrKeyParts<'_>, tally: &Tally) -> Result<(), KeyError> {
        self.scratch.clear();
        RrKey::pack_into(parts, &mut self.scratch)?;
        if let Some(cached) = self.rows.get_mut(self.scratch.as_slice()) {
            cached.merge(tally);
        } else {
            self.bytes += self.scratch.len() + ROW_OVERHEAD;
            self.rows
                .insert(RrKey::from_packed(self.scratch.as_slice().into())?, *tally);
        }
        Ok(())
    }

    /// Drains the cache into a batch for the store.
    pub fn take_batch(&mut self) -> Batch {
        self.bytes = 0;
        Batch {
            rows: self.rows.drain().collect(),
            negatives: self.negatives.drain().collect(),
            files: Vec::new(),
        }
    }
}

/// Longest CNAME chain followed when deciding what a negative answer is about.
const MAX_CHAIN: usize = 16;

/// The name a negative answer is about: the end of the CNAME chain from `qname` in the answer
/// section; `None` when the answer does hold data of `qtype` for it (a positive answer).
fn negative_subject<'r>(response: &'r Response<'_>, qname: &'r [u8], qtype: RrType) -> Option<&'r [u8]> {
    let mut subject = qname;
    for _ in 0..MAX_CHAIN {
        let mut next = None;
        for record in response.records() {
            if record.section != Section::Answer || record.owner != subject {
                continue;
            }
            if record.rrtype == qtype || qtype == RrType::ANY {
                return None;
            }
            if record.rrtype == RrType::CNAME && next.is_none() {
                next = Some(record.rdata);
            }
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
    use super::*;

    #[test]
    fn sections_parse() {
        assert_eq!(SectionSet::parse("all"), Ok(SectionSet::ALL));
        assert_eq!(SectionSet::parse("answer,authority"), Ok(SectionSet::DEFAULT));
        let answer = SectionSet::parse("answer").expect("parses");
        assert!(answer.contains(Section::Answer));
        assert!(!answer.contains(Section::Additional));
        assert!(SectionSet::parse("answers").is_err());
        assert!(SectionSet::parse("").is_err());
    }
}
