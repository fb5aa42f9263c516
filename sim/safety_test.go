package sim

import (
	"fmt"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
)

// freshCluster is an unstarted-looking cluster for feeding the checker
// synthetic updates.
func freshCluster(t *testing.T, nodes int) *Cluster {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nodes = nodes
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ent(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryNormal.Enum(), Data: []byte(data)}
}

func wantViolation(t *testing.T, c *Cluster, property string) {
	t.Helper()
	v := c.Halted()
	if v == nil {
		t.Fatalf("no violation; want %s", property)
	}
	if v.Property != property || v.Text == "" || len(v.Nodes) == 0 {
		t.Fatalf("violation %+v; want %s naming nodes", v, property)
	}
	found := false
	for _, e := range c.Events(0) {
		if e.Kind == EvViolation && strings.Contains(e.Text, property) {
			found = true
		}
	}
	if !found {
		t.Fatal("no violation event in the trace")
	}
	if _, err := c.Step(); err == nil {
		t.Fatal("the run went on after a violation")
	}
}

func TestCheckerCatchesTwoLeadersInATerm(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n2 := c.nodes[0], c.nodes[1]
	n1.term, n2.term = 7, 7
	c.safety.observe(c, n1, &core.Update{RoleChanged: true, Role: core.RoleLeader, Leader: 1})
	if c.Halted() != nil {
		t.Fatalf("one leader flagged: %+v", c.Halted())
	}
	c.safety.observe(c, n2, &core.Update{RoleChanged: true, Role: core.RoleLeader, Leader: 2})
	wantViolation(t, c, PropElectionSafety)
}

func TestCheckerCatchesLeaderOverwritingItsLog(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	n.term, n.role = 3, core.RoleLeader
	c.safety.observe(c, n, &core.Update{RoleChanged: true, Role: core.RoleLeader, Leader: 1})
	c.safety.observe(c, n, &core.Update{Entries: []*pb.Entry{ent(6, 3, "a"), ent(7, 3, "b")}})
	if c.Halted() != nil {
		t.Fatalf("appending flagged: %+v", c.Halted())
	}
	c.safety.observe(c, n, &core.Update{Entries: []*pb.Entry{ent(7, 3, "c")}})
	wantViolation(t, c, PropLeaderAppendOnly)
}

func TestCheckerCatchesLogMismatch(t *testing.T) {
	c := freshCluster(t, 3)
	c.safety.observe(c, c.nodes[0], &core.Update{Entries: []*pb.Entry{ent(9, 4, "x")}})
	c.safety.observe(c, c.nodes[1], &core.Update{Entries: []*pb.Entry{ent(9, 4, "x")}})
	if c.Halted() != nil {
		t.Fatalf("matching entries flagged: %+v", c.Halted())
	}
	c.safety.observe(c, c.nodes[2], &core.Update{Entries: []*pb.Entry{ent(9, 4, "y")}})
	wantViolation(t, c, PropLogMatching)
}

func TestCheckerCatchesCommitGoingBack(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	c.safety.observe(c, n, &core.Update{HardState: &pb.HardState{Term: new(uint64(2)), Commit: new(uint64(3))}})
	c.safety.observe(c, n, &core.Update{HardState: &pb.HardState{Term: new(uint64(2)), Commit: new(uint64(2))}})
	wantViolation(t, c, PropMonotonic)
}

func TestCheckerCatchesDifferentEntriesApplied(t *testing.T) {
	c := freshCluster(t, 3)
	c.safety.observe(c, c.nodes[0], &core.Update{Committed: []*pb.Entry{ent(4, 2, "p")}})
	c.safety.observe(c, c.nodes[1], &core.Update{Committed: []*pb.Entry{ent(4, 2, "q")}})
	wantViolation(t, c, PropStateMachineSafety)
}

func TestCheckerCatchesLeaderWithoutCommittedEntry(t *testing.T) {
	c := freshCluster(t, 3)
	// Node 1's storage holds entries 6..8 of term 2 (after the bootstrap
	// entries 1..3), committed up to 8.
	n1, n3 := c.nodes[0], c.nodes[2]
	if err := n1.store.Append([]*pb.Entry{ent(4, 1, ""), ent(5, 1, ""), ent(6, 2, "a"), ent(7, 2, "b"), ent(8, 2, "c")}); err != nil {
		t.Fatal(err)
	}
	c.safety.observe(c, n1, &core.Update{HardState: &pb.HardState{Term: new(uint64(2)), Commit: new(uint64(8))}})
	if c.Halted() != nil {
		t.Fatalf("commit flagged: %+v", c.Halted())
	}
	// Node 3 holds only up to 5 and takes office in term 3.
	if err := n3.store.Append([]*pb.Entry{ent(4, 1, ""), ent(5, 1, "")}); err != nil {
		t.Fatal(err)
	}
	n3.term = 3
	c.safety.observe(c, n3, &core.Update{RoleChanged: true, Role: core.RoleLeader, Leader: 3})
	wantViolation(t, c, PropLeaderCompleteness)
}

