//! Streaming API Framing (SAF), the line protocol of DNSDB API v2 answers.
//!
//! Each line is one JSON object ending in `\n`, never a blank line (dnsdbq aborts on one):
//! ```text
//! {"cond":"begin"}
//! {"obj":{...}}                                   one per result
//! {"cond":"succeeded"}                            or
//! {"cond":"limited","msg":"Result limit reached"} or
//! {"cond":"failed","msg":"..."}
//! ```
//! A stream without one of the three terminators was truncated.

use crate::stream::LineSink;
use serde_json::{Map, Value};
use std::ops::ControlFlow;

/// The first line of every answer.
pub const BEGIN: &[u8] = b"{\"cond\":\"begin\"}\n";
/// The last line of a complete answer.
pub const SUCCEEDED: &[u8] = b"{\"cond\":\"succeeded\"}\n";
/// The last line of an answer cut at the result limit.
pub const LIMITED: &[u8] = b"{\"cond\":\"limited\",\"msg\":\"Result limit reached\"}\n";

/// The last line of an answer that failed part-way; `msg` says why.
pub fn failed(msg: &str) -> Vec<u8> {
    let mut line = serde_json::json!({"cond": "failed", "msg": msg}).to_string();
    line.push('\n');
    line.into_bytes()
}

/// Appends one `{"obj":...}` line to `out`.
pub fn push_obj(obj: Map<String, Value>, out: &mut Vec<u8>) {
    let mut wrapper = Map::new();
    wrapper.insert("obj".into(), Value::Object(obj));
    // Serialising a map of JSON values into a Vec cannot fail.
    if serde_json::to_writer(&mut *out, &wrapper).is_ok() {
        out.push(b'\n');
    }
}

/// How a streamed answer ended.
pub(crate) enum End {
    /// Every result was sent.
    Succeeded,
    /// Stopped at the result limit with more to send.
    Limited,
    /// Stopped at the deadline.
    TimedOut,
    /// The client went away.
    Gone,
}

/// Streams results as SAF (after the `begin` line the body sends): items
/// `offset..offset+limit` of what `run` visits, then the terminator. Lookups stream rows,
/// flex searches their hits.
pub(crate) fn stream_items<T>(
    sink: &mut LineSink,
    run: impl FnOnce(&mut dyn FnMut(T) -> ControlFlow<()>) -> Result<(), hark_store::StoreError>,
    offset: u64,
    limit: u64,
    emit: &mut dyn FnMut(&T, &mut LineSink),
) {
    let mut skipped = 0u64;
    let mut emitted = 0u64;
    let mut end = End::Succeeded;
    let result = run(&mut |row| {
        if sink.timed_out() {
            end = End::TimedOut;
            return ControlFlow::Break(());
        }
        if skipped < offset {
            skipped += 1;
            return ControlFlow::Continue(());
        }
        if emitted >= limit {
            end = End::Limited;
            return ControlFlow::Break(());
        }
        emitted += 1;
        emit(&row, sink);
        let flow = sink.flush_if_full();
        if flow.is_break() {
            end = End::Gone;
        }
        flow
    });
    // A scan that stopped by itself at the deadline (its rows all filtered out) ended early.
    if matches!(end, End::Succeeded) && sink.timed_out() {
        end = End::TimedOut;
    }
    finish(sink, result, end);
}

/// Writes the terminator for how a stream ended.
pub(crate) fn finish(sink: &mut LineSink, result: Result<(), hark_store::StoreError>, end: End) {
    match (result, end) {
        (_, End::Gone) => {}
        (Err(err), _) => {
            tracing::error!(error = %err, "lookup failed part-way");
            sink.end(&failed("internal error"));
        }
        (Ok(()), End::TimedOut) => sink.end(&failed("query time limit reached")),
        (Ok(()), End::Limited) => sink.end(LIMITED),
        (Ok(()), End::Succeeded) => sink.end(SUCCEEDED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_and_end_in_newline() {
        for line in [
            BEGIN,
            SUCCEEDED,
            LIMITED,
            &failed("time \"limit\"\nreached")[..],
        ] {
            assert_eq!(line.last(), Some(&b'\n'));
            let text = std::str::from_utf8(line).expect("utf-8");
            assert_eq!(text.matches('\n').count(), 1, "{text}");
            let value: Value = serde_json::from_str(text).expect("json");
            assert!(value.get("cond").is_some());
        }
    }

    #[test]
    fn obj_lines_wrap_the_object() {
        let mut obj = Map::new();
        obj.insert("count".into(), 3.into());
        let mut out = Vec::new();
        push_obj(obj, &mut out);
        assert_eq!(out, b"{\"obj\":{\"count\":3}}\n");
    }
}
