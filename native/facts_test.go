package native

import (
	"slices"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestRestartEventComesFirst restarts a crashed node whose log holds
// committed entries: the restart event, with the node's term and restored
// index as fields, is in the trace before anything the restarted node does
// (its first round re-applies its committed entries). Before, the command
// recorded the restart after the node's goroutines had started, so the
// node's first events could come first.
func TestRestartEventComesFirst(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	mustSet(t, c, "k", "v")
	id := core.NodeID(l.ID%3 + 1)
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: id})
	since := c.EventCount()
	term := view(c).Nodes[id-1].Term
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: id})
	var mine []wire.Event
	waitFor(t, 10*time.Second, "the restarted node to re-apply its entries", func() bool {
		mine = mine[:0]
		for _, e := range c.Frame(since, false, 0, wire.ViewOptions{}).Events {
			if e.Node == id && e.Kind != wire.EvCommand {
				mine = append(mine, e)
			}
		}
		return slices.ContainsFunc(mine, func(e wire.Event) bool { return e.Kind == wire.EvApply && e.Index == 1 })
	})
	if e := mine[0]; e.Kind != wire.EvRestart || e.Term != term || e.Index != 0 {
		t.Fatalf("%s's first event after the restart command: %+v; want a restart event in term %d restored to index 0 (events %+v)", id, e, term, mine)
	}
}

// TestAppliedEntriesAreFields submits a set and finds it, on every node,
// in an apply event's fields: index, term, request id, operation, key,
// value and output, with no text parsed.
func TestAppliedEntriesAreFields(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	since := c.EventCount()
	req, err := c.Submit(wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	if err != nil || req == 0 {
		t.Fatalf("Submit = %d, %v", req, err)
	}
	lists := func(e wire.Event) bool {
		return e.Kind == wire.EvApply && slices.ContainsFunc(e.Applied, func(a wire.AppliedEntry) bool {
			return a.Request == req && a.Op == wire.OpSet && a.Key == "k" && a.Value == "v" && a.Output == "OK" &&
				a.Term >= l.Term && a.Index >= e.Index && a.Index <= e.Index2
		})
	}
	var applied map[core.NodeID]core.LogIndex
	waitFor(t, 10*time.Second, "every node to apply the set", func() bool {
		applied = map[core.NodeID]core.LogIndex{}
		for _, e := range c.Frame(since, false, 0, wire.ViewOptions{}).Events {
			if lists(e) {
				for _, a := range e.Applied {
					if a.Request == req {
						applied[e.Node] = a.Index
					}
				}
			}
		}
		return len(applied) == 3
	})
	if applied[1] != applied[2] || applied[1] != applied[3] {
		t.Fatalf("the nodes applied request %d at different indexes: %v", req, applied)
	}
}
