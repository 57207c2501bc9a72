package main

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Where Karmada looks for a Push member's credentials (the namespace
// "karmadactl join" uses too).
const clusterSecretNamespace = "karmada-cluster"

// memberAPIServerComponent is one member cluster: a kube-apiserver of its
// own, sharing the sandbox's etcd under a prefix of its own, which costs
// far less than an etcd per member. Clients authenticate with the
// sandbox's certificates (so the admin kubeconfig works) or with the
// member token Karmada uses.
func (s *sandbox) memberAPIServerComponent(cluster string, port int, etcdURL string) *Component {
	url := loopbackURL("https", port)
	p := s.pki
	name := memberComponent(cluster)
	return &Component{
		Name: name,
		Port: port,
		URL:  url,
		Log:  s.logPath(name),
		Args: []string{
			filepath.Join(s.binDir, binAPIServer),
			"--etcd-servers=" + etcdURL,
			"--etcd-prefix=/members/" + cluster,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(s.dir, "pki", "members", cluster),
			"--tls-cert-file=" + p.cert(apiserverName),
			"--tls-private-key-file=" + p.key(apiserverName),
			"--client-ca-file=" + p.cert(caName),
			"--token-auth-file=" + p.memberTokenFile(),
			"--authorization-mode=RBAC",
			"--service-cluster-ip-range=" + serviceCIDR,
			"--allow-privileged=true",
			// Same reasons as for the control plane's kube-apiserver.
			"--disable-admission-plugins=ServiceAccount",
			"--endpoint-reconciler-type=none",
			"--service-account-issuer=" + url,
			"--service-account-key-file=" + p.saPublic(),
			"--service-account-signing-key-file=" + p.saPrivate(),
		},
	}
}

func memberKubeconfigPath(dir, cluster string) string {
	return filepath.Join(dir, "members", cluster+".kubeconfig")
}

// memberClient is an admin client of one member's kube-apiserver.
func (s *sandbox) memberClient(st *State, cluster string) (kubernetes.Interface, error) {
	url, err := s.memberURL(st, cluster)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(restConfig(url, s.admin))
}

// memberURL reads the member's address under the lock, since other
// components may be starting (and the state being saved) meanwhile.
func (s *sandbox) memberURL(st *State, cluster string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := st.component(memberComponent(cluster))
	if c == nil {
		return "", fmt.Errorf("cluster %s has no member apiserver under %s", cluster, st.Dir)
	}
	return c.URL, nil
}

// writeMemberKubeconfigs gives each member an admin kubeconfig whose
// context is named after the cluster, and records the paths in the state.
func (s *sandbox) writeMemberKubeconfigs(st *State) error {
	paths := map[string]string{}
	for _, cluster := range st.Clusters {
		path := memberKubeconfigPath(s.dir, cluster)
		c := st.component(memberComponent(cluster))
		if err := writeKubeconfigContext(path, cluster, c.URL, "sandbox-admin", s.admin); err != nil {
			return err
		}
		paths[cluster] = path
	}
	s.mu.Lock()
	st.MemberKubeconfigs = paths
	s.mu.Unlock()
	return nil
}

// memberCluster is what the control plane needs to reach one member.
type memberCluster struct {
	name     string
	endpoint string
	token    string
	caPEM    []byte
	id       string // UID of the member's kube-system namespace, as "karmadactl join" records it
}

// clusterID reads the member's kube-system UID, which kube-apiserver
// creates shortly after it reports ready.
func clusterID(ctx context.Context, member kubernetes.Interface) (string, error) {
	var id string
	err := poll(ctx, "namespace kube-system in a member cluster", func() (bool, error) {
		ns, err := member.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		id = string(ns.UID)
		return true, nil
	})
	return id, err
}

// registerPushMember does what "karmadactl join" does for a Push member:
// Secrets in karmada-cluster with the token (and CA) Karmada uses to reach
// the member and to impersonate users through the Cluster proxy, and a
// Cluster that points at the member and the Secrets. The status is left to
// Karmada's cluster status controller. An existing Cluster is updated in
// place, since a member that came back on another port has a new endpoint.
func registerPushMember(ctx context.Context, core kubernetes.Interface, dyn dynamic.Interface, m memberCluster) error {
	impersonator := m.name + "-impersonator"
	secrets := []*corev1.Secret{
		{
			ObjectMeta: metav1.ObjectMeta{Name: m.name, Namespace: clusterSecretNamespace},
			Data:       map[string][]byte{"token": []byte(m.token), "caBundle": m.caPEM},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: impersonator, Namespace: clusterSecretNamespace},
			Data:       map[string][]byte{"token": []byte(m.token)},
		},
	}
	for _, secret := range secrets {
		if err := writeSecret(ctx, core, secret); err != nil {
			return err
		}
	}
	spec := map[string]any{
		"syncMode":              "Push",
		"apiEndpoint":           m.endpoint,
		"id":                    m.id,
		"secretRef":             map[string]any{"namespace": clusterSecretNamespace, "name": m.name},
		"impersonatorSecretRef": map[string]any{"namespace": clusterSecretNamespace, "name": impersonator},
	}
	api := dyn.Resource(clusterGVR)
	existing, err := api.Get(ctx, m.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": clusterGroupVersion,
			"kind":       "Cluster",
			"metadata":   map[string]any{"name": m.name},
			"spec":       spec,
		}}
		if _, err := api.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating Cluster %s: %w", m.name, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	current, _, _ := unstructured.NestedMap(existing.Object, "spec")
	if current == nil {
		current = map[string]any{}
	}
	changed := false
	for key, value := range spec {
		if !reflect.DeepEqual(current[key], value) {
			current[key] = value
			changed = true
		}
	}
	if !changed {
		return nil
	}
	existing.Object["spec"] = current
	if _, err := api.Update(ctx, existing, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating Cluster %s: %w", m.name, err)
	}
	return nil
}

func writeSecret(ctx context.Context, core kubernetes.Interface, secret *corev1.Secret) error {
	api := core.CoreV1().Secrets(secret.Namespace)
	_, err := api.Create(ctx, secret, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = api.Update(ctx, secret, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("writing Secret %s/%s: %w", secret.Namespace, secret.Name, err)
	}
	return nil
}

// waitClustersReady returns once Karmada reports every named Cluster
// Ready (the condition its cluster status controller writes after probing
// the member) with its Kubernetes version and APIs collected.
func waitClustersReady(ctx context.Context, dyn dynamic.Interface, names []string) error {
	var pending []string
	err := poll(ctx, "Karmada to report the member clusters Ready", func() (bool, error) {
		pending = pending[:0]
		for _, name := range names {
			obj, err := dyn.Resource(clusterGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if !clusterReady(obj) {
				pending = append(pending, name)
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil && len(pending) > 0 {
		return fmt.Errorf("%w; not Ready: %s", err, strings.Join(pending, ", "))
	}
	return err
}

func clusterReady(obj *unstructured.Unstructured) bool {
	version, _, _ := unstructured.NestedString(obj.Object, "status", "kubernetesVersion")
	apis, _, _ := unstructured.NestedSlice(obj.Object, "status", "apiEnablements")
	if version == "" || len(apis) == 0 {
		return false
	}
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		cond, _ := c.(map[string]any)
		if cond["type"] == "Ready" {
			return cond["status"] == "True"
		}
	}
	return false
}
