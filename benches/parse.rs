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
