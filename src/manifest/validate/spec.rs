//! Rules of `spec`: types, ports, cluster lists, deprecated fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::Spanned;

use super::checker::{Checker, MAX_CLUSTER_NAME, MAX_LABEL, name_diagnostic};
use crate::manifest::diagnostic::{Diagnostic, Location, Rule, printable};
use crate::manifest::document::{ClusterDocument, PortDocument, PortNumber, SpecDocument};
use crate::manifest::model::{DeprecatedFields, ExposureType, Located, Port};
use crate::manifest::names::{LabelKind, check_label};

/// The parts of a spec that passed their rules.
pub(super) struct CheckedSpec {
    pub(super) types: Vec<ExposureType>,
    pub(super) ports: Vec<Port>,
    pub(super) providers: Vec<Located<String>>,
    pub(super) consumers: Vec<Located<String>>,
    pub(super) deprecated: DeprecatedFields,
}

pub(super) fn check_spec(checker: &mut Checker<'_>, spec: &Spanned<SpecDocument>) -> CheckedSpec {
    let types = check_types(checker, spec);
    let ports = spec
        .value
        .ports
        .as_ref()
        .map(|ports| check_ports(checker, ports))
        .unwrap_or_default();
    if let Some(written) = &spec.value.ports
        && !ports.is_empty()
        && types == [ExposureType::CrossCluster]
    {
        let location = checker.at(written);
        checker.push(
            Diagnostic::warning(
                Rule::NoEffect,
                location,
                "spec.ports has no effect on CrossCluster exposure: Karmada syncs every port of the Service",
            )
            .with_hint("remove `ports`, or limit the ports on the Service itself"),
        );
    }
    let providers = check_clusters(
        checker,
        spec.value.provider_clusters.as_ref(),
        "providerClusters",
    );
    let consumers = check_clusters(
        checker,
        spec.value.consumer_clusters.as_ref(),
        "consumerClusters",
    );
    let deprecated = check_deprecated(
        checker,
        &spec.value,
        providers.is_empty() && consumers.is_empty(),
    );
    CheckedSpec {
        types,
        ports,
        providers,
        consumers,
        deprecated,
    }
}

fn check_types(checker: &mut Checker<'_>, spec: &Spanned<SpecDocument>) -> Vec<ExposureType> {
    let Some(types) = spec.value.types.as_ref().filter(|t| !t.value.is_empty()) else {
        let location = match &spec.value.types {
            Some(types) => checker.at(types),
            None => checker.at(spec),
        };
        checker.push(
            Diagnostic::error(Rule::Types, location, "spec.types is empty")
                .with_hint("add `types: [CrossCluster]` for cross-cluster service discovery"),
        );
        return Vec::new();
    };
    let mut parsed = Vec::new();
    for written in &types.value {
        match ExposureType::parse(&written.value) {
            Some(t) => parsed.push(t),
            None => {
                let location = checker.at(written).spanning(written.value.chars().count());
                let hint = match written.value.to_ascii_lowercase().as_str() {
                    "crosscluster" => "write `CrossCluster` (case matters)".to_owned(),
                    "loadbalancer" => "write `LoadBalancer` (case matters)".to_owned(),
                    _ => "use CrossCluster (service discovery) or LoadBalancer".to_owned(),
                };
                checker.push(
                    Diagnostic::error(
                        Rule::Types,
                        location,
                        format!("unknown type `{}`", printable(&written.value)),
                    )
                    .with_hint(hint),
                );
            }
        }
    }
    let distinct: BTreeSet<ExposureType> = parsed.iter().copied().collect();
    if distinct.len() > 1 {
        checker.error(
            Rule::Types,
            types,
            "spec.types has more than one distinct type; Karmada accepts exactly one",
        );
    } else if parsed.len() > 1 {
        checker.push(Diagnostic::warning(
            Rule::Types,
            checker.at(types),
            format!("spec.types repeats `{}`", parsed[0]),
        ));
    }
    parsed
}

fn check_ports(
    checker: &mut Checker<'_>,
    ports: &Spanned<Vec<Spanned<PortDocument>>>,
) -> Vec<Port> {
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    let mut result = Vec::new();
    for port in &ports.value {
        let number = &port.value.port;
        let valid_number = match port_number(&number.value) {
            Ok(valid) => Some(valid),
            Err(bad) => {
                let location = checker.at(number).spanning(bad.span);
                checker.push(
                    Diagnostic::error(
                        Rule::Ports,
                        location,
                        format!("port {} {}", bad.shown, bad.problem),
                    )
                    .with_hint("use the Service port number, a whole number without quotes"),
                );
                None
            }
        };
        let name = match &port.value.name {
            Some(name) => check_port_name(checker, name, &mut seen),
            None => None,
        };
        if let Some(number) = valid_number {
            result.push(Port { name, port: number });
        }
    }
    result
}

