package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Component names, in start order. Stopping goes the other way.
const (
	compEtcd       = "etcd"
	compAPIServer  = "apiserver"
	compAggregated = "aggregated-apiserver"
)

var componentOrder = []string{compEtcd, compAPIServer, compAggregated}

// componentAliases lets callers use the binaries' own names too.
var componentAliases = map[string]string{
	"etcd":                         compEtcd,
	"apiserver":                    compAPIServer,
	"kube-apiserver":               compAPIServer,
	"aggregated-apiserver":         compAggregated,
	"karmada-aggregated-apiserver": compAggregated,
}

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
}

// State is DIR/state.json: everything another invocation (or a test) needs
// to find and control the sandbox.
type State struct {
	Dir               string       `json:"dir"`
	BinDir            string       `json:"binDir"`
	Kubeconfig        string       `json:"kubeconfig"`
	APIServerURL      string       `json:"apiserverURL"`
	KubernetesVersion string       `json:"kubernetesVersion,omitempty"`
	KarmadaVersion    string       `json:"karmadaVersion,omitempty"`
	Clusters          []string     `json:"clusters,omitempty"`
	Components        []*Component `json:"components"`
}

// portList gives the ports in the order the component's builder takes them.
func (c *Component) portList() []int {
	if c.Name == compEtcd {
		return []int{c.Ports["client"], c.Ports["peer"]}
	}
	return []int{c.Port}
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
func (s *State) save() error {
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

func resolveComponent(name string) (string, error) {
	if canonical, ok := componentAliases[name]; ok {
		return canonical, nil
	}
	return "", fmt.Errorf("unknown component %q (want etcd, apiserver or aggregated-apiserver)", name)
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
