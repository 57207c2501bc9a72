//! `mcs-gitops validate` against input built to break it: alias bombs, huge
//! and deeply nested files, odd encodings, link and submodule tricks,
//! look-alike and over-long names, values of the wrong type.
//!
//! Every case builds its repository in a temporary directory (the large ones
//! are generated here, never committed), runs the real binary and checks
//! that it ends with the documented exit code (1 for invalid input, 0 where
//! the input is legitimately valid, as the test's name says), names the file,
//! line and rule of the problem, never panics, and stays within a time and
//! memory limit. Peak memory is the child's `VmHWM`, sampled from `/proc`
//! while it runs.

mod support;

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use support::fixtures::Mcs;
use support::git::git;
use support::repo::DiskRepo as Repo;

/// How long and how much memory one run may take.
#[derive(Clone, Copy, Debug)]
struct Limits {
    time: Duration,
    memory_mib: u64,
}

/// Limits for ordinary cases: a debug binary needs a few milliseconds.
const SMALL: Limits = Limits {
    time: Duration::from_secs(5),
    memory_mib: 128,
};

/// Limits for the 64 MiB file, the 50,000 files and the floods.
const LARGE: Limits = Limits {
    time: Duration::from_secs(10),
    memory_mib: 512,
};

/// `mcs-gitops validate` of a repository, within limits.
trait Validate {
    /// `mcs-gitops validate <dir>` within [`SMALL`] limits.
    fn validate(&self) -> Run;
    /// `mcs-gitops validate --rev HEAD <dir>` within [`SMALL`] limits.
    fn validate_head(&self) -> Run;
    /// `mcs-gitops validate <args> <dir>` within `limits`.
    fn validate_within(&self, limits: Limits, args: &[&str]) -> Run;
}

impl Validate for Repo {
    fn validate(&self) -> Run {
        self.validate_within(SMALL, &[])
    }

    fn validate_head(&self) -> Run {
        self.validate_within(SMALL, &["--rev", "HEAD"])
    }

    fn validate_within(&self, limits: Limits, args: &[&str]) -> Run {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("mcs-gitops"));
        command
            .args(["validate", "--color", "never"])
            .args(args)
            .arg(self.path());
        Run::watched(command, limits)
    }
}

/// One finished run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_kib: u64,
}

impl Run {
    /// Runs `command`, sampling its peak memory, and checks what every case
    /// must hold: it finished in time, within memory, without a panic.
    fn watched(mut command: Command, limits: Limits) -> Run {
        let started = Instant::now();
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        let mut peak_kib = 0;
        let status: ExitStatus = loop {
            peak_kib = peak_kib.max(peak_rss_kib(child.id()).unwrap_or(0));
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > limits.time {
                let _ = child.kill();
                let _ = child.wait();
                panic!("validate did not finish within {:?}", limits.time);
            }
            thread::sleep(Duration::from_millis(2));
        };
        let run = Run {
            code: status.code(),
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
            elapsed: started.elapsed(),
            peak_kib,
        };
        eprintln!(
            "validate: exit {:?} in {:?}, peak {} KiB",
            run.code, run.elapsed, run.peak_kib
        );
        run.check_bounded(limits);
        run
    }

    fn check_bounded(&self, limits: Limits) {
        assert_ne!(self.code, Some(101), "the binary panicked\n{}", self.text());
        assert!(self.code.is_some(), "killed by a signal\n{}", self.text());
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked\n{}",
            self.text()
        );
        assert!(
            self.elapsed <= limits.time,
            "took {:?}, limit {:?}",
            self.elapsed,
            limits.time
        );
        assert!(
            self.peak_kib <= limits.memory_mib * 1024,
            "peak memory {} KiB, limit {} MiB",
            self.peak_kib,
            limits.memory_mib
        );
    }

    fn text(&self) -> String {
        let stdout: String = self.stdout.chars().take(4000).collect();
        format!(
            "exit {:?} after {:?}, peak {} KiB\n--- stdout\n{stdout}\n--- stderr\n{}",
            self.code, self.elapsed, self.peak_kib, self.stderr
        )
    }

    /// Asserts exit code 1 (invalid input).
    fn invalid(self) -> Self {
        assert_eq!(self.code, Some(1), "{}", self.text());
        self
    }

    /// Asserts exit code 0 (valid input).
    fn valid(self) -> Self {
        assert_eq!(self.code, Some(0), "{}", self.text());
        self
    }

    /// Asserts an error of `rule` located at `at` (`file`, `file:line` or
    /// `file:line:column`).
    fn reports(self, rule: &str, at: &str) -> Self {
        let found = self.diagnostics().any(|(severity_rule, location)| {
            severity_rule == format!("error[{rule}]") && location == at
        });
        assert!(found, "no error[{rule}] at {at}\n{}", self.text());
        self
    }

    /// Asserts that some diagnostic message contains `text`.
    fn says(self, text: &str) -> Self {
        let found = self
            .stdout
            .lines()
            .filter(|line| line.starts_with("error[") || line.starts_with("warning["))
            .any(|line| line.contains(text));
        assert!(found, "no message with {text:?}\n{}", self.text());
        self
    }

    /// Asserts that some hint contains `text`.
    fn hints(self, text: &str) -> Self {
        let found = self
            .stdout
            .lines()
            .any(|line| line.trim_start().starts_with("= hint:") && line.contains(text));
        assert!(found, "no hint with {text:?}\n{}", self.text());
        self
    }

    /// Asserts the summary line.
    fn summary(self, text: &str) -> Self {
        let last = self.stdout.lines().last().unwrap_or_default();
        assert!(last.contains(text), "summary {last:?}\n{}", self.text());
        self
    }

    /// Each diagnostic's `error[rule]` or `warning[rule]` with its location.
    fn diagnostics(&self) -> impl Iterator<Item = (String, String)> + '_ {
        let mut lines = self.stdout.lines().peekable();
        std::iter::from_fn(move || {
            loop {
                let line = lines.next()?;
                if !(line.starts_with("error[") || line.starts_with("warning[")) {
                    continue;
                }
                let head = line.split(':').next().unwrap_or_default().to_owned();
                let location = lines
                    .peek()
                    .and_then(|next| next.split_once("--> "))
                    .map(|(_, at)| at.to_owned())
                    .unwrap_or_default();
                return Some((head, location));
            }
        })
    }

    fn count(&self, rule: &str) -> usize {
        self.diagnostics()
            .filter(|(head, _)| head == &format!("error[{rule}]"))
            .count()
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The peak resident memory of a running process, from `/proc`.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The first lines of a MultiClusterService, up to and including `spec:`.
const HEAD: &str = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  namespace: default\nspec:\n  types: [CrossCluster]\n";

/// A MultiClusterService named `foo` with a `status:` (line 8) holding `value`.
fn with_status(value: &str) -> String {
    format!("{HEAD}status:\n{value}")
}

fn foo() -> Mcs {
    Mcs::new("default", "foo")
}

fn load_balancer_with_ports(ports: &str) -> String {
    foo()
        .types(&["LoadBalancer"])
        .spec_line(&format!("ports: [{ports}]"))
        .yaml()
}

// ---------------------------------------------------------------- aliases

#[test]
fn a_billion_laughs_at_the_top_level_is_refused_before_anything_expands() {
    let mut yaml = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (previous, name) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        yaml += &format!("{name}: &{name} [{refs}]\n");
    }
    Repo::new()
        .file("bomb.yaml", yaml)
        .validate()
        .invalid()
        .reports("schema", "bomb.yaml:1:1")
        .says("unknown field `a`");
}

