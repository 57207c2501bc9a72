//! Properties of the parsers that read untrusted input, checked on generated
//! input (proptest, on stable Rust) and on a committed seed corpus
//! (`tests/corpus/fuzz/`) that every run replays.
//!
//! - The manifest reader (`manifest::load`) on arbitrary bytes and on YAML
//!   generated near the MultiClusterService shape: it never panics, every
//!   diagnostic names its file, it finds errors exactly when an independent
//!   model of the rules says the document is invalid, and a valid object
//!   rendered with `to_manifest()` (as JSON and as YAML) reads back as itself.
//! - The webhook verifier (`judge`): it never panics on arbitrary headers and
//!   bodies; a correct signature always verifies; a changed body, signature
//!   or token never does.
//! - The `known_hosts` reader: it never panics, generated lines (patterns
//!   and hashed names, with and without markers) read back as the entries
//!   they were written from, and a host matches itself on port 22 only.
//!
//! Each property runs `PROPTEST_CASES` cases (the defaults below keep each
//! test within a few seconds on a debug build); set it higher for a longer run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mcs_gitops::daemon::webhook::{Forge, Verdict, judge, pushed_ref, sign};
use mcs_gitops::manifest::{self, Desired, MultiClusterService, Policy, RepoFile};
use mcs_gitops::source::auth::Secret;
use mcs_gitops::source::known_hosts::{self, Entry, HostNames, Marker};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// `PROPTEST_CASES` if set, else `default`.
fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn corpus(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/fuzz")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

// ------------------------------------------------------------ manifests

const API_VERSION: &str = "networking.karmada.io/v1alpha1";
const KIND: &str = "MultiClusterService";

fn load_one(path: &str, bytes: &[u8]) -> Desired {
    manifest::load(&[RepoFile::new(path, bytes.to_vec())], &Policy::default())
}

/// What holds for any input: every diagnostic names the file it is about,
/// and the revision is valid exactly when there is no error.
fn check_basic(desired: &Desired, path: &str) -> Result<(), TestCaseError> {
    for diagnostic in &desired.diagnostics {
        let location = diagnostic.location.as_ref();
        prop_assert!(
            location.is_some_and(|l| l.file == path),
            "diagnostic without {path}: {diagnostic:?}"
        );
        prop_assert!(!diagnostic.message.is_empty());
        prop_assert!(
            !diagnostic.message.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "raw control character in {:?}",
            diagnostic.message
        );
    }
    prop_assert_eq!(desired.is_valid(), desired.error_count() == 0);
    if desired.is_valid() {
        for object in &desired.objects {
            check_round_trip(object)?;
        }
    }
    Ok(())
}

/// parse(render(x)) == x, rendered as JSON and as YAML.
fn check_round_trip(object: &MultiClusterService) -> Result<(), TestCaseError> {
    let manifest = object.to_manifest();
    let renderings = [
        ("json", serde_json::to_string_pretty(&manifest).unwrap()),
        ("yaml", serde_saphyr::to_string(&manifest).unwrap()),
    ];
    for (format, text) in renderings {
        let again = load_one("again.yaml", text.as_bytes());
        prop_assert!(
            again.error_count() == 0 && again.objects.len() == 1,
            "{format} rendering does not read back:\n{text}\n{:?}",
            again.diagnostics
        );
        let reread = &again.objects[0];
        prop_assert_eq!(
            serde_json::to_value(reread).unwrap(),
            serde_json::to_value(object).unwrap(),
            "{} rendering changed the object:\n{}",
            format,
            text
        );
        prop_assert_eq!(reread.to_manifest(), manifest.clone());
    }
    Ok(())
}

/// A label-like text, valid or not: mostly plausible names, some broken in
/// the ways people and attackers break them.
fn name_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z]([-a-z0-9]{0,14}[a-z0-9])?",
        1 => "[0-9][a-z0-9]{0,5}",
        1 => "[a-zA-Z0-9_.-]{0,12}",
        1 => Just("a".repeat(63)),
        1 => Just("b".repeat(64)),
        1 => Just("c".repeat(48)),
        1 => Just("d".repeat(49)),
        1 => ("[a-z]{1,5}", prop::sample::select(vec![
            "\u{430}", "\u{3bf}", "\u{ff41}", "\u{200d}", "\u{202e}", "\u{1b}", "\t", "\u{0}", "\u{85}", "\u{feff}", "ü",
        ]), "[a-z]{1,5}").prop_map(|(a, odd, b)| format!("{a}{odd}{b}")),
        1 => "\\PC{0,8}",
        1 => prop::sample::select(vec!["", "-", "yes", "on", "no", "true", "null", "~", "123", "0x1f", "1e3", ".inf", "..", "a b"]).prop_map(str::to_owned),
    ]
}

