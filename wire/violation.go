package wire

import "github.com/seshat-raft/seshat/core"

// Violation is a broken safety property, found by the online checkers.
type Violation struct {
	// At is the virtual time (ms) the violation was found.
	At int64 `json:"at"`
	// Property is the property broken: one of the Prop constants.
	Property string `json:"property"` // e.g. "Election Safety"
	// Nodes are the nodes involved, each once; the last is the node whose
	// round broke the property, any other the node it disagrees with.
	Nodes []core.NodeID `json:"nodes,omitempty"`
	// Term and Index locate the violation, when it has a term or an index.
	Term  core.Term     `json:"term,omitempty"`
	Index core.LogIndex `json:"index,omitempty"`
	// Text says what happened in one line, e.g. "n2 and n4 were both
	// leaders in term 5".
	Text string `json:"text"`
}

// The properties checked, as Violation.Property names them.
const (
	// PropElectionSafety: at most one leader per term.
	PropElectionSafety = "Election Safety"
	// PropLeaderAppendOnly: a leader never overwrites or deletes entries in
	// its own log during its term.
	PropLeaderAppendOnly = "Leader Append-Only"
	// PropLogMatching: logs holding an entry with the same index and term
	// are identical up to that index.
	PropLogMatching = "Log Matching"
	// PropLeaderCompleteness: a new leader's log holds every committed entry.
	PropLeaderCompleteness = "Leader Completeness"
	// PropStateMachineSafety: every node applies the same entry at each
	// index, in order, and reaches the same state at the same index.
	PropStateMachineSafety = "State Machine Safety"
	// PropMonotonic: a node's term and commit index never decrease, even
	// across a crash.
	PropMonotonic = "Monotonic term and commit"
	// PropIndexOrder: applied <= committed <= last index on a running node.
	PropIndexOrder = "applied <= committed <= last index"
	// PropOneVote: a node votes for at most one candidate per term, even
	// across a crash (its vote is part of its durable hard state).
	PropOneVote = "One vote per term"
	// PropOneConfChange: a leader appends a configuration change only once
	// every earlier one in its log is applied: at most one is pending.
	PropOneConfChange = "One configuration change at a time"
	// PropVoterQuorum: a leader takes office with the votes of a majority
	// of each voter set of its configuration (both, in a joint one), and
	// commits an index only once such majorities hold it; learners and
	// nodes outside the configuration never count.
	PropVoterQuorum = "Quorums of voters"
	// PropVoterLeader: only a voter of its own configuration becomes
	// leader: never a learner, nor a node removed from it.
	PropVoterLeader = "Only voters lead"
	// PropValidConfChange: a leader appends only configuration changes
	// etcd Raft's configuration changer accepts from the configuration in
	// force (in a joint configuration only the one that leaves it; never
	// one that removes every voter): every node that applied another would
	// stop.
	PropValidConfChange = "Valid configuration changes"
	// PropLinearizable: a read sees every write acknowledged before it was
	// sent. Checked online only for reads a node answers from its own
	// state machine (the planted fault FaultLocalRead): such a read is
	// stale when its node had not applied the highest log index of an
	// acknowledged write of the key, and no write that may take effect at
	// or after that index gives the value read. The whole history is
	// checked at the end of a run by the linearizability checkers.
	PropLinearizable = "Linearizability"
)
