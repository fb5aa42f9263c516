package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/seshat-raft/seshat/wire"
)

func TestHello(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	var h Hello
	c.ok("hello", map[string]any{}, &h)
	if h.Engine != "native" || h.Protocol != 1 || h.Config.Nodes != 5 {
		t.Fatalf("hello = %+v", h)
	}
	c.ok("hello", nil, nil) // args may be left out
	if a := c.call("hello", map[string]any{"x": 1}); a.OK || a.Kind != "bad-request" {
		t.Fatalf("hello with an unknown field: %+v", a)
	}
}

func TestFrame(t *testing.T) {
	fe := newFake()
	fe.emit(9) // 10 events: seq 1 (notable), then routine and notable by turns
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)

	var f wire.Frame
	c.ok("frame", map[string]any{}, &f)
	if f.View.Events != 10 || len(f.Events) != 10 || f.Events[0].Seq != 1 {
		t.Fatalf("frame: view.events %d, %d events", f.View.Events, len(f.Events))
	}
	c.ok("frame", map[string]any{"since": 4, "events": "notable", "max_events": 2, "log_window": 7}, &f)
	var seqs []uint64
	for _, e := range f.Events {
		seqs = append(seqs, e.Seq)
	}
	if fmt.Sprint(seqs) != "[8 10]" || f.View.Seed != 7 {
		t.Fatalf("since 4, notable, max 2: seqs %v, log window %d", seqs, f.View.Seed)
	}
	// A command's frame uses the remembered view (notable, max 2, window 7)
	// and carries only what the client has not been sent.
	c.ok("command", map[string]any{"kind": "crash", "node": 2}, &f)
	if len(f.Events) != 1 || f.Events[0].Kind != wire.EvCommand || f.View.Seed != 7 || f.View.Nodes[1].Up {
		t.Fatalf("command frame: %+v, window %d", f.Events, f.View.Seed)
	}

	for _, tt := range []struct {
		name string
		args any
	}{
		{"unknown field", map[string]any{"sinse": 1}},
		{"wrong type", map[string]any{"since": "1"}},
		{"negative since", map[string]any{"since": -1}},
		{"bad events", map[string]any{"events": "some"}},
		{"negative window", map[string]any{"log_window": -1}},
		{"negative max", map[string]any{"max_events": -1}},
		{"array", []int{1}},
	} {
		if a := c.call("frame", tt.args); a.OK || a.Kind != "bad-request" || a.Error == "" {
			t.Errorf("frame %s: %+v", tt.name, a)
		}
	}
	// Refusals the request table words are worded as the in-page engine
	// words them, in the bridge's name.
	for _, args := range []string{`{"events": "some"}`, `{"max_events": -1}`, `{"max_events": -1, "events": "x"}`} {
		var re *wire.RequestError
		if !errors.As(wire.CheckRequest(wire.ReqFrame, []byte(args)), &re) {
			t.Fatalf("the request table accepts frame %s", args)
		}
		if a := c.call("frame", json.RawMessage(args)); a.Error != "bridge: "+re.Reason() {
			t.Errorf("frame %s: refused with %q, want %q", args, a.Error, "bridge: "+re.Reason())
		}
	}
}

func TestCommandKinds(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	for _, tt := range []struct {
		name  string
		args  any
		wkind string // "" for ok
		wapp  bool   // the engine applied it
	}{
		{"crash", map[string]any{"kind": "crash", "node": 3}, "", true},
		{"set", map[string]any{"kind": "set", "key": "a", "value": "1"}, "", true},
		{"unknown kind", map[string]any{"kind": "explode", "node": 1}, "bad-command", false},
		{"unknown field", map[string]any{"kind": "crash", "node": 1, "force": true}, "bad-command", false},
		{"wrong type", map[string]any{"kind": "crash", "node": "one"}, "bad-command", false},
		{"no args", nil, "bad-command", false},
		{"unknown node", map[string]any{"kind": "crash", "node": 9}, "unknown-node", false},
		{"restart a running node", map[string]any{"kind": "restart", "node": 1}, "impossible", false},
		{"manual", map[string]any{"kind": "manual", "on": true}, "impossible", false},
		{"deliver", map[string]any{"kind": "deliver", "msg": 4}, "impossible", false},
		{"drop", map[string]any{"kind": "drop", "msg": 4}, "impossible", false},
		{"duplicate", map[string]any{"kind": "duplicate", "msg": 4}, "impossible", false},
		{"engine panics", map[string]any{"kind": "set", "key": "panic"}, "internal", false},
	} {
		_, before := fe.calls()
		a := c.call("command", tt.args)
		_, after := fe.calls()
		if a.OK != (tt.wkind == "") || a.Kind != tt.wkind || (after > before) != tt.wapp {
			t.Errorf("%s: ok %v kind %q error %q, applied %d -> %d; want kind %q", tt.name, a.OK, a.Kind, a.Error, before, after, tt.wkind)
		}
		if !a.OK && a.Error == "" {
			t.Errorf("%s: an error reply without an error", tt.name)
		}
	}
	fe.set(func(f *fakeEngine) { f.halted = true })
	if a := c.call("command", map[string]any{"kind": "crash", "node": 1}); a.Kind != "halted" {
		t.Errorf("halted: %+v", a)
	}
	// After all that the connection still works.
	c.ok("hello", nil, nil)
}

