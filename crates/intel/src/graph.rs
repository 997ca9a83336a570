//! The infrastructure map of a domain as a graph: names, addresses, name servers, mail
//! exchanges and CNAME targets as nodes; A/AAAA, CNAME, NS and MX records as edges, each with
//! its first/last seen and count. Exported as JSON, Graphviz DOT or GraphML.

use crate::{domain_rows, names, IntelError, Seen};
use hark_dns::RrType;
use hark_store::Store;
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
    let mut nodes: BTreeMap<String, String> = BTreeMap::new();
    let mut edges = Vec::new();
    for row in domain_rows(store, &wire, None)? {
        let parts = row.key.parts();
        let to = match parts.rrtype {
            RrType::A | RrType::AAAA | RrType::CNAME | RrType::NS => crate::rdata_text(&row),
            RrType::MX => match parts.rdata.get(2..) {
                Some(exchange) => names::text(exchange),
                None => continue,
            },
            _ => continue,
        };
        let from = names::text(parts.rrname);
        let to_kind = if matches!(parts.rrtype, RrType::A | RrType::AAAA) {
            "address"
        } else {
            "name"
        };
        nodes.entry(from.clone()).or_insert_with(|| "name".into());
        nodes.entry(to.clone()).or_insert_with(|| to_kind.into());
        edges.push(Edge {
            from,
            to,
            rrtype: parts.rrtype.to_string(),
            seen: Seen::of(&row.tally),
        });
    }
    Ok(Graph {
        domain: names::text(&wire),
        nodes: nodes
            .into_iter()
            .map(|(id, kind)| Node { id, kind })
            .collect(),
        edges,
    })
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
