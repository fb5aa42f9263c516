package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

type reply struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Kind   string          `json:"kind"`
	// Pending is set while an import or seek runs in slices.
	Pending *Progress `json:"pending"`
}

func call(t testing.TB, e *Engine, op, args string) reply {
	t.Helper()
	out := e.Call(op, []byte(args))
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%s: answer is not JSON: %v: %s", op, err, out)
	}
	if r.OK == (r.Kind != "") || r.OK == (r.Error != "") {
		t.Fatalf("%s: inconsistent answer %s", op, out)
	}
	return r
}

func frameOf(t testing.TB, r reply) Frame {
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
		if n.Up && n.Role == core.RoleLeader {
			return n.ID
		}
	}
	return 0
}

// page keeps events the way web/model.js does: it appends each frame's
// events, starts over after create, import and seek, and asks for the
// events after the last one it has.
type page struct {
	t      *testing.T
	e      *Engine
	events []wire.Event
	f      Frame
}

func (p *page) lastSeq() uint64 {
	if len(p.events) == 0 {
		return 0
	}
	return p.events[len(p.events)-1].Seq
}

// do runs a call, with "since" added to args when the op takes it.
func (p *page) do(op, args string, reset bool) Frame {
	p.t.Helper()
	if strings.Contains(args, "SINCE") {
		args = strings.ReplaceAll(args, "SINCE", fmt.Sprint(p.lastSeq()))
	}
	p.f = frameOf(p.t, call(p.t, p.e, op, args))
	if reset {
		p.events = nil
	}
	p.events = append(p.events, p.f.Events...)
	// With fewer events than the trace keeps, the page has all of them, in
	// order, each once.
	for i, ev := range p.events {
		if ev.Seq != uint64(i+1) {
			p.t.Fatalf("after %s %s: event %d has seq %d: events lost or repeated", op, args, i, ev.Seq)
		}
	}
	if uint64(len(p.events)) != p.f.View.Events {
		p.t.Fatalf("after %s %s: page has %d events, the trace %d", op, args, len(p.events), p.f.View.Events)
	}
	return p.f
}

func TestEngineRunsACluster(t *testing.T) {
	p := &page{t: t, e: &Engine{}}
	f := p.do("create", `{"nodes": 5, "seed": 9}`, true)
	if len(f.View.Nodes) != 5 || f.View.Time != 0 || f.View.Seed != 9 || f.Halted != nil {
		t.Fatalf("create: %+v", f.View)
	}
	for i := 0; i < 30 && leaderOf(f) == 0; i++ {
		f = p.do("frame", `{"advance_ms": 100, "since": SINCE, "maintain_steps": 100}`, false)
	}
	if leaderOf(f) == 0 {
		t.Fatal("no leader after 3 virtual seconds")
	}
	f = p.do("command", `{"kind": "set", "key": "a", "value": "1"}`, false)
	if len(f.Events) == 0 || f.Events[0].Kind != wire.EvCommand {
		t.Fatalf("command frame events = %+v, want the command first", f.Events)
	}
	f = p.do("frame", `{"advance_ms": 500, "since": SINCE}`, false)
	for _, n := range f.View.Nodes {
		if n.KV.Count != 1 || len(n.KV.Pairs) != 1 || n.KV.Pairs[0].Value != "1" {
			t.Fatalf("%s kv = %v", n.ID, n.KV)
		}
	}

	before := f.View.Steps
	f = p.do("step", `{"n": 3, "since": SINCE}`, false)
	if f.View.Steps != before+3 {
		t.Fatalf("step 3: steps %d -> %d", before, f.View.Steps)
	}
	now, steps := f.View.Time, f.View.Steps
	f = p.do("next", `{"since": SINCE}`, false)
	if f.View.Steps <= steps || f.View.Time < now {
		t.Fatalf("next: steps %d -> %d, time %d -> %d", steps, f.View.Steps, now, f.View.Time)
	}
	now, steps = f.View.Time, f.View.Steps
	f = p.do("frame", `{"since": SINCE}`, false) // advance_ms 0: nothing runs
	if f.View.Time != now || f.View.Steps != steps || len(f.Events) != 0 {
		t.Fatalf("frame {}: time %d -> %d, steps %d -> %d, %d events", now, f.View.Time, steps, f.View.Steps, len(f.Events))
	}

	horizon := f.Horizon
	f = p.do("seek", `{"t": 1000}`, true)
	if f.View.Time != 1000 || f.Horizon != horizon || f.Events[0].Seq != 1 {
		t.Fatalf("seek: time %d horizon %d, events from seq %d", f.View.Time, f.Horizon, f.Events[0].Seq)
	}
	f = p.do("seek", fmt.Sprintf(`{"t": %d, "log_window": 60}`, horizon), true)
	if f.View.Time != horizon {
		t.Fatalf("seek forward: time %d, want %d", f.View.Time, horizon)
	}

	r := call(t, p.e, "export", `{}`)
	var s sim.Session
	if !r.OK || json.Unmarshal(r.Result, &s) != nil || len(s.Commands) != 1 || s.Until != horizon || s.Config.Seed != 9 {
		t.Fatalf("export: %+v", r)
	}
	q := &page{t: t, e: &Engine{}}
	g := q.do("import", string(r.Result), true)
	if g.Horizon != horizon || g.View.Time != horizon {
		t.Fatalf("import: time %d horizon %d, want %d", g.View.Time, g.Horizon, horizon)
	}
	if !reflect.DeepEqual(g.View, f.View) {
		t.Fatal("import: the view differs from the exported cluster's")
	}
}

