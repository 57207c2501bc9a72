//! `mcs-gitops run`: the daemon.

use tokio_util::sync::CancellationToken;

use super::{Outcome, connect};
use crate::cli::RunArgs;
use crate::config;

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn run(args: &RunArgs) -> Outcome {
    let daemon_config = match config::daemon(args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let Some(federation) = connect(&args.federation).await else {
        return Outcome::CouldNotRun;
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("mcs-gitops: cannot listen on {}: {error}", args.listen);
            return Outcome::CouldNotRun;
        }
    };
    tracing::info!(address = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "HTTP server listening");
    let shutdown = CancellationToken::new();
    stop_on_signals(shutdown.clone());
    match crate::daemon::run(daemon_config, federation, listener, shutdown).await {
        Ok(()) => {
            tracing::info!("stopped");
            Outcome::Clean
        }
        Err(error) => {
            tracing::error!(%error, "daemon stopped");
            Outcome::CouldNotRun
        }
    }
}

fn stop_on_signals(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing the run in flight, then stopping"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing the run in flight, then stopping"),
        }
        shutdown.cancel();
    });
}
