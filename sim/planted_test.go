package sim

// The planted faults of the configuration (wire.Config.Faults), each
// planted through the constructor and driven by commands, caught by the
// property the table (wire.FaultRules) names at the moment it should be,
// and the same scenario clean without the fault.

import (
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// plantedCluster is manualCluster with faults planted through the
// configuration.
func plantedCluster(t *testing.T, faults ...wire.FaultKind) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Manual = 3, true
	cfg.Raft.PreVote, cfg.Raft.CheckQuorum = false, false
	cfg.Faults = faults
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// faultsIf returns f alone if planted, no fault otherwise.
func faultsIf(planted bool, f wire.FaultKind) []wire.FaultKind {
	if !planted {
		return nil
	}
	return []wire.FaultKind{f}
}

func TestPlantedAckBeforePersistBreaksLeaderCompleteness(t *testing.T) {
	// n1 commits the write at 5 with n2's acknowledgement; n2 crashes
	// before it learns that 5 is committed and, the fault planted, loses
	// it. With n1 down, n3 elects n2, whose log lacks the committed write.
	for _, planted := range []bool{true, false} {
		c := plantedCluster(t, faultsIf(planted, wire.FaultAckBeforePersist)...)
		electN1(t, c)
		commitWriteWithN2(t, c)
		apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdCrash, Node: 1}, wire.Command{Kind: wire.CmdRestart, Node: 2})
		noViolation(t, c, "the restart")
		if l2, _ := c.nodes[1].store.LastIndex(); planted && l2 != 4 || !planted && l2 != 5 {
			t.Fatalf("planted %v: n2's log ends at %d after its crash", planted, l2)
		}
		apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 2})
		deliver(t, c, 2, 3, "MsgVote")
		deliver(t, c, 3, 2, "MsgVoteResp")
		if !planted {
			noViolation(t, c, "the election without the fault")
			continue
		}
		v := wantViolation(t, c, wire.PropLeaderCompleteness)
		if v.Index != 5 || v.Term != 3 || !slices.Equal(v.Nodes, []core.NodeID{1, 2}) {
			t.Fatalf("violation %+v; want n2 lacking entry 5 committed by n1, in term 3", v)
		}
	}
}

func TestPlantedAckBeforePersistOfKnownCommitBreaksMonotonic(t *testing.T) {
	// As above, but n2 learns that 5 is committed before it crashes: the
	// commit index it saved goes back with the entry lost, caught as it
	// restarts.
	for _, planted := range []bool{true, false} {
		c := plantedCluster(t, faultsIf(planted, wire.FaultAckBeforePersist)...)
		electN1(t, c)
		commitWriteWithN2(t, c)
		deliver(t, c, 1, 2, "MsgApp") // commit 5
		if n2 := c.nodes[1]; n2.Commit != 5 {
			t.Fatalf("n2 committed %d, want 5", n2.Commit)
		}
		apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdRestart, Node: 2})
		if !planted {
			noViolation(t, c, "the restart without the fault")
			continue
		}
		v := wantViolation(t, c, wire.PropMonotonic)
		if v.Index != 4 || !slices.Equal(v.Nodes, []core.NodeID{2}) || !strings.Contains(v.Text, "n2 restarted with commit index 4, but it had saved 5") {
			t.Fatalf("violation %+v; want n2's commit index going back from 5 to 4", v)
		}
	}
}

func TestPlantedAckBeforePersistStopsANodeEtcdRaftCatches(t *testing.T) {
	// n2 loses the write at 5 that n1 committed with its acknowledgement,
	// and restarts with n1 still leading: n1's next heartbeat commits 5,
	// past the end of n2's log, and etcd Raft panics ("Was the raft log
	// corrupted, truncated, or lost?"). The simulator stops n2 with that
	// error, as an etcd server would exit; the run goes on.
	c := plantedCluster(t, wire.FaultAckBeforePersist)
	electN1(t, c)
	commitWriteWithN2(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2}, wire.Command{Kind: wire.CmdRestart, Node: 2},
		wire.Command{Kind: wire.CmdManual, On: false})
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	noViolation(t, c, "the heartbeat")
	n2 := c.View(0).Nodes[1]
	if n2.Up || !strings.Contains(n2.Error, "etcd Raft panicked: tocommit(5) is out of range [lastIndex(4)]") {
		t.Fatalf("n2: up %v, error %q; want stopped by etcd Raft's panic", n2.Up, n2.Error)
	}
}

