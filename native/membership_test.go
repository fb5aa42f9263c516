package native

import (
	pb "go.etcd.io/raft/v3/raftpb"

	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestMembershipCommandsOnTheNativeCluster: the membership commands run on
// the native cluster's etcd Raft as in the simulator, checked by the same
// rules in the same words.
func TestMembershipCommandsOnTheNativeCluster(t *testing.T) {
	c := startCluster(t, testConfig(5))
	leader := waitLeader(t, c)
	mustSet(t, c, "k", "v")
	leaderVoters := func() ([]core.NodeID, []core.NodeID) {
		l, ok := leaderOf(view(c))
		if !ok {
			return nil, nil
		}
		return l.Voters, l.VotersOutgoing
	}

	if err := c.Apply(wire.Command{Kind: wire.CmdPromote, Node: 2}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "already a voter") {
		t.Fatalf("promote a voter: %v", err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdLeaveJoint}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "not joint") {
		t.Fatalf("leave-joint outside a joint configuration: %v", err)
	}

	// Remove a follower.
	follower := core.NodeID(1)
	if follower == leader.ID {
		follower = 2
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdRemoveNode, Node: follower})
	waitFor(t, 10*time.Second, "the follower removed", func() bool {
		v, _ := leaderVoters()
		return len(v) == 4 && !slices.Contains(v, follower)
	})

	// Two more out at once, through a joint configuration left by hand.
	var rest []core.NodeID
	for _, id := range []core.NodeID{1, 2, 3, 4, 5} {
		if id != follower && id != leader.ID {
			rest = append(rest, id)
		}
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit,
		Changes: []wire.MemberChange{{Op: wire.OpRemove, Node: rest[0]}, {Op: wire.OpRemove, Node: rest[1]}}})
	waitFor(t, 10*time.Second, "a joint configuration", func() bool {
		_, out := leaderVoters()
		return len(out) == 4
	})
	if err := c.Apply(wire.Command{Kind: wire.CmdRemoveNode, Node: rest[2]}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "must transition out of joint config first") {
		t.Fatalf("a change in a joint configuration: %v, want etcd's refusal", err)
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdLeaveJoint})
	waitFor(t, 10*time.Second, "the joint configuration left", func() bool {
		v, out := leaderVoters()
		return len(v) == 2 && len(out) == 0
	})
	// The two voters left still take writes.
	mustSet(t, c, "after", "yes")
}