#[test]
fn a_billion_laughs_under_status_trips_the_alias_budget() {
    let mut value = String::from("  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (previous, name) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        value += &format!("  {name}: &{name} [{refs}]\n");
    }
    let run = Repo::new()
        .file("bomb.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "bomb.yaml:13:10")
        .says("this looks like an alias bomb");
    assert_eq!(run.count("yaml-syntax"), 1, "{}", run.text());
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn anchors_nested_thirty_deep_that_double_each_time_trip_the_alias_budget() {
    let mut value = String::from("  x0: &x0 [a, b]\n");
    for level in 1..=30 {
        let previous = level - 1;
        value += &format!("  x{level}: &x{level} [*x{previous}, *x{previous}]\n");
    }
    Repo::new()
        .file("doubling.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "doubling.yaml:19:19")
        .says("alias bomb");
}

#[test]
fn a_long_text_aliased_many_times_trips_the_text_budget() {
    let long = "x".repeat(1024 * 1024);
    let value = format!("  s: &s {long}\n  t: [*s, *s, *s, *s, *s, *s]\n");
    Repo::new()
        .file("text.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "text.yaml:10:15")
        .says("text adds up to more than 4194304 bytes");
}

#[test]
fn an_alias_to_an_anchor_of_another_document_is_reported_at_the_alias() {
    let yaml = format!(
        "{}---\n{}",
        foo().metadata_line("labels: {team: &team shop}").yaml(),
        Mcs::new("default", "bar")
            .metadata_line("labels: {team: *team}")
            .yaml()
    );
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:16:18")
        .hints("anchors do not carry over a `---`");
}

#[test]
fn anchors_aliases_and_merge_keys_inside_one_document_are_valid() {
    let yaml = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  labels: &labels {team: shop}\n  annotations:\n    <<: *labels\n    note: merged\nspec:\n  types: [LoadBalancer]\n  providerClusters: &clusters [{name: clustera}]\n  consumerClusters: *clusters\n";
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .valid()
        .summary("valid: 1 MultiClusterService in 1 file");
}

// ------------------------------------------------------------------- size

#[test]
fn a_64_mib_file_is_refused_without_being_read() {
    let repo = Repo::new();
    let mut file = std::fs::File::create(repo.join("big.yaml")).unwrap();
    let chunk = vec![b'x'; 1024 * 1024];
    std::io::Write::write_all(&mut file, b"a: ").unwrap();
    for _ in 0..64 {
        std::io::Write::write_all(&mut file, &chunk).unwrap();
    }
    drop(file);
    repo.validate_within(LARGE, &[])
        .invalid()
        .reports("file-unreadable", "big.yaml")
        .says("67108867 bytes, more than the 4194304-byte limit");
}

#[test]
fn a_64_mib_blob_in_a_git_tree_is_refused_without_being_read() {
    let repo = Repo::new().file("big.yaml", vec![b'#'; 64 * 1024 * 1024]);
    let repo = repo.committed();
    repo.validate_within(LARGE, &["--rev", "HEAD"])
        .invalid()
        .reports("file-unreadable", "big.yaml");
}

/// Commits, as HEAD of a new repository at `repo`, a root tree built by
/// `build` from one blob of `blob_bytes` bytes.
fn commit_tree(
    repo: &Repo,
    blob_bytes: usize,
    build: impl Fn(&git2::Repository, git2::Oid) -> git2::Oid,
) {
    let git = git2::Repository::init(repo.path()).unwrap();
    let blob = git.blob(&vec![b'#'; blob_bytes]).unwrap();
    let tree = git.find_tree(build(&git, blob)).unwrap();
    let author = git2::Signature::now("t", "t@example.com").unwrap();
    git.commit(Some("HEAD"), &author, &author, "bomb", &tree, &[])
        .unwrap();
}

/// A tree of `names` entries, each `entry` of `mode`.
fn tree_of(git: &git2::Repository, names: &[String], entry: git2::Oid, mode: i32) -> git2::Oid {
    let mut builder = git.treebuilder(None).unwrap();
    for name in names {
        builder.insert(name, entry, mode).unwrap();
    }
    builder.write().unwrap()
}

#[test]
fn one_blob_under_thousands_of_names_is_refused_at_the_byte_budget() {
    let repo = Repo::new();
    commit_tree(&repo, 4 * 1024 * 1024, |git, blob| {
        let names: Vec<String> = (0..4096).map(|i| format!("f{i:04}.yaml")).collect();
        tree_of(git, &names, blob, 0o100644)
    });
    let run = repo.validate_within(LARGE, &["--rev", "HEAD"]).invalid();
    assert!(
        run.stderr
            .contains("is refused: its files hold more than 128 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_tree_of_millions_of_paths_from_a_few_objects_is_refused_at_the_entry_budget() {
    let repo = Repo::new();
    commit_tree(&repo, 16, |git, blob| {
        let names: Vec<String> = (0..16).map(|i| format!("e{i:02}")).collect();
        let files: Vec<String> = names.iter().map(|n| format!("{n}.yaml")).collect();
        let mut tree = tree_of(git, &files, blob, 0o100644);
        for _ in 0..6 {
            tree = tree_of(git, &names, tree, 0o040000);
        }
        tree
    });
    let run = repo.validate_within(LARGE, &["--rev", "HEAD"]).invalid();
    assert!(
        run.stderr.contains("its tree has more than 200000 entries"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_tree_nested_deeper_than_any_configuration_is_refused() {
    let repo = Repo::new();
    commit_tree(&repo, 16, |git, blob| {
        let mut tree = tree_of(git, &["a.yaml".to_owned()], blob, 0o100644);
        for _ in 0..40 {
            tree = tree_of(git, &["d".to_owned()], tree, 0o040000);
        }
        tree
    });
    let run = repo.validate_within(SMALL, &["--rev", "HEAD"]).invalid();
    assert!(run.stderr.contains("directories deep"), "{}", run.stderr);
}

#[test]
fn fifty_thousand_tiny_files_are_read_and_the_bad_one_named() {
    let repo = Repo::new();
    for index in 0..50_000 {
        let dir = repo.join(&format!("d{:03}", index % 250));
        if index < 250 {
            std::fs::create_dir(&dir).unwrap();
        }
        std::fs::write(dir.join(format!("f{index:05}.yaml")), "# nothing\n").unwrap();
    }
    let repo = repo.mcs("d007/bad.yaml", &Mcs::new("default", "Bad"));
    repo.validate_within(LARGE, &[])
        .invalid()
        .reports("object-name", "d007/bad.yaml:4:9")
        .summary("1 error, 0 warnings in 50001 files");
}

#[test]
fn a_million_empty_documents_are_refused_before_parsing() {
    Repo::new()
        .file("storm.yaml", "---\n".repeat(1_000_000))
        .validate()
        .invalid()
        .reports("yaml-syntax", "storm.yaml:1001:1")
        .says("more than 1000 YAML documents");
}

#[test]
fn a_thousand_documents_are_read_and_one_more_is_refused() {
    let document = |i: usize| Mcs::new("default", &format!("s{i}")).yaml();
    let thousand: Vec<String> = (0..1000).map(document).collect();
    Repo::new()
        .file("many.yaml", format!("---\n{}", thousand.join("---\n")))
        .validate()
        .valid()
        .summary("valid: 1000 MultiClusterServices in 1 file");
    let more: Vec<String> = (0..1001).map(document).collect();
    Repo::new()
        .file("many.yaml", format!("---\n{}", more.join("---\n")))
        .validate()
        .invalid()
        .reports("yaml-syntax", "many.yaml:9001:1");
}

#[test]
fn a_name_of_a_mebibyte_is_reported_with_its_length_and_shortened() {
    let name = "a".repeat(1024 * 1024);
    let run = Repo::new()
        .mcs("a.yaml", &Mcs::new("default", &name))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .says("(1048576 characters)` has 1048576 characters, more than 63");
    let message = run.stdout.lines().next().unwrap_or_default();
    assert!(message.len() < 300, "{message}");
}

#[test]
fn a_key_longer_than_the_parser_looks_ahead_is_a_syntax_error_at_its_line() {
    let yaml = format!("{HEAD}{}: 1\n", "k".repeat(5000));
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:8:1")
        .says("the `:` after a key is missing");
}

#[test]
fn twenty_thousand_bad_cluster_names_are_capped_at_a_hundred_diagnostics() {
    let entries = "  - name: Bad_Cluster\n".repeat(20_000);
    let yaml = format!("{}  providerClusters:\n{entries}", foo().yaml());
    let run = Repo::new()
        .file("flood.yaml", yaml)
        .validate_within(LARGE, &[])
        .invalid()
        .reports("cluster-name", "flood.yaml:10:11")
        .says("19900 more problems in this file are not shown");
    assert_eq!(run.count("cluster-name"), 101, "{}", run.text());
}

#[test]
fn twenty_thousand_distinct_clusters_are_checked_in_linear_time() {
    let entries: String = (0..20_000).map(|i| format!("  - name: c{i}\n")).collect();
    let yaml = format!("{}  providerClusters:\n{entries}", foo().yaml());
    Repo::new()
        .file("wide.yaml", yaml)
        .validate_within(LARGE, &[])
        .valid();
}

// ---------------------------------------------------------------- nesting

#[test]
fn ten_thousand_nested_flow_lists_stop_at_the_depth_limit() {
    let value = format!("{}{}", "[\n".repeat(10_000), "]\n".repeat(10_000));
    let run = Repo::new()
        .file("deep.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "deep.yaml:41:1")
        .says("nested more than 32 levels deep");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn ten_thousand_nested_flow_mappings_stop_at_the_depth_limit() {
    let value = format!("  x: {}1{}\n", "{a: ".repeat(10_000), "}".repeat(10_000));
    Repo::new()
        .file("deep.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "deep.yaml:9:126")
        .says("nested more than 32 levels deep");
}

#[test]
fn ten_thousand_nested_block_lists_stop_at_the_depth_limit() {
    let value = format!("  x:\n    {}leaf\n", "- ".repeat(10_000));
    Repo::new()
        .file("deep.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "deep.yaml:10:65")
        .says("nested more than 32 levels deep");
}

#[test]
fn block_mappings_nested_two_thousand_deep_stop_at_the_depth_limit() {
    let value: String = (1..=2000)
        .map(|depth| format!("{}k:\n", " ".repeat(depth)))
        .collect();
    Repo::new()
        .file("deep.yaml", with_status(&value))
        .validate()
        .invalid()
        .reports("yaml-syntax", "deep.yaml:40:33")
        .says("nested more than 32 levels deep");
}

#[test]
fn a_top_level_list_nested_ten_thousand_deep_is_not_a_mapping() {
    Repo::new()
        .file("deep.yaml", format!("{}leaf\n", "- ".repeat(10_000)))
        .validate()
        .invalid()
        .reports("schema", "deep.yaml:1:1");
}

// --------------------------------------------------------------- encoding

#[test]
fn bytes_that_are_not_utf8_are_reported_at_their_line_and_column() {
    let yaml = format!("{HEAD}  # caf\u{e9} ");
    let mut bytes = yaml.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\n");
    Repo::new()
        .file("a.yaml", bytes)
        .validate()
        .invalid()
        .reports("file-unreadable", "a.yaml:8:10")
        .says("byte 0xFF cannot start a character");
}

#[test]
fn a_utf8_byte_order_mark_is_valid() {
    Repo::new()
        .file("a.yaml", format!("\u{feff}{}", foo().yaml()))
        .validate()
        .valid();
}

#[test]
fn utf16_with_a_byte_order_mark_is_named_as_utf16() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(foo().yaml().encode_utf16().flat_map(u16::to_le_bytes));
    let run = Repo::new()
        .file("a.yaml", bytes)
        .validate()
        .invalid()
        .reports("file-unreadable", "a.yaml:1:1")
        .says("UTF-16LE");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn utf16_big_endian_and_utf32_are_named_too() {
    let mut utf16be = vec![0xFE, 0xFF];
    utf16be.extend(foo().yaml().encode_utf16().flat_map(u16::to_be_bytes));
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    utf32.extend(
        foo()
            .yaml()
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes()),
    );
    Repo::new()
        .file("be.yaml", utf16be)
        .file("wide.yaml", utf32)
        .validate()
        .invalid()
        .reports("file-unreadable", "be.yaml:1:1")
        .reports("file-unreadable", "wide.yaml:1:1")
        .says("UTF-16BE")
        .says("UTF-32LE");
}

#[test]
fn utf16_without_a_byte_order_mark_is_reported_at_its_first_nul() {
    let bytes: Vec<u8> = foo()
        .yaml()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    Repo::new()
        .file("a.yaml", bytes)
        .validate()
        .invalid()
        .reports("file-unreadable", "a.yaml:1:2")
        .says("NUL byte");
}

#[test]
fn a_nul_byte_is_reported_at_its_line_and_column() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "fo\0o"))
        .validate()
        .invalid()
        .reports("file-unreadable", "a.yaml:4:11");
}

#[test]
fn a_byte_order_mark_inside_a_document_is_a_syntax_error() {
    let yaml = format!(
        "{}---\n\u{feff}{}",
        foo().yaml(),
        Mcs::new("default", "bar").yaml()
    );
    Repo::new()
        .file("joined.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "joined.yaml:10:1")
        .hints("byte-order mark");
}

#[test]
fn tabs_for_indentation_are_a_syntax_error_with_a_hint() {
    let yaml = foo().yaml().replace("  name: foo", "\tname: foo");
    let run = Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:4:2")
        .hints("spaces, not tabs");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn crlf_line_endings_are_valid() {
    let yaml = foo().yaml().replace('\n', "\r\n");
    Repo::new().file("a.yaml", yaml).validate().valid();
}

#[test]
fn crlf_line_endings_keep_lines_and_columns_right() {
    let yaml = Mcs::new("default", "Foo").yaml().replace('\n', "\r\n");
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9");
}

#[test]
fn lone_carriage_return_line_endings_are_valid() {
    let yaml = foo().yaml().replace('\n', "\r");
    Repo::new().file("a.yaml", yaml).validate().valid();
}

// ------------------------------------------------------- YAML structure

#[test]
fn a_duplicate_top_level_key_is_reported_at_the_repeat() {
    let yaml = format!("{}kind: MultiClusterService\n", foo().yaml());
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:9:1")
        .says("duplicate key `kind`");
}

#[test]
fn a_duplicate_nested_key_is_reported_at_the_repeat() {
    let yaml = foo().metadata_line("name: bar").yaml();
    let run = Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:6:3")
        .says("duplicate key `name`");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn merge_conflict_markers_are_reported_at_the_first_marker() {
    let yaml = format!(
        "{HEAD}<<<<<<< ours\n  providerClusters: [{{name: clustera}}]\n=======\n  providerClusters: [{{name: clusterb}}]\n>>>>>>> theirs\n"
    );
    let run = Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:8:1")
        .says("merge conflict marker");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn an_empty_file_is_valid_and_holds_nothing() {
    Repo::new()
        .file("a.yaml", "")
        .validate()
        .valid()
        .summary("valid: 0 MultiClusterServices in 1 file");
}

#[test]
fn a_file_of_only_comments_is_valid_and_holds_nothing() {
    Repo::new()
        .file("a.yaml", "# shop services\n# (none yet)\n")
        .validate()
        .valid()
        .summary("valid: 0 MultiClusterServices in 1 file");
}

#[test]
fn null_documents_are_skipped_and_valid() {
    Repo::new()
        .file(
            "a.yaml",
            format!("---\n---\n~\n---\nnull\n---\n{}", foo().yaml()),
        )
        .validate()
        .valid()
        .summary("valid: 1 MultiClusterService in 1 file");
}

#[test]
fn a_document_that_is_a_single_value_is_not_a_multiclusterservice() {
    let run = Repo::new()
        .file("a.yaml", format!("{}---\njust text\n", foo().yaml()))
        .validate()
        .invalid()
        .reports("schema", "a.yaml:10:1")
        .says("the document is a single value");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_document_that_is_a_list_is_not_a_multiclusterservice() {
    Repo::new()
        .file(
            "a.yaml",
            "- apiVersion: networking.karmada.io/v1alpha1\n- kind: MultiClusterService\n",
        )
        .validate()
        .invalid()
        .reports("schema", "a.yaml:1:1")
        .says("the document is a list");
}

#[test]
fn a_document_without_kind_is_reported_at_its_first_line() {
    Repo::new()
        .file("a.yaml", format!("{}---\nreplicas: 3\n", foo().yaml()))
        .validate()
        .invalid()
        .reports("foreign-kind", "a.yaml:10:1");
}

#[test]
fn an_empty_mapping_document_is_reported_at_its_first_line() {
    Repo::new()
        .file("a.yaml", "--- {}\n")
        .validate()
        .invalid()
        .reports("schema", "a.yaml:1:1")
        .reports("object-name", "a.yaml:1:1");
}

// ------------------------------------------------------ values and types

#[test]
fn a_huge_integer_port_is_a_port_error() {
    Repo::new()
        .file(
            "a.yaml",
            load_balancer_with_ports("{port: 99999999999999999999999}"),
        )
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .says("is not a whole number between 1 and 65535");
}

#[test]
fn integer_ports_past_either_end_are_port_errors() {
    let run = Repo::new()
        .file(
            "a.yaml",
            load_balancer_with_ports("{port: 9223372036854775808}, {port: -9223372036854775809}, {port: 65536}, {port: 0}"),
        )
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .reports("ports", "a.yaml:9:47")
        .reports("ports", "a.yaml:9:92")
        .says("port 9223372036854775808 is outside 1..65535")
        .says("port 65536 is outside 1..65535")
        .says("port 0 is outside 1..65535");
    assert_eq!(run.count("ports"), 4, "{}", run.text());
}

#[test]
fn fractional_ports_are_port_errors_and_whole_decimals_are_stored_as_numbers() {
    let run = Repo::new()
        .file(
            "a.yaml",
            load_balancer_with_ports("{port: 80.5}, {port: 80.0}, {port: 1e3}"),
        )
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .says("spec.ports[0].port 80.5 is not a whole number")
        .says("spec.ports[1].port is written `80.0`; the API stores it as 80");
    assert_eq!(run.count("ports"), 1, "{}", run.text());
}

#[test]
fn boolean_and_text_ports_are_port_errors() {
    let run = Repo::new()
        .file(
            "a.yaml",
            load_balancer_with_ports("{port: yes}, {port: on}, {port: \"http\"}, {port: }"),
        )
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .says("is a boolean (YAML reads yes, no, on and off as booleans)")
        .says("spec.ports[2].port is the text `\"http\"`, but the API expects a number")
        .says("spec.ports[3].port is empty");
    assert_eq!(run.count("ports"), 4, "{}", run.text());
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn hex_and_octal_ports_are_numbers_and_valid() {
    Repo::new()
        .file(
            "a.yaml",
            load_balancer_with_ports("{port: 0x1BB}, {port: 0o10000}, {port: 65535}"),
        )
        .validate()
        .valid();
}

#[test]
fn a_quoted_port_is_text_and_refused_as_the_api_refuses_it() {
    Repo::new()
        .file("a.yaml", load_balancer_with_ports("{port: \"80\"}"))
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .hints("write `port: 80` without quotes");
}

#[test]
fn unquoted_yes_no_and_on_are_booleans_and_refused_where_text_is_expected() {
    let run = Repo::new()
        .mcs(
            "a.yaml",
            &Mcs::new("on", "yes").providers(&["no"]).consumers(&["off"]),
        )
        .validate()
        .invalid()
        .reports("schema", "a.yaml:4:9")
        .says("metadata.name must be text, but YAML reads `true` as a boolean")
        .hints("quote it: `name: \"true\"`");
    assert_eq!(run.count("schema"), 4, "{}", run.text());
}

#[test]
fn quoted_yes_no_and_on_are_text_and_valid() {
    let run = Repo::new()
        .mcs(
            "a.yaml",
            &Mcs::new("\"on\"", "\"yes\"")
                .providers(&["\"no\""])
                .consumers(&["\"off\""]),
        )
        .validate_within(SMALL, &["-o", "json"])
        .valid();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["objects"][0]["namespace"], "on", "{json:#}");
    assert_eq!(json["objects"][0]["name"], "yes", "{json:#}");
    assert_eq!(json["objects"][0]["providerClusters"][0], "no", "{json:#}");
}

#[test]
fn an_unquoted_numeric_name_is_a_number_and_refused() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "123"))
        .validate()
        .invalid()
        .reports("schema", "a.yaml:4:9")
        .says("metadata.name must be text, but YAML reads `123` as a number");
}

#[test]
fn a_quoted_numeric_name_is_an_object_name_error() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "\"123\""))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .says("starts with '1'");
}

#[test]
fn a_null_name_is_missing() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "null"))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:3")
        .says("metadata.name is missing");
}

#[test]
fn a_binary_tagged_name_is_decoded_as_kubernetes_decodes_it_and_valid() {
    let run = Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "!!binary Zm9v"))
        .validate_within(SMALL, &["-o", "json"])
        .valid();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["objects"][0]["name"], "foo", "{json:#}");
}

#[test]
fn a_custom_yaml_tag_is_a_syntax_error() {
    let run = Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "!shell foo"))
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:4:16")
        .says("YAML tag `!shell` is not supported");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_custom_tag_on_a_whole_section_is_a_syntax_error() {
    let yaml = foo().yaml().replace("spec:", "spec: !override");
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:7:3")
        .says("YAML tag `!override` is not supported");
}

#[test]
fn an_empty_metadata_is_a_missing_name() {
    let yaml = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata: {}\nspec:\n  types: [CrossCluster]\n";
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:3:11");
}

#[test]
fn spec_null_is_missing_types() {
    let yaml = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\nspec: null\n";
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("types", "a.yaml:1:1")
        .says("spec.types is missing");
}

// ----------------------------------------------------------------- names

#[test]
fn names_at_every_length_limit_are_valid() {
    let mcs = Mcs::new(&"n".repeat(63), &"o".repeat(63))
        .types(&["LoadBalancer"])
        .providers(&[&"c".repeat(48)])
        .consumers(&[&"d".repeat(48)])
        .spec_line(&format!("ports: [{{name: {}, port: 80}}]", "p".repeat(63)));
    Repo::new().mcs("a.yaml", &mcs).validate().valid();
}

#[test]
fn an_object_name_of_64_characters_is_an_error() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", &"o".repeat(64)))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .says("has 64 characters, more than 63");
}

