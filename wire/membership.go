package wire

import (
	"fmt"
	"slices"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// MemberOp is what one change of a change command does to a node.
type MemberOp string

// Member operations, as etcd's ConfChangeSingle types.
const (
	// OpAddVoter adds a new node as a voter, or promotes a learner.
	OpAddVoter MemberOp = "add"
	// OpAddLearner adds a new node as a learner (it receives the log but
	// does not vote), or demotes a voter within a joint change.
	OpAddLearner MemberOp = "add-learner"
	// OpRemove removes a member.
	OpRemove MemberOp = "remove"
)

// MemberChange is one change of a change command.
type MemberChange struct {
	Op   MemberOp    `json:"op"`
	Node core.NodeID `json:"node"`
}

// Transitions of a change command: how etcd Raft leaves the joint
// configuration it enters (ConfChangeV2's transition).
const (
	// TransitionAuto: etcd enters a joint configuration only when it must
	// (more than one voter changes) and leaves it by itself.
	TransitionAuto = "auto"
	// TransitionImplicit: always joint, left by etcd by itself.
	TransitionImplicit = "implicit"
	// TransitionExplicit: always joint, left only by a leave-joint command.
	TransitionExplicit = "explicit"
)

// Membership is a configuration as a cluster reports it to CheckCommand:
// the configuration in force on its leader (empty without one).
type Membership struct {
	// Voters are the voters (the incoming voters in a joint
	// configuration); VotersOutgoing the outgoing voters, empty unless
	// joint.
	Voters         []core.NodeID
	VotersOutgoing []core.NodeID
	// Learners receive the log but do not vote; LearnersNext become
	// learners when the joint configuration is left.
	Learners     []core.NodeID
	LearnersNext []core.NodeID
	// Removed are the nodes removed from the cluster: they stay in views
	// but their ids are never used again.
	Removed []core.NodeID
}

// Member reports whether id is in the configuration in any role.
func (m Membership) Member(id core.NodeID) bool {
	return slices.Contains(m.Voters, id) || slices.Contains(m.VotersOutgoing, id) ||
		slices.Contains(m.Learners, id) || slices.Contains(m.LearnersNext, id)
}

// Joint reports whether the configuration is joint.
func (m Membership) Joint() bool { return len(m.VotersOutgoing) > 0 }

// membershipKinds are the command kinds that change the membership.
var membershipKinds = []CommandKind{CmdAddNode, CmdAddLearner, CmdPromote, CmdRemoveNode, CmdReplace, CmdChange, CmdLeaveJoint}

// IsMembership reports whether kind changes the membership.
func IsMembership(kind CommandKind) bool { return slices.Contains(membershipKinds, kind) }

// MembershipKinds returns the command kinds that change the membership, in
// the order of the rule table. The caller may not modify it.
func MembershipKinds() []CommandKind { return membershipKinds }

// Transitions returns a change command's transitions, the default first.
func Transitions() []string { return []string{TransitionAuto, TransitionImplicit, TransitionExplicit} }

// NextNodeID is the id a new node gets in a cluster of n nodes: ids are
// handed out in order and never reused.
func NextNodeID(n int) core.NodeID { return core.NodeID(n + 1) }

// MemberChanges returns the changes cmd, a membership command, asks for,
// with the ids of new nodes filled in (the next unused ones, in order,
// for a node left 0) for a cluster of nodes nodes.
func MemberChanges(cmd Command, nodes int) []MemberChange {
	next := NextNodeID(nodes)
	fresh := func(id core.NodeID) core.NodeID {
		if id != 0 {
			return id
		}
		id = next
		next++
		return id
	}
	switch cmd.Kind {
	case CmdAddNode:
		return []MemberChange{{OpAddVoter, fresh(cmd.Node)}}
	case CmdAddLearner:
		return []MemberChange{{OpAddLearner, fresh(cmd.Node)}}
	case CmdPromote:
		return []MemberChange{{OpAddVoter, cmd.Node}}
	case CmdRemoveNode:
		return []MemberChange{{OpRemove, cmd.Node}}
	case CmdReplace:
		return []MemberChange{{OpAddVoter, fresh(cmd.Peer)}, {OpRemove, cmd.Node}}
	case CmdChange:
		out := make([]MemberChange, len(cmd.Changes))
		for i, ch := range cmd.Changes {
			out[i] = ch
			if ch.Op != OpRemove {
				out[i].Node = fresh(ch.Node)
			}
		}
		return out
	}
	return nil
}

// ConfChangeOf returns the etcd configuration change a checked membership
// command proposes, in a cluster of nodes nodes: a ConfChange (V1) for a
// single add, add-learner, promote or remove, a ConfChangeV2 for replace
// (a joint change, left by etcd itself), change and leave-joint.
func ConfChangeOf(cmd Command, nodes int) pb.ConfChangeI {
	chs := MemberChanges(cmd, nodes)
	switch cmd.Kind {
	case CmdAddNode, CmdAddLearner, CmdPromote, CmdRemoveNode:
		return &pb.ConfChange{Type: confChangeType(chs[0].Op).Enum(), NodeId: new(uint64(chs[0].Node))}
	case CmdLeaveJoint:
		return &pb.ConfChangeV2{}
	}
	cc := &pb.ConfChangeV2{Transition: pb.ConfChangeTransitionAuto.Enum()}
	switch cmd.Transition {
	case TransitionImplicit:
		cc.Transition = pb.ConfChangeTransitionJointImplicit.Enum()
	case TransitionExplicit:
		cc.Transition = pb.ConfChangeTransitionJointExplicit.Enum()
	}
	if cmd.Kind == CmdReplace {
		// Replacing a voter changes two voters: always joint.
		cc.Transition = pb.ConfChangeTransitionJointImplicit.Enum()
	}
	for _, ch := range chs {
		cc.Changes = append(cc.Changes, &pb.ConfChangeSingle{Type: confChangeType(ch.Op).Enum(), NodeId: new(uint64(ch.Node))})
	}
	return cc
}

func confChangeType(op MemberOp) pb.ConfChangeType {
	switch op {
	case OpAddLearner:
		return pb.ConfChangeAddLearnerNode
	case OpRemove:
		return pb.ConfChangeRemoveNode
	}
	return pb.ConfChangeAddNode
}

// checkMembership checks a membership command: a leader to propose it,
// every node it names in a role it can change, new nodes taking the next
// unused ids, then etcd Raft's own checks on the leader
// (core.RaftNode.CheckConfChange), whose refusal it reports in etcd's
// words.
func checkMembership(c *checker) error {
	cmd, s := c.cmd, c.s
	nodes := s.Nodes()
	m := s.Membership()
	switch cmd.Kind {
	case CmdLeaveJoint:
		if !m.Joint() && s.Leader() != 0 {
			return c.impossible("the configuration is not joint; there is nothing to leave")
		}
	case CmdChange:
		if len(cmd.Changes) == 0 {
			return c.bad("changes is empty; give at least one {op, node} (to leave a joint configuration, use leave-joint)")
		}
		if len(cmd.Changes) > MaxNodes {
			return c.bad("changes lists %d changes; at most %d", len(cmd.Changes), MaxNodes)
		}
		switch cmd.Transition {
		case "", TransitionAuto, TransitionImplicit, TransitionExplicit:
		default:
			return c.bad("transition %q; use auto, implicit or explicit", cmd.Transition)
		}
		for _, ch := range cmd.Changes {
			switch ch.Op {
			case OpAddVoter, OpAddLearner, OpRemove:
			default:
				return c.bad("op %q; use add, add-learner or remove", ch.Op)
			}
		}
	}
	if cmd.Kind != CmdChange && cmd.Transition != "" {
		return c.bad("takes no transition (only change does)")
	}
	if cmd.Kind != CmdChange && len(cmd.Changes) > 0 {
		return c.bad("takes no changes (only change does)")
	}
	chs := MemberChanges(cmd, nodes)
	next := NextNodeID(nodes)
	seen := map[core.NodeID]bool{}
	for _, ch := range chs {
		id := ch.Node
		if seen[id] {
			return c.bad("%s is named twice", id)
		}
		seen[id] = true
		removed := slices.Contains(m.Removed, id)
		switch {
		case removed:
			return c.impossible("%s was removed from the cluster; ids are never reused (a new node gets %s)", id, next)
		case ch.Op == OpRemove || cmd.Kind == CmdPromote:
			if id < 1 || int(id) > nodes && !s.Hosted(id) {
				return fmt.Errorf("%w: %s: node %d; nodes are 1 to %d", ErrUnknownNode, cmd.Kind, id, nodes)
			}
			if !m.Member(id) && s.Leader() != 0 {
				return c.impossible("%s is not a member of the configuration in force", id)
			}
			if cmd.Kind == CmdPromote && !slices.Contains(m.Learners, id) && s.Leader() != 0 {
				if slices.Contains(m.Voters, id) {
					return c.impossible("%s is already a voter", id)
				}
				return c.impossible("%s is not a learner", id)
			}
		case int(id) <= nodes || s.Hosted(id):
			// An existing node (or a member hosted outside a native
			// cluster) that is not a member: one whose add was lost
			// before it committed may be added again.
			if m.Member(id) && !(ch.Op == OpAddVoter && slices.Contains(m.Learners, id)) && !(ch.Op == OpAddLearner && cmd.Kind == CmdChange) {
				return c.impossible("%s is already a member", id)
			}
		case id > MaxNodes:
			return c.impossible("a cluster has at most %d nodes in a session (wire.MaxNodes): removed nodes stay in view and their ids are never reused", MaxNodes)
		case id != next:
			return c.bad("node %d skips %s; a new node takes the next unused id, %s", id, next, next)
		default:
			next++
		}
	}
	if s.Leader() == 0 {
		return c.impossible("there is no leader to propose the change to; wait for an election")
	}
	if err := s.CheckConfChange(ConfChangeOf(cmd, nodes)); err != nil {
		return c.impossible("etcd Raft refuses %s: %s", DescribeConfChange(ConfChangeOf(cmd, nodes)), refusalReason(err))
	}
	return nil
}

// refusalReason is the reason in a core.ErrConfChangeRefused error,
// without core's prefix.
func refusalReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "propose conf change: "); i >= 0 {
		return s[i+len("propose conf change: "):]
	}
	return s
}

