//! Building a client from a kubeconfig, a context, KUBECONFIG or the
//! in-cluster service account.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::FederationError;

/// Where the client's configuration comes from.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// An explicit kubeconfig file; otherwise KUBECONFIG, ~/.kube/config, in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig; otherwise its current context.
    pub context: Option<String>,
}

/// Builds a client. Nothing is sent to the server yet.
pub async fn connect(options: &ConnectOptions) -> Result<Client, FederationError> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &options.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                FederationError::ConfigFailed(format!("reading {}: {e}", path.display()))
            })?;
            Config::from_custom_kubeconfig(kubeconfig, &kube_options)
                .await
                .map_err(|e| FederationError::ConfigFailed(e.to_string()))?
        }
        None if options.context.is_some() => Config::from_kubeconfig(&kube_options)
            .await
            .map_err(|e| FederationError::ConfigFailed(e.to_string()))?,
        None => Config::infer()
            .await
            .map_err(|e| FederationError::ConfigFailed(e.to_string()))?,
    };
    Client::try_from(config).map_err(|e| FederationError::ConfigFailed(e.to_string()))
}
