//! Alerts of watch rules: the list with filters, one alert with its evidence, acknowledging
//! and resolving (the same state change as `POST /api/v1/alerts/{id}/ack` and `hark alerts
//! ack`), and what the loaded rules watch (canaries, zones, names, brands, networks).
//!
//! State changes are HTML form `POST`s carrying the session's CSRF token (without keys, the
//! server's own token: a page of another origin cannot read it); a request the browser marks
//! as coming from another site (`Sec-Fetch-Site`, `Origin`) is refused whatever it carries.

use super::page::{
    encode, ip_link, layout, name_link, number, param, rdata_links, respond, see_other,
    sortable_head, when, UiError,
};
use super::search::parse_time;
use super::session::{form, same, Viewer};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;
use hark_dns::RrType;
use hark_watch::rules::Kind;
use hark_watch::{Alert, Severity};
use maud::{html, Markup};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Alerts on one page of the list.
pub const PAGE_ALERTS: u64 = 100;
/// Most names or networks listed per rule on the watch page (the rest are counted).
pub const MAX_LISTED: usize = 200;

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];
const STATES: [&str; 3] = ["new", "acknowledged", "resolved"];

/// Reads every alert of the server's log (404 when the server has none).
async fn all_alerts(state: &AppState) -> Result<Vec<Alert>, UiError> {
    let log = state.alerts.clone().ok_or(ApiError::NotFound)?;
    let alerts = tokio::task::spawn_blocking(move || log.list())
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    Ok(alerts)
}

/// The filters of the list, as read from its query string.
#[derive(Default)]
struct Filters {
    rule: Option<String>,
    severity: Option<Severity>,
    state: Option<hark_watch::State>,
    subject: Option<String>,
    since: Option<(String, i64)>,
    until: Option<(String, i64)>,
}

impl Filters {
    fn parse(query: Option<&str>, now: i64) -> Result<Filters, UiError> {
        let bad = |name: &str, value: &str, what: &str| {
            UiError::Api(ApiError::BadRequest(format!(
                "{name}={value:?}: expected {what}"
            )))
        };
        let time = |name: &str| -> Result<Option<(String, i64)>, UiError> {
            match param(query, name)? {
                Some(v) => parse_time(&v, now)
                    .map(|t| Some((v, t)))
                    .map_err(|e| UiError::Api(ApiError::BadRequest(e))),
                None => Ok(None),
            }
        };
        let severity = match param(query, "severity")? {
            Some(v) => Some(
                Severity::parse(&v)
                    .ok_or_else(|| bad("severity", &v, "info, low, medium, high or critical"))?,
            ),
            None => None,
        };
        let state = match param(query, "state")? {
            Some(v) => Some(
                hark_watch::State::parse(&v)
                    .ok_or_else(|| bad("state", &v, "new, acknowledged or resolved"))?,
            ),
            None => None,
        };
        Ok(Filters {
            rule: param(query, "rule")?,
            severity,
            state,
            subject: param(query, "subject")?.map(|s| s.trim().to_ascii_lowercase()),
            since: time("since")?,
            until: time("until")?,
        })
    }

    fn admits(&self, alert: &Alert) -> bool {
        self.rule.as_ref().is_none_or(|r| &alert.rule == r)
            && self.severity.is_none_or(|s| alert.severity >= s)
            && self.state.is_none_or(|s| alert.state == s)
            && self
                .subject
                .as_ref()
                .is_none_or(|s| alert.subject.to_ascii_lowercase().contains(s.as_str()))
            && self.since.as_ref().is_none_or(|(_, t)| alert.last >= *t)
            && self.until.as_ref().is_none_or(|(_, t)| alert.first <= *t)
    }

    /// The filters as a query string (without `page`).
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.rule {
            parts.push(format!("rule={}", encode(r)));
        }
        if let Some(s) = self.severity {
            parts.push(format!("severity={}", s.as_str()));
        }
        if let Some(s) = self.state {
            parts.push(format!("state={}", s.as_str()));
        }
        if let Some(s) = &self.subject {
            parts.push(format!("subject={}", encode(s)));
        }
        if let Some((text, _)) = &self.since {
            parts.push(format!("since={}", encode(text)));
        }
        if let Some((text, _)) = &self.until {
            parts.push(format!("until={}", encode(text)));
        }
        parts.join("&")
    }
}

