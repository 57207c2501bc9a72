//! Verifying commit signatures (OpenPGP and SSH) against trusted keys.
//!
//! A revision is accepted only if its tip and every commit since the last
//! verified one are signed by a trusted key; for SSH signatures the key must
//! also be allowed for the committer's e-mail and for the `git` namespace,
//! for OpenPGP signatures the key must be neither revoked nor expired and a
//! subkey must be bound for signing (see `openpgp`).
//! Whether a key is valid is judged at `now`, the time of verification, never
//! at the dates a commit carries: the signer writes those, so a retired key
//! could otherwise sign today under a date from when it was valid. Commits
//! are verified as they arrive (only those since the last verified one), so
//! "now" is when each commit was first seen.
//! Blocking (libgit2): call from `spawn_blocking`.

use git2::{Commit, Oid, Repository};
use pgp::composed::{Deserializable, DetachedSignature};
use pgp::types::KeyDetails;

use super::openpgp::{self, KeyRefusal};
use super::trust::{AllowedSigner, TrustedKeys, principal_matches, utc};

/// The SSH signature namespace git uses.
const GIT_NAMESPACE: &str = "git";
/// Commits walked at most when looking for the last verified one.
const MAX_WALK: usize = 10_000;

/// Who signed a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signer {
    /// An OpenPGP key, by fingerprint.
    Pgp {
        /// Hex fingerprint of the primary key.
        fingerprint: String,
    },
    /// An SSH key, with the principal it is allowed for.
    Ssh {
        /// The matching principal pattern.
        principal: String,
        /// The key's SHA-256 fingerprint.
        fingerprint: String,
    },
}

/// Why a commit is not trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    /// The commit carries no signature.
    #[error("commit {commit} is not signed")]
    Unsigned {
        /// The commit.
        commit: String,
    },
    /// The signature does not verify with any trusted key.
    #[error("commit {commit} is signed, but not by a trusted key ({detail})")]
    UnknownSigner {
        /// The commit.
        commit: String,
        /// What was found.
        detail: String,
    },
    /// The signature verifies with a trusted OpenPGP key that may not sign
    /// now (revoked, expired, or a subkey not bound for signing).
    #[error("commit {commit} is signed by a trusted OpenPGP key that may not sign: {reason}")]
    KeyNotValid {
        /// The commit.
        commit: String,
        /// Why the key may not sign.
        reason: KeyRefusal,
    },
    /// The signature cannot be read.
    #[error("commit {commit} has an unreadable signature: {detail}")]
    Malformed {
        /// The commit.
        commit: String,
        /// Why.
        detail: String,
    },
    /// The history could not be walked.
    #[error("cannot walk the history to {commit}: {detail}")]
    History {
        /// The commit.
        commit: String,
        /// Why.
        detail: String,
    },
}

/// Verifies `head` and every commit since `last_verified` (exclusive), with
/// keys judged valid or not at `now` (seconds since the epoch). With no last
/// verified commit, only `head` is verified. Returns the commits checked.
pub fn verify_range(
    repo: &Repository,
    head: Oid,
    last_verified: Option<Oid>,
    trusted: &TrustedKeys,
    now: i64,
) -> Result<Vec<(Oid, Signer)>, Untrusted> {
    let commits = match last_verified {
        Some(base) if base != head => commits_since(repo, head, base)?,
        Some(_) => return Ok(Vec::new()),
        None => vec![head],
    };
    commits
        .into_iter()
        .map(|oid| verify_commit(repo, oid, trusted, now).map(|signer| (oid, signer)))
        .collect()
}

fn commits_since(repo: &Repository, head: Oid, base: Oid) -> Result<Vec<Oid>, Untrusted> {
    let history = |e: git2::Error| Untrusted::History {
        commit: head.to_string(),
        detail: e.message().to_owned(),
    };
    let mut walk = repo.revwalk().map_err(history)?;
    walk.push(head).map_err(history)?;
    if repo.find_commit(base).is_ok() {
        walk.hide(base).map_err(history)?;
    }
    let commits: Vec<Oid> = walk
        .take(MAX_WALK)
        .collect::<Result<_, _>>()
        .map_err(history)?;
    Ok(commits)
}

