//! Writing: server-side apply, dry runs, recreate and prune, with bounded
//! concurrency. Every object is attempted; one refusal never stops the rest.

use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, Preconditions};
use serde_json::Value;

use super::api::ApplyOptions;
use super::error::ApiError;
use super::kube::KubeFederation;
use super::resources::MULTI_CLUSTER_SERVICE;
use crate::manifest::ObjectKey;
use crate::plan::ownership::{DesiredObject, FIELD_MANAGER};
use crate::plan::{
    Action, ApplyReport, Blocker, ObjectChange, ObjectOutcome, ObjectResult, Plan, Retry,
};

impl KubeFederation {
    fn mcs_api(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(
            self.client.clone(),
            namespace,
            &MULTI_CLUSTER_SERVICE.api_resource(),
        )
    }

    fn patch_params(&self, force: bool, dry_run: bool) -> PatchParams {
        let mut params = PatchParams::apply(FIELD_MANAGER);
        if force {
            params = params.force();
        }
        if dry_run {
            params = params.dry_run();
        }
        params
    }

    /// Asks the server how each applying change would store the object, and
    /// records the answer (or the refusal) in the plan.
    pub(super) async fn dry_run_changes(&self, plan: &mut Plan, options: ApplyOptions) {
        let params = self.patch_params(options.force_conflicts, true);
        // Each request is made as the stream reaches it: a future per object,
        // made up front, would hold kilobytes for every object of the plan.
        // The stream walks indices: closures over borrowed elements are not
        // `Send` to the compiler.
        let changes = &plan.changes;
        let candidates: Vec<usize> = (0..changes.len())
            .filter(|&i| {
                let c = &changes[i];
                c.action.applies() && c.blocked.is_none() && c.action != Action::Recreate
            })
            .collect();
        let views: Vec<(ObjectKey, Result<Value, Blocker>)> = futures::stream::iter(candidates)
            .map(|i| self.server_view_of(&changes[i], &params))
            .buffer_unordered(options.concurrency.max(1))
            .filter_map(std::future::ready)
            .collect()
            .await;
        for (key, view) in views {
            plan.record_server_view(&key, view);
        }
    }

    async fn server_view_of(
        &self,
        change: &ObjectChange,
        params: &PatchParams,
    ) -> Option<(ObjectKey, Result<Value, Blocker>)> {
        let desired = change.desired.as_ref()?;
        let view = self
            .apply_object(&change.key, desired, params)
            .await
            .map(|stored| serde_json::to_value(stored).unwrap_or(Value::Null));
        Some((change.key.clone(), view))
    }

    async fn apply_object(
        &self,
        key: &ObjectKey,
        desired: &DesiredObject,
        params: &PatchParams,
    ) -> Result<DynamicObject, Blocker> {
        self.mcs_api(&key.namespace)
            .patch(&key.name, params, &Patch::Apply(desired.as_raw()))
            .await
            .map_err(|e| rejected(&e))
    }

    /// Makes every unblocked change of the plan. The plan must be valid.
    pub(super) async fn apply_changes(&self, plan: &Plan, options: ApplyOptions) -> ApplyReport {
        let changes = &plan.changes;
        let mut results: Vec<ObjectResult> = futures::stream::iter(0..changes.len())
            .map(|i| self.result_of(&changes[i], options))
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        results.sort_by(|a, b| a.key.cmp(&b.key));
        ApplyReport {
            results,
            dry_run: options.dry_run,
        }
    }

    async fn result_of(&self, change: &ObjectChange, options: ApplyOptions) -> ObjectResult {
        let (outcome, resource_version) = self.execute(change, options).await;
        ObjectResult {
            key: change.key.clone(),
            action: change.action,
            outcome,
            resource_version,
        }
    }

    async fn execute(
        &self,
        change: &ObjectChange,
        options: ApplyOptions,
    ) -> (ObjectOutcome, Option<String>) {
        if let Some(blocker) = &change.blocked {
            let blocker = blocker.clone();
            return (ObjectOutcome::Blocked { blocker }, None);
        }
        let params = self.patch_params(options.force_conflicts, options.dry_run);
        let result = match (change.action, &change.desired) {
            (Action::Unchanged | Action::Detach | Action::NotComparable, _) | (_, None)
                if change.action != Action::Prune =>
            {
                return (ObjectOutcome::Skipped, None);
            }
            (Action::Prune, _) => self.delete(change, options.dry_run).await.map(|()| None),
            (Action::Recreate, Some(desired)) => self.recreate(change, desired, &params).await,
            (_, Some(desired)) => self
                .apply_object(&change.key, desired, &params)
                .await
                .map(|stored| stored.metadata.resource_version),
            (_, None) => return (ObjectOutcome::Skipped, None),
        };
        match result {
            Ok(version) => (ObjectOutcome::Done, version),
            Err(blocker) => (ObjectOutcome::Failed { blocker }, None),
        }
    }

    async fn delete(&self, change: &ObjectChange, dry_run: bool) -> Result<(), Blocker> {
        let mut params = DeleteParams::background().preconditions(Preconditions {
            uid: change.uid.clone(),
            resource_version: None,
        });
        if dry_run {
            params = params.dry_run();
        }
        match self
            .mcs_api(&change.key.namespace)
            .delete(&change.key.name, &params)
            .await
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
            Err(error) => Err(rejected(&error)),
        }
    }

    async fn recreate(
        &self,
        change: &ObjectChange,
        desired: &DesiredObject,
        params: &PatchParams,
    ) -> Result<Option<String>, Blocker> {
        let dry_run = params.dry_run;
        self.delete(change, dry_run).await?;
        if dry_run {
            return Ok(None);
        }
        let api = self.mcs_api(&change.key.namespace);
        for _ in 0..300 {
            match api.get_opt(&change.key.name).await {
                Ok(None) => {
                    return self
                        .apply_object(&change.key, desired, params)
                        .await
                        .map(|stored| stored.metadata.resource_version);
                }
                Ok(Some(_)) => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(error) => return Err(rejected(&error)),
            }
        }
        Err(Blocker::Rejected {
            api_reason: "Timeout".to_owned(),
            message: "the old object was still being deleted after 60s (a finalizer is pending); it will be created on the next run".to_owned(),
            managers: Vec::new(),
            code: None,
            retry: Retry::Transient,
            fields: Vec::new(),
            at: None,
        })
    }
}

/// Turns an API error into a blocker naming the reason and, for conflicts,
/// the other field managers.
fn rejected(error: &kube::Error) -> Blocker {
    ApiError::from_kube(error).into_blocker()
}
