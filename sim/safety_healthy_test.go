package sim

import (
	"fmt"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// healthyRun runs a correct cluster for 60 virtual seconds with clients, a
// lossy network, frequent snapshots, crashes (of followers and leaders),
// partitions, an isolated leader, a forced election and a leadership
// transfer, and returns it with what its nodes did.
func healthyRun(t *testing.T, nodes int, seed uint64) (*Cluster, healthyStats) {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Seed = nodes, seed
	cfg.Raft.SnapshotIntervalEntries, cfg.Raft.SnapshotCatchupEntries = 40, 5
	cfg.Clients = wire.ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1000, Keys: 4}
	cfg.Network = wire.NetworkConfig{MinLatencyMS: 5, MaxLatencyMS: 40, DropRate: 0.03, DuplicateRate: 0.02, ReorderRate: 0.05}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var st healthyStats
	c.hooks.processed = func(_ *Cluster, _ *simNode, u *core.Update) {
		if u.SnapshotInstalled != nil {
			st.installs++
		}
		if u.RoleChanged && u.Role == core.RoleLeader {
			st.elections++
		}
		st.applied += len(u.Committed)
	}
	// Commands that need a node pick it when they run: the leader, or a
	// follower, or the first node that is down.
	leader := func() core.NodeID {
		if l := c.leader(); l != nil {
			return l.id
		}
		return 1
	}
	follower := func() core.NodeID {
		for _, n := range c.nodes {
			if n.up() && n.Role != core.RoleLeader {
				return n.id
			}
		}
		return 1
	}
	down := func() core.NodeID {
		for _, n := range c.nodes {
			if !n.up() {
				return n.id
			}
		}
		return 0
	}
	half := core.NodeID(nodes / 2)
	var minority, majority []core.NodeID
	for id := core.NodeID(1); id <= core.NodeID(nodes); id++ {
		if id <= half {
			minority = append(minority, id)
		} else {
			majority = append(majority, id)
		}
	}
	script := []struct {
		at  int64
		cmd func() wire.Command
	}{
		{4000, func() wire.Command { return wire.Command{Kind: wire.CmdCrash, Node: follower()} }},
		{9000, func() wire.Command { return wire.Command{Kind: wire.CmdRestart, Node: down()} }},
		{12000, func() wire.Command { return wire.Command{Kind: wire.CmdCrash, Node: leader()} }},
		{18000, func() wire.Command { return wire.Command{Kind: wire.CmdRestart, Node: down()} }},
		{21000, func() wire.Command {
			return wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{minority, majority}}
		}},
		{27000, func() wire.Command { return wire.Command{Kind: wire.CmdHeal} }},
		{30000, func() wire.Command { return wire.Command{Kind: wire.CmdIsolate, Node: leader()} }},
		{35000, func() wire.Command { return wire.Command{Kind: wire.CmdHeal} }},
		{38000, func() wire.Command { return wire.Command{Kind: wire.CmdCampaign, Node: follower()} }},
		{42000, func() wire.Command { return wire.Command{Kind: wire.CmdTransfer, Node: follower()} }},
		{45000, func() wire.Command { return wire.Command{Kind: wire.CmdCrash, Node: follower()} }},
		{46000, func() wire.Command { return wire.Command{Kind: wire.CmdCrash, Node: leader()} }},
		{52000, func() wire.Command { return wire.Command{Kind: wire.CmdRestart, Node: down()} }},
		{53000, func() wire.Command { return wire.Command{Kind: wire.CmdRestart, Node: down()} }},
	}
	for _, s := range script {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		cmd := s.cmd()
		if (cmd.Kind == wire.CmdRestart && cmd.Node == 0) || (cmd.Kind == wire.CmdTransfer && c.leader() == nil) {
			continue // nothing to do now
		}
		if nodes == 1 && cmd.Kind != wire.CmdCrash && cmd.Kind != wire.CmdRestart {
			continue
		}
		if err := c.Apply(cmd); err != nil {
			t.Logf("at %d ms: %+v refused: %v", s.at, cmd, err)
		}
	}
	if err := c.RunUntil(60_000); err != nil {
		t.Fatal(err)
	}
	return c, st
}

type healthyStats struct{ installs, elections, applied int }

