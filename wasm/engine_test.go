package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
)

type reply struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Kind   string          `json:"kind"`
}

func call(t *testing.T, e *Engine, op, args string) reply {
	t.Helper()
	var r reply
	if err := json.Unmarshal(e.Call(op, []byte(args)), &r); err != nil {
		t.Fatalf("%s: answer is not JSON: %v", op, err)
	}
	return r
}

func frameOf(t *testing.T, r reply) Frame {
	t.Helper()
	if !r.OK {
		t.Fatalf("call failed: %s (%s)", r.Error, r.Kind)
	}
	var f Frame
	if err := json.Unmarshal(r.Result, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func leaderOf(f Frame) core.NodeID {
	for _, n := range f.View.Nodes {
		if n.Role == core.RoleLeader {
			return n.ID
		}
	}
	return 0
}

func TestEngineRunsACluster(t *testing.T) {
	e := &Engine{}
	f := frameOf(t, call(t, e, "create", `{"nodes": 5, "seed": 9}`))
	if len(f.View.Nodes) != 5 || f.View.Time != 0 || f.View.Seed != 9 {
		t.Fatalf("create: %+v", f.View)
	}
	var seq uint64
	for i := 0; i < 30 && leaderOf(f) == 0; i++ {
		f = frameOf(t, call(t, e, "frame", `{"advance_ms": 100, "since": `+itoa(seq)+`, "maintain_steps": 100}`))
		for _, ev := range f.Events {
			if ev.Seq <= seq {
				t.Fatalf("event %d repeated (since %d)", ev.Seq, seq)
			}
			seq = ev.Seq
		}
	}
	l := leaderOf(f)
	if l == 0 {
		t.Fatal("no leader after 3 virtual seconds")
	}
	f = frameOf(t, call(t, e, "command", `{"kind": "set", "key": "a", "value": "1"}`))
	f = frameOf(t, call(t, e, "frame", `{"advance_ms": 500}`))
	for _, n := range f.View.Nodes {
		if len(n.KV) != 1 || n.KV[0].Value != "1" {
			t.Fatalf("%s kv = %v", n.ID, n.KV)
		}
	}
	// Step, next, seek, export and import.
	before := f.View.Steps
	f = frameOf(t, call(t, e, "step", `{"n": 3}`))
	if f.View.Steps != before+3 {
		t.Fatalf("step 3: steps %d -> %d", before, f.View.Steps)
	}
	f = frameOf(t, call(t, e, "next", `{}`))
	if f.View.Steps <= before+3 {
		t.Fatal("next processed nothing")
	}
	f = frameOf(t, call(t, e, "seek", `{"t": 1000}`))
	if f.View.Time != 1000 || len(f.Events) == 0 || f.Events[0].Seq != 1 {
		t.Fatalf("seek: time %d, %d events from seq %d", f.View.Time, len(f.Events), f.Events[0].Seq)
	}
	r := call(t, e, "export", `{}`)
	if !r.OK || !strings.Contains(string(r.Result), `"commands"`) {
		t.Fatalf("export: %+v", r)
	}
	g := frameOf(t, call(t, &Engine{}, "import", string(r.Result)))
	if g.Horizon != f.Horizon {
		t.Fatalf("import: horizon %d, want %d", g.Horizon, f.Horizon)
	}
}

func itoa(v uint64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEngineErrorsAreValues(t *testing.T) {
	e := &Engine{}
	for _, tt := range []struct{ op, args, kind string }{
		{"frame", `{}`, "bad-request"},
		{"fly", `{}`, "bad-request"},
		{"create", `{"nodes": 12}`, "bad-config"},
		{"create", `{"nodes": "five"}`, "bad-request"},
		{"create", `{"bogus": 1}`, "bad-request"},
		{"import", `{"version": 9}`, "bad-session"},
	} {
		if r := call(t, e, tt.op, tt.args); r.OK || r.Kind != tt.kind || r.Error == "" {
			t.Errorf("%s %s: %+v, want kind %s", tt.op, tt.args, r, tt.kind)
		}
	}
	frameOf(t, call(t, e, "create", `{}`))
	for _, tt := range []struct{ op, args, kind string }{
		{"command", `{"kind": "crash", "node": 9}`, "unknown-node"},
		{"command", `{"kind": "restart", "node": 1}`, "impossible"},
		{"command", `{"kind": "drop", "msg": 123456}`, "unknown-message"},
		{"command", `{"kind": "warp"}`, "bad-command"},
		{"command", `not json`, "bad-command"},
		{"frame", `{"advance_ms": 3600000}`, "bad-request"},
		{"step", `{"n": 0}`, "bad-request"},
		{"seek", `{"t": 99999}`, "impossible"},
	} {
		if r := call(t, e, tt.op, tt.args); r.OK || r.Kind != tt.kind {
			t.Errorf("%s %s: %+v, want kind %s", tt.op, tt.args, r, tt.kind)
		}
	}
	// The engine still works after all that.
	frameOf(t, call(t, e, "frame", `{"advance_ms": 100}`))
}

func TestEngineRecoversPanics(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{}`))
	e.panicHook = func(op string) {
		if op == "frame" {
			panic("boom")
		}
	}
	r := call(t, e, "frame", `{"advance_ms": 10}`)
	if r.OK || r.Kind != "internal" || !strings.Contains(r.Error, "boom") {
		t.Fatalf("panic answer = %+v", r)
	}
	e.panicHook = nil
	frameOf(t, call(t, e, "frame", `{"advance_ms": 10}`))
}

func TestEngineIsDeterministic(t *testing.T) {
	run := func() string {
		e := &Engine{}
		call(t, e, "create", `{"seed": 3, "clients": {"count": 2, "rate_per_sec": 5, "timeout_ms": 1000, "keys": 3}}`)
		call(t, e, "frame", `{"advance_ms": 2000}`)
		call(t, e, "command", `{"kind": "crash", "node": 2}`)
		return string(e.Call("frame", []byte(`{"advance_ms": 3000, "since": 0}`)))
	}
	if a, b := run(), run(); a != b {
		t.Fatal("same calls gave different frames")
	}
}