func TestPlantedSkipEntryBreaksStateMachineSafety(t *testing.T) {
	// n2 skips the first write it applies: once its followers apply the
	// write too, n2's state differs from theirs at the same index. Without
	// the fault, or without a node 2, the run is clean.
	for _, tc := range []struct {
		nodes   int
		planted bool
	}{{3, true}, {3, false}, {1, true}} {
		cfg := wire.DefaultConfig()
		cfg.Nodes = tc.nodes
		cfg.Faults = faultsIf(tc.planted, wire.FaultSkipEntry)
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunUntil(2000); err != nil {
			t.Fatal(err)
		}
		apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
		err = c.RunFor(2000)
		if tc.nodes == 1 || !tc.planted {
			if err != nil || c.Halted() != nil {
				t.Fatalf("%d nodes, planted %v: %v", tc.nodes, tc.planted, err)
			}
			continue
		}
		v := wantViolation(t, c, wire.PropStateMachineSafety)
		if !strings.Contains(v.Text, "states differ") || !slices.Contains(v.Nodes, 2) {
			t.Fatalf("violation %+v; want n2's state differing", v)
		}
		if got, ok := c.nodes[1].rn.StateMachine().Get("k"); ok {
			t.Fatalf("n2 holds k=%q; the write should have been skipped", got)
		}
	}
}

// staleLeader leaves n1 leading term 2 in its own eyes, unheard, after n2
// took over in term 3 and committed k=new (acknowledged to the console) with
// n3, a millisecond ago; n1 applied k=old at 5 only.
func staleLeader(t *testing.T, c *Cluster) {
	t.Helper()
	electN1(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "old", Node: 1})
	settle(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: 2})
	settleWithout(t, c, 1)
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "new", Node: 2})
	settleWithout(t, c, 1)
	if n1, n2 := c.nodes[0], c.nodes[1]; n1.Role != core.RoleLeader || n1.Term != 2 || n2.Role != core.RoleLeader || n2.Term != 3 {
		t.Fatalf("n1 is %s of term %d, n2 %s of term %d; want both leaders", n1.Role, n1.Term, n2.Role, n2.Term)
	}
	if h := c.history[len(c.history)-1]; !h.acked() || h.Index != 7 {
		t.Fatalf("set k=new: %+v; want acknowledged at index 7", h)
	}
	// A millisecond passes: what comes next is sent after k=new returned.
	if err := c.RunFor(1); err != nil {
		t.Fatal(err)
	}
}

// settleWithout is settle with every message to or from node id lost.
func settleWithout(t *testing.T, c *Cluster, id core.NodeID) {
	t.Helper()
	for range 1000 {
		ms := c.View(0).Messages
		if len(ms) == 0 || c.Halted() != nil {
			return
		}
		kind := wire.CmdDeliver
		if ms[0].From == id || ms[0].To == id {
			kind = wire.CmdDrop
		}
		apply(t, c, wire.Command{Kind: kind, Msg: ms[0].ID})
	}
	t.Fatal("messages still in flight after 1000 deliveries")
}

func TestPlantedLocalReadIsCaughtAsStale(t *testing.T) {
	// n1, cut off, still believes it leads: asked for k, it answers from
	// its own store, missing k=new acknowledged before the read was sent.
	// Without the fault n1 asks for a read index, which a quorum never
	// grants: no answer, no violation.
	for _, planted := range []bool{true, false} {
		c := plantedCluster(t, faultsIf(planted, wire.FaultLocalRead)...)
		staleLeader(t, c)
		noViolation(t, c, "the writes")
		apply(t, c, wire.Command{Kind: wire.CmdGet, Key: "k", Node: 1})
		if !planted {
			noViolation(t, c, "the read without the fault")
			if h := c.history[len(c.history)-1]; h.Return >= 0 {
				t.Fatalf("the read returned without the fault: %+v", h)
			}
			continue
		}
		v := wantViolation(t, c, wire.PropLinearizable)
		want := `n1 answered get k → "old" from its own store at applied index 5, but set k=new #2 was acknowledged at index 7 before the read was sent: a stale read`
		if v.Text != want || v.Index != 7 || !slices.Equal(v.Nodes, []core.NodeID{1}) {
			t.Fatalf("violation %+v; want %q at index 7", v, want)
		}
		if r := CheckLogOrder(c.history); r.OK {
			t.Fatalf("the log-order check accepts the history the stale read halted: %s", r.Text)
		}
	}
}

