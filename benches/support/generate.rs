//! Synthetic configuration repositories and the federation state that
//! matches them. Pure and deterministic: the same [`Shape`] always gives the
//! same fleet, byte for byte, so runs on different days compare.
//!
//! A fleet is N MultiClusterServices spread over namespaces of
//! `per_namespace` services each and over `clusters` member clusters
//! (`c01`, `c02`, ...). Each MCS names 1 to 3 providers and 1 to 4
//! consumers; a few name none (meaning every cluster, as Karmada reads an
//! empty list). From it come the repository files (`<ns>/<name>.yaml` and
//! `mcs-gitops.yaml`) and the objects a real Karmada federation holds for
//! it: the control-plane Services, a ResourceBinding `<name>-service` per
//! Service, the marker, collected and dispatched Works of section 3 of
//! Karmada's MCS design (with EndpointSlice manifests), the Service Works,
//! and one Event per MCS.

#![allow(dead_code)]

use serde_json::{Value, json};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Number of MultiClusterServices.
    pub services: usize,
    /// Services per namespace.
    pub per_namespace: usize,
    /// Number of member clusters.
    pub clusters: usize,
    /// Prefix of the namespaces, so that fleets in one federation never meet.
    pub prefix: String,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Percentage of services with an empty provider list (all clusters).
    pub all_providers_pct: u64,
    /// Percentage of services with an empty consumer list (all clusters).
    pub all_consumers_pct: u64,
}

impl Shape {
    /// The shape used by the suite: 50 services per namespace, 20 clusters,
    /// 2% all-provider and 3% all-consumer services.
    pub fn new(services: usize, prefix: &str) -> Self {
        Shape {
            services,
            per_namespace: 50,
            clusters: 20,
            prefix: prefix.to_owned(),
            seed: 0x6d63_732d_6769_746f,
            all_providers_pct: 2,
            all_consumers_pct: 3,
        }
    }
}

/// One exposed Service and its MCS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDef {
    /// Namespace.
    pub namespace: String,
    /// Name (of the Service and of the MCS).
    pub name: String,
    /// Named providers; empty means every cluster.
    pub providers: Vec<String>,
    /// Named consumers; empty means every cluster.
    pub consumers: Vec<String>,
}

/// A generated fleet.
#[derive(Clone, Debug)]
pub struct Fleet {
    /// Member cluster names.
    pub clusters: Vec<String>,
    /// The services, in file order.
    pub services: Vec<ServiceDef>,
}

/// SplitMix64: small, fast, and good enough to spread choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Words that make service names look like a real platform's.
const WORDS: &[&str] = &[
    "api",
    "web",
    "cart",
    "checkout",
    "search",
    "auth",
    "billing",
    "catalog",
    "orders",
    "users",
    "inventory",
    "payments",
    "gateway",
    "metrics",
    "ledger",
    "profile",
    "media",
    "notify",
];

