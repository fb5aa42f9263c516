package sim

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// simNode is one node's place in the simulation. Its storage is durable: it
// survives crashes. Everything else is volatile.
type simNode struct {
	id    core.NodeID
	store *storage.MemStorage
	rn    *core.RaftNode // nil while crashed
	gen   uint64         // incarnation: bumped by each crash and restart
	phase int64          // offset of this node's ticks within a heartbeat

	// What the trace last said about the node, to describe changes.
	role   core.Role
	term   core.Term
	vote   core.NodeID
	leader core.NodeID
	commit core.LogIndex
	// camp tallies the answers to the current campaign.
	camp wire.Campaign
	// ticksSinceReset approximates etcd Raft's electionElapsed: ticks since
	// the node last heard from a leader, voted, or started a campaign.
	ticksSinceReset int
	err             error // the node's last fatal error, if it stopped

	upd core.Update // the Ready round being handled (reused)
}

func (n *simNode) up() bool { return n.rn != nil }

// startNode builds the node's RaftNode from its storage (fresh or after a
// crash), schedules its ticks and processes its first Ready.
func (c *Cluster) startNode(n *simNode) error {
	rn, err := core.New(c.nodeConfig(n.id), n.store)
	if err != nil {
		return fmt.Errorf("sim: start %s: %w", n.id, err)
	}
	n.rn = rn
	n.gen++
	n.role, n.leader, n.camp, n.ticksSinceReset = core.RoleFollower, 0, wire.Campaign{}, 0
	hs, _, _ := n.store.InitialState()
	n.term, n.vote, n.commit = core.Term(hs.GetTerm()), core.NodeID(hs.GetVote()), core.LogIndex(hs.GetCommit())
	hb := int64(c.cfg.Raft.HeartbeatIntervalMS)
	first := c.now - c.now%hb + n.phase
	if first <= c.now {
		first += hb
	}
	c.schedule(qevent{at: first, kind: qTick, node: int(n.id - 1), gen: n.gen})
	// Check the state the node restarted with before its first round can
	// overwrite it.
	if !c.safety.started(c, n, true) {
		return nil
	}
	c.drain(n)
	return nil
}

// tick advances a node's Raft clock by one heartbeat and schedules the next.
func (c *Cluster) tick(n *simNode, gen uint64) {
	if !n.up() || gen != n.gen {
		return // a stale tick from before a crash
	}
	c.schedule(qevent{at: c.now + int64(c.cfg.Raft.HeartbeatIntervalMS), kind: qTick, node: int(n.id - 1), gen: n.gen})
	before := n.role
	n.rn.Tick()
	n.ticksSinceReset++
	if after := n.rn.Role(); after != before && (after == core.RolePreCandidate || after == core.RoleCandidate) {
		c.emit(wire.Event{Kind: wire.EvTimeout, Node: n.id, Term: n.term,
			Text: fmt.Sprintf("%s's election timeout fired after %d ticks without hearing from a leader", n.id, n.ticksSinceReset)})
	}
	c.drain(n)
}

// drain runs the node's Ready loop until it has nothing left to do, turning
// each Update into trace events, messages on the network, client answers and
// checker observations.
func (c *Cluster) drain(n *simNode) {
	for n.up() && n.rn.HasReady() {
		var err error
		if c.hooks.roundFails != nil {
			err = c.hooks.roundFails(c, n)
		}
		// The update lives in the node, not on the heap afresh each round.
		if err == nil {
			n.upd, err = n.rn.Process()
		}
		if err != nil {
			c.nodeFailed(n, err)
			return
		}
		u := &n.upd
		c.observe(n, u)
		if c.halted != nil {
			return
		}
		for _, m := range u.Messages {
			c.send(n, m)
		}
		n.upd = core.Update{}
	}
}

