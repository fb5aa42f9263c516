package export

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.etcd.io/raft/v3/tracker"

	"github.com/seshat-raft/seshat/core"
)

// ErrRaftInternals is the error, wrapped, when etcd Raft's RawNode lacks a
// field the TLA+ exporter reads: a version of etcd Raft other than
// v3.7.0, which it was written against.
var ErrRaftInternals = errors.New("export: etcd Raft's internals are not those of v3.7.0")

// What etcd's trace points see and the RawNode API does not show is read
// here, read-only, with package reflect: the log's last index (unstable
// entries included), the messages queued since the last Ready (msgs and
// msgsAfterAppend, in the order they were sent), the messages Advance
// steps (stepsOnAdvance) and the index of the pending membership change
// (pendingConfIndex). Nothing is written, and nothing unsafe is used.

// rmsg is the part of a raftpb.Message the trace shows.
type rmsg struct {
	typ                                          pb.MessageType
	term, from, to, logTerm, index, commit, vote uint64
	rejectHint, snapIndex                        uint64
	reject                                       bool
	entries                                      int
}

// nodeState is what a node's trace events show of it, and what the
// tracer needs to decide which events etcd emitted.
type nodeState struct {
	term, vote, commit uint64
	role               raft.StateType
	log                uint64
	conf               [2][]uint64
	// cfg is the tracker's configuration; self the node's own progress
	// and selfOK whether it has one (is in the configuration); peers
	// every member's progress (leaders only, as raft.Status).
	cfg      tracker.Config
	self     tracker.Progress
	selfOK   bool
	peers    map[uint64]tracker.Progress
	msgs     []rmsg // raft.msgs
	aa       []rmsg // raft.msgsAfterAppend
	steps    []rmsg // RawNode.stepsOnAdvance
	pending  uint64 // raft.pendingConfIndex
	unstSnap uint64 // index of the unstable snapshot, 0 if none
	// unstOffset is the index of the first unstable entry, unstTypes
	// the types of the unstable entries.
	unstOffset uint64
	unstTypes  []pb.EntryType
}

// rawReader reads a RawNode's internals, remembering the first failure.
type rawReader struct{ err error }

func (rr *rawReader) field(v reflect.Value, name string) reflect.Value {
	if rr.err != nil || !v.IsValid() {
		return reflect.Value{}
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		rr.err = fmt.Errorf("%w: %s has no field %s", ErrRaftInternals, v.Type(), name)
	}
	return f
}

// deref follows a pointer; nil gives the invalid Value.
func deref(v reflect.Value) reflect.Value {
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

// optUint reads a *uint64-like protobuf field (0 when unset).
func (rr *rawReader) optUint(v reflect.Value, name string) uint64 {
	f := deref(rr.field(v, name))
	if !f.IsValid() {
		return 0
	}
	switch f.Kind() {
	case reflect.Uint64, reflect.Uint32:
		return f.Uint()
	case reflect.Int32, reflect.Int64:
		return uint64(f.Int())
	}
	rr.err = fmt.Errorf("%w: field %s is a %s", ErrRaftInternals, name, f.Kind())
	return 0
}

func (rr *rawReader) message(p reflect.Value) rmsg {
	v := deref(p)
	if !v.IsValid() {
		return rmsg{}
	}
	m := rmsg{
		typ:        pb.MessageType(rr.optUint(v, "Type")),
		term:       rr.optUint(v, "Term"),
		from:       rr.optUint(v, "From"),
		to:         rr.optUint(v, "To"),
		logTerm:    rr.optUint(v, "LogTerm"),
		index:      rr.optUint(v, "Index"),
		commit:     rr.optUint(v, "Commit"),
		vote:       rr.optUint(v, "Vote"),
		rejectHint: rr.optUint(v, "RejectHint"),
	}
	if r := deref(rr.field(v, "Reject")); r.IsValid() {
		m.reject = r.Bool()
	}
	if es := rr.field(v, "Entries"); es.IsValid() {
		m.entries = es.Len()
	}
	if md := deref(rr.field(deref(rr.field(v, "Snapshot")), "Metadata")); md.IsValid() {
		m.snapIndex = rr.optUint(md, "Index")
	}
	return m
}

func (rr *rawReader) messages(s reflect.Value) []rmsg {
	if !s.IsValid() {
		return nil
	}
	out := make([]rmsg, s.Len())
	for i := range out {
		out[i] = rr.message(s.Index(i))
	}
	return out
}

// readState reads node n's state as etcd's trace points see it.
func readState(n *core.RaftNode, rn *raft.RawNode) (nodeState, error) {
	st := rn.Status()
	s := nodeState{
		term:   st.HardState.GetTerm(),
		vote:   st.HardState.GetVote(),
		commit: st.HardState.GetCommit(),
		role:   st.RaftState,
		cfg:    st.Config,
		peers:  st.Progress,
	}
	s.conf = [2][]uint64{st.Config.Voters[0].Slice(), st.Config.Voters[1].Slice()}
	rn.WithProgress(func(id uint64, _ raft.ProgressType, pr tracker.Progress) {
		if id == st.ID {
			s.self, s.selfOK = pr, true
		}
	})

	var rr rawReader
	rv := reflect.ValueOf(rn).Elem()
	r := deref(rr.field(rv, "raft"))
	s.steps = rr.messages(rr.field(rv, "stepsOnAdvance"))
	s.msgs = rr.messages(rr.field(r, "msgs"))
	s.aa = rr.messages(rr.field(r, "msgsAfterAppend"))
	if f := rr.field(r, "pendingConfIndex"); f.IsValid() {
		s.pending = f.Uint()
	}
	u := rr.field(deref(rr.field(r, "raftLog")), "unstable")
	ents := rr.field(u, "entries")
	if off := rr.field(u, "offset"); off.IsValid() {
		s.unstOffset = off.Uint()
	}
	if md := deref(rr.field(deref(rr.field(u, "snapshot")), "Metadata")); md.IsValid() {
		s.unstSnap = rr.optUint(md, "Index")
	}
	if rr.err != nil {
		return s, rr.err
	}
	switch {
	case ents.Len() > 0:
		s.log = s.unstOffset + uint64(ents.Len()) - 1
		for i := 0; i < ents.Len(); i++ {
			s.unstTypes = append(s.unstTypes, pb.EntryType(rr.optUint(deref(ents.Index(i)), "Type")))
		}
	case s.unstSnap > 0:
		s.log = s.unstSnap
	default:
		last, err := n.Storage().LastIndex()
		if err != nil {
			return s, err
		}
		s.log = last
	}
	return s, rr.err
}

// isMember reports whether id has a progress in configuration c (etcd's
// trk.Progress[id] != nil).
func isMember(c tracker.Config, id uint64) bool {
	if _, ok := c.Voters.IDs()[id]; ok {
		return true
	}
	_, l := c.Learners[id]
	_, ln := c.LearnersNext[id]
	return l || ln
}

// sortedIDs is ids sorted, never nil.
func sortedIDs(ids []uint64) []uint64 {
	out := append([]uint64{}, ids...)
	slices.Sort(out)
	return out
}