#[test]
fn a_namespace_of_64_characters_is_an_error() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new(&"n".repeat(64), "foo"))
        .validate()
        .invalid()
        .reports("namespace", "a.yaml:5:14")
        .says("has 64 characters, more than 63");
}

#[test]
fn a_cluster_name_of_49_characters_is_an_error() {
    Repo::new()
        .mcs("a.yaml", &foo().consumers(&[&"c".repeat(49)]))
        .validate()
        .invalid()
        .reports("cluster-name", "a.yaml:10:13")
        .says("has 49 characters, more than 48");
}

#[test]
fn a_port_name_of_64_characters_is_an_error() {
    let ports = format!("{{name: {}, port: 80}}", "p".repeat(64));
    Repo::new()
        .file("a.yaml", load_balancer_with_ports(&ports))
        .validate()
        .invalid()
        .reports("ports", "a.yaml:9:18")
        .says("has 64 characters, more than 63");
}

#[test]
fn a_cyrillic_look_alike_is_named_and_corrected() {
    Repo::new()
        .mcs("a.yaml", &foo().providers(&["clustеra"]))
        .validate()
        .invalid()
        .reports("cluster-name", "a.yaml:10:13")
        .says("U+0435")
        .hints("did you mean `clustera`?");
}

#[test]
fn a_greek_look_alike_is_named_and_corrected() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "fοo"))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .says("U+03BF")
        .hints("did you mean `foo`?");
}

