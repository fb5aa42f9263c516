package sim

// Unit tests of each safety check, fed synthetic Ready rounds. The planted
// faults in whole runs are in safety_fault_test.go, healthy runs and memory
// bounds in safety_healthy_test.go.

import (
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// freshCluster is a cluster at time 0 for feeding the checkers synthetic
// rounds: every node has processed its first round (the bootstrap entries
// 1..nodes, committed and applied, in term 1) and nothing else.
func freshCluster(t *testing.T, nodes int) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Halted() != nil {
		t.Fatalf("a fresh cluster is halted: %+v", c.Halted())
	}
	return c
}

// ent is a normal entry.
func ent(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryNormal.Enum(), Data: []byte(data)}
}

// setOp is the data of an entry that sets key to value.
func setOp(key, value string) string { return string(statemachine.Set(key, value).Encode()) }

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

// appendRound stores entries in a node's storage, as HandleReady does, and
// shows the checkers the round.
func appendRound(t *testing.T, c *Cluster, n *simNode, ents ...*pb.Entry) {
	t.Helper()
	if err := n.store.Append(ents); err != nil {
		t.Fatal(err)
	}
	c.safety.observe(c, n, &core.Update{Entries: ents})
}

// commitRound saves a hard state committing up to commit, applies the
// entries up to it to the node's state machine (they must be in its
// storage) and shows the checkers the round.
func commitRound(t *testing.T, c *Cluster, n *simNode, term, commit uint64) {
	t.Helper()
	hs := hardState(term, 0, commit)
	if err := n.store.SetHardState(hs); err != nil {
		t.Fatal(err)
	}
	sm := n.rn.StateMachine()
	var ents []*pb.Entry
	if ai := sm.AppliedIndex(); ai < commit {
		var err error
		if ents, err = n.store.Entries(ai+1, commit+1, ^uint64(0)); err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if _, _, err := sm.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.safety.observe(c, n, &core.Update{HardState: hs, Committed: ents})
}

// noViolation fails if the run has halted.
func noViolation(t *testing.T, c *Cluster, what string) {
	t.Helper()
	if v := c.Halted(); v != nil {
		t.Fatalf("%s flagged: %+v", what, v)
	}
}

// wantViolation checks that the run halted on property, naming nodes, with
// a violation event in the trace, and that it refuses to go on.
func wantViolation(t *testing.T, c *Cluster, property string) *wire.Violation {
	t.Helper()
	v := c.Halted()
	if v == nil {
		t.Fatalf("no violation; want %s", property)
	}
	if v.Property != property || v.Text == "" || len(v.Nodes) == 0 {
		t.Fatalf("violation %+v; want %s naming nodes", v, property)
	}
	for _, id := range v.Nodes {
		if !strings.Contains(v.Text, id.String()) {
			t.Errorf("text %q does not name %s", v.Text, id)
		}
	}
	found := false
	for _, e := range c.Events(0) {
		if e.Kind == wire.EvViolation && e.Type == property && strings.Contains(e.Text, v.Text) && e.Node == v.Nodes[len(v.Nodes)-1] {
			found = true
		}
	}
	if !found {
		t.Fatal("no violation event in the trace")
	}
	if _, err := c.Step(); err == nil {
		t.Fatal("the run went on after a violation")
	}
	t.Logf("%s: %s", v.Property, v.Text)
	return v
}

// apply applies commands, failing the test on the first refused.
func apply(t *testing.T, c *Cluster, cmds ...wire.Command) {
	t.Helper()
	for _, cmd := range cmds {
		if err := c.Apply(cmd); err != nil {
			t.Fatalf("%+v: %v", cmd, err)
		}
	}
}

// becomeLeader makes a node leader of term in the checkers' eyes, elected
// by every node's vote.
func becomeLeader(c *Cluster, n *simNode, term core.Term) {
	for _, v := range c.nodes {
		c.safety.voteGranted(n.id, v.id, term)
	}
	n.Term, n.Role = term, core.RoleLeader
	c.safety.observe(c, n, &core.Update{RoleChanged: true, Role: core.RoleLeader, Leader: n.id})
}

func TestCheckerCatchesTwoLeadersInATerm(t *testing.T) {
	c := freshCluster(t, 3)
	becomeLeader(c, c.nodes[0], 7)
	becomeLeader(c, c.nodes[1], 8)
	noViolation(t, c, "leaders of different terms")
	becomeLeader(c, c.nodes[2], 7)
	v := wantViolation(t, c, wire.PropElectionSafety)
	if v.Term != 7 || len(v.Nodes) != 2 || v.Nodes[0] != 1 || v.Nodes[1] != 3 {
		t.Fatalf("violation %+v; want n1 and n3 in term 7", v)
	}
}

func TestCheckerRemembersLeadersAcrossCrashes(t *testing.T) {
	c := freshCluster(t, 3)
	becomeLeader(c, c.nodes[0], 4)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 1}, wire.Command{Kind: wire.CmdRestart, Node: 1})
	becomeLeader(c, c.nodes[1], 4)
	wantViolation(t, c, wire.PropElectionSafety)
}

