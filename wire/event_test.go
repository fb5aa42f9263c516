package wire

import (
	"reflect"
	"slices"
	"strconv"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// TestEventKindsIsOneTable checks the table of event kinds: each kind once,
// each with a line, and the routine ones the message traffic and the log's
// appends, commits and applies.
func TestEventKindsIsOneTable(t *testing.T) {
	all := []EventKind{EvTimeout, EvSend, EvDeliver, EvDrop, EvDuplicate, EvRole, EvTerm, EvVote, EvLeader, EvAppend,
		EvCommit, EvApply, EvSnapshotCreate, EvSnapshotSend, EvSnapshotInstall, EvConfChange, EvCrash, EvRestart,
		EvPartition, EvHeal, EvNetwork, EvClientInvoke, EvClientReturn, EvViolation, EvCommand}
	var kinds, routine []EventKind
	for _, k := range EventKinds() {
		if slices.Contains(kinds, k.Kind) || k.Doc == "" {
			t.Errorf("%s: twice, or no doc", k.Kind)
		}
		kinds = append(kinds, k.Kind)
		if k.Routine {
			routine = append(routine, k.Kind)
		}
		e := Event{Kind: k.Kind}
		if e.Routine() != k.Routine || k.Kind.Routine() != k.Routine {
			t.Errorf("%s: Routine disagrees with the table", k.Kind)
		}
	}
	if !slices.Equal(kinds, all) {
		t.Errorf("kinds %v; want %v", kinds, all)
	}
	if want := []EventKind{EvSend, EvDeliver, EvDrop, EvDuplicate, EvAppend, EvCommit, EvApply}; !slices.Equal(routine, want) {
		t.Errorf("routine %v; want %v", routine, want)
	}
	if EventKind("unknown").Routine() {
		t.Error("an unknown kind is routine")
	}
}

// CopyTo leaves *dst equal to what *dst = e leaves, whatever dst held, and
// copies every field Event has.
func TestEventCopyTo(t *testing.T) {
	if n := reflect.TypeFor[Event]().NumField(); n != 19 {
		t.Fatalf("Event has %d fields: add the new ones to CopyTo and to this test", n)
	}
	full := func(n int) Event {
		return Event{Seq: uint64(n), At: int64(n + 1), Kind: EventKind("k" + strconv.Itoa(n)), Node: core.NodeID(n + 2),
			Peer: core.NodeID(n + 3), Term: core.Term(n + 4), Index: core.LogIndex(n + 5), Index2: core.LogIndex(n + 6),
			Msg: uint64(n + 7), Type: "t" + strconv.Itoa(n), Client: n + 8, Text: "x" + strconv.Itoa(n),
			Outcome: Outcome("o" + strconv.Itoa(n)), Output: "p" + strconv.Itoa(n),
			Applied: []AppliedEntry{{Index: core.LogIndex(n)}}, Voters: []core.NodeID{core.NodeID(n)},
			m: &pb.Message{}, ent: &pb.Entry{}, res: []statemachine.Result{{Index: uint64(n)}}}
	}
	for i, pair := range [][2]Event{
		{full(1), {}}, {{}, full(1)}, {full(1), full(2)}, {full(2), full(2)},
		{{Kind: EvSend, Type: "MsgApp"}, {Kind: EvSend, Type: "MsgApp", Text: "old"}},
	} {
		src, dst := pair[0], pair[1]
		src.CopyTo(&dst)
		if !reflect.DeepEqual(dst, src) || dst.m != src.m || dst.ent != src.ent {
			t.Errorf("case %d: CopyTo left %+v, want %+v", i, dst, src)
		}
	}
}
