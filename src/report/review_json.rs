//! A review as JSON, schema `mcs-gitops.io/review/v1`.
//!
//! ```text
//! {
//!   "schema": "mcs-gitops.io/review/v1",
//!   "verdict": "no-changes" | "changes" | "invalid",
//!   "base": {"name": "main", "commit": "<sha>" | null},
//!   "head": {"name": "<rev>", "commit": "<sha>" | null},
//!   "clusters": {"source": "repo-config" | "federation" | null,
//!                "names": ["clustera", ...] | null},
//!   "summary": {"added", "removed", "changed", "renamed", "moved",
//!               "notComparable", "gainAccess", "loseAccess", "cautions",
//!               "errors", "rejected"},                     (all integers)
//!   "services": [{
//!     "namespace": "shop", "name": "checkout",
//!     "change": "added" | "removed" | "changed" | "renamed" | "moved"
//!               | "not-comparable",
//!     "baseFile": "shop/checkout.yaml" | null, "headFile": ... | null,
//!     "renamedFrom": "ns/name" | null,
//!     "fields": [{"path": "spec.consumerClusters", "before": <json>|null,
//!                 "after": <json>|null}],
//!     "providers": {"before": <set>|null, "after": <set>|null},
//!     "consumers": {"before": <set>|null, "after": <set>|null},
//!         <set> = {"kind": "named", "clusters": [...]}
//!               | {"kind": "all", "today": [...] | null}   (empty list: all
//!                  clusters, including future ones)
//!     "delivery": {"before": [...]|null, "after": [...]|null},
//!     "flows": {"before": [{"provider","consumer"}]|null, "after": ...},
//!     "access": [{"service": {"namespace","name"},
//!                 "cells": [{"cluster": "clustera" | null (any other or
//!                            future cluster), "reachesBefore",
//!                            "reachesAfter", "providesBefore",
//!                            "providesAfter"}]}],
//!     "findings": [{"kind": "<kebab-case>", "level": "info" | "caution",
//!                   "message": "<sentence>", ...fields of the kind}],
//!     "running": ["clusterb", ...] | null,       (live only)
//!     "live": {"outcome": "accepted" | "in-place" | "rejected" | "blocked"
//!              | "not-checked" | "absent", ...} | null   (live only)
//!   }],
//!   "diagnostics": [<as in mcs-gitops.io/validate/v1>],
//!   "otherWarnings": 0,
//!   "baseErrors": 0,
//!   "live": {"clusters", "ready", "otherChanges"} | null
//! }
//! ```
//!
//! Finding kinds: `takeover`, `new-consumer`, `lost-consumer`,
//! `new-provider`, `lost-provider`, `all-clusters`, `no-longer-all`,
//! `delivered`, `already-running`, `withdrawn`, `deleted`, `types-changed`,
//! `deprecated`, `renamed`, `moved`, `not-comparable`.

use std::collections::BTreeSet;

use serde::Serialize;

use super::diagnostics::DiagnosticJson;
use crate::plan::{ClusterSet, FieldChange, SliceFlow};
use crate::review::{
    AccessRow, Change, Clusters, Finding, Level, LiveOutcome, LiveSummary, Review, Revision,
    ServiceReview, Side, Summary, Verdict,
};

/// The documented JSON shape of `review -o json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewJson<'a> {
    schema: &'static str,
    verdict: Verdict,
    base: &'a Revision,
    head: &'a Revision,
    clusters: &'a Clusters,
    summary: Summary,
    services: Vec<ServiceJson<'a>>,
    diagnostics: Vec<DiagnosticJson<'a>>,
    other_warnings: usize,
    base_errors: usize,
    live: Option<&'a LiveSummary>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceJson<'a> {
    namespace: &'a str,
    name: &'a str,
    change: Change,
    base_file: Option<&'a str>,
    head_file: Option<&'a str>,
    renamed_from: Option<String>,
    fields: &'a [FieldChange],
    providers: BeforeAfter<&'a ClusterSet>,
    consumers: BeforeAfter<&'a ClusterSet>,
    delivery: BeforeAfter<&'a BTreeSet<String>>,
    flows: BeforeAfter<&'a BTreeSet<SliceFlow>>,
    access: &'a [AccessRow],
    findings: Vec<FindingJson<'a>>,
    running: Option<&'a BTreeSet<String>>,
    live: Option<&'a LiveOutcome>,
}

#[derive(Serialize)]
struct BeforeAfter<T> {
    before: Option<T>,
    after: Option<T>,
}

impl<'a, T> BeforeAfter<T> {
    fn of(service: &'a ServiceReview, f: impl Fn(&'a Side) -> T) -> Self {
        BeforeAfter {
            before: service.base.as_ref().map(&f),
            after: service.head.as_ref().map(&f),
        }
    }
}

#[derive(Serialize)]
struct FindingJson<'a> {
    level: Level,
    message: String,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// Builds the JSON document of a review.
pub fn to_json(review: &Review) -> ReviewJson<'_> {
    ReviewJson {
        schema: "mcs-gitops.io/review/v1",
        verdict: review.verdict(),
        base: &review.base,
        head: &review.head,
        clusters: &review.clusters,
        summary: review.summary(),
        services: review.services.iter().map(service).collect(),
        diagnostics: review.diagnostics.iter().map(DiagnosticJson::new).collect(),
        other_warnings: review.other_warnings,
        base_errors: review.base_errors,
        live: review.live.as_ref(),
    }
}

fn service(service: &ServiceReview) -> ServiceJson<'_> {
    ServiceJson {
        namespace: &service.key.namespace,
        name: &service.key.name,
        change: service.change,
        base_file: side_file(service.base.as_ref()),
        head_file: side_file(service.head.as_ref()),
        renamed_from: (service.change == Change::Renamed)
            .then(|| service.base.as_ref().map(|b| b.mcs.key.to_string()))
            .flatten(),
        fields: &service.fields,
        providers: BeforeAfter::of(service, |s| &s.placement.providers),
        consumers: BeforeAfter::of(service, |s| &s.placement.consumers),
        delivery: BeforeAfter::of(service, |s| &s.placement.delivery),
        flows: BeforeAfter::of(service, |s| &s.placement.flows),
        access: &service.access,
        findings: service
            .findings
            .iter()
            .map(|finding| FindingJson {
                level: finding.level(),
                message: finding.message(&service.key),
                finding,
            })
            .collect(),
        running: service.running.as_ref(),
        live: service.live.as_ref(),
    }
}

fn side_file(side: Option<&Side>) -> Option<&str> {
    side.map(|s| s.mcs.origin.file.as_str())
}