func TestCheckerCatchesLeaderOverwritingItsLog(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	becomeLeader(c, n, 3)
	appendRound(t, c, n, ent(4, 3, ""), ent(5, 3, "a"))
	appendRound(t, c, n, ent(6, 3, "b"))
	noViolation(t, c, "appending")
	appendRound(t, c, n, ent(6, 3, "c"))
	v := wantViolation(t, c, wire.PropLeaderAppendOnly)
	if v.Index != 6 || v.Term != 3 {
		t.Fatalf("violation %+v; want index 6, term 3", v)
	}
}

func TestCheckerLetsAFollowerOverwrite(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[1]
	appendRound(t, c, n, ent(4, 2, ""), ent(5, 2, "a"))
	appendRound(t, c, n, ent(5, 3, "b"))
	noViolation(t, c, "a follower replacing an uncommitted entry")
}

func TestCheckerCatchesLeaderLosingEntries(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	becomeLeader(c, n, 3)
	appendRound(t, c, n, ent(4, 3, ""), ent(5, 3, "a"))
	// Behind Raft's back, the leader's storage loses entry 5.
	n.store = rebuilt(t, n.store, keepHardState, 1, nil)
	c.safety.observe(c, n, &core.Update{Messages: []*pb.Message{{}}})
	v := wantViolation(t, c, wire.PropLeaderAppendOnly)
	if v.Index != 5 {
		t.Fatalf("violation %+v; want index 5", v)
	}
}

func TestCheckerCatchesLeaderInstallingASnapshot(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	becomeLeader(c, n, 3)
	c.safety.observe(c, n, &core.Update{SnapshotInstalled: &pb.SnapshotMetadata{Index: new(uint64(3)), Term: new(uint64(1))}})
	wantViolation(t, c, wire.PropLeaderAppendOnly)
}

func TestCheckerCatchesLogMismatch(t *testing.T) {
	c := freshCluster(t, 3)
	appendRound(t, c, c.nodes[0], ent(4, 2, ""), ent(5, 2, "x"))
	appendRound(t, c, c.nodes[1], ent(4, 2, ""), ent(5, 2, "x"))
	appendRound(t, c, c.nodes[1], ent(6, 3, "z"))
	noViolation(t, c, "matching entries")
	appendRound(t, c, c.nodes[2], ent(4, 2, ""), ent(5, 2, "y"))
	v := wantViolation(t, c, wire.PropLogMatching)
	if v.Index != 5 || v.Term != 2 || len(v.Nodes) != 2 || v.Nodes[0] != 1 || v.Nodes[1] != 3 {
		t.Fatalf("violation %+v; want n1 and n3 at index 5, term 2", v)
	}
}

func TestCheckerCatchesLogsDifferingBeforeAMatchingEntry(t *testing.T) {
	// n1 and n2 both hold (5, term 3) with the same data, but n1's entry 4
	// has term 2 and n2's has term 1: the logs differ before a shared
	// entry, which Log Matching forbids.
	c := freshCluster(t, 3)
	appendRound(t, c, c.nodes[0], ent(4, 2, ""), ent(5, 3, "x"))
	appendRound(t, c, c.nodes[1], ent(4, 1, ""))
	appendRound(t, c, c.nodes[1], ent(5, 3, "x"))
	v := wantViolation(t, c, wire.PropLogMatching)
	if v.Index != 5 || !strings.Contains(v.Text, "before it differ") {
		t.Fatalf("violation %+v; want the entries before index 5", v)
	}
}

