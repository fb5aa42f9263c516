package core

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
)

func TestSingleNodeElectsItselfAndApplies(t *testing.T) {
	n, err := New(testConfig(1, []NodeID{1}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && !n.IsLeader(); i++ {
		n.Tick()
		if _, err := n.HandleReady(); err != nil {
			t.Fatal(err)
		}
	}
	if !n.IsLeader() {
		t.Fatal("single node did not become leader within 50 ticks")
	}
	if err := n.Propose(statemachine.Set("foo", "bar").Encode()); err != nil {
		t.Fatal(err)
	}
	for n.HasReady() {
		msgs, err := n.HandleReady()
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 0 {
			t.Fatalf("single node produced %d messages", len(msgs))
		}
	}
	if v, ok := n.StateMachine().Get("foo"); !ok || v != "bar" {
		t.Fatalf("Get(foo) = %q, %v; want bar, true", v, ok)
	}
	st := n.Status()
	if st.Role != RoleLeader || st.Leader != 1 || st.Term == 0 || st.Commit != st.Applied || st.Applied != st.LastIndex {
		t.Fatalf("status = %+v", st)
	}
}

func TestThreeNodesElectOneLeaderAndReplicate(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	c.propose(leader, statemachine.Set("foo", "bar"))
	for _, id := range c.ids {
		if got := c.kv(id); !slices.Equal(got, []string{"foo=bar"}) {
			t.Errorf("%s kv = %v, want [foo=bar]", id, got)
		}
	}
	// Every term saw at most one leader (checked in record); and the leader's
	// term is the only one with a leader so far.
	if len(c.leaders) != 1 {
		t.Errorf("leaders by term = %v, want exactly one election", c.leaders)
	}
	// The leader's progress view covers every member, all caught up.
	st := c.nodes[leader].Status()
	if len(st.Progress) != 3 {
		t.Fatalf("progress = %+v", st.Progress)
	}
	for _, p := range st.Progress {
		if p.Match != st.LastIndex || p.State != "replicate" {
			t.Errorf("progress of %s = %+v, want match %d replicate", p.ID, p, st.LastIndex)
		}
	}
}

func TestFollowerProposalNamesLeader(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	follower := c.ids[0]
	if follower == leader {
		follower = c.ids[1]
	}
	err := c.nodes[follower].Propose(statemachine.Set("a", "1").Encode())
	if !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower Propose err = %v, want ErrNotLeader", err)
	}
	var nl *NotLeaderError
	if !errors.As(err, &nl) || nl.Leader != leader {
		t.Fatalf("NotLeaderError = %+v, want leader %s", nl, leader)
	}
	if err := c.nodes[follower].ProposeConfChange(&pb.ConfChange{}); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower ProposeConfChange err = %v, want ErrNotLeader", err)
	}
	if err := c.nodes[follower].TransferLeadership(follower); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower TransferLeadership err = %v, want ErrNotLeader", err)
	}
}

