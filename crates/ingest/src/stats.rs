//! Counters kept while packets are turned into DNS messages.
//!
//! [`ExtractStats`] has plain counters for what normally happens (packets seen, queries
//! dropped, traffic that is not DNS) and [`Skips`], one count per named reason, for input
//! that was malformed or had to be given up (a hole in a TCP stream, an evicted fragment).
//! Reason names are `snake_case` `&'static str`s chosen where the skip happens; the list
//! of reasons in use is in the docs of [`crate::extract`].

/// Counts per named skip reason.
///
/// Few distinct reasons exist, so this is a small vector kept sorted by name; adding to
/// it never allocates once a reason has been seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skips {
    counts: Vec<(&'static str, u64)>,
}

impl Skips {
    /// An empty set of counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one skip for `reason`.
    pub fn add(&mut self, reason: &'static str) {
        self.add_n(reason, 1);
    }

    /// Counts `n` skips for `reason`; `n == 0` records nothing.
    pub fn add_n(&mut self, reason: &'static str, n: u64) {
        if n == 0 {
            return;
        }
        match self
            .counts
            .binary_search_by(|(name, _)| (*name).cmp(reason))
        {
            Ok(at) => {
                if let Some((_, count)) = self.counts.get_mut(at) {
                    *count = count.saturating_add(n);
                }
            }
            Err(at) => self.counts.insert(at, (reason, n)),
        }
    }

    /// The count for `reason`, 0 if it never happened.
    pub fn get(&self, reason: &str) -> u64 {
        match self
            .counts
            .binary_search_by(|(name, _)| (*name).cmp(reason))
        {
            Ok(at) => self.counts.get(at).map_or(0, |(_, count)| *count),
            Err(_) => 0,
        }
    }

    /// Every reason with its count, sorted by reason name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.counts.iter().copied()
    }

    /// Adds every count of `other` to this one.
    pub fn merge(&mut self, other: &Skips) {
        for (reason, n) in other.iter() {
            self.add_n(reason, n);
        }
    }

    /// The sum of all counts.
    pub fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, (_, n)| sum.saturating_add(*n))
    }

    /// True when nothing was skipped.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// What [`crate::extract::DnsExtractor`] saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractStats {
    /// Packets pushed in.
    pub packets: u64,
    /// DNS messages emitted that came over UDP (including reassembled IP datagrams).
    pub udp_messages: u64,
    /// DNS messages emitted that came out of a TCP stream.
    pub tcp_messages: u64,
    /// Datagrams and data-bearing segments sent *to* a server port (queries), dropped.
    pub queries: u64,
    /// Packets that are not DNS at all (not IP, not UDP/TCP, no server port), dropped.
    pub ignored: u64,
    /// IP fragments received (IPv4 or IPv6 fragment header).
    pub fragments: u64,
    /// IP datagrams reassembled from fragments.
    pub reassembled: u64,
    /// TCP streams (server to client directions) tracked.
    pub tcp_streams: u64,
    /// Packets taken out of a tunnel (GRE, IP in IP, VXLAN, GENEVE), each level counted.
    pub tunnelled: u64,
    /// Input given up on, per reason.
    pub skips: Skips,
}

impl ExtractStats {
    /// DNS messages emitted, over both transports.
    pub fn messages(&self) -> u64 {
        self.udp_messages.saturating_add(self.tcp_messages)
    }

    /// Adds every counter of `other` to this one.
    pub fn merge(&mut self, other: &ExtractStats) {
        self.packets = self.packets.saturating_add(other.packets);
        self.udp_messages = self.udp_messages.saturating_add(other.udp_messages);
        self.tcp_messages = self.tcp_messages.saturating_add(other.tcp_messages);
        self.queries = self.queries.saturating_add(other.queries);
        self.ignored = self.ignored.saturating_add(other.ignored);
        self.fragments = self.fragments.saturating_add(other.fragments);
        self.reassembled = self.reassembled.saturating_add(other.reassembled);
        self.tcp_streams = self.tcp_streams.saturating_add(other.tcp_streams);
        self.tunnelled = self.tunnelled.saturating_add(other.tunnelled);
        self.skips.merge(&other.skips);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_count_sort_and_merge() {
        let mut a = Skips::new();
        a.add("tcp_hole");
        a.add("bad_ip_header");
        a.add_n("tcp_hole", 2);
        a.add_n("nothing", 0);
        assert_eq!(a.get("tcp_hole"), 3);
        assert_eq!(a.get("nothing"), 0);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            vec![("bad_ip_header", 1), ("tcp_hole", 3)]
        );
        let mut b = Skips::new();
        b.add("tcp_hole");
        b.add("fragment_overlap");
        a.merge(&b);
        assert_eq!(a.total(), 6);
        assert_eq!(a.get("fragment_overlap"), 1);
        assert!(!a.is_empty());
    }
}
