package sim

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Synthetic histories (helpers set, get, del, unknownSet are in
// linearizability_test.go).

func unknownDel(client int, key string, call int64) HistoryOp {
	return HistoryOp{Client: client, Kind: wire.OpDel, Key: key, Call: call, Return: -1, Unknown: true}
}

func TestKVModelStep(t *testing.T) {
	absent, a := kvState{}, kvState{present: true, value: "a"}
	in := func(kind wire.OpKind, value string, unknown bool) kvInput {
		return kvInput{kind: kind, key: "x", value: value, unknown: unknown}
	}
	tests := []struct {
		name   string
		state  kvState
		input  kvInput
		output kvOutput
		wok    bool
		wnext  kvState
	}{
		{"set", absent, in(wire.OpSet, "a", false), kvOutput{output: "OK"}, true, a},
		{"set with a wrong answer", absent, in(wire.OpSet, "a", false), kvOutput{output: "1"}, false, a},
		{"unknown set, any answer", absent, in(wire.OpSet, "a", true), kvOutput{}, true, a},
		{"del of a present key", a, in(wire.OpDel, "", false), kvOutput{output: "1"}, true, absent},
		{"del of an absent key", absent, in(wire.OpDel, "", false), kvOutput{output: "0"}, true, absent},
		{"del of a present key says 0", a, in(wire.OpDel, "", false), kvOutput{output: "0"}, false, absent},
		{"del of an absent key says 1", absent, in(wire.OpDel, "", false), kvOutput{output: "1"}, false, absent},
		{"unknown del, present", a, in(wire.OpDel, "", true), kvOutput{}, true, absent},
		{"unknown del, absent, answer 1", absent, in(wire.OpDel, "", true), kvOutput{output: "1"}, true, absent},
		{"get found", a, in(wire.OpGet, "", false), kvOutput{output: "a", found: true}, true, a},
		{"get wrong value", a, in(wire.OpGet, "", false), kvOutput{output: "b", found: true}, false, a},
		{"get not found", absent, in(wire.OpGet, "", false), kvOutput{}, true, absent},
		{"get not found on a present key", a, in(wire.OpGet, "", false), kvOutput{}, false, a},
		{"get found on an absent key", absent, in(wire.OpGet, "", false), kvOutput{found: true}, false, absent},
		{"get of an empty value", kvState{present: true}, in(wire.OpGet, "", false), kvOutput{found: true}, true, kvState{present: true}},
	}
	m := kvModel()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, next := m.Step(tt.state, tt.input, tt.output)
			if ok != tt.wok || (ok && next.(kvState) != tt.wnext) {
				t.Fatalf("Step = %v, %+v; want %v, %+v", ok, next, tt.wok, tt.wnext)
			}
		})
	}
}

