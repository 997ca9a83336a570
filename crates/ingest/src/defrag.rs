//! IP defragmentation (IPv4 and the IPv6 fragment header) with bounded memory.
//!
//! Written here rather than taken from `etherparse::defrag`: in etherparse 0.21 the
//! `IpDefragPool` says itself that it is not safe against memory exhaustion (no cap on
//! datagrams in flight or bytes buffered, no eviction) and it lets a later fragment
//! overwrite bytes of an earlier one instead of reporting the overlap.
//!
//! Bounds and rules:
//! - a datagram is keyed by (version, source, destination, identification, protocol);
//! - the bytes buffered (the extent of every partial datagram) stay under
//!   [`DefragConfig::max_bytes`] and the datagrams in flight under
//!   [`DefragConfig::max_datagrams`]; when a new fragment would pass either, the oldest
//!   datagrams are dropped first (`fragments_evicted`);
//! - a datagram whose first fragment is older than [`DefragConfig::timeout_secs`] of
//!   capture time is dropped (`fragments_timeout`);
//! - a fragment that overlaps bytes already received with different content
//!   (`fragment_overlap`), a non-final fragment whose length is not a multiple of 8 or
//!   that is empty, a fragment past the end set by the final one, or two different ends
//!   (`fragment_inconsistent`) drop the whole datagram; an exact duplicate is ignored;
//! - a datagram that would be longer than 65,535 bytes with its header is dropped
//!   (`fragment_too_big`);
//! - at [`Defragmenter::finish`], what is still incomplete counts as `fragments_incomplete`.

use std::collections::VecDeque;

use hashbrown::HashMap;

use crate::stats::Skips;

/// Limits for [`Defragmenter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefragConfig {
    /// Bytes buffered over all partial datagrams.
    pub max_bytes: usize,
    /// Partial datagrams held at once.
    pub max_datagrams: usize,
    /// Capture-time seconds a datagram may take to complete, from its first fragment.
    pub timeout_secs: u32,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            max_bytes: 4 * 1024 * 1024,
            max_datagrams: 16 * 1024,
            timeout_secs: 30,
        }
    }
}

/// Identifies the datagram a fragment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// Source address (IPv4 in the first 4 bytes, the rest zero).
    pub src: [u8; 16],
    /// Destination address (IPv4 in the first 4 bytes, the rest zero).
    pub dst: [u8; 16],
    /// IPv4 identification (16 bits) or IPv6 fragment identification.
    pub id: u32,
    /// The upper-layer protocol (17 = UDP, 6 = TCP).
    pub protocol: u8,
    /// True for IPv6.
    pub ipv6: bool,
}

/// One fragment of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// Where its payload goes in the datagram's payload, in bytes.
    pub offset: u32,
    /// More fragments follow (MF flag / M flag).
    pub more: bool,
    /// The fragment's payload (after the IP header and its extension headers).
    pub payload: &'a [u8],
}

/// IP header bytes added to the reassembled payload when checking the 65,535 limit.
const MIN_HEADER_V4: u32 = 20;
const MIN_HEADER_V6: u32 = 40;
/// Largest IP datagram.
const MAX_DATAGRAM: u32 = 65_535;
/// Spare buffers kept for reuse.
const MAX_SPARE_BUFFERS: usize = 32;

#[derive(Debug)]
struct Partial {
    /// Payload bytes, at their offsets; bytes not in `ranges` are zero.
    data: Vec<u8>,
    /// Received byte ranges, sorted, disjoint and not adjacent.
    ranges: Vec<(u32, u32)>,
    /// The end set by the final fragment.
    total: Option<u32>,
    first_sec: i64,
    generation: u64,
}