/// A port as written.
#[derive(Clone, Debug)]
enum PortValue {
    Integer(i64),
    Huge,
    Decimal(f64),
    Quoted(String),
    Boolean(&'static str),
    Empty,
}

fn port_value() -> impl Strategy<Value = PortValue> {
    prop_oneof![
        6 => (1i64..=65535).prop_map(PortValue::Integer),
        2 => any::<i64>().prop_map(PortValue::Integer),
        1 => Just(PortValue::Huge),
        1 => prop_oneof![Just(80.0), Just(80.5), Just(-1.5), Just(1e3)].prop_map(PortValue::Decimal),
        1 => "[0-9]{1,6}|[a-z]{1,5}|\\+[0-9]{1,3}| [0-9]{2}".prop_map(PortValue::Quoted),
        1 => prop::sample::select(vec!["yes", "no", "on", "off", "true", "false"]).prop_map(PortValue::Boolean),
        1 => Just(PortValue::Empty),
    ]
}

/// A document near the MultiClusterService shape, as the generator wrote it.
#[derive(Clone, Debug)]
struct Written {
    api_version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    types: Option<Vec<String>>,
    ports: Option<Vec<(Option<String>, PortValue)>>,
    providers: Option<Vec<String>>,
    consumers: Option<Vec<String>>,
    consumers_alias_providers: bool,
    unknown_field: bool,
}

/// How the generator lays the document out.
#[derive(Clone, Debug)]
struct Style {
    indent: usize,
    flow_lists: bool,
    crlf: bool,
    bom: bool,
    comments: bool,
    document_marker: bool,
    plain_names: bool,
}

/// Documents whose names are all plausible (most are valid) or any names.
fn written() -> impl Strategy<Value = Written> {
    prop_oneof![
        written_with(plausible_name().boxed()),
        written_with(name_text().boxed()),
    ]
}

fn plausible_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z]([-a-z0-9]{0,14}[a-z0-9])?",
        1 => "[a-z0-9]{1,3}",
        1 => Just("yes".to_owned()),
    ]
}

