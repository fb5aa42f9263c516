package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/internal/simtest"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// haltedSession is a session a checker halts (simtest.HaltedSession), as
// JSON.
func haltedSession(t *testing.T) string {
	t.Helper()
	s, err := simtest.HaltedSession(wire.FaultForgetVote, 50)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sim.MarshalSession(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEngineShrink: shrink answers pending with the runs so far, then a
// smaller session that imports to the same violation; the cluster shown
// is not changed, other calls wait, and cancel stops a shrink.
func TestEngineShrink(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"nodes": 3}`))
	if r := call(t, e, "shrink", ""); r.OK || r.Kind != "impossible" || !strings.Contains(r.Error, "no checker has halted") {
		t.Fatalf("shrink of a healthy cluster: %+v", r)
	}
	s := haltedSession(t)
	halted := frameOf(t, call(t, e, "import", s))
	if halted.Halted == nil {
		t.Fatal("the session does not halt")
	}
	r := call(t, e, "shrink", "")
	slices := 0
	for r.Pending != nil {
		p := r.Pending
		if p.Op != "shrink" || p.Shrink == nil || p.At != int64(p.Shrink.Runs) || p.Until != int64(sim.DefaultShrinkRuns) {
			t.Fatalf("slice %d: %+v", slices, p)
		}
		if b := call(t, e, "frame", `{"advance_ms": 10}`); b.OK || !strings.Contains(b.Error, "a shrink") {
			t.Fatalf("frame during a shrink: %+v", b)
		}
		slices++
		r = call(t, e, "resume", "")
	}
	if !r.OK || slices < 2 {
		t.Fatalf("after %d slices: %+v", slices, r)
	}
	var a ShrinkAnswer
	if err := json.Unmarshal(r.Result, &a); err != nil {
		t.Fatal(err)
	}
	if a.After.Commands >= a.Before.Commands || a.Runs != slices || !strings.HasPrefix(a.Failure, halted.Halted.Property) {
		t.Fatalf("shrunk %+v -> %+v in %d runs (%d slices): %s", a.Before, a.After, a.Runs, slices, a.Failure)
	}
	// The cluster shown is the one that was halted.
	if f := frameOf(t, call(t, e, "frame", "")); f.Halted == nil || f.View.Time != halted.View.Time {
		t.Fatalf("after the shrink the engine shows %d ms, halted %v", f.View.Time, f.Halted)
	}
	small, _ := json.Marshal(a.Session)
	if f := frameOf(t, call(t, e, "import", string(small))); f.Halted == nil || f.Halted.Property != halted.Halted.Property {
		t.Fatalf("the shrunk session imports to %+v", f.Halted)
	}

	frameOf(t, call(t, e, "import", s))
	if r := call(t, e, "shrink", ""); r.Pending == nil {
		t.Fatalf("shrink: %+v", r)
	}
	if r := call(t, e, "cancel", ""); r.OK || r.Kind != "cancelled" || !strings.Contains(r.Error, "shrink cancelled after 1 runs") {
		t.Fatalf("cancel: %+v", r)
	}
	if f := frameOf(t, call(t, e, "frame", "")); f.Halted == nil {
		t.Fatal("the cancelled shrink changed the cluster")
	}
}

// TestEngineWhy: why answers a causal question about the cluster now, and
// refuses a bad one in its words.
func TestEngineWhy(t *testing.T) {
	e := &Engine{}
	if r := call(t, e, "why", `{"about": "role", "node": 1}`); r.OK || r.Kind != "bad-request" {
		t.Fatalf("why before create: %+v", r)
	}
	frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 4}`))
	f := frameOf(t, call(t, e, "frame", `{"advance_ms": 3000}`))
	leader := 0
	for _, n := range f.View.Nodes {
		if n.Role == "leader" {
			leader = int(n.ID)
		}
	}
	r := call(t, e, "why", fmt.Sprintf(`{"about": "role", "node": %d}`, leader))
	var a wire.WhyAnswer
	if !r.OK || json.Unmarshal(r.Result, &a) != nil || !strings.Contains(a.Text, "became leader") || len(a.Chain) < 2 {
		t.Fatalf("why is the leader leader: %+v (%s)", r, r.Result)
	}
	for _, bad := range []struct{ args, kind, text string }{
		{`{"about": "weather", "node": 1}`, "bad-request", `about "weather" must be`},
		{`{"about": "role", "node": 9}`, "unknown-node", "node 9 is not in the view"},
		{`{"about": "message", "msg": 123456789}`, "unknown-message", "not in the kept trace"},
		{`{"about": "role", "node": -1}`, "bad-request", "node -1"},
	} {
		if r := call(t, e, "why", bad.args); r.OK || r.Kind != bad.kind || !strings.Contains(r.Error, bad.text) {
			t.Errorf("why %s: %+v, want %s naming %q", bad.args, r, bad.kind, bad.text)
		}
	}
}