#[test]
fn a_fullwidth_look_alike_is_named_and_corrected() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("ｓｈｏｐ", "foo"))
        .validate()
        .invalid()
        .reports("namespace", "a.yaml:5:14")
        .says("U+FF53")
        .hints("did you mean `shop`?");
}

#[test]
fn a_zero_width_joiner_is_named_as_invisible_and_dropped() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "fo\u{200d}o"))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .says("`fo\\u{200d}o` contains the invisible character U+200D (zero width joiner)")
        .hints("did you mean `foo`?");
}

#[test]
fn a_right_to_left_override_is_named_as_invisible_and_never_printed() {
    let run = Repo::new()
        .mcs("a.yaml", &foo().consumers(&["\"clustera\\u202Eb\""]))
        .validate()
        .invalid()
        .reports("cluster-name", "a.yaml:10:13")
        .says("right-to-left override")
        .hints("did you mean `clusterab`?");
    let messages: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert!(
        messages.iter().all(|l| !l.contains('\u{202e}')),
        "{messages:?}"
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn terminal_escapes_in_quoted_values_are_escaped_in_messages() {
    let yaml = "apiVersion: \"v1\\e[2J\"\nkind: MultiClusterService\nmetadata: {name: foo}\nspec:\n  types: [\"Cross\\e[31mCluster\"]\n---\nkind: MultiClusterService\n\"\\e]0;owned\\a\": 1\n---\nkind: \"Secret\\e[8m\"\n";
    let run = Repo::new().file("a.yaml", yaml).validate().invalid();
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.text());
    run.reports("api-version", "a.yaml:1:13")
        .reports("types", "a.yaml:5:11")
        .reports("schema", "a.yaml:8:1")
        .reports("foreign-kind", "a.yaml:10:7")
        .says("`v1\\u{1b}[2J`")
        .says("unknown field `\\u{1b}]0;owned\\u{7}`");
}

#[test]
fn a_raw_control_character_is_a_syntax_error_at_its_column() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("default", "fo\u{7}o"))
        .validate()
        .invalid()
        .reports("yaml-syntax", "a.yaml:4:9");
}

