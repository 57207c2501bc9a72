package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Timing of Karmada's view of its members. The defaults (status every
// 10s, 30s of failures before a member turns not Ready) suit production;
// tests want a stopped member to show as not Ready within about 10s, and
// a restarted one to come back within a few seconds.
const (
	clusterStatusUpdateFrequency = "3s"
	clusterFailureThreshold      = "6s"
	clusterSuccessThreshold      = "3s"
	// The monitor only acts on Pull members (none here); kept short anyway
	// so that a member switched to Pull by a test behaves the same way.
	clusterMonitorPeriod      = "2s"
	clusterMonitorGracePeriod = "10s"
	clusterStartupGracePeriod = "20s"
)

// kcmControllers is what Karmada relies on from kube-controller-manager on
// its control plane: namespace deletion (execution namespaces of removed
// members, user namespaces) and garbage collection (ResourceBindings are
// owned by their resource templates, namespace Works by their namespaces).
// Karmada's chart runs more (token, CSR and bootstrap controllers); the
// sandbox needs none of them.
const kcmControllers = "namespace,garbagecollector"

func karmadaKubeconfigPath(dir string) string {
	return filepath.Join(dir, "pki", "karmada.kubeconfig")
}

func hostPort(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// webhookComponent runs karmada-webhook with the flags of Karmada's chart,
// on loopback: one HTTPS port for admission and conversion (certificate
// signed by the sandbox CA) plus health and metrics ports.
func (s *sandbox) webhookComponent(ports []int) *Component {
	secure, health, metrics := ports[0], ports[1], ports[2]
	return &Component{
		Name:  compWebhook,
		Port:  secure,
		Ports: map[string]int{"secure": secure, "health": health, "metrics": metrics},
		URL:   loopbackURL("https", secure),
		// The webhook serves its readiness on the admission port.
		Health: loopbackURL("https", secure) + "/readyz/",
		Log:    s.logPath(compWebhook),
		Args: []string{
			filepath.Join(s.binDir, binWebhook),
			"--kubeconfig=" + karmadaKubeconfigPath(s.dir),
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(secure),
			"--cert-dir=" + s.pki.dir,
			"--tls-cert-file-name=" + filepath.Base(s.pki.cert(webhookName)),
			"--tls-private-key-file-name=" + filepath.Base(s.pki.key(webhookName)),
			"--health-probe-bind-address=" + hostPort(health),
			"--metrics-bind-address=" + hostPort(metrics),
		},
	}
}

func (s *sandbox) schedulerComponent(ports []int) *Component {
	health, metrics := ports[0], ports[1]
	return &Component{
		Name:   compScheduler,
		Port:   health,
		Ports:  map[string]int{"health": health, "metrics": metrics},
		URL:    loopbackURL("http", health),
		Health: loopbackURL("http", health) + "/healthz",
		Log:    s.logPath(compScheduler),
		Args: []string{
			filepath.Join(s.binDir, binScheduler),
			"--kubeconfig=" + karmadaKubeconfigPath(s.dir),
			"--leader-elect=false",
			"--health-probe-bind-address=" + hostPort(health),
			"--metrics-bind-address=" + hostPort(metrics),
		},
	}
}

// controllerManagerComponent runs every controller Karmada enables by
// default plus the MultiClusterService ones (feature gate), without
// leader election, with the short member timings above.
func (s *sandbox) controllerManagerComponent(ports []int) *Component {
	health, metrics := ports[0], ports[1]
	return &Component{
		Name:   compControllerManager,
		Port:   health,
		Ports:  map[string]int{"health": health, "metrics": metrics},
		URL:    loopbackURL("http", health),
		Health: loopbackURL("http", health) + "/healthz",
		Log:    s.logPath(compControllerManager),
		Args: []string{
			filepath.Join(s.binDir, binControllerManager),
			"--kubeconfig=" + karmadaKubeconfigPath(s.dir),
			"--leader-elect=false",
			"--feature-gates=MultiClusterService=true",
			"--health-probe-bind-address=" + hostPort(health),
			"--metrics-bind-address=" + hostPort(metrics),
			"--cluster-status-update-frequency=" + clusterStatusUpdateFrequency,
			"--cluster-failure-threshold=" + clusterFailureThreshold,
			"--cluster-success-threshold=" + clusterSuccessThreshold,
			"--cluster-monitor-period=" + clusterMonitorPeriod,
			"--cluster-monitor-grace-period=" + clusterMonitorGracePeriod,
			"--cluster-startup-grace-period=" + clusterStartupGracePeriod,
			"--v=2",
		},
	}
}

// kcmComponent runs kube-controller-manager for the control plane only
// (members have no need for it: Karmada writes to them directly).
func (s *sandbox) kcmComponent(port int) *Component {
	kubeconfig := karmadaKubeconfigPath(s.dir)
	return &Component{
		Name:   compKubeControllerManager,
		Port:   port,
		URL:    loopbackURL("https", port),
		Health: loopbackURL("https", port) + "/healthz",
		Log:    s.logPath(compKubeControllerManager),
		Args: []string{
			filepath.Join(s.binDir, binKCM),
			"--kubeconfig=" + kubeconfig,
			"--authentication-kubeconfig=" + kubeconfig,
			"--authorization-kubeconfig=" + kubeconfig,
			"--client-ca-file=" + s.pki.cert(caName),
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + s.pki.cert(kcmName),
			"--tls-private-key-file=" + s.pki.key(kcmName),
			"--controllers=" + kcmControllers,
			"--leader-elect=false",
			"--cluster-name=karmada",
		},
	}
}

// webhookRule is one entry of Karmada's webhook configurations (the set
// its chart registers), reduced to what differs between entries.
type webhookRule struct {
	name, path, group, resource string
	scope                       admissionv1.ScopeType
	ops                         []admissionv1.OperationType
	timeout                     int32
}

var (
	createUpdate = []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}
	createOnly   = []admissionv1.OperationType{admissionv1.Create}
)