fn written_with(name_text: BoxedStrategy<String>) -> impl Strategy<Value = Written> {
    let name_text = move || name_text.clone();
    let head = (
        prop_oneof![16 => Just(Some(API_VERSION.to_owned())), 1 => Just(None), 1 => Just(Some("networking.karmada.io/v1".to_owned()))],
        prop_oneof![16 => Just(Some(KIND.to_owned())), 1 => Just(None), 1 => Just(Some("Service".to_owned()))],
        prop_oneof![8 => name_text().prop_map(Some), 1 => Just(None)],
        prop_oneof![4 => name_text().prop_map(Some), 1 => Just(None), 1 => Just(Some(String::new()))],
        prop::collection::btree_map("[a-z./]{1,10}", "\\PC{0,10}", 0..3),
    );
    let types = prop_oneof![
        6 => Just(Some(vec!["CrossCluster".to_owned()])),
        3 => Just(Some(vec!["LoadBalancer".to_owned()])),
        1 => Just(Some(vec!["CrossCluster".to_owned(), "CrossCluster".to_owned()])),
        1 => Just(Some(vec!["CrossCluster".to_owned(), "LoadBalancer".to_owned()])),
        1 => Just(Some(vec![])),
        1 => Just(None),
        1 => name_text().prop_map(|t| Some(vec![t])),
    ];
    let port = (
        prop_oneof![2 => name_text().prop_map(Some), 1 => Just(None)],
        port_value(),
    );
    let body = (
        types,
        prop_oneof![2 => Just(None), 1 => prop::collection::vec(port, 0..4).prop_map(Some)],
        prop_oneof![1 => Just(None), 3 => prop::collection::vec(name_text(), 0..4).prop_map(Some)],
        prop_oneof![1 => Just(None), 3 => prop::collection::vec(name_text(), 0..4).prop_map(Some)],
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    );
    (head, body).prop_map(
        |(
            (api_version, kind, name, namespace, labels),
            (types, ports, providers, consumers, alias, unknown_field),
        )| {
            let alias = alias && providers.as_ref().is_some_and(|p| !p.is_empty());
            Written {
                api_version,
                kind,
                name,
                namespace,
                labels,
                types,
                ports,
                consumers: if alias { providers.clone() } else { consumers },
                providers,
                consumers_alias_providers: alias,
                unknown_field,
            }
        },
    )
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop::sample::select(vec![2usize, 4]),
        any::<bool>(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(indent, flow_lists, crlf, bom, comments, document_marker, plain_names)| Style {
                indent,
                flow_lists,
                crlf,
                bom,
                comments,
                document_marker,
                plain_names,
            },
        )
}

/// A YAML double-quoted scalar holding exactly `text`, in ASCII.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Words YAML reads as something other than text when written plain.
const NOT_TEXT_WHEN_PLAIN: [&str; 9] =
    ["null", "y", "n", "yes", "no", "on", "off", "true", "false"];

/// A scalar for `text`: plain when that reads back as the same text.
fn scalar(text: &str, style: &Style) -> String {
    let plain = style.plain_names
        && !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && !NOT_TEXT_WHEN_PLAIN.contains(&text);
    if plain { text.to_owned() } else { quoted(text) }
}

fn port_scalar(value: &PortValue) -> String {
    match value {
        PortValue::Integer(n) => n.to_string(),
        PortValue::Huge => "99999999999999999999999".to_owned(),
        PortValue::Decimal(x) => format!("{x:?}"),
        PortValue::Quoted(text) => quoted(text),
        PortValue::Boolean(word) => (*word).to_owned(),
        PortValue::Empty => String::new(),
    }
}

fn render(doc: &Written, style: &Style) -> String {
    let pad = |level: usize| " ".repeat(style.indent * level);
    let mut lines: Vec<String> = Vec::new();
    if style.document_marker {
        lines.push("---".to_owned());
    }
    if style.comments {
        lines.push("# generated".to_owned());
    }
    if let Some(api) = &doc.api_version {
        lines.push(format!("apiVersion: {api}"));
    }
    if let Some(kind) = &doc.kind {
        lines.push(format!("kind: {kind}"));
    }
    lines.push("metadata:".to_owned());
    match &doc.name {
        Some(name) => lines.push(format!("{}name: {}", pad(1), scalar(name, style))),
        None => lines.push(format!("{}labels: {{}}", pad(1))),
    }
    if let Some(namespace) = &doc.namespace {
        lines.push(format!("{}namespace: {}", pad(1), scalar(namespace, style)));
    }
    if !doc.labels.is_empty() && doc.name.is_some() {
        lines.push(format!("{}labels:", pad(1)));
        for (key, value) in &doc.labels {
            lines.push(format!("{}{}: {}", pad(2), quoted(key), quoted(value)));
        }
    }
    lines.push("spec:".to_owned());
    if let Some(types) = &doc.types {
        let items: Vec<String> = types.iter().map(|t| scalar(t, style)).collect();
        push_list(&mut lines, style, "types", &items, "");
    }
    if style.comments {
        lines.push(format!("{}# ports and clusters", pad(1)));
    }
    if let Some(ports) = &doc.ports {
        let items: Vec<String> = ports
            .iter()
            .map(|(name, value)| match name {
                Some(name) => format!(
                    "{{name: {}, port: {}}}",
                    scalar(name, style),
                    port_scalar(value)
                ),
                None => format!("{{port: {}}}", port_scalar(value)),
            })
            .collect();
        push_list(&mut lines, style, "ports", &items, "");
    }
    for (field, list, anchor) in [
        (
            "providerClusters",
            &doc.providers,
            doc.consumers_alias_providers,
        ),
        ("consumerClusters", &doc.consumers, false),
    ] {
        if field == "consumerClusters" && doc.consumers_alias_providers {
            lines.push(format!("{}consumerClusters: *clusters", pad(1)));
            continue;
        }
        if let Some(list) = list {
            let items: Vec<String> = list
                .iter()
                .map(|c| format!("{{name: {}}}", scalar(c, style)))
                .collect();
            push_list(
                &mut lines,
                style,
                field,
                &items,
                if anchor { "&clusters " } else { "" },
            );
        }
    }
    if doc.unknown_field {
        lines.push(format!("{}consumerCluster: []", pad(1)));
    }
    let newline = if style.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(newline);
    text.push_str(newline);
    if style.bom {
        text.insert(0, '\u{feff}');
    }
    text
}

