//! Exposure history for people (text) and machines (JSON, schema
//! `mcs-gitops.io/history/v1`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::history::{Event, Filter, Flow, History, Moment};

fn when(time: i64) -> String {
    jiff::Timestamp::from_second(time)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| time.to_string())
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn moment(m: &Moment) -> String {
    let source = m
        .source
        .as_deref()
        .map(|s| format!(", source revision {}", short(s)))
        .unwrap_or_default();
    format!(
        "{} (status commit {}{source})",
        when(m.time),
        short(&m.commit)
    )
}

/// Who could reach what at moment `at`, by Service.
pub fn render_at(history: &History, at: usize, filter: &Filter) -> String {
    let mut out = format!("At {}:\n", moment(&history.moments[at]));
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for flow in history
        .reachable_at(at)
        .into_iter()
        .filter(|f| filter.keeps(f))
    {
        by_service
            .entry(flow.service)
            .or_default()
            .push(format!("{} → {}", flow.provider, flow.consumer));
    }
    if by_service.is_empty() {
        out.push_str("  nothing reachable\n");
    }
    for (service, flows) in by_service {
        let _ = writeln!(out, "  {service}: {}", flows.join(", "));
    }
    out
}

/// When each flow appeared and disappeared.
pub fn render_events(history: &History, filter: &Filter) -> String {
    let mut out = String::new();
    for event in history.events.iter().filter(|e| filter.keeps(&e.flow)) {
        let m = &history.moments[event.at];
        let sign = if event.appeared { "+" } else { "-" };
        let what = if event.appeared {
            "reachable"
        } else {
            "no longer reachable"
        };
        let _ = writeln!(
            out,
            "{} {sign} {}: {} → {} {what} (source {})",
            when(m.time),
            event.flow.service,
            event.flow.provider,
            event.flow.consumer,
            m.source.as_deref().map(short).unwrap_or("unknown")
        );
    }
    if out.is_empty() {
        out.push_str("no flow appeared or disappeared\n");
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventJson<'a> {
    time: String,
    commit: &'a str,
    source: Option<&'a str>,
    service: &'a str,
    provider: &'a str,
    consumer: &'a str,
    change: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AtJson<'a> {
    time: String,
    commit: &'a str,
    source: Option<&'a str>,
    reachable: Vec<Flow>,
}

/// The `mcs-gitops.io/history/v1` document.
#[derive(Serialize)]
pub struct HistoryJson<'a> {
    schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    at: Option<AtJson<'a>>,
    events: Vec<EventJson<'a>>,
}

/// The history as JSON: the events, and the reachable flows at `at`.
pub fn to_json<'a>(history: &'a History, at: Option<usize>, filter: &Filter) -> HistoryJson<'a> {
    let event = |e: &'a Event| {
        let m = &history.moments[e.at];
        EventJson {
            time: when(m.time),
            commit: &m.commit,
            source: m.source.as_deref(),
            service: &e.flow.service,
            provider: &e.flow.provider,
            consumer: &e.flow.consumer,
            change: if e.appeared {
                "appeared"
            } else {
                "disappeared"
            },
        }
    };
    HistoryJson {
        schema: "mcs-gitops.io/history/v1",
        at: at.map(|i| {
            let m = &history.moments[i];
            AtJson {
                time: when(m.time),
                commit: &m.commit,
                source: m.source.as_deref(),
                reachable: history
                    .reachable_at(i)
                    .into_iter()
                    .filter(|f| filter.keeps(f))
                    .collect(),
            }
        }),
        events: history
            .events
            .iter()
            .filter(|e| filter.keeps(&e.flow) && at.is_none_or(|i| e.at <= i))
            .map(event)
            .collect(),
    }
}
