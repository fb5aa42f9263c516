package sim

import (
	"strconv"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// checkLocalRead checks the get c.history[hi], which node n has just
// answered from its own state machine, without ReadIndex (the planted fault
// wire.FaultLocalRead), at its applied index (HistoryOp.Index). It runs only
// on that path: a healthy run pays nothing.
//
// The read is stale, and no linearization in log order explains it (see
// CheckLogOrder), when both hold:
//
//   - w > applied, where w is the highest log index of a write of the key
//     acknowledged to its client before the read was sent: the read must
//     take effect at a log position at or after w, which n had not reached;
//   - no write of the key that may take effect at an index at or after w
//     gives the result read (a set of the value read, or a del for a key
//     not found): those applied there (HistoryOp.Index >= w, whatever their
//     client was told) and those no node has applied yet and which have not
//     certainly failed (they may still land, and only after w).
//
// Both conditions hold only when no order of the operations in the log
// explains the read, so the check never flags a linearizable history. It
// may miss stale reads that the end-of-run checkers find (one that goes
// back before an earlier read, say). Its cost is a pass over the history
// per local read.
func (c *Cluster) checkLocalRead(n *simNode, hi int) {
	g := &c.history[hi]
	var w uint64
	last := -1
	for i := range c.history {
		op := &c.history[i]
		if op.Kind != wire.OpGet && op.Key == g.Key && op.acked() && op.Return < g.Call && op.Index > w {
			w, last = op.Index, i
		}
	}
	if w <= g.Index {
		return
	}
	for i := range c.history {
		op := &c.history[i]
		if op.Kind == wire.OpGet || op.Key != g.Key || op.Index < w && (op.Index != 0 || op.Failed) {
			continue
		}
		if g.Found && op.Kind == wire.OpSet && op.Value == g.Output || !g.Found && op.Kind == wire.OpDel {
			return // it may explain the read
		}
	}
	got := "not found"
	if g.Found {
		got = strconv.Quote(g.Output)
	}
	op := &c.history[last]
	c.violate(wire.Violation{Property: wire.PropLinearizable, Nodes: []core.NodeID{n.id}, Index: core.LogIndex(w),
		Text: n.id.String() + " answered get " + g.Key + " → " + got + " from its own store at applied index " + strconv.FormatUint(g.Index, 10) +
			", but " + wire.DescribeOp(op.Kind, op.Key, op.Value) + " #" + strconv.FormatUint(op.ID, 10) +
			" was acknowledged at index " + strconv.FormatUint(w, 10) + " before the read was sent: a stale read"})
}