// nodeFailed stops a node whose Ready loop failed: like a process that exits
// on a storage error. Its storage survives; restart it to continue.
func (c *Cluster) nodeFailed(n *simNode, err error) {
	n.err = err
	c.emit(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
	c.crashLocked(n)
}

// observe records what one Ready round did.
func (c *Cluster) observe(n *simNode, u *core.Update) {
	if hs := u.HardState; hs != nil {
		if t := core.Term(hs.GetTerm()); t != n.term {
			c.emit(wire.Event{Kind: wire.EvTerm, Node: n.id, Term: t})
			n.term = t
			n.camp = wire.Campaign{}
		}
		if v := core.NodeID(hs.GetVote()); v != n.vote {
			n.vote = v
			if v != 0 {
				n.ticksSinceReset = 0
				c.emit(wire.Event{Kind: wire.EvVote, Node: n.id, Peer: v, Term: n.term})
			}
		}
	}
	if u.SnapshotInstalled != nil {
		md := u.SnapshotInstalled
		c.emit(wire.Event{Kind: wire.EvSnapshotInstall, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s installed a snapshot up to index %d (term %d), replacing its log", n.id, md.GetIndex(), md.GetTerm())})
	}
	if len(u.Entries) > 0 {
		first, last := u.Entries[0], u.Entries[len(u.Entries)-1]
		e := wire.Event{Kind: wire.EvAppend, Node: n.id, Term: core.Term(last.GetTerm()), Index: core.LogIndex(first.GetIndex()), Index2: core.LogIndex(last.GetIndex())}
		if len(u.Entries) == 1 {
			e = e.WithEntry(first)
		}
		c.emit(e)
	}
	if hs := u.HardState; hs != nil {
		if ci := core.LogIndex(hs.GetCommit()); ci != n.commit {
			c.emit(wire.Event{Kind: wire.EvCommit, Node: n.id, Term: n.term, Index: n.commit + 1, Index2: ci})
			n.commit = ci
		}
	}
	if len(u.Applied) > 0 {
		first, last := u.Applied[0], u.Applied[len(u.Applied)-1]
		e := wire.Event{Kind: wire.EvApply, Node: n.id, Index: core.LogIndex(first.Index), Index2: core.LogIndex(last.Index)}
		if !c.trace.off {
			e.Type = wire.AppliedOps(u.Applied)
		}
		c.emit(e)
	}
	for _, cc := range u.ConfChanges {
		c.emit(wire.Event{Kind: wire.EvConfChange, Node: n.id, Index: cc.Index,
			Text: fmt.Sprintf("%s applied membership change %s at %d; voters now %v", n.id, wire.DescribeConfChange(cc.Change), cc.Index, cc.ConfState.GetVoters())})
	}
	if u.SnapshotCreated != nil {
		md := u.SnapshotCreated
		text := fmt.Sprintf("%s took a snapshot at index %d (term %d)", n.id, md.GetIndex(), md.GetTerm())
		if u.CompactedTo > 0 {
			text += fmt.Sprintf(" and compacted its log up to %d", u.CompactedTo)
		}
		c.emit(wire.Event{Kind: wire.EvSnapshotCreate, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()), Index2: u.CompactedTo, Text: text})
	}
	for _, r := range u.Refusals {
		c.emit(wire.RefusalEvent(n.id, r))
	}
	if u.RoleChanged {
		c.roleChanged(n, u.Role, u.Leader, u.LostQuorum)
	}
	if c.hooks.processed != nil {
		c.hooks.processed(c, n, u)
	}
	c.safety.observe(c, n, u)
	c.clientsObserve(n, u)
}

// roleChanged emits role and leader events; lostQuorum says a leader
// stepped down for want of a quorum.
func (c *Cluster) roleChanged(n *simNode, role core.Role, leader core.NodeID, lostQuorum bool) {
	if role != n.role {
		text := wire.RoleText(n.id, n.role, role, n.term, n.camp, leader, lostQuorum)
		if role == core.RolePreCandidate || role == core.RoleCandidate {
			n.camp, n.ticksSinceReset = wire.Campaign{}, 0
		}
		c.emit(wire.Event{Kind: wire.EvRole, Node: n.id, Term: n.term, Type: string(role), Text: text})
		n.role = role
	}
	if leader != n.leader {
		c.emit(wire.Event{Kind: wire.EvLeader, Node: n.id, Peer: leader, Term: n.term, Text: wire.LeaderText(n.id, leader, n.term)})
		n.leader = leader
	}
}

// noteVoteResponse tallies a vote or pre-vote answer delivered to the node.
func (n *simNode) noteVoteResponse(m *pb.Message) { n.camp.Note(n.role, n.term, m) }
