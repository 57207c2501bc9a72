package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Members have no kubelets and no endpoint controllers, so the sandbox
// writes the EndpointSlices a workload would have. The managed-by value
// says who wrote them; Karmada only skips slices that carry its own.
const (
	sliceManagedBy       = "sandbox.mcs-gitops.local"
	defaultEndpointCount = 2
	maxEndpoints         = 1000 // the EndpointSlice API's limit
)

// sliceName is unique per cluster, as Karmada requires of the slices it
// collects: "foo" in clusterb gets "foo-clusterb" (Karmada's copy in a
// consumer is then "clusterb-foo-clusterb").
func sliceName(service, cluster string) string { return service + "-" + cluster }

// endpointAddress gives endpoint i of a Service in a cluster an address
// that is unique across clusters and Services (within 10.100.0.0/9), so a
// consumer's view shows which provider each endpoint came from.
func endpointAddress(clusterIndex int, namespace, service string, i int) string {
	h := fnv.New32a()
	h.Write([]byte(namespace + "/" + service))
	third := (int(h.Sum32()%250) + i/250) % 256
	return fmt.Sprintf("10.%d.%d.%d", 100+clusterIndex%150, third, i%250+1)
}

// endpointSlice builds the slice of count ready endpoints for a Service
// with the given ports (targetPort when numeric, as the endpoint
// controller would).
func endpointSlice(namespace, service, cluster string, clusterIndex, count int, ports []corev1.ServicePort) *discoveryv1.EndpointSlice {
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name:      sliceName(service, cluster),
			Namespace: namespace,
			Labels: map[string]string{
				discoveryv1.LabelServiceName: service,
				discoveryv1.LabelManagedBy:   sliceManagedBy,
			},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, p := range ports {
		port := p.Port
		if p.TargetPort.IntVal > 0 {
			port = p.TargetPort.IntVal
		}
		protocol := p.Protocol
		if protocol == "" {
			protocol = corev1.ProtocolTCP
		}
		slice.Ports = append(slice.Ports, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(port), Protocol: ptr.To(protocol)})
	}
	for i := range count {
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
			Addresses: []string{endpointAddress(clusterIndex, namespace, service, i)},
			Conditions: discoveryv1.EndpointConditions{
				Ready: ptr.To(true), Serving: ptr.To(true), Terminating: ptr.To(false),
			},
		})
	}
	return slice
}

// provisionMemberServices gives the providers of every MCS found what a
// workload would: the Service and a slice of two ready endpoints.
// Consumers get the Service from Karmada, as in a real federation.
// Existing objects are left alone, since tests may have changed them
// ("sandbox endpoints").
func (s *sandbox) provisionMemberServices(ctx context.Context, st *State, refs []mcsRef) (int, error) {
	created := 0
	for _, ref := range refs {
		for _, cluster := range providersOf(ref, st.Clusters) {
			index := slices.Index(st.Clusters, cluster)
			if index < 0 {
				fmt.Fprintf(os.Stderr, "sandbox: %s/%s names provider cluster %q, which is not a member; no endpoints there\n", ref.Namespace, ref.Name, cluster)
				continue
			}
			member, err := s.memberClient(st, cluster)
			if err != nil {
				return created, err
			}
			n, err := ensureProviderEndpoints(ctx, member, ref, cluster, index)
			if err != nil {
				return created, fmt.Errorf("cluster %s: %w", cluster, err)
			}
			created += n
		}
	}
	return created, nil
}

