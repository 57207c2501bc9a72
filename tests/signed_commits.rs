//! Commit signatures made by real gpg and ssh-keygen keys, verified against
//! a trusted-keys file: trusted signers pass; unsigned commits, unknown
//! signers and unsigned commits hidden behind a signed tip do not. An SSH
//! key's `valid-after`/`valid-before` are judged at the time of
//! verification, never at the dates the signer wrote into the commit.

mod support;

use git2::{Oid, Repository};
use mcs_gitops::source::signature::{Signer, Untrusted, verify_range};
use mcs_gitops::source::trust::TrustedKeys;
use support::repo::DiskRepo;
use support::signing::{Keys, Sign, commit_signed, commit_signed_dated};

fn open(repo: &DiskRepo) -> Repository {
    Repository::open(repo.path()).unwrap()
}

fn commit(repo: &DiskRepo, keys: &Keys, message: &str, sign: Sign<'_>) -> Oid {
    Oid::from_str(&commit_signed(repo, keys, message, sign)).unwrap()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Seconds since the epoch of an RFC 3339 time.
fn at(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The trusted keys, with more options on the SSH key's line.
fn trusted_with(keys: &Keys, options: &str) -> TrustedKeys {
    TrustedKeys::parse(&keys.trusted_text_with(options)).unwrap()
}

#[test]
fn a_commit_signed_with_a_trusted_openpgp_key_is_accepted() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Pgp);
    let checked = verify_range(&open(&repo), head, None, &keys.trusted(), now()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Pgp { fingerprint } if fingerprint.eq_ignore_ascii_case(&keys.pgp_fingerprint))
    );
}

#[test]
fn a_commit_signed_with_an_allowed_ssh_key_is_accepted() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Ssh("trusted"));
    let checked = verify_range(&open(&repo), head, None, &keys.trusted(), now()).unwrap();
    assert!(
        matches!(&checked[0].1, Signer::Ssh { principal, .. } if principal == "signer@example.com")
    );
}

#[test]
fn an_unsigned_tip_is_refused() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::No);
    let error = verify_range(&open(&repo), head, None, &keys.trusted(), now()).unwrap_err();
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
    let error = verify_range(&open(&repo), head, None, &keys.trusted(), now()).unwrap_err();
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
    let error =
        verify_range(&open(&repo), head, Some(verified), &keys.trusted(), now()).unwrap_err();
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
    let checked = verify_range(&open(&repo), head, Some(first), &keys.trusted(), now()).unwrap();
    let ids: Vec<Oid> = checked.iter().map(|(oid, _)| *oid).collect();
    assert_eq!(ids, [head, second]);
}

#[test]
fn a_retired_ssh_key_is_refused_even_on_a_commit_dated_while_it_was_valid() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let backdated = commit_signed_dated(
        &repo,
        &keys,
        "one",
        Sign::Ssh("trusted"),
        Some("2019-06-01T12:00:00Z"),
    );
    let head = Oid::from_str(&backdated).unwrap();
    let trusted = trusted_with(&keys, "valid-before=20200101");
    let error = verify_range(&open(&repo), head, None, &trusted, now()).unwrap_err();
    assert!(matches!(error, Untrusted::UnknownSigner { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("it was valid only until 2020-01-01T00:00:00Z"),
        "{error}"
    );
}

#[test]
fn an_ssh_key_not_valid_yet_is_refused_even_on_a_commit_dated_in_its_window() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let postdated = commit_signed_dated(
        &repo,
        &keys,
        "one",
        Sign::Ssh("trusted"),
        Some("2099-06-01T12:00:00Z"),
    );
    let head = Oid::from_str(&postdated).unwrap();
    let trusted = trusted_with(&keys, "valid-after=20990101");
    let error = verify_range(&open(&repo), head, None, &trusted, now()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("it is valid only from 2099-01-01T00:00:00Z"),
        "{error}"
    );
}

#[test]
fn an_ssh_key_validity_window_is_judged_at_the_time_of_verification() {
    let keys = Keys::new();
    let repo = DiskRepo::new();
    let head = commit(&repo, &keys, "one", Sign::Ssh("trusted"));
    let trusted = trusted_with(&keys, "valid-after=20190101,valid-before=20200101");
    let repo = open(&repo);
    assert!(verify_range(&repo, head, None, &trusted, at("2019-12-31T23:59:59Z")).is_ok());
    assert!(verify_range(&repo, head, None, &trusted, at("2018-12-31T23:59:59Z")).is_err());
    assert!(verify_range(&repo, head, None, &trusted, at("2020-01-01T00:00:01Z")).is_err());
}