func TestEngineCreateKeepsOmittedDefaults(t *testing.T) {
	e := &Engine{}
	r := call(t, e, "defaults", ``)
	var d wire.Config
	if !r.OK || json.Unmarshal(r.Result, &d) != nil || !reflect.DeepEqual(d, wire.DefaultConfig()) {
		t.Fatalf("defaults = %s", r.Result)
	}
	frameOf(t, call(t, e, "create", `{"seed": 4, "network": {"drop_rate": 0.25}, "raft": {"heartbeat_interval_ms": 20}}`))
	var s sim.Session
	if err := json.Unmarshal(call(t, e, "export", ``).Result, &s); err != nil {
		t.Fatal(err)
	}
	want := wire.DefaultConfig()
	want.Seed = 4
	want.Network.DropRate = 0.25
	want.Raft.HeartbeatIntervalMS = 20
	if !reflect.DeepEqual(s.Config, want) {
		t.Fatalf("created with\n%+v\nwant\n%+v", s.Config, want)
	}
	for _, args := range []string{``, `{}`, `null`, " \n"} {
		frameOf(t, call(t, e, "create", args))
		if err := json.Unmarshal(call(t, e, "export", ``).Result, &s); err != nil || !reflect.DeepEqual(s.Config, wire.DefaultConfig()) {
			t.Fatalf("create %q: config %+v (%v)", args, s.Config, err)
		}
	}
}

func TestEngineRemembersTheLogWindow(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"clients": {"count": 3, "rate_per_sec": 20}}`))
	longest := func(f Frame) int {
		n := 0
		for _, v := range f.View.Nodes {
			n = max(n, len(v.Log))
		}
		return n
	}
	if f := frameOf(t, call(t, e, "frame", `{"advance_ms": 1000}`)); longest(f) <= 5 {
		t.Fatalf("log of %d entries after 1 s of clients; the test needs more than 5", longest(f))
	}
	if f := frameOf(t, call(t, e, "frame", `{"log_window": 5}`)); longest(f) != 5 {
		t.Fatalf("log_window 5: %d entries", longest(f))
	}
	if f := frameOf(t, call(t, e, "command", `{"kind": "crash", "node": 1}`)); longest(f) != 5 {
		t.Fatalf("command after log_window 5: %d entries", longest(f))
	}
	if f := frameOf(t, call(t, e, "frame", `{"advance_ms": 10}`)); longest(f) != 5 {
		t.Fatalf("frame without log_window after log_window 5: %d entries", longest(f))
	}
}

func TestEnginePagesKeys(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"clients": {"count": 3, "rate_per_sec": 20}}`))
	f := frameOf(t, call(t, e, "frame", `{"advance_ms": 3000, "kv_limit": 1}`))
	n := f.View.Nodes[0]
	if n.KV.Count < 2 || len(n.KV.Pairs) != 1 || n.KV.Next == "" || len(n.KV.Digest) != 16 {
		t.Fatalf("kv_limit 1: %+v", n.KV)
	}
	next := n.KV.Next
	g := frameOf(t, call(t, e, "frame", fmt.Sprintf(`{"kv_from": %q}`, next)))
	if kv := g.View.Nodes[0].KV; kv.From != next || len(kv.Pairs) == 0 || kv.Pairs[0].Key != next {
		t.Fatalf("kv_from %q: %+v", next, kv)
	}
	// The page is kept by calls that cannot say (command), and kv_limit too.
	if kv := frameOf(t, call(t, e, "command", `{"kind": "crash", "node": 3}`)).View.Nodes[0].KV; kv.From != next || len(kv.Pairs) != 1 {
		t.Fatalf("command after kv_from: %+v", kv)
	}
}

