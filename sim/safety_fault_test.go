package sim

// Planted faults: each scenario breaks a node in a way real systems get
// wrong, through the test-only hooks, and shows which property catches it.
// The manual scenarios deliver messages one by one, so they do not depend on
// timing.

import (
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// Ways rebuilt damages a hard state.
const (
	keepHardState     = iota
	forgetHardState   // nothing saved: term, vote and commit 0
	forgetTermAndVote // term and vote 0, commit kept
	forgetVote        // vote 0, term and commit kept
)

// rebuilt copies a node's storage, damaging it on the way: its hard state
// (see the constants above); its last dropTail entries (acknowledged but
// never persisted; the commit index it saved is lowered to what is left, or
// etcd Raft would refuse to start); and each entry kept goes through
// corrupt, if not nil.
func rebuilt(t *testing.T, old *storage.MemStorage, fault int, dropTail uint64, corrupt func(*pb.Entry) *pb.Entry) *storage.MemStorage {
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
		if corrupt != nil {
			for i, e := range ents {
				ents[i] = corrupt(e)
			}
		}
		if err := ns.Append(ents); err != nil {
			t.Fatal(err)
		}
	}
	hs, _, _ := old.InitialState()
	newLast, _ := ns.LastIndex()
	term, vote, commit := hs.GetTerm(), hs.GetVote(), min(hs.GetCommit(), newLast)
	switch fault {
	case forgetHardState:
		return ns
	case forgetTermAndVote:
		term, vote = 0, 0
	case forgetVote:
		vote = 0
	}
	if err := ns.SetHardState(hardState(term, vote, commit)); err != nil {
		t.Fatal(err)
	}
	return ns
}

// manualCluster is a 3-node cluster that moves only by command: messages
// wait to be delivered, and no time passes. Pre-vote and check-quorum are
// off so that votes are plain.
func manualCluster(t *testing.T) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Manual = 3, true
	cfg.Raft.PreVote, cfg.Raft.CheckQuorum = false, false
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// deliver delivers the oldest message of type typ from -> to in flight.
func deliver(t *testing.T, c *Cluster, from, to core.NodeID, typ string) {
	t.Helper()
	for _, m := range c.View(0).Messages {
		if m.From == from && m.To == to && m.Type == typ {
			apply(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: m.ID})
			return
		}
	}
	t.Fatalf("no %s %s->%s in flight: %+v", typ, from, to, c.View(0).Messages)
}

// settle delivers every message in flight, oldest first, dropping those to
// crashed nodes, until none is left or the run halts.
func settle(t *testing.T, c *Cluster) {
	t.Helper()
	for range 1000 {
		ms := c.View(0).Messages
		if len(ms) == 0 || c.Halted() != nil {
			return
		}
		kind := wire.CmdDeliver
		if !c.nodes[ms[0].To-1].up() {
			kind = wire.CmdDrop
		}
		if err := c.Apply(wire.Command{Kind: kind, Msg: ms[0].ID}); err != nil && c.Halted() == nil {
			t.Fatal(err)
		}
	}
	t.Fatal("messages still in flight after 1000 deliveries")
}

// electN1 makes n1 leader of term 2 with n2's vote, n3 hearing nothing.
func electN1(t *testing.T, c *Cluster) {
	t.Helper()
	apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 1})
	deliver(t, c, 1, 2, "MsgVote")
	deliver(t, c, 2, 1, "MsgVoteResp")
	if n1 := c.nodes[0]; n1.Role != core.RoleLeader || n1.Term != 2 {
		t.Fatalf("n1 is %s in term %d; want leader in term 2", n1.Role, n1.Term)
	}
}