/// A subject (`name`, `name TYPE`, an address, a domain) linked to its page.
fn subject_link(subject: &str) -> Markup {
    let (head, rrtype) = subject.split_once(' ').unwrap_or((subject, ""));
    if head.parse::<IpAddr>().is_ok() {
        return ip_link(head);
    }
    if hark_dns::name::from_presentation(head).is_err() {
        return html! { (subject) };
    }
    let name = format!("{}.", head.trim_end_matches('.'));
    html! {
        @if rrtype.is_empty() {
            (name_link(&name))
        } @else {
            a href={"/ui/name/" (encode(&name)) "?type=" (encode(rrtype))} { (subject) }
        }
    }
}

fn severity_badge(severity: Severity) -> Markup {
    html! { span class={"severity sev-" (severity.as_str())} { (severity.as_str()) } }
}

/// The acknowledge and resolve buttons an alert in `state` offers, returning to `next`.
fn actions(alert: &Alert, viewer: &Viewer, next: &str) -> Markup {
    let csrf = viewer.csrf.as_deref().unwrap_or("");
    let buttons: &[(&str, &str)] = match alert.state {
        hark_watch::State::New => &[("ack", "Acknowledge"), ("resolve", "Resolve")],
        hark_watch::State::Acknowledged => &[("resolve", "Resolve")],
        hark_watch::State::Resolved => &[],
    };
    html! {
        @for (action, label) in buttons {
            form.state action={"/ui/alerts/" (encode(&alert.id)) "/" (action)} method="post" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                button type="submit" data-action=(action) aria-label={(label) " " (alert.subject)} { (label) }
            }
        }
    }
}