func TestCheckerCatchesTermGoingBack(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	c.safety.observe(c, n, &core.Update{HardState: hardState(5, 0, 3)})
	c.safety.observe(c, n, &core.Update{HardState: hardState(4, 0, 3)})
	v := wantViolation(t, c, wire.PropMonotonic)
	if v.Term != 4 || !strings.Contains(v.Text, "from 5 to 4") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesCommitGoingBack(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[0]
	appendRound(t, c, n, ent(4, 2, ""))
	commitRound(t, c, n, 2, 4)
	noViolation(t, c, "committing")
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 0, 3)})
	v := wantViolation(t, c, wire.PropMonotonic)
	if v.Index != 3 || !strings.Contains(v.Text, "from 4 to 3") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesCommitPastTheLog(t *testing.T) {
	c := freshCluster(t, 3)
	c.safety.observe(c, c.nodes[1], &core.Update{HardState: hardState(1, 0, 9)})
	v := wantViolation(t, c, wire.PropIndexOrder)
	if !strings.Contains(v.Text, "committed 9, last index 3") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesApplyingUncommitted(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[1]
	appendRound(t, c, n, ent(4, 2, ""))
	e := ent(4, 2, "")
	if _, _, err := n.rn.StateMachine().Apply(e); err != nil {
		t.Fatal(err)
	}
	c.safety.observe(c, n, &core.Update{Committed: []*pb.Entry{e}})
	v := wantViolation(t, c, wire.PropIndexOrder)
	if !strings.Contains(v.Text, "applied 4, committed 3") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesDifferentEntriesApplied(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n2 := c.nodes[0], c.nodes[1]
	appendRound(t, c, n1, ent(4, 2, setOp("k", "p")))
	commitRound(t, c, n1, 2, 4)
	noViolation(t, c, "applying")
	// n2's state machine is handed another entry at index 4.
	e := ent(4, 2, setOp("k", "q"))
	if _, _, err := n2.rn.StateMachine().Apply(e); err != nil {
		t.Fatal(err)
	}
	c.safety.checkApplied(c, n2, &core.Update{Committed: []*pb.Entry{e}})
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if v.Index != 4 || !strings.Contains(v.Text, "applied different entries at index 4") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesCommittedEntriesDiffering(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n2 := c.nodes[0], c.nodes[1]
	appendRound(t, c, n1, ent(4, 2, "a"))
	commitRound(t, c, n1, 2, 4)
	appendRound(t, c, n2, ent(4, 3, "b"))
	noViolation(t, c, "appending")
	commitRound(t, c, n2, 3, 4)
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if v.Index != 4 || !strings.Contains(v.Text, "committed different entries at index 4 (terms 2 and 3)") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesAppliedGap(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[2]
	c.safety.observe(c, n, &core.Update{Committed: []*pb.Entry{ent(5, 2, "")}})
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if v.Index != 5 || !strings.Contains(v.Text, "right after entry 3") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesStateMachineNotApplying(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[2]
	appendRound(t, c, n, ent(4, 2, setOp("k", "v")))
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 0, 4), Committed: []*pb.Entry{ent(4, 2, setOp("k", "v"))}})
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if !strings.Contains(v.Text, "applied up to index 3, but it was given entries up to 4") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesStatesDiffering(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n2 := c.nodes[0], c.nodes[1]
	for _, n := range []*simNode{n1, n2} {
		appendRound(t, c, n, ent(4, 2, setOp("k", "v")))
	}
	commitRound(t, c, n1, 2, 4)
	// n2's state machine holds a key no entry set.
	bad := statemachine.New()
	for i := uint64(1); i <= 2; i++ {
		if _, _, err := bad.Apply(ent(i, 1, "")); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := bad.Apply(ent(3, 1, setOp("ghost", "x"))); err != nil {
		t.Fatal(err)
	}
	if err := n2.rn.StateMachine().Restore(bad.Snapshot()); err != nil {
		t.Fatal(err)
	}
	commitRound(t, c, n2, 2, 4)
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if v.Index != 4 || !strings.Contains(v.Text, "states differ") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesSnapshotAgainstCommittedTerm(t *testing.T) {
	c := freshCluster(t, 3)
	// Index 3 was committed in term 1 (bootstrap); a snapshot says term 2.
	c.safety.observe(c, c.nodes[1], &core.Update{SnapshotInstalled: &pb.SnapshotMetadata{Index: new(uint64(3)), Term: new(uint64(2))}})
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if v.Index != 3 || !strings.Contains(v.Text, "snapshot") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesSnapshotTakingStateBack(t *testing.T) {
	c := freshCluster(t, 3)
	c.safety.observe(c, c.nodes[1], &core.Update{SnapshotInstalled: &pb.SnapshotMetadata{Index: new(uint64(2)), Term: new(uint64(1))}})
	v := wantViolation(t, c, wire.PropStateMachineSafety)
	if !strings.Contains(v.Text, "taking back") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCatchesLeaderWithoutCommittedEntry(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n3 := c.nodes[0], c.nodes[2]
	// n1 holds entries 4..8 and commits them; n3 holds only 4..5 and takes
	// office in term 3.
	appendRound(t, c, n1, ent(4, 1, ""), ent(5, 1, ""), ent(6, 2, "a"), ent(7, 2, "b"), ent(8, 2, "c"))
	commitRound(t, c, n1, 2, 8)
	appendRound(t, c, n3, ent(4, 1, ""), ent(5, 1, ""))
	noViolation(t, c, "committing")
	becomeLeader(c, n3, 3)
	v := wantViolation(t, c, wire.PropLeaderCompleteness)
	if v.Index != 6 || v.Term != 3 || len(v.Nodes) != 2 || v.Nodes[1] != 3 {
		t.Fatalf("violation %+v; want n3 lacking index 6 in term 3", v)
	}
}

func TestCheckerCatchesLeaderWithWrongCommittedEntry(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n3 := c.nodes[0], c.nodes[2]
	appendRound(t, c, n1, ent(4, 2, "a"), ent(5, 2, "b"))
	commitRound(t, c, n1, 2, 5)
	appendRound(t, c, n3, ent(4, 2, "a"), ent(5, 3, "z"), ent(6, 3, ""))
	noViolation(t, c, "a follower with an uncommitted conflict")
	becomeLeader(c, n3, 4)
	v := wantViolation(t, c, wire.PropLeaderCompleteness)
	if v.Index != 5 || !strings.Contains(v.Text, "has term 3, not the term 2") {
		t.Fatalf("violation %+v", v)
	}
}

func TestCheckerCountsSnapshotAsPresent(t *testing.T) {
	c := freshCluster(t, 3)
	n1, n3 := c.nodes[0], c.nodes[2]
	appendRound(t, c, n1, ent(4, 2, "a"), ent(5, 2, "b"), ent(6, 2, "c"))
	commitRound(t, c, n1, 2, 6)
	// n3's storage holds a snapshot at 5 and entry 6.
	appendRound(t, c, n3, ent(4, 2, "a"), ent(5, 2, "b"), ent(6, 2, "c"))
	commitRound(t, c, n3, 2, 6)
	if _, err := n3.store.CreateSnapshot(5, &pb.ConfState{Voters: []uint64{1, 2, 3}}, n3.rn.StateMachine().Snapshot()); err != nil {
		t.Fatal(err)
	}
	if err := n3.store.Compact(5); err != nil {
		t.Fatal(err)
	}
	becomeLeader(c, n3, 3)
	noViolation(t, c, "a leader whose snapshot covers committed entries")
}

func TestSafetyCatchesTwoVotesInOneTerm(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[1]
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 1, 3)})
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 1, 3)}) // the same vote again
	c.safety.observe(c, n, &core.Update{HardState: hardState(3, 0, 3)}) // a new term, no vote yet
	c.safety.observe(c, n, &core.Update{HardState: hardState(3, 3, 3)}) // another candidate, a new term
	noViolation(t, c, "one vote per term")
	c.safety.observe(c, n, &core.Update{HardState: hardState(3, 1, 3)})
	v := wantViolation(t, c, wire.PropOneVote)
	if v.Term != 3 || len(v.Nodes) != 1 || v.Nodes[0] != n.id || !strings.Contains(v.Text, "voted for n3 and then for n1 in term 3") {
		t.Fatalf("violation %+v", v)
	}
}

// TestSafetyCatchesTwoVotesAcrossARestart: the vote is remembered across a
// crash, so a node that restarts without its vote and votes again in the
// same term is caught.
func TestSafetyCatchesTwoVotesAcrossARestart(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[1]
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 1, 3)})
	if err := n.store.SetHardState(hardState(2, 1, 3)); err != nil {
		t.Fatal(err)
	}
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: n.id})
	if err := n.store.SetHardState(hardState(2, 0, 3)); err != nil { // the vote is lost
		t.Fatal(err)
	}
	apply(t, c, wire.Command{Kind: wire.CmdRestart, Node: n.id})
	noViolation(t, c, "the restart")
	c.safety.observe(c, n, &core.Update{HardState: hardState(2, 3, 3)})
	v := wantViolation(t, c, wire.PropOneVote)
	if v.Term != 2 || !strings.Contains(v.Text, "voted for n1 and then for n3 in term 2") {
		t.Fatalf("violation %+v", v)
	}
}
