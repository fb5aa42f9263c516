package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/sim"
)

// A session with until 1e12 made the worker spin for ever, and a million
// commands froze it: both are refused at once, before any replay, with
// errors naming the field, its value and the limit.
func TestEngineImportRefusesPastTheLimits(t *testing.T) {
	e := &Engine{}
	r := call(t, e, "import", `{"version": 1, "config": {"nodes": 3}, "commands": [], "until": 1000000000000}`)
	if r.OK || r.Kind != "bad-session" || !strings.Contains(r.Error, "until is 1000000000000 ms") || !strings.Contains(r.Error, fmt.Sprint(sim.MaxSessionUntilMS)) {
		t.Fatalf("until 1e12: %+v", r)
	}
	var b strings.Builder
	b.WriteString(`{"version": 1, "config": {"nodes": 3}, "until": 2000000, "commands": [`)
	for i := 0; i <= sim.MaxSessionCommands; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"step":%d,"at":%d,"cmd":{"kind":"heal"}}`, i, i)
	}
	b.WriteString("]}")
	r = call(t, e, "import", b.String())
	if r.OK || r.Kind != "bad-session" || !strings.Contains(r.Error, fmt.Sprintf("%d commands", sim.MaxSessionCommands+1)) {
		t.Fatalf("too many commands: %+v", r)
	}
	big := "[" + strings.Repeat("0,", sim.MaxSessionBytes/2) + "0]"
	r = call(t, e, "import", big)
	if r.OK || r.Kind != "bad-session" || !strings.Contains(r.Error, fmt.Sprint(len(big))) {
		t.Fatalf("too many bytes: %+v", r)
	}
	var lim sim.SessionLimits
	if err := json.Unmarshal(call(t, e, "limits", "").Result, &lim); err != nil || lim != sim.Limits() {
		t.Fatalf("limits: %+v %v", lim, err)
	}
}

// exported is a session of a 5-node cluster with clients, run to end ms.
func exported(t *testing.T, end int64) string {
	t.Helper()
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"nodes": 5, "seed": 4, "clients": {"count": 2, "rate_per_sec": 5}}`))
	for now := int64(0); now < end; now += 60_000 {
		frameOf(t, call(t, e, "frame", `{"advance_ms": 60000}`))
	}
	return string(call(t, e, "export", "").Result)
}

// A long import answers "pending" with its progress after each slice until
// resume reaches the end, and ends where a one-call import ends.
func TestEngineImportRunsInSlices(t *testing.T) {
	s := exported(t, 120_000)
	whole := frameOf(t, call(t, &Engine{slice: 1 << 30}, "import", s))
	e := &Engine{slice: 2_000}
	r := call(t, e, "import", s)
	var last int64 = -1
	slices := 0
	for r.Pending != nil {
		p := r.Pending
		if p.Op != "import" || p.At < last || p.Until != 120_000 || r.Result != nil {
			t.Fatalf("slice %d: %+v", slices, r)
		}
		last = p.At
		slices++
		if slices > 1000 {
			t.Fatal("the import never ends")
		}
		// Other calls are refused while it runs; the job goes on.
		if b := call(t, e, "frame", `{"advance_ms": 10}`); b.OK || b.Kind != "bad-request" || !strings.Contains(b.Error, "an import") {
			t.Fatalf("frame during an import: %+v", b)
		}
		r = call(t, e, "resume", "")
	}
	if slices < 5 {
		t.Fatalf("%d slices: the test does not slice", slices)
	}
	f := frameOf(t, r)
	if f.View.Time != whole.View.Time || f.View.Events != whole.View.Events {
		t.Fatalf("sliced import at %d ms with %d events; whole at %d with %d", f.View.Time, f.View.Events, whole.View.Time, whole.View.Events)
	}
	if b := call(t, e, "resume", ""); b.OK || b.Kind != "bad-request" {
		t.Fatalf("resume with nothing running: %+v", b)
	}
}

// Cancelling an import leaves the cluster that was there; cancelling a
// seek answers the frame where the replay got to; both leave the engine
// working.
func TestEngineCancel(t *testing.T) {
	s := exported(t, 120_000)
	e := &Engine{slice: 2_000}
	before := frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 9}`))
	if r := call(t, e, "cancel", ""); !r.OK || string(r.Result) != `{"cancelled":false}` {
		t.Fatalf("cancel with nothing running: %+v", r)
	}
	if r := call(t, e, "import", s); r.Pending == nil {
		t.Fatalf("import: %+v, want pending", r)
	}
	r := call(t, e, "cancel", "")
	if r.OK || r.Kind != "cancelled" || !strings.Contains(r.Error, "import cancelled") {
		t.Fatalf("cancel: %+v", r)
	}
	f := frameOf(t, call(t, e, "frame", `{"advance_ms": 0}`))
	if len(f.View.Nodes) != 3 || f.View.Time != before.View.Time {
		t.Fatalf("after a cancelled import: %d nodes at %d ms, want the 3-node cluster at %d", len(f.View.Nodes), f.View.Time, before.View.Time)
	}

	e = &Engine{slice: 1 << 30}
	frameOf(t, call(t, e, "import", s))
	e.slice = 500
	r = call(t, e, "seek", `{"t": 100000}`)
	if r.Pending == nil || r.Pending.Op != "seek" {
		t.Fatalf("seek: %+v, want pending", r)
	}
	f = frameOf(t, call(t, e, "cancel", ""))
	if f.View.Time >= 100_000 || f.Horizon != 120_000 {
		t.Fatalf("cancelled seek: at %d ms, horizon %d", f.View.Time, f.Horizon)
	}
	e.slice = 1 << 30
	f = frameOf(t, call(t, e, "seek", `{"t": 110000}`))
	if f.View.Time != 110_000 {
		t.Fatalf("seek after a cancelled one: at %d", f.View.Time)
	}
}

// The live cluster stops at the horizon an import accepts, so a session the
// page makes can always be loaded again from its link or file.
func TestEngineLiveSessionStopsAtTheLimit(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"nodes": 1}`))
	var r reply
	for i := 0; i < sim.MaxSessionUntilMS/60_000+2; i++ {
		if r = call(t, e, "frame", `{"advance_ms": 60000}`); !r.OK {
			break
		}
	}
	if r.OK || r.Kind != "impossible" || !strings.Contains(r.Error, "sim.MaxSessionUntilMS") {
		t.Fatalf("past the limit: %+v", r)
	}
	for _, op := range []string{"step", "next"} {
		args := `{"n": 1}`
		if op == "next" {
			args = ""
		}
		if r := call(t, e, op, args); r.OK || r.Kind != "impossible" {
			t.Fatalf("%s past the limit: %+v", op, r)
		}
	}
	s := call(t, e, "export", "").Result
	f := frameOf(t, call(t, &Engine{slice: 1 << 30}, "import", string(s)))
	if f.Horizon != sim.MaxSessionUntilMS {
		t.Fatalf("imported horizon %d, want %d", f.Horizon, sim.MaxSessionUntilMS)
	}
}
