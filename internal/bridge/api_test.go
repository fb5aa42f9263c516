package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// do sends an API request and returns the status and the decoded JSON.
func do(t *testing.T, client *http.Client, method, url, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: content type %q", method, url, ct)
	}
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, v
}

func TestAPI(t *testing.T) {
	fe := newFake()
	fe.emit(9)
	_, srv := serve(t, fe, Options{MaxBodyBytes: 100, RequestTimeout: 100 * time.Millisecond})
	client := srv.Client()
	u := srv.URL

	check := func(method, path, body string, wstatus int, want string) map[string]any {
		t.Helper()
		status, v := do(t, client, method, u+path, body)
		got, _ := json.Marshal(v)
		if status != wstatus || !strings.Contains(string(got), want) {
			t.Errorf("%s %s: %d %s; want %d with %s", method, path, status, got, wstatus, want)
		}
		return v
	}
	check("PUT", "/api/kv/greeting", "hello world", 200, `{"index":1,"ok":true}`)
	check("GET", "/api/kv/greeting", "", 200, `{"found":true,"key":"greeting","value":"hello world"}`)
	check("PUT", "/api/kv/a%2Fb", "x", 200, `"index":2`)
	check("GET", "/api/kv/a/b", "", 200, `"value":"x"`)
	check("DELETE", "/api/kv/greeting", "", 200, `{"existed":true,"index":3,"ok":true}`)
	check("GET", "/api/kv/greeting", "", 200, `{"found":false,"key":"greeting","value":""}`)
	check("DELETE", "/api/kv/greeting", "", 200, `{"existed":false,"index":4,"ok":true}`)
	check("PUT", "/api/kv/", "x", 400, `"kind":"bad-request"`)
	check("PUT", "/api/kv/big", strings.Repeat("v", 101), 400, `larger than 100 bytes`)
	check("PUT", "/api/kv/bin", "\xff\xfe", 400, `not UTF-8`)
	check("POST", "/api/kv/k", "x", 405, `"kind":"bad-request"`)

	check("POST", "/api/command", `{"kind":"crash","node":2}`, 200, `{"ok":true}`)
	check("POST", "/api/command", `{"kind":"crash","node":2}`, 409, `"kind":"impossible"`)
	check("POST", "/api/command", `{"kind":"crash","node":12}`, 404, `"kind":"unknown-node"`)
	check("POST", "/api/command", `{"kind":"crash","nod":1}`, 400, `"kind":"bad-command"`)
	check("POST", "/api/command", `{"kind":"restart","node":2} {"kind":"crash","node":3}`, 400, `"kind":"bad-command"`)
	check("POST", "/api/command", `not json`, 400, `"kind":"bad-command"`)
	check("POST", "/api/command", `{"kind":"deliver","msg":3}`, 409, `real time`)
	check("POST", "/api/command", `{"kind":"set","key":"panic"}`, 500, `"kind":"internal"`)
	check("GET", "/api/command", "", 405, `use POST`)
	if _, applied := fe.calls(); applied != 1 {
		t.Errorf("%d commands applied; want 1", applied)
	}

	v := check("GET", "/api/view", "", 200, `"view":`)
	if ev := v["events"].([]any); len(ev) != 11 {
		t.Errorf("view: %d events", len(ev))
	}
	v = check("GET", "/api/view?since=4&events=notable&max_events=2&log_window=9", "", 200, `"seed":9`)
	if ev := v["events"].([]any); len(ev) != 2 {
		t.Errorf("view with arguments: %d events", len(ev))
	}
	check("GET", "/api/view?since=x", "", 400, `since`)
	check("GET", "/api/view?events=most", "", 400, `"kind":"bad-request"`)
	check("GET", "/api/view?max_events=-1", "", 400, `max_events`)
	check("GET", "/api/view?sinse=1", "", 400, `unknown parameter`)
	check("GET", "/api/view?since=1&since=2", "", 400, `2 times`)
	check("GET", "/api/nothing", "", 404, `no endpoint`)

	// Not now: an engine error of the unavailable family, or a timeout.
	for _, err := range []error{
		fmt.Errorf("native: %w", ErrUnavailable),
		fmt.Errorf("native: set: %w", core.ErrNoQuorum),
		&core.NotLeaderError{},
		errors.New("native: the node went down before answering"), // names no kind
	} {
		fe.set(func(f *fakeEngine) { f.kvErr = err })
		check("PUT", "/api/kv/k", "v", 503, `"kind":"unavailable"`)
		check("GET", "/api/kv/k", "", 503, `"kind":"unavailable"`)
		check("DELETE", "/api/kv/k", "", 503, `"kind":"unavailable"`)
	}
	fe.set(func(f *fakeEngine) { f.kvErr, f.delay = nil, time.Minute })
	start := time.Now()
	check("PUT", "/api/kv/k", "v", 503, `no answer within 100ms`)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a timed-out request took %v", d)
	}
}