var mutatingRules = []webhookRule{
	{"propagationpolicy.karmada.io", "/mutate-propagationpolicy", "policy.karmada.io", "propagationpolicies", admissionv1.NamespacedScope, createUpdate, 3},
	{"clusterpropagationpolicy.karmada.io", "/mutate-clusterpropagationpolicy", "policy.karmada.io", "clusterpropagationpolicies", admissionv1.ClusterScope, createUpdate, 3},
	{"overridepolicy.karmada.io", "/mutate-overridepolicy", "policy.karmada.io", "overridepolicies", admissionv1.NamespacedScope, createUpdate, 3},
	{"resourcebinding.karmada.io", "/mutate-resourcebinding", "work.karmada.io", "resourcebindings", admissionv1.NamespacedScope, createOnly, 3},
	{"clusterresourcebinding.karmada.io", "/mutate-clusterresourcebinding", "work.karmada.io", "clusterresourcebindings", admissionv1.ClusterScope, createOnly, 3},
	{"work.karmada.io", "/mutate-work", "work.karmada.io", "works", admissionv1.NamespacedScope, createUpdate, 3},
	{"autoscaling.karmada.io", "/mutate-federatedhpa", "autoscaling.karmada.io", "federatedhpas", admissionv1.NamespacedScope, createUpdate, 3},
	// Adds the multiclusterservice.karmada.io/permanent-id label.
	{"multiclusterservice.karmada.io", "/mutate-multiclusterservice", "networking.karmada.io", "multiclusterservices", admissionv1.NamespacedScope, createUpdate, 3},
}

