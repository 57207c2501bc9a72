//! Signing keys made with real gpg and ssh-keygen, and commits signed with
//! them.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use mcs_gitops::source::trust::TrustedKeys;

use super::repo::DiskRepo;

/// How a commit is signed.
#[derive(Clone, Copy)]
pub enum Sign<'a> {
    /// Not at all.
    No,
    /// With the gpg key.
    Pgp,
    /// With the named gpg key or subkey (`FINGERPRINT!` picks a subkey).
    PgpKey(&'a str),
    /// With the named SSH key.
    Ssh(&'a str),
}

/// A gpg key and two SSH keys, `trusted` and `stranger`.
pub struct Keys {
    /// Where they are kept.
    pub dir: tempfile::TempDir,
    /// The gpg key's fingerprint.
    pub pgp_fingerprint: String,
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
    pub fn new() -> Keys {
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

    /// The gpg home holding the key.
    pub fn gnupg(&self) -> PathBuf {
        self.dir.path().join("gnupg")
    }

    /// Runs gpg non-interactively on the keys' home; returns its output.
    pub fn gpg(&self, args: &[&str]) -> String {
        run(Command::new("gpg")
            .env("GNUPGHOME", self.gnupg())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args))
    }

    /// Runs gpg with `commands` on its standard input (for `--edit-key`).
    pub fn gpg_commands(&self, args: &[&str], commands: &str) -> String {
        let path = self.dir.path().join("gpg-commands");
        std::fs::write(&path, commands).unwrap();
        run(Command::new("gpg")
            .env("GNUPGHOME", self.gnupg())
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(["--command-fd", "0"])
            .args(args)
            .stdin(std::fs::File::open(path).unwrap()))
    }

    /// The fingerprints (primary key first) of the gpg key for `uid`.
    pub fn pgp_fingerprints(&self, uid: &str) -> Vec<String> {
        self.gpg(&["--with-colons", "--list-keys", uid])
            .lines()
            .filter(|l| l.starts_with("fpr:"))
            .filter_map(|l| l.split(':').nth(9).map(str::to_owned))
            .collect()
    }

    /// An SSH public key line.
    pub fn ssh_pub(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.pub")))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The trusted-keys file: the gpg public key and the trusted SSH key.
    pub fn trusted_text(&self) -> String {
        self.trusted_text_with("")
    }

    /// The trusted-keys file, with more `allowed_signers` options (such as
    /// `valid-before=20200101`) on the SSH key's line.
    pub fn trusted_text_with(&self, options: &str) -> String {
        let options = if options.is_empty() {
            String::new()
        } else {
            format!(",{options}")
        };
        let armored = run(Command::new("gpg").env("GNUPGHOME", self.gnupg()).args([
            "--armor",
            "--export",
            "signer@example.com",
        ]));
        format!(
            "# release signers\n{armored}\nsigner@example.com namespaces=\"git\"{options} {}\n",
            self.ssh_pub("trusted")
        )
    }

    /// The trusted keys: the gpg public key and the trusted SSH key.
    pub fn trusted(&self) -> TrustedKeys {
        TrustedKeys::parse(&self.trusted_text()).unwrap()
    }
}

/// Commits everything in `repo` (adding a file named after the message),
/// signed as `sign` says; returns the commit id.
pub fn commit_signed(repo: &DiskRepo, keys: &Keys, message: &str, sign: Sign<'_>) -> String {
    commit_signed_dated(repo, keys, message, sign, None)
}

/// As [`commit_signed`], with author and committer dates the signer chose
/// (any date git reads, e.g. `2019-06-01T12:00:00Z`).
pub fn commit_signed_dated(
    repo: &DiskRepo,
    keys: &Keys,
    message: &str,
    sign: Sign<'_>,
    date: Option<&str>,
) -> String {
    let path = repo.path();
    if !path.join(".git").exists() {
        run(Command::new("git")
            .args(["init", "-q", "-b", "main"])
            .current_dir(path));
    }
    std::fs::write(path.join(format!("{message}.yaml")), "").unwrap();
    run(Command::new("git").args(["add", "-A"]).current_dir(path));
    let mut git = Command::new("git");
    if let Some(date) = date {
        git.env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date);
    }
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
        Sign::PgpKey(key) => git.args([
            "-c",
            &format!("user.signingkey={key}"),
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
    run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(path))
    .trim()
    .to_owned()
}
