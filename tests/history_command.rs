//! `mcs-gitops history` reads the status branch's commits and answers who
//! could reach what at a past time or revision, and when each flow appeared
//! and disappeared.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use support::git::git_env;
use support::repo::DiskRepo;

const BRANCH: &str = "mcs-gitops/status";

fn report(flows: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("object: shop/cart\nresult: applied\nplacement:\n  flows:\n");
    for (provider, consumer, state) in flows {
        text += &format!(
            "  - provider: {provider}\n    consumer: {consumer}\n    state: {state}\n    endpoints: 2\n"
        );
    }
    text
}

/// A status branch of three reports, an hour apart from 10:00 UTC.
fn status_branch() -> (DiskRepo, Vec<String>) {
    let repo = DiskRepo::new();
    let dir = repo.path().to_owned();
    git_env(&dir, &["init", "-q", "-b", BRANCH], &[]);
    let steps = [
        (
            "10:00",
            "1111111",
            report(&[("clustera", "clusterb", "in-place")]),
        ),
        (
            "11:00",
            "2222222",
            report(&[
                ("clustera", "clusterb", "in-place"),
                ("clustera", "clusterd", "in-place"),
            ]),
        ),
        (
            "12:00",
            "3333333",
            report(&[("clustera", "clusterd", "in-place")]),
        ),
    ];
    let mut sources = Vec::new();
    for (time, source, content) in steps {
        let source = format!("{source}{}", "0".repeat(33));
        std::fs::create_dir_all(dir.join("status/shop")).unwrap();
        std::fs::write(dir.join("status/shop/cart.yaml"), content).unwrap();
        git_env(&dir, &["add", "-A"], &[]);
        let date = format!("2026-12-01T{time}:00Z");
        let env = [
            ("GIT_COMMITTER_DATE".to_owned(), date.clone()),
            ("GIT_AUTHOR_DATE".to_owned(), date),
        ];
        let message = format!("mcs-gitops status\n\nSource revision: {source}\n");
        git_env(&dir, &["commit", "-q", "-m", &message], &env);
        sources.push(source);
    }
    (repo, sources)
}

fn history(repo: &DiskRepo, args: &[&str]) -> String {
    let output = cargo_bin_cmd!("mcs-gitops")
        .arg("history")
        .arg(repo.path())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn at_a_past_time_it_says_who_could_reach_what() {
    let (repo, _) = status_branch();
    let text = history(&repo, &["--at", "2026-12-01T11:30:00Z"]);
    assert!(
        text.contains("shop/cart: clustera → clusterb, clustera → clusterd"),
        "{text}"
    );
    let text = history(&repo, &["--at", "2026-12-01T10:15:00Z"]);
    assert!(text.contains("shop/cart: clustera → clusterb\n"), "{text}");
}

#[test]
fn at_a_source_revision_it_answers_from_that_revisions_report() {
    let (repo, sources) = status_branch();
    let text = history(&repo, &["--at", &sources[2][..12]]);
    assert!(text.contains("shop/cart: clustera → clusterd\n"), "{text}");
}

#[test]
fn without_a_point_it_lists_when_each_flow_appeared_and_disappeared() {
    let (repo, _) = status_branch();
    insta::assert_snapshot!(history(&repo, &[]));
    let only_b = history(&repo, &["--cluster", "clusterb"]);
    assert!(!only_b.contains("clusterd"), "{only_b}");
}

#[test]
fn json_follows_the_history_schema() {
    let (repo, _) = status_branch();
    let json: serde_json::Value = serde_json::from_str(&history(
        &repo,
        &["-o", "json", "--at", "2026-12-01T11:00:00Z"],
    ))
    .unwrap();
    assert_eq!(json["schema"], "mcs-gitops.io/history/v1");
    assert_eq!(
        json["at"]["reachable"].as_array().unwrap().len(),
        2,
        "{json:#}"
    );
    assert_eq!(json["events"].as_array().unwrap().len(), 2, "{json:#}");
}
