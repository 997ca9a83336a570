//! The per-row statistics and the one merge rule every part of hark uses.
//!
//! A [`Tally`] is what hark knows about one stored row: when sensors first and last saw it,
//! when zone imports first and last saw it, and how many times it was observed. Merging two
//! tallies takes the minimum of the firsts, the maximum of the lasts and the sum of the counts.
//! That operation is associative and commutative, so replaying the same observations in any
//! order or batching gives the same store.

/// First/last seen times and the observation count of one row.
///
/// Times are epoch seconds. A time pair is absent (`None`) when no observation of that kind
/// (sensor or zone file) has been merged yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tally {
    /// Earliest and latest sensor observation, epoch seconds.
    pub seen: Option<TimeSpan>,
    /// Earliest and latest zone-file observation, epoch seconds.
    pub zone_seen: Option<TimeSpan>,
    /// How many times the row was observed (one per response that carried it).
    pub count: u64,
}

/// An inclusive span of epoch seconds: `first <= last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeSpan {
    /// The earliest time, epoch seconds.
    pub first: i64,
    /// The latest time, epoch seconds.
    pub last: i64,
}

impl TimeSpan {
    /// A span covering a single instant.
    pub fn at(time: i64) -> TimeSpan {
        TimeSpan {
            first: time,
            last: time,
        }
    }

    /// The smallest span covering both.
    pub fn union(self, other: TimeSpan) -> TimeSpan {
        TimeSpan {
            first: self.first.min(other.first),
            last: self.last.max(other.last),
        }
    }
}

fn union_option(a: Option<TimeSpan>, b: Option<TimeSpan>) -> Option<TimeSpan> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Tally {
    /// One sensor observation at `time` (epoch seconds).
    pub fn seen_at(time: i64) -> Tally {
        Tally {
            seen: Some(TimeSpan::at(time)),
            zone_seen: None,
            count: 1,
        }
    }

    /// Folds `other` into `self`: min of firsts, max of lasts, sum of counts (saturating).
    pub fn merge(&mut self, other: &Tally) {
        self.seen = union_option(self.seen, other.seen);
        self.zone_seen = union_option(self.zone_seen, other.zone_seen);
        self.count = self.count.saturating_add(other.count);
    }

    /// The merged result of two tallies, leaving both untouched.
    pub fn merged(mut self, other: &Tally) -> Tally {
        self.merge(other);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_takes_min_max_sum() {
        let mut a = Tally {
            seen: Some(TimeSpan {
                first: 10,
                last: 20,
            }),
            zone_seen: None,
            count: 3,
        };
        let b = Tally {
            seen: Some(TimeSpan { first: 5, last: 15 }),
            zone_seen: Some(TimeSpan::at(7)),
            count: 4,
        };
        a.merge(&b);
        assert_eq!(a.seen, Some(TimeSpan { first: 5, last: 20 }));
        assert_eq!(a.zone_seen, Some(TimeSpan::at(7)));
        assert_eq!(a.count, 7);
    }

    #[test]
    fn count_saturates_instead_of_wrapping() {
        let mut a = Tally {
            count: u64::MAX - 1,
            ..Tally::seen_at(1)
        };
        a.merge(&Tally::seen_at(2));
        a.merge(&Tally::seen_at(3));
        assert_eq!(a.count, u64::MAX);
        assert_eq!(a.seen, Some(TimeSpan { first: 1, last: 3 }));
    }
}