// Ways rebuilt damages a hard state.
const (
	keepHardState = iota
	forgetHardState
	forgetVote // term and vote forgotten, commit kept
)

// rebuilt copies a node's storage, damaging it on the way: its hard state
// (see the constants above), and its last dropTail entries (acknowledged but
// never persisted; the commit index it saved is lowered to what is left, as
// it would have been lost with them).
func rebuilt(t *testing.T, old *storage.MemStorage, hardState int, dropTail uint64) *storage.MemStorage {
	t.Helper()
	snap, err := old.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	ns := storage.NewMemStorage()
	if err := ns.ApplySnapshot(snap); err != nil {
		t.Fatal(err)
	}
	first, _ := old.FirstIndex()
	last, _ := old.LastIndex()
	if last >= dropTail && last-dropTail >= first {
		ents, err := old.Entries(first, last-dropTail+1, ^uint64(0))
		if err != nil {
			t.Fatal(err)
		}
		if err := ns.Append(ents); err != nil {
			t.Fatal(err)
		}
	}
	hs, _, _ := old.InitialState()
	newLast, _ := ns.LastIndex()
	commit := min(hs.GetCommit(), newLast)
	switch hardState {
	case keepHardState:
		if err := ns.SetHardState(&pb.HardState{Term: new(hs.GetTerm()), Vote: new(hs.GetVote()), Commit: new(commit)}); err != nil {
			t.Fatal(err)
		}
	case forgetVote:
		if err := ns.SetHardState(&pb.HardState{Term: new(uint64(0)), Vote: new(uint64(0)), Commit: new(commit)}); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// leaderAndFollowers returns the leader and the other nodes of a settled
// cluster.
func leaderAndFollowers(t *testing.T, c *Cluster) (*simNode, []*simNode) {
	t.Helper()
	l := c.leader()
	if l == nil {
		t.Fatal("no leader")
	}
	var fs []*simNode
	for _, n := range c.nodes {
		if n != l {
			fs = append(fs, n)
		}
	}
	return l, fs
}

func apply(t *testing.T, c *Cluster, cmds ...Command) {
	t.Helper()
	for _, cmd := range cmds {
		if err := c.Apply(cmd); err != nil {
			t.Fatalf("%+v: %v", cmd, err)
		}
	}
}

func TestCheckerCatchesNodeAckingBeforePersisting(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Nodes = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	l, fs := leaderAndFollowers(t, c)
	f1, f2 := fs[0], fs[1]
	// f1 loses, on crash, the entries it acknowledged since 3 s.
	var lastAt3s uint64
	lastAt3s, _ = f1.store.LastIndex()
	c.hooks.crashed = func(c *Cluster, n *simNode) {
		if n == f1 {
			last, _ := n.store.LastIndex()
			n.store = rebuilt(t, n.store, keepHardState, last-lastAt3s)
		}
	}
	// f2 is cut off; the leader commits a write with f1's acknowledgement.
	apply(t, c, Command{Kind: CmdIsolate, Node: f2.id}, Command{Kind: CmdSet, Key: "k", Value: "committed"})
	if err := c.RunFor(500); err != nil {
		t.Fatal(err)
	}
	if h := c.history[len(c.history)-1]; h.Output != "OK" {
		t.Fatalf("the write did not commit: %+v", h)
	}
	// The leader and f1 crash; f1 comes back without the entry and, with f2,
	// elects a leader that lacks a committed entry.
	apply(t, c, Command{Kind: CmdCrash, Node: l.id}, Command{Kind: CmdCrash, Node: f1.id},
		Command{Kind: CmdHeal}, Command{Kind: CmdRestart, Node: f1.id})
	err = c.RunFor(10_000)
	if err == nil {
		t.Fatal("no violation within 10 s")
	}
	// f1 comes back claiming a commit index past the end of its log, which
	// is caught at once; were it not, the election would break Leader
	// Completeness (TestCheckerCatchesLeaderWithoutCommittedEntry).
	wantViolation(t, c, PropIndexOrder)
	if !strings.Contains(c.Halted().Text, f1.id.String()) {
		t.Fatalf("violation %q does not name %s", c.Halted().Text, f1.id)
	}
}

func TestCheckerCatchesNodeForgettingItsHardState(t *testing.T) {
	// Manual delivery, no pre-vote: n1 wins n2's vote in term 2; n2 crashes
	// and forgets its hard state; n3 campaigns in term 2 too and asks n2.
	// Forgetting everything is caught as soon as n2 saves a lower commit
	// index; forgetting only term and vote lets n2 vote twice: two leaders
	// in term 2.
	for _, tc := range []struct {
		name  string
		fault int
		want  string
	}{{"everything", forgetHardState, PropMonotonic}, {"vote only", forgetVote, PropElectionSafety}} {
		t.Run(tc.name, func(t *testing.T) { forgottenVoteScenario(t, tc.fault, tc.want) })
	}
}

func forgottenVoteScenario(t *testing.T, fault int, want string) {
	cfg := DefaultConfig()
	cfg.Nodes, cfg.Manual = 3, true
	cfg.Raft.PreVote, cfg.Raft.CheckQuorum = false, false
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.hooks.crashed = func(c *Cluster, n *simNode) { n.store = rebuilt(t, n.store, fault, 0) }
	deliver := func(from, to core.NodeID, typ string) {
		t.Helper()
		for _, m := range c.View(0).Messages {
			if m.From == from && m.To == to && m.Type == typ {
				apply(t, c, Command{Kind: CmdDeliver, Msg: m.ID})
				return
			}
		}
		t.Fatalf("no %s %s->%s in flight: %+v", typ, from, to, c.View(0).Messages)
	}
	apply(t, c, Command{Kind: CmdCampaign, Node: 1})
	deliver(1, 2, "MsgVote")
	deliver(2, 1, "MsgVoteResp")
	if c.nodes[0].role != core.RoleLeader {
		t.Fatalf("n1 is %s, want leader", c.nodes[0].role)
	}
	apply(t, c, Command{Kind: CmdCrash, Node: 2}, Command{Kind: CmdRestart, Node: 2}, Command{Kind: CmdCampaign, Node: 3})
	deliver(3, 2, "MsgVote")
	if c.Halted() == nil {
		deliver(2, 3, "MsgVoteResp")
	}
	wantViolation(t, c, want)
	if v := c.Halted(); want == PropElectionSafety && (v.Term != 2 || len(v.Nodes) != 2) {
		t.Fatalf("violation %+v, want term 2 and both leaders", v)
	}
}

// freshRun is a settled cluster of the given size with clients writing.
func freshRun(t *testing.T, nodes, clients int) *Cluster {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nodes = nodes
	cfg.Clients.Count = clients
	cfg.Clients.RatePerSec = 10
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheckerCatchesStateMachineSkippingAnEntry(t *testing.T) {
	c := freshRun(t, 5, 3)
	victim := c.nodes[1]
	done := false
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if n != victim || done || len(u.Applied) == 0 {
			return
		}
		for _, r := range u.Applied {
			if r.Op != nil && r.Op.Kind == statemachine.OpSet {
				// Rebuild the state machine as if this set had been skipped.
				skipped := statemachine.New()
				sm := n.rn.StateMachine()
				var idx uint64
				for _, kv := range sm.Pairs() {
					if kv.Key == r.Op.Key {
						continue
					}
					idx++
					op := statemachine.Set(kv.Key, kv.Value)
					if _, _, err := skipped.Apply(ent(idx, 1, string(op.Encode()))); err != nil {
						t.Fatal(err)
					}
				}
				for idx < sm.AppliedIndex() {
					idx++
					if _, _, err := skipped.Apply(ent(idx, 1, "")); err != nil {
						t.Fatal(err)
					}
				}
				if err := sm.Restore(skipped.Snapshot()); err != nil {
					t.Fatal(err)
				}
				done = true
				return
			}
		}
	}
	err := c.RunFor(10_000)
	if err == nil || !done {
		t.Fatalf("no violation (fault planted: %v)", done)
	}
	wantViolation(t, c, PropStateMachineSafety)
	if !strings.Contains(c.Halted().Text, "states differ") {
		t.Fatalf("text %q", c.Halted().Text)
	}
}

func TestHealthyRunsHaveNoViolation(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := scriptedRun(t, seed)
			if v := c.Halted(); v != nil {
				t.Fatalf("violation in a healthy run: %+v", v)
			}
		})
	}
}
