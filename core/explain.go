package core

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// RefusalReason says why a node turned down a vote or pre-vote request.
type RefusalReason int

// The reasons etcd Raft turns down a vote or pre-vote request.
const (
	// RefusedLease: the node heard from its leader within the election
	// timeout (CheckQuorum), so it ignored the request without answering.
	RefusedLease RefusalReason = iota + 1
	// RefusedTerm: the request's term is below the node's own.
	RefusedTerm
	// RefusedVoted: the node already voted for another candidate in this term.
	RefusedVoted
	// RefusedLeader: the node follows a leader in this term (and has not voted).
	RefusedLeader
	// RefusedLog: the node's log is more up to date than the candidate's.
	RefusedLog
)

// VoteRefusal is a vote or pre-vote request a node turned down, with the
// reason etcd Raft acted on. The fields after Reason are set for the reasons
// that name them and zero otherwise.
type VoteRefusal struct {
	Candidate NodeID
	PreVote   bool // a pre-vote (MsgPreVote), not a vote (MsgVote)
	Term      Term // the term the candidate asked for
	Reason    RefusalReason

	Leader    NodeID // RefusedLease, RefusedLeader: the leader the node follows
	TicksLeft int    // RefusedLease: ticks until the node would listen again
	OwnTerm   Term   // RefusedTerm: the node's term
	VotedFor  NodeID // RefusedVoted: whom the node voted for

	// RefusedLog: the last entry (term, index) of the node and of the candidate.
	LastTerm, LastIndex         uint64
	CandLastTerm, CandLastIndex uint64
}

// The log lines through which etcd Raft v3.7.0 reports its vote decisions
// and a CheckQuorum step-down; explainer matches them by format string (not by
// their text) and reads the values from their arguments. core's tests pin
// each one, so an etcd upgrade that rewords them fails a test instead of
// silently losing the explanations.
const (
	fmtVoteIgnoredLease = "%x [logterm: %d, index: %d, vote: %x] ignored %s from %x [logterm: %d, index: %d] at term %d: lease is not expired (remaining ticks: %d)"
	fmtVoteRejected     = "%x [logterm: %d, index: %d, vote: %x] rejected %s from %x [logterm: %d, index: %d] at term %d"
	fmtLowerTermIgnored = "%x [term: %d] ignored a %s message with lower term from %x [term: %d]"
	fmtQuorumLost       = "%x stepped down to follower since quorum is not active"
)

// maxRefusals bounds the refusals noted between two rounds: a flood of
// requests from one peer must not grow a node's memory.
const maxRefusals = 64

// explainer is the raft.Logger etcd Raft is given: it passes every line on
// and turns the decisions above into notes for the next Update.
type explainer struct {
	raft.Logger
	n *RaftNode
}

// Infof notes ignored and rejected votes and pre-votes.
func (x *explainer) Infof(format string, v ...interface{}) {
	x.Logger.Infof(format, v...)
	switch format {
	case fmtVoteIgnoredLease:
		if len(v) == 10 {
			ticks, _ := v[9].(int)
			x.n.noteRefusal(RefusedLease, ticks)
		}
	case fmtVoteRejected:
		if r := x.n.noteRefusal(0, 0); r != nil && r.Reason == RefusedLog && len(v) == 9 {
			// etcd's own view of its last entry, unstable entries included.
			r.LastTerm, _ = v[1].(uint64)
			r.LastIndex, _ = v[2].(uint64)
		}
	case fmtLowerTermIgnored:
		x.n.noteRefusal(RefusedTerm, 0)
	case fmtConfChangeIgnored:
		x.n.noteConfChangeIgnored(v)
	}
}

// Warningf notes a leader that stepped down for want of a quorum.
func (x *explainer) Warningf(format string, v ...interface{}) {
	x.Logger.Warningf(format, v...)
	if format == fmtQuorumLost {
		x.n.lostQuorum = true
	}
}

// noteRefusal records that the message being stepped, a vote or pre-vote,
// was turned down. reason 0 means "rejected": the reason is worked out here
// from the node's state, the way etcd Raft decided it. It returns the note,
// or nil if no vote or pre-vote was being stepped.
func (n *RaftNode) noteRefusal(reason RefusalReason, ticksLeft int) *VoteRefusal {
	m := n.stepping
	if m == nil || (m.GetType() != pb.MsgVote && m.GetType() != pb.MsgPreVote) || len(n.refusals) >= maxRefusals {
		return nil
	}
	st := n.rn.BasicStatus()
	term, vote, lead := st.HardState.GetTerm(), st.HardState.GetVote(), st.Lead
	r := VoteRefusal{
		Candidate: NodeID(m.GetFrom()),
		PreVote:   m.GetType() == pb.MsgPreVote,
		Term:      Term(m.GetTerm()),
		Reason:    reason,
	}
	future := r.PreVote && m.GetTerm() > term
	switch {
	case reason == RefusedLease:
		r.Leader, r.TicksLeft = NodeID(lead), ticksLeft
	case reason == RefusedTerm || m.GetTerm() < term:
		r.Reason, r.OwnTerm = RefusedTerm, Term(term)
	case future:
		r.Reason = RefusedLog // a pre-vote for a future term is refused only for the log
	case vote != 0 && vote != m.GetFrom():
		r.Reason, r.VotedFor = RefusedVoted, NodeID(vote)
	case vote == 0 && lead != 0:
		r.Reason, r.Leader = RefusedLeader, NodeID(lead)
	default:
		r.Reason = RefusedLog
	}
	if r.Reason == RefusedLog {
		r.CandLastTerm, r.CandLastIndex = m.GetLogTerm(), m.GetIndex()
	}
	n.refusals = append(n.refusals, r)
	return &n.refusals[len(n.refusals)-1]
}