// memberNamespaces returns once every member has the namespaces of all
// MCS found, so a test can write into any member right after "up".
// Karmada's namespace controller propagates control-plane namespaces to
// every member; the few it never propagates are created directly.
func (s *sandbox) memberNamespaces(ctx context.Context, st *State, refs []mcsRef) error {
	var propagated, direct []string
	for _, ref := range refs {
		if karmadaPropagates(ref.Namespace) {
			propagated = append(propagated, ref.Namespace)
		} else {
			direct = append(direct, ref.Namespace)
		}
	}
	members := map[string]kubernetes.Interface{}
	for _, cluster := range st.Clusters {
		member, err := s.memberClient(st, cluster)
		if err != nil {
			return err
		}
		if err := ensureNamespaces(ctx, member, direct); err != nil {
			return fmt.Errorf("cluster %s: %w", cluster, err)
		}
		members[cluster] = member
	}
	var missing []string
	err := poll(ctx, "Karmada to propagate the MCS namespaces to every member", func() (bool, error) {
		missing = missing[:0]
		for _, cluster := range st.Clusters {
			for _, ns := range propagated {
				if _, err := members[cluster].CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
					missing = append(missing, cluster+"/"+ns)
				}
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil && len(missing) > 0 {
		return fmt.Errorf("%w; missing: %s", err, strings.Join(missing, ", "))
	}
	return err
}

// karmadaPropagates applies the namespace controller's default skip list
// (kube-*, and Karmada's reserved namespaces); "default" exists anyway.
func karmadaPropagates(ns string) bool {
	return ns != "default" && ns != "karmada-system" && ns != "karmada-cluster" &&
		!strings.HasPrefix(ns, "kube-") && !strings.HasPrefix(ns, "karmada-es-")
}

func providersOf(ref mcsRef, clusters []string) []string {
	if len(ref.Providers) == 0 {
		return clusters
	}
	return ref.Providers
}

// ensureProviderEndpoints creates the Service and its slice in a provider
// unless they exist; it returns how many slices it created.
func ensureProviderEndpoints(ctx context.Context, member kubernetes.Interface, ref mcsRef, cluster string, index int) (int, error) {
	if err := ensureNamespaces(ctx, member, []string{ref.Namespace}); err != nil {
		return 0, err
	}
	ports := servicePorts(ref.Ports)
	svc := serviceFor(ref.Namespace, ref.Name, ports)
	if _, err := member.CoreV1().Services(ref.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return 0, fmt.Errorf("creating Service %s/%s: %w", ref.Namespace, ref.Name, err)
	}
	slice := endpointSlice(ref.Namespace, ref.Name, cluster, index, defaultEndpointCount, ports)
	_, err := member.DiscoveryV1().EndpointSlices(ref.Namespace).Create(ctx, slice, metav1.CreateOptions{})
	switch {
	case err == nil:
		return 1, nil
	case apierrors.IsAlreadyExists(err):
		return 0, nil
	default:
		return 0, fmt.Errorf("creating EndpointSlice %s/%s: %w", ref.Namespace, slice.Name, err)
	}
}

// cmdEndpoints sets the number of ready endpoints a member cluster has for
// a Service, the way a workload scaling (or failing) would change them.
func cmdEndpoints(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("endpoints", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	cluster := fs.String("cluster", "", "member cluster (required)")
	service := fs.String("service", "", "NAMESPACE/NAME of the Service (required; NAME alone means namespace default)")
	count := fs.Int("count", defaultEndpointCount, fmt.Sprintf("ready endpoints to publish, 0..%d; 0 deletes the EndpointSlice", maxEndpoints))
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *cluster == "" || *service == "" {
		return errors.New("usage: sandbox endpoints --dir DIR --cluster CLUSTER --service NAMESPACE/NAME --count N")
	}
	if *count < 0 || *count > maxEndpoints {
		return fmt.Errorf("--count must be between 0 and %d", maxEndpoints)
	}
	namespace, name, ok := strings.Cut(*service, "/")
	if !ok {
		namespace, name = "default", *service
	}
	d, err := requireDir(*dir)
	if err != nil {
		return err
	}
	st, err := loadExisting(d)
	if err != nil {
		return err
	}
	if !st.Karmada {
		return fmt.Errorf("the sandbox under %s has no member clusters (it was brought up without --karmada)", d)
	}
	index := slices.Index(st.Clusters, *cluster)
	if index < 0 {
		return fmt.Errorf("%q is not a member cluster (members: %s)", *cluster, strings.Join(st.Clusters, ", "))
	}
	sb, err := newSandbox(d)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	msg, err := sb.setEndpoints(ctx, st, *cluster, index, namespace, name, *count)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, msg)
	return nil
}

// setEndpoints creates or updates the Service and its slice in the member;
// count 0 deletes the slice and keeps the Service.
func (s *sandbox) setEndpoints(ctx context.Context, st *State, cluster string, index int, namespace, name string, count int) (string, error) {
	member, err := s.memberClient(st, cluster)
	if err != nil {
		return "", err
	}
	slices := member.DiscoveryV1().EndpointSlices(namespace)
	sliceID := namespace + "/" + sliceName(name, cluster)
	if count == 0 {
		err := slices.Delete(ctx, sliceName(name, cluster), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return "", fmt.Errorf("deleting EndpointSlice %s in %s: %w", sliceID, cluster, err)
		}
		return fmt.Sprintf("%s: %s/%s has no endpoints (EndpointSlice %s deleted)", cluster, namespace, name, sliceID), nil
	}
	ports, err := s.memberServicePorts(ctx, st, member, namespace, name)
	if err != nil {
		return "", err
	}
	want := endpointSlice(namespace, name, cluster, index, count, ports)
	existing, err := slices.Get(ctx, want.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, want, metav1.CreateOptions{})
	case err == nil:
		existing.Labels, existing.Ports, existing.Endpoints = want.Labels, want.Ports, want.Endpoints
		_, err = slices.Update(ctx, existing, metav1.UpdateOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("writing EndpointSlice %s in %s: %w", sliceID, cluster, err)
	}
	return fmt.Sprintf("%s: %s/%s has %d ready endpoints (EndpointSlice %s)", cluster, namespace, name, count, sliceID), nil
}

// memberServicePorts makes sure the member has the Service and returns its
// ports. A new Service copies the control plane's ports when it has one
// (that is the Service Karmada propagates), else gets port 80.
func (s *sandbox) memberServicePorts(ctx context.Context, st *State, member kubernetes.Interface, namespace, name string) ([]corev1.ServicePort, error) {
	if svc, err := member.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
		return svc.Spec.Ports, nil
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	ports := servicePorts(nil)
	control, err := kubernetes.NewForConfig(restConfig(st.APIServerURL, s.admin))
	if err != nil {
		return nil, err
	}
	if svc, err := control.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
		ports = svc.Spec.Ports
		for i := range ports {
			ports[i].NodePort = 0
		}
	}
	if err := ensureNamespaces(ctx, member, []string{namespace}); err != nil {
		return nil, err
	}
	_, err = member.CoreV1().Services(namespace).Create(ctx, serviceFor(namespace, name, ports), metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating Service %s/%s: %w", namespace, name, err)
	}
	return ports, nil
}
