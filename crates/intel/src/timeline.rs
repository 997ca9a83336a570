//! Intervals of "seen from … to …" folded into periods of constant membership, and the
//! changes between them: the shape of "moved from X to Y on D".

use serde::Serialize;
use std::collections::BTreeSet;

/// Most intervals folded into periods.
pub const MAX_VALUES: usize = 1_000;

/// A stretch of time during which the same values were in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start, epoch seconds.
    pub from: i64,
    /// End (inclusive), epoch seconds.
    pub until: i64,
    /// What was in use, sorted.
    pub values: Vec<String>,
}

/// A change after which none of the earlier values was in use: everything was replaced
/// (directly, or through a period when old and new were in use together).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// When the new values were first seen, epoch seconds.
    pub on: i64,
    /// What was in use before.
    pub from: Vec<String>,
    /// What was in use after.
    pub to: Vec<String>,
}

/// Folds `(value, first, last)` intervals into periods: each boundary (a first seen, or the
/// second after a last seen) starts a new period; periods with the same values are merged;
/// stretches when nothing was seen are left out.
///
/// More than [`MAX_VALUES`] intervals give no periods: a CDN's rotating pool has no moves,
/// and folding it would cost time quadratic in its size.
pub fn periods(intervals: &[(String, i64, i64)]) -> Vec<Period> {
    if intervals.len() > MAX_VALUES {
        return Vec::new();
    }
    let mut boundaries: Vec<i64> = intervals
        .iter()
        .flat_map(|(_, first, last)| [*first, last.saturating_add(1)])
        .collect();
    boundaries.sort_unstable();
    boundaries.dedup();
    let mut out: Vec<Period> = Vec::new();
    for pair in boundaries.windows(2) {
        let (start, next) = (pair[0], pair[1]);
        let values: BTreeSet<&String> = intervals
            .iter()
            .filter(|(_, first, last)| *first <= start && *last >= start)
            .map(|(value, _, _)| value)
            .collect();
        if values.is_empty() {
            continue;
        }
        let values: Vec<String> = values.into_iter().cloned().collect();
        match out.last_mut() {
            Some(last) if last.values == values && last.until.saturating_add(1) == start => {
                last.until = next - 1;
            }
            _ => out.push(Period {
                from: start,
                until: next - 1,
                values,
            }),
        }
    }
    out
}

/// The replacements between periods: `p → q` where `p` and `q` share nothing, or
/// `p → p∪r → r` (a migration with both in use for a while), dated when the new values
/// were first seen.
pub fn changes(periods: &[Period]) -> Vec<Change> {
    let disjoint = |a: &Period, b: &Period| !a.values.iter().any(|v| b.values.contains(v));
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < periods.len() {
        let (p, q) = (&periods[i], &periods[i + 1]);
        if disjoint(p, q) {
            out.push(Change {
                on: q.from,
                from: p.values.clone(),
                to: q.values.clone(),
            });
            i += 1;
            continue;
        }
        if let Some(r) = periods.get(i + 2) {
            let mut union: Vec<String> = p.values.iter().chain(&r.values).cloned().collect();
            union.sort();
            union.dedup();
            if disjoint(p, r) && q.values == union {
                out.push(Change {
                    on: q.from,
                    from: p.values.clone(),
                    to: r.values.clone(),
                });
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(value: &str, first: i64, last: i64) -> (String, i64, i64) {
        (value.to_string(), first, last)
    }

    #[test]
    fn a_move_with_an_overlap_and_a_gap() {
        // A alone, A+B together (migration), B alone, nothing, then C.
        let p = periods(&[iv("A", 0, 99), iv("B", 50, 199), iv("C", 300, 400)]);
        let sets: Vec<(i64, i64, Vec<&str>)> = p
            .iter()
            .map(|p| {
                (
                    p.from,
                    p.until,
                    p.values.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            sets,
            vec![
                (0, 49, vec!["A"]),
                (50, 99, vec!["A", "B"]),
                (100, 199, vec!["B"]),
                (300, 400, vec!["C"]),
            ]
        );
        assert_eq!(
            changes(&p),
            vec![
                Change {
                    on: 50,
                    from: vec!["A".into()],
                    to: vec!["B".into()]
                },
                Change {
                    on: 300,
                    from: vec!["B".into()],
                    to: vec!["C".into()]
                }
            ]
        );
        // An address added beside another is no move.
        assert!(changes(&periods(&[iv("A", 0, 99), iv("B", 50, 99)])).is_empty());
        assert!(periods(&[]).is_empty());
    }
}
