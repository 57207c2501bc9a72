package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	aggregatorclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset"
)

// Environment set by deploy/sandbox/sandbox so the launcher can find the
// Go modules (for Karmada's CRDs) and the repository's example config.
const (
	envModules = "MCS_GITOPS_SANDBOX_MODULES"
	envRoot    = "MCS_GITOPS_SANDBOX_ROOT"
)

type upOptions struct {
	dir             string
	clusters        listFlag
	namespaces      listFlag
	servicesFor     string
	clusterVersions pairFlag
	karmada         bool
	forge           bool
	timeout         time.Duration
}

func cmdUp(args []string, out io.Writer) error {
	opts := upOptions{clusterVersions: pairFlag{}}
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.StringVar(&opts.dir, "dir", "", "directory holding all state of this sandbox (required)")
	fs.Var(&opts.clusters, "clusters", "member Cluster names, comma-separated (default: clusters: of examples-repo/mcs-gitops.yaml, else "+strings.Join(defaultClusters, ",")+")")
	fs.Var(&opts.namespaces, "namespaces", "extra namespaces to create, comma-separated")
	fs.StringVar(&opts.servicesFor, "services-for", "", "create the Service behind every MultiClusterService found in *.yaml/*.yml under this path")
	fs.Var(opts.clusterVersions, "cluster-version", "NAME=VERSION: kubernetesVersion to report for one Cluster (repeatable)")
	fs.BoolVar(&opts.karmada, "karmada", false, "also run member kube-apiservers and Karmada's webhook, scheduler and controller-manager (MultiClusterService on); kept for DIR's lifetime")
	fs.BoolVar(&opts.forge, "forge", false, "also run a Gitea forge (admin user and API token, see \"sandbox env\"); kept for DIR's lifetime")
	fs.DurationVar(&opts.timeout, "timeout", 5*time.Minute, "give up if not ready within this time")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("up: unexpected arguments %v", rest)
	}
	if opts.dir, err = requireDir(opts.dir); err != nil {
		return err
	}
	if opts.karmada && len(opts.clusterVersions) > 0 {
		return errors.New("--cluster-version cannot be used with --karmada: each member reports the version of its own kube-apiserver")
	}
	return up(opts, out)
}

func up(opts upOptions, out io.Writer) error {
	began := time.Now()
	clusters, err := chooseClusters(opts.clusters)
	if err != nil {
		return err
	}
	for _, sub := range []string{"logs", "data"} {
		if err := os.MkdirAll(filepath.Join(opts.dir, sub), 0o755); err != nil {
			return err
		}
	}
	unlock, err := lockDir(opts.dir)
	if err != nil {
		return err
	}
	defer unlock()

	st, err := loadState(opts.dir)
	if err == nil {
		if err := checkMode(st, &opts); err != nil {
			return err
		}
	}
	if err == nil && allAlive(st) && !addsMembers(st, opts, clusters) && !addsForge(st, opts) {
		fmt.Fprintf(out, "sandbox under %s is already up\n", opts.dir)
		printSummary(out, st, nil)
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	sb, err := newSandbox(opts.dir)
	if err != nil {
		return err
	}
	if st == nil {
		st = &State{Dir: opts.dir, Karmada: opts.karmada}
	}
	if opts.forge {
		st.Forge = true
	}
	st.BinDir, st.Kubeconfig = sb.binDir, kubeconfigPath(opts.dir)

	// Ctrl-C or SIGTERM ends the wait like a timeout does: the state is
	// saved so "down" can still stop what was started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	report, err := sb.bringUp(ctx, st, opts, clusters)
	if err != nil {
		_ = sb.saveState(st)
		return fmt.Errorf("%w\n(processes started so far keep running; stop them with: sandbox down --dir %s)", err, opts.dir)
	}
	if err := sb.saveState(st); err != nil {
		return err
	}
	report.elapsed = time.Since(began)
	printSummary(out, st, report)
	return nil
}

// checkMode keeps DIR in the mode it was first brought up in: a plain
// sandbox has Clusters with a made-up status that Karmada would fight
// over, so it cannot become a federation; a federation stays one when
// "up" is run again without --karmada.
func checkMode(st *State, opts *upOptions) error {
	if st.Karmada {
		if len(opts.clusterVersions) > 0 {
			return errors.New("--cluster-version cannot be used with --karmada: each member reports the version of its own kube-apiserver")
		}
		opts.karmada = true
		return nil
	}
	if opts.karmada {
		if len(st.Components) > 0 {
			return fmt.Errorf("%s was brought up without --karmada; use a new directory for a sandbox with Karmada's controllers", st.Dir)
		}
		st.Karmada = true
	}
	return nil
}

// upReport is what the summary says beyond the state.
type upReport struct {
	elapsed         time.Duration
	servicesCreated int
	mcsFound        int
	slicesCreated   int
}

func newSandbox(dir string) (*sandbox, error) {
	binDir, err := executableDir()
	if err != nil {
		return nil, err
	}
	for _, bin := range []string{binEtcd, binAPIServer, binAggregated} {
		if _, err := os.Stat(filepath.Join(binDir, bin)); err != nil {
			return nil, fmt.Errorf("%s is missing next to the launcher in %s; run deploy/sandbox/sandbox, which builds it", bin, binDir)
		}
	}
	pki, err := ensurePKI(dir)
	if err != nil {
		return nil, fmt.Errorf("generating certificates: %w", err)
	}
	admin, err := loadIdentity(pki, adminName)
	if err != nil {
		return nil, err
	}
	return &sandbox{dir: dir, binDir: binDir, pki: pki, admin: admin}, nil
}

func executableDir() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return "", err
	}
	return filepath.Dir(exe), nil
}

