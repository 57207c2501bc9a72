//! Rules of `spec`: types, ports, cluster lists, deprecated fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::Spanned;

use super::checker::{Checker, MAX_CLUSTER_NAME, MAX_LABEL, name_diagnostic};
use crate::manifest::diagnostic::{Diagnostic, Location, Rule, printable};
use crate::manifest::document::{ClusterDocument, PortDocument, SpecDocument};
use crate::manifest::model::{DeprecatedFields, ExposureType, Located, Port};
use crate::manifest::names::{LabelKind, check_label};
use crate::manifest::scalar::Scalar;

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
        let message = match &spec.value.types {
            Some(_) => {
                "spec.types is empty: Karmada admits this, but its controller then treats the MultiClusterService as not CrossCluster and withdraws the endpoints it exposed (a rule stricter than Karmada's)"
            }
            None => "spec.types is missing",
        };
        checker.push(
            Diagnostic::error(Rule::Types, location, message)
                .with_hint("add `types: [CrossCluster]` for cross-cluster service discovery"),
        );
        return Vec::new();
    };
    let mut parsed = Vec::new();
    for (index, item) in types.value.iter().enumerate() {
        let Some(written) = checker.text(item, &format!("spec.types[{index}]"), "- {}") else {
            continue;
        };
        match ExposureType::parse(&written.value) {
            Some(t) => parsed.push(t),
            None => unknown_type(checker, &written),
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

fn unknown_type(checker: &mut Checker<'_>, written: &Spanned<String>) {
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

fn check_ports(
    checker: &mut Checker<'_>,
    ports: &Spanned<Vec<Spanned<PortDocument>>>,
) -> Vec<Port> {
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    let mut result = Vec::new();
    for (index, port) in ports.value.iter().enumerate() {
        let number = port_number(checker, &port.value.port, index);
        let name = match &port.value.name {
            Some(name) => checker
                .text(name, &format!("spec.ports[{index}].name"), "name: {}")
                .and_then(|name| check_port_name(checker, &name, &mut seen)),
            None => None,
        };
        if let Some(number) = number {
            result.push(Port { name, port: number });
        }
    }
    result
}

/// The port as a number in 1..65535, or an error saying what is wrong with
/// it. A whole number written with a fraction (`80.0`) is what the API
/// stores as 80: it is accepted, with a warning.
fn port_number(checker: &mut Checker<'_>, written: &Spanned<Scalar>, index: usize) -> Option<u16> {
    let field = format!("spec.ports[{index}].port");
    let (problem, hint) = match &written.value {
        Scalar::Integer(n) => match u16::try_from(*n).ok().filter(|n| *n != 0) {
            Some(port) => return Some(port),
            None => (
                format!("{field} {n} is outside 1..65535"),
                "use the Service port number".to_owned(),
            ),
        },
        Scalar::Decimal(x) if x.fract() == 0.0 && (1.0..=65535.0).contains(x) => {
            let port = *x as u16;
            checker.push(
                Diagnostic::warning(
                    Rule::Ports,
                    checker.at(written),
                    format!("{field} is written `{x:?}`; the API stores it as {port}"),
                )
                .with_hint(format!("write `port: {port}`")),
            );
            return Some(port);
        }
        Scalar::Decimal(x) => (
            format!("{field} {x:?} is not a whole number between 1 and 65535"),
            "use the Service port number, a whole number".to_owned(),
        ),
        Scalar::Text(text) => (
            format!(
                "{field} is the text `\"{}\"`, but the API expects a number",
                printable(text)
            ),
            match text.trim().parse::<u16>() {
                Ok(port) => format!(
                    "write `port: {port}` without quotes: kubectl and the API server refuse a quoted port"
                ),
                Err(_) => {
                    "use the Service port number (a named port such as `http` goes in `name`)"
                        .to_owned()
                }
            },
        ),
        Scalar::Boolean(b) => (
            format!("{field} `{b}` is a boolean (YAML reads yes, no, on and off as booleans)"),
            "use the Service port number".to_owned(),
        ),
        Scalar::Empty => (
            format!("{field} is empty"),
            "use the Service port number".to_owned(),
        ),
    };
    let location = checker.at_written(written);
    checker.push(Diagnostic::error(Rule::Ports, location, problem).with_hint(hint));
    None
}

/// Checks a port name; an empty name is, as for Karmada, no name at all.
fn check_port_name(
    checker: &mut Checker<'_>,
    name: &Spanned<String>,
    seen: &mut BTreeMap<String, Location>,
) -> Option<String> {
    if name.value.is_empty() {
        checker.push(
            Diagnostic::warning(
                Rule::Ports,
                checker.at(name),
                "the port name is empty: it counts as unnamed",
            )
            .with_hint("remove `name: \"\"`, or name the port"),
        );
        return None;
    }
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
    for (index, entry) in list
        .map(|l| l.value.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = format!("spec.{field}[{index}].name");
        let Some(name) = checker.text(&entry.value.name, &path, "name: {}") else {
            continue;
        };
        if let Err(problem) = check_label(&name.value, LabelKind::Dns1123, MAX_CLUSTER_NAME) {
            let diagnostic = name_diagnostic(
                checker,
                &name,
                &problem,
                &format!("{field} name"),
                Rule::ClusterName,
            );
            checker.push(diagnostic);
            continue;
        }
        let location = checker.at(&name).spanning(name.value.chars().count());
        if let Some(first) = first_listed.get(&name.value) {
            let first = first.clone();
            checker.push(
                Diagnostic::error(
                    Rule::DuplicateCluster,
                    location,
                    format!(
                        "cluster `{}` is listed twice in {field}: Karmada admits it and uses it once (a rule stricter than Karmada's: a repeated name usually hides a typo of another)",
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
            value: name.value,
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
    let warn = |field: &str, location: Location, checker: &mut Checker<'_>| {
        checker.push(
            Diagnostic::warning(
                Rule::DeprecatedField,
                location,
                format!("spec.{field} is deprecated and ignored by Karmada{consequence}"),
            )
            .with_hint("use providerClusters and consumerClusters instead"),
        );
    };
    let mut fields = DeprecatedFields::default();
    if let Some(range) = &spec.range {
        warn("range", checker.at(range), checker);
        let names = range.value.cluster_names.as_deref().unwrap_or_default();
        fields.range_cluster_names = Some(names_of(checker, names, "spec.range.clusterNames"));
    }
    if let Some(list) = &spec.service_provision_clusters {
        warn("serviceProvisionClusters", checker.at(list), checker);
        fields.service_provision_clusters = Some(names_of(
            checker,
            &list.value,
            "spec.serviceProvisionClusters",
        ));
    }
    if let Some(list) = &spec.service_consumption_clusters {
        warn("serviceConsumptionClusters", checker.at(list), checker);
        fields.service_consumption_clusters = Some(names_of(
            checker,
            &list.value,
            "spec.serviceConsumptionClusters",
        ));
    }
    fields
}

/// The names of a deprecated list, as text, located.
fn names_of(
    checker: &mut Checker<'_>,
    items: &[Spanned<Scalar>],
    field: &str,
) -> Vec<Located<String>> {
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let name = checker.text(item, &format!("{field}[{index}]"), "- {}")?;
            let location = checker.at(&name).spanning(name.value.chars().count());
            Some(Located {
                value: name.value,
                location,
            })
        })
        .collect()
}
