//! Trust across restarts: signatures verified from the last verified commit
//! as the keeper recorded it, that commit recorded before anything of the
//! revision is applied, and the last applied revision read back after a
//! restart.

use std::collections::HashMap;
use std::sync::Arc;

use git2::Oid;

use super::{Reconciler, Verified};
use crate::daemon::pacing::Outcome;
use crate::federation::{ApiError, Federation, Watched};
use crate::manifest::Revision;
use crate::plan::{LiveState, Retry};

impl<F: Federation, W: Watched> Reconciler<F, W> {
    /// Checks that `head` descends from the last verified commit and that it
    /// and every commit since are signed by trusted keys, then records it.
    pub(super) async fn verify(&mut self, head: Oid) -> Verified {
        if !self.tracked.verifies() {
            return Verified::Yes;
        }
        let mut record = match self.keeper.load().await {
            Ok(record) => record,
            Err(error) => return Verified::Unrecorded(error),
        };
        let last = record
            .last_verified
            .as_deref()
            .and_then(|c| Oid::from_str(c).ok())
            .or(self.memory.last_verified());
        if self.memory.last_good().is_none() {
            self.memory
                .restore_applied(record.last_applied.clone().map(Revision::new));
        }
        let checked = match self.tracked.verify(head, last).await {
            Ok(checked) => checked,
            Err(refusal) => return Verified::Refused(refusal),
        };
        for (commit, signer) in &checked {
            tracing::info!(%commit, ?signer, "signature verified");
        }
        record.last_verified = Some(head.to_string());
        if let Err(error) = self.keeper.save(&record).await {
            return Verified::Unrecorded(error);
        }
        self.memory.verified(head);
        Verified::Yes
    }

    /// A trusted revision whose verification could not be recorded: retried
    /// when the API may answer later, stalled when it refuses.
    pub(super) async fn unrecorded(&mut self, head: Oid, error: &ApiError) -> Outcome {
        let message = format!("cannot record the verified commit: {error}");
        tracing::warn!(%message, "nothing applied until it is recorded");
        self.observers.metrics.reconciled("error");
        match error.retry {
            Retry::Transient => Outcome::Retry(message),
            Retry::Terminal => self.stalled(head, message).await,
        }
    }

    /// Records `revision` as the last applied one (for a restarted replica).
    pub(super) async fn record_applied(&self, revision: &Revision) {
        if !self.keeper.is_durable() {
            return;
        }
        let saved = async {
            let mut record = self.keeper.load().await?;
            record.last_applied = Some(revision.to_string());
            self.keeper.save(&record).await
        };
        if let Err(error) = saved.await {
            tracing::warn!(%error, "the last applied revision is not recorded");
        }
    }

    /// After a restart, reads the last applied revision back, so reports of
    /// a refused or invalid revision still describe what is applied.
    pub(super) async fn restore_last_good(&mut self, live: &LiveState) {
        let Some(revision) = self.memory.take_restore() else {
            return;
        };
        let Ok(head) = Oid::from_str(revision.as_str()) else {
            return;
        };
        match self.tracked.read(head, HashMap::new()).await {
            Ok(read) => {
                let desired = self.pipeline.load(&read.files, live, None);
                self.memory.applied(revision, Arc::new(desired));
            }
            Err(error) => {
                tracing::warn!(%error, %revision, "the last applied revision cannot be read back")
            }
        }
    }
}
