//! Commit signatures made by real gpg and ssh-keygen keys, verified against
//! a trusted-keys file: trusted signers pass; unsigned commits, unknown
//! signers and unsigned commits hidden behind a signed tip do not.

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{Oid, Repository};
use mcs_gitops::source::signature::{Signer, Untrusted, verify_range};
use mcs_gitops::source::trust::TrustedKeys;

struct Keys {
    dir: tempfile::TempDir,
    pgp_fingerprint: String,
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Keys {
    /// A gpg key and two SSH keys (one trusted, one not), in a temp dir.
    fn new() -> Keys {
        let dir = tempfile::tempdir().unwrap();
        let gnupg = dir.path().join("gnupg");
        std::fs::create_dir_all(&gnupg).unwrap();
        std::fs::set_permissions(&gnupg, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        run(Command::new("gpg").env("GNUPGHOME", &gnupg).args([
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Release Signer <signer@example.com>",
            "ed25519",
            "sign",
            "never",
        ]));
        let listing = run(Command::new("gpg").env("GNUPGHOME", &gnupg).args([
            "--with-colons",
            "--list-keys",
            "signer@example.com",
        ]));
        let pgp_fingerprint = listing
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .unwrap()
            .split(':')
            .nth(9)
            .unwrap()
            .to_owned();
        for name in ["trusted", "stranger"] {
            run(Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
                .arg(dir.path().join(name)));
        }
        Keys {
            dir,
            pgp_fingerprint,
        }
    }

    fn gnupg(&self) -> PathBuf {
        self.dir.path().join("gnupg")
    }

    fn ssh_pub(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.pub")))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The trusted-keys file: the gpg public key and the trusted SSH key.
    fn trusted(&self) -> TrustedKeys {
        let armored = run(Command::new("gpg").env("GNUPGHOME", self.gnupg()).args([
            "--armor",
            "--export",
            "signer@example.com",
        ]));
        let text = format!(
            "# release signers\n{armored}\nsigner@example.com namespaces=\"git\" {}\n",
            self.ssh_pub("trusted")
        );
        TrustedKeys::parse(&text).unwrap()
    }
}

#[derive(Clone, Copy)]
enum Sign<'a> {
    No,
    Pgp,
    Ssh(&'a str),
}

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("git")
            .args(["init", "-q", "-b", "main"])
            .current_dir(dir.path()));
        Repo { dir }
    }

    fn commit(&self, keys: &Keys, message: &str, sign: Sign<'_>) -> Oid {
        let path = self.dir.path();
        std::fs::write(path.join(format!("{message}.yaml")), "").unwrap();
        run(Command::new("git").args(["add", "-A"]).current_dir(path));
        let mut git = Command::new("git");
        git.current_dir(path).env("GNUPGHOME", keys.gnupg()).args([
            "-c",
            "user.name=Signer",
            "-c",
            "user.email=signer@example.com",
        ]);
        match sign {
            Sign::No => git.args(["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]),
            Sign::Pgp => git.args([
                "-c",
                &format!("user.signingkey={}", keys.pgp_fingerprint),
                "commit",
                "-q",
                "-S",
                "-m",
                message,
            ]),
            Sign::Ssh(name) => git.args([
                "-c",
                "gpg.format=ssh",
                "-c",
                &format!(
                    "user.signingkey={}",
                    keys.dir.path().join(format!("{name}.pub")).display()
                ),
                "commit",
                "-q",
                "-S",
                "-m",
                message,
            ]),
        };
        run(&mut git);
        Oid::from_str(
            run(Command::new("git")
                .args(["rev-parse", "HEAD"])
                .current_dir(path))
            .trim(),
        )
        .unwrap()
    }

    fn open(&self) -> Repository {
        Repository::open(self.path()).unwrap()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

#[test]
fn a_commit_signed_with_a_trusted_openpgp_key_is_accepted() {
    let keys = Keys::new();
    let repo = Repo::new();
    let head = repo.commit(&keys, "one", Sign::Pgp);
    let checked = verify_range(&repo.open(), head, None, &keys.trusted()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Pgp { fingerprint } if fingerprint.eq_ignore_ascii_case(&keys.pgp_fingerprint))
    );
}

#[test]
fn a_commit_signed_with_an_allowed_ssh_key_is_accepted() {
    let keys = Keys::new();
    let repo = Repo::new();
    let head = repo.commit(&keys, "one", Sign::Ssh("trusted"));
    let checked = verify_range(&repo.open(), head, None, &keys.trusted()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Ssh { principal, .. } if principal == "signer@example.com")
    );
}

#[test]
fn an_unsigned_tip_is_refused() {
    let keys = Keys::new();
    let repo = Repo::new();
    let head = repo.commit(&keys, "one", Sign::No);
    let error = verify_range(&repo.open(), head, None, &keys.trusted()).unwrap_err();
    assert_eq!(
        error,
        Untrusted::Unsigned {
            commit: head.to_string()
        }
    );
}

#[test]
fn a_commit_signed_by_an_unknown_ssh_key_is_refused() {
    let keys = Keys::new();
    let repo = Repo::new();
    let head = repo.commit(&keys, "one", Sign::Ssh("stranger"));
    let error = verify_range(&repo.open(), head, None, &keys.trusted()).unwrap_err();
    assert!(matches!(error, Untrusted::UnknownSigner { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("not allowed to sign for signer@example.com")
    );
}

#[test]
fn an_unsigned_commit_behind_a_signed_tip_is_refused() {
    let keys = Keys::new();
    let repo = Repo::new();
    let verified = repo.commit(&keys, "one", Sign::Pgp);
    let sneaked = repo.commit(&keys, "two", Sign::No);
    let head = repo.commit(&keys, "three", Sign::Ssh("trusted"));
    let error = verify_range(&repo.open(), head, Some(verified), &keys.trusted()).unwrap_err();
    assert_eq!(
        error,
        Untrusted::Unsigned {
            commit: sneaked.to_string()
        }
    );
}

#[test]
fn every_commit_since_the_last_verified_one_is_checked() {
    let keys = Keys::new();
    let repo = Repo::new();
    let first = repo.commit(&keys, "one", Sign::No);
    let second = repo.commit(&keys, "two", Sign::Pgp);
    let head = repo.commit(&keys, "three", Sign::Ssh("trusted"));
    let checked = verify_range(&repo.open(), head, Some(first), &keys.trusted()).unwrap();
    let ids: Vec<Oid> = checked.iter().map(|(oid, _)| *oid).collect();
    assert_eq!(ids, [head, second]);
}
