//! What `plan` prints, in each format, for a revision that creates, updates,
//! prunes and is blocked, against the real sandbox.

mod support;

use support::fixtures::Mcs;
use support::repo::{DiskRepo, run, text};
use support::sandbox::{sandbox, unique};

fn filtered(ns: &str, instance: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(ns), "NS");
    settings.add_filter(&regex_escape(instance), "INSTANCE");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[tokio::test]
async fn plan_renders_changes_blockers_and_placement_in_text_markdown_and_json() {
    let sandbox = sandbox();
    let ns = sandbox.namespace("render").await;
    let instance = unique("render");
    for name in ["keep", "grow", "gone", "switch", "extra"] {
        sandbox.service(&ns, name).await;
    }
    let mut repo = DiskRepo::new();
    let base = |name: &str| {
        Mcs::new(&ns, name)
            .providers(&["clusterb"])
            .consumers(&["clustera"])
    };
    for name in ["keep", "grow", "gone", "switch"] {
        repo = repo.mcs(&format!("{}/{}.yaml", ns, name), &base(name));
    }
    let first = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    let repo = repo.mcs(
        &format!("{}/grow.yaml", ns),
        &base("grow").consumers(&["clustera", "clusterc"]),
    );
    let repo = repo.mcs(
        &format!("{}/switch.yaml", ns),
        &base("switch").types(&["LoadBalancer"]),
    );
    let repo = repo.mcs(&format!("{}/extra.yaml", ns), &Mcs::new(&ns, "extra"));
    let repo = repo.remove(&format!("{ns}/gone.yaml"));

    let settings = filtered(&ns, &instance);
    for (format, name) in [
        ("text", "plan_text"),
        ("markdown", "plan_markdown"),
        ("json", "plan_json"),
    ] {
        let output = run(sandbox, "plan", repo.path(), &instance, &["-o", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "blocked types change: {}",
            text(&output)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        settings.bind(|| insta::assert_snapshot!(name, stdout));
    }
}