func TestCheckHistoryUnknownAndPending(t *testing.T) {
	pendingSet := HistoryOp{Client: 1, Kind: wire.OpSet, Key: "x", Value: "a", Call: 0, Return: -1}
	tests := []struct {
		name string
		h    []HistoryOp
		wok  bool
		wops int
	}{
		{"unknown del that applied",
			[]HistoryOp{set(1, "x", "a", 0, 10), unknownDel(1, "x", 20), get(2, "x", "", false, 50, 60)}, true, 3},
		{"unknown del that did not apply",
			[]HistoryOp{set(1, "x", "a", 0, 10), unknownDel(1, "x", 20), get(2, "x", "a", true, 50, 60)}, true, 3},
		{"unknown del's output is not checked",
			[]HistoryOp{{Client: 1, Kind: wire.OpDel, Key: "x", Output: "1", Call: 0, Return: -1, Unknown: true}}, true, 1},
		{"unknown set applied late",
			[]HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "", false, 50, 60), get(2, "x", "a", true, 70, 80)}, true, 3},
		{"unknown set seen before its call",
			[]HistoryOp{get(2, "x", "a", true, 0, 10), unknownSet(1, "x", "a", 20)}, false, 2},
		{"unknown set seen, then unseen",
			[]HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "a", true, 10, 20), get(2, "x", "", false, 30, 40)}, false, 3},
		{"unknown set overwritten by a later set",
			[]HistoryOp{unknownSet(1, "x", "a", 0), set(2, "x", "b", 10, 20), get(3, "x", "b", true, 30, 40)}, true, 3},
		{"pending write may have applied",
			[]HistoryOp{pendingSet, get(2, "x", "a", true, 10, 20)}, true, 2},
		{"pending write may not have applied",
			[]HistoryOp{pendingSet, get(2, "x", "", false, 10, 20)}, true, 2},
		{"pending and failed reads are dropped",
			[]HistoryOp{
				{Client: 2, Kind: wire.OpGet, Key: "x", Output: "junk", Found: true, Call: 0, Return: -1},
				{Client: 3, Kind: wire.OpGet, Key: "x", Output: "junk", Found: true, Call: 0, Return: -1, Failed: true},
			}, true, 0},
		{"failed write is dropped",
			[]HistoryOp{{Client: 1, Kind: wire.OpSet, Key: "x", Value: "a", Call: 0, Return: -1, Failed: true}, get(2, "x", "a", true, 10, 20)}, false, 1},
		{"intervals are closed: a read called as a write returns may miss it",
			[]HistoryOp{set(1, "x", "a", 0, 10), get(2, "x", "", false, 10, 20)}, true, 2},
		{"del 0 on a key certainly present",
			[]HistoryOp{set(1, "x", "a", 0, 10), del(2, "x", "0", 20, 30)}, false, 2},
		{"two dels racing: one removes, one finds nothing",
			[]HistoryOp{set(1, "x", "a", 0, 10), del(2, "x", "0", 20, 30), del(3, "x", "1", 20, 30)}, true, 3},
		{"two dels racing both remove",
			[]HistoryOp{set(1, "x", "a", 0, 10), del(2, "x", "1", 20, 30), del(3, "x", "1", 20, 30)}, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckHistory(tt.h)
			if r.OK != tt.wok || r.Ops != tt.wops {
				t.Fatalf("CheckHistory = %+v; want ok %v with %d operations", r, tt.wok, tt.wops)
			}
			if r.OK != (len(r.Keys) == 0) {
				t.Fatalf("keys %v with ok %v", r.Keys, r.OK)
			}
		})
	}
}

func TestCheckHistoryNamesTheKeysAtFault(t *testing.T) {
	h := []HistoryOp{
		set(1, "z", "1", 0, 10), set(1, "y", "1", 0, 10), set(1, "x", "1", 0, 10),
		set(1, "z", "2", 20, 30), set(1, "y", "2", 20, 30), set(1, "x", "2", 20, 30),
		get(2, "z", "1", true, 40, 50), // stale
		get(2, "y", "2", true, 40, 50),
		get(2, "x", "9", true, 40, 50), // never written
	}
	r := CheckHistory(h)
	if r.OK || r.Ops != 9 || !slices.Equal(r.Keys, []string{"z", "x"}) || !strings.HasPrefix(r.Text, "NOT linearizable") {
		t.Fatalf("%+v", r)
	}
}

// toEvents turns operations into Porcupine's event form, calls and returns
// ordered by time (calls first on ties, as Porcupine's intervals are closed).
func toEvents(ops []porcupine.Operation) []porcupine.Event {
	type ev struct {
		at   int64
		ret  bool
		id   int
		data any
	}
	var evs []ev
	for i, op := range ops {
		evs = append(evs, ev{op.Call, false, i, op.Input}, ev{op.Return, true, i, op.Output})
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.at != b.at:
			return cmp.Compare(a.at, b.at)
		case a.ret != b.ret && !a.ret:
			return -1
		case a.ret != b.ret:
			return 1
		}
		return 0
	})
	out := make([]porcupine.Event, len(evs))
	for i, e := range evs {
		kind := porcupine.CallEvent
		if e.ret {
			kind = porcupine.ReturnEvent
		}
		out[i] = porcupine.Event{ClientId: ops[e.id].ClientId, Kind: kind, Value: e.data, Id: e.id}
	}
	return out
}

