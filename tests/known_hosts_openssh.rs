//! The `known_hosts` reader agrees with OpenSSH: for every host and port
//! probed, a key is pinned exactly when `ssh-keygen -F` finds the host in
//! the same file, before and after `ssh-keygen -H` hashes its names.

use std::path::Path;
use std::process::Command;

use mcs_gitops::source::known_hosts::{self, Refusal, lookup_name};

const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

const PROBES: [(&str, u16); 12] = [
    ("git.example.com", 22),
    ("Git.Example.com", 22),
    ("git.example.com", 2222),
    ("git.example.com", 2223),
    ("10.0.0.1", 22),
    ("10.0.0.1", 2222),
    ("mirror.example.net", 2200),
    ("mirror.example.net", 22),
    ("other.example.com", 22),
    ("evil.example.com", 22),
    ("lonely.example.org", 22),
    ("example.org", 22),
];

fn file_text() -> String {
    [
        "git.example.com,10.0.0.1",
        "[git.example.com]:2222",
        "[*.example.net]:2200",
        "*.example.com,!evil.example.com",
        "!lonely.example.org",
    ]
    .iter()
    .map(|hosts| format!("{hosts} ssh-ed25519 {KEY}\n"))
    .collect()
}

/// Whether OpenSSH finds `name` in the file.
fn openssh_finds(file: &Path, name: &str) -> bool {
    let output = Command::new("ssh-keygen")
        .arg("-F")
        .arg(name)
        .arg("-f")
        .arg(file)
        .output()
        .expect("ssh-keygen");
    output.status.success()
}

fn pinned(file: &Path, host: &str, port: u16) -> bool {
    let key = known_hosts::decode_base64(KEY).unwrap();
    known_hosts::check_file(file, host, port, &key)
        .unwrap()
        .is_ok()
}

fn assert_agrees_with_openssh(file: &Path) {
    for (host, port) in PROBES {
        let name = lookup_name(host, port);
        assert_eq!(
            pinned(file, host, port),
            openssh_finds(file, &name),
            "{name} in\n{}",
            std::fs::read_to_string(file).unwrap()
        );
    }
}

#[test]
fn hosts_ports_and_negations_match_as_in_openssh() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, file_text()).unwrap();
    assert_agrees_with_openssh(&file);
    assert!(pinned(&file, "git.example.com", 2222));
    assert!(!pinned(&file, "evil.example.com", 22));
}

#[test]
fn names_hashed_by_ssh_keygen_match_as_in_openssh() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    std::fs::write(&file, file_text()).unwrap();
    let status = Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(&file)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let hashed = std::fs::read_to_string(&file).unwrap();
    assert!(
        hashed.lines().filter(|l| l.starts_with("|1|")).count() >= 3,
        "{hashed}"
    );
    assert!(!hashed.contains("git.example.com"), "{hashed}");
    assert_agrees_with_openssh(&file);
    assert!(pinned(&file, "git.example.com", 22));
    assert!(pinned(&file, "git.example.com", 2222));
}

#[test]
fn a_host_named_only_by_a_certificate_authority_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    std::fs::write(
        &file,
        format!("@cert-authority *.example.com ssh-ed25519 {KEY}\n"),
    )
    .unwrap();
    let key = known_hosts::decode_base64(KEY).unwrap();
    let refusal = known_hosts::check_file(&file, "git.example.com", 22, &key)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refusal,
        Refusal::CertAuthorityOnly {
            name: "git.example.com".to_owned()
        }
    );
    assert!(refusal.to_string().contains("not supported"), "{refusal}");
}
