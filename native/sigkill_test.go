package native

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/wire"
)

// The child process: this test binary run again with these variables set
// serves a durable cluster's HTTP API as `devserver -native 3 -data-dir`
// does (the helper stands in for the dev server until it has the flag, and
// carries the planted bug, which only a test can switch on).
const (
	envServeDir = "SESHAT_NATIVE_SERVE_DIR"
	envPlant    = "SESHAT_NATIVE_PLANT" // "lazy": saveLazily; "stall": serveStalled
)

// Figures of a kill run.
const (
	sigkillRounds  = 3   // processes killed
	ackedPerRound  = 300 // writes acknowledged in a round before its kill
	sigkillWriters = 16
)

// TestSIGKILLLosesNoAcknowledgedWrite is issue 5's test: it builds the dev
// server, runs it as a real process with `-addr 127.0.0.1:0 -native 3
// -data-dir DIR`, writes distinct keys through the HTTP API from many
// goroutines, recording which writes were acknowledged (200), kills the
// process with SIGKILL in the middle of the writes, starts it again on the
// same directory and reads every acknowledged key back (GET, linearizable);
// three times. Until the dev server has -data-dir, the same cluster and API
// are served by this test binary (serveDurable).
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	if dir := os.Getenv(envServeDir); dir != "" {
		if os.Getenv(envPlant) == "stall" {
			serveStalled(dir)
		}
		policy := saveEachRound
		if os.Getenv(envPlant) == "lazy" {
			policy = saveLazily
		}
		serveDurable(dir, policy)
		return
	}
	server, what := devserverWithDataDir(t)
	res := killRun(t, server, sigkillRounds)
	t.Logf("%s: %d writes acknowledged, %d unacknowledged or failed, %d SIGKILLs, %d acknowledged writes lost",
		what, res.acked, res.unacked, res.kills, res.lost)
	if res.died != "" {
		t.Fatalf("after %d SIGKILLs, %s", res.kills, res.died)
	}
	if res.lost > 0 {
		t.Fatalf("%d of %d acknowledged writes were lost after SIGKILL: %s", res.lost, res.acked, strings.Join(res.examples, "; "))
	}
	if res.kills != sigkillRounds || res.acked < sigkillRounds*ackedPerRound {
		t.Fatalf("%d kills and %d acknowledged writes; want %d and at least %d", res.kills, res.acked, sigkillRounds, sigkillRounds*ackedPerRound)
	}
}

// TestSIGKILLCatchesAcknowledgingBeforeSaving plants a bug, nodes that
// acknowledge writes at once but save their rounds only every half second,
// and shows the SIGKILL check reporting lost acknowledged writes.
func TestSIGKILLCatchesAcknowledgingBeforeSaving(t *testing.T) {
	if os.Getenv(envServeDir) != "" {
		t.Skip("the child runs in TestSIGKILLLosesNoAcknowledgedWrite")
	}
	res := killRun(t, helperServer("lazy"), sigkillRounds)
	t.Logf("planted bug (saving lazily, acknowledging at once): %d writes acknowledged, %d SIGKILLs, %d acknowledged writes lost (e.g. %s)",
		res.acked, res.kills, res.lost, strings.Join(res.examples, "; "))
	if res.died != "" {
		// Votes saved late can elect two leaders in a term; etcd Raft then
		// panics on a log conflicting with a committed entry. Caught too.
		t.Logf("and %s", res.died)
	}
	if res.lost == 0 && res.died == "" {
		t.Fatal("nodes that acknowledge writes before saving them passed the SIGKILL check")
	}
}

