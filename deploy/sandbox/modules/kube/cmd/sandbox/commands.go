package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// loadExisting reads the state of a DIR that "up" has prepared before.
func loadExisting(dir string) (*State, error) {
	st, err := loadState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no sandbox under %s (no state.json); run: sandbox up --dir %s", dir, dir)
	}
	return st, err
}

func cmdEnv(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	d, err := requireDir(*dir)
	if err != nil {
		return err
	}
	binDir, err := executableDir()
	if err != nil {
		return err
	}
	var st *State
	if loaded, err := loadState(d); err == nil {
		st = loaded
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, line := range envLines(d, binDir, st) {
		fmt.Fprintln(out, line)
	}
	return nil
}

// envLines: KUBECONFIG and PATH always (also before the first "up"), and
// the forge's URL, token file and user when DIR has a forge.
func envLines(dir, binDir string, st *State) []string {
	lines := []string{
		"export KUBECONFIG=" + shellQuote(kubeconfigPath(dir)),
		"export PATH=" + shellQuote(binDir) + `:"$PATH"`,
	}
	if st != nil {
		lines = append(lines, forgeEnv(st)...)
	}
	return lines
}

// shellQuote makes a path safe to paste into sh, quoting only when needed.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r == '/' || r == '.' || r == '-' || r == '_' || r == '+' || r == ':' || r == '@' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// componentStatus is one row of "status" (also its --json output).
type componentStatus struct {
	Name   string `json:"name"`
	PID    int    `json:"pid"`
	Port   int    `json:"port"`
	Alive  bool   `json:"alive"`
	RSSKiB int    `json:"rssKiB"`
	Log    string `json:"log"`
}

func cmdStatus(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	d, err := requireDir(*dir)
	if err != nil {
		return err
	}
	st, err := loadExisting(d)
	if err != nil {
		return err
	}
	rows, allUp := collectStatus(st)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else {
		printStatusTable(out, rows)
	}
	if !allUp {
		return exitError(1)
	}
	return nil
}

func collectStatus(st *State) ([]componentStatus, bool) {
	allUp := len(st.Components) >= len(st.order())
	var rows []componentStatus
	for _, c := range st.Components {
		row := componentStatus{Name: c.Name, PID: c.PID, Port: c.Port, Alive: alive(c), Log: c.Log}
		if row.Alive {
			row.RSSKiB = rssKiB(c.PID)
		} else {
			allUp = false
		}
		rows = append(rows, row)
	}
	return rows, allUp
}

func printStatusTable(out io.Writer, rows []componentStatus) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tPID\tPORT\tSTATE\tRSS")
	for _, r := range rows {
		state, rss := "stopped", "-"
		if r.Alive {
			state, rss = "alive", fmt.Sprintf("%.1f MiB", float64(r.RSSKiB)/1024)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", r.Name, r.PID, r.Port, state, rss)
	}
	tw.Flush()
}

func cmdDown(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	grace := fs.Duration("timeout", 10*time.Second, "time to wait after SIGTERM before SIGKILL")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	d, err := requireDir(*dir)
	if err != nil {
		return err
	}
	st, err := loadState(d)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "no sandbox under %s, nothing to stop\n", d)
		return nil
	}
	if err != nil {
		return err
	}
	unlock, err := lockDir(d)
	if err != nil {
		return err
	}
	defer unlock()
	// Reverse start order: Karmada's controllers watch the member and
	// control-plane apiservers, and the aggregated apiserver holds watches
	// on kube-apiserver; each would otherwise delay the graceful exit of
	// what it watches.
	failures := stopAll(st, *grace, out)
	if err := st.save(); err != nil {
		failures = append(failures, err)
	}
	if len(failures) > 0 {
		return errors.Join(failures...)
	}
	fmt.Fprintf(out, "sandbox under %s is down (data kept; \"up\" restarts it)\n", d)
	return nil
}

// stopAll stops every component in reverse start order. Member apiservers
// do not watch each other, so they are stopped together.
func stopAll(st *State, grace time.Duration, out io.Writer) []error {
	var failures []error
	order := st.order()
	for i := len(order) - 1; i >= 0; {
		group := []string{order[i]}
		for i--; i >= 0 && isMember(order[i]) && isMember(group[0]); i-- {
			group = append(group, order[i])
		}
		results := make([]string, len(group))
		errs := make([]error, len(group))
		var wg sync.WaitGroup
		for j, name := range group {
			c := st.component(name)
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				how, err := terminate(c, grace, false)
				results[j], errs[j] = c.Name+" "+how, err
			}()
		}
		wg.Wait()
		for j := range group {
			if errs[j] != nil {
				failures = append(failures, errs[j])
			} else if results[j] != "" {
				fmt.Fprintln(out, results[j])
			}
		}
	}
	return failures
}

