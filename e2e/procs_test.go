//go:build linux

package e2e

// Makes started in their own process group, as a shell starts a job, and
// their processes as /proc shows them: to signal or kill a build, or a part
// of it, and to check that all of it ended.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// run is a command started in its own process group: make, or a program
// of the build's alone.
type run struct {
	b    *build
	out  output
	pgid int
	done chan struct{}
	err  error // once done
}

// output is a command's output, which the test may read while it runs.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// startRun starts make with extra environment. Its temporary directory is
// in the build, where a killed supervisor leaves its progress socket.
func (b *build) startRun(env []string, args ...string) *run {
	b.t.Helper()
	cmd := b.command(args...)
	if err := os.MkdirAll(b.path("tmp"), 0o755); err != nil {
		b.t.Fatal(err)
	}
	cmd.Env = append(append(os.Environ(), "TMPDIR="+b.path("tmp")), env...)
	return b.start(cmd)
}

// start starts cmd in its own process group, as a shell starts a job, so
// that a signal to the group (Ctrl+C) reaches it and every process it starts.
func (b *build) start(cmd *exec.Cmd) *run {
	b.t.Helper()
	r := &run{b: b, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &r.out, &r.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	r.pgid = cmd.Process.Pid
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	// A test that stops half way leaves nothing of the run behind.
	b.t.Cleanup(func() {
		if len(alive(group(r.pgid))) > 0 {
			syscall.Kill(-r.pgid, syscall.SIGKILL)
		}
		<-r.done
	})
	return r
}

// signal sends sig to every process of the run's group, as Ctrl+C (SIGINT)
// or a stopping service manager (SIGTERM) does; it reports whether any was
// still there to get it.
func (r *run) signal(sig syscall.Signal) bool { return syscall.Kill(-r.pgid, sig) == nil }

// end waits, at most limit, until the command and every process of its
// group have ended (a killed supervisor leaves its inner make running). It
// kills the group of what is left then, and lists it.
func (r *run) end(limit time.Duration) []proc {
	deadline := time.Now().Add(limit)
	select {
	case <-r.done:
	case <-time.After(limit):
	}
	left := alive(group(r.pgid))
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		left = alive(group(r.pgid))
	}
	if len(left) > 0 {
		syscall.Kill(-r.pgid, syscall.SIGKILL)
	}
	<-r.done
	return left
}

// wait waits for make and every process of its group, failing the test
// when they have not all ended within timeout.
func (r *run) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	if left := r.end(timeout); len(left) > 0 {
		t.Fatalf("the build did not end within %v (killed): %v\n%s", timeout, left, r.out.String())
	}
	return r.err
}

// sleep waits d unless make ends first; it reports whether make still runs.
func (r *run) sleep(d time.Duration) bool {
	select {
	case <-r.done:
		return false
	case <-time.After(d):
		return true
	}
}

// until waits, at most timeout, for cond to hold while the command runs; it
// reports whether cond came to hold.
func (r *run) until(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); !cond(); {
		if time.Now().After(deadline) || !r.sleep(time.Millisecond) {
			return cond()
		}
	}
	return true
}

// pauseWhen looks for cond while every process of the run is stopped
// (SIGSTOP to its group), letting them go on between two looks, and leaves
// them stopped once cond holds: what cond saw is still so when the test
// acts on it (a signal, a kill, a second make), however busy the machine.
// It reports false, with the run going on, when the run ended first or cond
// did not hold within limit. resume lets a paused run go on.
func (r *run) pauseWhen(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		if !r.stopAll() {
			return false
		}
		if cond() {
			return true
		}
		r.resume()
		if !r.sleep(time.Millisecond) {
			return false
		}
	}
	return false
}

