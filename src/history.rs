//! Exposure history, read from the status branch: who could reach what at
//! any point, and when each flow appeared and disappeared. Pure: the
//! `source` layer hands over the status commits; this module replays them.
//!
//! A flow is *reachable* while its report shows endpoints delivered to the
//! consumer (in place, unexpected, or pending with endpoints still there,
//! as Karmada keeps serving a NotReady provider's slices).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One commit of the status branch, as the source layer reads it.
#[derive(Clone, Debug)]
pub struct StatusCommit {
    /// The status commit.
    pub id: String,
    /// Its commit time, in seconds since the epoch.
    pub time: i64,
    /// The source revision its report describes.
    pub source: Option<String>,
    /// The object reports it changed: the path, and the new content or
    /// `None` when the report was removed.
    pub changed: Vec<(String, Option<Vec<u8>>)>,
}

/// A point in the history: one status commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    /// The status commit.
    pub commit: String,
    /// When it was written, in seconds since the epoch.
    pub time: i64,
    /// The source revision it describes.
    pub source: Option<String>,
}

/// One provider → consumer flow of one Service.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Flow {
    /// `namespace/name`.
    pub service: String,
    /// Whose endpoints.
    pub provider: String,
    /// Who reaches them.
    pub consumer: String,
}

/// When a flow appeared or disappeared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The flow.
    pub flow: Flow,
    /// Whether it became reachable (true) or stopped being (false).
    pub appeared: bool,
    /// Where in the history.
    pub at: usize,
}

/// The whole history.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every status commit, oldest first.
    pub moments: Vec<Moment>,
    /// Every change of reachability, in order.
    pub events: Vec<Event>,
}

#[derive(Deserialize)]
struct ObjectFile {
    object: String,
    #[serde(default)]
    placement: Option<PlacementFile>,
}

#[derive(Deserialize)]
struct PlacementFile {
    #[serde(default)]
    flows: Vec<FlowFile>,
}

#[derive(Deserialize)]
struct FlowFile {
    provider: String,
    consumer: String,
    state: String,
    #[serde(default)]
    endpoints: Option<u64>,
}

/// The flows a report shows reachable; an unreadable report shows none.
fn reachable(content: &[u8]) -> BTreeSet<Flow> {
    let Ok(file) = serde_saphyr::from_slice::<ObjectFile>(content) else {
        return BTreeSet::new();
    };
    let flows = file.placement.map(|p| p.flows).unwrap_or_default();
    flows
        .into_iter()
        .filter(|f| {
            matches!(f.state.as_str(), "in-place" | "unexpected")
                || f.endpoints.is_some_and(|n| n > 0)
        })
        .map(|f| Flow {
            service: file.object.clone(),
            provider: f.provider,
            consumer: f.consumer,
        })
        .collect()
}

impl History {
    /// Replays the status commits.
    pub fn replay(commits: &[StatusCommit]) -> History {
        let mut by_file: BTreeMap<&str, BTreeSet<Flow>> = BTreeMap::new();
        let mut history = History::default();
        for (at, commit) in commits.iter().enumerate() {
            history.moments.push(Moment {
                commit: commit.id.clone(),
                time: commit.time,
                source: commit.source.clone(),
            });
            for (path, content) in &commit.changed {
                let now = content.as_deref().map(reachable).unwrap_or_default();
                let before = by_file.remove(path.as_str()).unwrap_or_default();
                for flow in now.difference(&before) {
                    history.events.push(Event {
                        flow: flow.clone(),
                        appeared: true,
                        at,
                    });
                }
                for flow in before.difference(&now) {
                    history.events.push(Event {
                        flow: flow.clone(),
                        appeared: false,
                        at,
                    });
                }
                if !now.is_empty() {
                    by_file.insert(path, now);
                }
            }
        }
        history
    }

    /// The flows reachable right after moment `at`.
    pub fn reachable_at(&self, at: usize) -> BTreeSet<Flow> {
        let mut flows = BTreeSet::new();
        for event in self.events.iter().take_while(|e| e.at <= at) {
            if event.appeared {
                flows.insert(event.flow.clone());
            } else {
                flows.remove(&event.flow);
            }
        }
        flows
    }

    /// The moment `revision` names: a status commit, or the last report of
    /// a source revision (a full commit id or a prefix of at least 7).
    pub fn moment_of_revision(&self, revision: &str) -> Option<usize> {
        let matches = |id: &str| revision.len() >= 7 && id.starts_with(revision);
        self.moments
            .iter()
            .rposition(|m| matches(&m.commit) || m.source.as_deref().is_some_and(matches))
    }

    /// The last moment at or before `time` (seconds since the epoch).
    pub fn moment_at_time(&self, time: i64) -> Option<usize> {
        self.moments.iter().rposition(|m| m.time <= time)
    }
}

/// Which flows a question is about.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this Service (`namespace/name`).
    pub service: Option<String>,
    /// Only flows from or to this cluster.
    pub cluster: Option<String>,
}

impl Filter {
    /// Whether `flow` is asked about.
    pub fn keeps(&self, flow: &Flow) -> bool {
        self.service.as_ref().is_none_or(|s| *s == flow.service)
            && self
                .cluster
                .as_ref()
                .is_none_or(|c| *c == flow.provider || *c == flow.consumer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(flows: &[(&str, &str, &str)]) -> Option<Vec<u8>> {
        let mut text = String::from("object: shop/cart\nplacement:\n  flows:\n");
        for (provider, consumer, state) in flows {
            text += &format!(
                "  - provider: {provider}\n    consumer: {consumer}\n    state: {state}\n"
            );
        }
        Some(text.into_bytes())
    }

    fn commit(id: &str, time: i64, report: Option<Vec<u8>>) -> StatusCommit {
        StatusCommit {
            id: id.repeat(40),
            time,
            source: Some(format!("{id}{}", "0".repeat(39))),
            changed: vec![("status/shop/cart.yaml".to_owned(), report)],
        }
    }

    #[test]
    fn flows_appear_and_disappear_with_the_reports() {
        let commits = [
            commit("a", 100, report(&[("x", "y", "in-place")])),
            commit(
                "b",
                200,
                report(&[("x", "y", "in-place"), ("x", "z", "pending")]),
            ),
            commit("c", 300, report(&[("x", "z", "in-place")])),
            commit("d", 400, None),
        ];
        let history = History::replay(&commits);
        let at = |i| {
            history
                .reachable_at(i)
                .into_iter()
                .map(|f| f.consumer)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(0), ["y"]);
        assert_eq!(
            at(1),
            ["y"],
            "a pending flow without endpoints is not reachable"
        );
        assert_eq!(at(2), ["z"]);
        assert!(at(3).is_empty(), "a pruned object's flows are gone");
        assert_eq!(history.moment_at_time(250), Some(1));
        assert_eq!(history.moment_of_revision("ccccccc"), Some(2));
        assert_eq!(
            history.moment_of_revision(&format!("b{}", "0".repeat(39))),
            Some(1)
        );
    }
}
