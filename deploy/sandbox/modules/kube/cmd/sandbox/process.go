package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// spawn starts a component detached from the launcher with setsid (so a
// terminal's Ctrl-C or a signal to the caller's process group misses it),
// stdin from /dev/null and output appended to its log, so a caller that
// captures the launcher's output is not kept waiting by the children.
func spawn(dir string, c *Component) error {
	logFile, err := os.OpenFile(c.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "\n==== %s starting %s\n", time.Now().Format(time.RFC3339), strings.Join(c.Args, " "))

	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.Name, err)
	}
	c.PID = cmd.Process.Pid
	c.StartedAt = time.Now().UTC().Format(time.RFC3339)
	// Reap the child if it dies while the launcher is still running (a failed
	// start); once the launcher exits, init adopts it.
	exited := make(chan struct{})
	c.exited = exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	return nil
}

// alive reports whether pid is still the component's process: it exists, is
// not a zombie, and runs the component's binary (pids get reused).
func alive(c *Component) bool {
	if c.PID <= 0 {
		return false
	}
	// A child of this launcher: its reaper knows for sure. /proc would do
	// too, except right after exec, when the new command line is briefly
	// not readable yet and a just-started process looked gone.
	if c.exited != nil {
		select {
		case <-c.exited:
			return false
		default:
			return true
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.PID))
	if err != nil {
		return false
	}
	if zombieStat(stat) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c.PID))
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return len(c.Args) > 0 && string(argv0) == c.Args[0]
}

// rssKiB reads the resident set size from /proc; 0 when unknown.
func rssKiB(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				n, _ := strconv.Atoi(fields[0])
				return n
			}
		}
	}
	return 0
}

// terminate sends SIGTERM (or SIGKILL straight away when kill is set) to the
// component's process group and escalates to SIGKILL after grace. It says
// how the process ended, since a graceful kube-apiserver stop can take up
// to its request timeout while clients hold watches open.
func terminate(c *Component, grace time.Duration, kill bool) (string, error) {
	if !alive(c) {
		c.PID = 0
		return "was not running", nil
	}
	began := time.Now()
	if kill {
		signalGroup(c.PID, syscall.SIGKILL)
	} else {
		signalGroup(c.PID, syscall.SIGTERM)
		if waitGone(c, grace) {
			c.PID = 0
			return fmt.Sprintf("exited on SIGTERM in %.1fs", time.Since(began).Seconds()), nil
		}
		signalGroup(c.PID, syscall.SIGKILL)
	}
	if !waitGone(c, 10*time.Second) {
		return "", fmt.Errorf("%s (pid %d) did not exit after SIGKILL", c.Name, c.PID)
	}
	c.PID = 0
	if kill {
		return "killed (SIGKILL)", nil
	}
	return fmt.Sprintf("killed (SIGKILL) after %s of SIGTERM", grace), nil
}

// signalGroup signals the whole process group the component leads (it was
// started with setsid), falling back to the pid alone.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}

// waitGone waits until no thread of the process is left. The leader of a
// multi-threaded process shows as a zombie while its other threads are
// still being torn down and its sockets are still bound, so checking the
// leader alone would let a restart race the old process for its port.
func waitGone(c *Component, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if processGone(c.PID) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processGone: no thread of pid is running (only zombies, or nothing).
func processGone(pid int) bool {
	threadDir := fmt.Sprintf("/proc/%d/task", pid)
	threads, err := os.ReadDir(threadDir)
	if err != nil {
		return true
	}
	for _, thread := range threads {
		stat, err := os.ReadFile(filepath.Join(threadDir, thread.Name(), "stat"))
		if err == nil && !zombieStat(stat) {
			return false
		}
	}
	return true
}

// zombieStat reads the state letter that follows the parenthesised command
// name in a /proc stat line.
func zombieStat(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// freePorts asks the kernel for n distinct free loopback ports. They are
// held open together so the kernel cannot hand out the same one twice, then
// released for the component to bind. Another process could still grab one
// in between; startWithRetry covers that.
func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// portsFree reports whether every port can be bound on loopback now.
func portsFree(ports []int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// waitPortsFree gives a process that was killed from outside a moment to
// release its ports before the component is started on them again.
func waitPortsFree(ports []int, d time.Duration) {
	deadline := time.Now().Add(d)
	for !portsFree(ports) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

// portInUse tells whether a component failed because its port was taken
// between freePorts and its own bind.
func portInUse(logPath string) bool {
	data, err := os.ReadFile(logPath)
	if err != nil {
		return false
	}
	// Only look at the latest attempt's output.
	if i := bytes.LastIndex(data, []byte("\n==== ")); i >= 0 {
		data = data[i:]
	}
	return bytes.Contains(data, []byte("address already in use"))
}

// tailLog returns the last lines of a log for error messages.
func tailLog(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func absPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.Clean(abs), nil
}

var errDied = errors.New("process exited")