/// A stable 64-bit hash (FNV-1a), for names that embed a hash as Karmada's do.
pub fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A UUID-shaped id derived from `parts` (Karmada's permanent ids are UUIDs).
pub fn uuid(parts: &[&str]) -> String {
    let a = fnv(parts);
    let b = fnv(&[&a.to_string()]);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

impl Fleet {
    /// Generates the fleet of a shape.
    pub fn generate(shape: &Shape) -> Fleet {
        let clusters: Vec<String> = (1..=shape.clusters).map(|i| format!("c{i:02}")).collect();
        let mut rng = Rng(shape.seed);
        let services = (0..shape.services)
            .map(|i| {
                let namespace = format!("{}-{:03}", shape.prefix, i / shape.per_namespace);
                let word = WORDS[rng.below(WORDS.len() as u64) as usize];
                let name = format!("{word}-{i:05}");
                let providers = if rng.below(100) < shape.all_providers_pct {
                    Vec::new()
                } else {
                    {
                        let count = 1 + rng_below(&mut rng, 3);
                        pick(&mut rng, &clusters, count)
                    }
                };
                let consumers = if rng.below(100) < shape.all_consumers_pct {
                    Vec::new()
                } else {
                    {
                        let count = 1 + rng_below(&mut rng, 4);
                        pick(&mut rng, &clusters, count)
                    }
                };
                ServiceDef {
                    namespace,
                    name,
                    providers,
                    consumers,
                }
            })
            .collect();
        Fleet { clusters, services }
    }

    /// The namespaces, in order.
    pub fn namespaces(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.services {
            if out.last() != Some(&s.namespace) {
                out.push(s.namespace.clone());
            }
        }
        out
    }

    /// `mcs-gitops.yaml`: the cluster inventory for offline validation.
    pub fn repo_config(&self) -> String {
        let mut out = String::from("# Member clusters of the benchmark federation.\nclusters:\n");
        for c in &self.clusters {
            out.push_str(&format!("  - name: {c}\n    kubernetesVersion: v1.31.2\n"));
        }
        out
    }

    /// The repository path of a service's file.
    pub fn path(&self, index: usize) -> String {
        let s = &self.services[index];
        format!("{}/{}.yaml", s.namespace, s.name)
    }

    /// Every repository file: the services' files, then `mcs-gitops.yaml`.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = self
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (self.path(i), mcs_yaml(s)))
            .collect();
        files.push(("mcs-gitops.yaml".to_owned(), self.repo_config()));
        files
    }

    /// Writes the repository under `dir`.
    pub fn write_repo(&self, dir: &std::path::Path) -> std::io::Result<()> {
        for ns in self.namespaces() {
            std::fs::create_dir_all(dir.join(ns))?;
        }
        for (path, content) in self.files() {
            std::fs::write(dir.join(path), content)?;
        }
        Ok(())
    }

    /// The MCS objects as JSON (what the files say).
    pub fn mcs_objects(&self) -> Vec<Value> {
        self.services.iter().map(mcs_object).collect()
    }

    /// The namespaces as objects.
    pub fn namespace_objects(&self) -> Vec<Value> {
        self.namespaces()
            .into_iter()
            .map(|ns| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
            .collect()
    }

    /// The control-plane Services the MCS objects expose.
    pub fn service_objects(&self) -> Vec<Value> {
        self.services
            .iter()
            .map(|s| {
                json!({
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {
                        "name": s.name,
                        "namespace": s.namespace,
                        "labels": {"app": s.name, "resourcetemplate.karmada.io/claimed-by": "MultiClusterService"},
                        "annotations": {
                            "multiclusterservice.karmada.io/name": s.name,
                            "multiclusterservice.karmada.io/namespace": s.namespace,
                        },
                    },
                    "spec": {
                        "selector": {"app": s.name},
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
                    },
                })
            })
            .collect()
    }

    /// Providers and consumers with "every cluster" resolved.
    pub fn resolved(&self, s: &ServiceDef) -> (Vec<String>, Vec<String>) {
        let all = || self.clusters.clone();
        let p = if s.providers.is_empty() {
            all()
        } else {
            s.providers.clone()
        };
        let c = if s.consumers.is_empty() {
            all()
        } else {
            s.consumers.clone()
        };
        (p, c)
    }

    /// Karmada's objects for every service: (object, status to write
    /// through the status subresource, if any). ResourceBindings, Works,
    /// Events.
    pub fn federation_objects(&self) -> Vec<(Value, Option<Value>)> {
        let mut out = Vec::new();
        for (index, s) in self.services.iter().enumerate() {
            self.objects_of(index, s, &mut out);
        }
        out
    }

    fn objects_of(&self, index: usize, s: &ServiceDef, out: &mut Vec<(Value, Option<Value>)>) {
        let (providers, consumers) = self.resolved(s);
        let mut placed: Vec<String> = providers.clone();
        for c in &consumers {
            if !placed.contains(c) {
                placed.push(c.clone());
            }
        }
        let mcs_id = uuid(&["mcs", &s.namespace, &s.name]);
        let binding_id = uuid(&["rb", &s.namespace, &s.name]);
        out.push((
            binding(s, &placed, &binding_id),
            Some(binding_status(&placed)),
        ));
        // The Service itself, propagated to providers and consumers.
        for cluster in &placed {
            out.push((
                service_work(s, cluster, &binding_id),
                Some(applied_status()),
            ));
        }
        for p in &providers {
            out.push((marker_work(s, p, &mcs_id), None));
            out.push((collected_work(index, s, p), None));
            for c in consumers.iter().filter(|c| *c != p) {
                out.push((dispatched_work(index, s, p, c), Some(applied_status())));
            }
        }
        out.push((event(s), None));
    }
}

fn rng_below(rng: &mut Rng, n: u64) -> usize {
    rng.below(n) as usize
}

fn pick(rng: &mut Rng, clusters: &[String], count: usize) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::with_capacity(count);
    while chosen.len() < count.min(clusters.len()) {
        let c = &clusters[rng.below(clusters.len() as u64) as usize];
        if !chosen.contains(c) {
            chosen.push(c.clone());
        }
    }
    chosen
}