// ConfChangeText says what node id applying cc did to its configuration:
// "n1 entered joint configuration (n1 n2 n3) & (n2 n3 n4) at 12 ...",
// "n1 left the joint configuration at 13: voters now (n2 n3 n4)", and for
// a simple change "n1 applied membership change add n4 at 9; voters now
// [1 2 3 4]", naming any learners.
func ConfChangeText(id core.NodeID, cc core.AppliedConfChange) string {
	cs := cc.ConfState
	var s string
	switch {
	case len(cs.GetVotersOutgoing()) > 0:
		s = fmt.Sprintf("%s entered joint configuration %s & %s at %d (%s): until it is left, a decision needs a majority of the old voters and of the new",
			id, idList(cs.GetVotersOutgoing()), idList(cs.GetVoters()), cc.Index, DescribeConfChange(cc.Change))
		if cs.GetAutoLeave() {
			s += "; etcd Raft leaves it by itself"
		} else {
			s += "; it stays until a leave-joint command"
		}
	case cc.Change.AsV2().LeaveJoint():
		s = fmt.Sprintf("%s left the joint configuration at %d: voters now %s", id, cc.Index, idList(cs.GetVoters()))
	default:
		s = fmt.Sprintf("%s applied membership change %s at %d; voters now %v", id, DescribeConfChange(cc.Change), cc.Index, cs.GetVoters())
	}
	if l := cs.GetLearners(); len(l) > 0 {
		s += fmt.Sprintf("; learners %s receive the log but do not vote", idList(l))
	}
	return s
}