// commitWriteWithN2 has leader n1 (term 2) commit its no-op at 4 and a write
// k=v at 5 with n2's acknowledgements. n2 learns that 4 is committed, not 5.
func commitWriteWithN2(t *testing.T, c *Cluster) {
	t.Helper()
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v", Node: 1})
	deliver(t, c, 1, 2, "MsgApp")     // the no-op at 4
	deliver(t, c, 2, 1, "MsgAppResp") // n1 commits 4, sends 5
	deliver(t, c, 1, 2, "MsgApp")     // the write at 5, commit 4
	deliver(t, c, 2, 1, "MsgAppResp") // n1 commits 5
	n1, n2 := c.nodes[0], c.nodes[1]
	if n1.Commit != 5 || n2.Commit != 4 {
		t.Fatalf("n1 committed %d and n2 %d; want 5 and 4", n1.Commit, n2.Commit)
	}
	if l2, _ := n2.store.LastIndex(); l2 != 5 {
		t.Fatalf("n2's log ends at %d, want 5", l2)
	}
}

func TestFaultAckBeforePersistBreaksLeaderCompleteness(t *testing.T) {
	// n2 acknowledges the write at 5 before persisting it. n1 commits it
	// with that acknowledgement; n2 crashes before learning it is committed
	// and loses it. With n1 down, n2 and n3 elect n2, whose log lacks the
	// committed write.
	c := manualCluster(t)
	c.hooks.crashed = func(c *Cluster, n *simNode) {
		if n.id == 2 {
			n.store = rebuilt(t, n.store, keepHardState, 1, nil)
		}
	}
	electN1(t, c)
	commitWriteWithN2(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdCrash, Node: 1}, wire.Command{Kind: wire.CmdRestart, Node: 2})
	noViolation(t, c, "the restart")
	apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 2})
	deliver(t, c, 2, 3, "MsgVote")
	deliver(t, c, 3, 2, "MsgVoteResp")
	v := wantViolation(t, c, wire.PropLeaderCompleteness)
	if v.Index != 5 || v.Term != 3 || len(v.Nodes) != 2 || v.Nodes[0] != 1 || v.Nodes[1] != 2 {
		t.Fatalf("violation %+v; want n2 lacking entry 5 committed by n1, in term 3", v)
	}
}

func TestFaultAckBeforePersistOfKnownCommitIsCaughtOnRestart(t *testing.T) {
	// As above, but n2 has learnt that the entries it loses are committed:
	// its saved commit index goes back, caught when it restarts.
	c := freshRun(t, 3, 0)
	l, fs := leaderAndFollowers(t, c)
	f1, f2 := fs[0], fs[1]
	lastBefore, _ := f1.store.LastIndex()
	c.hooks.crashed = func(c *Cluster, n *simNode) {
		if n == f1 {
			last, _ := n.store.LastIndex()
			n.store = rebuilt(t, n.store, keepHardState, last-lastBefore, nil)
		}
	}
	// f2 is cut off; the leader commits a write with f1's acknowledgement.
	apply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: f2.id}, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "committed"})
	if err := c.RunFor(500); err != nil {
		t.Fatal(err)
	}
	if h := c.history[len(c.history)-1]; h.Output != "OK" {
		t.Fatalf("the write did not commit: %+v", h)
	}
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: l.id}, wire.Command{Kind: wire.CmdCrash, Node: f1.id},
		wire.Command{Kind: wire.CmdHeal}, wire.Command{Kind: wire.CmdRestart, Node: f1.id})
	v := wantViolation(t, c, wire.PropMonotonic)
	if v.Nodes[0] != f1.id || !strings.Contains(v.Text, "restarted with commit index") {
		t.Fatalf("violation %+v; want %s's commit index", v, f1.id)
	}
}

func TestFaultCorruptedEntryBreaksLogMatching(t *testing.T) {
	// n2's disk corrupts the write it acknowledged at 5. Elected after n1
	// crashes, n2 sends n3 the corrupted entry: n1 and n3 then hold
	// different entries at index 5 in term 2.
	c := manualCluster(t)
	c.hooks.crashed = func(c *Cluster, n *simNode) {
		if n.id != 2 {
			return
		}
		n.store = rebuilt(t, n.store, keepHardState, 0, func(e *pb.Entry) *pb.Entry {
			if e.GetIndex() == 5 {
				return ent(5, e.GetTerm(), setOp("k", "garbage"))
			}
			return e
		})
	}
	electN1(t, c)
	commitWriteWithN2(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdCrash, Node: 1}, wire.Command{Kind: wire.CmdRestart, Node: 2})
	apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 2})
	deliver(t, c, 2, 3, "MsgVote")
	deliver(t, c, 3, 2, "MsgVoteResp")
	noViolation(t, c, "the election")
	settle(t, c)
	v := wantViolation(t, c, wire.PropLogMatching)
	if v.Index != 5 || v.Term != 2 || len(v.Nodes) != 2 || v.Nodes[0] != 1 || v.Nodes[1] != 3 {
		t.Fatalf("violation %+v; want n1 and n3 at index 5 in term 2", v)
	}
}