/// The YAML file of one service, as a platform team would write it.
pub fn mcs_yaml(s: &ServiceDef) -> String {
    let mut out = format!(
        "# {ns}/{name}: exposed across the federation.\napiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  types:\n    - CrossCluster\n",
        ns = s.namespace,
        name = s.name
    );
    list(&mut out, "providerClusters", &s.providers);
    list(&mut out, "consumerClusters", &s.consumers);
    out
}

fn list(out: &mut String, key: &str, clusters: &[String]) {
    if clusters.is_empty() {
        out.push_str(&format!("  {key}: []\n"));
    } else {
        out.push_str(&format!("  {key}:\n"));
        for c in clusters {
            out.push_str(&format!("    - name: {c}\n"));
        }
    }
}

/// The MCS object a file describes.
pub fn mcs_object(s: &ServiceDef) -> Value {
    let names = |v: &[String]| v.iter().map(|c| json!({"name": c})).collect::<Vec<_>>();
    json!({
        "apiVersion": "networking.karmada.io/v1alpha1",
        "kind": "MultiClusterService",
        "metadata": {"name": s.name, "namespace": s.namespace},
        "spec": {
            "types": ["CrossCluster"],
            "providerClusters": names(&s.providers),
            "consumerClusters": names(&s.consumers),
        },
    })
}

fn short_hash(parts: &[&str]) -> String {
    format!("{:x}", fnv(parts) & 0xff_ffff_ffff)
}

fn execution_space(cluster: &str) -> String {
    format!("karmada-es-{cluster}")
}

fn mcs_labels(s: &ServiceDef, work_id: &str) -> serde_json::Map<String, Value> {
    let mut labels = serde_json::Map::new();
    labels.insert("multiclusterservice.karmada.io/name".into(), json!(s.name));
    labels.insert(
        "multiclusterservice.karmada.io/namespace".into(),
        json!(s.namespace),
    );
    labels.insert("work.karmada.io/permanent-id".into(), json!(work_id));
    labels
}

fn binding(s: &ServiceDef, placed: &[String], id: &str) -> Value {
    json!({
        "apiVersion": "work.karmada.io/v1alpha2",
        "kind": "ResourceBinding",
        "metadata": {
            "name": format!("{}-service", s.name),
            "namespace": s.namespace,
            "labels": {"resourcebinding.karmada.io/permanent-id": id},
            "finalizers": ["karmada.io/binding-controller"],
        },
        "spec": {
            "resource": {"apiVersion": "v1", "kind": "Service", "namespace": s.namespace, "name": s.name, "uid": uuid(&["svc", &s.namespace, &s.name]), "resourceVersion": "1"},
            "placement": {"clusterAffinity": {"clusterNames": placed}},
            "conflictResolution": "Overwrite",
            "clusters": placed.iter().map(|c| json!({"name": c})).collect::<Vec<_>>(),
        },
    })
}

fn binding_status(placed: &[String]) -> Value {
    let now = "2026-01-01T00:00:00Z";
    json!({
        "status": {
            "schedulerObservedGeneration": 1,
            "conditions": [
                {"type": "Scheduled", "status": "True", "reason": "Success", "message": "Binding has been scheduled successfully.", "lastTransitionTime": now},
                {"type": "FullyApplied", "status": "True", "reason": "FullyAppliedSuccess", "message": "All works have been successfully applied", "lastTransitionTime": now},
            ],
            "aggregatedStatus": placed.iter().map(|c| json!({"clusterName": c, "applied": true, "health": "Healthy"})).collect::<Vec<_>>(),
        }
    })
}

fn applied_status() -> Value {
    let now = "2026-01-01T00:00:00Z";
    json!({
        "status": {
            "conditions": [
                {"type": "Applied", "status": "True", "reason": "AppliedSuccessful", "message": "Manifest has been successfully applied", "lastTransitionTime": now},
                {"type": "Dispatching", "status": "True", "reason": "DispatchingSucceed", "message": "Dispatching is allowed.", "lastTransitionTime": now},
            ]
        }
    })
}