fn push_list(lines: &mut Vec<String>, style: &Style, field: &str, items: &[String], anchor: &str) {
    let pad = " ".repeat(style.indent);
    if style.flow_lists || items.is_empty() || !anchor.is_empty() {
        lines.push(format!("{pad}{field}: {anchor}[{}]", items.join(", ")));
    } else {
        lines.push(format!("{pad}{field}:"));
        for item in items {
            lines.push(format!("{pad}{pad}- {item}"));
        }
    }
}

/// An independent statement of the rules: whether `name` is a label of the
/// given grammar and length.
fn is_label(name: &str, max: usize, must_start_with_letter: bool) -> bool {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let starts = match bytes.first() {
        Some(b) if must_start_with_letter => b.is_ascii_lowercase(),
        Some(b) => b.is_ascii_lowercase() || b.is_ascii_digit(),
        None => false,
    };
    starts && bytes.len() <= max && bytes.iter().all(allowed) && bytes.last() != Some(&b'-')
}

/// The port the API stores, when the written value is one: a number, or
/// a whole number with a fraction (`80.0`); never text (`"80"`).
fn port_in_range(value: &PortValue) -> Option<u16> {
    let number = match value {
        PortValue::Integer(n) => *n,
        PortValue::Decimal(x) if x.fract() == 0.0 && x.abs() < 1e6 => *x as i64,
        _ => return None,
    };
    u16::try_from(number).ok().filter(|n| *n != 0)
}

fn clusters_ok(list: &Option<Vec<String>>) -> bool {
    let list = list.as_deref().unwrap_or_default();
    let distinct: BTreeSet<&String> = list.iter().collect();
    distinct.len() == list.len() && list.iter().all(|c| is_label(c, 48, false))
}

/// Whether the rules accept the document, judged from what was generated.
fn expected_valid(doc: &Written) -> bool {
    let types_ok = doc.types.as_ref().is_some_and(|types| {
        let distinct: BTreeSet<&String> = types.iter().collect();
        distinct.len() == 1
            && distinct
                .iter()
                .all(|t| *t == "CrossCluster" || *t == "LoadBalancer")
    });
    let ports = doc.ports.as_deref().unwrap_or_default();
    // An empty port name is no name at all, as for Karmada.
    let port_names: Vec<&String> = ports
        .iter()
        .filter_map(|(n, _)| n.as_ref().filter(|n| !n.is_empty()))
        .collect();
    let distinct_names: BTreeSet<&&String> = port_names.iter().collect();
    let ports_ok = ports
        .iter()
        .all(|(_, value)| port_in_range(value).is_some())
        && port_names.iter().all(|n| is_label(n, 63, false))
        && distinct_names.len() == port_names.len();
    doc.api_version.as_deref() == Some(API_VERSION)
        && doc.kind.as_deref() == Some(KIND)
        && doc.name.as_deref().is_some_and(|n| is_label(n, 63, true))
        && doc
            .namespace
            .as_deref()
            .is_none_or(|n| n.is_empty() || is_label(n, 63, false))
        && types_ok
        && ports_ok
        && clusters_ok(&doc.providers)
        && clusters_ok(&doc.consumers)
        && labels_ok(&doc.labels)
        && !doc.unknown_field
}