func TestEngineErrorsAreValues(t *testing.T) {
	e := &Engine{}
	check := func(op, args, kind string) {
		t.Helper()
		r := call(t, e, op, args)
		if r.OK || r.Kind != kind {
			t.Errorf("%s %s: %+v, want kind %s", op, args, r, kind)
		}
	}
	for _, op := range []string{"frame", "step", "next", "command", "seek", "export"} {
		check(op, `{}`, "bad-request") // before create
	}
	for _, tt := range []struct{ op, args, kind string }{
		{"fly", `{}`, "bad-request"},
		{"", `{}`, "bad-request"},
		{"create", `{"nodes": 12}`, "bad-config"},
		{"create", `{"nodes": 0, "network": {"drop_rate": 2}}`, "bad-config"},
		{"create", `{"nodes": "five"}`, "bad-config"},
		{"create", `{"bogus": 1}`, "bad-config"},
		{"create", `{"nodes": 3`, "bad-request"},
		{"import", `{"version": 9}`, "bad-session"},
		{"import", `{"version": 1, "config": {"nodes": 3}, "extra": true}`, "bad-session"},
		{"import", `{"version": 1, "config": {"nodes": 99}, "commands": [], "until": 0}`, "bad-session"},
		{"import", `[1, 2`, "bad-request"},
	} {
		check(tt.op, tt.args, tt.kind)
	}

	frameOf(t, call(t, e, "create", `{"manual": true}`))
	for _, tt := range []struct{ op, args, kind string }{
		{"command", `{"kind": "crash", "node": 9}`, "unknown-node"},
		{"command", `{"kind": "restart", "node": 1}`, "impossible"},
		{"command", `{"kind": "drop", "msg": 123456}`, "unknown-message"},
		{"command", `{"kind": "warp"}`, "bad-command"},
		{"command", `{"kind": "crash", "node": 1, "colour": "red"}`, "bad-command"},
		{"command", ``, "bad-command"},
		{"command", `not json`, "bad-request"},
		{"frame", `{"advance_ms": 60001}`, "bad-request"},
		{"frame", `{"advance_ms": -1}`, "bad-request"},
		{"frame", `{"maintain_steps": 200001}`, "bad-request"},
		{"frame", `{"since": -1}`, "bad-request"},
		{"frame", `{"log_window": -1}`, "bad-request"},
		{"frame", `{"log_window": 1001}`, "bad-request"},
		{"frame", `{"kv_limit": 501}`, "bad-request"},
		{"frame", `{"t": 5}`, "bad-request"},
		{"frame", `{"advance_ms": 1.5}`, "bad-request"},
		{"frame", `[]`, "bad-request"},
		{"frame", `{"advance_ms": 10}}`, "bad-request"},
		{"step", `{}`, "bad-request"},
		{"step", `{"n": 100001}`, "bad-request"},
		{"step", `{"n": 1, "advance_ms": 5}`, "bad-request"},
		{"next", `{"n": 1}`, "bad-request"},
		{"seek", `{"t": 99999}`, "impossible"},
		{"seek", `{"t": -1}`, "impossible"},
		{"seek", `{"t": 0, "advance_ms": 5}`, "bad-request"},
	} {
		check(tt.op, tt.args, tt.kind)
	}
	if r := call(t, e, "fly", `{}`); !strings.Contains(r.Error, "create, frame") {
		t.Errorf("unknown op error %q does not list the operations", r.Error)
	}
	// The engine still works after all that, and the cluster is untouched.
	f := frameOf(t, call(t, e, "frame", `{"advance_ms": 100}`))
	if f.View.Time != 100 || len(f.View.Nodes) != 5 {
		t.Fatalf("after the errors: time %d, %d nodes", f.View.Time, len(f.View.Nodes))
	}
	if r := call(t, e, "frame", `{"advance_ms": 60000}`); !r.OK {
		t.Fatalf("advance_ms 60000: %+v", r)
	}
}