fn service_work(s: &ServiceDef, cluster: &str, binding_id: &str) -> Value {
    json!({
        "apiVersion": "work.karmada.io/v1alpha1",
        "kind": "Work",
        "metadata": {
            "name": format!("{}-{}", s.name, short_hash(&["svc", &s.namespace, &s.name])),
            "namespace": execution_space(cluster),
            "labels": {
                "resourcebinding.karmada.io/permanent-id": binding_id,
                "work.karmada.io/permanent-id": uuid(&["svcwork", &s.namespace, &s.name, cluster]),
            },
            "annotations": {
                "resourcebinding.karmada.io/name": format!("{}-service", s.name),
                "resourcebinding.karmada.io/namespace": s.namespace,
            },
            "finalizers": ["karmada.io/execution-controller"],
        },
        "spec": {"workload": {"manifests": [{
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": s.name, "namespace": s.namespace, "labels": {"app": s.name}},
            "spec": {"selector": {"app": s.name}, "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]},
        }]}},
    })
}

fn marker_work(s: &ServiceDef, provider: &str, mcs_id: &str) -> Value {
    let mut labels = mcs_labels(s, &uuid(&["marker", &s.namespace, &s.name, provider]));
    labels.insert(
        "multiclusterservice.karmada.io/permanent-id".into(),
        json!(mcs_id),
    );
    json!({
        "apiVersion": "work.karmada.io/v1alpha1",
        "kind": "Work",
        "metadata": {
            "name": format!("{}-{}", s.name, short_hash(&["mcs", &s.namespace, &s.name])),
            "namespace": execution_space(provider),
            "labels": labels,
        },
        "spec": {
            "suspendDispatching": true,
            "workload": {"manifests": [mcs_object(s)]},
        },
    })
}

/// The EndpointSlice a provider's pods produce, as Karmada collects it.
fn slice(index: usize, s: &ServiceDef, provider: &str, name: &str) -> Value {
    let count = 2 + index % 2;
    let cluster_index: usize = provider.trim_start_matches('c').parse().unwrap_or(0);
    let endpoints: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "addresses": [format!("10.{}.{}.{}", 100 + cluster_index, (index / 200) % 250, (index % 200) + n)],
                "conditions": {"ready": true, "serving": true, "terminating": false},
                "nodeName": format!("{provider}-node-{}", n % 3),
                "targetRef": {"kind": "Pod", "namespace": s.namespace, "name": format!("{}-{:x}-{n}", s.name, fnv(&[&s.name, provider]) & 0xfffff)},
            })
        })
        .collect();
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name,
            "namespace": s.namespace,
            "labels": {
                "kubernetes.io/service-name": s.name,
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
        },
        "addressType": "IPv4",
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
        "endpoints": endpoints,
    })
}

fn collected_work(index: usize, s: &ServiceDef, provider: &str) -> Value {
    let slice_name = format!(
        "{}-{}",
        s.name,
        short_hash(&["slice", &s.namespace, &s.name, provider])
    );
    let mut labels = mcs_labels(s, &uuid(&["collected", &s.namespace, &s.name, provider]));
    labels.insert(
        "endpointslice.karmada.io/managed-by".into(),
        json!("MultiClusterService"),
    );
    json!({
        "apiVersion": "work.karmada.io/v1alpha1",
        "kind": "Work",
        "metadata": {
            "name": format!("{}-{}", slice_name, short_hash(&["collected", &s.namespace, &slice_name])),
            "namespace": execution_space(provider),
            "labels": labels,
        },
        "spec": {
            "suspendDispatching": true,
            "workload": {"manifests": [slice(index, s, provider, &slice_name)]},
        },
    })
}

fn dispatched_work(index: usize, s: &ServiceDef, provider: &str, consumer: &str) -> Value {
    let slice_name = format!(
        "{}-{}",
        s.name,
        short_hash(&["slice", &s.namespace, &s.name, provider])
    );
    let mut manifest = slice(index, s, provider, &format!("{provider}-{slice_name}"));
    manifest["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] =
        json!("endpointslice-dispatch-controller.karmada.io");
    manifest["metadata"]["labels"]["karmada.io/managed"] = json!("true");
    manifest["metadata"]["annotations"] =
        json!({"endpointslice.karmada.io/provision-cluster": provider});
    json!({
        "apiVersion": "work.karmada.io/v1alpha1",
        "kind": "Work",
        "metadata": {
            "name": format!("{}-{}", slice_name, short_hash(&["collected", &s.namespace, &slice_name])),
            "namespace": execution_space(consumer),
            "labels": mcs_labels(s, &uuid(&["dispatched", &s.namespace, &s.name, provider, consumer])),
            "annotations": {"endpointslice.karmada.io/provision-cluster": provider},
            "finalizers": ["karmada.io/execution-controller"],
        },
        "spec": {"workload": {"manifests": [manifest]}},
    })
}

fn event(s: &ServiceDef) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{}.{:x}", s.name, fnv(&["event", &s.namespace, &s.name])), "namespace": s.namespace},
        "involvedObject": {"apiVersion": "networking.karmada.io/v1alpha1", "kind": "MultiClusterService", "namespace": s.namespace, "name": s.name},
        "type": "Normal",
        "reason": "SyncServiceSucceed",
        "message": "Service is propagated to target clusters.",
        "source": {"component": "multiclusterservice-controller"},
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "count": 1,
    })
}
