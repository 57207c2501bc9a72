//! Whether a key of a trusted OpenPGP certificate may sign now, judged as
//! gpg judges it.
//!
//! A certificate whose primary key carries a valid revocation signature signs
//! nothing, whatever the reason given (a signature's creation time is the
//! signer's to write, so "revoked after this signature" cannot be told apart
//! from a backdated one). The primary key's expiry and usage come from its
//! newest self-signature (a direct-key signature's expiry first, else the
//! primary user ID's); a subkey signs only if the primary key may, if its
//! newest valid binding by the primary key carries the signing flag and a
//! valid back signature (cross-certification), and if it is neither revoked
//! nor expired. Expiry is judged at `now`, the time of verification.
//! Designated revokers (third-party revocations) are not honoured: gpg needs
//! the revoker's key for them too. Checking the commit signature itself is
//! the caller's part.

use pgp::composed::{SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType, SubpacketData};
use pgp::types::{KeyDetails, SignedUser, Tag, Timestamp};

use super::trust::utc;

/// Why a key of a trusted certificate may not sign.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefusal {
    /// A valid revocation signature covers the key.
    #[error("{key} is revoked{reason}")]
    Revoked {
        /// Which key (`key FPR` or `subkey FPR of key FPR`).
        key: String,
        /// The reason the revocation gives, as ` (reason)`, or empty.
        reason: String,
    },
    /// The key's expiry time has passed.
    #[error("{key} expired at {at}")]
    Expired {
        /// Which key.
        key: String,
        /// When (RFC 3339, UTC).
        at: String,
    },
    /// The subkey has no valid binding by the primary key that allows signing.
    #[error("{key} is not bound for signing: {why}")]
    NotBoundForSigning {
        /// Which key.
        key: String,
        /// What is missing.
        why: &'static str,
    },
    /// The primary key's self-signature does not allow signing.
    #[error("{key} is not certified for signing (its key flags exclude it)")]
    NotForSigning {
        /// Which key.
        key: String,
    },
    /// No self-signature of the primary key verifies.
    #[error("{key} has no valid self-signature")]
    NoSelfSignature {
        /// Which key.
        key: String,
    },
}

/// Whether the certificate's primary key may sign at `now`.
pub fn primary_may_sign(cert: &SignedPublicKey, now: i64) -> Result<(), KeyRefusal> {
    let self_signature = primary_usable(cert, now)?;
    if has_key_flags(self_signature) && !self_signature.key_flags().sign() {
        return Err(KeyRefusal::NotForSigning {
            key: primary_name(cert),
        });
    }
    Ok(())
}

/// Whether `subkey` of the certificate may sign at `now`.
pub fn subkey_may_sign(
    cert: &SignedPublicKey,
    subkey: &SignedPublicSubKey,
    now: i64,
) -> Result<(), KeyRefusal> {
    primary_usable(cert, now)?;
    let primary = &cert.primary_key;
    let key = format!(
        "subkey {} of {}",
        hex::encode_upper(subkey.key.fingerprint().as_bytes()),
        primary_name(cert)
    );
    let valid = |typ: SignatureType| {
        subkey.signatures.iter().filter(move |s| {
            s.typ() == Some(typ) && s.verify_subkey_binding(primary, &subkey.key).is_ok()
        })
    };
    if let Some(revocation) = valid(SignatureType::SubkeyRevocation).next() {
        let reason = revocation_reason(revocation);
        return Err(KeyRefusal::Revoked { key, reason });
    }
    let not_bound = |why| KeyRefusal::NotBoundForSigning {
        key: key.clone(),
        why,
    };
    let binding = newest(valid(SignatureType::SubkeyBinding))
        .ok_or_else(|| not_bound("no valid binding signature by the primary key"))?;
    if !binding.key_flags().sign() {
        return Err(not_bound("its binding signature does not allow signing"));
    }
    let cross_certified = binding.embedded_signature().is_some_and(|back| {
        back.verify_primary_key_binding(&subkey.key, primary)
            .is_ok()
    });
    if !cross_certified {
        return Err(not_bound(
            "it is not cross-certified (no valid back signature)",
        ));
    }
    not_expired(binding, subkey.key.created_at(), now).map_err(|at| KeyRefusal::Expired { key, at })
}

