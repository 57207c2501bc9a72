//! `validate` gives Karmada's verdict on every document of the boundary
//! table (tests/support/karmada_cases.rs): what Karmada's webhook, its CRD
//! schema and the API server refuse, `validate` refuses, naming the place;
//! what they admit, it admits, except for its own stricter rules, whose
//! messages say that Karmada would admit the object. The sandbox test
//! `sandbox_karmada_validation` asks the real webhook for the same verdicts.

mod support;

use mcs_gitops::manifest::{Desired, Policy, RepoFile, load};
use support::karmada_cases::{Karmada, cases};

fn validate(yaml: &str) -> Desired {
    load(
        &[RepoFile::new("default/foo.yaml", yaml)],
        &Policy::default(),
    )
}

#[test]
fn validate_refuses_what_karmada_refuses_and_admits_what_it_admits() {
    let mut disagreements = Vec::new();
    for case in cases() {
        let desired = validate(&case.yaml);
        let expected = case.karmada == Karmada::Admits && case.stricter.is_none();
        if desired.is_valid() != expected {
            disagreements.push(format!("{}: {:#?}", case.name, desired.diagnostics));
        }
        for error in desired.diagnostics.iter().filter(|d| d.is_error()) {
            let located = error.location.as_ref().is_some_and(|l| l.line > 0);
            assert!(located, "{}: an error without a line: {error:?}", case.name);
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}

#[test]
fn every_stricter_rule_says_that_karmada_would_admit_the_object() {
    for case in cases() {
        let Some(rule) = case.stricter else { continue };
        let desired = validate(&case.yaml);
        let error = desired
            .diagnostics
            .iter()
            .find(|d| d.is_error() && d.rule.name() == rule)
            .unwrap_or_else(|| {
                panic!("{}: no {rule} error: {:#?}", case.name, desired.diagnostics)
            });
        assert!(
            error.message.contains("stricter than Karmada")
                || error.message.contains("Karmada admits"),
            "{}: {}",
            case.name,
            error.message
        );
    }
}

#[test]
fn the_table_holds_both_verdicts_and_every_stricter_rule() {
    let all = cases();
    let refused = all.iter().filter(|c| c.karmada == Karmada::Refuses).count();
    assert!(
        refused >= 30 && all.len() - refused >= 25,
        "{refused} of {}",
        all.len()
    );
    for rule in ["types", "duplicate-cluster", "reserved-key", "schema"] {
        assert!(all.iter().any(|c| c.stricter == Some(rule)), "{rule}");
    }
}
