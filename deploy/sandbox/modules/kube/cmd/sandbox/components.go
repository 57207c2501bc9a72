package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Binary names inside the bin directory (the launcher's own directory).
const (
	binEtcd       = "etcd"
	binAPIServer  = "kube-apiserver"
	binKubectl    = "kubectl"
	binAggregated = "karmada-aggregated-apiserver"

	// Built only for "up --karmada".
	binWebhook           = "karmada-webhook"
	binScheduler         = "karmada-scheduler"
	binControllerManager = "karmada-controller-manager"
	binKCM               = "kube-controller-manager"
)

// serviceCIDR is wide enough for thousands of Services in one test run;
// nothing routes to it, the apiserver only allocates from it.
const serviceCIDR = "10.96.0.0/16"

// sandbox bundles what the component builders need.
type sandbox struct {
	mu     sync.Mutex // guards the State while components start concurrently
	dir    string
	binDir string
	pki    PKI
	admin  identity
}

func (s *sandbox) logPath(name string) string { return filepath.Join(s.dir, "logs", name+".log") }

func loopbackURL(scheme string, port int) string {
	return scheme + "://127.0.0.1:" + strconv.Itoa(port)
}

// etcdComponent: one member, plain HTTP on loopback. fsync is skipped
// because sandboxes are disposable; a killed etcd process still keeps its
// data (the page cache survives), only a machine crash would lose it.
func (s *sandbox) etcdComponent(ports []int) *Component {
	client, peer := ports[0], ports[1]
	clientURL, peerURL := loopbackURL("http", client), loopbackURL("http", peer)
	return &Component{
		Name:  compEtcd,
		Port:  client,
		Ports: map[string]int{"client": client, "peer": peer},
		URL:   clientURL,
		Log:   s.logPath(compEtcd),
		Args: []string{
			filepath.Join(s.binDir, binEtcd),
			"--name=sandbox",
			"--data-dir=" + filepath.Join(s.dir, "data", "etcd"),
			"--listen-client-urls=" + clientURL,
			"--advertise-client-urls=" + clientURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=sandbox=" + peerURL,
			"--unsafe-no-fsync=true",
			"--log-level=warn",
		},
	}
}

func (s *sandbox) apiserverComponent(port int, etcdURL string) *Component {
	url := loopbackURL("https", port)
	p := s.pki
	return &Component{
		Name: compAPIServer,
		Port: port,
		URL:  url,
		Log:  s.logPath(compAPIServer),
		Args: []string{
			filepath.Join(s.binDir, binAPIServer),
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(s.dir, "pki", "apiserver-generated"),
			"--tls-cert-file=" + p.cert(apiserverName),
			"--tls-private-key-file=" + p.key(apiserverName),
			"--client-ca-file=" + p.cert(caName),
			"--authorization-mode=RBAC",
			"--service-cluster-ip-range=" + serviceCIDR,
			"--allow-privileged=true",
			// No controller-manager creates default ServiceAccounts, which
			// this plug-in would insist on for Pods.
			"--disable-admission-plugins=ServiceAccount",
			// The apiserver would otherwise write its loopback address into
			// the "kubernetes" Endpoints, which validation rejects.
			"--endpoint-reconciler-type=none",
			"--service-account-issuer=" + url,
			"--service-account-key-file=" + p.saPublic(),
			"--service-account-signing-key-file=" + p.saPrivate(),
			// Aggregation layer: how the apiserver proxies to, and
			// authenticates itself at, karmada-aggregated-apiserver.
			"--requestheader-client-ca-file=" + p.cert(frontProxyCAName),
			"--requestheader-allowed-names=" + frontProxyClientCN,
			"--requestheader-username-headers=X-Remote-User",
			"--requestheader-group-headers=X-Remote-Group",
			"--requestheader-extra-headers-prefix=X-Remote-Extra-",
			"--proxy-client-cert-file=" + p.cert(frontProxyClientName),
			"--proxy-client-key-file=" + p.key(frontProxyClientName),
		},
	}
}

// aggregatedComponent runs karmada-aggregated-apiserver the way Karmada's
// own manifests do: admin kubeconfig for the core API and for delegated
// authentication/authorization, and the control plane's etcd under the
// default /registry prefix (its keys live under cluster.karmada.io).
func (s *sandbox) aggregatedComponent(port int, etcdURL string) *Component {
	kubeconfig := aggregatedKubeconfigPath(s.dir)
	return &Component{
		Name: compAggregated,
		Port: port,
		URL:  loopbackURL("https", port),
		Log:  s.logPath(compAggregated),
		Args: []string{
			filepath.Join(s.binDir, binAggregated),
			"--kubeconfig=" + kubeconfig,
			"--authentication-kubeconfig=" + kubeconfig,
			"--authorization-kubeconfig=" + kubeconfig,
			"--etcd-servers=" + etcdURL,
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + filepath.Join(s.dir, "pki", "aggregated-generated"),
			"--tls-cert-file=" + s.pki.cert(aggregatedName),
			"--tls-private-key-file=" + s.pki.key(aggregatedName),
		},
	}
}

// launch starts a component, on the preferred ports when they are free
// (a sandbox coming back up keeps its addresses), else on newly picked ones.
// If another process takes a port between picking and binding it tries
// again, which is what lets many sandboxes start side by side.
func (s *sandbox) launch(ctx context.Context, nports int, preferred []int, build func([]int) *Component) (*Component, error) {
	const attempts = 3
	for attempt := 1; ; attempt++ {
		ports := preferred
		if attempt > 1 || len(ports) != nports || !portsFree(ports) {
			var err error
			if ports, err = freePorts(nports); err != nil {
				return nil, err
			}
		}
		c := build(ports)
		err := s.startAndWait(ctx, c)
		if err == nil {
			return c, nil
		}
		if attempt >= attempts || !portInUse(c.Log) {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "sandbox: %s lost its port to another process, retrying\n", c.Name)
	}
}

// startAndWait spawns c and waits until its health endpoint answers.
func (s *sandbox) startAndWait(ctx context.Context, c *Component) error {
	if c.prepare != nil {
		if err := c.prepare(); err != nil {
			return fmt.Errorf("preparing %s: %w", c.Name, err)
		}
	}
	if err := spawn(s.dir, c); err != nil {
		return err
	}
	if err := s.waitHealthy(ctx, c); err != nil {
		_, _ = terminate(c, 0, true)
		return fmt.Errorf("%s did not become ready: %w\n--- last lines of %s ---\n%s",
			c.Name, err, c.Log, tailLog(c.Log, 25))
	}
	return nil
}

// waitHealthy polls the component's health endpoint: etcd's /health, the
// apiservers' /readyz (which includes their post-start hooks), or the URL
// recorded in Component.Health.
func (s *sandbox) waitHealthy(ctx context.Context, c *Component) error {
	client, err := httpClient(s.admin)
	if err != nil {
		return err
	}
	url := c.Health
	if url == "" {
		url = c.URL + "/readyz"
		if c.Name == compEtcd {
			url = c.URL + "/health"
		}
	}
	var last string
	for {
		if !alive(c) {
			return errDied
		}
		ok, detail := probe(ctx, client, url)
		if ok {
			return nil
		}
		last = detail
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last answer: %s)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, text)
	}
	// etcd answers 200 with {"health":"false"} while it has no leader.
	if strings.Contains(text, `"health":"false"`) {
		return false, text
	}
	return true, text
}
