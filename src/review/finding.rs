//! What a change does, one fact at a time: the sentences of a review.
//!
//! A [`Finding`] is data, so JSON consumers can match on its kind, with one
//! sentence for people ([`Finding::message`]). Whether a finding deserves a
//! second look is its [`Level`]; how that is shown (marks, colours) is the
//! renderers' business.

use serde::Serialize;

use crate::manifest::ObjectKey;

/// How much attention a finding deserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// What the change does, as intended.
    Info,
    /// Easy to get wrong: a reviewer should check it.
    Caution,
}

/// One of the two cluster lists of an MCS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ClusterList {
    /// `spec.providerClusters`.
    ProviderClusters,
    /// `spec.consumerClusters`.
    ConsumerClusters,
}

impl ClusterList {
    /// The field name as written in YAML.
    pub fn field(self) -> &'static str {
        match self {
            ClusterList::ProviderClusters => "providerClusters",
            ClusterList::ConsumerClusters => "consumerClusters",
        }
    }
}

/// One fact about what a change does to a Service's exposure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Finding {
    /// A new MCS claims its Service away from any PropagationPolicy.
    Takeover,
    /// A cluster becomes a consumer.
    NewConsumer {
        /// The consumer.
        cluster: String,
        /// Providers whose endpoints are injected there (known ones).
        providers: Vec<String>,
        /// Whether every cluster provides, and today's clusters are unknown.
        all_providers: bool,
    },
    /// A cluster stops being a consumer.
    LostConsumer {
        /// The former consumer.
        cluster: String,
    },
    /// A cluster starts providing endpoints.
    NewProvider {
        /// The provider.
        cluster: String,
        /// Consumers that receive its endpoints (known ones).
        consumers: Vec<String>,
    },
    /// A cluster stops providing endpoints.
    LostProvider {
        /// The former provider.
        cluster: String,
        /// Consumers its endpoints are withdrawn from.
        consumers: Vec<String>,
    },
    /// A cluster list is empty: every cluster, including future ones.
    AllClusters {
        /// Which list.
        list: ClusterList,
        /// How many clusters exist today, when known.
        today: Option<usize>,
    },
    /// A cluster list that meant every cluster now names clusters.
    NoLongerAll {
        /// Which list.
        list: ClusterList,
    },
    /// The Service is delivered to clusters it may not run in yet.
    Delivered {
        /// The clusters (empty with `everywhere`).
        clusters: Vec<String>,
        /// Delivered to every cluster, and today's clusters are unknown.
        everywhere: bool,
        /// Whether the live federation confirmed that it does not run there.
        checked_live: bool,
    },
    /// The Service is delivered to clusters where it already runs.
    AlreadyRunning {
        /// The clusters.
        clusters: Vec<String>,
    },
    /// This MCS no longer places the Service on some clusters.
    Withdrawn {
        /// The clusters.
        clusters: Vec<String>,
    },
    /// The MCS is deleted: endpoint sync stops, the Service stays.
    Deleted {
        /// Where the Service stays deployed (as far as known).
        deployed: Vec<String>,
        /// Whether it was placed on every cluster and today's are unknown.
        everywhere: bool,
    },
    /// `spec.types` changes, which Karmada forbids in place.
    TypesChanged {
        /// Types before.
        from: Vec<String>,
        /// Types after.
        to: Vec<String>,
    },
    /// Deprecated fields that Karmada ignores are written.
    Deprecated {
        /// The fields, as `spec.<field>`.
        fields: Vec<String>,
    },
    /// The MCS was renamed: another Service is exposed.
    Renamed {
        /// The former namespace/name.
        from: ObjectKey,
        /// Where the former Service stays deployed.
        deployed: Vec<String>,
    },
    /// The MCS moved to another file.
    Moved {
        /// The former file.
        from: String,
        /// The new file.
        to: String,
    },
    /// The MCS cannot be compared: its head version has errors.
    NotComparable {
        /// The file with errors.
        file: String,
    },
}

impl Finding {
    /// How much attention the finding deserves.
    pub fn level(&self) -> Level {
        match self {
            Finding::AllClusters { .. }
            | Finding::Delivered { .. }
            | Finding::Deleted { .. }
            | Finding::TypesChanged { .. }
            | Finding::Deprecated { .. }
            | Finding::Renamed { .. }
            | Finding::Withdrawn { .. }
            | Finding::NotComparable { .. } => Level::Caution,
            _ => Level::Info,
        }
    }

    /// The finding as one sentence about the MCS `key`.
    pub fn message(&self, key: &ObjectKey) -> String {
        match self {
            Finding::Takeover => format!(
                "new MCS: it claims Service {key}, so a PropagationPolicy that placed the Service no longer does; Karmada places it on providers ∪ consumers instead"
            ),
            Finding::Delivered {
                clusters,
                everywhere,
                checked_live,
            } => delivered(key, clusters, *everywhere, *checked_live),
            Finding::AlreadyRunning { clusters } => format!(
                "Service {key} is now also delivered to {}, where it already runs: nothing is overwritten",
                list(clusters)
            ),
            Finding::Withdrawn { clusters } => format!(
                "this MCS no longer places Service {key} on {}: Karmada may remove the copy it delivered there; check that nothing there still needs it",
                list(clusters)
            ),
            Finding::Deleted {
                deployed,
                everywhere,
            } => deleted(key, deployed, *everywhere),
            Finding::TypesChanged { from, to } => format!(
                "spec.types changes from [{}] to [{}]: Karmada refuses to change types in place, so applying needs delete-and-recreate (`mcs-gitops apply --recreate`); endpoint sync pauses in between",
                from.join(", "),
                to.join(", ")
            ),
            Finding::Deprecated { fields } => deprecated(fields),
            Finding::Renamed { from, deployed } => renamed(key, from, deployed),
            Finding::Moved { from, to } => format!(
                "moved from `{from}` to `{to}`: only the mcs-gitops.io/source-file annotation changes in the federation"
            ),
            Finding::NotComparable { file } => format!(
                "{key} cannot be compared: its head version in `{file}` has errors (see the diagnostics); it is not removed"
            ),
            exposure => exposure.exposure_message(key).unwrap_or_default(),
        }
    }