// TestNativeClusterGrowsAndReplacesItsLeader walks the path on the
// native cluster: start 3 nodes, add a learner and watch it catch up,
// promote it, replace the leader through a joint configuration (the
// removed leader hands leadership on), crash the new leader in the middle
// of a change, and see the cluster finish it. New nodes take the next ids,
// never reused; views list every node in id order.
func TestNativeClusterGrowsAndReplacesItsLeader(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l1 := waitLeader(t, c)
	mustSet(t, c, "k", "v")
	leaderConf := func() (voters, outgoing, learners []core.NodeID) {
		l, ok := leaderOf(view(c))
		if !ok {
			return nil, nil, nil
		}
		return l.Voters, l.VotersOutgoing, l.Learners
	}

	if err := c.Apply(wire.Command{Kind: wire.CmdAddNode, Node: 5}); !errors.Is(err, wire.ErrBadCommand) || !strings.Contains(err.Error(), "the next unused id, n4") {
		t.Fatalf("add n5 first: %v, want a refusal naming n4", err)
	}

	// A learner, added empty, catches up without voting.
	mustApply(t, c, wire.Command{Kind: wire.CmdAddLearner})
	waitFor(t, 10*time.Second, "n4 a learner holding k", func() bool {
		_, _, learners := leaderConf()
		v := view(c)
		if len(v.Nodes) != 4 || v.Nodes[3].ID != 4 || !v.Nodes[3].Up {
			return false
		}
		got, ok := kvOf(v.Nodes[3], "k")
		return slices.Equal(learners, []core.NodeID{4}) && ok && got == "v"
	})
	if err := c.Apply(wire.Command{Kind: wire.CmdPromote, Node: 2}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "already a voter") {
		t.Fatalf("promote a voter: %v", err)
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdPromote, Node: 4})
	waitFor(t, 10*time.Second, "n4 a voter", func() bool {
		voters, _, learners := leaderConf()
		return len(voters) == 4 && slices.Contains(voters, 4) && len(learners) == 0
	})

	// Replace the leader by a new node: etcd leaves the joint
	// configuration by itself, and the removed leader hands leadership to
	// a voter of the new configuration.
	mustApply(t, c, wire.Command{Kind: wire.CmdReplace, Node: l1.ID})
	var l2 wire.NodeView
	defer func() {
		if t.Failed() {
			v := view(c)
			for _, n := range v.Nodes {
				t.Logf("%s up=%v role=%s term=%d leader=%s voters=%v out=%v left=%v commit=%d", n.ID, n.Up, n.Role, n.Term, n.Leader, n.Voters, n.VotersOutgoing, n.Left, n.Commit)
			}
			for _, e := range c.Frame(0, true, 60, wire.ViewOptions{}).Events {
				t.Logf("%s", e.Text)
			}
		}
	}()
	waitFor(t, 15*time.Second, "the leader replaced by n5", func() bool {
		v := view(c)
		l, ok := leaderOf(v)
		if !ok || l.ID == l1.ID || len(l.VotersOutgoing) > 0 || slices.Contains(l.Voters, l1.ID) || !slices.Contains(l.Voters, 5) {
			return false
		}
		l2 = l
		return len(v.Nodes) == 5 && v.Nodes[l1.ID-1].Left && !v.Nodes[4].Left
	})
	evs := c.Frame(0, false, 0, wire.ViewOptions{}).Events
	if !slices.ContainsFunc(evs, func(e wire.Event) bool {
		return e.Node == l1.ID && strings.Contains(e.Text, "hands leadership to")
	}) {
		t.Fatalf("no event says removed leader %s handed leadership on", l1.ID)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdAddNode, Node: l1.ID}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "ids are never reused") {
		t.Fatalf("add the removed %s again: %v, want a refusal", l1.ID, err)
	}
	mustSet(t, c, "after-replace", "yes")

	// Replace the new leader by n6 through a joint configuration left by
	// hand, and crash it once the joint configuration is in force.
	mustApply(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit,
		Changes: []wire.MemberChange{{Op: wire.OpAddVoter}, {Op: wire.OpRemove, Node: l2.ID}}})
	waitFor(t, 10*time.Second, "a joint configuration", func() bool {
		_, out, _ := leaderConf()
		return slices.Contains(out, l2.ID)
	})
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: l2.ID})
	waitFor(t, 15*time.Second, "a leader of the joint configuration", func() bool {
		l, ok := leaderOf(view(c))
		return ok && l.ID != l2.ID && len(l.VotersOutgoing) > 0
	})
	mustApply(t, c, wire.Command{Kind: wire.CmdLeaveJoint})
	waitFor(t, 15*time.Second, "the change finished without the crashed leader", func() bool {
		v := view(c)
		l, ok := leaderOf(v)
		return ok && len(l.VotersOutgoing) == 0 && len(l.Voters) == 4 && slices.Contains(l.Voters, 6) &&
			!slices.Contains(l.Voters, l2.ID) && v.Nodes[l2.ID-1].Left
	})
	mustSet(t, c, "after-crash", "yes")
	waitFor(t, 10*time.Second, "n6 holding every key", func() bool {
		n6 := nodeView(c, 6)
		a, ok1 := kvOf(n6, "after-crash")
		b, ok2 := kvOf(n6, "k")
		return ok1 && ok2 && a == "yes" && b == "v"
	})
	for i, nv := range view(c).Nodes {
		if nv.ID != core.NodeID(i+1) {
			t.Fatalf("view lists %s at position %d: want ids in order from n1", nv.ID, i+1)
		}
	}
}

