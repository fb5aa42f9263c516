package export

import (
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// testNodes is the size of the cluster testRun runs.
const testNodes = 3

// testRun runs a small deterministic session with every kind of fault the
// exporters annotate (a crash and its restart, a partition, the leader
// isolated, a cut, heals), console requests whose keys and values need
// escaping, and client requests that fail or end unknown (a short client
// timeout during the faults), and returns its cluster.
func testRun(t *testing.T) *sim.Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = testNodes
	cfg.Seed = 7
	cfg.Clients.Count = 2
	cfg.Clients.TimeoutMS = 200 // short, so the partition leaves requests failed or unknown
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at  int64
		cmd wire.Command
	}{
		{1000, wire.Command{Kind: wire.CmdSet, Key: "q\"k\\ey", Value: "line1\nline2\ttab é"}},
		{1100, wire.Command{Kind: wire.CmdGet, Key: "q\"k\\ey"}},
		{1200, wire.Command{Kind: wire.CmdDel, Key: "q\"k\\ey"}},
		{1500, wire.Command{Kind: wire.CmdCrash, Node: 1}},
		{2500, wire.Command{Kind: wire.CmdRestart, Node: 1}},
		{3000, wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1}, {2, 3}}}},
		{3500, wire.Command{Kind: wire.CmdIsolate}}, // the leader, below: its writes end unknown
		{4000, wire.Command{Kind: wire.CmdHeal}},
		{4500, wire.Command{Kind: wire.CmdCut, Node: 2, Peer: 3}},
		{5000, wire.Command{Kind: wire.CmdHeal}},
	}
	for _, s := range steps {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		if s.cmd.Kind == wire.CmdIsolate {
			for _, n := range c.View(0).Nodes {
				if n.Up && n.Role == core.RoleLeader {
					s.cmd.Node = n.ID
				}
			}
		}
		if err := c.Apply(s.cmd); err != nil {
			t.Fatalf("%v: %v", s.cmd, err)
		}
	}
	if err := c.RunUntil(6000); err != nil {
		t.Fatal(err)
	}
	return c
}
