//! The alert log: folding within a window, states, ids and contents across reopenings and
//! across two handles on one file (two processes).

use hark_watch::alerts::Finding;
use hark_watch::{AlertLog, Evidence, Severity, State};

fn finding(subject: &str, time: i64, window: i64) -> Finding {
    Finding {
        rule: "r".into(),
        title: "a rule".into(),
        kind: "canary",
        severity: Severity::High,
        window,
        sinks: vec![],
        subject: subject.into(),
        summary: format!("{subject} seen"),
        evidence: Evidence {
            source: "row".into(),
            rrname: subject.into(),
            rrtype: "A".into(),
            time_first: time,
            time_last: time,
            count: 1,
            ..Evidence::default()
        },
    }
}

#[test]
fn findings_fold_within_the_window_and_states_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let log = AlertLog::open(dir.path()).unwrap();
    let opened = log
        .raise(vec![
            finding("a.example.", 1000, 3600),
            finding("a.example.", 1500, 3600),
            finding("b.example.", 1000, 3600),
        ])
        .unwrap();
    assert_eq!(opened.len(), 2);
    log.raise(vec![finding("a.example.", 3000, 3600)]).unwrap();
    // Past the window: a new alert.
    log.raise(vec![finding("a.example.", 9000, 3600)]).unwrap();
    let alerts = log.list().unwrap();
    assert_eq!(alerts.len(), 3);
    let first = &alerts[0];
    assert_eq!(
        (first.subject.as_str(), first.count, first.first, first.last),
        ("a.example.", 3, 1000, 3000)
    );
    assert_eq!(first.evidence.len(), 3);
    assert_eq!(alerts[2].subject, "a.example.");
    assert_ne!(alerts[2].id, first.id);

    // A second handle on the same file (another process) acknowledges; the first sees it.
    let other = AlertLog::open(dir.path()).unwrap();
    assert_eq!(
        other
            .set_state(&first.id, State::Acknowledged, "tester")
            .unwrap()
            .unwrap()
            .state,
        State::Acknowledged
    );
    assert!(other
        .set_state("nope", State::Acknowledged, "tester")
        .unwrap()
        .is_none());
    assert_eq!(
        log.get(&first.id).unwrap().unwrap().state,
        State::Acknowledged
    );
    // Resolved: the next finding opens a new alert even within the window.
    log.set_state(&alerts[1].id, State::Resolved, "tester")
        .unwrap();
    log.raise(vec![finding("b.example.", 1100, 3600)]).unwrap();
    drop((log, other));

    let reopened = AlertLog::open(dir.path()).unwrap();
    let again = reopened.list().unwrap();
    assert_eq!(again.len(), 4);
    assert_eq!(again[0].id, alerts[0].id, "ids are stable");
    assert_eq!(again[0].state, State::Acknowledged);
    assert_eq!(again[0].state_changed.as_ref().unwrap().1, "tester");
    assert_eq!(again[1].state, State::Resolved);
    assert_eq!(
        (again[3].subject.as_str(), again[3].state),
        ("b.example.", State::New)
    );
}

#[test]
fn a_window_of_zero_folds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = AlertLog::open(dir.path()).unwrap();
    log.raise(vec![
        finding("c.example.", 10, 0),
        finding("c.example.", 10, 0),
    ])
    .unwrap();
    let alerts = log.list().unwrap();
    assert_eq!(alerts.len(), 2);
    assert_ne!(alerts[0].id, alerts[1].id);
}