#[test]
fn dot_dot_names_are_not_labels() {
    Repo::new()
        .mcs("a.yaml", &Mcs::new("../kube-system", ".."))
        .validate()
        .invalid()
        .reports("object-name", "a.yaml:4:9")
        .reports("namespace", "a.yaml:5:14");
}

#[test]
fn a_path_with_spaces_and_unicode_is_named_exactly() {
    Repo::new()
        .mcs("shop stuff/caf\u{e9} ü.yaml", &Mcs::new("default", "Foo"))
        .validate()
        .invalid()
        .reports("object-name", "shop stuff/caf\u{e9} ü.yaml:4:9");
}

#[test]
fn a_file_name_with_terminal_escapes_is_shown_escaped() {
    let repo = Repo::new()
        .file("evil\u{1b}[2J.yaml", "kind: Secret\n")
        .committed();
    for run in [repo.validate(), repo.validate_head()] {
        let run = run
            .invalid()
            .reports("foreign-kind", "evil\\u{1b}[2J.yaml:1:7");
        assert!(!run.stdout.contains('\u{1b}'), "{}", run.text());
    }
}

#[test]
fn a_file_name_that_is_not_utf8_is_read_not_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.yaml");
    std::fs::write(repo.path().join(name), "kind: Secret\n").unwrap();
    let repo = repo.committed();
    repo.validate()
        .invalid()
        .reports("foreign-kind", "bad\u{fffd}.yaml:1:7");
    repo.validate_head()
        .invalid()
        .reports("foreign-kind", "bad\u{fffd}.yaml:1:7");
}

