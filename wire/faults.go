package wire

import (
	"fmt"
	"slices"
	"strings"
)

// FaultKind names a planted fault: a bug the simulator can put into its
// nodes (Config.Faults), to watch the safety checkers catch it and to shrink
// the run that shows it (sim.Shrink). A run with a planted fault is not
// etcd Raft as it is: views say so (View.Faults). The native cluster takes
// none.
type FaultKind string

// The planted faults.
const (
	// FaultForgetVote: a node that crashes loses the vote of its hard
	// state, as if it had not been made durable: restarted, it may vote a
	// second time in the same term. One vote per term catches it.
	FaultForgetVote FaultKind = "forget-vote"
	// FaultForgetHardState: a node that crashes loses its whole hard state
	// (term, vote and commit index). Monotonic term and commit catches it.
	FaultForgetHardState FaultKind = "forget-hard-state"
	// FaultNoConfChangeCheck: leaders propose membership changes without
	// etcd Raft's check (a second while one is pending, a simple one in a
	// joint configuration, one removing every voter). One configuration
	// change at a time and Valid configuration changes catch it.
	FaultNoConfChangeCheck FaultKind = "no-conf-change-check"
	// FaultAckBeforePersist: a node acknowledges entries before they are
	// on disk: a crash loses its last log entry (one its snapshot does not
	// cover), and the commit index it saved is lowered to what is left.
	// Leader Completeness catches a node elected without an entry that
	// was committed with its acknowledgement, Monotonic term and commit a
	// node that had saved that entry as committed.
	FaultAckBeforePersist FaultKind = "ack-before-persist"
	// FaultSkipEntry: node 2's state machine skips the first write (set or
	// del) it applies: the key keeps its old value there. Nothing happens
	// in a cluster without a node 2. State Machine Safety catches it: the
	// state machines of nodes at the same applied index differ.
	FaultSkipEntry FaultKind = "skip-entry"
	// FaultLocalRead: a node that believes it leads answers a get from its
	// own state machine at once, without ReadIndex: a leader deposed
	// without knowing it serves stale values. Linearizability catches a
	// read that misses a write acknowledged before it was sent.
	FaultLocalRead FaultKind = "local-read"
)

// FaultRule is what the table says of one planted fault.
type FaultRule struct {
	Kind FaultKind `json:"kind"`
	// Doc says what the fault does, in a line.
	Doc string `json:"doc"`
	// Caught names the properties (Prop constants) that catch it.
	Caught []string `json:"caught"`
}

// faultRules is the table of planted faults.
var faultRules = []FaultRule{
	{FaultForgetVote, "a crashed node loses its vote: restarted, it may vote twice in a term", []string{PropOneVote}},
	{FaultForgetHardState, "a crashed node loses its term, vote and commit index", []string{PropMonotonic}},
	{FaultNoConfChangeCheck, "leaders propose membership changes without etcd Raft's check", []string{PropOneConfChange, PropValidConfChange}},
	{FaultAckBeforePersist, "a node acknowledges entries before they are on disk: a crash loses the last entry it acknowledged", []string{PropLeaderCompleteness, PropMonotonic}},
	{FaultSkipEntry, "n2's state machine skips the first write it applies", []string{PropStateMachineSafety}},
	{FaultLocalRead, "a node that believes it leads answers reads from its own store, without ReadIndex", []string{PropLinearizable}},
}

// FaultRules returns the table of planted faults, in a fixed order. The
// caller may not modify it.
func FaultRules() []FaultRule { return faultRules }

// checkFaults checks Config.Faults: known kinds, each once.
func checkFaults(faults []FaultKind) error {
	for i, f := range faults {
		if !slices.ContainsFunc(faultRules, func(r FaultRule) bool { return r.Kind == f }) {
			kinds := make([]string, len(faultRules))
			for j, r := range faultRules {
				kinds[j] = string(r.Kind)
			}
			return fmt.Errorf("%w: faults: %q is not a planted fault; the faults are %s", ErrBadConfig, f, strings.Join(kinds, ", "))
		}
		if slices.Contains(faults[:i], f) {
			return fmt.Errorf("%w: faults: %q is named twice", ErrBadConfig, f)
		}
	}
	return nil
}
