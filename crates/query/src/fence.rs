//! Time fences: bounds on when a row was first and last seen.

use hark_record::Tally;

/// Inclusive bounds on a row's first and last seen times (epoch seconds).
///
/// `first_after: Some(t)` keeps rows with `time_first >= t`, and so on. Rows known only from
/// zone imports are judged by their zone times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeFence {
    /// Keep rows first seen at or after this time.
    pub first_after: Option<i64>,
    /// Keep rows first seen at or before this time.
    pub first_before: Option<i64>,
    /// Keep rows last seen at or after this time.
    pub last_after: Option<i64>,
    /// Keep rows last seen at or before this time.
    pub last_before: Option<i64>,
}

impl TimeFence {
    /// True when the fence lets a row with this tally through.
    pub fn admits(&self, tally: &Tally) -> bool {
        let Some(span) = tally.seen.or(tally.zone_seen) else {
            return self == &TimeFence::default();
        };
        self.first_after.is_none_or(|t| span.first >= t)
            && self.first_before.is_none_or(|t| span.first <= t)
            && self.last_after.is_none_or(|t| span.last >= t)
            && self.last_before.is_none_or(|t| span.last <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_are_inclusive() {
        let tally = Tally {
            seen: Some(hark_record::TimeSpan {
                first: 100,
                last: 200,
            }),
            zone_seen: None,
            count: 1,
        };
        let fence = |f: TimeFence| f.admits(&tally);
        assert!(fence(TimeFence {
            first_after: Some(100),
            last_before: Some(200),
            ..TimeFence::default()
        }));
        assert!(!fence(TimeFence {
            first_after: Some(101),
            ..TimeFence::default()
        }));
        assert!(!fence(TimeFence {
            last_after: Some(201),
            ..TimeFence::default()
        }));
        assert!(fence(TimeFence {
            first_before: Some(100),
            last_after: Some(200),
            ..TimeFence::default()
        }));
    }
}