func isMember(name string) bool { return strings.HasPrefix(name, memberPrefix) }

func cmdStop(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	kill := fs.Bool("kill", false, "send SIGKILL at once, like a crash")
	grace := fs.Duration("timeout", 5*time.Second, "time to wait after SIGTERM before SIGKILL")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: sandbox stop --dir DIR [--kill] COMPONENT")
	}
	return withState(*dir, func(st *State) error {
		name, err := resolveComponent(st, rest[0])
		if err != nil {
			return err
		}
		c := st.component(name)
		if c == nil {
			return fmt.Errorf("%s was never started under %s", name, st.Dir)
		}
		how, err := terminate(c, *grace, *kill)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s %s; port %d kept for \"sandbox start\"\n", name, how, c.Port)
		return nil
	})
}

func cmdStart(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory (required)")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up if not ready within this time")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return errors.New("usage: sandbox start --dir DIR [COMPONENT]")
	}
	return withState(*dir, func(st *State) error {
		names := st.order()
		if len(rest) == 1 {
			name, err := resolveComponent(st, rest[0])
			if err != nil {
				return err
			}
			names = []string{name}
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		return startComponents(ctx, st, names, out)
	})
}

// startComponents restarts stopped components with their recorded command
// lines: same ports, same data, same certificates.
func startComponents(ctx context.Context, st *State, names []string, out io.Writer) error {
	sb, err := newSandbox(st.Dir)
	if err != nil {
		return err
	}
	var restarted []string
	for _, name := range names {
		c := st.component(name)
		if c == nil {
			return fmt.Errorf("%s was never started under %s; run \"sandbox up\"", name, st.Dir)
		}
		if alive(c) {
			fmt.Fprintf(out, "%s already running (pid %d)\n", name, c.PID)
			continue
		}
		began := time.Now()
		waitPortsFree(c.portList(), 5*time.Second)
		if err := sb.startAndWait(ctx, c); err != nil {
			return err
		}
		restarted = append(restarted, name)
		fmt.Fprintf(out, "%s started on port %d in %.1fs\n", name, c.Port, time.Since(began).Seconds())
	}
	if len(restarted) > 0 && allAlive(st) {
		return waitServing(ctx, st, sb, restarted, out)
	}
	return nil
}

// waitServing returns once the Cluster API answers through kube-apiserver
// again and, in a federation, once Karmada sees restarted members Ready
// again, so a test can carry on right after "start".
func waitServing(ctx context.Context, st *State, sb *sandbox, restarted []string, out io.Writer) error {
	c, err := newClients(restConfig(st.APIServerURL, sb.admin))
	if err != nil {
		return err
	}
	if err := waitClusterAPI(ctx, c.aggregator, c.discovery, c.dynamic); err != nil {
		return err
	}
	var members []string
	for _, cluster := range st.Clusters {
		if st.Karmada && (slices.Contains(restarted, memberComponent(cluster)) || slices.Contains(restarted, compControllerManager)) {
			members = append(members, cluster)
		}
	}
	if len(members) == 0 {
		return nil
	}
	began := time.Now()
	if err := waitClustersReady(ctx, c.dynamic, members); err != nil {
		return err
	}
	fmt.Fprintf(out, "Karmada reports %s Ready (waited %.1fs)\n", strings.Join(members, ", "), time.Since(began).Seconds())
	return nil
}

// withState runs fn on DIR's state under the DIR lock and saves the result,
// also when fn fails half-way (pids must stay accurate).
func withState(dir string, fn func(*State) error) error {
	d, err := requireDir(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(d, "state.json")); err != nil {
		return fmt.Errorf("no sandbox under %s (no state.json); run: sandbox up --dir %s", d, d)
	}
	unlock, err := lockDir(d)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := loadExisting(d)
	if err != nil {
		return err
	}
	fnErr := fn(st)
	if err := st.save(); err != nil {
		return errors.Join(fnErr, err)
	}
	return fnErr
}