/// Verifies one commit's signature, with keys judged at `now`.
pub fn verify_commit(
    repo: &Repository,
    oid: Oid,
    trusted: &TrustedKeys,
    now: i64,
) -> Result<Signer, Untrusted> {
    let commit_id = oid.to_string();
    let (signature, data) = match repo.extract_signature(&oid, None) {
        Ok((signature, data)) => (signature.to_vec(), data.to_vec()),
        Err(_) => return Err(Untrusted::Unsigned { commit: commit_id }),
    };
    let text = String::from_utf8_lossy(&signature);
    if text.contains("-----BEGIN SSH SIGNATURE-----") {
        let commit = repo.find_commit(oid).map_err(|e| Untrusted::Malformed {
            commit: commit_id.clone(),
            detail: e.message().to_owned(),
        })?;
        verify_ssh(&commit_id, &text, &data, &commit, &trusted.ssh, now)
    } else if text.contains("-----BEGIN PGP SIGNATURE-----") {
        verify_pgp(&commit_id, &text, &data, trusted, now)
    } else {
        Err(Untrusted::Malformed {
            commit: commit_id,
            detail: "neither an OpenPGP nor an SSH signature (X.509 signatures are not supported)"
                .to_owned(),
        })
    }
}

fn verify_pgp(
    commit: &str,
    armored: &str,
    data: &[u8],
    trusted: &TrustedKeys,
    now: i64,
) -> Result<Signer, Untrusted> {
    let (signature, _) =
        DetachedSignature::from_string(armored).map_err(|e| Untrusted::Malformed {
            commit: commit.to_owned(),
            detail: e.to_string(),
        })?;
    let mut refusal = None;
    for cert in &trusted.pgp {
        let verdict = if signature.verify(&cert.primary_key, data).is_ok() {
            Some(openpgp::primary_may_sign(cert, now))
        } else {
            cert.public_subkeys
                .iter()
                .find(|sub| signature.verify(&sub.key, data).is_ok())
                .map(|sub| openpgp::subkey_may_sign(cert, sub, now))
        };
        match verdict {
            Some(Ok(())) => {
                return Ok(Signer::Pgp {
                    fingerprint: hex::encode(cert.primary_key.fingerprint().as_bytes()),
                });
            }
            Some(Err(reason)) => refusal = Some(reason),
            None => {}
        }
    }
    if let Some(reason) = refusal {
        return Err(Untrusted::KeyNotValid {
            commit: commit.to_owned(),
            reason,
        });
    }
    Err(Untrusted::UnknownSigner {
        commit: commit.to_owned(),
        detail: format!(
            "OpenPGP signature; {} trusted OpenPGP key(s) checked",
            trusted.pgp.len()
        ),
    })
}

fn verify_ssh(
    commit_id: &str,
    pem: &str,
    data: &[u8],
    commit: &Commit<'_>,
    signers: &[AllowedSigner],
    now: i64,
) -> Result<Signer, Untrusted> {
    let signature = ssh_key::SshSig::from_pem(pem.trim()).map_err(|e| Untrusted::Malformed {
        commit: commit_id.to_owned(),
        detail: e.to_string(),
    })?;
    let email = String::from_utf8_lossy(commit.committer().email_bytes()).into_owned();
    let key_data = signature.public_key();
    let fingerprint = ssh_key::PublicKey::from(key_data.clone())
        .fingerprint(Default::default())
        .to_string();
    let mut out_of_validity = None;
    for signer in signers.iter().filter(|s| s.key.key_data() == key_data) {
        let principal = signer
            .principals
            .iter()
            .find(|p| principal_matches(p, &email));
        let namespace_ok = signer
            .namespaces
            .as_ref()
            .is_none_or(|n| n.iter().any(|n| n == GIT_NAMESPACE));
        let verified = signer.key.verify(GIT_NAMESPACE, data, &signature).is_ok();
        if let (Some(principal), true, true) = (principal, namespace_ok, verified) {
            match valid_at(signer, now) {
                Ok(()) => {
                    return Ok(Signer::Ssh {
                        principal: principal.clone(),
                        fingerprint,
                    });
                }
                Err(why) => out_of_validity = Some(why),
            }
        }
    }
    let detail = match out_of_validity {
        Some(why) => format!("SSH key {fingerprint} is allowed for {email}, but {why}"),
        None => format!("SSH key {fingerprint} is not allowed to sign for {email}"),
    };
    Err(Untrusted::UnknownSigner {
        commit: commit_id.to_owned(),
        detail,
    })
}

/// Whether an allowed signer's `valid-after`/`valid-before` hold at `now`;
/// the error says which does not.
fn valid_at(signer: &AllowedSigner, now: i64) -> Result<(), String> {
    if let Some(after) = signer.valid_after.filter(|after| now < *after) {
        return Err(format!("it is valid only from {}", utc(after)));
    }
    if let Some(before) = signer.valid_before.filter(|before| now > *before) {
        return Err(format!("it was valid only until {}", utc(before)));
    }
    Ok(())
}
