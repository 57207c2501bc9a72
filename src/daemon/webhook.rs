//! Push webhooks from GitHub, Gitea and GitLab: signature verification,
//! payload reading and a rate limit. Pure but for the clock the limiter is
//! given.
//!
//! GitHub and Gitea sign the body with HMAC-SHA256 (`X-Hub-Signature-256:
//! sha256=<hex>`, `X-Gitea-Signature: <hex>`); GitLab sends the secret itself
//! (`X-Gitlab-Token`). Both are compared in constant time. Nothing is fetched
//! for a request that fails verification.

use std::time::Instant;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::source::auth::Secret;

/// Largest webhook body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Which forge sent the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forge {
    /// GitHub (or anything sending `X-Hub-Signature-256`).
    GitHub,
    /// Gitea (`X-Gitea-Signature`).
    Gitea,
    /// GitLab (`X-Gitlab-Token`).
    GitLab,
}

/// What to do with a webhook request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A verified push to the tracked branch: fetch now.
    Fetch {
        /// The forge.
        forge: Forge,
    },
    /// Verified, but nothing to do (ping, another branch, another event).
    Ignore {
        /// Why.
        reason: String,
    },
    /// Missing or wrong signature or token.
    Unauthorized,
}

/// Looks up a header case-insensitively.
pub type HeaderLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Verifies a request and decides what to do with it.
pub fn judge(header: HeaderLookup<'_>, body: &[u8], secret: &Secret, branch: &str) -> Verdict {
    let Some(forge) = verify(header, body, secret) else {
        return Verdict::Unauthorized;
    };
    let event = match forge {
        Forge::GitHub => header("x-github-event").or_else(|| header("x-gitea-event")),
        Forge::Gitea => header("x-gitea-event"),
        Forge::GitLab => header("x-gitlab-event"),
    }
    .unwrap_or_default();
    let is_push = matches!(event.as_str(), "push" | "Push Hook");
    if !is_push {
        return Verdict::Ignore {
            reason: format!("event `{event}` is not a push"),
        };
    }
    match pushed_ref(body) {
        Some(pushed) if pushed == format!("refs/heads/{branch}") => Verdict::Fetch { forge },
        Some(pushed) => Verdict::Ignore {
            reason: format!("push to {pushed}, not to the tracked branch"),
        },
        None => Verdict::Ignore {
            reason: "push payload without `ref`".to_owned(),
        },
    }
}

fn verify(header: HeaderLookup<'_>, body: &[u8], secret: &Secret) -> Option<Forge> {
    if let Some(signature) = header("x-hub-signature-256") {
        let hex_digest = signature.strip_prefix("sha256=")?;
        return hmac_matches(secret, body, hex_digest).then_some(Forge::GitHub);
    }
    if let Some(signature) = header("x-gitea-signature") {
        return hmac_matches(secret, body, &signature).then_some(Forge::Gitea);
    }
    if let Some(token) = header("x-gitlab-token") {
        return constant_time_eq(token.as_bytes(), secret.expose().as_bytes())
            .then_some(Forge::GitLab);
    }
    None
}

