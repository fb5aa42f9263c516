package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// runUntil runs in steps of 50 virtual ms until cond holds, failing the
// test after within ms.
func runUntil(t *testing.T, c *Cluster, within int64, what string, cond func(wire.View) bool) wire.View {
	t.Helper()
	for waited := int64(0); ; waited += 50 {
		v := c.View(1)
		if cond(v) {
			return v
		}
		if waited >= within {
			t.Fatalf("after %d ms: %s never happened", within, what)
		}
		run(t, c, 50)
	}
}

// leaderView is the view of the node that leads, ok false if none does.
func leaderView(v wire.View) (wire.NodeView, bool) {
	for _, n := range v.Nodes {
		if n.Up && n.Role == core.RoleLeader {
			return n, true
		}
	}
	return wire.NodeView{}, false
}

// ids makes a sorted id list.
func ids(list ...core.NodeID) []core.NodeID { return list }

// TestMembershipScenario is the walk through membership, on the
// engine: three nodes, add a learner and watch it catch up, promote it,
// replace the leader through a joint configuration, crash the new leader
// in the middle of the change, and see the cluster finish it.
func TestMembershipScenario(t *testing.T) {
	c := newScenario(t, 3, nil)
	first := waitLeader(t, c, allIDs(c), 5000)
	for i := range 20 {
		consoleSet(t, c, fmt.Sprintf("k%d", i), "v", 0)
	}

	do(t, c, wire.Command{Kind: wire.CmdAddLearner})
	v := runUntil(t, c, 5000, "n4 a learner that caught up", func(v wire.View) bool {
		l, ok := leaderView(v)
		n4 := v.Nodes[3]
		return ok && slices.Equal(l.Learners, ids(4)) && n4.Applied == l.Applied && n4.Applied > 20
	})
	if got := v.Nodes[3]; !got.Up || got.Role != core.RoleFollower || !slices.Equal(got.Voters, ids(1, 2, 3)) || !slices.Equal(got.Learners, ids(4)) {
		t.Fatalf("n4 after catching up: %+v", got)
	}
	if kv := kvMap(c.View(1).Nodes[3]); kv["k19"] != "v" {
		t.Fatalf("learner n4's store lacks k19: %v", kv)
	}

	do(t, c, wire.Command{Kind: wire.CmdPromote, Node: 4})
	runUntil(t, c, 5000, "n4 a voter", func(v wire.View) bool {
		l, ok := leaderView(v)
		return ok && slices.Equal(l.Voters, ids(1, 2, 3, 4)) && len(l.Learners) == 0
	})

	leader := agreedLeader(c.View(1), allIDs(c))
	if leader == 0 {
		leader = first
	}
	do(t, c, wire.Command{Kind: wire.CmdReplace, Node: leader})
	sawJoint := false
	v = runUntil(t, c, 5000, "a joint configuration", func(v wire.View) bool {
		for _, n := range v.Nodes {
			if len(n.VotersOutgoing) > 0 {
				sawJoint = true
			}
		}
		return sawJoint
	})
	// Crash whoever leads now, in the middle of the change.
	crashed, ok := leaderView(v)
	if !ok {
		t.Fatal("no leader while the change is under way")
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: crashed.ID})
	want := without(ids(1, 2, 3, 4, 5), leader)
	v = runUntil(t, c, 20000, "the change finished", func(v wire.View) bool {
		l, ok := leaderView(v)
		return ok && slices.Equal(l.Voters, want) && len(l.VotersOutgoing) == 0
	})
	if crashed.ID != leader {
		do(t, c, wire.Command{Kind: wire.CmdRestart, Node: crashed.ID})
	}
	v = runUntil(t, c, 20000, "the replaced leader removed and every voter up to date", func(v wire.View) bool {
		l, ok := leaderView(v)
		if !ok || !slices.Equal(l.Voters, want) || len(l.VotersOutgoing) > 0 || !v.Nodes[leader-1].Left {
			return false
		}
		for _, id := range want {
			if n := v.Nodes[id-1]; !n.Up || n.Applied != l.Applied {
				return false
			}
		}
		return true
	})
	if n := v.Nodes[leader-1]; !n.Left || n.Role == core.RoleLeader {
		t.Fatalf("replaced leader %s: left %v role %s; want shown as removed, not leading", leader, n.Left, n.Role)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdAddNode, Node: leader}); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "never reused") {
		t.Fatalf("adding removed %s again: %v, want a refusal naming its removal", leader, err)
	}
	var texts []string
	for _, e := range c.Events(0) {
		if e.Kind == wire.EvConfChange || (e.Kind == wire.EvCommand && wire.IsMembership(wire.CommandKind(e.Type))) {
			texts = append(texts, e.Text)
		}
	}
	all := strings.Join(texts, "\n")
	for _, w := range []string{"will be a learner", "entered joint configuration", "left the joint configuration", fmt.Sprintf("%s was removed from the cluster", leader)} {
		if !strings.Contains(all, w) {
			t.Errorf("no membership event says %q; they say:\n%s", w, all)
		}
	}
	sameKV(t, c.View(1))
}

