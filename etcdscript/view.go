package etcdscript

import (
	"fmt"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/rafttest"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// nodeViews returns the view of every node of env, in id order. A node's
// log window is its storage's newest entries (at most LogWindow,
// what the Ready handling has persisted, as in sim); its snapshot index and
// term are those of the storage's compaction point (FirstIndex-1, the
// entry the log's dummy holds: an initial snapshot, one received, or a
// compact directive). InteractionEnv's Storage.Snapshot is not used: it
// answers with a fresh snapshot of every applied index.
func nodeViews(env *rafttest.InteractionEnv) []wire.NodeView {
	out := make([]wire.NodeView, 0, len(env.Nodes))
	for i := range env.Nodes {
		out = append(out, nodeView(&env.Nodes[i]))
	}
	return out
}

func nodeView(n *rafttest.Node) wire.NodeView {
	st := n.Status()
	nv := wire.NodeView{
		ID: core.NodeID(st.ID), Up: true, Role: roleOf(st.RaftState),
		Term: core.Term(st.GetTerm()), Vote: core.NodeID(st.GetVote()), Leader: core.NodeID(st.Lead),
		Commit: core.LogIndex(st.GetCommit()), Applied: core.LogIndex(st.Applied),
		Voters:         core.NodeIDs(st.Config.Voters[0].Slice()),
		VotersOutgoing: core.NodeIDs(st.Config.Voters[1].Slice()),
		Learners:       setIDs(st.Config.Learners),
		LearnersNext:   setIDs(st.Config.LearnersNext),
		Log:            []wire.EntryView{},
		KV:             wire.EmptyKV(""),
	}
	fi, err1 := n.Storage.FirstIndex()
	li, err2 := n.Storage.LastIndex()
	if err1 != nil || err2 != nil {
		nv.Error = wire.CutText(fmt.Sprint("storage: ", err1, err2))
		return nv
	}
	nv.FirstIndex, nv.LastIndex = core.LogIndex(fi), core.LogIndex(li)
	nv.SnapshotIndex = core.LogIndex(fi - 1)
	if term, err := n.Storage.Term(fi - 1); err == nil {
		nv.SnapshotTerm = core.Term(term)
	}
	lo := fi
	if li >= lo && li-lo+1 > LogWindow {
		lo = li - LogWindow + 1
		nv.LogOmitted = int(lo - fi)
	}
	if li >= lo {
		ents, err := n.Storage.Entries(lo, li+1, ^uint64(0))
		if err != nil {
			nv.Error = wire.CutText("storage: " + err.Error())
			return nv
		}
		for _, e := range ents {
			nv.Log = append(nv.Log, entryView(e))
		}
	}
	return nv
}

// entryView is wire.EntryViewOf, except that a normal entry's data is
// shown as etcd's scripts print it (%q: the scripts propose raw strings,
// not Seshat's encoded operations).
func entryView(e *pb.Entry) wire.EntryView {
	ev := wire.EntryViewOf(e)
	if e.GetType() == pb.EntryNormal {
		ev.Op = ""
		if len(e.GetData()) > 0 {
			ev.Op = wire.CutText(fmt.Sprintf("%q", e.GetData()))
		}
	}
	return ev
}

func setIDs(m map[uint64]struct{}) []core.NodeID {
	if len(m) == 0 {
		return nil
	}
	out := make([]core.NodeID, 0, len(m))
	for id := range m {
		out = append(out, core.NodeID(id))
	}
	slices.Sort(out)
	return out
}

// roleOf names etcd's state as core does.
func roleOf(s raft.StateType) core.Role {
	switch s {
	case raft.StateLeader:
		return core.RoleLeader
	case raft.StateCandidate:
		return core.RoleCandidate
	case raft.StatePreCandidate:
		return core.RolePreCandidate
	default:
		return core.RoleFollower
	}
}
