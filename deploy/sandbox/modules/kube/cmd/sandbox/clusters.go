package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

var defaultClusters = []string{"clustera", "clusterb", "clusterc", "clusterd"}

// clusterNamesFromConfig reads the member names from the "clusters:" key of
// an mcs-gitops.yaml. It accepts a list of names, a list of objects with a
// "name", or a map keyed by name. A missing file yields no names.
func clusterNamesFromConfig(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Clusters any `json:"clusters"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var names []string
	switch v := doc.Clusters.(type) {
	case []any:
		for _, item := range v {
			switch it := item.(type) {
			case string:
				names = append(names, it)
			case map[string]any:
				if name, ok := it["name"].(string); ok {
					names = append(names, name)
				}
			}
		}
	case map[string]any:
		for name := range v {
			names = append(names, name)
		}
	}
	return names, nil
}

// validateClusterNames applies Karmada's rule (DNS-1123 label of at most
// 48 characters) up front, for a clearer message than the API's.
func validateClusterNames(names []string) error {
	for _, name := range names {
		if len(name) > 48 {
			return fmt.Errorf("cluster name %q: must be no more than 48 characters", name)
		}
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			return fmt.Errorf("cluster name %q: %s (Karmada cluster names are lowercase DNS labels, e.g. %q)",
				name, strings.Join(errs, "; "), strings.ToLower(name))
		}
	}
	return nil
}

// registerCluster creates a Push-mode Cluster and writes the status that
// Karmada's cluster-status controller would report for a healthy member.
// No controller runs in this sandbox, so the status stays as written.
func registerCluster(ctx context.Context, dyn dynamic.Interface, name, version string) error {
	api := dyn.Resource(clusterGVR)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": clusterGroupVersion,
		"kind":       "Cluster",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"syncMode": "Push",
			// No member apiserver exists in this mode; .invalid never resolves.
			"apiEndpoint": "https://" + name + ".member.invalid:6443",
		},
	}}
	if _, err := api.Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating Cluster %s: %w", name, err)
	}
	current, err := api.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	current.Object["status"] = clusterStatus(version)
	if _, err := api.UpdateStatus(ctx, current, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("writing status of Cluster %s: %w", name, err)
	}
	return nil
}

func clusterStatus(version string) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	return map[string]any{
		"kubernetesVersion": version,
		"apiEnablements":    apiEnablements(version),
		"conditions": []any{
			map[string]any{
				"type": "Ready", "status": "True", "reason": "ClusterReady",
				"message":            "cluster is healthy and ready to accept workloads",
				"lastTransitionTime": now,
			},
			map[string]any{
				"type": "CompleteAPIEnablements", "status": "True", "reason": "Complete",
				"message":            "collected complete APIEnablements from the cluster",
				"lastTransitionTime": now,
			},
		},
	}
}

// apiEnablements lists the APIs a member of that version serves that
// matter to multi-cluster Services. Karmada's MCS controllers skip members
// without discovery.k8s.io/v1 EndpointSlices, which arrived in 1.21.
func apiEnablements(version string) []any {
	list := []any{
		enablement("v1", "Namespace", "namespaces", "Service", "services", "Pod", "pods",
			"ConfigMap", "configmaps", "Secret", "secrets", "ServiceAccount", "serviceaccounts"),
		enablement("apps/v1", "Deployment", "deployments", "StatefulSet", "statefulsets", "DaemonSet", "daemonsets"),
	}
	if minorVersion(version) >= 21 {
		list = append(list, enablement("discovery.k8s.io/v1", "EndpointSlice", "endpointslices"))
	} else {
		list = append(list, enablement("discovery.k8s.io/v1beta1", "EndpointSlice", "endpointslices"))
	}
	return list
}

// enablement builds one APIEnablement from kind/plural pairs.
func enablement(groupVersion string, kindsAndNames ...string) map[string]any {
	var resources []any
	for i := 0; i+1 < len(kindsAndNames); i += 2 {
		resources = append(resources, map[string]any{"kind": kindsAndNames[i], "name": kindsAndNames[i+1]})
	}
	return map[string]any{"groupVersion": groupVersion, "resources": resources}
}

// minorVersion extracts 21 from "v1.21.3"; unparsable versions count as new.
func minorVersion(version string) int {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 {
		return 1 << 30
	}
	minor, err := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err != nil {
		return 1 << 30
	}
	return minor
}
