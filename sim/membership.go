package sim

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// This file is membership in the simulator. A node added by a command
// starts empty, with no membership of its own, and learns the log (or a
// snapshot) from the leader once etcd Raft has applied its addition. A node
// removed from the configuration stays in views as removed and serves no
// client, but its process keeps running, so that it can still vote: a
// voter that has not yet learned the change committed still counts the old
// configuration's quorums, which may need the removed node (the chaos
// campaign found seeds stranded for good when removed nodes stopped, as an
// etcd server stops on applying its own removal). A removed leader hands
// leadership to a voter of the new configuration (handOff), as an etcd
// server does before it stops: stepping down at once can leave the voters
// unable to elect anyone (etcd-io/etcd#11038). Ids are handed out in order
// and never reused.

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
	if c.hooks.noConfChangeCheck {
		return nil
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
	c.emit(wire.Event{Kind: wire.EvCommand, Node: leader.id, Type: string(cmd.Kind), Text: wire.ChangeAskedText(cmd, leader.id, cc)})
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
// it): the removal is committed, so it holds cluster-wide. If n is the
// leader and removed itself, it hands leadership on.
func (c *Cluster) noteConfStates(n *simNode, u *core.Update) {
	for _, cc := range u.ConfChanges {
		cs := cc.ConfState
		if n.conf != nil {
			for _, id := range wire.ConfMembers(n.conf) {
				if slices.Contains(wire.ConfMembers(cs), id) || int(id) > len(c.nodes) {
					continue
				}
				x := c.nodes[id-1]
				if x == n && n.rn.IsLeader() {
					defer c.handOff(n)
				}
				if !x.removed {
					x.removed = true
					c.emit(wire.RemovedEvent(x.id, n.id, cc.Index))
				}
			}
		}
		n.conf = cs
	}
}

// handOff has removed leader n hand leadership to the voter of its new
// configuration whose log matches most of its own (the lowest id on a tie),
// as an etcd server does before it stops: etcd Raft sends that voter what
// it lacks, then tells it to campaign (MsgTimeoutNow), and n, whose log is
// no longer than the transferee's, grants its vote if the transferee still
// needs it. Until then n leads on, accepting no proposal and serving no
// client. A transfer that times out is asked for again at n's next tick.
func (c *Cluster) handOff(n *simNode) {
	if c.hooks.noHandOff {
		return
	}
	st := n.rn.Status()
	if st.Role != core.RoleLeader || st.LeadTransferee != 0 {
		return
	}
	to := st.HandOffTarget()
	if to == 0 {
		return
	}
	if err := n.rn.TransferLeadership(to); err != nil {
		return // no quorum of the new configuration heard lately: it steps down by itself
	}
	c.emit(wire.HandOffEvent(n.id, to))
}