func TestFaultForgottenHardState(t *testing.T) {
	// Manual delivery, no pre-vote: n1 wins n2's vote in term 2; n2 crashes
	// and loses (part of) its hard state; n3 campaigns in term 2 too and
	// asks n2. A lost term or commit index is caught as soon as n2
	// restarts; a lost vote alone lets n2 vote twice in term 2, caught when
	// it saves its second vote (before n3 becomes a second leader).
	for _, tc := range []struct {
		name  string
		fault int
		want  string
	}{
		{"everything", forgetHardState, wire.PropMonotonic},
		{"term and vote", forgetTermAndVote, wire.PropMonotonic},
		{"vote only", forgetVote, wire.PropOneVote},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := manualCluster(t)
			c.hooks.crashed = func(c *Cluster, n *simNode) { n.store = rebuilt(t, n.store, tc.fault, 0, nil) }
			electN1(t, c)
			apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdRestart, Node: 2})
			steps := []func(){
				func() { apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 3}) },
				func() { deliver(t, c, 3, 2, "MsgVote") },
				func() { deliver(t, c, 2, 3, "MsgVoteResp") },
			}
			for _, step := range steps {
				if c.Halted() == nil {
					step()
				}
			}
			v := wantViolation(t, c, tc.want)
			switch tc.want {
			case wire.PropOneVote:
				if v.Term != 2 || len(v.Nodes) != 1 || v.Nodes[0] != 2 || !strings.Contains(v.Text, "voted for n1 and then for n3") {
					t.Fatalf("violation %+v; want n2 voting twice in term 2", v)
				}
			case wire.PropMonotonic:
				if v.Nodes[0] != 2 || !strings.Contains(v.Text, "restarted") {
					t.Fatalf("violation %+v; want n2 on restart", v)
				}
			}
		})
	}
}

// freshRun is a settled cluster of the given size with clients writing.
func freshRun(t *testing.T, nodes, clients int) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
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

func TestFaultStateMachineSkippingAnEntry(t *testing.T) {
	// A follower's state machine drops one applied write (its data is
	// rebuilt without it, the applied index kept): its digest differs from
	// the others' at the next applied index they share.
	c := freshRun(t, 5, 3)
	victim := c.nodes[1]
	done := false
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if n != victim || done {
			return
		}
		for _, r := range u.Applied {
			if r.Op == nil || r.Op.Kind != statemachine.OpSet {
				continue
			}
			// Rebuild the state machine as if this set had been skipped.
			forgetKey(t, n.rn.StateMachine(), r.Op.Key)
			done = true
			return
		}
	}
	err := c.RunFor(10_000)
	if err == nil || !done {
		t.Fatalf("no violation (fault planted: %v)", done)
	}
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if !strings.Contains(v.Text, "states differ") || v.Nodes[len(v.Nodes)-1] != victim.id && v.Nodes[0] != victim.id {
		t.Fatalf("violation %+v; want %s's state", v, victim.id)
	}
}

// forgetKey rebuilds sm as if the writes of key had been skipped, keeping
// its applied index.
func forgetKey(t *testing.T, sm *statemachine.StateMachine, key string) {
	t.Helper()
	skipped := statemachine.New()
	var idx uint64
	for _, kv := range sm.Pairs() {
		if kv.Key == key {
			continue
		}
		idx++
		if _, _, err := skipped.Apply(ent(idx, 1, setOp(kv.Key, kv.Value))); err != nil {
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
}