/// The primary key's current self-signature, if the key is neither revoked
/// nor expired at `now`.
fn primary_usable(cert: &SignedPublicKey, now: i64) -> Result<&Signature, KeyRefusal> {
    let primary = &cert.primary_key;
    let key = primary_name(cert);
    let revocation =
        cert.details.revocation_signatures.iter().find(|s| {
            s.typ() == Some(SignatureType::KeyRevocation) && s.verify_key(primary).is_ok()
        });
    if let Some(revocation) = revocation {
        let reason = revocation_reason(revocation);
        return Err(KeyRefusal::Revoked { key, reason });
    }
    let direct = newest(
        cert.details
            .direct_signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::Key) && s.verify_key(primary).is_ok()),
    );
    let self_signature = primary_user_signature(cert)
        .or(direct)
        .ok_or_else(|| KeyRefusal::NoSelfSignature { key: key.clone() })?;
    let expiry_from = direct
        .filter(|d| d.key_expiration_time().is_some())
        .unwrap_or(self_signature);
    not_expired(expiry_from, primary.created_at(), now)
        .map_err(|at| KeyRefusal::Expired { key, at })?;
    Ok(self_signature)
}

/// The newest valid self-signature of the primary user ID: among the user
/// IDs not revoked, those whose newest self-signature is flagged primary
/// come first, then the newest.
fn primary_user_signature(cert: &SignedPublicKey) -> Option<&Signature> {
    let current: Vec<&Signature> = cert
        .details
        .users
        .iter()
        .filter_map(|user| current_certification(cert, user))
        .collect();
    newest(current.iter().copied().filter(|s| s.is_primary())).or(newest(current.into_iter()))
}

/// A user ID's newest valid self-certification, unless a newer valid
/// self-revocation withdrew it.
fn current_certification<'a>(
    cert: &SignedPublicKey,
    user: &'a SignedUser,
) -> Option<&'a Signature> {
    let valid = |s: &&Signature| {
        s.verify_certification(&cert.primary_key, Tag::UserId, &user.id)
            .is_ok()
    };
    let is_revocation = |s: &&Signature| s.typ() == Some(SignatureType::CertRevocation);
    let certification = newest(
        user.signatures
            .iter()
            .filter(|s| !is_revocation(s))
            .filter(valid),
    )?;
    let revocation = newest(user.signatures.iter().filter(is_revocation).filter(valid));
    match revocation {
        Some(revocation) if created(revocation) >= created(certification) => None,
        _ => Some(certification),
    }
}

/// `Err(when)` if the key created at `created` has expired by `now` under
/// `signature`'s key expiration time (gpg: expired from that second on).
fn not_expired(signature: &Signature, created: Timestamp, now: i64) -> Result<(), String> {
    let lifetime = signature.key_expiration_time().map_or(0, |d| d.as_secs());
    let expires = i64::from(created.as_secs()) + i64::from(lifetime);
    if lifetime != 0 && expires <= now {
        return Err(utc(expires));
    }
    Ok(())
}

/// The newest of `signatures` by creation time (the later one on a tie).
fn newest<'a>(signatures: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    signatures.max_by_key(|s| created(s))
}

fn created(signature: &Signature) -> u32 {
    signature.created().map_or(0, Timestamp::as_secs)
}

/// Whether the signature states key flags at all (without them gpg lets the
/// algorithm decide, and every signing algorithm may sign).
fn has_key_flags(signature: &Signature) -> bool {
    signature.config().is_some_and(|c| {
        c.hashed_subpackets()
            .any(|p| matches!(p.data, SubpacketData::KeyFlags(_)))
    })
}

fn revocation_reason(revocation: &Signature) -> String {
    let text = revocation
        .revocation_reason_string()
        .map(|r| String::from_utf8_lossy(r.as_ref()).trim().to_owned())
        .filter(|r| !r.is_empty());
    match (revocation.revocation_reason_code(), text) {
        (Some(code), Some(text)) => format!(" ({code:?}: {text})"),
        (Some(code), None) => format!(" ({code:?})"),
        (None, Some(text)) => format!(" ({text})"),
        (None, None) => String::new(),
    }
}

fn primary_name(cert: &SignedPublicKey) -> String {
    format!(
        "key {}",
        hex::encode_upper(cert.primary_key.fingerprint().as_bytes())
    )
}