// TestMembershipCommandsRefused: each bad membership command is refused
// with an error that names what is wrong, and changes nothing.
func TestMembershipCommandsRefused(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitLeader(t, c, allIDs(c), 5000)
	cases := []struct {
		cmd  wire.Command
		kind error
		want string
	}{
		{wire.Command{Kind: wire.CmdRemoveNode, Node: 7}, wire.ErrUnknownNode, "nodes are 1 to 3"},
		{wire.Command{Kind: wire.CmdPromote, Node: 2}, wire.ErrImpossible, "n2 is already a voter"},
		{wire.Command{Kind: wire.CmdAddNode, Node: 2}, wire.ErrImpossible, "n2 is already a member"},
		{wire.Command{Kind: wire.CmdAddNode, Node: 6}, wire.ErrBadCommand, "a new node takes the next unused id, n4"},
		{wire.Command{Kind: wire.CmdLeaveJoint}, wire.ErrImpossible, "not joint"},
		{wire.Command{Kind: wire.CmdChange}, wire.ErrBadCommand, "changes is empty"},
		{wire.Command{Kind: wire.CmdChange, Changes: []wire.MemberChange{{Op: "grow", Node: 1}}}, wire.ErrBadCommand, `op "grow"`},
		{wire.Command{Kind: wire.CmdChange, Transition: "later", Changes: []wire.MemberChange{{Op: wire.OpRemove, Node: 1}}}, wire.ErrBadCommand, `transition "later"`},
		{wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit, Changes: []wire.MemberChange{
			{Op: wire.OpRemove, Node: 1}, {Op: wire.OpRemove, Node: 2}, {Op: wire.OpRemove, Node: 3}}}, wire.ErrImpossible, "etcd Raft refuses remove n1, remove n2, remove n3 (joint): removed all voters"},
		{wire.Command{Kind: wire.CmdRemoveNode, Node: 1, Transition: "auto"}, wire.ErrBadCommand, "takes no transition"},
	}
	for _, tc := range cases {
		before, hash := len(c.Export().Commands), c.TraceHash()
		err := c.Apply(tc.cmd)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %v naming %q", tc.cmd, err, tc.kind, tc.want)
		}
		if len(c.Export().Commands) != before || c.TraceHash() != hash || len(c.nodes) != 3 {
			t.Errorf("%+v changed the cluster", tc.cmd)
		}
	}

	// A second change while one is pending: etcd's reason, and nothing
	// changes (no node created, nothing logged).
	do(t, c, wire.Command{Kind: wire.CmdAddLearner})
	err := c.Apply(wire.Command{Kind: wire.CmdAddNode})
	if !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "possible unapplied conf change at index") {
		t.Fatalf("a second change while one is pending: %v, want etcd's refusal", err)
	}
	if len(c.nodes) != 4 {
		t.Fatalf("%d nodes after a refused add; want 4", len(c.nodes))
	}
	run(t, c, 2000)
	// Now it is no longer pending; promoting works, removing the last
	// voters one at a time stops at etcd's rule.
	do(t, c, wire.Command{Kind: wire.CmdPromote, Node: 4})
	if err := c.Apply(wire.Command{Kind: wire.CmdPromote, Node: 4}); !errors.Is(err, wire.ErrImpossible) {
		t.Fatalf("promote n4 twice at once: %v, want a refusal", err)
	}
}

// TestRemovingTheLastVoterIsRefused: etcd's changer will not remove the
// only voter; the refusal comes before anything is proposed.
func TestRemovingTheLastVoterIsRefused(t *testing.T) {
	c := newScenario(t, 1, nil)
	waitLeader(t, c, allIDs(c), 5000)
	err := c.Apply(wire.Command{Kind: wire.CmdRemoveNode, Node: 1})
	if !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "removed all voters") {
		t.Fatalf("remove the only voter: %v, want etcd's refusal", err)
	}
}

// TestNodeIDsAreNeverReused: a session hands out at most MaxNodes ids.
func TestNodeIDsAreNeverReused(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitLeader(t, c, allIDs(c), 5000)
	for id := 4; id <= wire.MaxNodes; id++ {
		do(t, c, wire.Command{Kind: wire.CmdAddLearner})
		run(t, c, 2000)
	}
	if len(c.nodes) != wire.MaxNodes {
		t.Fatalf("%d nodes; want %d", len(c.nodes), wire.MaxNodes)
	}
	err := c.Apply(wire.Command{Kind: wire.CmdAddLearner})
	if !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "never reused") {
		t.Fatalf("a tenth node: %v, want a refusal", err)
	}
}

// TestMembershipSessionReplays: a session with membership changes,
// exported and imported, replays to the same trace.
func TestMembershipSessionReplays(t *testing.T) {
	c := newScenario(t, 3, func(cfg *wire.Config) { cfg.Clients.Count = 2; cfg.Clients.RatePerSec = 20 })
	leader := waitLeader(t, c, allIDs(c), 5000)
	do(t, c, wire.Command{Kind: wire.CmdAddNode})
	run(t, c, 2000)
	do(t, c, wire.Command{Kind: wire.CmdChange, Transition: wire.TransitionExplicit,
		Changes: []wire.MemberChange{{Op: wire.OpAddLearner}, {Op: wire.OpRemove, Node: leader}}})
	run(t, c, 2000)
	do(t, c, wire.Command{Kind: wire.CmdLeaveJoint})
	run(t, c, 5000)
	if !c.View(1).Nodes[leader-1].Left {
		t.Fatalf("%s not removed after leave-joint", leader)
	}
	// A node that restarts replays its log from index 1, configurations
	// that grow one voter at a time first: none of that removes anyone.
	other := without(ids(1, 2, 3), leader)[0]
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: other}, wire.Command{Kind: wire.CmdRestart, Node: other})
	run(t, c, 2000)
	for _, n := range c.View(1).Nodes {
		if n.Left != (n.ID == leader) || !n.Up {
			t.Fatalf("after restarting %s: %s up %v left %v; only %s is removed", other, n.ID, n.Up, n.Left, leader)
		}
	}
	r, err := Import(c.Export())
	if err != nil {
		t.Fatal(err)
	}
	if r.TraceHash() != c.TraceHash() || r.EventCount() != c.EventCount() {
		t.Fatalf("replay: hash %x, %d events; the run: %x, %d events", r.TraceHash(), r.EventCount(), c.TraceHash(), c.EventCount())
	}
}
