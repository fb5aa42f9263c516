package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// start runs the server with args and returns its base URL and a stop
// function that cancels it and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
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
	return m[1], func() error { cancel(); return <-done }
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
	for _, args := range [][]string{{"-native", "12"}, {"-native", "-1"}, {"-addr", "nowhere"}, {"-bogus"}, {"-web", "/no/such/dir"}} {
		err := run(context.Background(), args, io.Discard, log.New(io.Discard, "", 0))
		if err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
