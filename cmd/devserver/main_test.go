package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start runs the server with args and returns its base URL and a stop
// function that cancels it and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	url, _, stop := startSaying(t, args...)
	return url, stop
}

// startSaying is start that also returns the first line the server printed.
func startSaying(t *testing.T, args ...string) (string, string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	// A small page from disk: the embedded one holds the 9 MB engine, which
	// the server compresses at startup.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>Seshat</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-web", dir}, args...), pw, log.New(io.Discard, "", 0))
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("no output: %v", <-done)
	}
	m := regexp.MustCompile(`open (http://\S+)/`).FindStringSubmatch(lines.Text())
	if m == nil {
		cancel()
		t.Fatalf("first line %q names no URL", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return m[1], lines.Text(), func() error { cancel(); return <-done }
}

// eventually polls cond until it holds or the limit passes (native nodes
// run on the wall clock: there is no virtual time to advance).
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("waited %v for %s; goroutines:\n%s", limit, what, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServesThePageAndStopsCleanly(t *testing.T) {
	base := runtime.NumGoroutine()
	url, stop := start(t)
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /: %s", resp.Status)
	}
	if resp, err := http.Get(url + "/ws"); err != nil || resp.StatusCode != 404 {
		t.Errorf("GET /ws without -native: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	eventually(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

func TestNativeNodesTakeWritesOverHTTP(t *testing.T) {
	base := runtime.NumGoroutine()
	url, stop := start(t, "-native", "3")
	put := func() int {
		req, _ := http.NewRequest(http.MethodPut, url+"/api/kv/colour", strings.NewReader("teal"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The first write waits for the first election.
	eventually(t, 10*time.Second, "a write to be accepted", func() bool { return put() == 200 })
	resp, err := http.Get(url + "/api/kv/colour")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Value string `json:"value"`
		Found bool   `json:"found"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || !got.Found || got.Value != "teal" {
		t.Fatalf("GET /api/kv/colour: %+v, %v", got, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	eventually(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

func TestBadFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{{"-native", "12"}, {"-native", "-1"}, {"-addr", "nowhere"}, {"-bogus"}, {"-web", "/no/such/dir"}, {"-data-dir", "/tmp/x"}, {"-join", "127.0.0.1:1", "-data-dir", "/tmp/x"}, {"-native", "3", "stray"}, {"-node-id", "4"}, {"-join", "127.0.0.1:1", "-node-id", "-2"}} {
		err := run(context.Background(), args, io.Discard, log.New(io.Discard, "", 0))
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

// TestAMemberProcessJoinsVotesAndLeaves runs `devserver -join` as a separate
// process: its node joins the native cluster of a dev server, applies a
// write, is needed for a quorum once a native node crashes (3 of 4 voters),
// and leaves the cluster on SIGTERM.
func TestAMemberProcessJoinsVotesAndLeaves(t *testing.T) {
	url, stop := start(t, "-native", "3")
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	exe := filepath.Join(t.TempDir(), "devserver")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the dev server: %v\n%s", err, out)
	}
	host := strings.TrimPrefix(url, "http://")
	// An id that is not the next one is refused, with the reason.
	if out, err := exec.Command(exe, "-join", host, "-node-id", "9").CombinedOutput(); err == nil || !strings.Contains(string(out), "the next id is n4") {
		t.Fatalf("-node-id 9 on a 3-node cluster: %v: %s", err, out)
	}
	cmd := exec.Command(exe, "-join", host, "-node-id", "4")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var said []string
	expect := func(what string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the member process ended before saying %q: %q", what, said)
				}
				said = append(said, l)
				if strings.Contains(l, what) {
					return
				}
			case <-deadline:
				t.Fatalf("the member process did not say %q: %q", what, said)
			}
		}
	}
	expect("n4 joined the native cluster")

	request := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	type nodeView struct {
		ID     int    `json:"id"`
		Up     bool   `json:"up"`
		Role   string `json:"role"`
		Leader int    `json:"leader"`
		KV     struct {
			Pairs []struct{ Key, Value string }
		}
	}
	view := func() []nodeView {
		_, b := request(http.MethodGet, "/api/view?max_events=1", "")
		var f struct {
			View struct {
				Nodes []nodeView `json:"nodes"`
			} `json:"view"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("GET /api/view: %v: %s", err, b)
		}
		return f.View.Nodes
	}
	holds := func(id int, key, value string) bool {
		for _, n := range view() {
			if n.ID == id && n.Up {
				for _, p := range n.KV.Pairs {
					if p.Key == key && p.Value == value {
						return true
					}
				}
			}
		}
		return false
	}
	eventually(t, 10*time.Second, "a write to be accepted", func() bool { c, _ := request(http.MethodPut, "/api/kv/proc", "yes"); return c == 200 })
	eventually(t, 10*time.Second, "n4 (the other process) to apply it", func() bool { return holds(4, "proc", "yes") })

	// With a native follower down, 3 of the 4 voters are left: every commit
	// needs the other process's node.
	var leader int
	eventually(t, 10*time.Second, "a native leader", func() bool {
		for _, n := range view() {
			if n.Up && n.Role == "leader" && n.ID <= 3 {
				leader = n.ID
				return true
			}
		}
		return false
	})
	follower := 1
	if follower == leader {
		follower = 2
	}
	if c, b := request(http.MethodPost, "/api/command", fmt.Sprintf(`{"kind": "crash", "node": %d}`, follower)); c != 200 {
		t.Fatalf("crash n%d: %d %s", follower, c, b)
	}
	eventually(t, 10*time.Second, "a write with n4 in the quorum", func() bool { c, _ := request(http.MethodPut, "/api/kv/quorum", "n4"); return c == 200 })
	eventually(t, 10*time.Second, "n4 to apply it", func() bool { return holds(4, "quorum", "n4") })
	if c, b := request(http.MethodPost, "/api/command", fmt.Sprintf(`{"kind": "restart", "node": %d}`, follower)); c != 200 {
		t.Fatalf("restart n%d: %d %s", follower, c, b)
	}

	// SIGTERM: the process leaves the cluster and exits cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("n4 left the cluster")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the member process exited with %v: %q", err, said)
	}
	eventually(t, 10*time.Second, "n4 to be gone from the cluster", func() bool {
		for _, n := range view() {
			if n.ID == 4 && n.Up {
				return false
			}
		}
		return true
	})
	http.DefaultClient.CloseIdleConnections()
}
