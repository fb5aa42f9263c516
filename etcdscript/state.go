package etcdscript

import (
	"bytes"
	"fmt"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/rafttest"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
)

// State is the part of a cluster's state an exported script must
// reproduce: the leader, and every node's term, commit index and log.
type State struct {
	// Leader is the id of the leader of the highest term any node leads,
	// or 0 when no node is leader.
	Leader uint64
	// Nodes are the nodes in id order.
	Nodes []NodeState
}

// NodeState is one node's part of a State.
type NodeState struct {
	ID, Term, Commit uint64
	// Log is the node's log after the bootstrap index (see SeshatState):
	// entries with Index > base, in index order.
	Log []Entry
}

// Entry is one log entry of a NodeState. Data is the entry's data as
// Seshat wrote it (for a normal entry, the encoded statemachine
// operation); for a configuration change it is the change in
// raftpb.ConfChangesToString's words with its transition, as etcd
// proposes it from a script.
type Entry struct {
	Index, Term uint64
	Type        pb.EntryType
	Data        []byte
	// compacted marks an exporter's stand-in for an entry every node has
	// compacted away (its data unknown).
	compacted bool
}

// SeshatState reads c's State, leaving out the log entries at and before
// index base (the founding configuration changes, which a script's
// add-nodes puts in a snapshot instead).
func SeshatState(c *sim.Cluster, base uint64) (State, error) {
	var st State
	var leaderTerm uint64
	for _, nv := range c.View(0).Nodes {
		ents, err := sim.LogEntries(c, nv.ID)
		if err != nil {
			return State{}, err
		}
		ns := NodeState{ID: uint64(nv.ID), Term: uint64(nv.Term), Commit: uint64(nv.Commit)}
		for _, e := range ents {
			if e.GetIndex() > base {
				ns.Log = append(ns.Log, entryOf(e, nil))
			}
		}
		if nv.Up && nv.Role == core.RoleLeader && uint64(nv.Term) >= leaderTerm {
			st.Leader, leaderTerm = uint64(nv.ID), uint64(nv.Term)
		}
		st.Nodes = append(st.Nodes, ns)
	}
	return st, nil
}

// EnvState reads the State of an InteractionEnv running an exported
// script: normal entries' data are the script's proposal tokens, decoded
// back to Seshat's bytes (an entry whose data is not a token keeps its
// bytes, and differs).
func EnvState(env *rafttest.InteractionEnv, base uint64) (State, error) {
	var st State
	var leaderTerm uint64
	for i := range env.Nodes {
		n := &env.Nodes[i]
		s := n.Status()
		ns := NodeState{ID: s.ID, Term: s.GetTerm(), Commit: s.GetCommit()}
		fi, err := n.Storage.FirstIndex()
		if err != nil {
			return State{}, err
		}
		li, err := n.Storage.LastIndex()
		if err != nil {
			return State{}, err
		}
		if fi <= base {
			fi = base + 1
		}
		if li >= fi {
			ents, err := n.Storage.Entries(fi, li+1, ^uint64(0))
			if err != nil {
				return State{}, err
			}
			for _, e := range ents {
				ns.Log = append(ns.Log, entryOf(e, decodeToken))
			}
		}
		if s.RaftState == raft.StateLeader && s.GetTerm() >= leaderTerm {
			st.Leader, leaderTerm = s.ID, s.GetTerm()
		}
		st.Nodes = append(st.Nodes, ns)
	}
	return st, nil
}

// entryOf is e as an Entry; decode, if not nil, turns a normal entry's
// data back into Seshat's bytes.
func entryOf(e *pb.Entry, decode func([]byte) []byte) Entry {
	out := Entry{Index: e.GetIndex(), Term: e.GetTerm(), Type: e.GetType(), Data: e.GetData()}
	switch e.GetType() {
	case pb.EntryNormal:
		if decode != nil && len(out.Data) > 0 {
			out.Data = decode(out.Data)
		}
	default:
		if s, err := confChangeText(e); err == nil {
			out.Data = []byte(s)
		}
	}
	return out
}

// Diff returns nil when want and got are the same State, or an error
// wrapping ErrNotReproduced that names the first difference.
func (want State) Diff(got State) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNotReproduced, fmt.Sprintf(format, args...))
	}
	if want.Leader != got.Leader {
		return bad("leader %d, want %d", got.Leader, want.Leader)
	}
	if len(want.Nodes) != len(got.Nodes) {
		return bad("%d nodes, want %d", len(got.Nodes), len(want.Nodes))
	}
	for i, w := range want.Nodes {
		g := got.Nodes[i]
		switch {
		case w.ID != g.ID:
			return bad("node %d at position %d, want %d", g.ID, i, w.ID)
		case w.Term != g.Term:
			return bad("node %d: term %d, want %d", w.ID, g.Term, w.Term)
		case w.Commit != g.Commit:
			return bad("node %d: commit %d, want %d", w.ID, g.Commit, w.Commit)
		}
		for j := range max(len(w.Log), len(g.Log)) {
			if j >= len(g.Log) {
				return bad("node %d: log ends before entry %d (term %d)", w.ID, w.Log[j].Index, w.Log[j].Term)
			}
			if j >= len(w.Log) {
				return bad("node %d: extra entry %d (term %d)", w.ID, g.Log[j].Index, g.Log[j].Term)
			}
			we, ge := w.Log[j], g.Log[j]
			if we.Index != ge.Index || we.Term != ge.Term || we.Type != ge.Type || !bytes.Equal(we.Data, ge.Data) {
				return bad("node %d: entry %d/%d %v %q, want %d/%d %v %q", w.ID,
					ge.Index, ge.Term, ge.Type, ge.Data, we.Index, we.Term, we.Type, we.Data)
			}
		}
	}
	return nil
}

// holders returns, in id order, the nodes whose log in st holds the
// entry at index written in term.
func (st State) holders(index, term uint64) []uint64 {
	var ids []uint64
	for _, n := range st.Nodes {
		if j := slices.IndexFunc(n.Log, func(e Entry) bool { return e.Index == index }); j >= 0 && n.Log[j].Term == term {
			ids = append(ids, n.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// committed returns those of ids whose commit index in st is at least
// index.
func (st State) committed(index uint64, ids []uint64) []uint64 {
	var out []uint64
	for _, n := range st.Nodes {
		if slices.Contains(ids, n.ID) && n.Commit >= index {
			out = append(out, n.ID)
		}
	}
	return out
}
