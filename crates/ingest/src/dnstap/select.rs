//! Which dnstap messages make rows, at what time, and under which bailiwick rule (the rules
//! are listed in the [module doc](super)).

use super::proto::{Dnstap, DnstapType, MessageType};
use crate::aggregate::Bailiwick;
use hark_dns::Response;

/// How the rows of a selected response get their bailiwick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule<'m> {
    /// No bailiwick and nothing dropped: the answer of a resolver or forwarder to its client.
    NoBailiwick,
    /// `query_zone` (wire, as sent) is the bailiwick; records outside it are dropped.
    QueryZone(&'m [u8]),
    /// A RESOLVER_RESPONSE without a response time: a PowerDNS Recursor UDR (a client answer,
    /// no bailiwick) when `query_zone` is the question's name, else as [`Rule::QueryZone`].
    UdrOrQueryZone(&'m [u8]),
}

/// What one dnstap payload is for hark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'m> {
    /// A query: no rows.
    Query,
    /// Nothing to store; the skip counter's name says why.
    Skip(&'static str),
    /// A response whose records become rows at `time` (epoch seconds) under `rule`.
    Response {
        /// The DNS response, wire format.
        message: &'m [u8],
        /// Its time: the response time, else the query time.
        time: i64,
        /// How its rows get their bailiwick.
        rule: Rule<'m>,
    },
}

/// Decides what `dnstap` is for hark; `client_responses` selects CLIENT_RESPONSE messages.
pub fn classify(dnstap: &Dnstap, client_responses: bool) -> Verdict<'_> {
    let message = match (&dnstap.message, DnstapType::try_from(dnstap.r#type)) {
        (Some(message), Ok(DnstapType::Message)) => message,
        _ => return Verdict::Skip("dnstap_not_a_message"),
    };
    let Some(kind) = message.kind() else {
        return Verdict::Skip("dnstap_unknown_message_type");
    };
    if kind.is_query() {
        return Verdict::Query;
    }
    let zone = message.query_zone.as_deref();
    let rule = match kind {
        MessageType::ResolverResponse => match zone {
            None => return Verdict::Skip("dnstap_resolver_response_without_zone"),
            Some(zone) if message.response_time_sec.is_none() => Rule::UdrOrQueryZone(zone),
            Some(zone) => Rule::QueryZone(zone),
        },
        MessageType::AuthResponse => zone.map_or(Rule::NoBailiwick, Rule::QueryZone),
        MessageType::ForwarderResponse => Rule::NoBailiwick,
        MessageType::ClientResponse if client_responses => Rule::NoBailiwick,
        MessageType::ClientResponse => return Verdict::Skip("dnstap_client_response_not_selected"),
        MessageType::StubResponse => return Verdict::Skip("dnstap_stub_response_not_selected"),
        MessageType::ToolResponse => return Verdict::Skip("dnstap_tool_response_not_selected"),
        _ => return Verdict::Skip("dnstap_update_response_not_selected"),
    };
    let Some(response) = message.response_message.as_deref() else {
        return Verdict::Skip("dnstap_no_response_message");
    };
    let time = message
        .response_time_sec
        .or(message.query_time_sec)
        .and_then(|seconds| i64::try_from(seconds).ok());
    match time {
        Some(time) => Verdict::Response {
            message: response,
            time,
            rule,
        },
        None => Verdict::Skip("dnstap_no_time"),
    }
}

/// The bailiwick `rule` gives the rows of `response`, with the canonical zone written into
/// `zone`; `Err` with the skip counter's name when `query_zone` is not a domain name.
pub fn bailiwick<'z>(
    rule: Rule<'_>,
    response: &Response<'_>,
    zone: &'z mut Vec<u8>,
) -> Result<Bailiwick<'z>, &'static str> {
    let (raw, udr_possible) = match rule {
        Rule::NoBailiwick => return Ok(Bailiwick::Unknown),
        Rule::QueryZone(raw) => (raw, false),
        Rule::UdrOrQueryZone(raw) => (raw, true),
    };
    hark_dns::name::validate(raw).map_err(|_| "dnstap_bad_query_zone")?;
    zone.clear();
    zone.extend(raw.iter().map(u8::to_ascii_lowercase));
    let qname = response.question.map(|q| q.qname);
    if udr_possible && qname == Some(zone.as_slice()) {
        return Ok(Bailiwick::Unknown);
    }
    Ok(Bailiwick::Zone(zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnstap::proto::Message;
    use crate::testing::{response, wire};
    use hark_dns::ResponseParser;

    fn dnstap(kind: MessageType, zone: Option<&str>) -> Dnstap {
        Dnstap {
            r#type: DnstapType::Message as i32,
            message: Some(Message {
                r#type: kind as i32,
                query_zone: zone.map(|z| wire(z).into()),
                response_time_sec: Some(1_700_000_100),
                query_time_sec: Some(1_700_000_000),
                response_message: Some(response("www.example.com", 1, 0, &[]).into()),
                ..Message::default()
            }),
            ..Dnstap::default()
        }
    }

    /// A message of `kind` for zone example.com, changed by `change`.
    fn changed(kind: MessageType, change: impl FnOnce(&mut Message)) -> Dnstap {
        let mut message = dnstap(kind, Some("example.com"));
        if let Some(inner) = message.message.as_mut() {
            change(inner);
        }
        message
    }

    fn rule_of(verdict: Verdict<'_>) -> Rule<'_> {
        match verdict {
            Verdict::Response { rule, time, .. } => {
                assert_eq!(time, 1_700_000_100, "the response time");
                rule
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_default_selection() {
        let zone = wire("example.com");
        for kind in [MessageType::ResolverResponse, MessageType::AuthResponse] {
            let message = dnstap(kind, Some("example.com"));
            assert_eq!(rule_of(classify(&message, false)), Rule::QueryZone(&zone));
        }
        let forwarded = dnstap(MessageType::ForwarderResponse, Some("example.com"));
        assert_eq!(rule_of(classify(&forwarded, false)), Rule::NoBailiwick);
        let client = dnstap(MessageType::ClientResponse, None);
        assert_eq!(
            classify(&client, false),
            Verdict::Skip("dnstap_client_response_not_selected")
        );
        assert_eq!(rule_of(classify(&client, true)), Rule::NoBailiwick);
        for (kind, reason) in [
            (
                MessageType::StubResponse,
                "dnstap_stub_response_not_selected",
            ),
            (
                MessageType::ToolResponse,
                "dnstap_tool_response_not_selected",
            ),
            (
                MessageType::UpdateResponse,
                "dnstap_update_response_not_selected",
            ),
        ] {
            assert_eq!(classify(&dnstap(kind, None), true), Verdict::Skip(reason));
        }
        for kind in [
            MessageType::AuthQuery,
            MessageType::ResolverQuery,
            MessageType::ClientQuery,
            MessageType::ForwarderQuery,
            MessageType::StubQuery,
            MessageType::ToolQuery,
            MessageType::UpdateQuery,
        ] {
            assert_eq!(classify(&dnstap(kind, None), true), Verdict::Query);
        }
    }

    #[test]
    fn missing_parts() {
        // A resolver response without a zone cannot be checked: dropped. An authority's own
        // answer without one keeps its rows, without a bailiwick.
        assert_eq!(
            classify(&dnstap(MessageType::ResolverResponse, None), false),
            Verdict::Skip("dnstap_resolver_response_without_zone")
        );
        assert_eq!(
            rule_of(classify(&dnstap(MessageType::AuthResponse, None), false)),
            Rule::NoBailiwick
        );
        let unknown = changed(MessageType::AuthResponse, |m| m.r#type = 99);
        let no_response = changed(MessageType::AuthResponse, |m| m.response_message = None);
        let no_time = changed(MessageType::ForwarderResponse, |m| {
            m.response_time_sec = None;
            m.query_time_sec = None;
        });
        for (message, reason) in [
            (unknown, "dnstap_unknown_message_type"),
            (no_response, "dnstap_no_response_message"),
            (no_time, "dnstap_no_time"),
        ] {
            assert_eq!(classify(&message, true), Verdict::Skip(reason));
        }
        assert_eq!(
            classify(&Dnstap::default(), true),
            Verdict::Skip("dnstap_not_a_message")
        );
    }

    #[test]
    fn the_time_is_the_response_time_else_the_query_time() {
        let message = changed(MessageType::AuthResponse, |m| m.response_time_sec = None);
        match classify(&message, false) {
            Verdict::Response { time, .. } => assert_eq!(time, 1_700_000_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_powerdns_udr_has_no_bailiwick() {
        // PowerDNS Recursor's UDR: a RESOLVER_RESPONSE with the qname in query_zone and only
        // a query time.
        let udr = changed(MessageType::ResolverResponse, |m| {
            m.query_zone = Some(wire("WWW.Example.com").into());
            m.response_time_sec = None;
        });
        let Verdict::Response { message, rule, .. } = classify(&udr, false) else {
            panic!("selected");
        };
        assert!(matches!(rule, Rule::UdrOrQueryZone(_)));
        let mut parser = ResponseParser::new();
        let parsed = parser.parse(message).expect("parses");
        let mut zone = Vec::new();
        assert_eq!(bailiwick(rule, &parsed, &mut zone), Ok(Bailiwick::Unknown));
        // The same without a response time but a real zone is a zone.
        let rule = Rule::UdrOrQueryZone(b"\x07EXAMPLE\x03com\x00");
        assert_eq!(
            bailiwick(rule, &parsed, &mut zone),
            Ok(Bailiwick::Zone(&wire("example.com")[..])),
            "lowercased"
        );
        // A query_zone that is not a name.
        let rule = Rule::QueryZone(b"\x07example\x03com");
        assert_eq!(
            bailiwick(rule, &parsed, &mut zone),
            Err("dnstap_bad_query_zone")
        );
    }
}
