//! The active check: which remembered records a named resolver still returns.

use crate::document::{date, table, Block, Section};
use hark_intel::verify::Verification;

/// The verification section: a line saying how many queries went to which resolver (it is
/// the one section that did not come from the store alone), then each record's status now.
pub fn verification_section(v: &Verification) -> Section {
    let resolves = v.records.iter().filter(|r| r.status == "resolves").count();
    let mut blocks =
        vec![Block::Line(format!(
        "ACTIVE: {} queries were sent to {} at {}; {} of {} remembered records still resolve{}.",
        v.questions,
        v.resolver,
        date(v.checked_at),
        resolves,
        v.records.len(),
        if v.truncated { " (questions capped)" } else { "" }
    ))];
    blocks.push(table(
        &["name", "type", "remembered", "now", "current answer"],
        &v.records,
        |r| {
            vec![
                r.rrname.clone(),
                r.rrtype.clone(),
                r.rdata.clone(),
                r.status.clone(),
                r.current.join(" "),
            ]
        },
    ));
    Section {
        title: "Verification (active)".into(),
        blocks,
    }
}
