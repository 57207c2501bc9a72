//! The daemon's HTTP endpoints: `/healthz`, `/readyz`, `/metrics` and the
//! push webhook `POST /hooks/git`. The caller hands in the listener and the
//! shutdown signal, so tests control both.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::health::Health;
use super::metrics::Metrics;
use super::triggers::{Trigger, TriggerSender};
use super::webhook::{MAX_BODY_BYTES, RateLimiter, Verdict, judge};
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
    /// Webhook rate limit.
    pub limiter: Mutex<RateLimiter>,
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
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    axum::serve(listener, app)
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

async fn hook(State(state): State<Arc<HttpState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(settings) = &state.webhook else {
        return (
            StatusCode::NOT_FOUND,
            "webhook disabled: no secret configured\n",
        )
            .into_response();
    };
    if !state
        .limiter
        .lock()
        .expect("limiter lock")
        .allow(Instant::now())
    {
        tracing::warn!("webhook rate limit exceeded");
        return (StatusCode::TOO_MANY_REQUESTS, "too many requests\n").into_response();
    }
    let lookup = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match judge(&lookup, &body, &settings.secret, &settings.branch) {
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
