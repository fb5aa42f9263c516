package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
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
	camp Campaign
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
	n.role, n.leader, n.camp, n.ticksSinceReset = core.RoleFollower, 0, Campaign{}, 0
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
		c.emit(Event{Kind: EvTimeout, Node: n.id, Term: n.term,
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
	c.emit(Event{Kind: EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
	c.crashLocked(n)
}

// observe records what one Ready round did.
func (c *Cluster) observe(n *simNode, u *core.Update) {
	if hs := u.HardState; hs != nil {
		if t := core.Term(hs.GetTerm()); t != n.term {
			c.emit(Event{Kind: EvTerm, Node: n.id, Term: t})
			n.term = t
			n.camp = Campaign{}
		}
		if v := core.NodeID(hs.GetVote()); v != n.vote {
			n.vote = v
			if v != 0 {
				n.ticksSinceReset = 0
				c.emit(Event{Kind: EvVote, Node: n.id, Peer: v, Term: n.term})
			}
		}
	}
	if u.SnapshotInstalled != nil {
		md := u.SnapshotInstalled
		c.emit(Event{Kind: EvSnapshotInstall, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s installed a snapshot up to index %d (term %d), replacing its log", n.id, md.GetIndex(), md.GetTerm())})
	}
	if len(u.Entries) > 0 {
		first, last := u.Entries[0], u.Entries[len(u.Entries)-1]
		e := Event{Kind: EvAppend, Node: n.id, Term: core.Term(last.GetTerm()), Index: core.LogIndex(first.GetIndex()), Index2: core.LogIndex(last.GetIndex())}
		if len(u.Entries) == 1 {
			e.ent = first
		}
		c.emit(e)
	}
	if hs := u.HardState; hs != nil {
		if ci := core.LogIndex(hs.GetCommit()); ci != n.commit {
			c.emit(Event{Kind: EvCommit, Node: n.id, Term: n.term, Index: n.commit + 1, Index2: ci})
			n.commit = ci
		}
	}
	if len(u.Applied) > 0 {
		first, last := u.Applied[0], u.Applied[len(u.Applied)-1]
		e := Event{Kind: EvApply, Node: n.id, Index: core.LogIndex(first.Index), Index2: core.LogIndex(last.Index)}
		if !c.trace.off {
			e.Type = appliedOps(u.Applied)
		}
		c.emit(e)
	}
	for _, cc := range u.ConfChanges {
		c.emit(Event{Kind: EvConfChange, Node: n.id, Index: cc.Index,
			Text: fmt.Sprintf("%s applied membership change %s at %d; voters now %v", n.id, describeConfChange(cc.Change), cc.Index, cc.ConfState.GetVoters())})
	}
	if u.SnapshotCreated != nil {
		md := u.SnapshotCreated
		text := fmt.Sprintf("%s took a snapshot at index %d (term %d)", n.id, md.GetIndex(), md.GetTerm())
		if u.CompactedTo > 0 {
			text += fmt.Sprintf(" and compacted its log up to %d", u.CompactedTo)
		}
		c.emit(Event{Kind: EvSnapshotCreate, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()), Index2: u.CompactedTo, Text: text})
	}
	for _, r := range u.Refusals {
		c.emit(RefusalEvent(n.id, r))
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
		text := RoleText(n.id, n.role, role, n.term, n.camp, leader, lostQuorum)
		if role == core.RolePreCandidate || role == core.RoleCandidate {
			n.camp, n.ticksSinceReset = Campaign{}, 0
		}
		c.emit(Event{Kind: EvRole, Node: n.id, Term: n.term, Type: string(role), Text: text})
		n.role = role
	}
	if leader != n.leader {
		c.emit(Event{Kind: EvLeader, Node: n.id, Peer: leader, Term: n.term, Text: LeaderText(n.id, leader, n.term)})
		n.leader = leader
	}
}

// nodeList formats ids sorted and deduplicated: "n1, n3, n5".
func nodeList(ids []core.NodeID) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ", ")
}

// noteVoteResponse tallies a vote or pre-vote answer delivered to the node.
func (n *simNode) noteVoteResponse(m *pb.Message) { n.camp.Note(n.role, n.term, m) }

// appliedOps lists the operations among applied entries, for the apply
// event: "5:set k=v→OK, 6:del k→1".
func appliedOps(rs []statemachine.Result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.Op == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatUint(r.Index, 10))
		b.WriteByte(':')
		b.WriteString(r.Op.String())
		b.WriteString("→")
		b.WriteString(r.Output)
	}
	return b.String()
}
