package sim

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
)

// Scenario tests in the spirit of the standard Raft lab suites. Each drives
// a cluster with commands and asserts on what the view and the trace show.

func newScenario(t *testing.T, nodes int, tune func(*Config)) *Cluster {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Nodes = nodes
	if tune != nil {
		tune(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run(t *testing.T, c *Cluster, ms int64) {
	t.Helper()
	if err := c.RunFor(ms); err != nil {
		t.Fatal(err)
	}
}

// agreedLeader returns the leader every connected, live node follows, or 0.
func agreedLeader(c *Cluster, among []core.NodeID) core.NodeID {
	var leader core.NodeID
	for _, id := range among {
		n := c.nodes[id-1]
		if !n.up() {
			continue
		}
		if n.leader == 0 || (leader != 0 && n.leader != leader) {
			return 0
		}
		leader = n.leader
	}
	if leader == 0 || c.nodes[leader-1].role != core.RoleLeader || !slices.Contains(among, leader) {
		return 0
	}
	return leader
}

func allIDs(c *Cluster) []core.NodeID {
	var ids []core.NodeID
	for _, n := range c.nodes {
		ids = append(ids, n.id)
	}
	return ids
}

// waitAgreedLeader runs until the given nodes agree on a leader.
func waitAgreedLeader(t *testing.T, c *Cluster, among []core.NodeID, within int64) core.NodeID {
	t.Helper()
	deadline := c.Now() + within
	for c.Now() < deadline {
		run(t, c, 50)
		if l := agreedLeader(c, among); l != 0 {
			return l
		}
	}
	t.Fatalf("no agreed leader among %v within %d ms", among, within)
	return 0
}

// consoleWrite sets key=value through the console and runs until answered.
func consoleWrite(t *testing.T, c *Cluster, key, value string, node core.NodeID) HistoryOp {
	t.Helper()
	apply(t, c, Command{Kind: CmdSet, Key: key, Value: value, Node: node})
	i := len(c.history) - 1
	for k := 0; k < 100 && c.history[i].Return < 0 && !c.history[i].Unknown && !c.history[i].Failed; k++ {
		run(t, c, 50)
	}
	return c.history[i]
}

func TestScenarioInitialElection(t *testing.T) {
	c := newScenario(t, 5, nil)
	l := waitAgreedLeader(t, c, allIDs(c), 3000)
	term := c.nodes[l-1].term
	for _, n := range c.nodes {
		if n.term != term {
			t.Errorf("%s in term %d, leader's term %d", n.id, n.term, term)
		}
	}
	// With no failure the leader keeps its term.
	run(t, c, 5000)
	if l2 := agreedLeader(c, allIDs(c)); l2 != l || c.nodes[l-1].term != term {
		t.Fatalf("leader changed from %s (term %d) to %s (term %d) without a failure", l, term, l2, c.nodes[l2-1].term)
	}
}

func TestScenarioReElection(t *testing.T) {
	for _, how := range []string{CmdCrash, CmdIsolate} {
		t.Run(how, func(t *testing.T) {
			c := newScenario(t, 5, nil)
			old := waitAgreedLeader(t, c, allIDs(c), 3000)
			oldTerm := c.nodes[old-1].term
			apply(t, c, Command{Kind: how, Node: old})
			var rest []core.NodeID
			for _, id := range allIDs(c) {
				if id != old {
					rest = append(rest, id)
				}
			}
			l := waitAgreedLeader(t, c, rest, 5000)
			if l == old || c.nodes[l-1].term <= oldTerm {
				t.Fatalf("new leader %s in term %d; old %s in term %d", l, c.nodes[l-1].term, old, oldTerm)
			}
			// The old leader rejoins and steps down.
			if how == CmdCrash {
				apply(t, c, Command{Kind: CmdRestart, Node: old})
			} else {
				apply(t, c, Command{Kind: CmdHeal})
			}
			l2 := waitAgreedLeader(t, c, allIDs(c), 5000)
			if c.nodes[old-1].role == core.RoleLeader && l2 != old {
				t.Fatalf("old leader %s still leads", old)
			}
			if c.nodes[old-1].term < c.nodes[l-1].term {
				t.Fatalf("old leader's term %d behind %d", c.nodes[old-1].term, c.nodes[l-1].term)
			}
		})
	}
}

func TestScenarioManyElectionsWithRandomDisconnects(t *testing.T) {
	c := newScenario(t, 7, nil)
	rng := mrand.New(mrand.NewPCG(3, 3))
	waitAgreedLeader(t, c, allIDs(c), 3000)
	for round := 0; round < 10; round++ {
		// Cut off up to three nodes: a majority of 7 stays connected.
		apply(t, c, Command{Kind: CmdHeal})
		cut := map[core.NodeID]bool{}
		for len(cut) < rng.IntN(4) {
			cut[core.NodeID(1+rng.IntN(7))] = true
		}
		var connected []core.NodeID
		for _, id := range allIDs(c) {
			if cut[id] {
				apply(t, c, Command{Kind: CmdIsolate, Node: id})
			} else {
				connected = append(connected, id)
			}
		}
		waitAgreedLeader(t, c, connected, 8000)
	}
	if v := c.Halted(); v != nil {
		t.Fatal(v.Text)
	}
}

func TestScenarioAgreementWithFailedFollower(t *testing.T) {
	c := newScenario(t, 5, nil)
	l := waitAgreedLeader(t, c, allIDs(c), 3000)
	follower := l%5 + 1
	apply(t, c, Command{Kind: CmdCrash, Node: follower})
	for i := 0; i < 5; i++ {
		if h := consoleWrite(t, c, fmt.Sprintf("k%d", i), "v", 0); h.Output != "OK" {
			t.Fatalf("write with one follower down: %+v", h)
		}
	}
	apply(t, c, Command{Kind: CmdRestart, Node: follower})
	run(t, c, 2000)
	v := c.View(0)
	if got, want := len(v.Nodes[follower-1].KV), 5; got != want || v.Nodes[follower-1].Applied != v.Nodes[l-1].Applied {
		t.Fatalf("restarted follower has %d keys applied to %d; leader applied %d", got, v.Nodes[follower-1].Applied, v.Nodes[l-1].Applied)
	}
}

func TestScenarioNoAgreementWithoutMajority(t *testing.T) {
	for _, checkQuorum := range []bool{true, false} {
		t.Run(fmt.Sprintf("check_quorum=%v", checkQuorum), func(t *testing.T) {
			c := newScenario(t, 5, func(cfg *Config) { cfg.Raft.CheckQuorum = checkQuorum })
			old := waitAgreedLeader(t, c, allIDs(c), 3000)
			minority := []core.NodeID{old, old%5 + 1}
			var majority []core.NodeID
			for _, id := range allIDs(c) {
				if id != minority[0] && id != minority[1] {
					majority = append(majority, id)
				}
			}
			apply(t, c, Command{Kind: CmdPartition, Groups: [][]core.NodeID{minority, majority}})
			commitBefore := c.nodes[old-1].commit
			// A write sent to the old leader cannot commit on its side.
			h := consoleWrite(t, c, "minority", "lost", old)
			if h.Output == "OK" {
				t.Fatalf("minority side committed a write: %+v", h)
			}
			if c.nodes[old-1].commit != commitBefore {
				t.Fatalf("minority leader's commit moved from %d to %d", commitBefore, c.nodes[old-1].commit)
			}
			if !checkQuorum {
				// Without CheckQuorum the stale leader keeps leading and
				// accepted the write into its log.
				if c.nodes[old-1].role != core.RoleLeader {
					t.Fatalf("stale leader stepped down without check_quorum")
				}
				last, _ := c.nodes[old-1].store.LastIndex()
				if last <= uint64(commitBefore) {
					t.Fatal("stale leader did not append the write")
				}
			}
			l := waitAgreedLeader(t, c, majority, 5000)
			if h := consoleWrite(t, c, "majority", "kept", l); h.Output != "OK" {
				t.Fatalf("majority could not commit: %+v", h)
			}
			apply(t, c, Command{Kind: CmdHeal})
			run(t, c, 3000)
			for _, n := range c.View(0).Nodes {
				var keys []string
				for _, kv := range n.KV {
					keys = append(keys, kv.Key)
				}
				if fmt.Sprint(keys) != "[majority]" {
					t.Errorf("%s keys after heal = %v, want [majority]", n.ID, keys)
				}
			}
		})
	}
}

func TestScenarioFastBackupOverDivergentLogs(t *testing.T) {
	c := newScenario(t, 5, func(cfg *Config) { cfg.Raft.CheckQuorum = false })
	old := waitAgreedLeader(t, c, allIDs(c), 3000)
	apply(t, c, Command{Kind: CmdIsolate, Node: old})
	for i := 0; i < 50; i++ {
		apply(t, c, Command{Kind: CmdSet, Key: fmt.Sprintf("stale%d", i), Value: "x", Node: old})
	}
	var rest []core.NodeID
	for _, id := range allIDs(c) {
		if id != old {
			rest = append(rest, id)
		}
	}
	l := waitAgreedLeader(t, c, rest, 5000)
	for i := 0; i < 50; i++ {
		apply(t, c, Command{Kind: CmdSet, Key: fmt.Sprintf("good%d", i), Value: "y", Node: l})
	}
	run(t, c, 2000)
	// Hand leadership to another node: it knows nothing of the old leader's
	// log, so it starts probing from its own last index, far ahead.
	next := rest[0]
	if next == l {
		next = rest[1]
	}
	apply(t, c, Command{Kind: CmdTransfer, Node: next})
	run(t, c, 1000)
	if c.nodes[next-1].role != core.RoleLeader {
		t.Fatalf("transfer to %s failed", next)
	}
	l = next
	before := c.EventCount()
	apply(t, c, Command{Kind: CmdHeal})
	run(t, c, 3000)
	rejections := 0
	for _, e := range c.Events(before) {
		if e.Kind == EvDeliver && e.Node == l && e.Peer == old && e.Type == "MsgAppResp" && strings.Contains(e.Text, "Rejected") {
			rejections++
		}
	}
	v := c.View(0)
	if len(v.Nodes[old-1].KV) != 50 || v.Nodes[old-1].Applied != v.Nodes[l-1].Applied {
		t.Fatalf("old leader has %d keys, applied %d; leader applied %d", len(v.Nodes[old-1].KV), v.Nodes[old-1].Applied, v.Nodes[l-1].Applied)
	}
	t.Logf("%d rejected appends replaced 50 divergent entries", rejections)
	if rejections == 0 {
		t.Fatal("no rejection: the old leader's log did not diverge")
	}
	if rejections > 5 {
		t.Fatalf("%d rejected appends to replace 50 divergent entries; etcd's backup should need a few", rejections)
	}
}

func TestScenarioFigure8Unreliable(t *testing.T) {
	c := newScenario(t, 5, func(cfg *Config) {
		cfg.Network = NetworkConfig{MinLatencyMS: 1, MaxLatencyMS: 60, DropRate: 0.1, ReorderRate: 0.2}
		cfg.Clients = ClientConfig{Count: 3, RatePerSec: 10, TimeoutMS: 1000, Keys: 5}
	})
	rng := mrand.New(mrand.NewPCG(8, 8))
	committed := map[uint64]uint64{} // index -> term, once committed
	check := func() {
		for _, n := range c.View(0).Nodes {
			for _, e := range n.Log {
				if e.Index > n.Commit || !n.Up {
					continue
				}
				if term, ok := committed[uint64(e.Index)]; ok && term != uint64(e.Term) {
					t.Fatalf("committed entry %d changed term from %d to %d on %s", e.Index, term, e.Term, n.ID)
				}
				committed[uint64(e.Index)] = uint64(e.Term)
			}
		}
	}
	for round := 0; round < 30; round++ {
		run(t, c, int64(200+rng.IntN(1500)))
		check()
		if l := c.leader(); l != nil && rng.IntN(2) == 0 {
			apply(t, c, Command{Kind: CmdCrash, Node: l.id})
		}
		for _, n := range c.nodes {
			if !n.up() && rng.IntN(3) == 0 {
				apply(t, c, Command{Kind: CmdRestart, Node: n.id})
			}
		}
	}
	for _, n := range c.nodes {
		if !n.up() {
			apply(t, c, Command{Kind: CmdRestart, Node: n.id})
		}
	}
	run(t, c, 5000)
	check()
	if len(committed) < 20 {
		t.Fatalf("only %d committed entries seen", len(committed))
	}
	if r := c.CheckLinearizable(); !r.OK {
		t.Fatal(r.Text)
	}
}

func TestScenarioCrashRestartKeepsCommittedData(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitAgreedLeader(t, c, allIDs(c), 3000)
	var acked []string
	for round := 0; round < 5; round++ {
		h := consoleWrite(t, c, fmt.Sprintf("r%d", round), fmt.Sprint(round), 0)
		if h.Output == "OK" {
			acked = append(acked, h.Key)
		}
		// Crash all nodes, or two of three, and bring them back.
		victims := allIDs(c)
		if round%2 == 1 {
			victims = victims[:2]
		}
		for _, id := range victims {
			apply(t, c, Command{Kind: CmdCrash, Node: id})
		}
		for _, id := range victims {
			apply(t, c, Command{Kind: CmdRestart, Node: id})
		}
		waitAgreedLeader(t, c, allIDs(c), 5000)
		run(t, c, 500)
	}
	if len(acked) != 5 {
		t.Fatalf("acknowledged %v", acked)
	}
	for _, n := range c.View(0).Nodes {
		if len(n.KV) != len(acked) {
			t.Errorf("%s has %v after crashes, want keys %v", n.ID, n.KV, acked)
		}
	}
}

func TestScenarioSnapshotToLaggingAndRestartedFollower(t *testing.T) {
	for _, how := range []string{CmdCrash, CmdIsolate} {
		t.Run(how, func(t *testing.T) {
			c := newScenario(t, 3, func(cfg *Config) {
				cfg.Raft.SnapshotIntervalEntries, cfg.Raft.SnapshotCatchupEntries = 20, 5
			})
			l := waitAgreedLeader(t, c, allIDs(c), 3000)
			f := l%3 + 1
			apply(t, c, Command{Kind: how, Node: f})
			for i := 0; i < 100; i++ {
				apply(t, c, Command{Kind: CmdSet, Key: fmt.Sprintf("k%03d", i), Value: "v", Node: l})
				run(t, c, 20)
			}
			before := c.EventCount()
			if how == CmdCrash {
				apply(t, c, Command{Kind: CmdRestart, Node: f})
			} else {
				apply(t, c, Command{Kind: CmdHeal})
			}
			run(t, c, 3000)
			installed := false
			for _, e := range c.Events(before) {
				installed = installed || (e.Kind == EvSnapshotInstall && e.Node == f)
			}
			v := c.View(0)
			if !installed || len(v.Nodes[f-1].KV) != 100 || fmt.Sprint(v.Nodes[f-1].KV) != fmt.Sprint(v.Nodes[l-1].KV) {
				t.Fatalf("follower installed a snapshot: %v; has %d keys", installed, len(v.Nodes[f-1].KV))
			}
		})
	}
}

func TestScenarioChurnWithClients(t *testing.T) {
	c := newScenario(t, 5, func(cfg *Config) {
		cfg.Clients = ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1500, Keys: 4}
	})
	rng := mrand.New(mrand.NewPCG(11, 11))
	for c.Now() < 50_000 {
		run(t, c, int64(500+rng.IntN(2500)))
		apply(t, c, chaosCommand(c, rng))
	}
	apply(t, c, Command{Kind: CmdHeal})
	for _, n := range c.nodes {
		if !n.up() {
			apply(t, c, Command{Kind: CmdRestart, Node: n.id})
		}
	}
	run(t, c, 5000)
	apply(t, c, Command{Kind: CmdRemoveClients, Count: 5})
	run(t, c, 5000)
	if v := c.Halted(); v != nil {
		t.Fatal(v.Text)
	}
	if r := c.CheckLinearizable(); !r.OK || r.Ops < 500 {
		t.Fatalf("%+v", r)
	}
	v := c.View(0)
	for _, n := range v.Nodes {
		if fmt.Sprint(n.KV) != fmt.Sprint(v.Nodes[0].KV) {
			t.Fatalf("%s kv %v differs from n1's %v", n.ID, n.KV, v.Nodes[0].KV)
		}
	}
}
