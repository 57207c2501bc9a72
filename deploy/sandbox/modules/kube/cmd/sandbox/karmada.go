package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	apiregv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	aggregatorclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

const (
	karmadaModule       = "github.com/karmada-io/karmada"
	clusterGroupVersion = "cluster.karmada.io/v1alpha1"
	clusterAPIService   = "v1alpha1.cluster.karmada.io"
)

var clusterGVR = schema.GroupVersionResource{Group: "cluster.karmada.io", Version: "v1alpha1", Resource: "clusters"}

// moduleVersion reads the version a go.mod requires for a module, which is
// the version the build used (the modules carry no replace for it).
func moduleVersion(goMod, module string) (string, error) {
	data, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(scanner.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1], nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", goMod, module)
}

// karmadaCRDDir finds Karmada's CRD manifests in the Go module cache,
// downloading the module first if the cache was cleaned since the build.
func karmadaCRDDir(modulesDir string) (dir, version string, err error) {
	moduleDir := filepath.Join(modulesDir, "karmada")
	version, err = moduleVersion(filepath.Join(moduleDir, "go.mod"), karmadaModule)
	if err != nil {
		return "", "", err
	}
	out, err := goCommand(moduleDir, "env", "GOMODCACHE")
	if err != nil {
		return "", "", err
	}
	dir = filepath.Join(strings.TrimSpace(out), karmadaModule+"@"+version, "charts", "karmada", "_crds", "bases")
	if _, statErr := os.Stat(dir); statErr == nil {
		return dir, version, nil
	}
	fmt.Fprintf(os.Stderr, "sandbox: downloading %s@%s for its CRDs\n", karmadaModule, version)
	if _, err := goCommand(moduleDir, "mod", "download", karmadaModule); err != nil {
		return "", "", err
	}
	_, err = os.Stat(dir)
	return dir, version, err
}

func goCommand(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	// Never let the go command rewrite the committed go.mod/go.sum.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

// readCRDs loads every CustomResourceDefinition under dir (all API groups).
func readCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var crds []*apiextensionsv1.CustomResourceDefinition
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isYAML(path) {
			return err
		}
		docs, err := yamlDocuments(path)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := yaml.Unmarshal(doc, crd); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if crd.Kind == "CustomResourceDefinition" {
				crds = append(crds, crd)
			}
		}
		return nil
	})
	if err == nil && len(crds) == 0 {
		err = fmt.Errorf("no CRDs found under %s", dir)
	}
	return crds, err
}

func isYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// yamlDocuments splits a multi-document YAML file, dropping empty documents.
func yamlDocuments(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 && !isCommentOnly(doc) {
			docs = append(docs, doc)
		}
	}
}

func isCommentOnly(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// installCRDs creates the CRDs (existing ones are left alone) and waits
// until all are Established, so the caller can use them immediately.
func installCRDs(ctx context.Context, client apiextensionsclient.Interface, crds []*apiextensionsv1.CustomResourceDefinition) error {
	api := client.ApiextensionsV1().CustomResourceDefinitions()
	for _, crd := range crds {
		if _, err := api.Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", crd.Name, err)
		}
	}
	return poll(ctx, "Karmada CRDs to be established", func() (bool, error) {
		for _, crd := range crds {
			got, err := api.Get(ctx, crd.Name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if !crdEstablished(got) {
				return false, nil
			}
		}
		return true, nil
	})
}

func crdEstablished(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, cond := range crd.Status.Conditions {
		if cond.Type == apiextensionsv1.Established {
			return cond.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}

// registerClusterAPI makes kube-apiserver proxy cluster.karmada.io to the
// aggregated apiserver. The aggregator resolves an ExternalName Service to
// https://<externalName>:<APIService port>, which is how a backend on
// loopback is reached: Endpoints with loopback addresses fail validation.
func registerClusterAPI(ctx context.Context, core kubernetes.Interface, agg aggregatorclient.Interface, port int, caPEM []byte) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: aggregatedServiceName, Namespace: aggregatedServiceNamespace},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "localhost"},
	}
	if _, err := core.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating Service %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	want := apiregv1.APIServiceSpec{
		Group:   "cluster.karmada.io",
		Version: "v1alpha1",
		Service: &apiregv1.ServiceReference{
			Namespace: aggregatedServiceNamespace,
			Name:      aggregatedServiceName,
			Port:      ptr.To(int32(port)),
		},
		CABundle:             caPEM,
		GroupPriorityMinimum: 2000,
		VersionPriority:      10,
	}
	api := agg.ApiregistrationV1().APIServices()
	existing, err := api.Get(ctx, clusterAPIService, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = api.Create(ctx, &apiregv1.APIService{ObjectMeta: metav1.ObjectMeta{Name: clusterAPIService}, Spec: want}, metav1.CreateOptions{})
	case err == nil:
		existing.Spec = want
		_, err = api.Update(ctx, existing, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("registering APIService %s: %w", clusterAPIService, err)
	}
	return nil
}

// waitClusterAPI returns once the APIService is Available and discovery
// lists the Cluster resource, i.e. once "kubectl get clusters" works.
func waitClusterAPI(ctx context.Context, agg aggregatorclient.Interface, disco discovery.DiscoveryInterface, dyn dynamic.Interface) error {
	return poll(ctx, "the Cluster API (karmada-aggregated-apiserver) to answer", func() (bool, error) {
		apisvc, err := agg.ApiregistrationV1().APIServices().Get(ctx, clusterAPIService, metav1.GetOptions{})
		if err != nil || !apiServiceAvailable(apisvc) {
			return false, nil
		}
		if _, err := disco.ServerResourcesForGroupVersion(clusterGroupVersion); err != nil {
			return false, nil
		}
		_, err = dyn.Resource(clusterGVR).List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil, nil
	})
}

func apiServiceAvailable(s *apiregv1.APIService) bool {
	for _, cond := range s.Status.Conditions {
		if cond.Type == apiregv1.Available {
			return cond.Status == apiregv1.ConditionTrue
		}
	}
	return false
}

// poll runs check every 250ms until it reports done, returns an error that
// is not transient, or ctx ends.
func poll(ctx context.Context, what string, check func() (bool, error)) error {
	var lastErr error
	for {
		done, err := check()
		if done {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), lastErr)
			}
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ensureNamespaces creates the namespaces that do not exist yet.
func ensureNamespaces(ctx context.Context, core kubernetes.Interface, names []string) error {
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := core.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