func TestKindOfEverySentinel(t *testing.T) {
	for _, tt := range []struct {
		err  error
		kind wire.ErrorKind
	}{
		{wire.ErrBadConfig, "bad-config"},
		{errors.Join(fmt.Errorf("%w: nodes", wire.ErrBadConfig), fmt.Errorf("%w: seed", wire.ErrBadConfig)), "bad-config"},
		{fmt.Errorf("%w: x", wire.ErrBadCommand), "bad-command"},
		{fmt.Errorf("%w: node 9", wire.ErrUnknownNode), "unknown-node"},
		{fmt.Errorf("%w: msg 9", wire.ErrUnknownMessage), "unknown-message"},
		{fmt.Errorf("%w: node 1 is up", wire.ErrImpossible), "impossible"},
		{fmt.Errorf("%w: split brain", wire.ErrHalted), "halted"},
		{fmt.Errorf("%w: %w", wire.ErrBadSession, wire.ErrBadConfig), "bad-session"},
		{fmt.Errorf("%w: version 9", wire.ErrBadSession), "bad-session"},
		{badRequest("no"), "bad-request"},
		{fmt.Errorf("wrapped: %w", badRequest("no")), "bad-request"},
		{errors.New("something else"), "internal"},
	} {
		if got := kindOf(tt.err); got != tt.kind {
			t.Errorf("kindOf(%v) = %s, want %s", tt.err, got, tt.kind)
		}
	}
}

