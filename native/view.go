package native

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// view builds the cluster's view in the simulator's schema (wire.View), from
// the states the nodes last published, their storage (safe to read from any
// goroutine) and the messages waiting in their senders. It never waits for
// a node's loop.
func (r *run) view(o wire.ViewOptions) wire.View {
	o = o.Normalize()
	v := wire.View{
		Time:    r.sinceStart(time.Now()),
		Steps:   r.rounds.Load(),
		Seed:    r.cfg.Seed,
		Network: r.net.config(),
		Timing:  wire.TimingView{HeartbeatMS: r.cfg.Raft.HeartbeatIntervalMS, ElectionTicks: r.cfg.Raft.ElectionTicks()},
		Raft:    wire.RaftViewOf(r.cfg.Raft),
		Safety:  wire.SafetyView{OK: true},
		Nodes:   make([]wire.NodeView, 0, len(r.all())),
		Cuts:    r.net.cuts(r.nativeIDs()),
		Clients: []wire.ClientView{},
		Limits:  wire.CommandLimits(),
	}
	var flights []*flight
	for _, n := range r.all() {
		nv, in := n.view(o)
		v.Nodes = append(v.Nodes, nv)
		if in != nil {
			for _, s := range in.allSenders() {
				flights = append(flights, s.inFlight()...)
			}
		}
	}
	if remotes := r.shownRemotes(); len(remotes) > 0 {
		var leader *wire.NodeView
		for i := range v.Nodes {
			if nv := &v.Nodes[i]; nv.Up && nv.Role == core.RoleLeader && (leader == nil || nv.Term > leader.Term) {
				leader = nv
			}
		}
		for _, rm := range remotes {
			v.Nodes = append(v.Nodes, rm.view(leader))
		}
		// Native and remote ids together run from 1 without gaps.
		slices.SortFunc(v.Nodes, func(a, b wire.NodeView) int { return cmp.Compare(a.ID, b.ID) })
		ids := make([]core.NodeID, len(v.Nodes))
		for i, nv := range v.Nodes {
			ids[i] = nv.ID
		}
		v.Cuts = r.net.cuts(ids)
	}
	slices.SortFunc(flights, func(a, b *flight) int { return cmp.Compare(a.id, b.id) })
	v.Messages = make([]wire.MessageView, 0, len(flights))
	for _, f := range flights {
		b, more := briefMessage(f.m)
		mv := wire.MessageViewOf(b)
		if more > 0 {
			mv.Entries = len(f.m.GetEntries())
			mv.Text += fmt.Sprintf(" (+%d more entries)", more)
		}
		mv.Text = wire.CutText(mv.Text)
		mv.ID, mv.SentAt, mv.DeliverAt, mv.Lost = f.id, f.sentAt, f.deliverAt, f.lost
		v.Messages = append(v.Messages, mv)
	}
	return v
}

// view returns the node's view and its running incarnation (nil while
// down). A crashed node shows what its storage holds.
func (n *node) view(o wire.ViewOptions) (wire.NodeView, *incarnation) {
	window := o.LogWindow
	n.mu.Lock()
	in, st, err, store := n.inc, n.state, n.err, n.store
	n.mu.Unlock()
	ss := store.Stats()
	nv := wire.NodeView{
		ID: n.id, Up: in != nil, FirstIndex: core.LogIndex(ss.FirstIndex), LastIndex: core.LogIndex(ss.LastIndex),
		SnapshotIndex: core.LogIndex(ss.SnapshotIndex), SnapshotTerm: core.Term(ss.SnapshotTerm),
		KV: wire.EmptyKV(o.KVFrom),
	}
	if err != nil {
		nv.Error = wire.CutText(err.Error())
	}
	nv.Left = n.removed.Load()
	if in != nil {
		s := st.status
		nv.Role, nv.Term, nv.Vote, nv.Leader = s.Role, s.Term, s.Vote, s.Leader
		nv.Commit, nv.Applied = s.Commit, s.Applied
		nv.Voters, nv.Progress = s.Voters, s.Progress
		nv.Learners, nv.VotersOutgoing, nv.LearnersNext = s.Learners, s.VotersOutgoing, s.LearnersNext
		nv.ElectionElapsed = st.electionElapsed
		digest := st.kvDigest
		if st.kv == nil {
			digest = emptyDigest // not published yet: the store is empty
		}
		nv.KV = wire.KVPageOf(st.kv, digest, o.KVFrom, o.KVLimit)
	} else {
		hs, cs, _ := store.InitialState()
		nv.Term, nv.Vote, nv.Commit = core.Term(hs.GetTerm()), core.NodeID(hs.GetVote()), core.LogIndex(hs.GetCommit())
		for _, id := range cs.GetVoters() {
			nv.Voters = append(nv.Voters, core.NodeID(id))
		}
	}
	// The log may have been compacted or truncated since Stats: then the
	// window is left empty until the next view.
	nv.Log, nv.LogOmitted = wire.LogTail(store, nv.FirstIndex, nv.LastIndex, window)
	return nv, in
}

// emptyDigest is the data digest of an empty store.
var emptyDigest = statemachine.New().DataDigest()

// CommittedLog returns a page of node's committed log, read in full a page
// at a time (wire.CommittedLog): at most limit entries (0: the default)
// from index from (0: the first it holds). A crashed node's log is read
// from its storage. It is safe to call while the cluster runs.
func (c *Cluster) CommittedLog(node core.NodeID, from core.LogIndex, limit int) (wire.LogPage, error) {
	r := c.current()
	n := r.node(node)
	if n == nil {
		return wire.LogPage{}, fmt.Errorf("%w: committed log: node %d; the cluster's own nodes are %s", wire.ErrUnknownNode, node, wire.NodeList(r.nativeIDs()))
	}
	return wire.CommittedLog(node, n.storage(), from, limit)
}