/// `GET /ui/alerts?rule=&severity=&state=&subject=&since=&until=&page=`: the alerts, newest
/// first, filtered.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let now = jiff::Timestamp::now().as_second();
    let filters = Filters::parse(query, now)?;
    let page = number(query, "page", 1)?.max(1);
    let mut alerts = all_alerts(&state).await?;
    let mut rules: Vec<String> = alerts.iter().map(|a| a.rule.clone()).collect();
    if let Some(loaded) = state.rules.as_ref().map(|source| source()) {
        rules.extend(loaded.rules.iter().map(|r| r.id.clone()));
    }
    rules.sort();
    rules.dedup();
    let total = alerts.len();
    alerts.retain(|a| filters.admits(a));
    alerts.sort_by(|a, b| b.last.cmp(&a.last).then_with(|| b.id.cmp(&a.id)));
    let matched = alerts.len();
    let new = alerts
        .iter()
        .filter(|a| a.state == hark_watch::State::New)
        .count();
    let skip = usize::try_from((page - 1).saturating_mul(PAGE_ALERTS)).unwrap_or(usize::MAX);
    let shown: Vec<&Alert> = alerts
        .iter()
        .skip(skip)
        .take(PAGE_ALERTS as usize)
        .collect();
    let pages = (matched as u64).div_ceil(PAGE_ALERTS).max(1);
    let filter_query = filters.query();
    let here = if filter_query.is_empty() {
        format!("/ui/alerts?page={page}")
    } else {
        format!("/ui/alerts?{filter_query}&page={page}")
    };
    let chosen = |have: Option<&str>, value: &str| have == Some(value);
    let body = html! {
        h1 { "Alerts" }
        p.lead #alerts-lead {
            (matched) " of " (total) " alerts match, " (new) " of them new. "
            a href="/ui/watch" { "What the rules watch" }
        }
        form.filters action="/ui/alerts" method="get" {
            label for="f-rule" { "Rule" }
            select #f-rule name="rule" {
                option value="" { "any" }
                @for r in &rules { option value=(r) selected[chosen(filters.rule.as_deref(), r)] { (r) } }
            }
            label for="f-severity" { "Severity at least" }
            select #f-severity name="severity" {
                option value="" { "any" }
                @for s in SEVERITIES { option value=(s) selected[chosen(filters.severity.map(Severity::as_str), s)] { (s) } }
            }
            label for="f-state" { "State" }
            select #f-state name="state" {
                option value="" { "any" }
                @for s in STATES { option value=(s) selected[chosen(filters.state.map(hark_watch::State::as_str), s)] { (s) } }
            }
            label for="f-subject" { "Subject has" }
            input #f-subject name="subject" type="search" value=(filters.subject.as_deref().unwrap_or("")) placeholder="corp.example";
            label for="f-since" { "Last seen since" }
            input #f-since name="since" type="text" size="10" value=(filters.since.as_ref().map_or("", |s| s.0.as_str())) placeholder="2026-01-01, 7d";
            label for="f-until" { "First seen until" }
            input #f-until name="until" type="text" size="10" value=(filters.until.as_ref().map_or("", |s| s.0.as_str())) placeholder="2026-02-01";
            button type="submit" { "Filter" }
            a href="/ui/alerts" { "Clear" }
        }
        @if shown.is_empty() {
            p.empty { "No alert matches." }
        } @else {
            table.records.sortable #alerts {
                (sortable_head(&[("Severity", "num"), ("State", "text"), ("Rule", "text"), ("Subject", "text"), ("Alert", "text"), ("First", "num"), ("Last", "num"), ("Count", "num"), ("Actions", "")]))
                tbody {
                    @for alert in &shown {
                        tr data-id=(alert.id) data-state=(alert.state.as_str()) {
                            td data-v=(alert.severity as u8) { (severity_badge(alert.severity)) }
                            td { (alert.state.as_str()) }
                            td { a href={"/ui/alerts?rule=" (encode(&alert.rule))} { (alert.rule) } }
                            td { (subject_link(&alert.subject)) }
                            td { a.detail href={"/ui/alerts/" (encode(&alert.id))} { (alert.summary) } }
                            td data-v=(alert.first) { (when(alert.first)) }
                            td data-v=(alert.last) { (when(alert.last)) }
                            td data-v=(alert.count) { (alert.count) }
                            td.row-actions { (actions(alert, &viewer, &here)) }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pages aria-label="pages" {
                @let base = if filter_query.is_empty() { "/ui/alerts?".to_string() } else { format!("/ui/alerts?{filter_query}&") };
                @if page > 1 { a rel="prev" href={(base) "page=" (page - 1)} { "Previous" } }
                span { "page " (page) " of " (pages) }
                @if page < pages { a rel="next" href={(base) "page=" (page + 1)} { "Next" } }
            }
        }
    };
    Ok(respond(&headers, layout("Alerts", &viewer, "", body)))
}

/// `GET /ui/alerts/{id}`: one alert, its evidence linked, and its state buttons.
pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let log = state.alerts.clone().ok_or(ApiError::NotFound)?;
    let wanted = id.clone();
    let alert = tokio::task::spawn_blocking(move || log.get(&wanted))
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
        .map_err(|err| ApiError::Internal(err.to_string()))?
        .ok_or(ApiError::NotFound)?;
    let here = format!("/ui/alerts/{}", encode(&alert.id));
    let body = html! {
        h1 { (alert.title) }
        p.lead { (severity_badge(alert.severity)) " " (alert.summary) }
        dl.facts #alert {
            dt { "State" } dd #alert-state { (alert.state.as_str())
                @if let Some((at, by)) = &alert.state_changed { " (" (when(*at)) ", by " (by) ")" } }
            dt { "Rule" } dd { a href={"/ui/alerts?rule=" (encode(&alert.rule))} { (alert.rule) } " (" (alert.kind) ")" }
            dt { "Subject" } dd { (subject_link(&alert.subject)) }
            dt { "Seen" } dd { (when(alert.first)) " – " (when(alert.last)) ", " (alert.count) " finding(s)" }
            dt { "Raised" } dd { (when(alert.raised_at)) }
            dt { "Id" } dd { code { (alert.id) } }
        }
        div.state-actions { (actions(&alert, &viewer, &here)) }
        h2 { "Evidence " span.count { "(first " (alert.evidence.len()) " of " (alert.count) ")" } }
        table.records #evidence {
            thead { tr {
                th scope="col" { "Source" } th scope="col" { "Name" } th scope="col" { "Type" }
                th scope="col" { "Data" } th scope="col" { "Bailiwick" } th scope="col" { "Client" }
                th scope="col" { "First seen" } th scope="col" { "Last seen" } th scope="col" { "Count" }
            } }
            tbody {
                @for e in &alert.evidence {
                    @let rrtype = e.rrtype.parse::<RrType>().ok();
                    tr {
                        td { (e.source) @if let Some(m) = &e.message { " " small { (m) } } }
                        td { (name_link(&e.rrname)) }
                        td { (e.rrtype) }
                        td.rdata {
                            @match (&e.rdata, rrtype) {
                                (Some(rdata), Some(t)) => (rdata_links(t, rdata)),
                                (Some(rdata), None) => (rdata),
                                (None, _) => (e.rcode.as_deref().unwrap_or("")),
                            }
                        }
                        td { @if let Some(b) = &e.bailiwick { (name_link(b)) } }
                        td { (e.client.as_deref().unwrap_or("")) }
                        td data-v=(e.time_first) { (when(e.time_first)) }
                        td data-v=(e.time_last) { (when(e.time_last)) }
                        td data-v=(e.count) { (e.count) }
                    }
                }
            }
        }
        p { a href="/ui/alerts" { "All alerts" } }
    };
    Ok(respond(
        &headers,
        layout(&format!("Alert {}", alert.id), &viewer, "", body),
    ))
}