func TestNoLeaderKnownBeforeElection(t *testing.T) {
	n, err := New(testConfig(1, []NodeID{1, 2, 3}), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Propose([]byte("x"))
	var nl *NotLeaderError
	if !errors.As(err, &nl) || nl.Leader != 0 {
		t.Fatalf("Propose before any election = %v, want NotLeaderError with no leader", err)
	}
	if err := n.ReadIndex([]byte("r")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("ReadIndex before any election = %v, want ErrNotLeader", err)
	}
}

func TestRestartedNodeCatchesUpWithoutDoubleApply(t *testing.T) {
	// Snapshots every 4 entries, but compaction keeps 50: the restarted node
	// restores its own snapshot and replays its own log after it, with no
	// snapshot from the leader.
	c := newTestCluster(t, 3, func(r *RaftConfig) {
		r.SnapshotIntervalEntries = 4
		r.SnapshotCatchupEntries = 50
	})
	leader := c.waitLeader()
	for i := 0; i < 10; i++ {
		c.propose(leader, statemachine.Set(fmt.Sprintf("k%d", i), "v"))
	}
	victim := c.ids[0]
	if victim == leader {
		victim = c.ids[1]
	}
	before := c.nodes[victim].StateMachine().AppliedIndex()
	c.crash(victim)
	for i := 10; i < 15; i++ {
		c.propose(leader, statemachine.Set(fmt.Sprintf("k%d", i), "v"))
	}
	c.start(victim)
	restarted := c.nodes[victim]
	if restarted.RestartApplied() == 0 {
		t.Fatal("restarted node has no snapshot: the test needs a snapshot to restart from")
	}
	if got := restarted.StateMachine().AppliedIndex(); got != uint64(restarted.RestartApplied()) {
		t.Fatalf("state machine restored to %d, RestartApplied %d", got, restarted.RestartApplied())
	}
	for i := 0; i < 20; i++ {
		c.tick()
	}
	for idx := range c.applies[victim] {
		if idx <= restarted.RestartApplied() {
			t.Errorf("restarted node re-applied index %d, already in its snapshot at %d", idx, restarted.RestartApplied())
		}
	}
	// It applied everything after its snapshot exactly once (record fails the
	// test on a second apply), and now matches the leader.
	lst := c.nodes[leader].Status()
	for idx := restarted.RestartApplied() + 1; idx <= lst.Applied; idx++ {
		if c.applies[victim][idx] != 1 {
			t.Errorf("index %d applied %d times after restart", idx, c.applies[victim][idx])
		}
	}
	if restarted.StateMachine().AppliedIndex() <= before {
		t.Errorf("restarted node applied %d, no progress past %d", restarted.StateMachine().AppliedIndex(), before)
	}
	if got, want := c.kv(victim), c.kv(leader); !slices.Equal(got, want) {
		t.Errorf("restarted kv = %v\nleader kv = %v", got, want)
	}
}

func TestRestartWithoutSnapshotReplaysLog(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	c.propose(leader, statemachine.Set("a", "1"))
	c.propose(leader, statemachine.Del("a"))
	c.propose(leader, statemachine.Set("b", "2"))
	c.crash(leader)
	c.start(leader)
	n := c.nodes[leader]
	if n.RestartApplied() != 0 {
		t.Fatalf("RestartApplied = %d, want 0 (no snapshot yet)", n.RestartApplied())
	}
	c.waitLeader()
	for i := 0; i < 5; i++ {
		c.tick()
	}
	if got := c.kv(leader); !slices.Equal(got, []string{"b=2"}) {
		t.Fatalf("kv after replay = %v, want [b=2]", got)
	}
}

func TestLaggingNodeCaughtUpBySnapshot(t *testing.T) {
	c := newTestCluster(t, 3, func(r *RaftConfig) {
		r.SnapshotIntervalEntries = 5
		r.SnapshotCatchupEntries = 2
	})
	leader := c.waitLeader()
	lagger := c.ids[2]
	if lagger == leader {
		lagger = c.ids[1]
	}
	lagLast := c.nodes[lagger].Status().LastIndex
	c.cut[lagger] = true
	for i := 0; i < 30; i++ {
		c.propose(leader, statemachine.Set(fmt.Sprintf("k%02d", i), fmt.Sprint(i)))
	}
	lst := c.nodes[leader].Status()
	if lst.FirstIndex <= lagLast+1 {
		t.Fatalf("leader log starts at %d; compaction past the lagger's last index %d is needed", lst.FirstIndex, lagLast)
	}
	c.cut[lagger] = false
	for i := 0; i < 20; i++ {
		c.tick()
	}
	installed := false
	for _, u := range c.updates[lagger] {
		if u.SnapshotInstalled != nil {
			installed = true
		}
	}
	if !installed || c.snapsSent == 0 {
		t.Fatalf("lagger caught up without a snapshot (installed %v, sent %d)", installed, c.snapsSent)
	}
	if got, want := c.kv(lagger), c.kv(leader); !slices.Equal(got, want) || len(got) != 30 {
		t.Fatalf("lagger kv = %v\nleader kv = %v", got, want)
	}
	if p := c.nodes[c.nodes[lagger].LeaderID()].Status(); p.Progress[lagger-1].State != "replicate" {
		t.Errorf("leader's progress for the lagger = %+v, want replicate", p.Progress[lagger-1])
	}
}

func TestMembershipChangeAddsAndRemovesNodes(t *testing.T) {
	for _, tc := range []struct{ v2, compacted bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
		t.Run(fmt.Sprintf("v2=%v/compacted=%v", tc.v2, tc.compacted), func(t *testing.T) {
			v2 := tc.v2
			c := newTestCluster(t, 3, func(r *RaftConfig) {
				if tc.compacted {
					r.SnapshotIntervalEntries, r.SnapshotCatchupEntries = 3, 1
				}
			})
			leader := c.waitLeader()
			for i := 0; i < 5; i++ {
				c.propose(leader, statemachine.Set(fmt.Sprintf("k%d", i), "v"))
			}
			// A new node joins empty, with bootstrap off.
			cfg := testConfig(4, c.ids)
			cfg.Cluster = ClusterConfig{}
			c.cfgs[4] = cfg
			c.stores[4] = storage.NewMemStorage()
			c.ids = append(c.ids, 4)
			c.start(4)
			var cc pb.ConfChangeI = &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: new(uint64(4))}
			if v2 {
				cc = cc.AsV2()
			}
			if err := c.nodes[leader].ProposeConfChange(cc); err != nil {
				t.Fatal(err)
			}
			c.process()
			for i := 0; i < 10; i++ {
				c.tick()
			}
			if got := c.nodes[leader].Status().Voters; !slices.Equal(got, []NodeID{1, 2, 3, 4}) {
				t.Fatalf("voters after add = %v", got)
			}
			if got, want := c.kv(4), c.kv(leader); !slices.Equal(got, want) {
				t.Fatalf("new node kv = %v, want %v", got, want)
			}
			// The new node knows the whole membership, whether it learnt it
			// from a snapshot or by replaying the log from index 1.
			if got := c.nodes[4].Status().Voters; !slices.Equal(got, []NodeID{1, 2, 3, 4}) {
				t.Fatalf("new node's voters = %v", got)
			}
			gotSnap := false
			for _, u := range c.updates[4] {
				gotSnap = gotSnap || u.SnapshotInstalled != nil
			}
			if gotSnap != tc.compacted {
				t.Fatalf("new node installed a snapshot: %v, want %v", gotSnap, tc.compacted)
			}
			// Remove a follower; the rest carry on.
			victim := NodeID(1)
			if victim == leader {
				victim = 2
			}
			rm := &pb.ConfChange{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: new(uint64(victim))}
			if err := c.nodes[leader].ProposeConfChange(rm); err != nil {
				t.Fatal(err)
			}
			c.process()
			for i := 0; i < 5; i++ {
				c.tick()
			}
			if got := c.nodes[leader].Status().Voters; slices.Contains(got, victim) || len(got) != 3 {
				t.Fatalf("voters after removing %s = %v", victim, got)
			}
			var applied []AppliedConfChange
			for _, u := range c.updates[leader] {
				applied = append(applied, u.ConfChanges...)
			}
			// Three bootstrap changes (adding n1..n3 at indexes 1..3), then two.
			if len(applied) != 5 || applied[0].Index != 1 || applied[2].Index != 3 {
				t.Fatalf("leader applied conf changes %+v, want 5 with the bootstrap ones at 1..3", applied)
			}
		})
	}
}

