//! The graph page: names, addresses, name servers, mail exchanges and CNAME targets around
//! any subject, drawn by cytoscape.js (`assets/graph.js`), expandable node by node, filtered
//! by record type, exported as PNG or SVG (in the browser) or DOT, GraphML and JSON (here).
//!
//! `graph/{subject}/graph.json?budget=N` gives cytoscape's elements. Past [`CLUSTER_AT`]
//! nodes, names are gathered into one node per registrable domain and addresses into one per
//! /24 (IPv4) or /48 (IPv6), each expandable (its subject is `*.domain` or the network);
//! `cluster=false` turns that off.

use super::assets::url;
use super::page::{encode, layout, number, param, respond, UiError};
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::Response;
use hark_intel::graph::Graph;
use maud::html;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// The default most nodes of a graph.
pub const DEFAULT_BUDGET: u64 = 1_000;
/// The most nodes a graph may ask for.
pub const MAX_BUDGET: u64 = 5_000;
/// Past this many nodes, nodes are clustered.
pub const CLUSTER_AT: usize = 300;

/// The `budget` (nodes, default [`DEFAULT_BUDGET`]) and `cluster` (default true) parameters.
fn size(query: Option<&str>) -> Result<(u64, bool), UiError> {
    let budget = number(query, "budget", DEFAULT_BUDGET)?.clamp(1, MAX_BUDGET);
    let cluster = match param(query, "cluster")? {
        Some(v) => crate::params::parse_bool("cluster", &v)?,
        None => true,
    };
    Ok((budget, cluster))
}

/// `GET /ui/graph/{subject}`: the page; the graph itself loads from `graph.json`.
pub async fn page(
    viewer: Viewer,
    Path(subject): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let (budget, cluster) = size(query)?;
    let data = format!(
        "/ui/graph/{}/graph.json?budget={budget}&cluster={cluster}",
        encode(&subject)
    );
    let base = format!("/ui/graph/{}/graph", encode(&subject));
    let body = html! {
        h1 { "Graph of " (subject) }
        div.graph-tools {
            fieldset.types {
                legend { "Edges" }
                @for t in ["A", "AAAA", "CNAME", "NS", "MX"] {
                    label { input type="checkbox" name="edge-type" value=(t) checked; " " (t) }
                }
            }
            form #expand-form {
                label for="node" { "Node" }
                input #node list="node-list" autocomplete="off" placeholder="select or type a node";
                datalist #node-list {}
                button type="submit" { "Expand" }
            }
            div.exports {
                button #png type="button" { "PNG" }
                button #svg type="button" { "SVG" }
                a href={(base) ".dot?budget=" (budget)} download { "DOT" }
                a href={(base) ".graphml?budget=" (budget)} download { "GraphML" }
                a href={(base) ".json?budget=" (budget) "&cluster=false"} download { "JSON" }
            }
        }
        p #graph-status aria-live="polite" { "Loading…" }
        // cytoscape.js adds an inline <style> unless an element has this id (the CSP would
        // refuse it); ui.css gives its container what that style held.
        template #__________cytoscape_stylesheet {}
        div #cy data-src=(data) data-subject=(subject) role="application" aria-label="graph; double-click a node to expand it" {}
        script src=(url("cytoscape.min.js")) defer {}
        script src=(url("graph.js")) defer {}
    };
    Ok(respond(
        &headers,
        layout(&format!("Graph of {subject}"), &viewer, &subject, body),
    ))
}

/// `GET /ui/graph/{subject}/graph.{json,dot,graphml}`.
pub async fn data(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((subject, file)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let (budget, cluster) = size(query)?;
    let format = match file.as_str() {
        "graph.json" => "json",
        "graph.dot" => "dot",
        "graph.graphml" => "graphml",
        _ => return Err(UiError::Api(ApiError::NotFound)),
    };
    let now = jiff::Timestamp::now().as_second();
    let target = subject.clone();
    let ((graph, truncated), _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            hark_intel::with_deadline(deadline.into_std(), || {
                hark_intel::graph::around(
                    store,
                    &target,
                    usize::try_from(budget).unwrap_or(usize::MAX),
                )
            })
            .map_err(crate::api::intel_error)
        })
        .await?;
    let (body, content_type) = match format {
        "dot" => (graph.to_dot(), "text/vnd.graphviz; charset=utf-8"),
        "graphml" => (graph.to_graphml(), "application/graphml+xml; charset=utf-8"),
        _ => (
            elements(&graph, &subject, truncated, cluster).to_string(),
            "application/json",
        ),
    };
    let mut response = super::compressed(
        body.into_bytes(),
        content_type,
        headers.get(header::ACCEPT_ENCODING),
    );
    if format != "json" {
        response = super::page::attachment(response, &format!("hark-graph.{format}"));
    }
    Ok(response)
}

/// The cluster a node falls in: (id, label stem, subject to expand it).
fn cluster_of(id: &str, kind: &str) -> Option<(String, String)> {
    if kind == "address" {
        let network = match id.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("{}.{}.{}.0/24", o[0], o[1], o[2])
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        };
        return Some((network.clone(), network));
    }
    let domain = hark_intel::names::registrable(id)?;
    let subject = format!("*.{}", domain.trim_end_matches('.'));
    Some((domain, subject))
}

/// The graph as cytoscape elements, clustered when large.
fn elements(graph: &Graph, subject: &str, truncated: bool, cluster: bool) -> Value {
    let clustering = cluster && graph.nodes.len() > CLUSTER_AT;
    let subject_key = subject.trim_end_matches('.').to_ascii_lowercase();
    // Node id -> the id it is shown as.
    let mut shown_as: HashMap<&str, String> = HashMap::new();
    let mut clusters: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    let mut nodes = Vec::new();
    for node in &graph.nodes {
        let is_subject = node
            .id
            .trim_end_matches('.')
            .eq_ignore_ascii_case(&subject_key);
        match cluster_of(&node.id, &node.kind).filter(|_| clustering && !is_subject) {
            Some((key, expand)) => {
                let id = format!("cluster:{key}");
                let entry = clusters.entry(id.clone()).or_insert((key, expand, 0));
                entry.2 += 1;
                shown_as.insert(&node.id, id);
            }
            None => {
                nodes.push(json!({"data": {"id": node.id, "label": node.id, "kind": node.kind, "subject": node.id}}));
                shown_as.insert(&node.id, node.id.clone());
            }
        }
    }
    for (id, (key, expand, members)) in &clusters {
        nodes.push(json!({"data": {"id": id, "label": format!("{key} ({members})"), "kind": "cluster", "subject": expand, "members": members}}));
    }
    let mut edges: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for edge in &graph.edges {
        let from = shown_as
            .get(edge.from.as_str())
            .cloned()
            .unwrap_or_else(|| edge.from.clone());
        let to = shown_as
            .get(edge.to.as_str())
            .cloned()
            .unwrap_or_else(|| edge.to.clone());
        if from == to {
            continue;
        }
        *edges.entry((from, to, edge.rrtype.clone())).or_default() += 1;
    }
    let edge_list: Vec<Value> = edges
        .into_iter()
        .map(|((source, target, rrtype), weight)| {
            json!({"data": {"id": format!("{source}>{target}>{rrtype}"), "source": source, "target": target, "rrtype": rrtype, "weight": weight}})
        })
        .collect();
    json!({
        "subject": graph.domain,
        "truncated": truncated,
        "clustered": clustering,
        "nodes": nodes,
        "edges": edge_list,
    })
}