func TestHealthyRunsHaveNoViolation(t *testing.T) {
	for _, tc := range []struct {
		nodes int
		seeds []uint64
	}{{5, []uint64{1, 2, 3, 4}}, {3, []uint64{5, 6}}, {1, []uint64{7}}} {
		for _, seed := range tc.seeds {
			t.Run(fmt.Sprintf("nodes=%d/seed=%d", tc.nodes, seed), func(t *testing.T) {
				c, st := healthyRun(t, tc.nodes, seed)
				if v := c.Halted(); v != nil {
					t.Fatalf("violation in a healthy run: %+v", v)
				}
				s := c.safety
				t.Logf("%d elections, %d snapshots installed, %d entries applied; facts kept for %d indexes from %d, commit %d",
					st.elections, st.installs, st.applied, len(s.facts), s.base, s.maxComm)
				if st.elections < 2 || st.applied < 500 {
					t.Errorf("the run did too little to test the checkers: %+v", st)
				}
				if tc.nodes > 1 && st.installs == 0 {
					t.Error("no snapshot was installed")
				}
				if s.base <= 1 {
					t.Error("nothing was pruned")
				}
			})
		}
	}
}

func TestCheckerMemoryStaysBounded(t *testing.T) {
	// 14 clients (about 70 writes per second) for 3 virtual minutes, one
	// node down for 40 s in the middle: the facts kept follow the lowest
	// snapshot index, grow while the crashed node holds it back, and shrink
	// once it is back.
	cfg := wire.DefaultConfig()
	cfg.Clients = wire.ClientConfig{Count: 14, RatePerSec: 10, TimeoutMS: 2000, Keys: 5}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	most := func(from, to int64) int {
		m := 0
		for at := from; at <= to; at += 1000 {
			if err := c.RunUntil(at); err != nil {
				t.Fatal(err)
			}
			m = max(m, len(c.safety.facts))
		}
		return m
	}
	before := most(1000, 60_000)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 3})
	during := most(61_000, 100_000)
	apply(t, c, wire.Command{Kind: wire.CmdRestart, Node: 3})
	most(101_000, 150_000)
	after := most(151_000, 180_000)
	t.Logf("indexes kept: at most %d before the crash, %d while n3 is down, %d after; commit %d, %d leaders remembered",
		before, during, after, c.safety.maxComm, len(c.safety.leaders))
	if c.safety.maxComm < 10_000 {
		t.Fatalf("only %d entries committed in 3 minutes", c.safety.maxComm)
	}
	// Snapshots every 500 entries keeping 100, plus one pruning interval.
	if before > 2000 || after > 2000 {
		t.Errorf("kept %d and %d indexes with every node up; want at most 2000", before, after)
	}
	if during < 2000 {
		t.Errorf("kept only %d indexes while n3 was down: its storage still needs them", during)
	}
}

func TestCheckerWindowIsCapped(t *testing.T) {
	s := newSafety()
	s.at(10)
	s.moreLog = map[indexTerm]logFact{{10, 2}: {term: 2, by: 1}, {maxSpan + 50, 2}: {term: 2, by: 1}}
	f := s.at(maxSpan + 100)
	if f == nil || s.base != 101 || len(s.facts) != maxSpan {
		t.Fatalf("base %d, %d indexes kept; want base 101 and %d", s.base, len(s.facts), maxSpan)
	}
	if _, ok := s.moreLog[indexTerm{10, 2}]; ok || len(s.moreLog) != 1 {
		t.Fatalf("moreLog %v: want only index %d", s.moreLog, maxSpan+50)
	}
	if s.at(100) != nil || s.peek(100) != nil {
		t.Fatal("a pruned index still has facts")
	}
}

func TestCheckerRoundsDoNotAllocate(t *testing.T) {
	c := freshCluster(t, 3)
	n := c.nodes[1]
	ents := []*pb.Entry{ent(4, 2, setOp("k", "v")), ent(5, 2, setOp("k", "w"))}
	appendRound(t, c, n, ents...)
	u := &core.Update{Entries: ents, HardState: hardState(2, 1, 3), Messages: []*pb.Message{{}}}
	if a := testing.AllocsPerRun(100, func() { c.safety.observe(c, n, u) }); a != 0 {
		t.Errorf("a follower's append round allocates %v times", a)
	}
	if a := testing.AllocsPerRun(10_000, func() { c.safety.afterStep(c) }); a != 0 {
		t.Errorf("a step allocates %v times", a)
	}
	noViolation(t, c, "repeated rounds")
}