var validatingRules = []webhookRule{
	{"propagationpolicy.karmada.io", "/validate-propagationpolicy", "policy.karmada.io", "propagationpolicies", admissionv1.NamespacedScope, createUpdate, 3},
	{"clusterpropagationpolicy.karmada.io", "/validate-clusterpropagationpolicy", "policy.karmada.io", "clusterpropagationpolicies", admissionv1.ClusterScope, createUpdate, 3},
	{"overridepolicy.karmada.io", "/validate-overridepolicy", "policy.karmada.io", "overridepolicies", admissionv1.NamespacedScope, createUpdate, 3},
	{"clusteroverridepolicy.karmada.io", "/validate-clusteroverridepolicy", "policy.karmada.io", "clusteroverridepolicies", admissionv1.ClusterScope, createUpdate, 3},
	{"config.karmada.io", "/validate-resourceinterpreterwebhookconfiguration", "config.karmada.io", "resourceinterpreterwebhookconfigurations", admissionv1.ClusterScope, createUpdate, 3},
	{"resourceinterpretercustomization.karmada.io", "/validate-resourceinterpretercustomization", "config.karmada.io", "resourceinterpretercustomizations", admissionv1.ClusterScope, createUpdate, 10},
	{"federatedresourcequota.karmada.io", "/validate-federatedresourcequota", "policy.karmada.io", "federatedresourcequotas", admissionv1.NamespacedScope, createUpdate, 3},
	{"multiclusteringress.karmada.io", "/validate-multiclusteringress", "networking.karmada.io", "multiclusteringresses", admissionv1.NamespacedScope, createUpdate, 3},
	// Name format, allowed and immutable types, ports, cluster names.
	{"multiclusterservice.karmada.io", "/validate-multiclusterservice", "networking.karmada.io", "multiclusterservices", admissionv1.NamespacedScope, createUpdate, 3},
	{"resourcebinding.karmada.io", "/validate-resourcebinding", "work.karmada.io", "resourcebindings", admissionv1.NamespacedScope, createUpdate, 3},
}

// deletionProtection guards every object labelled
// resourcetemplate.karmada.io/deletion-protected, whatever its kind.
var deletionProtection = webhookRule{"resourcedeletionprotection.karmada.io", "/validate-resourcedeletionprotection", "*", "*", admissionv1.AllScopes, []admissionv1.OperationType{admissionv1.Delete}, 3}

func (r webhookRule) clientConfig(base string, caPEM []byte) admissionv1.WebhookClientConfig {
	return admissionv1.WebhookClientConfig{URL: ptr.To(base + r.path), CABundle: caPEM}
}

func (r webhookRule) rules() []admissionv1.RuleWithOperations {
	return []admissionv1.RuleWithOperations{{
		Operations: r.ops,
		Rule: admissionv1.Rule{
			APIGroups:   []string{r.group},
			APIVersions: []string{"*"},
			Resources:   []string{r.resource},
			Scope:       ptr.To(r.scope),
		},
	}}
}

// registerWebhooks writes Karmada's Mutating/ValidatingWebhookConfigurations
// (named as in Karmada's chart) with url clientConfigs pointing at the
// webhook on loopback. Rewritten on every "up": the port may have changed.
func registerWebhooks(ctx context.Context, core kubernetes.Interface, port int, caPEM []byte) error {
	base := loopbackURL("https", port)
	fail := ptr.To(admissionv1.Fail)
	mutating := &admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "mutating-config", Labels: map[string]string{"app": "karmada-webhook"}}}
	for _, r := range mutatingRules {
		mutating.Webhooks = append(mutating.Webhooks, admissionv1.MutatingWebhook{
			Name: r.name, ClientConfig: r.clientConfig(base, caPEM), Rules: r.rules(),
			FailurePolicy: fail, SideEffects: ptr.To(admissionv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr.To(r.timeout),
		})
	}
	validating := &admissionv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "validating-config", Labels: map[string]string{"app": "karmada-webhook"}}}
	for _, r := range append(append([]webhookRule{}, validatingRules...), deletionProtection) {
		hook := admissionv1.ValidatingWebhook{
			Name: r.name, ClientConfig: r.clientConfig(base, caPEM), Rules: r.rules(),
			FailurePolicy: fail, SideEffects: ptr.To(admissionv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr.To(r.timeout),
		}
		switch r.name {
		case "resourcebinding.karmada.io":
			hook.SideEffects = ptr.To(admissionv1.SideEffectClassNoneOnDryRun)
		case deletionProtection.name:
			hook.ObjectSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "resourcetemplate.karmada.io/deletion-protected", Operator: metav1.LabelSelectorOpExists,
			}}}
		}
		validating.Webhooks = append(validating.Webhooks, hook)
	}
	if err := writeMutating(ctx, core, mutating); err != nil {
		return fmt.Errorf("writing MutatingWebhookConfiguration %s: %w", mutating.Name, err)
	}
	if err := writeValidating(ctx, core, validating); err != nil {
		return fmt.Errorf("writing ValidatingWebhookConfiguration %s: %w", validating.Name, err)
	}
	return nil
}

