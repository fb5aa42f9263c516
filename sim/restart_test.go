package sim

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// TestRestartOfANodeWhoseFirstRoundFails restarts a node whose first Ready
// round after the restart fails (as a storage error would): the node stays
// down with that error in the view, instead of the simulator panicking on
// the node's missing RaftNode. A later restart, with the fault gone, works.
func TestRestartOfANodeWhoseFirstRoundFails(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2})
	fail := errors.New("planted: the disk is gone")
	c.hooks.roundFails = func(_ *Cluster, n *simNode) error {
		if n.id == 2 {
			return fail
		}
		return nil
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdRestart, Node: 2}); err != nil {
		t.Fatalf("restart: %v", err)
	}
	n2 := c.View(1).Nodes[1]
	if n2.Up || !strings.Contains(n2.Error, fail.Error()) {
		t.Fatalf("n2 after a restart whose first round failed: up %v, error %q", n2.Up, n2.Error)
	}
	if err := c.RunFor(2000); err != nil {
		t.Fatal(err)
	}
	c.hooks.roundFails = nil
	do(t, c, wire.Command{Kind: wire.CmdRestart, Node: 2})
	if err := c.RunFor(3000); err != nil {
		t.Fatal(err)
	}
	if n2 := c.View(1).Nodes[1]; !n2.Up {
		t.Fatalf("n2 did not come back: %+v", n2)
	}
}

// TestRestartEventComesFirst restarts a crashed node whose log holds
// committed entries: the restart event, with the node's term and restored
// index as fields, comes before anything the restarted node does (its
// first round re-applies its committed entries).
func TestRestartEventComesFirst(t *testing.T) {
	c := newScenario(t, 3, nil)
	run(t, c, 3000)
	consoleSet(t, c, "k", "v", 0)
	run(t, c, 1000)
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2})
	run(t, c, 500)
	since := c.View(1).Events
	term := c.View(1).Nodes[1].Term
	do(t, c, wire.Command{Kind: wire.CmdRestart, Node: 2})
	var mine []wire.Event
	for _, e := range c.Events(since) {
		if e.Node == 2 && e.Kind != wire.EvCommand {
			mine = append(mine, e)
		}
	}
	if len(mine) < 2 {
		t.Fatalf("n2's events after its restart: %+v; want the restart and its first round", mine)
	}
	if e := mine[0]; e.Kind != wire.EvRestart || e.Term != term || e.Index != 0 {
		t.Fatalf("n2's first event after the restart command: %+v; want a restart event in term %d restored to index 0", e, term)
	}
	if !slices.ContainsFunc(mine[1:], func(e wire.Event) bool { return e.Kind == wire.EvApply && e.Index == 1 }) {
		t.Fatalf("n2's first round re-applied nothing from index 1: %+v", mine[1:])
	}
}
