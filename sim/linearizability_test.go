package sim

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

func set(client int, key, value string, call, ret int64) HistoryOp {
	return HistoryOp{Client: client, Kind: wire.OpSet, Key: key, Value: value, Output: "OK", Call: call, Return: ret}
}

func get(client int, key, value string, found bool, call, ret int64) HistoryOp {
	return HistoryOp{Client: client, Kind: wire.OpGet, Key: key, Output: value, Found: found, Call: call, Return: ret}
}

func del(client int, key, out string, call, ret int64) HistoryOp {
	return HistoryOp{Client: client, Kind: wire.OpDel, Key: key, Output: out, Call: call, Return: ret}
}

func unknownSet(client int, key, value string, call int64) HistoryOp {
	return HistoryOp{Client: client, Kind: wire.OpSet, Key: key, Value: value, Call: call, Return: -1, Unknown: true}
}

func TestCheckHistory(t *testing.T) {
	tests := []struct {
		name string
		h    []HistoryOp
		wok  bool
	}{
		{"empty", nil, true},
		{"sequential", []HistoryOp{set(1, "x", "a", 0, 10), get(2, "x", "a", true, 11, 20), del(1, "x", "1", 21, 30), get(2, "x", "", false, 31, 40), del(1, "x", "0", 41, 50)}, true},
		{"concurrent sets, read either", []HistoryOp{set(1, "x", "a", 0, 10), set(2, "x", "b", 0, 10), get(3, "x", "a", true, 11, 20)}, true},
		{"read overlapping a set sees old", []HistoryOp{set(1, "x", "a", 0, 10), set(2, "x", "b", 15, 30), get(3, "x", "a", true, 16, 25)}, true},
		{"read overlapping a set sees new", []HistoryOp{set(1, "x", "a", 0, 10), set(2, "x", "b", 15, 30), get(3, "x", "b", true, 16, 25)}, true},
		{"unknown write that applied", []HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "a", true, 50, 60)}, true},
		{"unknown write that did not", []HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "", false, 50, 60)}, true},
		{"failed ops ignored", []HistoryOp{{Client: 1, Kind: wire.OpSet, Key: "x", Value: "zzz", Call: 0, Return: -1, Failed: true}, get(2, "x", "", false, 50, 60)}, true},
		{"keys independent", []HistoryOp{set(1, "x", "a", 0, 10), get(2, "y", "", false, 11, 20)}, true},
		{"value never written", []HistoryOp{set(1, "x", "a", 0, 10), get(2, "x", "b", true, 11, 20)}, false},
		{"stale read after a completed write", []HistoryOp{set(1, "x", "a", 0, 10), set(1, "x", "b", 11, 20), get(2, "x", "a", true, 21, 30)}, false},
		{"del says removed on an absent key", []HistoryOp{del(1, "x", "1", 0, 10)}, false},
		{"reads going backwards", []HistoryOp{set(1, "x", "a", 0, 10), set(1, "x", "b", 11, 50), get(2, "x", "b", true, 12, 20), get(2, "x", "a", true, 21, 30)}, false},
		{"read of a deleted key", []HistoryOp{set(1, "x", "a", 0, 10), del(1, "x", "1", 11, 20), get(2, "x", "a", true, 21, 30)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckHistory(tt.h)
			if r.OK != tt.wok || r.Text == "" {
				t.Fatalf("CheckHistory = %+v, want ok %v", r, tt.wok)
			}
		})
	}
}

func TestClusterHistoriesAreLinearizable(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			cfg := wire.DefaultConfig()
			cfg.Seed = seed
			cfg.Clients = wire.ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1000, Keys: 3}
			cfg.Network = wire.NetworkConfig{MinLatencyMS: 5, MaxLatencyMS: 40, DropRate: 0.02, DuplicateRate: 0.02, ReorderRate: 0.05}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			script := map[int64]wire.Command{
				10_000: {Kind: wire.CmdCrash, Node: core.NodeID(seed)},
				15_000: {Kind: wire.CmdRestart, Node: core.NodeID(seed)},
				25_000: {Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {3, 4, 5}}},
				35_000: {Kind: wire.CmdHeal},
				45_000: {Kind: wire.CmdIsolate, Node: 4},
				50_000: {Kind: wire.CmdHeal},
			}
			for at := int64(5_000); at <= 60_000; at += 5_000 {
				if err := c.RunUntil(at); err != nil {
					t.Fatal(err)
				}
				if cmd, ok := script[at]; ok {
					if err := c.Apply(cmd); err != nil {
						t.Fatal(err)
					}
				}
			}
			r := c.CheckLinearizable()
			completed := 0
			for _, h := range c.History() {
				if h.Return >= 0 {
					completed++
				}
			}
			if !r.OK || completed < 300 {
				t.Fatalf("%+v with %d completed operations", r, completed)
			}
		})
	}
}

func TestStaleReadsAreCaught(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Clients = wire.ClientConfig{Count: 0, RatePerSec: 1, TimeoutMS: 1000, Keys: 1}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	l := c.leader()
	stale := core.NodeID(1)
	if stale == l.id {
		stale = 2
	}
	// The bug: a follower answers gets from its own state machine.
	c.hooks.localRead = func(c *Cluster, n *simNode) bool { return n.id == stale }
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "old"})
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	apply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: stale}, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "new"})
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	apply(t, c, wire.Command{Kind: wire.CmdGet, Key: "k", Node: stale})
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	h := c.History()
	if last := h[len(h)-1]; last.Output != "old" {
		t.Fatalf("the planted stale read returned %+v", last)
	}
	if r := c.CheckLinearizable(); r.OK || !strings.Contains(r.Problem, `"old"`) || !strings.Contains(r.Problem, "its node answered at applied index") || r.CrossCheck != "Porcupine agrees" {
		t.Fatalf("stale read not caught, or not named: %+v", r)
	}
	var buf bytes.Buffer
	if err := c.WriteLinearizabilityHTML(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "linearizability.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(buf.String()), "<html") || buf.Len() < 1000 {
		t.Fatalf("visualization is %d bytes", buf.Len())
	}
	// Without the bug, the same scenario is linearizable: reads go through
	// ReadIndex at the leader.
	c2, _ := New(cfg)
	_ = c2.RunUntil(3000)
	apply(t, c2, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "old"})
	_ = c2.RunFor(1000)
	apply(t, c2, wire.Command{Kind: wire.CmdIsolate, Node: stale}, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "new"})
	_ = c2.RunFor(1000)
	apply(t, c2, wire.Command{Kind: wire.CmdGet, Key: "k"})
	_ = c2.RunFor(1000)
	if r := c2.CheckLinearizable(); !r.OK {
		t.Fatalf("correct reads judged not linearizable: %+v", r)
	}
	if h := c2.History(); h[len(h)-1].Output != "new" {
		t.Fatalf("linearizable read returned %+v", h[len(h)-1])
	}
}

func ExampleCheckHistory() {
	h := []HistoryOp{
		{Client: 1, Kind: wire.OpSet, Key: "x", Value: "1", Output: "OK", Call: 0, Return: 10},
		{Client: 2, Kind: wire.OpGet, Key: "x", Output: "1", Found: true, Call: 20, Return: 30},
	}
	fmt.Println(CheckHistory(h).Text)
	h[1].Output = "2"
	fmt.Println(CheckHistory(h).Text)
	// Output:
	// linearizable: 2 operations
	// NOT linearizable: no order of the 2 operations explains what the clients saw
}