// TestSIGKILLReportsANodeStoppedByAPanic: a restarted server whose node
// stopped on an etcd Raft panic, while the process lives on, answers no
// read (no quorum). The kill run reports that node as the run's end at
// once; it used to wait two minutes for the reads and fail the test, which
// made the planted-bug test fail whenever the planted bug ended that way
// (its nodes panic on logs lost with votes saved late).
func TestSIGKILLReportsANodeStoppedByAPanic(t *testing.T) {
	if os.Getenv(envServeDir) != "" {
		t.Skip("the child runs in TestSIGKILLLosesNoAcknowledgedWrite")
	}
	start := time.Now()
	res := killRun(t, helperServer("stall"), 1)
	if !strings.Contains(res.died, "a node stopped while the acknowledged writes were read") || !strings.Contains(res.died, ErrRaftPanic.Error()) {
		t.Fatalf("died = %q, want the stopped node reported", res.died)
	}
	if res.kills != 1 || res.acked < ackedPerRound {
		t.Fatalf("%d kills, %d writes acknowledged; want 1 and at least %d", res.kills, res.acked, ackedPerRound)
	}
	t.Logf("reported after %v: %.80s", time.Since(start).Round(time.Millisecond), res.died)
}

// serveStalled is the child of TestSIGKILLReportsANodeStoppedByAPanic: an
// HTTP API that acknowledges every write and, restarted on the same
// directory, logs a node stopped by an etcd Raft panic as native does and
// answers no read, as a cluster without a quorum.
func serveStalled(dir string) {
	marker := filepath.Join(dir, "started")
	_, err := os.Stat(marker)
	restarted := err == nil
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if restarted {
		fmt.Fprintf(os.Stderr, "native: n1 stopped: %v: planted\n", ErrRaftPanic)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				return // 200: acknowledged
			}
			http.Error(w, "no leader", http.StatusServiceUnavailable)
		}))
	}()
	fmt.Printf("Seshat is running: open http://%s/\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent goes or kills it
	os.Exit(0)
}

// serverCmd returns the command that serves a durable 3-node cluster on
// dataDir, printing "open http://ADDR/" first.
type serverCmd func(dataDir string) *exec.Cmd

// devserverWithDataDir builds cmd/devserver and returns it as the server if
// it has the -data-dir flag; otherwise the helper (serveDurable).
func devserverWithDataDir(t *testing.T) (serverCmd, string) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "devserver")
	if out, err := exec.Command("go", "build", "-o", exe, "../cmd/devserver").CombinedOutput(); err != nil {
		t.Fatalf("building the dev server: %v\n%s", err, out)
	}
	help, _ := exec.Command(exe, "-h").CombinedOutput()
	if !bytes.Contains(help, []byte("-data-dir")) {
		t.Logf("cmd/devserver has no -data-dir flag yet: serving StartDurable's cluster from this test binary instead")
		return helperServer(""), "test helper (StartDurable + bridge API)"
	}
	return func(dir string) *exec.Cmd {
		return exec.Command(exe, "-addr", "127.0.0.1:0", "-native", "3", "-data-dir", dir)
	}, "devserver -native 3 -data-dir"
}

// helperServer runs this test binary as the server, with a planted bug or
// none ("").
func helperServer(plant string) serverCmd {
	return func(dir string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSIGKILLLosesNoAcknowledgedWrite$")
		cmd.Env = append(os.Environ(), envServeDir+"="+dir, envPlant+"="+plant)
		return cmd
	}
}

// serveDurable is the child: a durable 3-node cluster with the dev
// server's default timing, its HTTP API on a loopback port. It stops the
// cluster on SIGTERM, and exits when its parent goes (stdin closes).
func serveDurable(dir string, policy savePolicy) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	c, err := startDurable(cfg, dir, policy)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", bridge.New(c, bridge.Options{}).API())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Printf("Seshat is running: open http://%s/\n", ln.Addr())
	<-ctx.Done()
	_ = c.Stop()
	os.Exit(0)
}

// process is a running server.
type process struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	client *http.Client
	exited chan struct{} // closed once the process has ended
	err    error         // Wait's answer, set before exited closes
}

