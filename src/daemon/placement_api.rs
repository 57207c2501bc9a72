//! `GET /v1/placement`: the daemon's watched placement (bindings, Works and
//! Events, reduced) for `plan --daemon`, served only to holders of the
//! placement token. Read-only; it never triggers a cycle or a read of the
//! API. The document is [`crate::federation::remote::PlacementDocument`].

use std::time::Duration;

use crate::federation::cache::LiveCache;
use crate::federation::remote::PlacementDocument;
use crate::federation::{Scope, Watched};
use crate::source::auth::Secret;

use super::webhook::constant_time_eq;

/// How long a request waits for watches that have not listed yet.
const SYNC_WAIT: Duration = Duration::from_secs(5);

/// The placement endpoint's settings and what it serves.
pub struct PlacementApi {
    /// The token callers present as `Authorization: Bearer <token>`.
    pub token: Secret,
    /// The watched live state.
    pub cache: LiveCache,
    /// The namespaces the daemon watches.
    pub scope: Scope,
}

impl PlacementApi {
    /// Whether an `Authorization` header carries the token (compared in
    /// constant time).
    pub fn admits(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|token| {
                constant_time_eq(token.trim().as_bytes(), self.token.expose().as_bytes())
            })
    }

    /// The document as JSON, or why the watched state cannot be served yet.
    pub async fn document(&self) -> Result<Vec<u8>, String> {
        let (_, state) = tokio::time::timeout(SYNC_WAIT, self.cache.current())
            .await
            .map_err(|_| "the watches have not listed everything yet".to_owned())?
            .map_err(|e| e.to_string())?;
        let scope = self.scope.clone();
        tokio::task::spawn_blocking(move || {
            serde_json::to_vec(&PlacementDocument::of(&state, &scope))
        })
        .await
        .map_err(|e| format!("serialising the placement: {e}"))?
        .map_err(|e| format!("serialising the placement: {e}"))
    }
}
