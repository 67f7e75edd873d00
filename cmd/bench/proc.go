package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// cleanups is a LIFO stack of functions run exactly once, either at the
// normal end of run(), on a setup failure, or from the signal handler.
type cleanups struct {
	mu   sync.Mutex
	fns  []func()
	done bool
}

func (c *cleanups) push(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, f)
}

func (c *cleanups) run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return
	}
	c.done = true
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
	c.fns = nil
}

// child is a long-running process started by the bench (registry, nginx).
// It gets its own process group so that a terminal Ctrl-C reaches only the
// bench, which then stops the children in order.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
	stopped sync.Once
}

func startChild(name, logPath string, env []string, bin string, args ...string) (*child, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		logf.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends sig to the child, waits up to grace, then SIGKILLs the child and
// its own process group (created for it by Setpgid, so it holds only the
// child and its workers). It returns how long the child took to exit and the
// child's exit error (nil for exit status 0).
func (c *child) stop(sig syscall.Signal, grace time.Duration) (elapsed time.Duration, exitErr error, killed bool) {
	c.stopped.Do(func() {
		start := time.Now()
		if !c.exited() {
			_ = c.cmd.Process.Signal(sig)
			select {
			case <-c.done:
			case <-time.After(grace):
				killed = true
				pid := c.pid()
				_ = syscall.Kill(pid, syscall.SIGKILL)
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				<-c.done
			}
		}
		elapsed = time.Since(start)
		exitErr = c.waitErr
	})
	return
}

// logTail returns the last n lines of the child's log.
func (c *child) logTail(n int) string {
	return fileTail(c.logPath, n)
}

func fileTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePort listens on 127.0.0.1:0, reads the port and closes the listener.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, err
	}
	return port, nil
}

// procStatusKB reads the given fields (e.g. "VmRSS", "VmHWM") from
// /proc/<pid>/status, in bytes.
func procStatus(pid int, fields ...string) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	want := make(map[string]bool, len(fields))
	for _, fl := range fields {
		want[fl] = true
	}
	out := make(map[string]int64, len(fields))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, ":")
		if !ok || !want[k] {
			continue
		}
		fs := strings.Fields(v)
		if len(fs) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fs[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", line, err)
		}
		if len(fs) > 1 && fs[1] == "kB" {
			n *= 1024
		}
		out[k] = n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, fl := range fields {
		if _, ok := out[fl]; !ok {
			return nil, fmt.Errorf("/proc/%d/status: no %s", pid, fl)
		}
	}
	return out, nil
}

// resetHWM resets VmHWM of pid to the current RSS (Linux >= 4.0, needs the
// right to write /proc/<pid>/clear_refs, i.e. same user or root).
func resetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// rssSampler samples VmRSS of pid every interval and keeps the maximum.
type rssSampler struct {
	pid     int
	peak    atomic.Int64
	samples atomic.Int64
	errs    atomic.Int64
	stopCh  chan struct{}
	doneCh  chan struct{}
}

func startRSSSampler(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, stopCh: make(chan struct{}), doneCh: make(chan struct{})}
	sample := func() {
		m, err := procStatus(pid, "VmRSS")
		if err != nil {
			s.errs.Add(1)
			return
		}
		s.samples.Add(1)
		for {
			cur := s.peak.Load()
			if m["VmRSS"] <= cur || s.peak.CompareAndSwap(cur, m["VmRSS"]) {
				break
			}
		}
	}
	go func() {
		defer close(s.doneCh)
		t := time.NewTicker(interval)
		defer t.Stop()
		sample()
		for {
			select {
			case <-s.stopCh:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() int64 {
	close(s.stopCh)
	<-s.doneCh
	return s.peak.Load()
}

func execCombined(bin string, args ...string) ([]byte, error) {
	return exec.Command(bin, args...).CombinedOutput()
}

// clkTck is USER_HZ, 100 on every Linux architecture Go supports.
const clkTck = 100

// procCPU returns user+system CPU time of pid plus that of its direct
// children (nginx workers), from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	total, err := statCPU(pid)
	if err != nil {
		return 0, err
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if cp, err := strconv.Atoi(f); err == nil {
				if c, err := statCPU(cp); err == nil {
					total += c
				}
			}
		}
	}
	return total, nil
}

func statCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(s[i+1:])
	// after ")": state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(ut+st) * time.Second / clkTck, nil
}