enum AddOutcome {
    Pending,
    Complete,
    Drop(&'static str),
}

impl Partial {
    fn add(&mut self, fragment: &Fragment<'_>, end: u32) -> AddOutcome {
        let start = fragment.offset;
        if let Some(total) = self.total {
            if end > total || (!fragment.more && end != total) {
                return AddOutcome::Drop("fragment_inconsistent");
            }
        }
        if !fragment.more && self.ranges.last().is_some_and(|&(_, e)| e > end) {
            return AddOutcome::Drop("fragment_inconsistent");
        }
        // Overlap with received bytes: an exact repeat is fine, anything else is not.
        let overlapping = self.ranges.iter().any(|&(s, e)| s < end && start < e);
        if overlapping {
            let inside = self.ranges.iter().any(|&(s, e)| s <= start && end <= e);
            let same = self
                .data
                .get(start as usize..end as usize)
                .is_some_and(|old| old == fragment.payload);
            if inside && same {
                return AddOutcome::Pending;
            }
            return AddOutcome::Drop("fragment_overlap");
        }
        if self.data.len() < end as usize {
            self.data.resize(end as usize, 0);
        }
        if let Some(slot) = self.data.get_mut(start as usize..end as usize) {
            slot.copy_from_slice(fragment.payload);
        }
        // Insert the range, merging with neighbours that touch it.
        let at = self.ranges.partition_point(|&(s, _)| s < start);
        self.ranges.insert(at, (start, end));
        if at + 1 < self.ranges.len() {
            if let (Some(&(s, _)), Some(&(next_s, next_e))) =
                (self.ranges.get(at), self.ranges.get(at + 1))
            {
                if next_s == end {
                    if let Some(r) = self.ranges.get_mut(at) {
                        *r = (s, next_e);
                    }
                    self.ranges.remove(at + 1);
                }
            }
        }
        if at > 0 {
            if let (Some(&(prev_s, prev_e)), Some(&(_, e))) =
                (self.ranges.get(at - 1), self.ranges.get(at))
            {
                if prev_e == start {
                    if let Some(r) = self.ranges.get_mut(at - 1) {
                        *r = (prev_s, e);
                    }
                    self.ranges.remove(at);
                }
            }
        }
        if !fragment.more {
            self.total = Some(end);
        }
        match (self.total, self.ranges.as_slice()) {
            (Some(total), [(0, e)]) if *e == total => AddOutcome::Complete,
            _ => AddOutcome::Pending,
        }
    }
}

/// Reassembles fragmented IP datagrams within fixed memory bounds.
#[derive(Debug)]
pub struct Defragmenter {
    config: DefragConfig,
    partials: HashMap<FragmentKey, Partial>,
    /// Datagrams in arrival order; entries whose generation no longer matches are stale.
    order: VecDeque<(FragmentKey, u64)>,
    generation: u64,
    bytes: usize,
    /// The last datagram completed; its payload is lent out by [`Defragmenter::add`].
    done: Vec<u8>,
    spare: Vec<Vec<u8>>,
}

impl Defragmenter {
    /// A defragmenter with the given limits (`max_datagrams` of at least 1).
    pub fn new(config: DefragConfig) -> Self {
        Defragmenter {
            config: DefragConfig {
                max_datagrams: config.max_datagrams.max(1),
                ..config
            },
            partials: HashMap::new(),
            order: VecDeque::new(),
            generation: 0,
            bytes: 0,
            done: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Partial datagrams held.
    pub fn in_flight(&self) -> usize {
        self.partials.len()
    }

    /// Bytes held by partial datagrams.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// Adds a fragment seen at capture second `now`; returns the reassembled payload
    /// (the upper-layer header and data) when this fragment completes its datagram.
    /// Problems are counted in `skips`.
    pub fn add(
        &mut self,
        key: FragmentKey,
        fragment: Fragment<'_>,
        now: i64,
        skips: &mut Skips,
    ) -> Option<&[u8]> {
        self.expire(now, skips);
        let header = if key.ipv6 {
            MIN_HEADER_V6
        } else {
            MIN_HEADER_V4
        };
        let len = u32::try_from(fragment.payload.len()).unwrap_or(u32::MAX);
        let end = fragment.offset.saturating_add(len);
        if end.saturating_add(header) > MAX_DATAGRAM {
            self.remove(&key);
            skips.add("fragment_too_big");
            return None;
        }
        if fragment.more && (len == 0 || !len.is_multiple_of(8)) {
            self.remove(&key);
            skips.add("fragment_inconsistent");
            return None;
        }
        let grow = match self.partials.get(&key) {
            Some(partial) => (end as usize).saturating_sub(partial.data.len()),
            None => end as usize,
        };
        if grow > 0 {
            if grow > self.config.max_bytes {
                self.remove(&key);
                skips.add("fragments_evicted");
                return None;
            }
            while self.bytes + grow > self.config.max_bytes {
                if !self.evict_oldest(Some(&key), skips) {
                    break;
                }
            }
            if self.bytes + grow > self.config.max_bytes {
                self.remove(&key);
                skips.add("fragments_evicted");
                return None;
            }
        }
        if !self.partials.contains_key(&key) {
            while self.partials.len() >= self.config.max_datagrams {
                if !self.evict_oldest(None, skips) {
                    break;
                }
            }
            self.generation += 1;
            let data = self.spare.pop().unwrap_or_default();
            self.partials.insert(
                key,
                Partial {
                    data,
                    ranges: Vec::new(),
                    total: None,
                    first_sec: now,
                    generation: self.generation,
                },
            );
            self.order.push_back((key, self.generation));
            self.compact_order();
        }
        let partial = self.partials.get_mut(&key)?;
        let before = partial.data.len();
        let outcome = partial.add(&fragment, end);
        self.bytes = self.bytes + partial.data.len() - before;
        match outcome {
            AddOutcome::Pending => None,
            AddOutcome::Drop(reason) => {
                skips.add(reason);
                self.remove(&key);
                None
            }
            AddOutcome::Complete => {
                let mut partial = self.partials.remove(&key)?;
                self.bytes -= partial.data.len();
                std::mem::swap(&mut self.done, &mut partial.data);
                self.recycle(partial.data);
                Some(self.done.as_slice())
            }
        }
    }

    /// Drops datagrams whose first fragment is older than the timeout at second `now`.
    pub fn expire(&mut self, now: i64, skips: &mut Skips) {
        let timeout = i64::from(self.config.timeout_secs);
        while let Some(&(key, generation)) = self.order.front() {
            match self.partials.get(&key) {
                Some(partial) if partial.generation == generation => {
                    if partial.first_sec.saturating_add(timeout) >= now {
                        break;
                    }
                    self.order.pop_front();
                    self.remove(&key);
                    skips.add("fragments_timeout");
                }
                _ => {
                    self.order.pop_front();
                }
            }
        }
    }

    /// End of input: counts every datagram still incomplete and forgets it.
    pub fn finish(&mut self, skips: &mut Skips) {
        skips.add_n("fragments_incomplete", self.partials.len() as u64);
        self.partials.clear();
        self.order.clear();
        self.bytes = 0;
    }

    /// Evicts the oldest datagram other than `keep`; false when there is none.
    fn evict_oldest(&mut self, keep: Option<&FragmentKey>, skips: &mut Skips) -> bool {
        let mut kept = None;
        let mut evicted = false;
        while let Some((key, generation)) = self.order.pop_front() {
            let live = self
                .partials
                .get(&key)
                .is_some_and(|p| p.generation == generation);
            if !live {
                continue;
            }
            if Some(&key) == keep {
                kept = Some((key, generation));
                continue;
            }
            self.remove(&key);
            skips.add("fragments_evicted");
            evicted = true;
            break;
        }
        if let Some(entry) = kept {
            self.order.push_front(entry);
        }
        evicted
    }

    fn remove(&mut self, key: &FragmentKey) {
        if let Some(partial) = self.partials.remove(key) {
            self.bytes -= partial.data.len();
            self.recycle(partial.data);
        }
    }

    fn recycle(&mut self, mut data: Vec<u8>) {
        if self.spare.len() < MAX_SPARE_BUFFERS && data.capacity() <= 2 * MAX_DATAGRAM as usize {
            data.clear();
            self.spare.push(data);
        }
    }

    /// Keeps the order queue from filling up with stale entries.
    fn compact_order(&mut self) {
        if self.order.len() > 2 * self.partials.len() + 64 {
            let partials = &self.partials;
            self.order.retain(|(key, generation)| {
                partials
                    .get(key)
                    .is_some_and(|p| p.generation == *generation)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: u32) -> FragmentKey {
        FragmentKey {
            src: [1; 16],
            dst: [2; 16],
            id,
            protocol: 17,
            ipv6: false,
        }
    }

    fn frag(offset: u32, more: bool, payload: &[u8]) -> Fragment<'_> {
        Fragment {
            offset,
            more,
            payload,
        }
    }

    #[test]
    fn reverse_order_completes() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut skips = Skips::new();
        assert!(d
            .add(key(1), frag(16, false, b"cc"), 0, &mut skips)
            .is_none());
        assert!(d
            .add(key(1), frag(8, true, b"bbbbbbbb"), 0, &mut skips)
            .is_none());
        let out = d.add(key(1), frag(0, true, b"aaaaaaaa"), 0, &mut skips);
        assert_eq!(out, Some(&b"aaaaaaaabbbbbbbbcc"[..]));
        assert!(skips.is_empty());
        assert_eq!((d.in_flight(), d.buffered_bytes()), (0, 0));
    }

    #[test]
    fn exact_duplicate_is_ignored_overlap_drops() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut skips = Skips::new();
        d.add(key(1), frag(0, true, b"aaaaaaaa"), 0, &mut skips);
        d.add(key(1), frag(0, true, b"aaaaaaaa"), 0, &mut skips);
        assert!(skips.is_empty());
        d.add(key(1), frag(0, true, b"aaaaaaab"), 0, &mut skips);
        assert_eq!(skips.get("fragment_overlap"), 1);
        assert_eq!(d.in_flight(), 0);
    }

    #[test]
    fn odd_middle_fragment_is_inconsistent() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut skips = Skips::new();
        d.add(key(1), frag(0, true, b"abc"), 0, &mut skips);
        assert_eq!(skips.get("fragment_inconsistent"), 1);
    }

    #[test]
    fn two_ends_are_inconsistent() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut skips = Skips::new();
        d.add(key(1), frag(8, false, b"ab"), 0, &mut skips);
        d.add(key(1), frag(16, false, b"ab"), 0, &mut skips);
        assert_eq!(skips.get("fragment_inconsistent"), 1);
    }

