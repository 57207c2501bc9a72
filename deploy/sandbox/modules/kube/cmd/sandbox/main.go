// Command sandbox runs a local Karmada-style control plane for mcs-gitops
// tests: etcd, kube-apiserver and karmada-aggregated-apiserver as detached
// processes on free loopback ports, everything kept under one directory.
// With "up --karmada" it runs a federation: member kube-apiservers joined
// in Push mode and Karmada's webhook, scheduler and controller-manager.
// With "up --forge" it also runs a Gitea forge with an admin user and token.
//
// It is normally started through deploy/sandbox/sandbox, which builds this
// binary and the component binaries into one cache directory; the launcher
// finds the components next to its own executable.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `usage: sandbox COMMAND --dir DIR [flags]

commands:
  up      start the control plane under DIR and provision it
  env     print shell exports (KUBECONFIG, PATH; FORGE_URL, FORGE_TOKEN_FILE, FORGE_USER with --forge) for DIR
  status  show each component's pid, port, liveness and RSS
  down    stop every component started under DIR
  stop    stop one component:  sandbox stop --dir DIR [--kill] COMPONENT
  start   start stopped components on their old ports: sandbox start --dir DIR [COMPONENT]
  endpoints  set a member's ready endpoints for a Service (--karmada only):
          sandbox endpoints --dir DIR --cluster C --service NS/NAME --count N

components: etcd, apiserver, aggregated-apiserver; with --karmada also
member-<cluster> (or just <cluster>), kube-controller-manager, webhook,
scheduler, controller-manager; with --forge also forge (or gitea)
run "sandbox COMMAND -h" for the flags of one command.
`

// exitError carries a process exit code without printing anything more.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	err := run(os.Args[1:], os.Stdout)
	if err == nil {
		return
	}
	var code exitError
	if errors.As(err, &code) {
		os.Exit(int(code))
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
	os.Exit(2)
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitError(2)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "up":
		return cmdUp(rest, out)
	case "env":
		return cmdEnv(rest, out)
	case "status":
		return cmdStatus(rest, out)
	case "down":
		return cmdDown(rest, out)
	case "stop":
		return cmdStop(rest, out)
	case "start":
		return cmdStart(rest, out)
	case "endpoints":
		return cmdEndpoints(rest, out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseInterleaved parses flags that may appear before or after positional
// arguments ("stop apiserver --dir X" and "stop --dir X apiserver" both work),
// which the standard flag package alone does not allow.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// listFlag accepts comma-separated values and may be repeated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// pairFlag accepts repeated name=value pairs.
type pairFlag map[string]string

func (p pairFlag) String() string {
	var parts []string
	for k, v := range p {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (p pairFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" || value == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	p[name] = value
	return nil
}

// requireDir turns the --dir flag into an absolute path, which is what every
// generated argument and file refers to so that processes can run from anywhere.
func requireDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("--dir is required")
	}
	return absPath(dir)
}
