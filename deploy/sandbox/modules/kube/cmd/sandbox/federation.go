package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"k8s.io/client-go/kubernetes"
)

// bringUpFederation is bringUp for --karmada: the control plane of the
// default sandbox plus one kube-apiserver per member cluster, Karmada's
// webhook, scheduler and controller-manager, and kube-controller-manager.
// The members are registered in Push mode and everything about them that
// Karmada reports (status, Works, bindings) comes from Karmada itself.
// Every step is idempotent, so it also completes a half-started sandbox.
func (s *sandbox) bringUpFederation(ctx context.Context, st *State, opts upOptions, clusters []string) (*upReport, error) {
	if err := s.requireBinaries("up --karmada", binWebhook, binScheduler, binControllerManager, binKCM); err != nil {
		return nil, err
	}
	if err := ensureFederationPKI(s.pki); err != nil {
		return nil, fmt.Errorf("generating certificates: %w", err)
	}
	// A member once added keeps running: its Cluster stays registered.
	for _, c := range clusters {
		if !slices.Contains(st.Clusters, c) {
			st.Clusters = append(st.Clusters, c)
		}
	}
	if err := s.startAPIServers(ctx, st); err != nil {
		return nil, err
	}
	if err := s.writeKubeconfigs(st.APIServerURL); err != nil {
		return nil, err
	}
	karmadaID, err := loadIdentity(s.pki, karmadaClientName)
	if err != nil {
		return nil, err
	}
	if err := writeKubeconfig(karmadaKubeconfigPath(s.dir), st.APIServerURL, "karmada", karmadaID); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "members"), 0o755); err != nil {
		return nil, err
	}
	if err := s.writeMemberKubeconfigs(st); err != nil {
		return nil, err
	}
	clients, err := newClients(restConfig(st.APIServerURL, s.admin))
	if err != nil {
		return nil, err
	}
	etcdURL := st.component(compEtcd).URL
	// The aggregated apiserver, the webhook and kube-controller-manager
	// boot while the CRDs are being installed.
	err = parallel(
		func() error {
			return s.ensureComponent(ctx, st, compAggregated, 1, func(p []int) *Component {
				return s.aggregatedComponent(p[0], etcdURL)
			})
		},
		func() error { return s.ensureComponent(ctx, st, compWebhook, 3, s.webhookComponent) },
		func() error {
			return s.ensureComponent(ctx, st, compKubeControllerManager, 1, func(p []int) *Component { return s.kcmComponent(p[0]) })
		},
		func() error { return s.installAPIs(ctx, st, clients, namespacesFor(opts.namespaces, st.Clusters)) },
	)
	if err != nil {
		return nil, err
	}
	webhookPort := st.component(compWebhook).Port
	if err := registerWebhooks(ctx, clients.core, webhookPort, s.admin.caPEM); err != nil {
		return nil, err
	}
	if err := convertBindings(ctx, clients.ext, webhookPort, s.admin.caPEM); err != nil {
		return nil, err
	}
	if err := s.provisionClusterAPI(ctx, st, clients); err != nil {
		return nil, err
	}
	// The scheduler and the controller-manager need the Cluster API (the
	// controller-manager exits if a kind it watches is not served when it
	// starts); they boot while the members join.
	err = parallel(
		func() error { return s.registerMembers(ctx, st, clients) },
		func() error { return s.ensureComponent(ctx, st, compScheduler, 2, s.schedulerComponent) },
		func() error {
			return s.ensureComponent(ctx, st, compControllerManager, 2, s.controllerManagerComponent)
		},
	)
	if err != nil {
		return nil, err
	}
	report := &upReport{}
	var refs []mcsRef
	if opts.servicesFor != "" {
		if refs, err = s.controlPlaneServices(ctx, clients, opts.servicesFor, report); err != nil {
			return nil, err
		}
	}
	err = parallel(
		func() error { return waitWebhookServing(ctx, clients.dynamic) },
		func() error {
			if err := s.waitMembersReady(ctx, st, clients); err != nil {
				return err
			}
			// Karmada creates the namespaces in the members once they are
			// Ready; the providers' Services and slices go into them.
			if err := s.memberNamespaces(ctx, st, refs); err != nil {
				return err
			}
			report.slicesCreated, err = s.provisionMemberServices(ctx, st, refs)
			return err
		},
	)
	return report, err
}