// TestNativeAddNumbersAfterHostedMembers: a member hosted outside and a
// node added by command share one sequence of ids, and the view lists them
// in id order.
func TestNativeAddNumbersAfterHostedMembers(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	rm, err := c.AddRemote(ctxT(t), func(*pb.Message) {})
	if err != nil {
		t.Fatalf("AddRemote: %v", err)
	}
	if rm.ID() != 4 {
		t.Fatalf("the hosted member is %s, want n4", rm.ID())
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdAddLearner})
	waitFor(t, 10*time.Second, "n5 a learner in the leader's view", func() bool {
		lv, _ := leaderOf(view(c))
		return slices.Contains(lv.Learners, 5)
	})
	v := view(c)
	if len(v.Nodes) != 5 || v.Nodes[3].ID != 4 || !v.Nodes[3].Member || v.Nodes[4].ID != 5 || v.Nodes[4].Member {
		t.Fatalf("view nodes %+v: want n4 hosted outside, then n5 native", v.Nodes)
	}
	rm2, err := c.AddRemote(ctxT(t), func(*pb.Message) {})
	if err != nil {
		t.Fatalf("AddRemote: %v", err)
	}
	if rm2.ID() != 6 {
		t.Fatalf("the second hosted member is %s, want n6", rm2.ID())
	}
	// Messages to the node added by command reach it.
	mustSet(t, c, "k", "v")
	waitFor(t, 10*time.Second, "n5 holding k", func() bool {
		got, ok := kvOf(nodeView(c, 5), "k")
		return ok && got == "v"
	})
}

// TestDurableClusterRefusesNewNodes: a durable cluster's data directory
// records the nodes it was created with, so it refuses to add one, saying
// why, and changes nothing.
func TestDurableClusterRefusesNewNodes(t *testing.T) {
	c := startDurableCluster(t, testConfig(3), t.TempDir())
	waitLeader(t, c)
	before := len(view(c).Nodes)
	for _, cmd := range []wire.Command{{Kind: wire.CmdAddNode}, {Kind: wire.CmdAddLearner}, {Kind: wire.CmdReplace, Node: 1}} {
		if err := c.Apply(cmd); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "would be missing after a restart") {
			t.Fatalf("%s on a durable cluster: %v, want a refusal saying why", cmd.Kind, err)
		}
	}
	if n := len(view(c).Nodes); n != before {
		t.Fatalf("the refused commands left %d nodes, want %d", n, before)
	}
}

// TestNativeClusterTakesNoPlantedFaults: planted faults exist in the
// simulator only; the native cluster refuses a configuration naming one.
func TestNativeClusterTakesNoPlantedFaults(t *testing.T) {
	cfg := testConfig(3)
	cfg.Faults = []wire.FaultKind{wire.FaultForgetVote}
	if _, err := Start(cfg); !errors.Is(err, wire.ErrBadConfig) || !strings.Contains(err.Error(), "faults are planted in the simulator only") {
		t.Fatalf("Start with a planted fault: %v", err)
	}
}

// TestRemovedLeaderTakesNoProposal: a leader removed from the
// configuration leads on until it has handed leadership over, but takes
// no proposal (etcd drops them): meanwhile the cluster has no leader to
// propose to, and a membership change or a write waits for the new one,
// never dropped on the removed node.
func TestRemovedLeaderTakesNoProposal(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	mustApply(t, c, wire.Command{Kind: wire.CmdRemoveNode, Node: l.ID})
	waitFor(t, 10*time.Second, "a learner added after the removal", func() bool {
		err := c.Apply(wire.Command{Kind: wire.CmdAddLearner})
		if err != nil && strings.Contains(err.Error(), "dropped") {
			t.Fatalf("a change was given to the removed leader %s: %v", l.ID, err)
		}
		return err == nil
	})
	mustSet(t, c, "after", "removal")
	if lv := waitLeader(t, c); lv.ID == l.ID {
		t.Fatalf("the leader is %s, which was removed", lv.ID)
	}
}