// TestEngineSearch: search replays the session in slices and answers the
// events found; a query it does not understand is refused in words.
func TestEngineSearch(t *testing.T) {
	e := &Engine{slice: 500}
	frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 2}`))
	frameOf(t, call(t, e, "frame", `{"advance_ms": 30000}`))
	r := call(t, e, "search", `{"query": "leader changes"}`)
	r, slices := resumeAll(t, e, r, "search")
	var got sim.SearchResult
	if !r.OK || json.Unmarshal(r.Result, &got) != nil || got.Total < 1 || got.Events[0].Kind != wire.EvRole || slices < 2 {
		t.Fatalf("after %d slices: %+v (%s)", slices, r, r.Result)
	}
	if r := call(t, e, "search", `{"query": "leader changes please"}`); r.OK || r.Kind != "bad-command" || !strings.Contains(r.Error, `"please" is not understood`) {
		t.Fatalf("a search not understood: %+v", r)
	}
}

// TestEngineDiagram: diagram answers the messages and marks of a window of
// the kept trace; a bad window is refused naming the field.
func TestEngineDiagram(t *testing.T) {
	e := &Engine{}
	if r := call(t, e, "diagram", `{"span": 1000}`); r.OK || r.Kind != "bad-request" {
		t.Fatalf("diagram before create: %+v", r)
	}
	frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 4}`))
	frameOf(t, call(t, e, "frame", `{"advance_ms": 3000}`))
	var plain, all wire.Diagram
	for _, c := range []struct {
		args string
		d    *wire.Diagram
	}{{`{"span": 3000}`, &plain}, {`{"span": 3000, "heartbeats": true}`, &all}} {
		r := call(t, e, "diagram", c.args)
		if !r.OK || json.Unmarshal(r.Result, c.d) != nil {
			t.Fatalf("diagram %s: %+v", c.args, r)
		}
	}
	if plain.To != 3000 || plain.From != 0 || len(plain.Nodes) != 3 || len(plain.Messages) == 0 || len(all.Messages) <= len(plain.Messages) || len(plain.Marks) == 0 {
		t.Fatalf("diagram: window %d..%d, %d lanes, %d messages (%d with heartbeats), %d marks", plain.From, plain.To, len(plain.Nodes), len(plain.Messages), len(all.Messages), len(plain.Marks))
	}
	for _, m := range plain.Messages {
		if wire.IsHeartbeat(plain.Types[m.Type]) {
			t.Fatalf("a heartbeat (%+v) in a diagram that did not ask for them", m)
		}
	}
	for _, bad := range []struct{ args, text string }{
		{`{}`, "span 0 must be 1 to 60000"},
		{`{"span": 60001}`, "span 60001"},
		{`{"span": 10, "max": 20001}`, "max 20001"},
		{`{"span": 10, "to": -1}`, "to -1"},
		{`{"span": 10, "heartbeats": "yes"}`, "heartbeats"},
		{`{"span": 10, "colour": 1}`, "colour"},
	} {
		if r := call(t, e, "diagram", bad.args); r.OK || r.Kind != "bad-request" || !strings.Contains(r.Error, bad.text) {
			t.Errorf("diagram %s: %+v, want bad-request naming %q", bad.args, r, bad.text)
		}
	}
}

