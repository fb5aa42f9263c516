package sim

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// scriptedRun runs a cluster for 20 virtual seconds with clients and a
// fixed set of commands in the middle.
func scriptedRun(t testing.TB, seed uint64) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Seed = seed
	cfg.Clients.Count = 3
	cfg.Clients.RatePerSec = 5
	cfg.Network.DropRate = 0.02
	cfg.Network.DuplicateRate = 0.02
	cfg.Network.ReorderRate = 0.05
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	script := []struct {
		at  int64
		cmd wire.Command
	}{
		{3000, wire.Command{Kind: wire.CmdSet, Key: "x", Value: "1"}},
		{5000, wire.Command{Kind: wire.CmdIsolate, Node: 2}},
		{8000, wire.Command{Kind: wire.CmdHeal}},
		{9000, wire.Command{Kind: wire.CmdCrash, Node: 3}},
		{12000, wire.Command{Kind: wire.CmdRestart, Node: 3}},
		{13000, wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {3, 4, 5}}}},
		{16000, wire.Command{Kind: wire.CmdHeal}},
	}
	for _, s := range script {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(s.cmd); err != nil {
			t.Fatalf("at %d: %v: %v", s.at, s.cmd.Kind, err)
		}
	}
	if err := c.RunUntil(20_000); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSameSeedSameTrace(t *testing.T) {
	a, b := scriptedRun(t, 7), scriptedRun(t, 7)
	if a.TraceHash() != b.TraceHash() || a.EventCount() != b.EventCount() {
		t.Fatalf("same seed: hash %x vs %x, events %d vs %d", a.TraceHash(), b.TraceHash(), a.EventCount(), b.EventCount())
	}
	ea, eb := a.Events(0), b.Events(0)
	ja, _ := json.Marshal(ea)
	jb, _ := json.Marshal(eb)
	if string(ja) != string(jb) {
		t.Fatal("same seed: event texts differ")
	}
	if a.EventCount() < 1000 {
		t.Fatalf("only %d events in 20 s; the run did too little to compare", a.EventCount())
	}
	c := scriptedRun(t, 8)
	if c.TraceHash() == a.TraceHash() {
		t.Fatal("seeds 7 and 8 gave the same trace")
	}
}

func TestExportImportReproducesTrace(t *testing.T) {
	a := scriptedRun(t, 11)
	data, err := MarshalSession(a.Export())
	if err != nil {
		t.Fatal(err)
	}
	s, err := UnmarshalSession(data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Import(s)
	if err != nil {
		t.Fatal(err)
	}
	if a.TraceHash() != b.TraceHash() || a.Now() != b.Now() {
		t.Fatalf("import: hash %x vs %x, time %d vs %d", a.TraceHash(), b.TraceHash(), a.Now(), b.Now())
	}
	if _, err := UnmarshalSession([]byte(`{"version":2}`)); !errors.Is(err, wire.ErrBadSession) {
		t.Fatalf("version 2: %v", err)
	}
	if _, err := UnmarshalSession([]byte(`{"version":1,"bogus":1}`)); !errors.Is(err, wire.ErrBadSession) {
		t.Fatalf("unknown field: %v", err)
	}
}

func TestSeekBackReproducesEarlierState(t *testing.T) {
	a := scriptedRun(t, 5)
	// The state at 10 s, from a run stopped there.
	ref := scriptedRun(t, 5)
	ref2, err := Import(Session{Version: SessionVersion, Config: ref.initial, Commands: ref.log[:4], Until: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(ref2.View(0))
	if err := a.SeekTo(10_000); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(a.View(0))
	if string(got) != string(want) {
		t.Fatalf("view after seeking back to 10 s differs from a run stopped at 10 s")
	}
	// Seeking forward again replays the recorded future to the same end.
	if err := a.SeekTo(20_000); err != nil {
		t.Fatal(err)
	}
	if a.TraceHash() != ref.TraceHash() {
		t.Fatalf("seek forward: hash %x, want %x", a.TraceHash(), ref.TraceHash())
	}
	if err := a.SeekTo(20_001); !errors.Is(err, wire.ErrImpossible) {
		t.Fatalf("seek past the horizon: %v", err)
	}
}

func TestBadCommandsChangeNothing(t *testing.T) {
	c := scriptedRun(t, 3)
	before, _ := json.Marshal(c.View(0))
	hash, logLen := c.TraceHash(), len(c.log)
	for _, tt := range []struct {
		cmd  wire.Command
		want error
	}{
		{wire.Command{Kind: "explode"}, wire.ErrBadCommand},
		{wire.Command{}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdCrash, Node: 9}, wire.ErrUnknownNode},
		{wire.Command{Kind: wire.CmdCrash, Node: 0}, wire.ErrUnknownNode},
		{wire.Command{Kind: wire.CmdRestart, Node: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdSet, Key: ""}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdDel, Key: "a", Value: "b"}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdDeliver, Msg: 1 << 40}, wire.ErrUnknownMessage},
		{wire.Command{Kind: wire.CmdCut, Node: 1, Peer: 1}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {2, 3}}}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdNetwork, Network: &wire.NetworkConfig{MinLatencyMS: 50, MaxLatencyMS: 10}}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdNetwork}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdRemoveClients, Count: 99}, wire.ErrBadCommand},
	} {
		if err := c.Apply(tt.cmd); !errors.Is(err, tt.want) {
			t.Errorf("%+v: err %v, want %v", tt.cmd, err, tt.want)
		}
	}
	after, _ := json.Marshal(c.View(0))
	if string(before) != string(after) || c.TraceHash() != hash || len(c.log) != logLen {
		t.Fatal("a refused command changed the cluster")
	}
	if _, err := wire.ParseCommand([]byte(`{"kind":"crash","node":1,"extra":true}`)); !errors.Is(err, wire.ErrBadCommand) {
		t.Fatalf("unknown field: %v", err)
	}
}
