//! The federation's control plane through a Kubernetes client: building the
//! client (kubeconfig, context, KUBECONFIG or the in-cluster service
//! account) and the [`Federation`] it serves. Reading is in `snapshot`,
//! writing in `write`.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::api::{ApplyOptions, Federation, Reading, Scope};
use super::error::{ConnectError, ReadError};
use super::remote::RemotePlacement;
use crate::plan::{ApplyReport, LiveState, Plan};

/// Where the client's configuration comes from.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// An explicit kubeconfig file; otherwise KUBECONFIG, ~/.kube/config, in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig; otherwise its current context.
    pub context: Option<String>,
}

/// Builds a client. Nothing is sent to the server yet.
pub async fn connect(options: &ConnectOptions) -> Result<Client, ConnectError> {
    let failed = |e: &dyn std::fmt::Display| ConnectError(e.to_string());
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &options.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|e| ConnectError(format!("reading {}: {e}", path.display())))?;
            Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(|e| failed(&e))?
        }
        None if options.context.is_some() => Config::from_kubeconfig(&kube_options)
            .await
            .map_err(|e| failed(&e))?,
        None => Config::infer().await.map_err(|e| failed(&e))?,
    };
    Client::try_from(config).map_err(|e| failed(&e))
}

/// A Karmada control plane reached through a Kubernetes client.
#[derive(Clone)]
pub struct KubeFederation {
    pub(super) client: Client,
    pub(super) instance: String,
    /// Where placement comes from when not listed: a running daemon.
    pub(super) placement: Option<RemotePlacement>,
}

impl KubeFederation {
    /// Wraps a client; `instance` names this reconciler's ownership label.
    pub fn new(client: Client, instance: impl Into<String>) -> Self {
        KubeFederation {
            client,
            instance: instance.into(),
            placement: None,
        }
    }

    /// Reads placement from a running daemon's watched state instead of
    /// listing bindings, Works and Events.
    pub fn with_placement_from(self, daemon: RemotePlacement) -> Self {
        KubeFederation {
            placement: Some(daemon),
            ..self
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// This reconciler's instance name.
    pub fn instance(&self) -> &str {
        &self.instance
    }
}

impl Federation for KubeFederation {
    async fn read(&self, scope: &Scope, reading: Reading) -> Result<LiveState, ReadError> {
        self.list_state(scope, reading).await
    }

    async fn dry_run(&self, plan: &mut Plan, options: ApplyOptions) {
        self.dry_run_changes(plan, options).await;
    }

    async fn apply(&self, plan: &Plan, options: ApplyOptions) -> ApplyReport {
        self.apply_changes(plan, options).await
    }
}