func TestEngineRecoversPanics(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{}`))
	frameOf(t, call(t, e, "frame", `{"advance_ms": 10}`))
	for _, v := range []any{"boom", errors.New("boom error"), 42} {
		e.panicHook = func(op string) {
			if op == "frame" {
				panic(v)
			}
		}
		r := call(t, e, "frame", `{"advance_ms": 10}`)
		if r.OK || r.Kind != "internal" || !strings.Contains(r.Error, fmt.Sprint(v)) || !strings.Contains(r.Error, `"frame"`) {
			t.Fatalf("panic(%v) answer = %+v", v, r)
		}
	}
	e.panicHook = nil
	if f := frameOf(t, call(t, e, "frame", `{"advance_ms": 10}`)); f.View.Time != 20 {
		t.Fatalf("after the panics the cluster is at %d ms, want 20", f.View.Time)
	}
	// A panic before any cluster exists leaves the engine usable too.
	e = &Engine{panicHook: func(string) { panic("early") }}
	if r := call(t, e, "create", `{}`); r.Kind != "internal" {
		t.Fatalf("panic in create: %+v", r)
	}
	e.panicHook = nil
	frameOf(t, call(t, e, "create", `{}`))
}

func TestEngineIsDeterministic(t *testing.T) {
	run := func() string {
		e := &Engine{}
		var out strings.Builder
		for _, c := range []struct{ op, args string }{
			{"create", `{"seed": 3, "clients": {"count": 2, "rate_per_sec": 5, "timeout_ms": 1000, "keys": 3}}`},
			{"frame", `{"advance_ms": 2000, "maintain_steps": 500}`},
			{"command", `{"kind": "crash", "node": 2}`},
			{"step", `{"n": 7, "since": 10}`},
			{"next", `{}`},
			{"frame", `{"advance_ms": 3000, "since": 0, "log_window": 20}`},
			{"seek", `{"t": 1500}`},
			{"command", `{"kind": "partition", "groups": [[1, 2], [3, 4, 5]]}`},
			{"frame", `{"advance_ms": 1000}`},
			{"export", `{}`},
		} {
			out.Write(e.Call(c.op, []byte(c.args)))
			out.WriteByte('\n')
		}
		return out.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatal("the same calls gave different answers")
	}
	if strings.Contains(a, `"ok":false`) {
		t.Fatalf("a call failed:\n%s", a)
	}
}

// BenchmarkEngineTenSeconds is the page's steady state for 10 virtual
// seconds: a new cluster (5 nodes, 10 client operations per virtual second)
// and 200 frame calls of 50 ms each, as the page makes at 20x speed.
func BenchmarkEngineTenSeconds(b *testing.B) {
	answer := 0
	for b.Loop() {
		e := &Engine{}
		frameOf(b, call(b, e, "create", `{"clients": {"count": 2, "rate_per_sec": 5}}`))
		var since uint64
		for range 200 {
			out := e.Call("frame", fmt.Appendf(nil, `{"advance_ms": 50, "since": %d, "log_window": 60, "maintain_steps": 3000}`, since))
			answer += len(out)
			since = e.c.EventCount()
		}
	}
	b.ReportMetric(float64(answer)/float64(b.N)/200, "answer-bytes/frame")
}

func TestEngineSendsTheEventsAskedFor(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"clients": {"count": 3, "rate_per_sec": 20}}`))
	all := frameOf(t, call(t, e, "frame", `{"advance_ms": 2000}`))
	routine := 0
	for _, ev := range all.Events {
		if ev.Routine() {
			routine++
		}
	}
	if routine < len(all.Events)/2 {
		t.Fatalf("%d of %d events routine; the test needs a busy cluster", routine, len(all.Events))
	}
	since := all.View.Events
	f := frameOf(t, call(t, e, "frame", fmt.Sprintf(`{"advance_ms": 2000, "since": %d, "events": "notable"}`, since)))
	if len(f.Events) == 0 {
		t.Fatal("no notable events in 2 s of clients")
	}
	for _, ev := range f.Events {
		if ev.Routine() || ev.Seq <= since {
			t.Fatalf("notable frame carries event %d (%s)", ev.Seq, ev.Kind)
		}
	}
	// Remembered for commands, which cannot say.
	f = frameOf(t, call(t, e, "command", `{"kind": "set", "key": "a", "value": "b"}`))
	for _, ev := range f.Events {
		if ev.Routine() {
			t.Fatalf("command frame after events=notable carries %s", ev.Kind)
		}
	}
	// max_events keeps the newest, also when seeking.
	last := f.View.Events
	f = frameOf(t, call(t, e, "seek", `{"t": 3000, "events": "all", "max_events": 25}`))
	if len(f.Events) != 25 || f.Events[24].Seq != f.View.Events {
		t.Fatalf("seek with max_events 25: %d events ending at %d of %d", len(f.Events), f.Events[len(f.Events)-1].Seq, f.View.Events)
	}
	if f.View.Events >= last {
		t.Fatalf("seek back to 3 s: %d events, before %d", f.View.Events, last)
	}
	for _, bad := range []string{`{"events": "some"}`, `{"max_events": -1}`, `{"events": 1}`} {
		if r := call(t, e, "frame", bad); r.OK || r.Kind != "bad-request" {
			t.Errorf("frame %s: %+v", bad, r)
		}
	}
}

