//! Commit signatures made by real gpg and ssh-keygen keys, verified against
//! a trusted-keys file: trusted signers pass; unsigned commits, unknown
//! signers and unsigned commits hidden behind a signed tip do not.

mod support;

use git2::{Oid, Repository};
use mcs_gitops::source::signature::{Signer, Untrusted, verify_range};
use support::repo::DiskRepo;
use support::signing::{Keys, Sign, commit_signed};

fn open(repo: &DiskRepo) -> Repository {
    Repository::open(repo.path()).unwrap()
}

fn commit(repo: &DiskRepo, keys: &Keys, message: &str, sign: Sign<'_>) -> Oid {
    Oid::from_str(&commit_signed(repo, keys, message, sign)).unwrap()
}

#[test]
fn a_commit_signed_with_a_trusted_openpgp_key_is_accepted() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Pgp);
    let checked = verify_range(&open(&repo), head, None, &keys.trusted()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Pgp { fingerprint } if fingerprint.eq_ignore_ascii_case(&keys.pgp_fingerprint))
    );
}

#[test]
fn a_commit_signed_with_an_allowed_ssh_key_is_accepted() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Ssh("trusted"));
    let checked = verify_range(&open(&repo), head, None, &keys.trusted()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Ssh { principal, .. } if principal == "signer@example.com")
    );
}

#[test]
fn an_unsigned_tip_is_refused() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::No);
    let error = verify_range(&open(&repo), head, None, &keys.trusted()).unwrap_err();
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
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Ssh("stranger"));
    let error = verify_range(&open(&repo), head, None, &keys.trusted()).unwrap_err();
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
    let repo = DiskRepo::new();
    let verified = commit(&repo, &keys, "one", Sign::Pgp);
    let sneaked = commit(&repo, &keys, "two", Sign::No);
    let head = commit(&repo, &keys, "three", Sign::Ssh("trusted"));
    let error = verify_range(&open(&repo), head, Some(verified), &keys.trusted()).unwrap_err();
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
    let repo = DiskRepo::new();
    let first = commit(&repo, &keys, "one", Sign::No);
    let second = commit(&repo, &keys, "two", Sign::Pgp);
    let head = commit(&repo, &keys, "three", Sign::Ssh("trusted"));
    let checked = verify_range(&open(&repo), head, Some(first), &keys.trusted()).unwrap();
    let ids: Vec<Oid> = checked.iter().map(|(oid, _)| *oid).collect();
    assert_eq!(ids, [head, second]);
}