// ------------------------------------------------- links and submodules

#[test]
fn a_symlink_out_of_the_repository_is_refused() {
    Repo::new()
        .symlink("/etc/hostname", "shop/host.yaml")
        .symlink("../../../../../../etc/passwd", "shop/passwd.yaml")
        .validate()
        .invalid()
        .reports("symlink-escape", "shop/host.yaml")
        .reports("symlink-escape", "shop/passwd.yaml");
}

#[test]
fn a_symlink_out_of_the_repository_is_refused_in_a_git_tree() {
    let repo = Repo::new()
        .mcs("shop/foo.yaml", &foo())
        .symlink("/etc/hostname", "shop/host.yaml")
        .symlink("../../etc/passwd", "shop/passwd.yaml")
        .committed();
    repo.validate_head()
        .invalid()
        .reports("symlink-escape", "shop/host.yaml")
        .reports("symlink-escape", "shop/passwd.yaml")
        .says("symlink to `../../etc/passwd`");
}

#[test]
fn a_symlink_into_a_hidden_directory_is_refused_and_its_target_never_echoed() {
    let secret = "apiVersion: networking.karmada.io/v1alpha1\nkind: Secret-ish\ntoken: hunter2\n";
    let repo = Repo::new()
        .mcs("shop/foo.yaml", &foo())
        .file(".private/y.yaml", secret)
        .symlink("../.private/y.yaml", "shop/x.yaml")
        .symlink("../.git/config", "shop/config.yaml")
        .committed();
    for run in [repo.validate(), repo.validate_head()] {
        let run = run
            .invalid()
            .reports("symlink-escape", "shop/x.yaml")
            .reports("symlink-escape", "shop/config.yaml")
            .says("enters a hidden directory");
        assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
        assert!(
            !run.stdout.contains("repositoryformatversion"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_symlinked_directory_out_of_the_repository_is_refused_by_name() {
    let outside = Repo::new().mcs("foo.yaml", &foo());
    let run = Repo::new()
        .symlink(outside.path(), "shop")
        .validate()
        .invalid()
        .reports("symlink-escape", "shop");
    insta::assert_snapshot!(
        run.stdout
            .replace(&*outside.path().to_string_lossy(), "[outside]")
    );
}

#[test]
fn symlinked_directory_loops_are_not_followed_and_valid() {
    Repo::new()
        .mcs("shop/foo.yaml", &foo())
        .symlink("..", "shop/up")
        .symlink("../shop", "shop/again")
        .symlink("b", "a")
        .symlink("a", "b")
        .validate()
        .valid()
        .summary("valid: 1 MultiClusterService in 1 file");
}

#[test]
fn a_symlink_to_itself_is_refused() {
    Repo::new()
        .symlink("loop.yaml", "loop.yaml")
        .validate()
        .invalid()
        .reports("symlink-escape", "loop.yaml");
}

#[test]
fn a_symlink_inside_the_repository_is_read() {
    Repo::new()
        .mcs("shop/foo.yaml", &foo())
        .symlink("shop/foo.yaml", "current.yaml")
        .validate()
        .invalid()
        .reports("duplicate-object", "shop/foo.yaml:1:1");
}

fn with_submodule() -> (Repo, Repo) {
    let library = Repo::new().file("x.yaml", "kind: Secret\n").committed();
    let repo = Repo::new().mcs("shop/foo.yaml", &foo()).committed();
    let url = library.path().to_string_lossy().into_owned();
    git(repo.path(), &["submodule", "add", "-q", &url, "vendored"]);
    git(repo.path(), &["commit", "-q", "-m", "add submodule"]);
    (repo, library)
}

#[test]
fn a_git_submodule_is_refused_by_path() {
    let (repo, _library) = with_submodule();
    let run = repo
        .validate_head()
        .invalid()
        .reports("file-unreadable", "vendored")
        .says("a Git submodule cannot hold configuration");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_submodule_checkout_is_refused_like_its_commit() {
    let (repo, _library) = with_submodule();
    repo.validate()
        .invalid()
        .reports("file-unreadable", "vendored")
        .summary("1 error");
}

#[test]
fn a_named_pipe_is_refused_without_blocking() {
    let repo = Repo::new().mcs("shop/foo.yaml", &foo());
    let status = Command::new("mkfifo")
        .arg(repo.join("shop/pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    repo.validate()
        .invalid()
        .reports("file-unreadable", "shop/pipe.yaml")
        .says("a named pipe, not a regular file");
}

#[test]
fn directories_nested_two_hundred_deep_are_walked() {
    let deep = "d/".repeat(200);
    Repo::new()
        .mcs(&format!("{deep}foo.yaml"), &Mcs::new("default", "Foo"))
        .validate()
        .invalid()
        .reports("object-name", &format!("{deep}foo.yaml:4:9"));
}

// ------------------------------------------------------- settings file

#[test]
fn an_exclude_pattern_of_megabytes_is_refused_without_compiling_it() {
    let yaml = format!("exclude: ['{}']\n", "*?[a-z]".repeat(500_000));
    Repo::new()
        .file("mcs-gitops.yaml", yaml)
        .validate()
        .invalid()
        .reports("repo-config", "mcs-gitops.yaml:1:11")
        .says("(3500000 characters)` is longer than 256 characters");
}

#[test]
fn the_most_exclude_patterns_of_the_longest_length_compile_within_limits() {
    let pattern = "*?[a-z]".repeat(35);
    let patterns: String = (0..256).map(|i| format!("  - '{pattern}{i}'\n")).collect();
    Repo::new()
        .file("mcs-gitops.yaml", format!("exclude:\n{patterns}"))
        .mcs("shop/foo.yaml", &foo())
        .validate()
        .valid();
}

#[test]
fn a_long_text_aliased_in_the_settings_file_trips_the_text_budget() {
    let yaml = format!(
        "exclude:\n  - &s {}\n{}",
        "x".repeat(1024 * 1024),
        "  - *s\n".repeat(6)
    );
    Repo::new()
        .file("mcs-gitops.yaml", yaml)
        .validate()
        .invalid()
        .reports("repo-config", "mcs-gitops.yaml:5:5")
        .says("text adds up to more than 4194304 bytes");
}

#[test]
fn values_in_the_settings_file_are_escaped_in_messages() {
    let yaml = "clusters:\n  - name: clustera\n    kubernetesVersion: \"v1\\e[31m.30\"\n  - name: \"cluster\\u202Eb\"\n";
    let run = Repo::new()
        .file("mcs-gitops.yaml", yaml)
        .validate()
        .invalid()
        .reports("repo-config", "mcs-gitops.yaml:3:24")
        .reports("repo-config", "mcs-gitops.yaml:4:11")
        .says("kubernetesVersion `v1\\u{1b}[31m.30`")
        .says("right-to-left override");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.text());
}

#[test]
fn a_settings_file_linked_from_outside_the_repository_is_refused() {
    let outside = Repo::new().file("settings.yaml", "exclude: ['**']\n");
    Repo::new()
        .symlink(outside.join("settings.yaml"), "mcs-gitops.yaml")
        .mcs("shop/foo.yaml", &Mcs::new("default", "Foo"))
        .validate()
        .invalid()
        .reports("symlink-escape", "mcs-gitops.yaml")
        .reports("object-name", "shop/foo.yaml:4:9");
}

#[test]
fn a_misspelled_kind_is_an_unknown_field_with_a_suggestion() {
    let yaml = foo().yaml().replace("kind:", "kinds:");
    Repo::new()
        .file("a.yaml", yaml)
        .validate()
        .invalid()
        .reports("schema", "a.yaml:2:1")
        .hints("did you mean `kind`?");
}