// TestEngineFork: fork compares the session with a fork of it in slices
// and answers the fork's session and the first difference, with both
// views; the fork's session imports; cancel stops a comparison; a change
// the cluster refuses and a comparison too long are refused.
func TestEngineFork(t *testing.T) {
	e := &Engine{slice: 300}
	frameOf(t, call(t, e, "create", `{"nodes": 5, "seed": 2, "clients": {"count": 3, "rate_per_sec": 10}}`))
	before := frameOf(t, call(t, e, "frame", `{"advance_ms": 3000}`))
	change := `{"change": {"kind": "network", "network": {"min_latency_ms": 10, "max_latency_ms": 50, "drop_rate": 0.3}}, "for_ms": 5000}`
	r := call(t, e, "fork", change)
	r, slices := resumeAll(t, e, r, "fork")
	var got sim.ForkResult
	if !r.OK || json.Unmarshal(r.Result, &got) != nil || !got.Diverged || got.At != 3000 || got.Time < 3000 || got.OriginalView == nil || got.ForkedView == nil || slices < 1 {
		t.Fatalf("after %d slices: %+v (%.300s)", slices, r, r.Result)
	}
	if now := frameOf(t, call(t, e, "frame", `{}`)); now.View.Time != before.View.Time {
		t.Fatalf("forking moved the cluster from %d to %d", before.View.Time, now.View.Time)
	}
	b, err := sim.MarshalSession(got.Session)
	if err != nil {
		t.Fatal(err)
	}
	r = call(t, e, "import", string(b))
	for r.Pending != nil {
		r = call(t, e, "resume", "")
	}
	if f := frameOf(t, r); f.View.Time != got.Session.Until {
		t.Fatalf("the fork's session imports to %d, not %d", f.View.Time, got.Session.Until)
	}

	// Both runs at another time: compare takes the fork's base and session
	// back, needs no cluster of its own and changes none.
	at := (got.Time + got.Until) / 2
	args, err := json.Marshal(map[string]any{"base": got.Base, "fork": got.Session, "at": at})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = resumeAll(t, e, call(t, e, "compare", string(args)), "compare")
	var cmp sim.ForkResult
	if !r.OK || json.Unmarshal(r.Result, &cmp) != nil || cmp.ViewAt != at || cmp.OriginalView == nil || cmp.ForkedView == nil ||
		cmp.OriginalView.Time != at || cmp.ForkedView.Time != at || !cmp.Diverged || cmp.Time != got.Time {
		t.Fatalf("compare at %d: %+v (%.300s)", at, r, r.Result)
	}
	if r := call(t, (&Engine{}), "compare", string(args)); !r.OK && r.Pending == nil {
		t.Fatalf("compare in an engine with no cluster: %+v", r)
	}
	for _, bad := range []struct{ args, kind, text string }{
		{`{"base": {}, "fork": {}, "at": -1}`, "bad-request", "at -1"},
		{`{"base": {}, "fork": {}, "at": 1, "extra": 1}`, "bad-request", "extra"},
		{`{"base": {"version": 9}, "fork": {}, "at": 0}`, "bad-session", "compare: this run: "},
		{`{"base": ` + string(b) + `, "fork": {"version": 1, "config": {"seed": 1e30}}, "at": 0}`, "bad-session", "compare: the fork: "},
		{strings.Replace(string(args), `"at":`, `"at": 1e9, "x":`, 1), "bad-request", ""},
	} {
		if r := call(t, e, "compare", bad.args); r.OK || r.Kind != bad.kind || !strings.Contains(r.Error, bad.text) {
			t.Errorf("compare %.80s: %+v, want %s naming %q", bad.args, r, bad.kind, bad.text)
		}
	}
	if r := call(t, e, "compare", strings.Replace(string(args), fmt.Sprintf(`"at":%d`, at), `"at":999999999`, 1)); r.OK || r.Kind != "impossible" || !strings.Contains(r.Error, "span 0 to") {
		t.Errorf("compare past the runs: %+v", r)
	}

	if r := call(t, e, "fork", change); r.Pending == nil {
		t.Fatalf("a fork of a longer session answered at once: %+v", r)
	}
	if r := call(t, e, "cancel", ""); r.OK || r.Kind != "cancelled" || !strings.Contains(r.Error, "fork cancelled; nothing was changed") {
		t.Fatalf("cancel: %+v", r)
	}
	for _, bad := range []struct{ args, kind, text string }{
		{`{"change": {"kind": "restart", "node": 1}}`, "impossible", "fork: the change: "},
		{`{"change": {"kind": "network"}, "for_ms": 600001}`, "bad-request", "for_ms 600001"},
		{`{"change": {"kind": "fly"}}`, "bad-command", "fly"},
	} {
		if r := call(t, e, "fork", bad.args); r.OK || r.Kind != bad.kind || !strings.Contains(r.Error, bad.text) {
			t.Errorf("fork %s: %+v, want %s naming %q", bad.args, r, bad.kind, bad.text)
		}
	}
}

// resumeAll resumes a long call (op) until it answers, checking that each
// pending answer is of op; it returns the answer and the slices it took.
func resumeAll(t *testing.T, e *Engine, r reply, op string) (reply, int) {
	t.Helper()
	slices := 0
	for r.Pending != nil {
		if r.Pending.Op != op {
			t.Fatalf("pending %+v, not of %s", r.Pending, op)
		}
		slices++
		r = call(t, e, "resume", "")
	}
	return r, slices
}
