package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Component names, in start order. Stopping goes the other way.
const (
	compEtcd       = "etcd"
	compAPIServer  = "apiserver"
	compAggregated = "aggregated-apiserver"

	// Only in a sandbox brought up with --karmada.
	compKubeControllerManager = "kube-controller-manager"
	compWebhook               = "webhook"
	compScheduler             = "scheduler"
	compControllerManager     = "controller-manager"
	memberPrefix              = "member-" // one kube-apiserver per member cluster

	// compForge (forge.go) comes last, in a sandbox brought up with --forge:
	// nothing depends on it, so it is also the first to stop.
)

var componentOrder = []string{compEtcd, compAPIServer, compAggregated}

// karmadaOrder follows the member apiservers: the webhook must answer
// before anything writes Karmada objects, and the controllers need the
// Cluster API and the members.
var karmadaOrder = []string{compKubeControllerManager, compWebhook, compScheduler, compControllerManager}

// componentAliases lets callers use the binaries' own names too.
var componentAliases = map[string]string{
	"etcd":                         compEtcd,
	"apiserver":                    compAPIServer,
	"kube-apiserver":               compAPIServer,
	"aggregated-apiserver":         compAggregated,
	"karmada-aggregated-apiserver": compAggregated,
	"kube-controller-manager":      compKubeControllerManager,
	"webhook":                      compWebhook,
	"karmada-webhook":              compWebhook,
	"scheduler":                    compScheduler,
	"karmada-scheduler":            compScheduler,
	"controller-manager":           compControllerManager,
	"karmada-controller-manager":   compControllerManager,
	"forge":                        compForge,
	"gitea":                        compForge,
}

// portNames lists, for components with more than one port, the keys of
// Component.Ports in the order their builders take them.
var portNames = map[string][]string{
	compEtcd:              {"client", "peer"},
	compWebhook:           {"secure", "health", "metrics"},
	compScheduler:         {"health", "metrics"},
	compControllerManager: {"health", "metrics"},
}

func memberComponent(cluster string) string { return memberPrefix + cluster }

// Component is one process of the sandbox. Args is the full command line, so
// a restart reuses the same ports, data directory and certificates.
type Component struct {
	Name      string         `json:"name"`
	PID       int            `json:"pid"`
	Port      int            `json:"port"`
	Ports     map[string]int `json:"ports,omitempty"`
	URL       string         `json:"url"`
	Log       string         `json:"log"`
	Args      []string       `json:"args"`
	StartedAt string         `json:"startedAt,omitempty"`
	// Health is the URL that answers 200 once the process serves; empty
	// for the original three, whose probe follows from the name.
	Health string `json:"health,omitempty"`

	exited <-chan struct{} // closed when a process this launcher started exits
	// prepare, when set, runs before each start by "up" (e.g. writes the
	// config file that holds the port); "start" reuses what it wrote.
	prepare func() error
}

// State is DIR/state.json: everything another invocation (or a test) needs
// to find and control the sandbox.
type State struct {
	Dir               string   `json:"dir"`
	BinDir            string   `json:"binDir"`
	Kubeconfig        string   `json:"kubeconfig"`
	APIServerURL      string   `json:"apiserverURL"`
	KubernetesVersion string   `json:"kubernetesVersion,omitempty"`
	KarmadaVersion    string   `json:"karmadaVersion,omitempty"`
	Clusters          []string `json:"clusters,omitempty"`
	// Karmada is set for a sandbox brought up with --karmada: member
	// apiservers and Karmada's controllers run, and Cluster status comes
	// from Karmada. It is fixed when DIR is first brought up.
	Karmada bool `json:"karmada,omitempty"`
	// MemberKubeconfigs maps each member cluster to an admin kubeconfig
	// of its own kube-apiserver (--karmada only).
	MemberKubeconfigs map[string]string `json:"memberKubeconfigs,omitempty"`
	// Forge is set once DIR was brought up with --forge (a Gitea, component
	// "forge"); like Karmada it stays for DIR's lifetime.
	Forge        bool         `json:"forge,omitempty"`
	ForgeUser    string       `json:"forgeUser,omitempty"`
	ForgeVersion string       `json:"forgeVersion,omitempty"`
	Components   []*Component `json:"components"`
}

// portList gives the ports in the order the component's builder takes them.
func (c *Component) portList() []int {
	names, ok := portNames[c.Name]
	if !ok {
		return []int{c.Port}
	}
	ports := make([]int, 0, len(names))
	for _, n := range names {
		ports = append(ports, c.Ports[n])
	}
	return ports
}

// order lists the components this sandbox is made of, in start order.
func (s *State) order() []string {
	names := s.kubeOrder()
	if s.Forge {
		names = append(names, compForge)
	}
	return names
}

// kubeOrder is order() without the forge: the control plane (and members).
func (s *State) kubeOrder() []string {
	if !s.Karmada {
		return append([]string{}, componentOrder...)
	}
	names := append([]string{}, componentOrder...)
	for _, cluster := range s.Clusters {
		names = append(names, memberComponent(cluster))
	}
	// Members recorded but no longer listed (never the case after "up")
	// are still started and stopped with the rest.
	for _, c := range s.Components {
		if strings.HasPrefix(c.Name, memberPrefix) && !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
		}
	}
	return append(names, karmadaOrder...)
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(statePath(dir))
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return &st, nil
}

// save writes through a temporary file so a reader never sees half a file.
// Components are kept in start order (they may start concurrently).
func (s *State) save() error {
	order := s.order()
	slices.SortStableFunc(s.Components, func(a, b *Component) int {
		return orderIndex(order, a.Name) - orderIndex(order, b.Name)
	})
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath(s.Dir) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, statePath(s.Dir))
}

// orderIndex places names missing from order last.
func orderIndex(order []string, name string) int {
	if i := slices.Index(order, name); i >= 0 {
		return i
	}
	return len(order)
}

func (s *State) component(name string) *Component {
	for _, c := range s.Components {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setComponent replaces or appends, keeping the start order.
func (s *State) setComponent(c *Component) {
	for i, old := range s.Components {
		if old.Name == c.Name {
			s.Components[i] = c
			return
		}
	}
	s.Components = append(s.Components, c)
}

// resolveComponent accepts canonical names, the binaries' names and, for
// a member's kube-apiserver, the bare cluster name.
func resolveComponent(st *State, name string) (string, error) {
	if canonical, ok := componentAliases[name]; ok {
		return canonical, nil
	}
	for _, cluster := range st.Clusters {
		if st.Karmada && (name == cluster || name == memberComponent(cluster)) {
			return memberComponent(cluster), nil
		}
	}
	if st.Karmada {
		return "", fmt.Errorf("unknown component %q (want one of %s, or a member cluster name)", name, strings.Join(st.order(), ", "))
	}
	return "", fmt.Errorf("unknown component %q (want one of %s)", name, strings.Join(st.order(), ", "))
}

// lockDir serialises commands on one DIR (two "up" at once would race on
// ports and certificates). The descriptor is close-on-exec, so started
// components do not inherit the lock.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