func TestPartitionEvent(t *testing.T) {
	good := []HistoryOp{
		set(1, "x", "a", 0, 10), set(2, "y", "b", 5, 15), unknownSet(3, "x", "c", 12),
		get(1, "x", "c", true, 20, 30), get(2, "y", "b", true, 20, 30), del(2, "y", "1", 31, 40),
	}
	bad := append(slices.Clone(good), get(1, "y", "b", true, 50, 60))
	m := kvModel()
	for _, tt := range []struct {
		name string
		h    []HistoryOp
		wok  bool
	}{{"linearizable", good, true}, {"not linearizable", bad, false}} {
		t.Run(tt.name, func(t *testing.T) {
			evs := toEvents(operations(tt.h))
			if parts := m.PartitionEvent(evs); len(parts) != 2 || len(parts[0])+len(parts[1]) != len(evs) {
				t.Fatalf("partitions %v", parts)
			}
			if ok := porcupine.CheckEvents(m, evs); ok != tt.wok || CheckHistory(tt.h).OK != tt.wok {
				t.Fatalf("CheckEvents = %v, want %v", ok, tt.wok)
			}
		})
	}
}

func TestKVModelDescriptions(t *testing.T) {
	m := kvModel()
	for _, tt := range []struct{ got, want string }{
		{m.DescribeOperation(kvInput{kind: wire.OpSet, key: "x", value: "a"}, kvOutput{output: "OK"}), "set x=a → OK"},
		{m.DescribeOperation(kvInput{kind: wire.OpDel, key: "x"}, kvOutput{output: "1"}), "del x → 1"},
		{m.DescribeOperation(kvInput{kind: wire.OpDel, key: "x", unknown: true}, kvOutput{}), "del x → ?"},
		{m.DescribeOperation(kvInput{kind: wire.OpGet, key: "x"}, kvOutput{output: "a", found: true}), "get x → a"},
		{m.DescribeOperation(kvInput{kind: wire.OpGet, key: "x"}, kvOutput{}), "get x → not found"},
		{m.DescribeState(kvState{}), "(absent)"},
		// Porcupine's page puts states and metadata into its tooltip as HTML
		// (innerHTML): a key or value, a person's input, is escaped.
		{m.DescribeState(kvState{present: true}), `&#34;&#34;`},
		{m.DescribeState(kvState{present: true, value: "a"}), `&#34;a&#34;`},
		{m.DescribeState(kvState{present: true, value: "<img src=x onerror=alert(1)>"}), `&#34;&lt;img src=x onerror=alert(1)&gt;&#34;`},
		{m.DescribeOperationMetadata(kvMeta{client: 2, id: 7}), "request #7 from client 2"},
		{m.DescribeOperationMetadata(kvMeta{client: 0, id: 8, note: "n"}), "request #8 from the console; n"},
		{m.DescribeOperationMetadata(kvMeta{client: 0, id: 9, note: "<b>", detail: "<br>kept"}), "request #9 from the console; &lt;b&gt;<br>kept"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestWriteHistoryHTML(t *testing.T) {
	h := []HistoryOp{
		set(1, "x", "a", 0, 10), set(1, "x", "b", 11, 20), unknownDel(2, "x", 15),
		get(2, "x", "a", true, 21, 30), // stale
	}
	path := filepath.Join(t.TempDir(), "history.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHistoryHTML(f, h); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, want := range []string{"<html", "get x → a", "del x → ?", "the client gave up", "(absent)"} {
		if !strings.Contains(page, want) {
			t.Errorf("visualization (%d bytes) lacks %q", len(page), want)
		}
	}
}

func TestHistoryIsACopy(t *testing.T) {
	c, err := New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	h := c.History()
	if len(h) != 1 || h[0].Kind != wire.OpSet || h[0].Key != "k" || h[0].Client != 0 {
		t.Fatalf("history %+v", h)
	}
	h[0].Key = "changed"
	if c.History()[0].Key != "k" {
		t.Fatal("History shares its array with the cluster")
	}
}

// TestBusyClusterHistoriesAreLinearizable checks 60 virtual seconds of a
// 5-node cluster with 5 busy clients, a lossy network, a crash, a partition
// and an isolation (see linHistory60s), for more seeds than
// TestClusterHistoriesAreLinearizable, and that the histories exercise every
// kind of operation and outcome.
func TestBusyClusterHistoriesAreLinearizable(t *testing.T) {
	for seed := uint64(4); seed <= 7; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			h := linHistory60s(t, seed)
			done := map[wire.OpKind]int{}
			unsure := 0
			for _, op := range h {
				switch {
				case op.Failed:
				case op.Unknown || op.Return < 0:
					unsure++
				default:
					done[op.Kind]++
				}
			}
			r := CheckHistory(h)
			if !r.OK || r.Ops < done[wire.OpSet]+done[wire.OpDel]+done[wire.OpGet] {
				t.Fatalf("%+v", r)
			}
			if done[wire.OpSet] < 300 || done[wire.OpGet] < 200 || done[wire.OpDel] < 100 {
				t.Fatalf("completed %v (and %d with an unknown outcome): too few to mean much", done, unsure)
			}
			t.Logf("%s; completed %v, %d unknown", r.Text, done, unsure)
		})
	}
}

