package wire

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// This file holds the texts that explain elections: why a node changed role
// and why it refused a vote. The simulator and the native cluster both use
// them, so the two narrate etcd Raft in the same words.

// Campaign tallies the answers to a node's current campaign (an election
// or a pre-election), for RoleText. The zero value is an empty tally.
type Campaign struct {
	Granted []core.NodeID // peers that granted the vote or pre-vote
	Refused []core.NodeID // peers that answered with a refusal
}

// Note records m, a message delivered to a node in role at term, if it
// answers that node's current campaign: a vote answer in term to a
// candidate, a pre-vote answer to a pre-candidate (granted for term+1,
// refused at the refuser's term, term when it counts). A peer counts once.
func (c *Campaign) Note(role core.Role, term core.Term, m *pb.Message) {
	t := core.Term(m.GetTerm())
	var mine bool
	switch {
	case m.GetType() == pb.MsgVoteResp && role == core.RoleCandidate:
		mine = t == term
	case m.GetType() == pb.MsgPreVoteResp && role == core.RolePreCandidate:
		mine = (!m.GetReject() && t == term+1) || (m.GetReject() && t == term)
	}
	if !mine {
		return
	}
	list := &c.Granted
	if m.GetReject() {
		list = &c.Refused
	}
	if from := core.NodeID(m.GetFrom()); !slices.Contains(*list, from) {
		*list = append(*list, from)
	}
}

// RoleText describes node id's change of role from `from` to `to` in term,
// with what the same round of etcd Raft said about it: camp is the tally of
// the campaign the node ran (the grants of one just won, for a new leader;
// the refusals of one just lost), leader the leader the node now follows,
// lostQuorum whether a leader stepped down for want of a quorum
// (CheckQuorum).
func RoleText(id core.NodeID, from, to core.Role, term core.Term, camp Campaign, leader core.NodeID, lostQuorum bool) string {
	switch to {
	case core.RoleLeader:
		return fmt.Sprintf("%s became leader in term %d with votes from %s", id, term, NodeList(append(slices.Clone(camp.Granted), id)))
	case core.RolePreCandidate:
		return fmt.Sprintf("%s became pre-candidate: asking for pre-votes for term %d", id, term+1)
	case core.RoleCandidate:
		return fmt.Sprintf("%s became candidate in term %d and asked for votes", id, term)
	case core.RoleFollower:
		switch {
		case lostQuorum:
			return fmt.Sprintf("%s stepped down to follower in term %d: it heard from no quorum within an election timeout", id, term)
		case (from == core.RolePreCandidate || from == core.RoleCandidate) && leader != 0 && leader != id:
			return fmt.Sprintf("%s went back to follower in term %d: it heard from leader %s", id, term, leader)
		case from == core.RolePreCandidate && leader == 0 && len(camp.Refused) > 0:
			return fmt.Sprintf("%s went back to follower in term %d: %s refused its pre-vote for term %d", id, term, NodeList(camp.Refused), term+1)
		case from == core.RoleCandidate && leader == 0 && len(camp.Refused) > 0:
			return fmt.Sprintf("%s went back to follower in term %d: %s refused it their vote", id, term, NodeList(camp.Refused))
		}
	}
	return fmt.Sprintf("%s became %s in term %d", id, to, term)
}

// LeaderText describes node id learning of its leader in term (0: none).
func LeaderText(id, leader core.NodeID, term core.Term) string {
	switch leader {
	case 0:
		return fmt.Sprintf("%s knows no leader in term %d", id, term)
	case id:
		return fmt.Sprintf("%s leads term %d", id, term)
	}
	return fmt.Sprintf("%s follows leader %s in term %d", id, leader, term)
}

// RefusalEvent is the event for a vote or pre-vote request that node
// turned down, saying why in etcd Raft's terms: "n2 refused n3's pre-vote
// for term 5: it heard from leader n1 within the election timeout ...".
// The event is a vote event with Type "refused", Peer the candidate and Term
// the term asked for.
func RefusalEvent(node core.NodeID, r core.VoteRefusal) Event {
	what := "vote"
	if r.PreVote {
		what = "pre-vote"
	}
	var why string
	switch r.Reason {
	case core.RefusedLease:
		if r.Leader == node {
			why = fmt.Sprintf("it is the leader and its election timeout has not run out, so it ignored the request (for %d more ticks)", r.TicksLeft)
			break
		}
		why = fmt.Sprintf("it heard from leader %s within the election timeout, so it ignored the request (for %d more ticks)", r.Leader, r.TicksLeft)
	case core.RefusedTerm:
		why = fmt.Sprintf("it is already in term %d", r.OwnTerm)
	case core.RefusedVoted:
		why = fmt.Sprintf("it already voted for %s in term %d", r.VotedFor, r.Term)
	case core.RefusedLeader:
		why = fmt.Sprintf("it follows leader %s in term %d", r.Leader, r.Term)
	case core.RefusedLog:
		why = fmt.Sprintf("its log is more up to date (last entry %d at term %d; %s's is %d at term %d)",
			r.LastIndex, r.LastTerm, r.Candidate, r.CandLastIndex, r.CandLastTerm)
	default:
		why = "for a reason etcd Raft did not say"
	}
	return Event{Kind: EvVote, Node: node, Peer: r.Candidate, Term: r.Term, Type: "refused",
		Text: fmt.Sprintf("%s refused %s's %s for term %d: %s", node, r.Candidate, what, r.Term, why)}
}