/// Kubernetes' label grammar, written out here independently of the
/// validator: `[prefix/]name`, the prefix a DNS subdomain of at most 253
/// bytes, the name (and a non-empty value) at most 63 bytes of
/// `[A-Za-z0-9._-]`, starting and ending alphanumeric.
fn labels_ok(labels: &BTreeMap<String, String>) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 63
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && n.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && n.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    let prefix_ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    };
    labels.iter().all(|(key, value)| {
        let key_ok = match key.split('/').collect::<Vec<_>>().as_slice() {
            [name] => name_ok(name),
            [prefix, name] => prefix_ok(prefix) && name_ok(name),
            _ => false,
        };
        key_ok && (value.is_empty() || name_ok(value))
    })
}

/// The object read agrees with what was written.
fn check_object(doc: &Written, object: &MultiClusterService) -> Result<(), TestCaseError> {
    prop_assert_eq!(Some(&object.key.name), doc.name.as_ref());
    let namespace = doc.namespace.clone().filter(|n| !n.is_empty());
    prop_assert_eq!(
        &object.key.namespace,
        &namespace.unwrap_or_else(|| "default".to_owned())
    );
    let written_ports = doc.ports.as_deref().unwrap_or_default();
    let ports: Vec<(Option<String>, u16)> = written_ports
        .iter()
        .filter_map(|(name, value)| {
            let name = name.clone().filter(|n| !n.is_empty());
            Some((name, port_in_range(value)?))
        })
        .collect();
    let read: Vec<(Option<String>, u16)> = object
        .ports
        .iter()
        .map(|p| (p.name.clone(), p.port))
        .collect();
    prop_assert_eq!(read, ports);
    let providers: Vec<&str> = object.providers().collect();
    let consumers: Vec<&str> = object.consumers().collect();
    prop_assert_eq!(
        providers,
        doc.providers
            .iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    prop_assert_eq!(
        consumers,
        doc.consumers
            .iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    prop_assert_eq!(&object.labels, &doc.labels);
    Ok(())
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arbitrary_bytes_never_panic_and_every_diagnostic_names_its_file(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        check_basic(&load_one("a.yaml", &bytes), "a.yaml")?;
        let as_config = manifest::load(&[RepoFile::new("mcs-gitops.yaml", bytes)], &Policy::default());
        check_basic(&as_config, "mcs-gitops.yaml")?;
    }

    #[test]
    fn text_made_of_yaml_punctuation_never_panics(
        text in "[-a-z0-9:&*!|>'\"#%@`{}\\[\\],?~ \t\r\n.<=]{0,600}",
    ) {
        check_basic(&load_one("a.yaml", text.as_bytes()), "a.yaml")?;
    }

    #[test]
    fn documents_near_the_mcs_shape_are_judged_as_the_rules_say(
        doc in written(),
        style in style(),
    ) {
        let text = render(&doc, &style);
        let desired = load_one("a.yaml", text.as_bytes());
        check_basic(&desired, "a.yaml")?;
        let expected = expected_valid(&doc);
        prop_assert_eq!(
            desired.is_valid(),
            expected,
            "expected valid: {}\n{}\n{:#?}",
            expected,
            text,
            desired.diagnostics
        );
        if expected {
            prop_assert_eq!(desired.objects.len(), 1);
            check_object(&doc, &desired.objects[0])?;
        }
    }

    #[test]
    fn damaged_documents_never_panic(
        doc in written(),
        style in style(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = render(&doc, &style).into_bytes();
        for (index, byte) in cuts {
            let at = index.index(bytes.len().max(1));
            match byte % 3 {
                0 if !bytes.is_empty() => { bytes.remove(at); }
                1 => bytes.insert(at.min(bytes.len()), byte),
                _ if !bytes.is_empty() => bytes[at] = byte,
                _ => {}
            }
        }
        check_basic(&load_one("a.yaml", &bytes), "a.yaml")?;
    }
}

#[test]
fn the_manifest_seed_corpus_is_judged_as_its_names_say() {
    for (name, bytes) in corpus("manifest") {
        let desired = load_one(&name, &bytes);
        check_basic(&desired, &name).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name.starts_with("valid-") {
            assert!(desired.is_valid(), "{name}: {:#?}", desired.diagnostics);
        } else {
            assert!(!desired.is_valid(), "{name} should be invalid");
        }
    }
}

#[test]
fn unnamed_ports_are_kept_in_the_object() {
    let yaml = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata: {name: foo}\nspec:\n  types: [LoadBalancer]\n  ports: [{port: 80}, {name: https, port: 443}]\n";
    let desired = load_one("a.yaml", yaml.as_bytes());
    assert!(desired.is_valid(), "{:#?}", desired.diagnostics);
    let ports: Vec<(Option<&str>, u16)> = desired.objects[0]
        .ports
        .iter()
        .map(|p| (p.name.as_deref(), p.port))
        .collect();
    assert_eq!(ports, [(None, 80), (Some("https"), 443)]);
}

// ------------------------------------------------------------- webhooks

const HEADER_NAMES: [&str; 7] = [
    "x-hub-signature-256",
    "x-gitea-signature",
    "x-gitlab-token",
    "x-github-event",
    "x-gitea-event",
    "x-gitlab-event",
    "content-type",
];

fn lookup(headers: &BTreeMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| headers.get(&name.to_ascii_lowercase()).cloned()
}

fn headers() -> impl Strategy<Value = BTreeMap<String, String>> {
    let name = prop_oneof![
        4 => prop::sample::select(HEADER_NAMES.to_vec()).prop_map(str::to_owned),
        1 => "[a-z-]{1,20}",
    ];
    let value = prop_oneof![
        "\\PC{0,80}",
        "sha256=[0-9a-fA-F]{0,70}",
        "[0-9a-f]{64}",
        prop::sample::select(vec!["push", "Push Hook", "ping", ""]).prop_map(str::to_owned),
    ];
    prop::collection::btree_map(name, value, 0..6)
}

fn push_body(reference: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"ref": reference, "after": "0123abc"})).unwrap()
}