// launch starts a server on dir and waits for its address; ok is false if
// the process ended first (its stderr says why).
func launch(t *testing.T, server serverCmd, dir string) (p *process, ok bool) {
	t.Helper()
	cmd := server(dir)
	p = &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	first := &firstLine{line: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = first, p.stderr
	// The child's stdin closes when this process ends: the helper exits
	// then rather than outlive a crashed test.
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case line := <-first.line:
		m := regexp.MustCompile(`open (http://\S+)/`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("the server said %q, not its address; stderr:\n%s", line, p.stderr)
		}
		p.url = m[1]
	case <-p.exited:
		return p, false
	case <-time.After(time.Minute):
		t.Fatalf("the server did not say its address within a minute; stderr:\n%s", p.stderr)
	}
	p.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * sigkillWriters}}
	return p, true
}

// firstLine is a process's stdout: it passes on the first line and
// discards the rest.
type firstLine struct {
	mu   sync.Mutex
	buf  []byte
	line chan string // capacity 1
	done bool
}

func (f *firstLine) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		f.buf = append(f.buf, b...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.done = true
			f.line <- string(f.buf[:i])
		}
	}
	return len(b), nil
}

// syncBuffer is a process's stderr, read by a failing test while written.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(b)
}

// Contains reports whether sub was written (in one write or across).
func (s *syncBuffer) Contains(sub string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Contains(s.buf.Bytes(), []byte(sub))
}

// String returns the last 4 KiB written.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buf.Bytes()
	return string(b[max(0, len(b)-4096):])
}

// put writes key=value; it reports whether the write was acknowledged.
func (p *process) put(key, value string) bool {
	req, err := http.NewRequest(http.MethodPut, p.url+"/api/kv/"+key, strings.NewReader(value))
	if err != nil {
		return false
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// get reads key; ok is false when the server could not answer (no leader
// yet): the caller retries.
func (p *process) get(key string) (kv bridge.KV, ok bool) {
	resp, err := p.client.Get(p.url + "/api/kv/" + key)
	if err != nil {
		return kv, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return kv, false
	}
	return kv, json.NewDecoder(resp.Body).Decode(&kv) == nil
}

// killResult is what a kill run counted. died is set, with the end of its
// stderr, when a server restarted on the directory ended by itself (e.g.
// refusing its logs): the run stops there.
type killResult struct {
	acked, unacked, kills, lost int
	examples                    []string
	died                        string
}

// killRun starts the server on a fresh directory rounds+1 times: each
// time it first reads back every write acknowledged so far, then (but the
// last time) writes new keys from many goroutines and kills the process
// with SIGKILL once ackedPerRound of them were acknowledged, while the
// writers keep writing. The last process is stopped with SIGTERM.
func killRun(t *testing.T, server serverCmd, rounds int) killResult {
	t.Helper()
	dir := t.TempDir()
	var res killResult
	acked := map[string]string{}
	for round := 0; ; round++ {
		p, ok := launch(t, server, dir)
		if !ok {
			res.died = fmt.Sprintf("the server ended on start (%v): %s", p.err, p.stderr)
			break
		}
		lost, died := p.verify(t, acked, &res.examples)
		res.lost += lost
		if died != "" {
			res.died = died
			p.cmd.Process.Kill() // a node stopped but the process lives on
			<-p.exited
			break
		}
		if round == rounds {
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			<-p.exited
			if p.err != nil {
				t.Errorf("the last server exited with %v; stderr:\n%s", p.err, p.stderr)
			}
			break
		}
		n, unacked, died := p.writeAndKill(t, round, acked)
		if died != "" {
			res.died = died
			break
		}
		res.kills++
		res.unacked += unacked
		t.Logf("round %d: %d writes acknowledged, then SIGKILL", round, n)
	}
	res.acked = len(acked)
	return res
}

// writeAndKill writes distinct keys from sigkillWriters goroutines until
// ackedPerRound are acknowledged, kills the process with SIGKILL while the
// writes go on, and adds the acknowledged writes to acked. died says why
// when a node stopped on an etcd Raft panic first (the process is killed
// then too, and nothing is added).
func (p *process) writeAndKill(t *testing.T, round int, acked map[string]string) (n, unacked int, died string) {
	t.Helper()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		count   atomic.Int64
		failed  atomic.Int64
		killed  = make(chan struct{})
		isAcked = map[string]string{}
	)
	for w := 0; w < sigkillWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				key := fmt.Sprintf("r%d-w%d-%d", round, w, i)
				value := "v-" + key
				if !p.put(key, value) {
					failed.Add(1)
					continue
				}
				mu.Lock()
				isAcked[key] = value
				mu.Unlock()
				count.Add(1)
			}
		}()
	}
	stop := sync.OnceFunc(func() { close(killed) })
	defer func() { stop(); wg.Wait() }() // also when the test fails
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for count.Load() < ackedPerRound {
		select {
		case <-p.exited:
			t.Fatalf("round %d: the server ended during the writes (%v); stderr:\n%s", round, p.err, p.stderr)
		case <-tick.C:
		}
		if p.raftPanicked() {
			// A node stopped: with two of three the cluster may stall.
			p.cmd.Process.Kill()
			<-p.exited
			return 0, 0, fmt.Sprintf("round %d: a node stopped during the writes (%v); stderr:\n%s", round, ErrRaftPanic, p.stderr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: only %d writes acknowledged in two minutes; stderr:\n%s", round, count.Load(), p.stderr)
		}
	}
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL, in the middle of the writes
		t.Fatal(err)
	}
	<-p.exited
	stop()
	wg.Wait()
	p.client.CloseIdleConnections()
	for k, v := range isAcked {
		acked[k] = v
	}
	return len(isAcked), int(failed.Load()), ""
}