// requireBinaries checks for binaries the wrapper builds only for some
// commands ("up --karmada", "up --forge").
func (s *sandbox) requireBinaries(command string, names ...string) error {
	for _, bin := range names {
		if _, err := os.Stat(filepath.Join(s.binDir, bin)); err != nil {
			return fmt.Errorf("%s is missing next to the launcher in %s; run deploy/sandbox/sandbox %s, which builds it", bin, s.binDir, command)
		}
	}
	return nil
}

// startAPIServers starts etcd, then the control plane's and every
// member's kube-apiserver at once (their start-up is mostly waiting).
func (s *sandbox) startAPIServers(ctx context.Context, st *State) error {
	if err := s.ensureComponent(ctx, st, compEtcd, 2, s.etcdComponent); err != nil {
		return err
	}
	etcdURL := st.component(compEtcd).URL
	starts := []func() error{func() error {
		return s.ensureComponent(ctx, st, compAPIServer, 1, func(p []int) *Component {
			return s.apiserverComponent(p[0], etcdURL)
		})
	}}
	for _, cluster := range st.Clusters {
		starts = append(starts, func() error {
			return s.ensureComponent(ctx, st, memberComponent(cluster), 1, func(p []int) *Component {
				return s.memberAPIServerComponent(cluster, p[0], etcdURL)
			})
		})
	}
	if err := parallel(starts...); err != nil {
		return err
	}
	st.APIServerURL = st.component(compAPIServer).URL
	return nil
}

// provisionClusterAPI makes kube-apiserver serve cluster.karmada.io
// through the aggregated apiserver and waits until it answers.
func (s *sandbox) provisionClusterAPI(ctx context.Context, st *State, c *clients) error {
	version, err := c.discovery.ServerVersion()
	if err != nil {
		return err
	}
	st.KubernetesVersion = version.GitVersion
	agg := st.component(compAggregated)
	if err := registerClusterAPI(ctx, c.core, c.aggregator, agg.Port, s.admin.caPEM); err != nil {
		return err
	}
	if err := waitClusterAPI(ctx, c.aggregator, c.discovery, c.dynamic); err != nil {
		return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, agg.Log, tailLog(agg.Log, 25))
	}
	return nil
}

// registerMembers joins every member in Push mode.
func (s *sandbox) registerMembers(ctx context.Context, st *State, c *clients) error {
	token, err := memberToken(s.pki)
	if err != nil {
		return err
	}
	var joins []func() error
	for _, cluster := range st.Clusters {
		joins = append(joins, func() error {
			url, err := s.memberURL(st, cluster)
			if err != nil {
				return err
			}
			member, err := kubernetes.NewForConfig(restConfig(url, s.admin))
			if err != nil {
				return err
			}
			id, err := clusterID(ctx, member)
			if err != nil {
				return fmt.Errorf("cluster %s: %w", cluster, err)
			}
			return registerPushMember(ctx, c.core, c.dynamic, memberCluster{
				name:     cluster,
				endpoint: url,
				token:    token,
				caPEM:    s.admin.caPEM,
				id:       id,
			})
		})
	}
	return parallel(joins...)
}

// controlPlaneServices creates the control plane's Service (and
// namespace) behind every MCS under path.
func (s *sandbox) controlPlaneServices(ctx context.Context, c *clients, path string, report *upReport) ([]mcsRef, error) {
	refs, err := findMultiClusterServices(path)
	if err != nil {
		return nil, err
	}
	report.mcsFound = len(refs)
	report.servicesCreated, err = ensureServices(ctx, c.core, refs)
	return refs, err
}

// waitMembersReady waits for Karmada to report the members Ready, with
// the controller-manager's log in the error if it does not.
func (s *sandbox) waitMembersReady(ctx context.Context, st *State, c *clients) error {
	if err := waitClustersReady(ctx, c.dynamic, st.Clusters); err != nil {
		cm := st.component(compControllerManager)
		return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, cm.Log, tailLog(cm.Log, 25))
	}
	return nil
}

// printFederation adds the members and Karmada's components to the summary.
func printFederation(out io.Writer, st *State) {
	for _, cluster := range st.Clusters {
		if c := st.component(memberComponent(cluster)); c != nil {
			fmt.Fprintf(out, "  member      %-10s %s  kubeconfig %s\n", cluster, c.URL, st.MemberKubeconfigs[cluster])
		}
	}
	fmt.Fprintf(out, "  karmada     webhook, scheduler, controller-manager (MultiClusterService=true), kube-controller-manager\n")
}