// stopAll stops every process of the run and waits until each has stopped
// or is in an uninterruptible wait ("D"): there it ends the system call it
// is in, if it can, and stops then, having done nothing more. (A make that
// vforks waits so for its child, which, stopped before its exec, never
// lets it stop.) It reports false if no process is left, or one did not
// settle within hangLimit.
func (r *run) stopAll() bool {
	if syscall.Kill(-r.pgid, syscall.SIGSTOP) != nil {
		return false
	}
	settled := func(p proc) bool { return p.state == "T" || p.state == "t" || p.state == "D" }
	for deadline := time.Now().Add(hangLimit); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		ps := alive(group(r.pgid))
		if len(ps) == 0 {
			return false
		}
		if !slices.ContainsFunc(ps, func(p proc) bool { return !settled(p) }) {
			return true
		}
	}
	return false
}

// resume lets every process of the run go on (SIGCONT): after pauseWhen,
// and after a signal sent to a paused run, which its processes then take.
func (r *run) resume() { syscall.Kill(-r.pgid, syscall.SIGCONT) }

// waitsOnPipe reports whether a process of the run with the role waits
// for a writer of the named pipe at path: blocked opening it (Linux's
// wait_for_partner), or holding it open (opened without blocking, it polls
// for the writer).
func (r *run) waitsOnPipe(role, path string) bool {
	for _, p := range alive(group(r.pgid)) {
		if p.role() != role {
			continue
		}
		if hasOpen(p.pid, func(name string) bool { return name == path }) {
			return true
		}
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p.pid))
		for _, task := range tasks {
			wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/wchan", p.pid, task.Name()))
			if string(wchan) == "wait_for_partner" {
				return true
			}
		}
	}
	return false
}

// proc is a process, from /proc.
type proc struct {
	pid   int
	state string
	args  []string
}

func (p proc) String() string { return fmt.Sprintf("%d %q", p.pid, strings.Join(p.args, " ")) }

// role classifies a build's process: corpus-pack is "pack", `pagegen build`
// "supervisor", pagegen writing pages "page".
func (p proc) role() string {
	if len(p.args) == 0 {
		return ""
	}
	switch filepath.Base(p.args[0]) {
	case "corpus-pack":
		return "pack"
	case "pagegen":
		for _, a := range p.args[1:] {
			switch a {
			case "build":
				return "supervisor"
			case "similar", "different", "chronological", "index":
				return "page"
			}
		}
	}
	return ""
}

// group lists the processes of process group pgid.
func group(pgid int) []proc {
	entries, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		ps = append(ps, proc{pid: pid, state: f[0], args: strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")})
	}
	return ps
}

// alive drops zombies.
func alive(ps []proc) []proc {
	return slices.DeleteFunc(ps, func(p proc) bool { return p.state == "Z" || p.state == "X" })
}

// hasTemp reports whether the process has a temporary file open.
func hasTemp(pid int) bool {
	return hasOpen(pid, func(name string) bool { return isTemp(filepath.Base(name)) })
}

// hasOpen reports whether the process has a file open whose path is, per
// match, the one looked for.
func hasOpen(pid int, match func(path string) bool) bool {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && match(link) {
			return true
		}
	}
	return false
}

// find picks at random a running process of the run with the role whose
// command line names the build's directory (writing: one with a temporary
// file open).
func (r *run) find(role string, writing bool, rng *rand.Rand) (proc, bool) {
	var found []proc
	for _, p := range alive(group(r.pgid)) {
		if p.role() == role && strings.Contains(strings.Join(p.args, " "), r.b.dir) && (!writing || hasTemp(p.pid)) {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return proc{}, false
	}
	return found[rng.IntN(len(found))], true
}

// has reports whether a process of the run has the role.
func (r *run) has(role string) bool {
	return slices.ContainsFunc(alive(group(r.pgid)), func(p proc) bool { return p.role() == role })
}

// poll waits for a process that find finds, looking every millisecond.
func (r *run) poll(role string, writing bool, rng *rand.Rand, timeout time.Duration) (proc, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p, ok := r.find(role, writing, rng); ok {
			return p, true
		}
		if !r.sleep(time.Millisecond) {
			return proc{}, false
		}
	}
	return proc{}, false
}

// kill sends SIGKILL to p; it reports whether p was still there to get it.
func kill(p proc) bool { return syscall.Kill(p.pid, syscall.SIGKILL) == nil }
