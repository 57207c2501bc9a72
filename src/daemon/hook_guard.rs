//! What stands between the network and the webhook's signature check: a
//! request without a signature header is refused before its body is read;
//! at most a few bodies are read at once, each within a deadline; a source
//! address that sent bad signatures is limited on its own, so a flood of
//! forged requests never starves a correctly signed push from elsewhere.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::webhook::RateLimiter;

/// Bodies read at once; a forge sends one push at a time.
pub const MAX_IN_FLIGHT: usize = 4;
/// How long a body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Bad signatures a source may send in a burst, and how fast it may go on.
const FAILURE_BURST: u32 = 5;
const FAILURES_PER_SECOND: f64 = 0.2;
/// Source addresses remembered; beyond, idle ones are forgotten.
const MAX_SOURCES: usize = 4096;

/// The webhook's limits.
pub struct HookGuard {
    in_flight: Semaphore,
    /// Verified requests, all sources together (a leaked secret cannot
    /// make the daemon fetch in a loop).
    verified: Mutex<RateLimiter>,
    failures: Mutex<HashMap<IpAddr, RateLimiter>>,
    /// How long a body may take.
    pub body_timeout: Duration,
}

impl Default for HookGuard {
    fn default() -> Self {
        HookGuard::new(MAX_IN_FLIGHT, BODY_TIMEOUT)
    }
}

impl HookGuard {
    /// A guard reading at most `in_flight` bodies at once, each within
    /// `body_timeout`.
    pub fn new(in_flight: usize, body_timeout: Duration) -> Self {
        HookGuard {
            in_flight: Semaphore::new(in_flight),
            verified: Mutex::new(RateLimiter::new(10, 1.0)),
            failures: Mutex::new(HashMap::new()),
            body_timeout,
        }
    }

    /// A slot to read a body in, if one is free.
    pub fn slot(&self) -> Option<SemaphorePermit<'_>> {
        self.in_flight.try_acquire().ok()
    }

    /// Whether `source` may still try a signature (it has not sent too many
    /// bad ones lately).
    pub fn may_try(&self, source: IpAddr, now: Instant) -> bool {
        let mut failures = self.failures.lock().expect("failures lock");
        failures.get_mut(&source).is_none_or(|b| b.peek(now))
    }

    /// Records a bad signature from `source`.
    pub fn failed(&self, source: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().expect("failures lock");
        if failures.len() >= MAX_SOURCES && !failures.contains_key(&source) {
            failures.retain(|_, bucket| !bucket.is_full(now));
            if failures.len() >= MAX_SOURCES {
                failures.clear();
            }
        }
        failures
            .entry(source)
            .or_insert_with(|| RateLimiter::new(FAILURE_BURST, FAILURES_PER_SECOND))
            .allow(now);
    }

    /// Takes a token for a verified request.
    pub fn verified(&self, now: Instant) -> bool {
        self.verified.lock().expect("limiter lock").allow(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_signatures_limit_their_source_and_no_other() {
        let guard = HookGuard::default();
        let (attacker, forge) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let now = Instant::now();
        for _ in 0..FAILURE_BURST {
            assert!(guard.may_try(attacker, now));
            guard.failed(attacker, now);
        }
        assert!(!guard.may_try(attacker, now), "the attacker is limited");
        assert!(guard.may_try(forge, now), "the forge is not");
        assert!(guard.verified(now), "nor are verified pushes");
        assert!(
            guard.may_try(attacker, now + Duration::from_secs(6)),
            "the attacker may try again later"
        );
    }

    #[test]
    fn bodies_are_read_a_few_at_a_time() {
        let guard = HookGuard::new(2, BODY_TIMEOUT);
        let (a, b) = (guard.slot(), guard.slot());
        assert!(a.is_some() && b.is_some());
        assert!(guard.slot().is_none());
        drop(a);
        assert!(guard.slot().is_some());
    }
}
