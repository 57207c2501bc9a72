//! The exposure graph as Mermaid, which GitHub, GitLab and Gitea render in
//! Markdown: clusters as nodes, one edge per provider → consumer pair,
//! labelled with the Services whose endpoints flow along it. In a review,
//! edges a change adds and removes are marked. A large graph is folded away,
//! and one too large to help is left out with a word why.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::plan::{FlowState, PlacementStatus};
use crate::review::Review;

/// Edges above which the graph is folded into `<details>`.
pub const FOLD_EDGES: usize = 30;
/// Edges above which the graph is not drawn at all.
pub const MAX_EDGES: usize = 150;
/// Services named on one edge before the rest are counted.
const LABEL_SERVICES: usize = 3;

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edge {
    /// Endpoints flow (solid).
    InPlace,
    /// Wanted, not in place yet (dotted).
    NotInPlace,
    /// A change adds it (thick, `+`).
    Added,
    /// A change removes it (dotted, `−`).
    Removed,
}

/// Services along each (provider, consumer, edge kind).
type Edges = BTreeMap<(String, String, Edge), BTreeSet<String>>;

/// The graph of a status report: every desired flow, solid when in place.
pub fn status_graph(placements: &[PlacementStatus]) -> String {
    let mut edges = Edges::new();
    for placement in placements {
        for flow in &placement.flows {
            let kind = match flow.state {
                FlowState::InPlace => Edge::InPlace,
                FlowState::Unexpected => continue,
                _ => Edge::NotInPlace,
            };
            edges
                .entry((flow.provider.clone(), flow.consumer.clone(), kind))
                .or_default()
                .insert(placement.key.to_string());
        }
    }
    render(
        &edges,
        "Exposure graph",
        "Solid: endpoints flow. Dotted: wanted, not in place yet.",
    )
}

/// The graph of a review: the head's flows, with what the change adds and
/// removes marked.
pub fn review_graph(review: &Review) -> String {
    let mut edges = Edges::new();
    for service in &review.services {
        let flows = |side: Option<&crate::review::Side>| {
            side.map(|s| s.placement.flows.clone()).unwrap_or_default()
        };
        let (before, after) = (flows(service.base.as_ref()), flows(service.head.as_ref()));
        for flow in before.union(&after) {
            let kind = match (before.contains(flow), after.contains(flow)) {
                (true, true) => Edge::InPlace,
                (false, true) => Edge::Added,
                _ => Edge::Removed,
            };
            edges
                .entry((flow.provider.clone(), flow.consumer.clone(), kind))
                .or_default()
                .insert(service.key.to_string());
        }
    }
    render(
        &edges,
        "Exposure graph of the change",
        "Solid: unchanged. Thick (+): added by the change. Dotted (−): removed by it.",
    )
}

fn render(edges: &Edges, title: &str, legend: &str) -> String {
    if edges.is_empty() {
        return String::new();
    }
    if edges.len() > MAX_EDGES {
        return format!(
            "_{title}: {} edges, too many to draw; the table above has every cluster._\n\n",
            edges.len()
        );
    }
    let clusters: BTreeSet<&String> = edges.keys().flat_map(|(p, c, _)| [p, c]).collect();
    let id: BTreeMap<&String, usize> = clusters.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut graph = String::from("```mermaid\nflowchart LR\n");
    for (cluster, index) in &id {
        let _ = writeln!(graph, "  c{index}[\"{cluster}\"]");
    }
    for ((provider, consumer, kind), services) in edges {
        let label = label(services, *kind);
        let arrow = match kind {
            Edge::InPlace => "-->",
            Edge::NotInPlace | Edge::Removed => "-.->",
            Edge::Added => "==>",
        };
        let _ = writeln!(
            graph,
            "  c{} {arrow}|\"{label}\"| c{}",
            id[provider], id[consumer]
        );
    }
    graph.push_str("```\n");
    if edges.len() > FOLD_EDGES {
        format!(
            "<details><summary>{title} ({} edges)</summary>\n\n{graph}\n{legend}\n\n</details>\n\n",
            edges.len()
        )
    } else {
        format!("{graph}\n{legend}\n\n")
    }
}

/// An edge's label: its Services (the first few, then a count), marked
/// with `+` or `−` in a review.
fn label(services: &BTreeSet<String>, kind: Edge) -> String {
    let mark = match kind {
        Edge::Added => "+",
        Edge::Removed => "−",
        _ => "",
    };
    let mut names: Vec<String> = services
        .iter()
        .take(LABEL_SERVICES)
        .map(|s| format!("{mark}{s}"))
        .collect();
    if services.len() > LABEL_SERVICES {
        names.push(format!("and {} more", services.len() - LABEL_SERVICES));
    }
    names.join(", ").replace('"', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edges(n: usize) -> Edges {
        (0..n)
            .map(|i| {
                let key = (format!("p{}", i % 20), format!("c{i}"), Edge::InPlace);
                (key, BTreeSet::from([format!("ns/s{i}")]))
            })
            .collect()
    }

    #[test]
    fn a_small_graph_is_drawn_a_large_one_folded_and_a_huge_one_left_out() {
        let small = render(&edges(3), "Graph", "legend");
        assert!(small.starts_with("```mermaid\nflowchart LR\n"), "{small}");
        let large = render(&edges(FOLD_EDGES + 1), "Graph", "legend");
        assert!(
            large.starts_with("<details><summary>Graph (31 edges)</summary>"),
            "{large}"
        );
        let huge = render(&edges(MAX_EDGES + 1), "Graph", "legend");
        assert!(
            huge.contains("too many to draw") && !huge.contains("mermaid"),
            "{huge}"
        );
    }

    #[test]
    fn an_edge_names_a_few_services_and_counts_the_rest() {
        let services: BTreeSet<String> = (0..5).map(|i| format!("ns/s{i}")).collect();
        assert_eq!(
            label(&services, Edge::Added),
            "+ns/s0, +ns/s1, +ns/s2, and 2 more"
        );
    }
}
