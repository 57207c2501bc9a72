package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// mcsRef is what the sandbox needs from a MultiClusterService document:
// the Service it exposes (same namespace and name), its ports, and the
// clusters that provide its backends (none listed means all clusters).
type mcsRef struct {
	Namespace string
	Name      string
	Ports     []corev1.ServicePort
	Providers []string
}

// skippedDirs are never part of a GitOps repository's manifests.
var skippedDirs = map[string]bool{".git": true, "target": true, "node_modules": true}

// findMultiClusterServices walks root for *.yaml/*.yml documents of kind
// MultiClusterService. Documents that are not valid YAML are skipped: the
// product itself reports those, the sandbox only prepares Services.
func findMultiClusterServices(root string) ([]mcsRef, error) {
	var refs []mcsRef
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skippedDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if !isYAML(path) {
			return nil
		}
		docs, err := yamlDocuments(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sandbox: skipping %s: %v\n", path, err)
			return nil
		}
		for _, doc := range docs {
			if ref, ok := parseMCS(doc); ok {
				refs = append(refs, ref)
			}
		}
		return nil
	})
	return refs, err
}

func parseMCS(doc []byte) (mcsRef, bool) {
	var obj struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			Ports []struct {
				Name string `json:"name"`
				Port int32  `json:"port"`
			} `json:"ports"`
			ProviderClusters []struct {
				Name string `json:"name"`
			} `json:"providerClusters"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(doc, &obj); err != nil || obj.Kind != "MultiClusterService" || obj.Metadata.Name == "" {
		return mcsRef{}, false
	}
	ref := mcsRef{Namespace: obj.Metadata.Namespace, Name: obj.Metadata.Name}
	if ref.Namespace == "" {
		ref.Namespace = "default"
	}
	for _, p := range obj.Spec.Ports {
		if p.Port > 0 {
			ref.Ports = append(ref.Ports, corev1.ServicePort{Name: p.Name, Port: p.Port})
		}
	}
	for _, c := range obj.Spec.ProviderClusters {
		if c.Name != "" {
			ref.Providers = append(ref.Providers, c.Name)
		}
	}
	return ref, true
}

// servicePorts fills in what the Service API insists on: a TCP target port
// and, once there is more than one port, a name for each.
func servicePorts(ports []corev1.ServicePort) []corev1.ServicePort {
	if len(ports) == 0 {
		return []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(80), Protocol: corev1.ProtocolTCP}}
	}
	out := make([]corev1.ServicePort, 0, len(ports))
	for _, p := range ports {
		p.Protocol = corev1.ProtocolTCP
		p.TargetPort = intstr.FromInt32(p.Port)
		if p.Name == "" && len(ports) > 1 {
			p.Name = "port-" + strconv.Itoa(int(p.Port))
		}
		out = append(out, p)
	}
	return out
}

// serviceFor is the Service behind an MCS; the selector is what a real
// workload's Service would have, though no Pods exist in the sandbox.
func serviceFor(namespace, name string, ports []corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.ServiceSpec{
			Ports:    ports,
			Selector: map[string]string{"app": name},
		},
	}
}

// ensureServices creates the control-plane Service behind each MCS (with
// its namespace) unless one already exists; an existing Service is kept as
// it is, since tests may have shaped it on purpose.
func ensureServices(ctx context.Context, core kubernetes.Interface, refs []mcsRef) (int, error) {
	created := 0
	for _, ref := range refs {
		if err := ensureNamespaces(ctx, core, []string{ref.Namespace}); err != nil {
			return created, err
		}
		_, err := core.CoreV1().Services(ref.Namespace).Create(ctx, serviceFor(ref.Namespace, ref.Name, servicePorts(ref.Ports)), metav1.CreateOptions{})
		switch {
		case err == nil:
			created++
		case apierrors.IsAlreadyExists(err):
		default:
			return created, fmt.Errorf("creating Service %s/%s for its MultiClusterService: %w", ref.Namespace, ref.Name, err)
		}
	}
	return created, nil
}
