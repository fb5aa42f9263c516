package native

import (
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
// rules in the same words; a command that would add a node is refused,
// saying how members join.
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

	for _, cmd := range []wire.Command{{Kind: wire.CmdAddNode}, {Kind: wire.CmdAddLearner}, {Kind: wire.CmdReplace, Node: leader.ID}} {
		if err := c.Apply(cmd); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "joins from a page") {
			t.Fatalf("%s: %v, want a refusal saying how members join", cmd.Kind, err)
		}
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
