package sim

import (
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// The membership checkers, each shown catching a planted fault (and quiet
// on the healthy runs of the membership scenarios and the membership chaos
// campaign).

// wantMembershipViolation runs c until a violation of property, failing
// the test if the run ends without one or with another.
func wantMembershipViolation(t *testing.T, c *Cluster, within int64, property, text string) {
	t.Helper()
	err := c.RunFor(within)
	v := c.Halted()
	if v == nil {
		t.Fatalf("no violation within %d ms (err %v); want %s", within, err, property)
	}
	if v.Property != property || !strings.Contains(v.Text, text) {
		t.Fatalf("violation %s: %s; want %s naming %q", v.Property, v.Text, property, text)
	}
}

// TestFaultSecondConfChangeWhilePending: a leader that skips etcd's check
// of a proposed change appends a second while the first is not applied.
func TestFaultSecondConfChangeWhilePending(t *testing.T) {
	c := newScenario(t, 3, nil)
	c.hooks.noConfChangeCheck = true
	for _, id := range allIDs(c) { // the nodes start again without etcd's check
		do(t, c, wire.Command{Kind: wire.CmdCrash, Node: id}, wire.Command{Kind: wire.CmdRestart, Node: id})
	}
	leader := waitLeader(t, c, allIDs(c), 5000)
	// Hold every message: the first change cannot commit, so it stays
	// pending while the second is proposed.
	do(t, c, wire.Command{Kind: wire.CmdManual, On: true},
		wire.Command{Kind: wire.CmdAddLearner}, wire.Command{Kind: wire.CmdAddLearner})
	v := c.Halted()
	if v == nil || v.Property != wire.PropOneConfChange || !slices.Contains(v.Nodes, leader) {
		t.Fatalf("violation %+v; want %s naming leader %s", v, wire.PropOneConfChange, leader)
	}
	// The same two commands on a healthy cluster: the second is refused
	// with etcd's reason and nothing is violated.
	h := newScenario(t, 3, nil)
	waitLeader(t, h, allIDs(h), 5000)
	do(t, h, wire.Command{Kind: wire.CmdManual, On: true}, wire.Command{Kind: wire.CmdAddLearner})
	if err := h.Apply(wire.Command{Kind: wire.CmdAddLearner}); err == nil || !strings.Contains(err.Error(), "possible unapplied conf change") {
		t.Fatalf("healthy cluster took a second change while one is pending: %v", err)
	}
	if h.Halted() != nil {
		t.Fatalf("healthy cluster halted: %+v", h.Halted())
	}
}

// TestFaultCommitCountingALearner: a leader that commits an entry only it
// and a learner hold (as if the learner counted towards the quorum) is
// caught; the healthy leader does not commit it.
func TestFaultCommitCountingALearner(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 5000)
	do(t, c, wire.Command{Kind: wire.CmdAddLearner})
	runUntil(t, c, 5000, "n4 a learner that caught up", func(v wire.View) bool {
		l, ok := leaderView(v)
		return ok && slices.Equal(l.Learners, ids(4)) && v.Nodes[3].Applied == l.Applied
	})
	// Cut the leader off from the other voters, not from the learner.
	for _, id := range without(ids(1, 2, 3), leader) {
		do(t, c, wire.Command{Kind: wire.CmdCut, Node: leader, Peer: id})
	}
	do(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	run(t, c, 100) // the learner acknowledges; no election yet (500 ms at least)
	l := c.nodes[leader-1]
	last, _ := l.store.LastIndex()
	st := l.rn.Status()
	if uint64(st.Commit) >= last {
		t.Fatalf("the healthy leader committed %d of %d with only a learner", st.Commit, last)
	}
	for _, p := range st.Progress {
		if p.ID == 4 && uint64(p.Match) != last {
			t.Fatalf("learner n4 holds %d, want the leader's last index %d", p.Match, last)
		}
	}
	// The fault: the leader's next round says it committed its last entry.
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if n == l {
			hs, _, _ := n.store.InitialState()
			u.HardState = &pb.HardState{Term: new(hs.GetTerm()), Vote: new(hs.GetVote()), Commit: new(last)}
		}
	}
	do(t, c, wire.Command{Kind: wire.CmdSet, Key: "k2", Value: "v"})
	wantMembershipViolation(t, c, 1000, wire.PropVoterQuorum, "not a majority of the voters (n1 n2 n3)")
}

