package native

import (
	"fmt"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// observe turns one Ready round into trace events, with the simulator's
// kinds and texts, and answers the requests it completes.
func (in *incarnation) observe(u *core.Update) {
	n := in.n
	emit := in.ev.add
	if hs := u.HardState; hs != nil {
		if t := core.Term(hs.GetTerm()); t != in.term {
			emit(wire.Event{Kind: wire.EvTerm, Node: n.id, Term: t})
			in.term = t
			in.camp = wire.Campaign{}
			in.lastPublish = time.Time{} // publish the new role or term at once
		}
		if v := core.NodeID(hs.GetVote()); v != in.vote {
			in.vote = v
			if v != 0 {
				in.ticksSinceReset = 0
				emit(wire.Event{Kind: wire.EvVote, Node: n.id, Peer: v, Term: in.term})
			}
		}
	}
	if md := u.SnapshotInstalled; md != nil {
		emit(wire.Event{Kind: wire.EvSnapshotInstall, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s installed a snapshot up to index %d (term %d), replacing its log", n.id, md.GetIndex(), md.GetTerm())})
		in.kvDirty = true
	}
	if len(u.Entries) > 0 {
		first, last := u.Entries[0], u.Entries[len(u.Entries)-1]
		e := wire.Event{Kind: wire.EvAppend, Node: n.id, Term: core.Term(last.GetTerm()), Index: core.LogIndex(first.GetIndex()), Index2: core.LogIndex(last.GetIndex())}
		if len(u.Entries) == 1 {
			e = e.WithEntry(first)
		}
		emit(e)
	}
	if hs := u.HardState; hs != nil {
		if ci := core.LogIndex(hs.GetCommit()); ci != in.commit {
			emit(wire.Event{Kind: wire.EvCommit, Node: n.id, Term: in.term, Index: in.commit + 1, Index2: ci})
			in.commit = ci
		}
	}
	if len(u.Applied) > 0 {
		first, last := u.Applied[0], u.Applied[len(u.Applied)-1]
		emit(wire.Event{Kind: wire.EvApply, Node: n.id, Index: core.LogIndex(first.Index), Index2: core.LogIndex(last.Index), Type: wire.AppliedOps(u.Applied)})
		in.kvDirty = true
	}
	for _, cc := range u.ConfChanges {
		emit(wire.Event{Kind: wire.EvConfChange, Node: n.id, Index: cc.Index,
			Text: fmt.Sprintf("%s applied membership change %s at %d; voters now %v", n.id, wire.DescribeConfChange(cc.Change), cc.Index, cc.ConfState.GetVoters())})
	}
	if md := u.SnapshotCreated; md != nil {
		text := fmt.Sprintf("%s took a snapshot at index %d (term %d)", n.id, md.GetIndex(), md.GetTerm())
		if u.CompactedTo > 0 {
			text += fmt.Sprintf(" and compacted its log up to %d", u.CompactedTo)
		}
		emit(wire.Event{Kind: wire.EvSnapshotCreate, Node: n.id, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()), Index2: u.CompactedTo, Text: text})
	}
	wasLeader := in.role == core.RoleLeader
	for _, r := range u.Refusals {
		emit(wire.RefusalEvent(n.id, r))
	}
	if u.RoleChanged {
		in.roleChanged(u.Role, u.Leader, u.LostQuorum)
	}
	in.answer(u)
	if wasLeader && in.role != core.RoleLeader {
		in.failRequests(ErrLeadershipLost)
	}
}

// roleChanged emits role and leader events and keeps the cluster's leader
// hint up to date; lostQuorum says a leader stepped down for want of a quorum.
func (in *incarnation) roleChanged(role core.Role, leader core.NodeID, lostQuorum bool) {
	n := in.n
	emit := in.ev.add
	in.lastPublish = time.Time{} // publish the new role or term at once
	if role != in.role {
		text := wire.RoleText(n.id, in.role, role, in.term, in.camp, leader, lostQuorum)
		if role == core.RolePreCandidate || role == core.RoleCandidate {
			in.camp, in.ticksSinceReset = wire.Campaign{}, 0
		}
		emit(wire.Event{Kind: wire.EvRole, Node: n.id, Term: in.term, Type: string(role), Text: text})
		if role == core.RoleLeader {
			n.r.leaderHint.Store(uint64(n.id))
		} else if in.role == core.RoleLeader {
			n.r.leaderHint.CompareAndSwap(uint64(n.id), 0)
		}
		in.role = role
	}
	if leader != in.leader {
		emit(wire.Event{Kind: wire.EvLeader, Node: n.id, Peer: leader, Term: in.term, Text: wire.LeaderText(n.id, leader, in.term)})
		in.leader = leader
	}
}

// noteVoteResponse tallies a vote or pre-vote answer delivered to the node.
func (in *incarnation) noteVoteResponse(m *pb.Message) { in.camp.Note(in.role, in.term, m) }