/// Why a written port is not a number in 1..65535.
struct BadPort {
    /// The port as the message shows it.
    shown: String,
    /// What is wrong with it.
    problem: &'static str,
    /// How many characters to underline (the shown text is not always the
    /// written one: `yes` is shown as `true`).
    span: usize,
}

/// The port as a number in 1..65535, or what is wrong with it.
fn port_number(written: &PortNumber) -> Result<u16, BadPort> {
    let bad = |shown: String, problem| BadPort {
        shown,
        problem,
        span: 1,
    };
    let integer = match written {
        PortNumber::Integer(n) => *n,
        PortNumber::Text(text) => match text.parse::<i64>() {
            Ok(n) => i128::from(n),
            Err(_) => return Err(bad(format!("`{}`", printable(text)), "is not a number")),
        },
        PortNumber::Decimal(x) => {
            return Err(bad(
                format!("{x:?}"),
                "is not a whole number between 1 and 65535",
            ));
        }
        PortNumber::Boolean(b) => {
            return Err(bad(
                format!("`{b}`"),
                "is a boolean (YAML reads yes, no, on and off as booleans)",
            ));
        }
        PortNumber::Empty => return Err(bad("number".to_owned(), "is empty")),
    };
    u16::try_from(integer)
        .ok()
        .filter(|n| *n != 0)
        .ok_or_else(|| {
            let shown = integer.to_string();
            BadPort {
                span: shown.len(),
                shown,
                problem: "is outside 1..65535",
            }
        })
}

fn check_port_name(
    checker: &mut Checker<'_>,
    name: &Spanned<String>,
    seen: &mut BTreeMap<String, Location>,
) -> Option<String> {
    if let Err(problem) = check_label(&name.value, LabelKind::Dns1123, MAX_LABEL) {
        let diagnostic = name_diagnostic(checker, name, &problem, "port name", Rule::Ports);
        checker.push(diagnostic);
    }
    let location = checker.at(name);
    if let Some(first) = seen.get(&name.value) {
        let first = first.clone();
        checker.push(
            Diagnostic::error(
                Rule::Ports,
                location,
                format!("port name `{}` is used twice", printable(&name.value)),
            )
            .with_related(first, "first used here"),
        );
    } else {
        seen.insert(name.value.clone(), location);
    }
    Some(name.value.clone())
}

fn check_clusters(
    checker: &mut Checker<'_>,
    list: Option<&Spanned<Vec<Spanned<ClusterDocument>>>>,
    field: &str,
) -> Vec<Located<String>> {
    let mut result: Vec<Located<String>> = Vec::new();
    let mut first_listed: BTreeMap<String, Location> = BTreeMap::new();
    for entry in list.map(|l| l.value.as_slice()).unwrap_or_default() {
        let name = &entry.value.name;
        if let Err(problem) = check_label(&name.value, LabelKind::Dns1123, MAX_CLUSTER_NAME) {
            let diagnostic = name_diagnostic(
                checker,
                name,
                &problem,
                &format!("{field} name"),
                Rule::ClusterName,
            );
            checker.push(diagnostic);
            continue;
        }
        let location = checker.at(name).spanning(name.value.chars().count());
        if let Some(first) = first_listed.get(&name.value) {
            let first = first.clone();
            checker.push(
                Diagnostic::error(
                    Rule::DuplicateCluster,
                    location,
                    format!(
                        "cluster `{}` is listed twice in {field}",
                        printable(&name.value)
                    ),
                )
                .with_related(first, "first listed here")
                .with_hint("remove the repeated entry"),
            );
            continue;
        }
        first_listed.insert(name.value.clone(), location.clone());
        result.push(Located {
            value: name.value.clone(),
            location,
        });
    }
    result
}

fn check_deprecated(
    checker: &mut Checker<'_>,
    spec: &SpecDocument,
    no_cluster_lists: bool,
) -> DeprecatedFields {
    let consequence = if no_cluster_lists {
        "; with no providerClusters or consumerClusters this MCS exposes the Service from ALL clusters to ALL clusters"
    } else {
        ""
    };
    let replacement = "use providerClusters and consumerClusters instead";
    let warn = |field: &str, location: Location, checker: &mut Checker<'_>| {
        checker.push(
            Diagnostic::warning(
                Rule::DeprecatedField,
                location,
                format!("spec.{field} is deprecated and ignored by Karmada{consequence}"),
            )
            .with_hint(replacement),
        );
    };
    let mut fields = DeprecatedFields::default();
    if let Some(range) = &spec.range {
        warn("range", checker.at(range), checker);
        fields.range_cluster_names = Some(range.value.cluster_names.clone().unwrap_or_default());
    }
    if let Some(list) = &spec.service_provision_clusters {
        warn("serviceProvisionClusters", checker.at(list), checker);
        fields.service_provision_clusters = Some(list.value.clone());
    }
    if let Some(list) = &spec.service_consumption_clusters {
        warn("serviceConsumptionClusters", checker.at(list), checker);
        fields.service_consumption_clusters = Some(list.value.clone());
    }
    fields
}
