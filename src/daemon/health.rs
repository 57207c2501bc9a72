//! Liveness and readiness, shared between the reconcile loop and HTTP.

use std::sync::Mutex;

/// What `/readyz` reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Readiness {
    /// The first fetch and live sync have succeeded.
    pub synced: bool,
    /// Why the last Git fetch failed, if it did.
    pub source_error: Option<String>,
    /// Why the last read of the federation failed, if it did.
    pub federation_error: Option<String>,
    /// Why the current revision is stalled, if it is: a failure retrying
    /// does not cure. The daemon stays ready (it takes webhooks and serves
    /// metrics); `/readyz` says so in its answer.
    pub stalled: Option<String>,
}

impl Readiness {
    /// Whether the daemon is ready, and if not, why.
    pub fn verdict(&self) -> Result<(), String> {
        if let Some(error) = &self.source_error {
            return Err(format!("Git source failing: {error}"));
        }
        if let Some(error) = &self.federation_error {
            return Err(format!("federation unreachable: {error}"));
        }
        if !self.synced {
            return Err("waiting for the first fetch and live sync".to_owned());
        }
        Ok(())
    }

    /// The answer of a ready daemon: `ok`, or what is stalled.
    pub fn ready_text(&self) -> String {
        match &self.stalled {
            Some(reason) => format!("ok; stalled: {reason}\n"),
            None => "ok\n".to_owned(),
        }
    }
}

/// Health shared across tasks.
#[derive(Debug, Default)]
pub struct Health {
    readiness: Mutex<Readiness>,
}

impl Health {
    /// Updates readiness.
    pub fn update(&self, change: impl FnOnce(&mut Readiness)) {
        let mut readiness = self.readiness.lock().expect("health lock");
        change(&mut readiness);
    }

    /// The current readiness.
    pub fn readiness(&self) -> Readiness {
        self.readiness.lock().expect("health lock").clone()
    }
}
