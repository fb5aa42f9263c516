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