// TestFaultLeaderWithoutAQuorumOfVotes: a node taking office with no votes
// but its own is caught.
func TestFaultLeaderWithoutAQuorumOfVotes(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 5000)
	other := without(allIDs(c), leader)[0]
	o := c.nodes[other-1]
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if n == o {
			n.Term++
			u.RoleChanged, u.Role = true, core.RoleLeader
		}
	}
	do(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	wantMembershipViolation(t, c, 1000, wire.PropVoterQuorum, "with the votes of ("+other.String()+") only")
}

// TestFaultLearnerTakingOffice: a learner becoming leader is caught.
func TestFaultLearnerTakingOffice(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitLeader(t, c, allIDs(c), 5000)
	do(t, c, wire.Command{Kind: wire.CmdAddLearner})
	run(t, c, 2000)
	n4 := c.nodes[3]
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if n == n4 {
			for _, v := range c.nodes {
				c.safety.voteGranted(n.id, v.id, n.Term+1)
			}
			n.Term++
			u.RoleChanged, u.Role = true, core.RoleLeader
		}
	}
	do(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	wantMembershipViolation(t, c, 1000, wire.PropVoterLeader, "n4 became leader of term")
}

// TestMembershipCheckersAcceptJointElections: in a joint configuration a
// leader needs, and gets, a majority of both voter sets; the checkers
// accept the elections of a healthy run through one.
func TestMembershipCheckersAcceptJointElections(t *testing.T) {
	c := newScenario(t, 3, nil)
	leader := waitLeader(t, c, allIDs(c), 5000)
	do(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit,
		Changes: []wire.MemberChange{{Op: wire.OpAddVoter}, {Op: wire.OpRemove, Node: leader}}})
	runUntil(t, c, 5000, "a joint configuration", func(v wire.View) bool {
		l, ok := leaderView(v)
		return ok && len(l.VotersOutgoing) > 0
	})
	// Elections in the joint configuration: force a few.
	for range 3 {
		l, ok := leaderView(c.View(1))
		if !ok {
			run(t, c, 2000)
			continue
		}
		do(t, c, wire.Command{Kind: wire.CmdCrash, Node: l.ID})
		run(t, c, 3000)
		do(t, c, wire.Command{Kind: wire.CmdRestart, Node: l.ID})
		run(t, c, 2000)
	}
	if v := c.Halted(); v != nil {
		t.Fatalf("halted: %s: %s", v.Property, v.Text)
	}
	var cs *pb.ConfState
	for _, n := range c.nodes {
		if n.up() && n.Role == core.RoleLeader {
			cs = n.conf
		}
	}
	if cs == nil || len(cs.GetVotersOutgoing()) == 0 {
		t.Fatalf("after the elections the leader's configuration is %v; want still joint (explicit transition)", cs)
	}
}

// TestFaultSimpleChangeInAJointConfiguration: a leader that skips etcd's
// check of a proposed change appends a simple change while its
// configuration is joint, which etcd Raft would stop on when applying it:
// caught as it is appended. A healthy leader refuses it with etcd's reason.
func TestFaultSimpleChangeInAJointConfiguration(t *testing.T) {
	for _, planted := range []bool{false, true} {
		c := newScenario(t, 3, nil)
		if planted {
			c.hooks.noConfChangeCheck = true
			for _, id := range allIDs(c) { // the nodes start again without etcd's check
				do(t, c, wire.Command{Kind: wire.CmdCrash, Node: id}, wire.Command{Kind: wire.CmdRestart, Node: id})
			}
		}
		waitLeader(t, c, allIDs(c), 5000)
		do(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit, Changes: []wire.MemberChange{{Op: wire.OpAddLearner}}})
		runUntil(t, c, 5000, "a joint configuration", func(v wire.View) bool {
			l, ok := leaderView(v)
			return ok && len(l.VotersOutgoing) > 0 && l.Applied == l.Commit
		})
		err := c.Apply(wire.Command{Kind: wire.CmdRemoveNode, Node: 3})
		if !planted {
			if err == nil || !strings.Contains(err.Error(), "must transition out of joint config first") {
				t.Fatalf("healthy cluster took a simple change in a joint configuration: %v", err)
			}
			if c.Halted() != nil {
				t.Fatalf("healthy cluster halted: %+v", c.Halted())
			}
			continue
		}
		if err != nil {
			t.Fatalf("planted: the change was refused: %v", err)
		}
		wantMembershipViolation(t, c, 1000, wire.PropValidConfChange, "can't apply simple config change in joint config")
	}
}
