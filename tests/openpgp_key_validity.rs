//! OpenPGP keys are trusted as gpg trusts them, not only for their
//! cryptography: a revoked key verifies nothing, an expired key or subkey
//! verifies nothing once its expiry has passed, and a subkey signs only if
//! the trusted primary key bound it for signing. Keys and commits are made
//! with real gpg; the verification time is pinned.

mod support;

use git2::{Oid, Repository};
use mcs_gitops::source::openpgp::KeyRefusal;
use mcs_gitops::source::signature::{Signer, Untrusted, verify_range};
use mcs_gitops::source::trust::TrustedKeys;
use pgp::composed::{Deserializable, SignedPublicKey};
use support::repo::DiskRepo;
use support::signing::{Keys, Sign, commit_signed};

const DAY: i64 = 86_400;

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn signed(keys: &Keys, sign: Sign<'_>) -> (DiskRepo, Oid) {
    let repo = DiskRepo::new();
    let head = Oid::from_str(&commit_signed(&repo, keys, "one", sign)).unwrap();
    (repo, head)
}

fn verify(repo: &DiskRepo, head: Oid, trusted: &TrustedKeys, at: i64) -> Result<Signer, Untrusted> {
    let repo = Repository::open(repo.path()).unwrap();
    verify_range(&repo, head, None, trusted, at).map(|mut checked| checked.remove(0).1)
}

fn refusal(result: Result<Signer, Untrusted>) -> KeyRefusal {
    match result {
        Err(Untrusted::KeyNotValid { reason, .. }) => reason,
        other => panic!("expected a key that may not sign, got {other:?}"),
    }
}

/// A new signing subkey of the trusted key, expiring as gpg reads `expiry`.
fn add_signing_subkey(keys: &Keys, expiry: &str) -> String {
    keys.gpg(&[
        "--quick-add-key",
        &keys.pgp_fingerprint,
        "ed25519",
        "sign",
        expiry,
    ]);
    keys.pgp_fingerprints("signer@example.com").pop().unwrap()
}

#[test]
fn a_revoked_openpgp_key_verifies_nothing_any_more() {
    let keys = Keys::new();
    let (repo, head) = signed(&keys, Sign::Pgp);
    assert!(verify(&repo, head, &keys.trusted(), now()).is_ok());
    // gpg writes a revocation certificate at key generation, its armor line
    // prefixed with a colon against importing it by mistake.
    let certificate = keys
        .gnupg()
        .join(format!("openpgp-revocs.d/{}.rev", keys.pgp_fingerprint));
    let text = std::fs::read_to_string(certificate).unwrap();
    let path = keys.dir.path().join("revocation.asc");
    std::fs::write(&path, text.replace(":-----BEGIN", "-----BEGIN")).unwrap();
    keys.gpg(&["--import", path.to_str().unwrap()]);
    let reason = refusal(verify(&repo, head, &keys.trusted(), now()));
    assert!(matches!(reason, KeyRefusal::Revoked { .. }), "{reason}");
    assert!(reason.to_string().contains("is revoked"), "{reason}");
}

#[test]
fn an_expired_openpgp_key_verifies_nothing_once_its_expiry_has_passed() {
    let keys = Keys::new();
    keys.gpg(&["--quick-set-expire", &keys.pgp_fingerprint, "1d"]);
    let (repo, head) = signed(&keys, Sign::Pgp);
    let trusted = keys.trusted();
    assert!(verify(&repo, head, &trusted, now()).is_ok());
    let reason = refusal(verify(&repo, head, &trusted, now() + 2 * DAY));
    assert!(matches!(reason, KeyRefusal::Expired { .. }), "{reason}");
    assert!(reason.to_string().contains(" expired at 20"), "{reason}");
}

#[test]
fn a_signing_subkey_verifies_for_its_primary_key_until_it_expires() {
    let keys = Keys::new();
    let subkey = add_signing_subkey(&keys, "1d");
    let (repo, head) = signed(&keys, Sign::PgpKey(&format!("{subkey}!")));
    let trusted = keys.trusted();
    let signer = verify(&repo, head, &trusted, now()).unwrap();
    assert!(
        matches!(&signer, Signer::Pgp { fingerprint } if fingerprint.eq_ignore_ascii_case(&keys.pgp_fingerprint))
    );
    let reason = refusal(verify(&repo, head, &trusted, now() + 2 * DAY));
    assert!(
        reason
            .to_string()
            .starts_with(&format!("subkey {subkey} of key ")),
        "{reason}"
    );
    assert!(matches!(reason, KeyRefusal::Expired { .. }), "{reason}");
}

#[test]
fn a_subkey_whose_binding_no_longer_allows_signing_is_refused() {
    let keys = Keys::new();
    let subkey = add_signing_subkey(&keys, "never");
    let (repo, head) = signed(&keys, Sign::PgpKey(&format!("{subkey}!")));
    // Toggle the subkey's usage from sign to authenticate: gpg writes a new
    // binding signature without the signing flag.
    keys.gpg_commands(
        &["--edit-key", &keys.pgp_fingerprint],
        "key 1\nchange-usage\nS\nA\nQ\nsave\n",
    );
    let reason = refusal(verify(&repo, head, &keys.trusted(), now()));
    assert_eq!(
        reason.to_string(),
        format!(
            "subkey {subkey} of key {} is not bound for signing: its binding signature does not allow signing",
            keys.pgp_fingerprint
        )
    );
}

#[test]
fn a_subkey_grafted_onto_a_trusted_key_by_someone_else_is_refused() {
    let keys = Keys::new();
    keys.gpg(&[
        "--quick-gen-key",
        "Mallory <mallory@example.com>",
        "ed25519",
        "sign",
        "never",
    ]);
    let mallory = keys.pgp_fingerprints("mallory@example.com")[0].clone();
    keys.gpg(&["--quick-add-key", &mallory, "ed25519", "sign", "never"]);
    let stolen = keys.pgp_fingerprints("mallory@example.com").pop().unwrap();
    let (repo, head) = signed(&keys, Sign::PgpKey(&format!("{stolen}!")));
    let export = |uid: &str| {
        let armored = keys.gpg(&["--armor", "--export", uid]);
        SignedPublicKey::from_string(&armored).unwrap().0
    };
    let mut grafted = export("signer@example.com");
    grafted.public_subkeys = export("mallory@example.com").public_subkeys;
    let trusted = TrustedKeys {
        pgp: vec![grafted],
        ssh: Vec::new(),
    };
    let reason = refusal(verify(&repo, head, &trusted, now()));
    assert!(
        reason
            .to_string()
            .ends_with("is not bound for signing: no valid binding signature by the primary key"),
        "{reason}"
    );
}