func TestTimeTravelRefused(t *testing.T) {
	_, srv := serve(t, newFake(), Options{})
	c := dial(t, srv)
	for _, op := range []string{"seek", "step", "next", "export", "import", "shrink", "why", "search", "diagram", "fork", "compare"} {
		a := c.call(op, map[string]any{"t": 5})
		if a.OK || a.Kind != "impossible" || !strings.Contains(a.Error, "real time") {
			t.Errorf("%s: %+v", op, a)
		}
	}
}

func TestCreate(t *testing.T) {
	fe := newFake()
	fe.emit(20)
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	var f wire.Frame
	c.ok("create", map[string]any{"nodes": 3, "network": map[string]any{"min_latency_ms": 1, "max_latency_ms": 2}}, &f)
	cfg := fe.Config()
	if cfg.Nodes != 3 || cfg.Network.MaxLatencyMS != 2 || cfg.Raft != wire.DefaultConfig().Raft || cfg.Clients != wire.DefaultConfig().Clients {
		t.Fatalf("created %+v", cfg)
	}
	if f.View.Events != 1 || len(f.Events) != 1 || len(f.View.Nodes) != 3 {
		t.Fatalf("new cluster's frame: %+v", f)
	}
	for _, tt := range []struct {
		name  string
		args  any
		wkind string
	}{
		{"no nodes", map[string]any{"nodes": 0}, "bad-config"},
		{"unknown field", map[string]any{"nodez": 3}, "bad-config"},
		{"wrong type", map[string]any{"nodes": "3"}, "bad-config"},
		{"manual", map[string]any{"manual": true}, "impossible"},
	} {
		if a := c.call("create", tt.args); a.OK || a.Kind != tt.wkind {
			t.Errorf("create %s: %+v", tt.name, a)
		}
	}
	fe.set(func(f *fakeEngine) { f.createErr = fmt.Errorf("native: %w: nodes did not start", ErrUnavailable) })
	if a := c.call("create", nil); a.Kind != "unavailable" {
		t.Errorf("create failing: %+v", a)
	}
	if st := fe.state(); st.creates != 1 || st.cfg.Nodes != 3 {
		t.Fatalf("failed creates changed the engine: %+v", st)
	}
}

