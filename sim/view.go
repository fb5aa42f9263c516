package sim

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// View returns the cluster's state, showing at most logWindow of each node's
// newest entries (DefaultLogWindow if logWindow <= 0, MaxLogWindow at most)
// and the first DefaultKVLimit keys of each node's store.
func (c *Cluster) View(logWindow int) wire.View {
	return c.ViewWith(wire.ViewOptions{LogWindow: min(max(logWindow, 0), wire.MaxLogWindow)})
}

// ViewWith returns the cluster's state as o asks (see ViewOptions); o is
// used as Normalize returns it, so options out of range are clamped (check
// them with ViewOptions.Check first to refuse them).
func (c *Cluster) ViewWith(o wire.ViewOptions) wire.View {
	o = o.Normalize()
	v := wire.View{
		Time: c.now, Steps: c.steps, Events: c.trace.count, Seed: c.cfg.Seed, Manual: c.cfg.Manual,
		Network: c.cfg.Network,
		Timing:  wire.TimingView{HeartbeatMS: c.cfg.Raft.HeartbeatIntervalMS, ElectionTicks: c.cfg.Raft.ElectionTicks()},
		Raft:    wire.RaftViewOf(c.cfg.Raft),
		Faults:  c.cfg.Faults,
		Safety:  wire.SafetyView{OK: c.halted == nil, Violation: c.halted},
		Nodes:   make([]wire.NodeView, 0, len(c.nodes)),
		Limits:  wire.CommandLimits(),
	}
	for _, n := range c.nodes {
		v.Nodes = append(v.Nodes, c.nodeView(n, o))
	}
	v.Messages = make([]wire.MessageView, 0, len(c.flights))
	for _, id := range c.flightIDs() {
		f := c.flights[id]
		m := f.m
		v.Messages = append(v.Messages, wire.MessageView{
			ID: f.id, From: f.from, To: f.to, Type: wire.MessageTypeName(m.GetType()), Term: core.Term(m.GetTerm()),
			Index: core.LogIndex(m.GetIndex()), LogTerm: core.Term(m.GetLogTerm()), Commit: core.LogIndex(m.GetCommit()),
			Entries: len(m.GetEntries()), Response: raft.IsResponseMsg(m.GetType()), Reject: m.GetReject(),
			SentAt: f.sentAt, DeliverAt: f.deliverAt, Lost: f.lost,
			Text: f.describe(), Bytes: len(m.GetSnapshot().GetData()),
		})
	}
	v.Cuts = []wire.Link{}
	for _, a := range c.nodes {
		for _, b := range c.nodes {
			if c.blocked[a.id][b.id] {
				v.Cuts = append(v.Cuts, wire.Link{From: a.id, To: b.id})
			}
		}
	}
	v.Clients = []wire.ClientView{}
	for _, cl := range c.clients {
		if cl.removed {
			continue
		}
		cv := wire.ClientView{ID: cl.id, Leader: cl.leader, Issued: cl.count}
		if r := cl.cur; r != nil {
			cv.Pending = wire.CutText(wire.DescribeOp(r.kind, r.op.Key, r.op.Value))
		}
		v.Clients = append(v.Clients, cv)
	}
	return v
}

func (c *Cluster) nodeView(n *simNode, o wire.ViewOptions) wire.NodeView {
	window := o.LogWindow
	ss := n.store.Stats()
	nv := wire.NodeView{
		ID: n.id, Up: n.up(), FirstIndex: core.LogIndex(ss.FirstIndex), LastIndex: core.LogIndex(ss.LastIndex),
		SnapshotIndex: core.LogIndex(ss.SnapshotIndex), SnapshotTerm: core.Term(ss.SnapshotTerm),
		Log: []wire.EntryView{}, KV: wire.EmptyKV(o.KVFrom),
	}
	if n.err != nil {
		nv.Error = wire.CutText(n.err.Error())
	}
	nv.Left = n.removed
	if n.up() {
		st := n.rn.Status()
		nv.Role, nv.Term, nv.Vote, nv.Leader = st.Role, st.Term, st.Vote, st.Leader
		nv.Commit, nv.Applied = st.Commit, st.Applied
		if len(st.Progress) > 0 {
			n.rn.AddInflights(&st)
		}
		nv.Voters, nv.Progress = st.Voters, st.Progress
		nv.Learners, nv.VotersOutgoing, nv.LearnersNext = st.Learners, st.VotersOutgoing, st.LearnersNext
		nv.ElectionElapsed = n.ElectionElapsed(st.Role)
		nv.KV = wire.KVPage(n.rn.StateMachine(), o.KVFrom, o.KVLimit)
	} else {
		hs, cs, _ := n.store.InitialState()
		nv.Term, nv.Vote, nv.Commit = core.Term(hs.GetTerm()), core.NodeID(hs.GetVote()), core.LogIndex(hs.GetCommit())
		nv.Voters = core.NodeIDs(cs.GetVoters())
		nv.Learners, nv.VotersOutgoing, nv.LearnersNext = core.NodeIDs(cs.GetLearners()), core.NodeIDs(cs.GetVotersOutgoing()), core.NodeIDs(cs.GetLearnersNext())
	}
	lo := ss.FirstIndex
	if ss.LastIndex >= lo && ss.LastIndex-lo+1 > uint64(window) {
		lo = ss.LastIndex - uint64(window) + 1
		nv.LogOmitted = int(lo - ss.FirstIndex)
	}
	if ss.LastIndex >= lo {
		ents, err := n.store.Entries(lo, ss.LastIndex+1, ^uint64(0))
		if err == nil {
			nv.Log = n.describeLog(lo, ents)
		}
	}
	return nv
}

// describeLog returns the views of ents, the stored entries from index lo,
// reusing those the node's last view described: an entry still stored
// (the same *pb.Entry at the same index) has the same description.
func (n *simNode) describeLog(lo uint64, ents []*pb.Entry) []wire.EntryView {
	out := make([]wire.EntryView, len(ents))
	shown := n.spare[:0]
	if cap(shown) < len(ents) {
		shown = make([]shownEntry, len(ents))
	}
	shown = shown[:len(ents)]
	for i, e := range ents {
		if j := lo + uint64(i) - n.shownLo; lo+uint64(i) >= n.shownLo && j < uint64(len(n.shown)) && n.shown[j].ent == e {
			out[i] = n.shown[j].view
		} else {
			out[i] = wire.EntryViewOf(e)
		}
		shown[i] = shownEntry{ent: e, view: out[i]}
	}
	n.spare, n.shown, n.shownLo = n.shown, shown, lo
	return out
}

// CommittedLog returns a page of node's committed log, read in full a page
// at a time (wire.CommittedLog): at most limit entries (0: the default)
// from index from (0: the first it holds). A crashed node's log is read
// from its storage.
func (c *Cluster) CommittedLog(node core.NodeID, from core.LogIndex, limit int) (wire.LogPage, error) {
	if node < 1 || int(node) > len(c.nodes) {
		return wire.LogPage{}, fmt.Errorf("%w: committed log: node %d; the nodes are 1 to %d", wire.ErrUnknownNode, node, len(c.nodes))
	}
	return wire.CommittedLog(node, c.nodes[node-1].store, from, limit)
}