// isolated reports whether every link to and from node n is cut.
func isolated(c *Cluster, n *simNode) bool {
	for _, o := range c.nodes {
		if o.id != n.id && (!c.blocked[n.id][o.id] || !c.blocked[o.id][n.id]) {
			return false
		}
	}
	return true
}

// TestStaleReadsUnderLoadAreCaught plants the stale-read bug in a busy
// cluster: a follower cut off from the others answers gets from its own state
// machine. While the workload clients keep writing through the leader, the
// console reads every key at that follower every 250 ms; after the heal the
// run goes on. Without the bug the same run is linearizable (the console's
// gets are redirected to the leader and go through ReadIndex).
func TestStaleReadsUnderLoadAreCaught(t *testing.T) {
	run := func(buggy bool) (*Cluster, LinearizabilityResult) {
		cfg := wire.DefaultConfig()
		cfg.Clients = wire.ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1000, Keys: 3}
		cfg.Network = wire.NetworkConfig{MinLatencyMS: 5, MaxLatencyMS: 40, DropRate: 0.02, DuplicateRate: 0.02, ReorderRate: 0.05}
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if buggy {
			c.hooks.localRead = isolated
		}
		if err := c.RunUntil(5000); err != nil {
			t.Fatal(err)
		}
		l := c.leader()
		if l == nil {
			t.Fatal("no leader after 5 s")
		}
		f := l.id%core.NodeID(cfg.Nodes) + 1
		apply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: f})
		for range 20 {
			if err := c.RunFor(250); err != nil {
				t.Fatal(err)
			}
			for k := range cfg.Clients.Keys {
				apply(t, c, wire.Command{Kind: wire.CmdGet, Key: fmt.Sprintf("k%d", k), Node: f})
			}
		}
		apply(t, c, wire.Command{Kind: wire.CmdHeal})
		if err := c.RunFor(5000); err != nil {
			t.Fatal(err)
		}
		return c, c.CheckLinearizable()
	}
	good, r := run(false)
	console := 0
	for _, op := range good.History() {
		if op.Client == 0 && op.Return >= 0 {
			console++
		}
	}
	if !r.OK || r.Ops < 500 || console < 30 {
		t.Fatalf("without the bug: %+v, %d console gets answered", r, console)
	}
	c, r := run(true)
	if r.OK || len(r.Keys) == 0 {
		t.Fatalf("stale reads not caught: %+v", r)
	}
	path := filepath.Join(t.TempDir(), "stale.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteLinearizabilityHTML(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(path); err != nil || !bytes.Contains(data, []byte("<html")) {
		t.Fatalf("visualization: %v, %d bytes", err, len(data))
	}
	t.Logf("%s on keys %v", r.Text, r.Keys)
}

// TestCheckLinearizableIsDeterministic checks that the verdict, the keys at
// fault and the operation count are the same on every call.
func TestCheckLinearizableIsDeterministic(t *testing.T) {
	h := linHistory60s(t, 2)
	i := slices.IndexFunc(h, func(op HistoryOp) bool {
		return op.Kind == wire.OpGet && op.Found && op.Return > 30_000 && !op.Failed && !op.Unknown
	})
	if i < 0 {
		t.Fatal("no completed get after 30 s")
	}
	h[i].Output = "never written"
	want := CheckHistory(h)
	if want.OK || !slices.Equal(want.Keys, []string{h[i].Key}) {
		t.Fatalf("%+v", want)
	}
	for range 5 {
		if got := CheckHistory(h); got.OK != want.OK || got.Ops != want.Ops || !slices.Equal(got.Keys, want.Keys) || got.Text != want.Text {
			t.Fatalf("%+v, then %+v", want, got)
		}
	}
}
