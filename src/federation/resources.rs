//! The resources mcs-gitops reads and writes, known statically so that no
//! discovery request is ever needed, and a raw list that keeps items as JSON.

use kube::Client;
use kube::api::ListParams;
use kube::core::{ApiResource, Request};
use serde::Deserialize;
use serde_json::Value;

/// A resource by group, version, kind and plural.
#[derive(Clone, Copy, Debug)]
pub struct Resource {
    /// API group ("" for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Plural, as in URLs.
    pub plural: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

/// `networking.karmada.io/v1alpha1` MultiClusterService.
pub const MULTI_CLUSTER_SERVICE: Resource = Resource {
    group: "networking.karmada.io",
    version: "v1alpha1",
    kind: "MultiClusterService",
    plural: "multiclusterservices",
    namespaced: true,
};

/// `cluster.karmada.io/v1alpha1` Cluster.
pub const CLUSTER: Resource = Resource {
    group: "cluster.karmada.io",
    version: "v1alpha1",
    kind: "Cluster",
    plural: "clusters",
    namespaced: false,
};

/// `work.karmada.io/v1alpha1` Work.
pub const WORK: Resource = Resource {
    group: "work.karmada.io",
    version: "v1alpha1",
    kind: "Work",
    plural: "works",
    namespaced: true,
};

/// `work.karmada.io/v1alpha2` ResourceBinding.
pub const RESOURCE_BINDING: Resource = Resource {
    group: "work.karmada.io",
    version: "v1alpha2",
    kind: "ResourceBinding",
    plural: "resourcebindings",
    namespaced: true,
};

/// `v1` Service.
pub const SERVICE: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    namespaced: true,
};

/// `v1` Event.
pub const EVENT: Resource = Resource {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
};

impl Resource {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The kube-rs dynamic type.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_owned(),
            version: self.version.to_owned(),
            api_version: self.api_version(),
            kind: self.kind.to_owned(),
            plural: self.plural.to_owned(),
        }
    }

    /// The collection URL, in one namespace or across all.
    pub fn url(&self, namespace: Option<&str>) -> String {
        let prefix = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{prefix}/namespaces/{ns}/{}", self.plural),
            None => format!("{prefix}/{}", self.plural),
        }
    }
}

#[derive(Deserialize)]
struct RawList {
    #[serde(default)]
    items: Vec<Value>,
    #[serde(default)]
    metadata: ListMeta,
}

#[derive(Default, Deserialize)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// Lists a resource as raw JSON items, following continue tokens.
pub async fn list_raw(
    client: &Client,
    resource: &Resource,
    namespace: Option<&str>,
    params: &ListParams,
) -> Result<Vec<Value>, kube::Error> {
    let request = Request::new(resource.url(namespace));
    let mut items = Vec::new();
    let mut params = params.clone();
    loop {
        let http = request.list(&params).map_err(kube::Error::BuildRequest)?;
        let page: RawList = client.request(http).await?;
        items.extend(page.items);
        match page.metadata.continue_token.filter(|t| !t.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(items),
        }
    }
}