func TestAPICloseCancelsRequests(t *testing.T) {
	fe := newFake()
	fe.set(func(f *fakeEngine) { f.delay = time.Minute })
	b, srv := serve(t, fe, Options{RequestTimeout: time.Minute})
	done := make(chan int)
	go func() {
		resp, err := srv.Client().Get(srv.URL + "/api/kv/k")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	eventually(t, "the request to reach the engine", func() bool {
		fe.mu.Lock()
		defer fe.mu.Unlock()
		return fe.waiting == 1
	})
	b.Close()
	select {
	case status := <-done:
		if status != http.StatusServiceUnavailable {
			t.Fatalf("status %d", status)
		}
	case <-time.After(wait):
		t.Fatal("Close did not cancel a request in flight")
	}
}

func TestKindOf(t *testing.T) {
	for _, tt := range []struct {
		err     error
		wkind   wire.ErrorKind
		wstatus int
	}{
		{badRequest("x"), "bad-request", 400},
		{fmt.Errorf("%w: x", wire.ErrBadConfig), "bad-config", 400},
		{fmt.Errorf("%w: x", wire.ErrBadCommand), "bad-command", 400},
		{fmt.Errorf("%w: %w", wire.ErrBadSession, wire.ErrBadConfig), "bad-session", 400},
		{fmt.Errorf("%w: x", wire.ErrUnknownNode), "unknown-node", 404},
		{fmt.Errorf("%w: x", wire.ErrUnknownMessage), "unknown-message", 404},
		{fmt.Errorf("%w: x", wire.ErrImpossible), "impossible", 409},
		{fmt.Errorf("%w: x", wire.ErrHalted), "halted", 409},
		{fmt.Errorf("%w: x", ErrUnavailable), "unavailable", 503},
		{&core.NotLeaderError{Leader: 2}, "unavailable", 503},
		{fmt.Errorf("x: %w", core.ErrNoQuorum), "unavailable", 503},
		{context.DeadlineExceeded, "unavailable", 503},
		{fmt.Errorf("x: %w", wire.ErrUnavailable), "unavailable", 503},
		{fmt.Errorf("x: %w: %w", context.DeadlineExceeded, wire.ErrOutcomeUnknown), "unknown-outcome", 504},
		{engineErr(fmt.Errorf("x: %w", wire.ErrOutcomeUnknown)), "unknown-outcome", 504},
		{errors.New("something else"), "internal", 500},
		{engineErr(errors.New("native: the cluster is stopped")), "unavailable", 503},
		{engineErr(fmt.Errorf("%w: x", wire.ErrUnknownNode)), "unknown-node", 404},
		{engineErr(badRequest("x")), "bad-request", 400},
	} {
		if k := kindOf(tt.err); k != tt.wkind || statusOf(k) != tt.wstatus {
			t.Errorf("%v: kind %q status %d; want %q %d", tt.err, k, statusOf(k), tt.wkind, tt.wstatus)
		}
	}
}

// TestAPIRetryAdvice checks that a client can tell a write that certainly
// did not happen (503 unavailable, Retry-After) from one that may have
// (504 unknown-outcome, no Retry-After: retrying is the client's choice).
func TestAPIRetryAdvice(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{RequestTimeout: 100 * time.Millisecond})
	send := func(method, path, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		return resp, v
	}
	for _, tt := range []struct {
		name        string
		err         error
		delay       time.Duration
		status      int
		kind, retry string
	}{
		{"not applied", fmt.Errorf("native: set k=v: %w: %w", context.DeadlineExceeded, wire.ErrUnavailable), 0, 503, "unavailable", "1"},
		{"no quorum", core.ErrNoQuorum, 0, 503, "unavailable", "1"},
		{"timeout, nothing accepted", nil, time.Minute, 503, "unavailable", "1"},
		{"leader crashed", fmt.Errorf("native: set k=v: the node went down: %w", wire.ErrOutcomeUnknown), 0, 504, "unknown-outcome", ""},
		{"timeout after propose", fmt.Errorf("native: set k=v: %w: %w", context.DeadlineExceeded, wire.ErrOutcomeUnknown), 0, 504, "unknown-outcome", ""},
	} {
		fe.set(func(f *fakeEngine) { f.kvErr, f.delay = tt.err, tt.delay })
		for _, method := range []string{"PUT", "DELETE"} {
			resp, v := send(method, "/api/kv/k", "v")
			if resp.StatusCode != tt.status || v["kind"] != tt.kind || resp.Header.Get("Retry-After") != tt.retry {
				t.Errorf("%s: %s: %d kind %v Retry-After %q; want %d %s %q (%v)", tt.name, method,
					resp.StatusCode, v["kind"], resp.Header.Get("Retry-After"), tt.status, tt.kind, tt.retry, v["error"])
			}
		}
	}
}