// raftPanicked reports whether a node of the process stopped because etcd
// Raft panicked (native logs it): the node is gone until the process
// restarts, and without a quorum reads and writes wait in vain.
func (p *process) raftPanicked() bool {
	return p.stderr.Contains(ErrRaftPanic.Error())
}

// verify reads every acknowledged key back and counts those missing or
// wrong, noting a few; died says why if the process ended or a node
// stopped on an etcd Raft panic first.
func (p *process) verify(t *testing.T, acked map[string]string, examples *[]string) (lost int, died string) {
	t.Helper()
	keys := make(chan string)
	var nlost atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Minute)
	var timedOut, panicked atomic.Bool
	for w := 0; w < sigkillWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			retry := time.NewTicker(20 * time.Millisecond)
			defer retry.Stop()
			for k := range keys {
				if panicked.Load() {
					continue // the rest cannot be read: drain
				}
				kv, ok := p.get(k)
				for !ok && time.Now().Before(deadline) {
					if p.raftPanicked() {
						panicked.Store(true)
						break
					}
					select {
					case <-p.exited:
						return
					case <-retry.C: // no leader yet: poll
					}
					kv, ok = p.get(k)
				}
				if !ok {
					if !panicked.Load() {
						timedOut.Store(true)
					}
					continue
				}
				if !kv.Found || kv.Value != acked[k] {
					nlost.Add(1)
					mu.Lock()
					if len(*examples) < 5 {
						*examples = append(*examples, fmt.Sprintf("%s: found %v, value %q, want %q", k, kv.Found, kv.Value, acked[k]))
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for k := range acked {
		select {
		case keys <- k:
		case <-p.exited:
			break feed
		}
	}
	close(keys)
	wg.Wait()
	select {
	case <-p.exited:
		return int(nlost.Load()), fmt.Sprintf("the server ended while the acknowledged writes were read (%v): %s", p.err, p.stderr)
	default:
	}
	if panicked.Load() {
		return int(nlost.Load()), fmt.Sprintf("a node stopped while the acknowledged writes were read (%v): %s", ErrRaftPanic, p.stderr)
	}
	if timedOut.Load() {
		t.Fatalf("the restarted server did not answer reads within two minutes; stderr:\n%s", p.stderr)
	}
	return int(nlost.Load()), ""
}
