//! The infrastructure map of a domain as a graph: names, addresses, name servers, mail
//! exchanges and CNAME targets as nodes; A/AAAA, CNAME, NS and MX records as edges, each with
//! its first/last seen and count. Exported as JSON, Graphviz DOT or GraphML.

use crate::{domain_rows, names, rdata_rows, rrset_rows, IntelError, Seen};
use hark_dns::RrType;
use hark_store::{IpRange, NamePattern, RdataMatch, Store};
use serde::Serialize;
use std::collections::BTreeMap;

/// A graph of a domain's records.
#[derive(Clone, Debug, Serialize)]
pub struct Graph {
    /// The domain.
    pub domain: String,
    /// Nodes, by id.
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

/// A node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The name or address.
    pub id: String,
    /// `name` or `address`.
    pub kind: String,
}

/// An edge: one record.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// The owner name.
    pub from: String,
    /// The address or target name.
    pub to: String,
    /// The record type.
    pub rrtype: String,
    /// When and how often.
    #[serde(flatten)]
    pub seen: Seen,
}

/// Builds the graph of `domain`.
pub fn analyse(store: &dyn Store, domain: &str) -> Result<Graph, IntelError> {
    let wire = names::parse(domain)?;
    let mut builder = Builder::new(usize::MAX);
    for row in domain_rows(store, &wire, None)? {
        builder.add(&row);
    }
    Ok(builder.finish(names::text(&wire)))
}

/// Builds the graph around any subject, with at most `budget` nodes (and whether the budget
/// cut it short):
/// - an address, `net/pfx` or `lo-hi`: the names with A/AAAA records into it;
/// - a registrable domain, or `*.domain`: the domain and every name below it ([`analyse`]);
/// - any other name: its own records, and the records whose rdata names it (CNAME, NS and
///   MX pointing at it).
pub fn around(
    store: &dyn Store,
    subject: &str,
    budget: usize,
) -> Result<(Graph, bool), IntelError> {
    let subject = subject.trim();
    let mut builder = Builder::new(budget.max(1));
    if let Ok(range) = IpRange::parse(subject) {
        let rrtype = Some(range.rrtype());
        for row in rdata_rows(store, RdataMatch::Ip(range), rrtype, subject)? {
            if !builder.add(&row) {
                break;
            }
        }
        let truncated = builder.truncated;
        return Ok((builder.finish(subject.to_string()), truncated));
    }
    let below = subject.strip_prefix("*.");
    let wire = names::parse(below.unwrap_or(subject))?;
    let text = names::text(&wire);
    let rows = if below.is_some() || names::registrable(&text).as_deref() == Some(text.as_str()) {
        domain_rows(store, &wire, None)?
    } else {
        let mut rows = rrset_rows(store, NamePattern::Exact(wire.clone()), None, &text)?;
        rows.extend(rdata_rows(
            store,
            RdataMatch::Name(NamePattern::Exact(wire)),
            None,
            &text,
        )?);
        rows
    };
    for row in &rows {
        if !builder.add(row) {
            break;
        }
    }
    let truncated = builder.truncated;
    Ok((builder.finish(text), truncated))
}

/// Nodes and edges gathered from rows, up to a number of nodes.
struct Builder {
    nodes: BTreeMap<String, String>,
    edges: Vec<Edge>,
    budget: usize,
    truncated: bool,
}

impl Builder {
    fn new(budget: usize) -> Builder {
        Builder {
            nodes: BTreeMap::new(),
            edges: Vec::new(),
            budget,
            truncated: false,
        }
    }

    /// Adds the edge of an A, AAAA, CNAME, NS or MX row (other rows add nothing); false once
    /// the row would take the graph past its budget.
    fn add(&mut self, row: &hark_store::Row) -> bool {
        let parts = row.key.parts();
        let to = match parts.rrtype {
            RrType::A | RrType::AAAA | RrType::CNAME | RrType::NS => crate::rdata_text(row),
            RrType::MX => match parts.rdata.get(2..) {
                Some(exchange) => names::text(exchange),
                None => return true,
            },
            _ => return true,
        };
        let from = names::text(parts.rrname);
        let new = usize::from(!self.nodes.contains_key(&from))
            + usize::from(!self.nodes.contains_key(&to));
        if self.nodes.len() + new > self.budget {
            self.truncated = true;
            return false;
        }
        let to_kind = if matches!(parts.rrtype, RrType::A | RrType::AAAA) {
            "address"
        } else {
            "name"
        };
        self.nodes
            .entry(from.clone())
            .or_insert_with(|| "name".into());
        self.nodes
            .entry(to.clone())
            .or_insert_with(|| to_kind.into());
        self.edges.push(Edge {
            from,
            to,
            rrtype: parts.rrtype.to_string(),
            seen: Seen::of(&row.tally),
        });
        true
    }

    fn finish(self, domain: String) -> Graph {
        Graph {
            domain,
            nodes: self
                .nodes
                .into_iter()
                .map(|(id, kind)| Node { id, kind })
                .collect(),
            edges: self.edges,
        }
    }
}

fn dot_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Graph {
    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut out = format!("digraph {} {{\n  rankdir=LR;\n", dot_quote(&self.domain));
        for node in &self.nodes {
            let shape = if node.kind == "address" {
                "box"
            } else {
                "ellipse"
            };
            out.push_str(&format!("  {} [shape={shape}];\n", dot_quote(&node.id)));
        }
        for edge in &self.edges {
            out.push_str(&format!(
                "  {} -> {} [label={}];\n",
                dot_quote(&edge.from),
                dot_quote(&edge.to),
                dot_quote(&edge.rrtype)
            ));
        }
        out.push_str("}\n");
        out
    }

    /// GraphML.
    pub fn to_graphml(&self) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n  <key id=\"rrtype\" for=\"edge\" attr.name=\"rrtype\" attr.type=\"string\"/>\n  <key id=\"first\" for=\"edge\" attr.name=\"time_first\" attr.type=\"long\"/>\n  <key id=\"last\" for=\"edge\" attr.name=\"time_last\" attr.type=\"long\"/>\n  <key id=\"count\" for=\"edge\" attr.name=\"count\" attr.type=\"long\"/>\n",
        );
        out.push_str(&format!(
            "  <graph id=\"{}\" edgedefault=\"directed\">\n",
            xml_escape(&self.domain)
        ));
        for node in &self.nodes {
            out.push_str(&format!(
                "    <node id=\"{}\"><data key=\"kind\">{}</data></node>\n",
                xml_escape(&node.id),
                node.kind
            ));
        }
        for edge in &self.edges {
            out.push_str(&format!(
                "    <edge source=\"{}\" target=\"{}\"><data key=\"rrtype\">{}</data><data key=\"first\">{}</data><data key=\"last\">{}</data><data key=\"count\">{}</data></edge>\n",
                xml_escape(&edge.from),
                xml_escape(&edge.to),
                edge.rrtype,
                edge.seen.first,
                edge.seen.last,
                edge.seen.count
            ));
        }
        out.push_str("  </graph>\n</graphml>\n");
        out
    }
}