func writeMutating(ctx context.Context, core kubernetes.Interface, cfg *admissionv1.MutatingWebhookConfiguration) error {
	api := core.AdmissionregistrationV1().MutatingWebhookConfigurations()
	old, err := api.Get(ctx, cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, cfg, metav1.CreateOptions{})
		return err
	}
	if err == nil {
		cfg.ResourceVersion = old.ResourceVersion
		_, err = api.Update(ctx, cfg, metav1.UpdateOptions{})
	}
	return err
}

func writeValidating(ctx context.Context, core kubernetes.Interface, cfg *admissionv1.ValidatingWebhookConfiguration) error {
	api := core.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	old, err := api.Get(ctx, cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, cfg, metav1.CreateOptions{})
		return err
	}
	if err == nil {
		cfg.ResourceVersion = old.ResourceVersion
		_, err = api.Update(ctx, cfg, metav1.UpdateOptions{})
	}
	return err
}

// convertBindings points the conversion of (Cluster)ResourceBindings at the
// webhook, as Karmada's installs patch those CRDs, so v1alpha1 and
// v1alpha2 clients see each other's objects converted.
func convertBindings(ctx context.Context, ext apiextensionsclient.Interface, port int, caPEM []byte) error {
	conversion := &apiextensionsv1.CustomResourceConversion{
		Strategy: apiextensionsv1.WebhookConverter,
		Webhook: &apiextensionsv1.WebhookConversion{
			ClientConfig:             &apiextensionsv1.WebhookClientConfig{URL: ptr.To(loopbackURL("https", port) + "/convert"), CABundle: caPEM},
			ConversionReviewVersions: []string{"v1"},
		},
	}
	api := ext.ApiextensionsV1().CustomResourceDefinitions()
	for _, name := range []string{"resourcebindings.work.karmada.io", "clusterresourcebindings.work.karmada.io"} {
		crd, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		crd.Spec.Conversion = conversion
		if _, err := api.Update(ctx, crd, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("enabling conversion for %s: %w", name, err)
		}
	}
	return nil
}

var mcsGVR = schema.GroupVersionResource{Group: "networking.karmada.io", Version: "v1alpha1", Resource: "multiclusterservices"}

// waitWebhookServing returns once kube-apiserver calls the webhook for
// MultiClusterServices: a server-side dry run of a create comes back with
// the permanent-id label. A new webhook configuration takes a moment to
// reach the apiserver's admission chain, and tests apply MCS right away.
func waitWebhookServing(ctx context.Context, dyn dynamic.Interface) error {
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.karmada.io/v1alpha1",
		"kind":       "MultiClusterService",
		"metadata":   map[string]any{"name": "sandbox-webhook-probe", "namespace": "default"},
		"spec":       map[string]any{"types": []any{"CrossCluster"}},
	}}
	return poll(ctx, "karmada-webhook to label MultiClusterServices", func() (bool, error) {
		got, err := dyn.Resource(mcsGVR).Namespace("default").Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return false, err
		}
		_, labelled := got.GetLabels()["multiclusterservice.karmada.io/permanent-id"]
		return labelled, nil
	})
}

// parallel runs fns concurrently and joins their errors.
func parallel(fns ...func() error) error {
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn() }()
	}
	var all []error
	for range fns {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}
