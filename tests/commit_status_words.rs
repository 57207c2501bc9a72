//! What a commit shows on the forge, in words: every description the
//! daemon and `review` post.

use std::fmt::Write;
use std::time::Duration;

use mcs_gitops::manifest::diagnostic::{Diagnostic, Location, Rule};
use mcs_gitops::report::commit_status::{self, FlowCount};

fn count(in_place: usize, desired: usize, unexpected: usize) -> FlowCount {
    FlowCount {
        objects: 7,
        in_place,
        desired,
        unexpected,
    }
}

fn error_at(file: &str, line: u32) -> Diagnostic {
    Diagnostic::error(Rule::YamlSyntax, Location::at(file, line, 1), "broken")
}

#[test]
fn every_commit_status_description() {
    let mut out = String::new();
    let one_file = [
        error_at("payments/ledger.yaml", 3),
        error_at("payments/ledger.yaml", 9),
    ];
    let two_files = [error_at("a.yaml", 1), error_at("b.yaml", 2)];
    let statuses = [
        ("taken", commit_status::taken()),
        (
            "applied, settled",
            commit_status::applied(&count(24, 24, 0)),
        ),
        (
            "applied, pending",
            commit_status::applied(&count(20, 24, 0)),
        ),
        (
            "applied, unexpected flow",
            commit_status::applied(&count(24, 24, 1)),
        ),
        (
            "not settled in time",
            commit_status::unsettled(&count(20, 24, 0), Duration::from_secs(300)),
        ),
        ("invalid, one file", commit_status::invalid(&one_file)),
        ("invalid, two files", commit_status::invalid(&two_files)),
        (
            "refused",
            commit_status::refused("commit 1a2b3c is not signed"),
        ),
        (
            "stalled",
            commit_status::stalled("the API refused shop/checkout: forbidden"),
        ),
        (
            "superseded",
            commit_status::superseded("0123456789abcdef0123"),
        ),
    ];
    for (case, status) in statuses {
        writeln!(out, "{case}: {} — {}", status.state, status.description).unwrap();
    }
    insta::assert_snapshot!(out);
}