fn hmac_matches(secret: &Secret, body: &[u8], hex_digest: &str) -> bool {
    let Ok(expected) = hex::decode(hex_digest.trim()) else {
        return false;
    };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Compares two byte strings without an early exit (only the length leaks).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `ref` of a push payload.
pub fn pushed_ref(body: &[u8]) -> Option<String> {
    let payload: serde_json::Value = serde_json::from_slice(body).ok()?;
    payload.get("ref")?.as_str().map(str::to_owned)
}

/// The signature GitHub would send for `body`, for clients and tests.
pub fn sign(secret: &Secret, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(burst: u32, per_second: f64) -> Self {
        RateLimiter {
            capacity: f64::from(burst),
            per_second,
            tokens: f64::from(burst),
            last: None,
        }
    }

    /// Takes a token at `now`; false when the bucket is empty.
    pub fn allow(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether a token could be taken at `now`, without taking it.
    pub fn peek(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    /// Whether the bucket is full at `now` (nothing taken lately).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.capacity
    }

    fn refill(&mut self, now: Instant) {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.per_second;
            self.tokens = (self.tokens + refill).min(self.capacity);
        }
        self.last = Some(now);
    }
}

/// Whether a request carries one of the signature headers the forges send
/// (without one, nothing can verify it and its body is not read).
pub fn is_signed(header: HeaderLookup<'_>) -> bool {
    ["x-hub-signature-256", "x-gitea-signature", "x-gitlab-token"]
        .iter()
        .any(|name| header(name).is_some())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.to_string()))
            .collect();
        move |name: &str| map.get(&name.to_lowercase()).cloned()
    }

    const PUSH: &[u8] = br#"{"ref":"refs/heads/main","after":"abc"}"#;

    #[test]
    fn a_github_push_signed_with_the_secret_triggers_a_fetch() {
        let secret = Secret::new("s3cret");
        let signature = sign(&secret, PUSH);
        let h = headers(&[
            ("X-Hub-Signature-256", &signature),
            ("X-GitHub-Event", "push"),
        ]);
        assert_eq!(
            judge(&h, PUSH, &secret, "main"),
            Verdict::Fetch {
                forge: Forge::GitHub
            }
        );
    }

    #[test]
    fn a_forged_or_missing_signature_is_unauthorized() {
        let secret = Secret::new("s3cret");
        let forged = sign(&Secret::new("guess"), PUSH);
        let h = headers(&[("X-Hub-Signature-256", &forged), ("X-GitHub-Event", "push")]);
        assert_eq!(judge(&h, PUSH, &secret, "main"), Verdict::Unauthorized);
        assert_eq!(
            judge(
                &headers(&[("X-GitHub-Event", "push")]),
                PUSH,
                &secret,
                "main"
            ),
            Verdict::Unauthorized
        );
        let tampered = br#"{"ref":"refs/heads/main","after":"evil"}"#;
        let h = headers(&[
            ("X-Hub-Signature-256", &sign(&secret, PUSH)),
            ("X-GitHub-Event", "push"),
        ]);
        assert_eq!(judge(&h, tampered, &secret, "main"), Verdict::Unauthorized);
    }

    #[test]
    fn gitea_and_gitlab_are_verified_their_own_way() {
        let secret = Secret::new("s3cret");
        let gitea_sig = sign(&secret, PUSH).trim_start_matches("sha256=").to_owned();
        let gitea = headers(&[("X-Gitea-Signature", &gitea_sig), ("X-Gitea-Event", "push")]);
        assert_eq!(
            judge(&gitea, PUSH, &secret, "main"),
            Verdict::Fetch {
                forge: Forge::Gitea
            }
        );
        let gitlab = headers(&[
            ("X-Gitlab-Token", "s3cret"),
            ("X-Gitlab-Event", "Push Hook"),
        ]);
        assert_eq!(
            judge(&gitlab, PUSH, &secret, "main"),
            Verdict::Fetch {
                forge: Forge::GitLab
            }
        );
        let wrong = headers(&[
            ("X-Gitlab-Token", "s3creT"),
            ("X-Gitlab-Event", "Push Hook"),
        ]);
        assert_eq!(judge(&wrong, PUSH, &secret, "main"), Verdict::Unauthorized);
    }

    #[test]
    fn pings_and_other_branches_are_ignored() {
        let secret = Secret::new("s3cret");
        let ping = headers(&[
            ("X-Hub-Signature-256", &sign(&secret, b"{}")),
            ("X-GitHub-Event", "ping"),
        ]);
        assert!(matches!(
            judge(&ping, b"{}", &secret, "main"),
            Verdict::Ignore { .. }
        ));
        let h = headers(&[
            ("X-Hub-Signature-256", &sign(&secret, PUSH)),
            ("X-GitHub-Event", "push"),
        ]);
        assert!(matches!(
            judge(&h, PUSH, &secret, "release"),
            Verdict::Ignore { .. }
        ));
    }

    #[test]
    fn the_rate_limiter_allows_a_burst_then_refills() {
        let mut limiter = RateLimiter::new(2, 1.0);
        let t0 = Instant::now();
        assert!(limiter.allow(t0));
        assert!(limiter.allow(t0));
        assert!(!limiter.allow(t0));
        assert!(limiter.allow(t0 + Duration::from_millis(1100)));
    }
}