// TestEngineReportsLimitsAndRefusesSeedsThePageCannotHold: the page checks
// links against the ranges the engine reports, and a seed above 2^53-1
// (which a JavaScript number would round) is refused with its range, not
// rounded or answered with a raw JSON error.
func TestEngineReportsLimitsAndRefusesSeedsThePageCannotHold(t *testing.T) {
	e := &Engine{}
	r := call(t, e, "limits", `{}`)
	if !r.OK {
		t.Fatalf("limits: %+v", r)
	}
	var l Limits
	if err := json.Unmarshal(r.Result, &l); err != nil {
		t.Fatal(err)
	}
	if l.Nodes != (Range{1, wire.MaxNodes}) || l.Seed != (Range{0, 1<<53 - 1}) {
		t.Fatalf("limits %+v", l)
	}
	for _, tt := range []struct{ op, args, kind, says string }{
		{"create", `{"seed": 9007199254740992}`, "bad-config", "seed 9007199254740992 must be 0 to 9007199254740991"},
		{"create", `{"seed": 18446744073709551615}`, "bad-config", "seed 18446744073709551615 must be 0 to 9007199254740991"},
		{"create", `{"seed": 18446744073709552000}`, "bad-config", "seed must be a whole number from 0 to 9007199254740991"},
		{"create", `{"seed": -1}`, "bad-config", "seed must be a whole number from 0 to 9007199254740991"},
		{"import", `{"version": 1, "config": {"nodes": 3, "seed": 9007199254740992}, "commands": [], "until": 0}`, "bad-session", "seed 9007199254740992 must be 0 to 9007199254740991"},
		{"import", `{"version": 1, "config": {"nodes": 3, "seed": 18446744073709552000}, "commands": [], "until": 0}`, "bad-session", "seed 18446744073709552000 must be a whole number from 0 to 9007199254740991"},
		{"import", `{"version": 1, "config": {"nodes": 3, "seed": -1}, "commands": [], "until": 0}`, "bad-session", "seed -1 must be a whole number from 0 to 9007199254740991"},
		{"import", `{"version": 1, "config": {"nodes": 3, "seed": "7"}, "commands": [], "until": 0}`, "bad-session", `seed "7" must be a whole number`},
	} {
		r := call(t, e, tt.op, tt.args)
		if r.OK || r.Kind != tt.kind || !strings.Contains(r.Error, tt.says) {
			t.Errorf("%s %s: %+v, want kind %s saying %q", tt.op, tt.args, r, tt.kind, tt.says)
		}
	}
	f := frameOf(t, call(t, e, "create", `{"seed": 9007199254740991}`))
	if f.View.Seed != 1<<53-1 {
		t.Fatalf("seed %d", f.View.Seed)
	}
}

// TestArgsAreTheRequestTable checks that the argument types the engine
// decodes are the fields wire's request table names, so the page's copy of
// the table (web/ui/schema.js) says what the engine reads.
func TestArgsAreTheRequestTable(t *testing.T) {
	for _, tt := range []struct {
		kind wire.RequestKind
		args any
	}{
		{wire.ReqFrame, frameArgs{}}, {wire.ReqStep, stepArgs{}}, {wire.ReqNext, viewArgs{}}, {wire.ReqSeek, seekArgs{}},
		{wire.ReqMemberStart, memberStartArgs{}}, {wire.ReqMemberStep, memberStepArgs{}},
	} {
		r, ok := wire.RequestRuleOf(tt.kind)
		if !ok {
			t.Fatalf("%s: no rule", tt.kind)
		}
		if got := jsonFields(reflect.TypeOf(tt.args)); !reflect.DeepEqual(got, r.AllFields()) {
			t.Errorf("%s: the engine reads %v; the request table says %v", tt.kind, got, r.AllFields())
		}
	}
}

// jsonFields lists the JSON names of struct type st's fields, embedded
// structs' fields in place.
func jsonFields(st reflect.Type) []string {
	var out []string
	for f := range st.Fields() {
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		out = append(out, strings.Split(f.Tag.Get("json"), ",")[0])
	}
	return out
}

// TestRefusedCallChangesNothing checks that a frame call refused for one
// field does not keep what its other fields asked frames to show: the
// next command's frame still carries all its events.
func TestRefusedCallChangesNothing(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"nodes": 3}`))
	frameOf(t, call(t, e, "frame", `{"advance_ms": 2000}`))
	if r := call(t, e, "frame", `{"max_events": 1, "events": "notable", "advance_ms": -1}`); r.OK || r.Kind != "bad-request" {
		t.Fatalf("frame with advance_ms -1: %+v; want bad-request", r)
	}
	f := frameOf(t, call(t, e, "command", `{"kind": "set", "key": "k", "value": "v"}`))
	if len(f.Events) < 2 {
		t.Errorf("the command's frame has %d events (%+v): the refused call's max_events 1 was kept", len(f.Events), f.Events)
	}
}