    /// The sentences about who reaches and who provides; `None` for the
    /// other findings.
    fn exposure_message(&self, key: &ObjectKey) -> Option<String> {
        Some(match self {
            Finding::NewConsumer {
                cluster,
                providers,
                all_providers,
            } => new_consumer(key, cluster, providers, *all_providers),
            Finding::LostConsumer { cluster } => format!(
                "{key} is no longer reachable from {cluster}: the EndpointSlices injected there are removed"
            ),
            Finding::NewProvider { cluster, consumers } => format!(
                "{cluster} starts providing endpoints for {key}{}",
                towards(consumers, "injected into")
            ),
            Finding::LostProvider { cluster, consumers } => format!(
                "{cluster} stops providing endpoints for {key}{}",
                towards(consumers, "they are withdrawn from")
            ),
            Finding::AllClusters { list, today } => all_clusters(key, *list, *today),
            Finding::NoLongerAll { list } => no_longer_all(key, *list),
            _ => return None,
        })
    }
}

/// Cluster names joined with commas, or "no cluster".
pub fn list(clusters: &[String]) -> String {
    if clusters.is_empty() {
        "no cluster".to_owned()
    } else {
        clusters.join(", ")
    }
}

fn towards(clusters: &[String], verb: &str) -> String {
    if clusters.is_empty() {
        String::new()
    } else {
        format!(": {verb} {}", clusters.join(", "))
    }
}

fn new_consumer(key: &ObjectKey, cluster: &str, providers: &[String], all: bool) -> String {
    let from = if all {
        ": endpoints of every provider cluster are injected there".to_owned()
    } else if providers.is_empty() {
        format!(": no other provider, so no endpoints flow to {cluster}")
    } else {
        format!(": endpoints of {} are injected there", providers.join(", "))
    };
    format!("{key} becomes reachable from {cluster} (new consumer){from}")
}

fn today(today: Option<usize>) -> String {
    match today {
        Some(n) => format!("{n} today"),
        None => "how many today is unknown offline: list `clusters:` in mcs-gitops.yaml or review with --kubeconfig".to_owned(),
    }
}

fn all_clusters(key: &ObjectKey, list: ClusterList, count: Option<usize>) -> String {
    match list {
        ClusterList::ConsumerClusters => format!(
            "consumerClusters is empty: {key} is exposed to ALL current and future clusters ({})",
            today(count)
        ),
        ClusterList::ProviderClusters => format!(
            "providerClusters is empty: ALL current and future clusters provide endpoints for {key} ({})",
            today(count)
        ),
    }
}

fn no_longer_all(key: &ObjectKey, list: ClusterList) -> String {
    match list {
        ClusterList::ConsumerClusters => format!(
            "consumerClusters now names clusters: clusters that join later no longer reach {key}"
        ),
        ClusterList::ProviderClusters => format!(
            "providerClusters now names clusters: clusters that join later no longer provide endpoints for {key}"
        ),
    }
}

fn delivered(key: &ObjectKey, clusters: &[String], everywhere: bool, live: bool) -> String {
    let name = &key.name;
    if everywhere {
        return format!(
            "CAUTION: Service {key} is delivered to EVERY cluster, including future ones: where it does not run yet, an existing Service named `{name}` may be overwritten"
        );
    }
    if live {
        format!(
            "CAUTION: Service {key} will be delivered to {}, where it does not run today: an existing Service named `{name}` there is overwritten",
            list(clusters)
        )
    } else {
        format!(
            "CAUTION: Service {key} is now delivered to {} (providers ∪ consumers): where it does not run yet, this may overwrite an existing Service named `{name}`; review with --kubeconfig to see where it runs today",
            list(clusters)
        )
    }
}

fn deprecated(fields: &[String]) -> String {
    let (verb, effect) = if fields.len() == 1 {
        ("is", "it limits")
    } else {
        ("are", "they limit")
    };
    format!(
        "{} {verb} deprecated and ignored by Karmada: {effect} nothing; use providerClusters and consumerClusters",
        fields.join(", ")
    )
}

fn deleted(key: &ObjectKey, deployed: &[String], everywhere: bool) -> String {
    if deployed.is_empty() && !everywhere {
        return format!(
            "deleting the MCS stops endpoint sync for {key}; its Service is not delivered to any member cluster today, so nothing stays behind"
        );
    }
    let place = if everywhere {
        "every cluster it was delivered to".to_owned()
    } else {
        list(deployed)
    };
    format!(
        "deleting the MCS stops endpoint sync for {key}, but the Service stays deployed in {place} (Karmada keeps its ResourceBinding); remove or re-place the Service separately if it should go"
    )
}

fn renamed(key: &ObjectKey, from: &ObjectKey, deployed: &[String]) -> String {
    format!(
        "renamed from {from}: for Karmada this deletes MCS {from} and creates MCS {key}. Endpoint sync for Service {from} stops (the Service stays deployed in {}), and Service {key} is exposed instead: it must exist with that exact name",
        list(deployed)
    )
}
