package wire

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// Narrator turns what one node's etcd Raft did (its ticks, the messages it
// heard, its Ready rounds) into trace events: terms, votes cast and
// refused, appends, commits, applies, snapshots, membership changes, role
// and leader changes with why they happened. The simulator, the native
// cluster and a hosted member each keep one per node, so the three narrate
// etcd Raft once, in the same words and the same order.
//
// The exported fields are what the trace last said about the node; a
// producer reads them (a node's view, its checkers) and resets them when
// the node crashes or restarts (Restart). Narrator is pure: it reads no
// clock and keeps no references to what it is given, except through the
// events it emits (see Event.WithEntry).
type Narrator struct {
	// ID is the node narrated.
	ID core.NodeID

	Role   core.Role
	Term   core.Term
	Vote   core.NodeID
	Leader core.NodeID
	Commit core.LogIndex
	// Camp tallies the answers to the current campaign.
	Camp Campaign
	// TicksSinceReset approximates etcd Raft's electionElapsed: ticks since
	// the node last heard from a leader, voted, or started a campaign.
	TicksSinceReset int
}

// Restart sets the narrator to a node just started from storage holding
// hs: a follower that knows no leader and runs no campaign.
func (n *Narrator) Restart(hs *pb.HardState) {
	n.Role, n.Leader, n.Camp, n.TicksSinceReset = core.RoleFollower, 0, Campaign{}, 0
	n.Term, n.Vote, n.Commit = core.Term(hs.GetTerm()), core.NodeID(hs.GetVote()), core.LogIndex(hs.GetCommit())
}

// ElectionElapsed is what a view shows of the node's election clock
// (NodeView.ElectionElapsed) when its role is role: TicksSinceReset, or 0
// for a leader, which runs no election timeout.
func (n *Narrator) ElectionElapsed(role core.Role) int {
	if role == core.RoleLeader {
		return 0
	}
	return n.TicksSinceReset
}

// Ticked counts one tick of the node's Raft clock; role is the node's role
// after the tick. A tick that made the node campaign is an EvTimeout.
func (n *Narrator) Ticked(role core.Role, emit func(Event)) {
	n.TicksSinceReset++
	if role != n.Role && (role == core.RolePreCandidate || role == core.RoleCandidate) {
		emit(Event{Kind: EvTimeout, Node: n.ID, Term: n.Term,
			Text: fmt.Sprintf("%s's election timeout fired after %d ticks without hearing from a leader", n.ID, n.TicksSinceReset)})
	}
}

// Heard notes a message about to be stepped into the node: an answer to its
// campaign is tallied, and a leader's message (append, heartbeat,
// snapshot) resets its election clock.
func (n *Narrator) Heard(m *pb.Message) {
	n.Camp.Note(n.Role, n.Term, m)
	switch m.GetType() {
	case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
		n.TicksSinceReset = 0
	}
}

// Observe narrates one Ready round u: the new term and vote, an installed
// snapshot, appended entries, the new commit index, applied entries (with
// their operations in Type when ops is set), membership changes, a snapshot
// taken, votes refused, and role and leader changes, in that order. With
// ops, an EvApply event also lists its entries' facts (Event.Applied).
func (n *Narrator) Observe(u *core.Update, ops bool, emit func(Event)) {
	if hs := u.HardState; hs != nil {
		if t := core.Term(hs.GetTerm()); t != n.Term {
			emit(Event{Kind: EvTerm, Node: n.ID, Term: t})
			n.Term = t
			n.Camp = Campaign{}
		}
		if v := core.NodeID(hs.GetVote()); v != n.Vote {
			n.Vote = v
			if v != 0 {
				n.TicksSinceReset = 0
				emit(Event{Kind: EvVote, Node: n.ID, Peer: v, Term: n.Term})
			}
		}
	}
	if md := u.SnapshotInstalled; md != nil {
		emit(Event{Kind: EvSnapshotInstall, Node: n.ID, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s installed a snapshot up to index %d (term %d), replacing its log", n.ID, md.GetIndex(), md.GetTerm())})
	}
	if len(u.Entries) > 0 {
		first, last := u.Entries[0], u.Entries[len(u.Entries)-1]
		e := Event{Kind: EvAppend, Node: n.ID, Term: core.Term(last.GetTerm()), Index: core.LogIndex(first.GetIndex()), Index2: core.LogIndex(last.GetIndex())}
		if len(u.Entries) == 1 {
			e = e.WithEntry(first)
		}
		emit(e)
	}
	if hs := u.HardState; hs != nil {
		if ci := core.LogIndex(hs.GetCommit()); ci != n.Commit {
			emit(Event{Kind: EvCommit, Node: n.ID, Term: n.Term, Index: n.Commit + 1, Index2: ci})
			n.Commit = ci
		}
	}
	if len(u.Applied) > 0 {
		first, last := u.Applied[0], u.Applied[len(u.Applied)-1]
		e := Event{Kind: EvApply, Node: n.ID, Index: core.LogIndex(first.Index), Index2: core.LogIndex(last.Index)}
		if ops {
			e.Type = AppliedOps(u.Applied)
			e = e.WithApplied(u.Applied)
		}
		emit(e)
	}
	for _, cc := range u.ConfChanges {
		voters := make([]core.NodeID, 0, len(cc.ConfState.GetVoters()))
		for _, v := range cc.ConfState.GetVoters() {
			voters = append(voters, core.NodeID(v))
		}
		emit(Event{Kind: EvConfChange, Node: n.ID, Index: cc.Index, Voters: voters, Text: ConfChangeText(n.ID, cc)})
	}
	if md := u.SnapshotCreated; md != nil {
		text := fmt.Sprintf("%s took a snapshot at index %d (term %d)", n.ID, md.GetIndex(), md.GetTerm())
		if u.CompactedTo > 0 {
			text += fmt.Sprintf(" and compacted its log up to %d", u.CompactedTo)
		}
		emit(Event{Kind: EvSnapshotCreate, Node: n.ID, Term: core.Term(md.GetTerm()), Index: core.LogIndex(md.GetIndex()), Index2: u.CompactedTo, Text: text})
	}
	for _, r := range u.Refusals {
		emit(RefusalEvent(n.ID, r))
	}
	if u.RoleChanged {
		n.roleChanged(u.Role, u.Leader, u.LostQuorum, emit)
	}
}

// roleChanged emits role and leader events; lostQuorum says a leader
// stepped down for want of a quorum.
func (n *Narrator) roleChanged(role core.Role, leader core.NodeID, lostQuorum bool, emit func(Event)) {
	if role != n.Role {
		text := RoleText(n.ID, n.Role, role, n.Term, n.Camp, leader, lostQuorum)
		if role == core.RolePreCandidate || role == core.RoleCandidate {
			n.Camp, n.TicksSinceReset = Campaign{}, 0
		}
		emit(Event{Kind: EvRole, Node: n.ID, Term: n.Term, Type: string(role), Text: text})
		n.Role = role
	}
	if leader != n.Leader {
		emit(Event{Kind: EvLeader, Node: n.ID, Peer: leader, Term: n.Term, Text: LeaderText(n.ID, leader, n.Term)})
		n.Leader = leader
	}
}
