//! The daemon's HTTP endpoints: `/healthz`, `/readyz`, `/metrics`, the
//! push webhook `POST /hooks/git` and the placement `GET /v1/placement`. The caller hands in the listener and the
//! shutdown signal, so tests control both.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::health::Health;
use super::hook_guard::HookGuard;
use super::metrics::Metrics;
use super::placement_api::PlacementApi;
use super::triggers::{Trigger, TriggerSender};
use super::webhook::{MAX_BODY_BYTES, Verdict, is_signed, judge};
use crate::federation::remote::PLACEMENT_PATH;
use crate::source::auth::Secret;

/// Webhook settings; without them `/hooks/git` answers 404.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// Shared secret configured at the forge.
    pub secret: Secret,
    /// The tracked branch; pushes elsewhere are ignored.
    pub branch: String,
}

/// State shared by the handlers.
pub struct HttpState {
    /// Readiness.
    pub health: Arc<Health>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Webhook settings, if enabled.
    pub webhook: Option<WebhookSettings>,
    /// The placement endpoint, if enabled.
    pub placement: Option<PlacementApi>,
    /// The webhook's limits.
    pub guard: HookGuard,
    /// Where verified pushes go.
    pub triggers: TriggerSender,
}

/// Serves until `shutdown` is cancelled.
pub async fn serve(
    listener: TcpListener,
    state: Arc<HttpState>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/hooks/git", post(hook))
        .route(PLACEMENT_PATH, get(placement))
        .with_state(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
}

async fn readyz(State(state): State<Arc<HttpState>>) -> Response {
    match state.health.readiness().verdict() {
        Ok(()) => (StatusCode::OK, state.health.readiness().ready_text()).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<Arc<HttpState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// `GET /v1/placement`: a wrong token counts as a bad signature does, so
/// one address cannot guess at leisure.
async fn placement(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(api) = &state.placement else {
        return (
            StatusCode::NOT_FOUND,
            "placement endpoint disabled: no --placement-token-file\n",
        )
            .into_response();
    };
    let guard = &state.guard;
    if !guard.may_try(peer.ip(), Instant::now()) {
        return (StatusCode::TOO_MANY_REQUESTS, "too many bad tokens\n").into_response();
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !api.admits(authorization) {
        guard.failed(peer.ip(), Instant::now());
        tracing::warn!(source = %peer.ip(), "placement request with a missing or wrong token rejected");
        return (StatusCode::UNAUTHORIZED, "missing or wrong token\n").into_response();
    }
    match api.document().await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        )
            .into_response(),
    }
}

/// `POST /hooks/git`: everything that can be refused without the body is
/// refused first (webhook off, no signature header, a source that sent bad
/// signatures, too many bodies in flight); the body is then read within a
/// deadline, and only then verified.
async fn hook(
    State(state): State<Arc<HttpState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(settings) = &state.webhook else {
        return (
            StatusCode::NOT_FOUND,
            "webhook disabled: no secret configured\n",
        )
            .into_response();
    };
    let lookup = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if !is_signed(&lookup) {
        return (StatusCode::UNAUTHORIZED, "no signature\n").into_response();
    }
    let guard = &state.guard;
    if !guard.may_try(peer.ip(), Instant::now()) {
        tracing::warn!(source = %peer.ip(), "webhook: too many bad signatures from this address");
        return (StatusCode::TOO_MANY_REQUESTS, "too many bad signatures\n").into_response();
    }
    let Some(_slot) = guard.slot() else {
        tracing::warn!("webhook: too many requests in flight");
        return (StatusCode::SERVICE_UNAVAILABLE, "busy\n").into_response();
    };
    let body = match tokio::time::timeout(guard.body_timeout, to_bytes(body, MAX_BODY_BYTES)).await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "body too large or broken\n").into_response();
        }
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, "body too slow\n").into_response(),
    };
    let verdict = judge(&lookup, &body, &settings.secret, &settings.branch);
    if verdict == Verdict::Unauthorized {
        guard.failed(peer.ip(), Instant::now());
    } else if !guard.verified(Instant::now()) {
        tracing::warn!("webhook rate limit exceeded");
        return (StatusCode::TOO_MANY_REQUESTS, "too many requests\n").into_response();
    }
    match verdict {
        Verdict::Fetch { forge } => {
            tracing::info!(?forge, "verified push webhook: fetching now");
            state.triggers.send(Trigger::Webhook);
            (StatusCode::ACCEPTED, "fetch scheduled\n").into_response()
        }
        Verdict::Ignore { reason } => {
            tracing::debug!(%reason, "webhook ignored");
            (StatusCode::OK, format!("ignored: {reason}\n")).into_response()
        }
        Verdict::Unauthorized => {
            tracing::warn!("webhook with a missing or invalid signature rejected");
            (StatusCode::UNAUTHORIZED, "invalid signature\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests;