fn github(signature: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("x-hub-signature-256".to_owned(), signature.to_owned()),
        ("x-github-event".to_owned(), "push".to_owned()),
    ])
}

fn gitea(signature: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("x-gitea-signature".to_owned(), signature.to_owned()),
        ("x-gitea-event".to_owned(), "push".to_owned()),
    ])
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        "refs/heads/[a-z/]{0,12}".prop_map(|r| push_body(&r)),
    ]
}

/// Every signed forge accepts its correct signature, and refuses one body
/// bit or one signature byte changed.
fn check_signatures(secret: &Secret, body: &[u8], branch: &str) -> Result<(), TestCaseError> {
    let signature = sign(secret, body);
    let hex = signature.trim_start_matches("sha256=").to_owned();
    for (forge, headers) in [
        (Forge::GitHub, github(&signature)),
        (Forge::Gitea, gitea(&hex)),
    ] {
        let verdict = judge(&lookup(&headers), body, secret, branch);
        prop_assert_ne!(
            &verdict,
            &Verdict::Unauthorized,
            "{:?} refused its own signature",
            forge
        );
        if pushed_ref(body).is_some_and(|r| r == format!("refs/heads/{branch}")) {
            prop_assert_eq!(verdict, Verdict::Fetch { forge });
        }
    }
    let digest = hex::decode(&hex).unwrap();
    for index in 0..digest.len() {
        let mut changed = digest.clone();
        changed[index] ^= 0x01;
        let forged = format!("sha256={}", hex::encode(&changed));
        let verdict = judge(&lookup(&github(&forged)), body, secret, branch);
        prop_assert_eq!(verdict, Verdict::Unauthorized);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn judge_never_panics_on_arbitrary_headers_and_bodies(
        headers in headers(),
        body in prop::collection::vec(any::<u8>(), 0..1024),
        secret in "\\PC{0,24}",
        branch in "\\PC{0,12}",
    ) {
        let _ = judge(&lookup(&headers), &body, &Secret::new(secret), &branch);
        let _ = pushed_ref(&body);
    }

    #[test]
    fn a_correct_signature_always_verifies_and_a_changed_one_never(
        secret in "[ -~]{1,32}",
        body in body(),
        branch in "[a-z]{1,8}",
    ) {
        check_signatures(&Secret::new(secret), &body, &branch)?;
    }

    #[test]
    fn a_flipped_bit_anywhere_in_the_body_is_unauthorized(
        secret in "[ -~]{1,32}",
        body in prop::collection::vec(any::<u8>(), 1..512),
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let secret = Secret::new(secret);
        let signature = sign(&secret, &body);
        let mut tampered = body.clone();
        tampered[flip.index(body.len())] ^= 1 << bit;
        let hex = signature.trim_start_matches("sha256=").to_owned();
        prop_assert_eq!(judge(&lookup(&github(&signature)), &tampered, &secret, "main"), Verdict::Unauthorized);
        prop_assert_eq!(judge(&lookup(&gitea(&hex)), &tampered, &secret, "main"), Verdict::Unauthorized);
    }

    #[test]
    fn a_gitlab_token_that_differs_in_any_byte_is_unauthorized(
        secret in "[!-~]{1,32}",
        flip in any::<prop::sample::Index>(),
        replacement in "[!-~]",
    ) {
        let secret = Secret::new(secret);
        let token = secret.expose().to_owned();
        let at = flip.index(token.len());
        let mut changed = token.clone();
        changed.replace_range(at..=at, &replacement);
        let event = ("x-gitlab-event".to_owned(), "Push Hook".to_owned());
        let headers = BTreeMap::from([("x-gitlab-token".to_owned(), changed.clone()), event.clone()]);
        let verdict = judge(&lookup(&headers), &push_body("refs/heads/main"), &secret, "main");
        if changed == token {
            prop_assert_eq!(verdict, Verdict::Fetch { forge: Forge::GitLab });
        } else {
            prop_assert_eq!(verdict, Verdict::Unauthorized);
        }
    }
}

#[test]
fn the_webhook_seed_corpus_verifies_only_when_signed() {
    let secret = Secret::new("corpus-secret");
    for (name, body) in corpus("webhook") {
        let _ = pushed_ref(&body);
        check_signatures(&secret, &body, "main").unwrap_or_else(|e| panic!("{name}: {e}"));
        let unsigned = BTreeMap::from([("x-github-event".to_owned(), "push".to_owned())]);
        assert_eq!(
            judge(&lookup(&unsigned), &body, &secret, "main"),
            Verdict::Unauthorized,
            "{name}"
        );
    }
}

// ---------------------------------------------------------- known_hosts

/// Standard base64 with padding, written here so the reader's decoder is
/// checked against an independent encoder.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn entry() -> impl Strategy<Value = Entry> {
    let host = prop_oneof![
        "[a-z0-9][a-z0-9.-]{0,20}",
        "\\[[0-9.]{7,15}\\]:[0-9]{1,5}",
        "\\*\\.[a-z]{1,10}\\.com",
        "![a-z]{1,8}",
    ];
    let hosts = prop_oneof![
        prop::collection::vec(host, 1..4).prop_map(HostNames::Patterns),
        (
            prop::collection::vec(any::<u8>(), 20),
            prop::collection::vec(any::<u8>(), 20)
        )
            .prop_map(|(salt, hash)| HostNames::Hashed { salt, hash }),
    ];
    (
        hosts,
        prop::sample::select(vec!["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"]),
        prop::collection::vec(any::<u8>(), 1..80),
        prop::sample::select(vec![
            None,
            Some(Marker::Revoked),
            Some(Marker::CertAuthority),
        ]),
    )
        .prop_map(|(hosts, key_type, key, marker)| Entry {
            marker,
            hosts,
            key_type: key_type.to_owned(),
            key,
        })
}