func TestCheckQuorumLeaderRefusesWithoutQuorum(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	c.cut[leader] = true
	et := c.cfgs[leader].Raft.ElectionTicks()
	sawNoQuorum := false
	for i := 0; i < 3*et && c.nodes[leader].IsLeader(); i++ {
		c.nodes[leader].Tick()
		c.process()
		if err := c.nodes[leader].Propose([]byte("x")); errors.Is(err, ErrNoQuorum) {
			sawNoQuorum = true
			break
		}
	}
	if !sawNoQuorum {
		t.Fatal("an isolated CheckQuorum leader never answered ErrNoQuorum")
	}
}

func TestTransferLeadership(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	to := c.ids[0]
	if to == leader {
		to = c.ids[1]
	}
	if err := c.nodes[leader].TransferLeadership(to); err != nil {
		t.Fatal(err)
	}
	c.process()
	if !c.nodes[to].IsLeader() {
		t.Fatalf("%s is not leader after transfer; leader is %s", to, c.agreedLeader())
	}
}

func TestReadIndexAnswersOnLeader(t *testing.T) {
	c := newTestCluster(t, 3, nil)
	leader := c.waitLeader()
	c.propose(leader, statemachine.Set("x", "1"))
	if err := c.nodes[leader].ReadIndex([]byte("req-1")); err != nil {
		t.Fatal(err)
	}
	c.process()
	var rs []raft.ReadState
	for _, u := range c.updates[leader] {
		rs = append(rs, u.ReadStates...)
	}
	if len(rs) != 1 || string(rs[0].RequestCtx) != "req-1" || rs[0].Index < uint64(c.nodes[leader].Status().Commit) {
		t.Fatalf("read states = %+v", rs)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := testConfig(0, []NodeID{1, 2, 3})
	if _, err := New(cfg, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("New with node id 0 = %v, want ErrConfig", err)
	}
}

func TestNewRejectsSnapshotWithMismatchedData(t *testing.T) {
	st := storage.NewMemStorage()
	sm := statemachine.New()
	if _, _, err := sm.Apply(&pb.Entry{Index: new(uint64(1)), Term: new(uint64(1)), Type: pb.EntryNormal.Enum()}); err != nil {
		t.Fatal(err)
	}
	snap := &pb.Snapshot{Data: sm.Snapshot(), Metadata: &pb.SnapshotMetadata{Index: new(uint64(5)), Term: new(uint64(1)), ConfState: &pb.ConfState{Voters: []uint64{1}}}}
	if err := st.ApplySnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if _, err := New(testConfig(1, []NodeID{1}), st); !errors.Is(err, ErrSerialization) {
		t.Fatalf("New over a snapshot whose data is at index 1 but metadata says 5 = %v, want ErrSerialization", err)
	}
}
