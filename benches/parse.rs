//! Parsing and validating a whole repository in memory:
//! `cargo bench --bench parse`.
//!
//! `manifest::load` on the files of a generated fleet (one file per
//! MultiClusterService plus `mcs-gitops.yaml`), with no I/O: what the
//! daemon pays per revision once the files are read from Git.

#[path = "support/generate.rs"]
mod generate;

use divan::{Bencher, black_box};
use generate::{Fleet, Shape};
use mcs_gitops::manifest::{Policy, RepoFile, load};

fn main() {
    divan::main();
}

fn files(n: usize) -> Vec<RepoFile> {
    Fleet::generate(&Shape::new(n, "b"))
        .files()
        .into_iter()
        .map(|(path, content)| RepoFile::new(path, content))
        .collect()
}

/// The whole repository: select, parse, validate, check inventory.
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn load_repository(bencher: Bencher, n: usize) {
    let files = files(n);
    let policy = Policy::default();
    bencher.bench(|| {
        let desired = load(black_box(&files), &policy);
        assert!(desired.is_valid());
        desired
    });
}

/// Per file, to compare with the whole: one file of the fleet.
#[divan::bench(sample_count = 100)]
fn load_one_file(bencher: Bencher) {
    let files = files(1);
    let policy = Policy::default();
    bencher.bench(|| load(black_box(&files), &policy));
}

/// Exposure policies on a whole repository: two operator policies of two
/// rules each, evaluated on every object's resolved exposure (what the
/// daemon adds to a cycle when policies are configured).
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10)]
fn evaluate_policies(bencher: Bencher, n: usize) {
    let files = files(n);
    let desired = load(&files, &Policy::default());
    let policy = |name: &str, rules: &[&str]| {
        let mut yaml = format!(
            "apiVersion: mcs-gitops.io/v1alpha1\nkind: ExposurePolicy\nmetadata: {{name: {name}}}\nspec:\n  validations:\n"
        );
        for rule in rules {
            yaml.push_str(&format!("    - expression: {rule:?}\n"));
        }
        (format!("{name}.yaml"), yaml.into_bytes())
    };
    let (set, problems) = mcs_gitops::policy::read(
        &[
            policy(
                "private",
                &[
                    "!('clusterz' in exposure.consumers)",
                    "exposure.delivery.size() < 100",
                ],
            ),
            policy(
                "named",
                &[
                    "exposure.types.all(t, t == 'CrossCluster')",
                    "object.metadata.name.size() <= 63",
                ],
            ),
        ],
        mcs_gitops::policy::PolicySource::Operator,
    );
    assert!(problems.is_empty(), "{problems:?}");
    bencher.bench(|| {
        let refusals = mcs_gitops::policy::evaluate(
            &set,
            black_box(&desired.objects),
            desired.inventory.as_ref(),
        );
        assert!(refusals.is_empty(), "{:?}", refusals.first());
        refusals
    });
}

/// The daemon's case: the verdicts of the last revision kept, one object of
/// 10,000 changed.
#[divan::bench(sample_count = 10)]
fn evaluate_policies_one_changed_of_10_000(bencher: Bencher) {
    let files = files(10_000);
    let desired = load(&files, &Policy::default());
    let policy = "apiVersion: mcs-gitops.io/v1alpha1\nkind: ExposurePolicy\nmetadata: {name: p}\nspec:\n  validations:\n    - expression: \"!('clusterz' in exposure.consumers)\"\n    - expression: \"object.metadata.name.size() <= 63\"\n";
    let (set, _) = mcs_gitops::policy::read(
        &[("p.yaml".to_owned(), policy.as_bytes().to_vec())],
        mcs_gitops::policy::PolicySource::Operator,
    );
    let mut changed = desired.objects.clone();
    let mut first = (*changed[0]).clone();
    first.labels.insert("changed".into(), "yes".into());
    changed[0] = std::sync::Arc::new(first);
    let mut verdicts = mcs_gitops::policy::Verdicts::default();
    verdicts.evaluate(&set, &desired.objects, desired.inventory.as_ref());
    let mut flip = false;
    bencher.bench_local(|| {
        flip = !flip;
        let objects = if flip { &changed } else { &desired.objects };
        let refusals = verdicts.evaluate(&set, black_box(objects), desired.inventory.as_ref());
        assert_eq!(verdicts.last_evaluated, 1);
        refusals
    });
}