/// False when the browser says the request came from another site: `Sec-Fetch-Site` (sent by
/// every current browser, not settable by scripts) other than `same-origin`, or an `Origin`
/// whose host is not the request's `Host`. An `Origin` of `null` (what browsers send under
/// the UI's `Referrer-Policy: no-referrer`) proves nothing either way: the CSRF token decides.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => return true,
        Some(Ok("null")) => return true,
        Some(Ok(origin)) => origin,
        Some(Err(_)) => return false,
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// `POST /ui/alerts/{id}/{ack,resolve}`: changes the alert's state (CSRF token and origin
/// checked), then goes back to the page the form named.
pub async fn set_state(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, UiError> {
    let new_state = match action.as_str() {
        "ack" => hark_watch::State::Acknowledged,
        "resolve" => hark_watch::State::Resolved,
        _ => return Err(UiError::Api(ApiError::NotFound)),
    };
    let fields = form(&body)?;
    let given = fields.get("csrf").map_or("", String::as_str);
    let expected = viewer.csrf.as_deref().unwrap_or("");
    if !same_origin(&headers) || !same(given, expected) {
        return Err(UiError::Api(ApiError::Forbidden));
    }
    let by = match &viewer.name {
        Some(name) => format!("ui:{name}"),
        None => "ui".to_string(),
    };
    let log = state.alerts.clone().ok_or(ApiError::NotFound)?;
    let target = id.clone();
    let changed = tokio::task::spawn_blocking(move || log.set_state(&target, new_state, &by))
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    changed.ok_or(ApiError::NotFound)?;
    let next = match fields.get("next") {
        Some(n) if n.starts_with("/ui/alerts") && !n.contains("//") && !n.contains('\\') => {
            n.clone()
        }
        _ => format!("/ui/alerts/{}", encode(&id)),
    };
    Ok(see_other(&next, &[]))
}

/// Seconds as the rule file writes them: `0s`, `10m`, `1h`, `2d`.
fn duration(seconds: i64) -> String {
    match seconds {
        s if s != 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s != 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s != 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Names of a set, sorted, at most [`MAX_LISTED`], and how many there are.
fn listed(set: &hark_watch::matchers::NameSet) -> (Vec<String>, usize) {
    let mut names: Vec<String> = set.names().map(hark_cof::name_text).collect();
    names.sort();
    let total = names.len();
    names.truncate(MAX_LISTED);
    (names, total)
}

fn names_markup(label: &str, set: &hark_watch::matchers::NameSet, below: bool) -> Markup {
    let (names, total) = listed(set);
    html! {
        @if total > 0 {
            dt { (label) " " span.count { "(" (total) ")" } }
            dd {
                ul.watched {
                    @for name in &names {
                        li {
                            @if below {
                                a href={"/ui/name/*." (encode(name.trim_end_matches('.')))} { "*." (name) }
                            } @else {
                                (name_link(name))
                            }
                        }
                    }
                    @if total > names.len() { li { "… and " (total - names.len()) " more" } }
                }
            }
        }
    }
}

fn networks_markup(label: &str, set: &hark_watch::matchers::CidrSet) -> Markup {
    let ranges: Vec<(IpAddr, IpAddr)> = set.ranges().take(MAX_LISTED).collect();
    html! {
        @if !set.is_empty() {
            dt { (label) " " span.count { "(" (set.len()) ")" } }
            dd {
                ul.watched {
                    @for (first, last) in &ranges {
                        li {
                            @if first == last { (ip_link(&first.to_string())) }
                            @else { (ip_link(&format!("{first}-{last}"))) }
                        }
                    }
                    @if set.len() > ranges.len() { li { "… and " (set.len() - ranges.len()) " more" } }
                }
            }
        }
    }
}

fn watched(kind: &Kind) -> Markup {
    match kind {
        Kind::Canary { names } => names_markup("Canary names (and below)", names, false),
        Kind::Intel { names, networks } => html! {
            (names_markup("Listed names (and below)", names, false))
            (networks_markup("Listed networks", networks))
        },
        Kind::NewName { zones } => names_markup("New names below", zones, true),
        Kind::RecordChange {
            names,
            below,
            types,
            expect_names,
            expect_networks,
            expect_asns,
        } => html! {
            (names_markup("Record sets of", names, false))
            (names_markup("Record sets below", below, true))
            dt { "Types" }
            dd { @if types.is_empty() { "all" } @else { (types.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")) } }
            (names_markup("Expected targets", expect_names, false))
            (networks_markup("Expected networks", expect_networks))
            @if !expect_asns.is_empty() {
                dt { "Expected AS numbers" }
                dd { (expect_asns.iter().map(|asn| format!("AS{asn}")).collect::<Vec<_>>().join(" ")) }
            }
        },
        Kind::NewDomain { warmup, zones } => html! {
            dt { "Warm-up" } dd { (duration(*warmup)) }
            @if zones.is_empty() { dt { "Under" } dd { "every public suffix" } }
            (names_markup("Under", zones, true))
        },
        Kind::Lookalike { brands, except_ns } => html! {
            dt { "Brands " span.count { "(" (brands.len()) ")" } }
            dd { ul.watched { @for b in brands.iter().take(MAX_LISTED) { li { (name_link(&format!("{}.", b.domain.trim_end_matches('.')))) } } } }
            (names_markup("Not when served by", except_ns, false))
        },
        Kind::Posture { zones } => names_markup("SPF and DMARC of", zones, false),
        Kind::TakeoverRisk { zones } => {
            names_markup("CNAME and NS targets of names below", zones, true)
        }
        Kind::ZoneTransfer { zones, allow } => html! {
            (names_markup("Transfers of", zones, false))
            (networks_markup("Allowed clients and servers", allow))
        },
        Kind::Cert { zones, issuers } => html! {
            (names_markup("Certificate names below", zones, true))
            dt { "Allowed issuers" }
            dd { @if issuers.is_empty() { "any" } @else { (issuers.join(", ")) } }
        },
    }
}

/// `GET /ui/watch`: what the loaded rules watch, each with its alerts by state.
pub async fn watch(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let alerts = match state.alerts {
        Some(_) => all_alerts(&state).await?,
        None => Vec::new(),
    };
    let mut by_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for alert in &alerts {
        let at = match alert.state {
            hark_watch::State::New => 0,
            hark_watch::State::Acknowledged => 1,
            hark_watch::State::Resolved => 2,
        };
        if let Some(slot) = by_rule.entry(alert.rule.as_str()).or_default().get_mut(at) {
            *slot += 1;
        }
    }
    let rules = state.rules.as_ref().map(|source| source());
    let body = html! {
        h1 { "What the rules watch" }
        @match &rules {
            None => p.empty { "No rule file is loaded: give " code { "hark run" } " a " code { "[watch] rules" }
                " file, or " code { "hark serve --rules FILE" } " to show one here (docs/watch.md)." },
            Some(set) if set.rules.is_empty() => p.empty { "The rule file holds no rules." },
            Some(set) => {
                p.lead { (set.rules.len()) " rules, " (set.sinks.len()) " sinks. " a href="/ui/alerts" { "Alerts" } }
                @for rule in &set.rules {
                    @let counts = by_rule.get(rule.id.as_str()).copied().unwrap_or_default();
                    section.rule id={"rule-" (rule.id)} {
                        h2 { (rule.id) " " span.count { (rule.kind.name()) } }
                        p { (severity_badge(rule.severity)) " " (rule.title)
                            " · window " (duration(rule.window)) " · "
                            a href={"/ui/alerts?rule=" (encode(&rule.id))} { (counts[0]) " new, " (counts[1]) " acknowledged, " (counts[2]) " resolved" } }
                        dl.facts { (watched(&rule.kind))
                            (names_markup("Except at or below", &rule.except, false)) }
                    }
                }
            }
        }
    };
    Ok(respond(&headers, layout("Watched", &viewer, "", body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origins() {
        let mut headers = HeaderMap::new();
        assert!(same_origin(&headers));
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&headers));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers));
    }

    #[test]
    fn durations_read_like_the_rule_file() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(86_400), "1d");
        assert_eq!(duration(7200), "2h");
        assert_eq!(duration(600), "10m");
        assert_eq!(duration(90), "90s");
    }

    #[test]
    fn subjects_link_to_their_pages() {
        let html = |s: &str| subject_link(s).into_string();
        assert_eq!(
            html("vpn.corp.example."),
            r#"<a href="/ui/name/vpn.corp.example.">vpn.corp.example.</a>"#
        );
        assert_eq!(
            html("corp.example. NS"),
            r#"<a href="/ui/name/corp.example.?type=NS">corp.example. NS</a>"#
        );
        assert_eq!(
            html("203.0.113.9"),
            r#"<a href="/ui/ip/203.0.113.9">203.0.113.9</a>"#
        );
    }
}
