package wire

import (
	"slices"
	"testing"
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