    #[test]
    fn too_big_is_rejected() {
        let mut d = Defragmenter::new(DefragConfig::default());
        let mut skips = Skips::new();
        let payload = vec![0u8; 100];
        d.add(key(1), frag(65_480, false, &payload), 0, &mut skips);
        assert_eq!(skips.get("fragment_too_big"), 1);
        assert_eq!(d.in_flight(), 0);
    }

    #[test]
    fn timeout_and_caps() {
        let config = DefragConfig {
            max_bytes: 64,
            max_datagrams: 2,
            timeout_secs: 5,
        };
        let mut d = Defragmenter::new(config);
        let mut skips = Skips::new();
        let eight = [7u8; 8];
        d.add(key(1), frag(0, true, &eight), 0, &mut skips);
        d.add(key(2), frag(0, true, &eight), 1, &mut skips);
        d.add(key(3), frag(0, true, &eight), 2, &mut skips);
        assert_eq!(skips.get("fragments_evicted"), 1);
        assert_eq!(d.in_flight(), 2);
        // Growing key 3 to 64 bytes pushes key 2 out.
        d.add(key(3), frag(56, true, &eight), 2, &mut skips);
        assert_eq!(skips.get("fragments_evicted"), 2);
        assert!(d.buffered_bytes() <= 64);
        d.add(key(4), frag(0, true, &eight), 100, &mut skips);
        assert_eq!(skips.get("fragments_timeout"), 1);
        d.finish(&mut skips);
        assert_eq!(skips.get("fragments_incomplete"), 1);
    }
}