func TestPlantedLocalReadAcceptsAReadAPendingWriteExplains(t *testing.T) {
	// As above, but k=old is written again, at n1, before the read: the
	// write waits in n1's log and may still take effect after k=new (its
	// client does not know), so the read of "old" is linearizable. A
	// check that ignored writes still pending would flag it.
	c := plantedCluster(t, wire.FaultLocalRead)
	staleLeader(t, c)
	apply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "old", Node: 1})
	apply(t, c, wire.Command{Kind: wire.CmdGet, Key: "k", Node: 1})
	noViolation(t, c, "a read a pending write explains")
	h := c.History()
	if g := h[len(h)-1]; g.Output != "old" || !g.acked() || g.Index != 5 {
		t.Fatalf("the read: %+v; want old from index 5", g)
	}
	if r := CheckHistory(h); !r.OK {
		t.Fatalf("Porcupine finds the history not linearizable: %s", r.Text)
	}
	// Once the pending write certainly failed, the same read is stale.
	h[len(h)-2].Failed = true
	c.history = h
	c.checkLocalRead(c.nodes[0], len(h)-1)
	wantViolation(t, c, wire.PropLinearizable)
}

func TestCheckLocalReadIsSound(t *testing.T) {
	// Histories of key k around a read that n1 answers from its store at
	// applied index 4 at 100 ms; w is the index of the write acknowledged
	// before it. Each history the check accepts, Porcupine (which knows
	// nothing of the log) or the exact log-order check must explain; each
	// it flags, the log-order check must refuse.
	set := func(v string, index uint64, call, ret int64) HistoryOp {
		return HistoryOp{Kind: wire.OpSet, Key: "k", Value: v, Output: "OK", Index: index, Call: call, Return: ret}
	}
	del := func(index uint64, call, ret int64) HistoryOp {
		return HistoryOp{Kind: wire.OpDel, Key: "k", Output: "1", Index: index, Call: call, Return: ret}
	}
	read := func(v string, found bool) HistoryOp {
		return HistoryOp{Kind: wire.OpGet, Key: "k", Output: v, Found: found, Index: 4, Call: 100, Return: 100}
	}
	pending := func(op HistoryOp) HistoryOp { op.Output, op.Return = "", -1; return op }
	failed := func(op HistoryOp) HistoryOp { op.Output, op.Return, op.Failed = "", -1, true; return op }
	unknown := func(op HistoryOp) HistoryOp { op.Output, op.Return, op.Unknown = "", -1, true; return op }
	for _, tc := range []struct {
		name  string
		h     []HistoryOp
		stale bool
	}{
		{"a write acknowledged at 5, missed", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 30), read("1", true)}, true},
		{"the key deleted at 5, missed", []HistoryOp{set("1", 3, 0, 10), del(5, 20, 30), read("1", true)}, true},
		{"the key set at 5, read as missing", []HistoryOp{set("1", 5, 0, 10), read("", false)}, true},
		{"a write at 5 acknowledged as the read is sent", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 100), read("1", true)}, false},
		{"a write at 5 acknowledged after the read was sent", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 150), read("1", true)}, false},
		{"the node applied the write", []HistoryOp{set("1", 3, 0, 10), set("2", 4, 20, 30), read("2", true)}, false},
		{"the write at 5 gives the value read", []HistoryOp{set("1", 2, 0, 10), set("1", 5, 20, 30), read("1", true)}, false},
		{"a later write gives the value read", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 30), unknown(set("1", 6, 40, 50)), read("1", true)}, false},
		{"a pending write gives the value read", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 30), pending(set("1", 0, 40, 0)), read("1", true)}, false},
		{"a pending del explains a missing key", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 30), pending(del(0, 40, 0)), read("", false)}, false},
		{"a failed write gives the value read", []HistoryOp{set("1", 3, 0, 10), set("2", 5, 20, 30), failed(set("1", 0, 40, 0)), read("1", true)}, true},
		{"an earlier write gives the value read", []HistoryOp{set("2", 5, 0, 10), set("1", 3, 20, 30), read("1", true)}, true},
		{"only a write of another key", []HistoryOp{set("1", 3, 0, 10), {Kind: wire.OpSet, Key: "j", Value: "2", Output: "OK", Index: 5, Return: 30}, read("1", true)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := plantedCluster(t, wire.FaultLocalRead)
			for i := range tc.h {
				tc.h[i].ID = uint64(i + 1)
			}
			c.history = tc.h
			c.checkLocalRead(c.nodes[0], len(tc.h)-1)
			if got := c.Halted() != nil; got != tc.stale {
				t.Fatalf("flagged %v (%+v), want %v", got, c.Halted(), tc.stale)
			}
			lo, por := CheckLogOrder(tc.h), CheckHistory(tc.h)
			if tc.stale && lo.OK {
				t.Fatalf("flagged, but the log-order check accepts it: %s", lo.Text)
			}
			if !tc.stale && !lo.OK && !por.OK {
				t.Fatalf("accepted, but neither checker explains it: %s; %s", lo.Text, por.Text)
			}
		})
	}
}

