package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gohavi is the binary under test, built once by TestMain.
var gohavi string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	if bin := os.Getenv("GOHAVI_E2E_BIN"); bin != "" {
		gohavi = bin // a binary built elsewhere, e.g. a release candidate
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "gohavi-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	gohavi = filepath.Join(dir, "gohavi")
	args := []string{"build", "-o", gohavi}
	if raceEnabled || os.Getenv("GOHAVI_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	build := exec.Command(goTool(), append(args, "github.com/gohavi/gohavi/cmd/gohavi")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building gohavi:", err)
		return 1
	}
	return m.Run()
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// baseEnv is the test's environment without any GOHAVI_ setting, so a
// developer's shell cannot change what the tests run.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOHAVI_") {
			env = append(env, kv)
		}
	}
	return env
}

// lockedBuffer collects a process's stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running gohavi process. Its stdout lines can be waited on; its
// stderr is shown when the test fails.
type proc struct {
	name   string
	cmd    *exec.Cmd
	out    *feed[string]
	stderr lockedBuffer
	done   chan struct{}
	err    error // exit status, set before done closes
}

func startProc(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: newFeed[string](), done: make(chan struct{})}
	p.cmd = exec.Command(gohavi, args...)
	p.cmd.Env = append(baseEnv(), env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.out.add(sc.Text())
		}
		p.err = p.cmd.Wait()
		p.out.end(p.err)
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if strings.Contains(p.stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race", name)
		}
		if t.Failed() {
			t.Logf("%s (pid %d) stdout:\n%s\n%s stderr (tail):\n%s", name, p.cmd.Process.Pid,
				strings.Join(p.out.snapshot(), "\n"), name, tail(p.stderr.String(), 6000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// line waits for a stdout line containing substr and returns it trimmed.
func (p *proc) line(t testing.TB, substr string, timeout time.Duration) string {
	t.Helper()
	l, err := p.out.wait(timeout, func(l string) bool { return strings.Contains(l, substr) })
	if err != nil {
		t.Fatalf("%s: waiting for %q on stdout: %v\nstderr:\n%s", p.name, substr, err, tail(p.stderr.String(), 4000))
	}
	return strings.TrimSpace(l)
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL: no shutdown code runs, as in a crash or power loss.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks for a graceful shutdown and kills after a grace period.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// waitExit waits for the process to end by itself and returns its code.
func (p *proc) waitExit(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v", p.name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// result is what a one-shot command did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a gohavi command to completion (admin commands, version, …).
func run(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gohavi, args...)
	cmd.Env = append(baseEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if strings.Contains(r.stderr, "WARNING: DATA RACE") {
		t.Errorf("gohavi %s reported a data race:\n%s", strings.Join(args, " "), r.stderr)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("gohavi %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRun runs a command that has to succeed.
func mustRun(t testing.TB, env []string, args ...string) string {
	t.Helper()
	r := run(t, env, args...)
	if r.code != 0 {
		t.Fatalf("gohavi %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}