fn line(entry: &Entry, comment: &str) -> String {
    let marker = match entry.marker {
        None => "",
        Some(Marker::Revoked) => "@revoked ",
        Some(Marker::CertAuthority) => "@cert-authority ",
    };
    let hosts = match &entry.hosts {
        HostNames::Patterns(patterns) => patterns.join(","),
        HostNames::Hashed { salt, hash } => format!("|1|{}|{}", base64(salt), base64(hash)),
    };
    format!(
        "{marker}{hosts} {} {} {comment}",
        entry.key_type,
        base64(&entry.key)
    )
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn known_hosts_parsing_never_panics(text in "\\PC{0,400}", bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let entries = known_hosts::parse(&text);
        let _ = known_hosts::parse(&String::from_utf8_lossy(&bytes));
        for entry in &entries {
            if let HostNames::Patterns(patterns) = &entry.hosts {
                for host in patterns {
                    let _ = known_hosts::check(&entries, host, 22, &entry.key);
                }
            }
        }
        let _ = known_hosts::decode_base64(&text);
    }

    #[test]
    fn generated_known_hosts_lines_read_back_as_their_entries(
        entries in prop::collection::vec(entry(), 0..6),
        comment in "[ -~]{0,20}",
        noise in prop::sample::select(vec!["", "# comment", "   ", "|1|hashed= ssh-ed25519 AAAA", "@unknown-marker * ssh-rsa AAAA"]),
    ) {
        let mut text = String::new();
        for entry in &entries {
            text += &format!("{noise}\n{}\n", line(entry, &comment));
        }
        prop_assert_eq!(known_hosts::parse(&text), entries);
    }

    #[test]
    fn base64_decoding_inverts_encoding(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(known_hosts::decode_base64(&base64(&bytes)), Some(bytes));
    }

    #[test]
    fn host_patterns_never_panic_and_a_host_matches_itself_on_port_22_only(
        pattern in "[a-z*?!\\[\\]:.0-9]{0,30}",
        host in "[a-z.0-9]{1,30}",
        port in 1u16..,
    ) {
        let key = b"key".to_vec();
        let entry = |hosts: Vec<String>| Entry { marker: None, hosts: HostNames::Patterns(hosts), key_type: "ssh-ed25519".to_owned(), key: key.clone() };
        let _ = known_hosts::check(&[entry(vec![pattern])], &host, port, &key);
        prop_assert!(known_hosts::check(&[entry(vec![host.clone()])], &host, 22, &key).is_ok());
        let bracketed = format!("[{host}]:{port}");
        prop_assert_eq!(known_hosts::check(&[entry(vec![host.clone()])], &host, port, &key).is_ok(), port == 22);
        prop_assert_eq!(known_hosts::check(&[entry(vec![bracketed])], &host, port, &key).is_ok(), port != 22);
        let negated = format!("!{host}");
        prop_assert!(known_hosts::check(&[entry(vec![negated])], &host, 22, &key).is_err());
    }
}

#[test]
fn the_known_hosts_seed_corpus_parses_and_round_trips() {
    for (name, bytes) in corpus("known_hosts") {
        let text = String::from_utf8_lossy(&bytes);
        // A key field of only padding (`====`) reads as an empty key, which
        // no line can be written for; such entries pin nothing real.
        let entries: Vec<Entry> = known_hosts::parse(&text)
            .into_iter()
            .filter(|e| !e.key.is_empty())
            .collect();
        let rewritten: String = entries.iter().map(|e| line(e, "") + "\n").collect();
        assert_eq!(known_hosts::parse(&rewritten), entries, "{name}");
    }
}