// DescribeMembership says which configuration is in force, in words:
// "voters (n1 n2 n3)", "joint (n1 n2 n3) & (n2 n3 n4)", with ", learners
// (n5)" when there are learners.
func DescribeMembership(cs *pb.ConfState) string {
	var b strings.Builder
	if len(cs.GetVotersOutgoing()) > 0 {
		b.WriteString("joint configuration ")
		b.WriteString(idList(cs.GetVoters()))
		b.WriteString(" & ")
		b.WriteString(idList(cs.GetVotersOutgoing()))
	} else {
		b.WriteString("voters ")
		b.WriteString(idList(cs.GetVoters()))
	}
	if len(cs.GetLearners()) > 0 {
		b.WriteString(", learners ")
		b.WriteString(idList(cs.GetLearners()))
	}
	if len(cs.GetLearnersNext()) > 0 {
		b.WriteString(", learners once joint is left ")
		b.WriteString(idList(cs.GetLearnersNext()))
	}
	return b.String()
}

// idList writes ids as "(n1 n2 n3)", sorted.
func idList(ids []uint64) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = core.NodeID(id).String()
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// ConfMembers lists every node of cs, in any role, sorted, each once.
func ConfMembers(cs *pb.ConfState) []core.NodeID {
	ids := slices.Concat(cs.GetVoters(), cs.GetVotersOutgoing(), cs.GetLearners(), cs.GetLearnersNext())
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]core.NodeID, len(ids))
	for i, id := range ids {
		out[i] = core.NodeID(id)
	}
	return out
}

// RemovedEvent is the event that says node id left the configuration, once
// node by applied the change at index: the removal is committed, so it
// holds cluster-wide.
func RemovedEvent(id, by core.NodeID, index core.LogIndex) Event {
	return Event{Kind: EvConfChange, Node: id, Index: index,
		Text: fmt.Sprintf("%s was removed from the cluster (%s applied the change at %d): no leader sends to it, it serves no client, and its id is never reused", id, by, index)}
}

// HandOffEvent is the event that says leader from, removed from the
// configuration, hands leadership to to.
func HandOffEvent(from, to core.NodeID) Event {
	return Event{Kind: EvCommand, Node: from, Peer: to,
		Text: fmt.Sprintf("%s leads no more once removed: it hands leadership to %s, as an etcd server does before it stops", from, to)}
}

// ChangeAskedText says that leader was asked to carry out cmd, a checked
// membership command, as cc (ConfChangeOf).
func ChangeAskedText(cmd Command, leader core.NodeID, cc pb.ConfChangeI) string {
	text := fmt.Sprintf("asked leader %s to %s", leader, DescribeConfChange(cc))
	switch cmd.Kind {
	case CmdPromote:
		text = fmt.Sprintf("asked leader %s to promote learner %s to voter", leader, cmd.Node)
	case CmdAddLearner:
		text += fmt.Sprintf(": %s will be a learner, receiving the log without voting", core.NodeID(cc.AsV2().GetChanges()[0].GetNodeId()))
	case CmdReplace:
		text += " through a joint configuration"
	case CmdChange:
		if cmd.Transition == TransitionExplicit {
			text += " (joint until a leave-joint command)"
		}
	}
	return text
}