// chooseClusters: the flag wins, then the example repository's config, then
// the built-in four.
func chooseClusters(flagged []string) ([]string, error) {
	names := flagged
	if len(names) == 0 {
		if root := os.Getenv(envRoot); root != "" {
			fromConfig, err := clusterNamesFromConfig(filepath.Join(root, "examples-repo", "mcs-gitops.yaml"))
			if err != nil {
				return nil, err
			}
			names = fromConfig
		}
	}
	if len(names) == 0 {
		names = defaultClusters
	}
	return names, validateClusterNames(names)
}

// bringUp starts whatever is not running, then provisions the API objects,
// then the forge. Every step is idempotent, so it also completes a
// half-started sandbox. When the control plane (and every member asked
// for) already runs, only the forge is seen to, as when it is added to a
// running sandbox.
func (s *sandbox) bringUp(ctx context.Context, st *State, opts upOptions, clusters []string) (*upReport, error) {
	report := &upReport{}
	if !kubeAlive(st) || addsMembers(st, opts, clusters) {
		var err error
		if report, err = s.bringUpKube(ctx, st, opts, clusters); err != nil {
			return nil, err
		}
	}
	if st.Forge {
		if err := s.ensureForge(ctx, st); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// bringUpKube is the control plane: the default sandbox or a federation.
func (s *sandbox) bringUpKube(ctx context.Context, st *State, opts upOptions, clusters []string) (*upReport, error) {
	if st.Karmada {
		return s.bringUpFederation(ctx, st, opts, clusters)
	}
	if err := s.ensureComponent(ctx, st, compEtcd, 2, s.etcdComponent); err != nil {
		return nil, err
	}
	etcdURL := st.component(compEtcd).URL
	if err := s.ensureComponent(ctx, st, compAPIServer, 1, func(p []int) *Component {
		return s.apiserverComponent(p[0], etcdURL)
	}); err != nil {
		return nil, err
	}
	st.APIServerURL = st.component(compAPIServer).URL
	if err := s.writeKubeconfigs(st.APIServerURL); err != nil {
		return nil, err
	}

	// The aggregated apiserver boots while the CRDs are being installed.
	aggDone := make(chan error, 1)
	go func() {
		aggDone <- s.ensureComponent(ctx, st, compAggregated, 1, func(p []int) *Component {
			return s.aggregatedComponent(p[0], etcdURL)
		})
	}()
	clients, err := newClients(restConfig(st.APIServerURL, s.admin))
	if err == nil {
		err = s.installAPIs(ctx, st, clients, namespacesFor(opts.namespaces, clusters))
	}
	if aggErr := <-aggDone; aggErr != nil {
		return nil, aggErr
	}
	if err != nil {
		return nil, err
	}
	return s.provision(ctx, st, clients, opts, clusters)
}

// ensureComponent starts a component unless it is running. Its command
// line is rebuilt every time (so it always points at the current ports of
// the components it depends on) but it keeps its old ports when it can.
func (s *sandbox) ensureComponent(ctx context.Context, st *State, name string, nports int, build func([]int) *Component) error {
	var preferred []int
	s.mu.Lock()
	c := st.component(name)
	s.mu.Unlock()
	if c != nil {
		if alive(c) {
			return nil
		}
		preferred = c.portList()
		fmt.Fprintf(os.Stderr, "sandbox: starting %s again\n", name)
	}
	c, err := s.launch(ctx, nports, preferred, build)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.setComponent(c)
	// Saved at once, so an interrupted "up" leaves no process unrecorded.
	return st.save()
}

// saveState writes state.json; the mutex orders it with the concurrent
// start of the aggregated apiserver.
func (s *sandbox) saveState(st *State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.save()
}

func (s *sandbox) writeKubeconfigs(server string) error {
	if err := writeKubeconfig(kubeconfigPath(s.dir), server, "sandbox-admin", s.admin); err != nil {
		return err
	}
	aggID, err := loadIdentity(s.pki, aggregatedClientName)
	if err != nil {
		return err
	}
	return writeKubeconfig(aggregatedKubeconfigPath(s.dir), server, "aggregated-apiserver", aggID)
}

// namespacesFor: the user's, Karmada's system namespaces, and one
// execution namespace per member cluster.
func namespacesFor(extra, clusters []string) []string {
	names := append([]string{"karmada-system", "karmada-cluster"}, extra...)
	for _, c := range clusters {
		names = append(names, "karmada-es-"+c)
	}
	return names
}

// clients are the API clients of the control plane.
type clients struct {
	core       kubernetes.Interface
	ext        apiextensionsclient.Interface
	aggregator aggregatorclient.Interface
	dynamic    dynamic.Interface
	discovery  discovery.DiscoveryInterface
}

func newClients(cfg *rest.Config) (*clients, error) {
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	ext, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	agg, err := aggregatorclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &clients{core: core, ext: ext, aggregator: agg, dynamic: dyn, discovery: core.Discovery()}, nil
}

// installAPIs creates namespaces and Karmada's CRDs.
func (s *sandbox) installAPIs(ctx context.Context, st *State, c *clients, namespaces []string) error {
	if err := ensureNamespaces(ctx, c.core, namespaces); err != nil {
		return err
	}
	if err := aggregateClusterRoles(ctx, c.core); err != nil {
		return err
	}
	modules := os.Getenv(envModules)
	if modules == "" {
		return fmt.Errorf("%s is not set; start the sandbox through deploy/sandbox/sandbox", envModules)
	}
	crdDir, version, err := karmadaCRDDir(modules)
	if err != nil {
		return fmt.Errorf("locating Karmada's CRDs: %w", err)
	}
	s.mu.Lock()
	st.KarmadaVersion = version
	s.mu.Unlock()
	crds, err := readCRDs(crdDir)
	if err != nil {
		return err
	}
	return installCRDs(ctx, c.ext, crds)
}

// provision registers the Cluster API, the member Clusters and the
// Services behind MultiClusterServices.
func (s *sandbox) provision(ctx context.Context, st *State, c *clients, opts upOptions, clusters []string) (*upReport, error) {
	version, err := c.discovery.ServerVersion()
	if err != nil {
		return nil, err
	}
	st.KubernetesVersion = version.GitVersion
	agg := st.component(compAggregated)
	if err := registerClusterAPI(ctx, c.core, c.aggregator, agg.Port, s.admin.caPEM); err != nil {
		return nil, err
	}
	if err := waitClusterAPI(ctx, c.aggregator, c.discovery, c.dynamic); err != nil {
		return nil, fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, agg.Log, tailLog(agg.Log, 25))
	}
	for _, name := range clusters {
		v := st.KubernetesVersion
		if override, ok := opts.clusterVersions[name]; ok {
			v = override
		}
		if err := registerCluster(ctx, c.dynamic, name, v); err != nil {
			return nil, err
		}
	}
	st.Clusters = clusters
	report := &upReport{}
	if opts.servicesFor != "" {
		refs, err := findMultiClusterServices(opts.servicesFor)
		if err != nil {
			return nil, err
		}
		report.mcsFound = len(refs)
		if report.servicesCreated, err = ensureServices(ctx, c.core, refs); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// addsMembers tells whether "up --karmada --clusters" on a running
// federation names a cluster it does not have yet: that member is started
// and joined, the others are left as they are.
func addsMembers(st *State, opts upOptions, clusters []string) bool {
	if !st.Karmada || len(opts.clusters) == 0 {
		return false
	}
	for _, name := range clusters {
		if !slices.Contains(st.Clusters, name) {
			return true
		}
	}
	return false
}

// addsForge: "up --forge" on a DIR that has no forge yet.
func addsForge(st *State, opts upOptions) bool { return opts.forge && !st.Forge }

// kubeAlive: every component but the forge runs.
func kubeAlive(st *State) bool {
	for _, name := range st.kubeOrder() {
		if c := st.component(name); c == nil || !alive(c) {
			return false
		}
	}
	return true
}

func allAlive(st *State) bool {
	if len(st.Components) < len(st.order()) {
		return false
	}
	for _, c := range st.Components {
		if !alive(c) {
			return false
		}
	}
	return true
}

func printSummary(out io.Writer, st *State, r *upReport) {
	if r != nil {
		fmt.Fprintf(out, "sandbox up in %.1fs (dir %s)\n", r.elapsed.Seconds(), st.Dir)
	}
	fmt.Fprintf(out, "  apiserver   %s (%s)\n", st.APIServerURL, st.KubernetesVersion)
	fmt.Fprintf(out, "  kubeconfig  %s\n", st.Kubeconfig)
	fmt.Fprintf(out, "  kubectl     %s\n", filepath.Join(st.BinDir, binKubectl))
	fmt.Fprintf(out, "  clusters    %s (Karmada %s API)\n", strings.Join(st.Clusters, ", "), st.KarmadaVersion)
	if st.Karmada {
		printFederation(out, st)
	}
	if c := st.component(compForge); st.Forge && c != nil {
		fmt.Fprintf(out, "  forge       %s (Gitea %s, user %s, token in %s)\n", c.URL, st.ForgeVersion, st.ForgeUser, forgeTokenPath(st.Dir))
	}
	if r != nil && r.mcsFound > 0 {
		fmt.Fprintf(out, "  services    %d MultiClusterServices found, %d Services created", r.mcsFound, r.servicesCreated)
		if st.Karmada {
			fmt.Fprintf(out, ", %d EndpointSlices created in members", r.slicesCreated)
		}
		fmt.Fprintln(out)
	}
}