// TestPlantedLocalReadSoundUnderChaos: under chaos, every read the online
// check flags is one the exact log-order check refuses too, on the history
// at the halt.
func TestPlantedLocalReadSoundUnderChaos(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	halted := 0
	for seed := uint64(1); seed <= 40; seed++ {
		c, _ := chaosRunOpts(seed, 30_000, chaosOpts{faults: []wire.FaultKind{wire.FaultLocalRead}})
		if c == nil {
			t.Fatalf("seed %d: no cluster", seed)
		}
		v := c.Halted()
		if v == nil {
			continue
		}
		if v.Property != wire.PropLinearizable {
			t.Fatalf("seed %d halted by %s: %s", seed, v.Property, v.Text)
		}
		halted++
		if r := CheckLogOrder(c.History()); r.OK {
			t.Fatalf("seed %d: %s, but the log-order check accepts the history: %s", seed, v.Text, r.Text)
		}
	}
	if halted == 0 {
		t.Fatal("no seed of 40 flagged a stale read")
	}
	t.Logf("%d seeds of 40 flagged a stale read", halted)
}

func TestLoseLastEntry(t *testing.T) {
	// A log of entries 1 to 9 (terms 1) with hard state commit, cut back
	// by a snapshot at snap keeping entries from first on (0 for none).
	build := func(t *testing.T, snap, first, commit uint64) *storage.MemStorage {
		t.Helper()
		st := storage.NewMemStorage()
		for i := uint64(1); i <= 9; i++ {
			if err := st.Append([]*pb.Entry{ent(i, 1, "")}); err != nil {
				t.Fatal(err)
			}
		}
		if snap > 0 {
			sm := statemachine.New()
			for i := uint64(1); i <= snap; i++ {
				if _, _, err := sm.Apply(ent(i, 1, "")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.CreateSnapshot(snap, &pb.ConfState{Voters: []uint64{1}}, sm.Snapshot()); err != nil {
				t.Fatal(err)
			}
			if err := st.Compact(first - 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetHardState(hardState(1, 1, commit)); err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, tc := range []struct {
		name                         string
		snap, first, commit          uint64
		wfirst, wlast, wcommit, wsnp uint64
	}{
		{"no snapshot, commit below the end", 0, 0, 5, 1, 8, 5, 0},
		{"no snapshot, commit at the end", 0, 0, 9, 1, 8, 8, 0},
		{"entries kept before the snapshot", 7, 4, 9, 4, 8, 8, 7},
		{"the last entry above the snapshot", 8, 4, 9, 4, 8, 8, 8},
		{"the only entry above the snapshot", 8, 9, 9, 9, 8, 8, 8},
		{"no entry above the snapshot", 9, 5, 9, 5, 9, 9, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := loseLastEntry(build(t, tc.snap, tc.first, tc.commit))
			first, _ := st.FirstIndex()
			last, _ := st.LastIndex()
			hs, _, _ := st.InitialState()
			snap, _ := st.Snapshot()
			if first != tc.wfirst || last != tc.wlast || hs.GetCommit() != tc.wcommit || snap.GetMetadata().GetIndex() != tc.wsnp || hs.GetTerm() != 1 || hs.GetVote() != 1 {
				t.Fatalf("entries %d to %d, hard state %v, snapshot at %d; want entries %d to %d, commit %d, snapshot at %d",
					first, last, hs, snap.GetMetadata().GetIndex(), tc.wfirst, tc.wlast, tc.wcommit, tc.wsnp)
			}
			// etcd Raft restarts from what is left.
			if _, err := core.New(core.Config{Node: core.NodeConfig{ID: 1}, Raft: wire.DefaultConfig().Raft}, st); err != nil {
				t.Fatal(err)
			}
		})
	}
}