func TestOrigin(t *testing.T) {
	_, srv := serve(t, newFake(), Options{})
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tt := range []struct {
		origin string
		wok    bool
	}{
		{"", true},
		{"http://" + host, true},
		{"http://evil.example", false},
		{"http://" + host + ".evil.example", false},
		{"null", false},
		{"https://" + host, false},                       // another scheme
		{"ws://" + host, false},                          // not an origin a browser sends
		{"http://" + strings.Split(host, ":")[0], false}, // port 80
		{"http://" + strings.Split(host, ":")[0] + ":1", false},
		{"http://localhost:" + strings.Split(host, ":")[1], false}, // another name, another origin
		{"HTTP://" + strings.ToUpper(host), true},
	} {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(wsURL(srv), h)
		if tt.wok {
			if err != nil {
				t.Errorf("origin %q refused: %v", tt.origin, err)
				continue
			}
			conn.Close()
			continue
		}
		if err == nil {
			conn.Close()
			t.Errorf("origin %q accepted", tt.origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v, response %v; want 403", tt.origin, err, resp)
		}
	}
}

func TestOversizeFrame(t *testing.T) {
	const limit = 1024
	_, srv := serve(t, newFake(), Options{ClientFrameLimit: limit})
	c := dial(t, srv)
	big := []byte(`{"id": 5, "op": "hello", "args": {}}` + strings.Repeat(" ", 100_000))
	c.sendRaw(websocket.TextMessage, big)
	a := c.reply(0)
	if a.OK || a.Kind != "bad-request" || !strings.Contains(a.Error, "1024") {
		t.Fatalf("oversize: %+v", a)
	}
	// Exactly at the limit is read.
	exact := []byte(`{"id": 6, "op": "hello"}`)
	exact = append(exact, bytes.Repeat([]byte(" "), limit-len(exact))...)
	c.sendRaw(websocket.TextMessage, exact)
	if a := c.reply(6); !a.OK {
		t.Fatalf("a message of exactly the limit: %+v", a)
	}
	c.nextID = 6
	c.ok("hello", nil, nil)
}

func TestJunkAnswered(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	before := fe.state()
	for _, tt := range []struct {
		name string
		typ  int
		data string
		wid  uint64
	}{
		{"binary", websocket.BinaryMessage, `{"id":1,"op":"hello"}`, 0},
		{"not JSON", websocket.TextMessage, `hello?`, 0},
		{"empty", websocket.TextMessage, ``, 0},
		{"array", websocket.TextMessage, `[1,2]`, 0},
		{"unknown top-level field", websocket.TextMessage, `{"id":3,"op":"hello","extra":1}`, 3},
		{"trailing data", websocket.TextMessage, `{"id":4,"op":"hello"} {}`, 4},
		{"id of the wrong type", websocket.TextMessage, `{"id":"5","op":"hello"}`, 0},
		{"op of the wrong type", websocket.TextMessage, `{"id":6,"op":7}`, 6},
		{"no op", websocket.TextMessage, `{"id":7}`, 7},
		{"unknown op", websocket.TextMessage, `{"id":8,"op":"format-disk"}`, 8},
		{"unknown field in args", websocket.TextMessage, `{"id":9,"op":"subscribe","args":{"interval":100}}`, 9},
		{"args of the wrong type", websocket.TextMessage, `{"id":10,"op":"subscribe","args":{"interval_ms":"fast"}}`, 10},
		{"interval out of range", websocket.TextMessage, `{"id":11,"op":"subscribe","args":{"interval_ms":10}}`, 11},
		{"args not an object", websocket.TextMessage, `{"id":12,"op":"unsubscribe","args":"now"}`, 12},
		{"command as a string", websocket.TextMessage, `{"id":13,"op":"command","args":"crash 1"}`, 13},
	} {
		c.sendRaw(tt.typ, []byte(tt.data))
		a := c.reply(tt.wid)
		if a.OK || a.Error == "" || (a.Kind != "bad-request" && a.Kind != "bad-command") {
			t.Errorf("%s: %+v", tt.name, a)
		}
	}
	if after := fe.state(); !reflect.DeepEqual(after, before) {
		t.Fatalf("junk changed the engine: %+v -> %+v", before, after)
	}
	c.ok("hello", nil, nil)
}

func TestSubscribeReceivesPushes(t *testing.T) {
	fe := newFake()
	fe.set(func(f *fakeEngine) { f.perCall = 3 })
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	var f wire.Frame
	c.ok("frame", nil, &f)
	last := f.View.Events
	c.ok("subscribe", map[string]any{"interval_ms": 50, "log_window": 3}, nil)
	for i := range 5 {
		p := c.push()
		if p.Dropped.Frames != 0 || p.Dropped.Events != 0 || p.Frame.View.Seed != 3 {
			t.Fatalf("push %d: dropped %+v, window %d", i, *p.Dropped, p.Frame.View.Seed)
		}
		// Events follow on: none missed, none repeated.
		for _, e := range p.Frame.Events {
			if e.Seq != last+1 {
				t.Fatalf("push %d: event %d after %d", i, e.Seq, last)
			}
			last = e.Seq
		}
		if last != p.Frame.View.Events {
			t.Fatalf("push %d: events end at %d, view says %d", i, last, p.Frame.View.Events)
		}
	}
	// Notable only.
	c.ok("subscribe", map[string]any{"interval_ms": 50, "events": "notable"}, nil)
	for range 3 {
		p := c.push()
		for _, e := range p.Frame.Events {
			if e.Routine() && p.Frame.View.Seed == 0 {
				t.Fatalf("routine event %+v in a notable push", e)
			}
		}
	}
}

func TestUnsubscribeStopsPushes(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	a, clock := dial(t, srv), dial(t, srv)
	a.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
	clock.ok("subscribe", map[string]any{"interval_ms": 50, "log_window": 1}, nil)
	a.push()
	a.ok("unsubscribe", map[string]any{}, nil)
	a.pushes = nil // pushes written before the reply are fine
	for range 4 {
		clock.push() // the hub is still ticking
	}
	a.ok("hello", nil, nil)
	if len(a.pushes) != 0 {
		t.Fatalf("%d pushes after unsubscribe", len(a.pushes))
	}
}

func TestCreateWhileSubscribed(t *testing.T) {
	fe := newFake()
	fe.set(func(f *fakeEngine) { f.perCall = 2 })
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	c.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
	c.push()
	var f wire.Frame
	c.ok("create", map[string]any{"nodes": 3}, &f)
	c.pushes = nil // written before the reply: the old cluster is fine there
	last := f.View.Events
	for i := range 4 {
		p := c.push()
		if len(p.Frame.View.Nodes) != 3 {
			t.Fatalf("push %d after create shows %d nodes", i, len(p.Frame.View.Nodes))
		}
		for _, e := range p.Frame.Events {
			if e.Seq != last+1 {
				t.Fatalf("push %d after create: event %d after %d", i, e.Seq, last)
			}
			last = e.Seq
		}
	}
}

func TestRepliesAndPushesNeverRepeatEvents(t *testing.T) {
	fe := newFake()
	fe.set(func(f *fakeEngine) { f.perCall = 1 })
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	var f wire.Frame
	c.ok("frame", nil, &f)
	last := f.View.Events
	follow := func(what string, events []wire.Event) {
		t.Helper()
		for _, e := range events {
			if e.Seq != last+1 {
				t.Fatalf("%s: event %d after %d", what, e.Seq, last)
			}
			last = e.Seq
		}
	}
	c.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
	for i := range 6 {
		follow("push", c.push().Frame.Events)
		c.ok("command", map[string]any{"kind": "heal"}, &f)
		// In stream order: the pushes written before the reply, then the
		// reply's own frame.
		before := c.pushes
		for _, p := range before {
			follow("push before a reply", p.Frame.Events)
		}
		c.pushes = nil
		follow(fmt.Sprintf("command reply %d", i), f.Events)
		// The command's own event is in its reply, unless a push written
		// just before it carried it.
		found := false
		for _, e := range f.Events {
			found = found || e.Kind == wire.EvCommand
		}
		for _, p := range before {
			for _, e := range p.Frame.Events {
				found = found || e.Kind == wire.EvCommand
			}
		}
		if !found {
			t.Fatalf("command %d: its event was not sent: %+v", i, f.Events)
		}
	}
}

// TestHelloReportsTheCommandsTheClusterRefuses checks that hello names
// every command a real-time cluster refuses, with why, and that the bridge
// refuses each (over the socket, and on create for manual) in exactly those
// words, from the one table (wire.RealTimeRefusals). Before the table, the
// bridge had its own texts ("its messages cannot be held for delivery by
// hand", "cannot be picked by id") and let add-clients and remove-clients
// through to the engine; the native cluster refused all six in other words.
func TestHelloReportsTheCommandsTheClusterRefuses(t *testing.T) {
	fe := newFake()
	_, srv := serve(t, fe, Options{})
	c := dial(t, srv)
	var h Hello
	c.ok("hello", nil, &h)
	want := []wire.CommandKind{wire.CmdDeliver, wire.CmdDrop, wire.CmdDuplicate, wire.CmdManual, wire.CmdAddClients, wire.CmdRemoveClients, wire.CmdReseed}
	if len(h.Refused) != len(want) {
		t.Fatalf("hello refused %v; want the kinds %v", h.Refused, want)
	}
	for _, kind := range want {
		why := h.Refused[kind]
		if why == "" {
			t.Fatalf("hello does not say why %s is refused: %v", kind, h.Refused)
		}
		a := c.call("command", map[string]any{"kind": kind, "msg": 1, "count": 1, "on": true})
		if text := wire.ErrImpossible.Error() + ": " + string(kind) + ": " + why; a.OK || a.Kind != string(wire.KindImpossible) || a.Error != text {
			t.Errorf("command %s: %+v; want impossible %q", kind, a, text)
		}
	}
	a := c.call("create", map[string]any{"manual": true})
	if text := wire.ErrImpossible.Error() + ": create: manual: " + h.Refused[wire.CmdManual]; a.OK || a.Error != text {
		t.Errorf("create manual: %+v; want %q", a, text)
	}
}
