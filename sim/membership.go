package sim

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// This file is membership in the simulator: nodes added by a command start
// empty, with no membership of their own, and learn the log (or a
// snapshot) from the leader once etcd Raft has applied their addition; a
// node removed from the configuration stops for good, as an etcd server
// does when it applies its own removal, and stays in views as removed. Ids
// are handed out in order and never reused.

// membership is the configuration in force on the leader and the nodes
// removed so far, as CheckCommand reads them.
func (c *Cluster) membership() wire.Membership {
	var m wire.Membership
	if l := c.leader(); l != nil {
		st := l.rn.Status()
		m.Voters, m.VotersOutgoing = st.Voters, st.VotersOutgoing
		m.Learners, m.LearnersNext = st.Learners, st.LearnersNext
	}
	for _, n := range c.nodes {
		if n.removed {
			m.Removed = append(m.Removed, n.id)
		}
	}
	return m
}

// checkConfChange is the leader's verdict on cc (core's CheckConfChange).
func (c *Cluster) checkConfChange(cc pb.ConfChangeI) error {
	l := c.leader()
	if l == nil {
		return fmt.Errorf("%w: there is no leader", core.ErrNotLeader)
	}
	return l.rn.CheckConfChange(cc)
}

// changeMembership carries out a checked membership command: it creates
// the nodes the command adds (empty, not yet members) and proposes the
// change on the leader.
func (c *Cluster) changeMembership(cmd wire.Command) {
	leader := c.leader()
	cc := wire.ConfChangeOf(cmd, len(c.nodes))
	for _, ch := range wire.MemberChanges(cmd, len(c.nodes)) {
		if ch.Op != wire.OpRemove && int(ch.Node) == len(c.nodes)+1 {
			c.addNode()
		}
	}
	text := fmt.Sprintf("asked leader %s to %s", leader.id, wire.DescribeConfChange(cc))
	switch cmd.Kind {
	case wire.CmdPromote:
		text = fmt.Sprintf("asked leader %s to promote learner %s to voter", leader.id, cmd.Node)
	case wire.CmdAddLearner:
		text += fmt.Sprintf(": %s will be a learner, receiving the log without voting", core.NodeID(cc.AsV2().GetChanges()[0].GetNodeId()))
	case wire.CmdReplace:
		text += " through a joint configuration"
	case wire.CmdChange:
		if cmd.Transition == wire.TransitionExplicit {
			text += " (joint until a leave-joint command)"
		}
	}
	c.emit(wire.Event{Kind: wire.EvCommand, Node: leader.id, Type: string(cmd.Kind), Text: text})
	if err := leader.rn.ProposeConfChange(cc); err != nil {
		// CheckConfChange said etcd would accept it; record the surprise.
		c.emit(wire.Event{Kind: wire.EvCommand, Node: leader.id, Type: string(cmd.Kind), Text: "etcd Raft refused the change: " + err.Error()})
	}
	c.drain(leader)
}

// addNode creates the next node: empty storage, no membership, running.
func (c *Cluster) addNode() *simNode {
	hb := int64(c.cfg.Raft.HeartbeatIntervalMS)
	n := &simNode{id: core.NodeID(len(c.nodes) + 1), store: storage.NewMemStorage(), phase: c.rng.Int64N(hb)}
	c.nodes = append(c.nodes, n)
	if err := c.startNode(n, false); err != nil {
		c.nodeFailed(n, err)
	}
	return n
}

// noteConfStates records the configurations node n applied in u and marks
// every node one of them removed (a member before it, in no role after
// it): the removal is committed, so it holds cluster-wide. Removed nodes
// stop once the round is handled (retireRemoved).
func (c *Cluster) noteConfStates(n *simNode, u *core.Update) {
	for _, cc := range u.ConfChanges {
		cs := cc.ConfState
		if n.conf != nil {
			for _, id := range confMembers(n.conf) {
				if slices.Contains(confMembers(cs), id) || int(id) > len(c.nodes) {
					continue
				}
				x := c.nodes[id-1]
				if !x.removed {
					x.removed = true
					c.retiring = append(c.retiring, x)
					c.emit(wire.Event{Kind: wire.EvConfChange, Node: x.id, Index: cc.Index,
						Text: fmt.Sprintf("%s was removed from the cluster (%s applied the change at %d): it stops for good and its id is never reused", x.id, n.id, cc.Index)})
				}
			}
		}
		n.conf = cs
	}
}

// retireRemoved stops the nodes removed since the last call.
func (c *Cluster) retireRemoved() {
	for _, x := range c.retiring {
		if x.up() {
			c.crashLocked(x)
		}
	}
	c.retiring = c.retiring[:0]
}

// confMembers lists every node of cs, in any role.
func confMembers(cs *pb.ConfState) []uint64 {
	out := slices.Concat(cs.GetVoters(), cs.GetVotersOutgoing(), cs.GetLearners(), cs.GetLearnersNext())
	slices.Sort(out)
	return slices.Compact(out)
}

// removedRefusal is why a command cannot act on removed node id.
func removedRefusal(id core.NodeID) string {
	return fmt.Sprintf("%s was removed from the cluster; it is stopped for good and its id is never reused", id)
}
