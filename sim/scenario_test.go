package sim

import (
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Scenario tests in the spirit of the standard Raft lab suites (elections,
// agreement, persistence, Figure 8, snapshots, churn). Each drives a cluster
// with commands and asserts on what the view, the trace and the client
// history show. Helpers are in scenario_helpers_test.go.

// TestScenarioInitialElection: a fresh cluster elects exactly one leader
// within a few election timeouts, every node follows it in the same term,
// and with no failure it keeps leading in that term.
func TestScenarioInitialElection(t *testing.T) {
	for _, nodes := range []int{3, 5, 7} {
		for seed := uint64(1); seed <= 8; seed++ {
			t.Run(fmt.Sprintf("nodes=%d/seed=%d", nodes, seed), func(t *testing.T) {
				c := newScenario(t, nodes, func(cfg *wire.Config) { cfg.Seed = seed })
				all := allIDs(c)
				// Election timeouts are 500-1000 ms: three of the longest.
				l := waitLeader(t, c, all, 3000)
				v := quickView(c)
				if ls := leadersIn(v); len(ls) != 1 {
					t.Fatalf("%d leaders: %v", len(ls), ls)
				}
				term := v.Nodes[l-1].Term
				for _, n := range v.Nodes {
					if n.Term != term || n.Leader != l {
						t.Fatalf("%s in term %d follows %s; leader %s is in term %d", n.ID, n.Term, n.Leader, l, term)
					}
				}
				leaders := newLeaderLog()
				leaders.scan(t, c)
				taken := leaders.count
				// Ten quiet seconds: no new election, no new term.
				run(t, c, 10_000)
				leaders.scan(t, c)
				v = quickView(c)
				if got := agreedLeader(v, all); got != l || v.Nodes[l-1].Term != term || leaders.count != taken {
					t.Fatalf("without a failure the leadership changed: %s in term %d became %s in term %d (%d new leaderships)",
						l, term, got, v.Nodes[l-1].Term, leaders.count-taken)
				}
			})
		}
	}
}

// TestScenarioReElection: when the leader crashes or is cut off, the others
// elect a new leader in a higher term; the old leader, once back, follows
// it in its term without disrupting it. Without CheckQuorum an isolated
// leader keeps believing it leads (in its old term); with it, it steps down.
func TestScenarioReElection(t *testing.T) {
	for _, how := range []wire.CommandKind{wire.CmdCrash, wire.CmdIsolate} {
		for _, checkQuorum := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/check_quorum=%v", how, checkQuorum), func(t *testing.T) {
				c := newScenario(t, 5, func(cfg *wire.Config) { cfg.Raft.CheckQuorum = checkQuorum })
				all := allIDs(c)
				old := waitLeader(t, c, all, 3000)
				oldTerm := quickView(c).Nodes[old-1].Term
				do(t, c, wire.Command{Kind: how, Node: old})
				l := waitLeader(t, c, without(all, old), 5000)
				v := quickView(c)
				newTerm := v.Nodes[l-1].Term
				if newTerm <= oldTerm {
					t.Fatalf("new leader %s in term %d, not above the old leader's term %d", l, newTerm, oldTerm)
				}
				if how == wire.CmdIsolate {
					run(t, c, 2000)
					v = quickView(c)
					oneLeaderPerTerm(t, v)
					o := v.Nodes[old-1]
					if checkQuorum && o.Role == core.RoleLeader {
						t.Fatalf("isolated %s still leads term %d with check_quorum on", old, o.Term)
					}
					if !checkQuorum && (o.Role != core.RoleLeader || o.Term != oldTerm) {
						t.Fatalf("isolated %s is %s in term %d; without check_quorum it keeps leading term %d", old, o.Role, o.Term, oldTerm)
					}
					do(t, c, wire.Command{Kind: wire.CmdHeal})
				} else {
					do(t, c, wire.Command{Kind: wire.CmdRestart, Node: old})
				}
				run(t, c, 3000)
				v = quickView(c)
				if got := agreedLeader(v, all); got != l || v.Nodes[l-1].Term != newTerm {
					t.Fatalf("after %s rejoined the leader is %s in term %d; want %s still leading term %d", old, got, v.Nodes[got-1].Term, l, newTerm)
				}
				if o := v.Nodes[old-1]; o.Role != core.RoleFollower || o.Term != newTerm {
					t.Fatalf("rejoined old leader %s is %s in term %d; want a follower in term %d", old, o.Role, o.Term, newTerm)
				}
			})
		}
	}
}

// TestScenarioManyElectionsWithRandomDisconnects: 7 nodes, 40 rounds of
// cutting random nodes off. Whenever a majority is connected it agrees on a
// leader; when none is, nobody leads (CheckQuorum); and the trace never
// shows two leaders in one term.
func TestScenarioManyElectionsWithRandomDisconnects(t *testing.T) {
	c := newScenario(t, 7, nil)
	rng := mrand.New(mrand.NewPCG(c.Config().Seed, 3))
	all := allIDs(c)
	leaders := newLeaderLog()
	waitLeader(t, c, all, 3000)
	noMajority := 0
	for round := 0; round < 40; round++ {
		do(t, c, wire.Command{Kind: wire.CmdHeal})
		var cut []core.NodeID
		for _, p := range rng.Perm(7)[:rng.IntN(5)] { // 0 to 4 of 7 cut off
			cut = append(cut, core.NodeID(p+1))
			do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: core.NodeID(p + 1)})
		}
		connected := without(all, cut...)
		if len(connected) >= 4 {
			waitLeader(t, c, connected, 10_000)
		} else {
			noMajority++
			// A leader steps down after an election timeout without a
			// quorum; nobody can be elected.
			run(t, c, 2500)
			if ls := leadersIn(quickView(c)); len(ls) > 0 {
				t.Fatalf("round %d: %s leads term %d with only %v connected", round, ls[0].ID, ls[0].Term, connected)
			}
		}
		oneLeaderPerTerm(t, quickView(c))
		leaders.scan(t, c)
		run(t, c, int64(rng.IntN(1000)))
	}
	leaders.scan(t, c)
	t.Logf("%d leaderships in %d terms; %d rounds without a majority", leaders.count, len(leaders.byTerm), noMajority)
	if leaders.count < 5 || noMajority == 0 {
		t.Fatalf("only %d leaderships and %d rounds without a majority: the scenario tests too little", leaders.count, noMajority)
	}
}

// TestScenarioAgreementWithFailedFollowers: with one, then two of five
// followers down, writes still commit; restarted, they catch up. With three
// down a write cannot commit; once they are back, the cluster agrees again.
func TestScenarioAgreementWithFailedFollowers(t *testing.T) {
	c := newScenario(t, 5, nil)
	all := allIDs(c)
	l := waitLeader(t, c, all, 3000)
	followers := without(all, l)
	want := map[string]string{}
	write := func(key string) {
		t.Helper()
		h := consoleSet(t, c, key, "v"+key, 0)
		if !acked(h) || h.Output != "OK" {
			t.Fatalf("write %s: %+v", key, h)
		}
		want[key] = "v" + key
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: followers[0]})
	for i := 0; i < 5; i++ {
		write(fmt.Sprintf("a%d", i))
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: followers[1]})
	for i := 0; i < 5; i++ {
		write(fmt.Sprintf("b%d", i))
	}
	do(t, c, wire.Command{Kind: wire.CmdRestart, Node: followers[0]}, wire.Command{Kind: wire.CmdRestart, Node: followers[1]})
	run(t, c, 2000)
	v := c.View(0)
	sameLogs(t, v)
	sameKV(t, v)
	if got := kvMap(v.Nodes[followers[0]-1]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("restarted %s has %v, want %v", followers[0], got, want)
	}

	// Three of five down: no majority.
	commit := v.Nodes[l-1].Commit
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: followers[0]}, wire.Command{Kind: wire.CmdCrash, Node: followers[1]}, wire.Command{Kind: wire.CmdCrash, Node: followers[2]})
	if h := consoleSet(t, c, "lost", "maybe", l); acked(h) {
		t.Fatalf("a write was acknowledged with 2 of 5 nodes up: %+v", h)
	}
	v = quickView(c)
	for _, id := range []core.NodeID{l, followers[3]} {
		if v.Nodes[id-1].Commit != commit {
			t.Fatalf("%s's commit index moved from %d to %d without a majority", id, commit, v.Nodes[id-1].Commit)
		}
	}
	restartAll(t, c)
	waitLeader(t, c, all, 5000)
	write("c0")
	run(t, c, 1000)
	v = c.View(0)
	sameLogs(t, v)
	sameKV(t, v)
	got := kvMap(v.Nodes[0])
	for k, val := range want {
		if got[k] != val {
			t.Fatalf("acknowledged %s=%s missing: %v", k, val, got)
		}
	}
}

// TestScenarioNoAgreementWithoutMajority: a 5-node cluster split 2|3 with
// the leader on the 2 side. A write sent there is appended but never
// commits; the 3 side elects a leader in a higher term and commits; after
// healing, the minority's uncommitted entries are replaced everywhere.
// Without CheckQuorum the stale leader keeps leading and accepting writes.
func TestScenarioNoAgreementWithoutMajority(t *testing.T) {
	for _, checkQuorum := range []bool{true, false} {
		t.Run(fmt.Sprintf("check_quorum=%v", checkQuorum), func(t *testing.T) {
			c := newScenario(t, 5, func(cfg *wire.Config) {
				cfg.Raft.CheckQuorum = checkQuorum
				cfg.Raft.ReadOnlyLeaseBased = false // requires CheckQuorum
			})
			all := allIDs(c)
			old := waitLeader(t, c, all, 3000)
			if h := consoleSet(t, c, "before", "1", old); !acked(h) {
				t.Fatalf("write before the partition: %+v", h)
			}
			oldTerm := quickView(c).Nodes[old-1].Term
			minority := []core.NodeID{old, old%5 + 1}
			majority := without(all, minority...)
			do(t, c, wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{minority, majority}})
			v := quickView(c)
			commit, last := v.Nodes[old-1].Commit, v.Nodes[old-1].LastIndex
			writes := 1
			if !checkQuorum {
				writes = 3
			}
			for i := 0; i < writes; i++ {
				if h := consoleSet(t, c, fmt.Sprintf("minority%d", i), "lost", old); acked(h) {
					t.Fatalf("the minority side acknowledged a write: %+v", h)
				}
			}
			v = quickView(c)
			o := v.Nodes[old-1]
			if o.Commit != commit {
				t.Fatalf("minority leader's commit moved from %d to %d", commit, o.Commit)
			}
			if o.LastIndex < last+core.LogIndex(writes) {
				t.Fatalf("old leader's log ends at %d; want the %d writes appended after %d", o.LastIndex, writes, last)
			}
			if checkQuorum && o.Role == core.RoleLeader {
				t.Fatalf("%s still leads without a quorum, check_quorum on", old)
			}
			if !checkQuorum && (o.Role != core.RoleLeader || o.Term != oldTerm) {
				t.Fatalf("%s is %s in term %d; without check_quorum the stale leader keeps leading term %d", old, o.Role, o.Term, oldTerm)
			}
			l := waitLeader(t, c, majority, 5000)
			if term := quickView(c).Nodes[l-1].Term; term <= oldTerm {
				t.Fatalf("majority leader %s in term %d, not above %d", l, term, oldTerm)
			}
			if h := consoleSet(t, c, "majority", "kept", l); !acked(h) {
				t.Fatalf("majority could not commit: %+v", h)
			}
			do(t, c, wire.Command{Kind: wire.CmdHeal})
			run(t, c, 3000)
			v = c.View(0)
			sameLogs(t, v)
			sameKV(t, v)
			if got := fmt.Sprint(kvMap(v.Nodes[old-1])); got != "map[before:1 majority:kept]" {
				t.Fatalf("%s's store after healing: %s", old, got)
			}
			for _, n := range v.Nodes {
				for _, e := range n.Log {
					if strings.Contains(e.Op, "minority") {
						t.Fatalf("%s still holds the minority's entry %+v", n.ID, e)
					}
				}
			}
			if got := v.Nodes[old-1].Term; got < v.Nodes[l-1].Term {
				t.Fatalf("old leader's term %d behind the leader's %d", got, v.Nodes[l-1].Term)
			}
		})
	}
}

// TestScenarioRejoiningStaleLeader follows the labs' rejoin test on 3 nodes
// without CheckQuorum: the leader is cut off and takes writes that cannot
// commit; the others elect a leader and commit; that one is cut off in turn
// as the old leader rejoins. The old leader's log is stale, so only the
// third node can win; then everyone rejoins and the logs converge.
func TestScenarioRejoiningStaleLeader(t *testing.T) {
	c := newScenario(t, 3, func(cfg *wire.Config) { cfg.Raft.CheckQuorum = false })
	all := allIDs(c)
	mustSet := func(key, value string, node core.NodeID) {
		t.Helper()
		if h := consoleSet(t, c, key, value, node); !acked(h) {
			t.Fatalf("write %s=%s: %+v", key, value, h)
		}
	}
	l1 := waitLeader(t, c, all, 3000)
	mustSet("a", "1", 0)
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: l1})
	for i := 0; i < 3; i++ {
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("stale%d", i), Value: "x", Node: l1})
	}
	run(t, c, 200)
	t1 := quickView(c).Nodes[l1-1].Term
	rest := without(all, l1)
	l2 := waitLeader(t, c, rest, 5000)
	mustSet("b", "2", l2)
	// The stale leader comes back as the new one goes.
	do(t, c, wire.Command{Kind: wire.CmdHeal}, wire.Command{Kind: wire.CmdIsolate, Node: l2})
	third := without(rest, l2)[0]
	if l3 := waitLeader(t, c, []core.NodeID{l1, third}, 5000); l3 != third {
		t.Fatalf("%s won with a stale log; only %s could", l3, third)
	}
	mustSet("c", "3", third)
	if term := quickView(c).Nodes[l1-1].Term; term <= t1 {
		t.Fatalf("the stale leader's term stayed at %d", term)
	}
	do(t, c, wire.Command{Kind: wire.CmdHeal})
	waitLeader(t, c, all, 5000)
	mustSet("d", "4", 0)
	run(t, c, 1000)
	v := c.View(0)
	sameLogs(t, v)
	sameKV(t, v)
	if got := fmt.Sprint(kvMap(v.Nodes[l1-1])); got != "map[a:1 b:2 c:3 d:4]" {
		t.Fatalf("store after rejoining: %s", got)
	}
}

// TestScenarioFastBackupOverDivergentLogs: a leader cut off with 50
// proposals it cannot commit; the majority commits 50 others. On healing,
// a leader that has not yet probed the old one replaces the 50 divergent
// entries after a handful of rejected appends (etcd's conflict hint), not
// one per entry.
func TestScenarioFastBackupOverDivergentLogs(t *testing.T) {
	c := newScenario(t, 5, func(cfg *wire.Config) { cfg.Raft.CheckQuorum = false })
	all := allIDs(c)
	old := waitLeader(t, c, all, 3000)
	if h := consoleSet(t, c, "base", "0", 0); !acked(h) {
		t.Fatal(h)
	}
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: old})
	for i := 0; i < 50; i++ {
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("stale%d", i), Value: "x", Node: old})
	}
	l := waitLeader(t, c, without(all, old), 5000)
	for i := 0; i < 50; i++ {
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("good%d", i), Value: "y", Node: l})
	}
	run(t, c, 2000)
	// Hand leadership to another node of the majority: a new leader knows
	// nothing of the cut-off node's log and starts probing it from its own
	// last index, 50 entries past the divergence. (The first new leader
	// would not need to back up: its probe was stuck where it took office.)
	rest := without(all, old, l)
	next := rest[0]
	do(t, c, wire.Command{Kind: wire.CmdTransfer, Node: next})
	run(t, c, 1000)
	if agreedLeader(quickView(c), without(all, old)) != next {
		t.Fatalf("leadership was not transferred to %s", next)
	}
	l = next
	v := quickView(c)
	if o := v.Nodes[old-1]; o.LastIndex-o.Commit < 50 {
		t.Fatalf("old leader has %d uncommitted entries; want 50", o.LastIndex-o.Commit)
	}
	if n := v.Nodes[l-1]; n.Commit < v.Nodes[old-1].Commit+50 {
		t.Fatalf("new leader committed to %d, want 50 past %d", n.Commit, v.Nodes[old-1].Commit)
	}
	before := c.EventCount()
	do(t, c, wire.Command{Kind: wire.CmdHeal})
	run(t, c, 3000)
	rejections := 0
	for _, e := range c.Events(before) {
		if e.Kind == wire.EvDeliver && e.Node == l && e.Peer == old && e.Type == "MsgAppResp" && strings.Contains(e.Text, "Rejected") {
			rejections++
		}
	}
	v = c.ViewWith(wire.ViewOptions{KVLimit: wire.MaxKVLimit})
	sameLogs(t, v)
	sameKV(t, v)
	if kv := kvMap(v.Nodes[old-1]); len(kv) != 51 || kv["stale0"] != "" || kv["good49"] != "y" {
		t.Fatalf("old leader's store after healing: %v", kv)
	}
	t.Logf("%d rejected appends replaced 50 divergent entries", rejections)
	if rejections == 0 || rejections > 5 {
		t.Fatalf("%d rejected appends to replace 50 divergent entries; want 1 to 5", rejections)
	}
}

// TestScenarioFigure8Unreliable, after the labs' Figure 8 test: over an
// unreliable network (drops, duplicates, reordering) with clients, leaders
// crash again and again, often right after taking a write, and restart.
// Every committed entry any node shows, crashed nodes included, must never
// change; at the end, with the network repaired, one more write commits and
// every node agrees.
func TestScenarioFigure8Unreliable(t *testing.T) {
	c := newScenario(t, 5, func(cfg *wire.Config) {
		cfg.Network = wire.NetworkConfig{MinLatencyMS: 1, MaxLatencyMS: 60, DropRate: 0.1, DuplicateRate: 0.05, ReorderRate: 0.2}
		cfg.Clients = wire.ClientConfig{Count: 3, RatePerSec: 10, TimeoutMS: 1000, Keys: 5}
	})
	rng := mrand.New(mrand.NewPCG(c.Config().Seed, 8))
	watch := newCommittedWatch()
	leaders := newLeaderLog()
	crashes := 0
	for round := 0; round < 500; round++ {
		if ls := leadersIn(quickView(c)); len(ls) > 0 {
			do(t, c, wire.Command{Kind: wire.CmdSet, Key: "f8", Value: fmt.Sprint(round), Node: ls[len(ls)-1].ID})
		}
		ms := int64(1 + rng.IntN(100))
		if rng.IntN(10) == 0 {
			ms = int64(500 + rng.IntN(2000))
		}
		for end := c.Now() + ms; c.Now() < end; {
			run(t, c, min(200, end-c.Now()))
			watch.observe(t, c.View(0))
		}
		v := quickView(c)
		if ls := leadersIn(v); len(ls) > 0 && rng.IntN(2) == 0 {
			do(t, c, wire.Command{Kind: wire.CmdCrash, Node: ls[rng.IntN(len(ls))].ID})
			crashes++
		}
		var down []core.NodeID
		for _, n := range quickView(c).Nodes {
			if !n.Up {
				down = append(down, n.ID)
			}
		}
		if len(down) > 2 || (len(down) > 0 && rng.IntN(4) == 0) {
			do(t, c, wire.Command{Kind: wire.CmdRestart, Node: down[rng.IntN(len(down))]})
		}
		if round%10 == 0 {
			leaders.scan(t, c)
		}
	}
	restartAll(t, c)
	do(t, c, wire.Command{Kind: wire.CmdNetwork, Network: &wire.NetworkConfig{MinLatencyMS: 10, MaxLatencyMS: 30}})
	do(t, c, wire.Command{Kind: wire.CmdRemoveClients, Count: 3})
	waitLeader(t, c, allIDs(c), 10_000)
	if h := consoleSet(t, c, "final", "1", 0); !acked(h) {
		t.Fatalf("no agreement after repairing the network: %+v", h)
	}
	run(t, c, 2000)
	v := c.View(0)
	watch.observe(t, v)
	leaders.scan(t, c)
	sameLogs(t, v)
	sameKV(t, v)
	t.Logf("%d leader crashes, %d leaderships, %d committed entries watched", crashes, leaders.count, len(watch.at))
	if crashes < 40 || len(watch.at) < 200 {
		t.Fatalf("only %d leader crashes and %d committed entries: the scenario tests too little", crashes, len(watch.at))
	}
	if r := c.CheckLinearizable(); !r.OK {
		t.Fatal(r.Text)
	}
}

// TestScenarioCrashRestartKeepsCommittedData, after the labs' persistence
// tests: three nodes, rounds of writes, then all of them, or two, or just the
// leader right after it acknowledged a write, crash and restart. Every
// acknowledged write is in every node's store after recovery.
func TestScenarioCrashRestartKeepsCommittedData(t *testing.T) {
	c := newScenario(t, 3, nil)
	rng := mrand.New(mrand.NewPCG(c.Config().Seed, 5))
	all := allIDs(c)
	waitLeader(t, c, all, 3000)
	want := map[string]string{}
	ackedWrites := 0
	for round := 0; round < 12; round++ {
		for i := 0; i < 3; i++ {
			key, value := fmt.Sprintf("r%d.%d", round, i), fmt.Sprint(rng.Int())
			if h := consoleSet(t, c, key, value, 0); acked(h) {
				want[key] = value
				ackedWrites++
			}
		}
		// One key overwritten every round; a write with an unknown outcome
		// leaves it uncertain until the next acknowledged one.
		value := fmt.Sprint(round)
		if h := consoleSet(t, c, "x", value, 0); acked(h) {
			want["x"] = value
		} else {
			delete(want, "x")
		}
		var victims []core.NodeID
		switch round % 3 {
		case 0:
			victims = all
		case 1:
			p := rng.Perm(3)
			victims = []core.NodeID{core.NodeID(p[0] + 1), core.NodeID(p[1] + 1)}
		default:
			// The leader, the instant it answered: followers may not know
			// the entry is committed yet.
			victims = []core.NodeID{leadersIn(quickView(c))[0].ID}
		}
		for _, id := range victims {
			do(t, c, wire.Command{Kind: wire.CmdCrash, Node: id})
		}
		run(t, c, int64(rng.IntN(1500)))
		for _, p := range rng.Perm(len(victims)) {
			do(t, c, wire.Command{Kind: wire.CmdRestart, Node: victims[p]})
			run(t, c, int64(rng.IntN(300)))
		}
		waitLeader(t, c, all, 5000)
		run(t, c, 1000)
		v := c.View(0)
		sameKV(t, v)
		got := kvMap(v.Nodes[0])
		for k, val := range want {
			if got[k] != val {
				t.Fatalf("round %d: acknowledged %s=%s lost after crashing %v: store has %q", round, k, val, victims, got[k])
			}
		}
	}
	if ackedWrites < 30 {
		t.Fatalf("only %d of 36 writes acknowledged", ackedWrites)
	}
}

// TestScenarioSnapshotToLaggingFollower: with a snapshot every 20 entries
// keeping 5, a follower crashed or cut off while 100 entries are written
// has fallen behind the leader's compacted log; when it is back, the leader
// sends a snapshot, the follower installs it and ends with the leader's
// store.
func TestScenarioSnapshotToLaggingFollower(t *testing.T) {
	for _, how := range []wire.CommandKind{wire.CmdCrash, wire.CmdIsolate} {
		t.Run(string(how), func(t *testing.T) {
			c := newScenario(t, 3, func(cfg *wire.Config) {
				cfg.Raft.SnapshotIntervalEntries, cfg.Raft.SnapshotCatchupEntries = 20, 5
			})
			all := allIDs(c)
			l := waitLeader(t, c, all, 3000)
			f := without(all, l)[0]
			do(t, c, wire.Command{Kind: how, Node: f})
			for i := 0; i < 100; i++ {
				do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("k%03d", i), Value: fmt.Sprint(i), Node: l})
				run(t, c, 20)
			}
			run(t, c, 500)
			v := quickView(c)
			if lf, ff := v.Nodes[l-1].FirstIndex, v.Nodes[f-1].LastIndex; lf <= ff+1 {
				t.Fatalf("leader's log starts at %d; the follower's ends at %d: no snapshot needed", lf, ff)
			}
			before := c.EventCount()
			if how == wire.CmdCrash {
				do(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
			} else {
				do(t, c, wire.Command{Kind: wire.CmdHeal})
			}
			run(t, c, 3000)
			sent, installed := false, false
			for _, e := range c.Events(before) {
				sent = sent || (e.Kind == wire.EvSnapshotSend && e.Node == l && e.Peer == f)
				installed = installed || (e.Kind == wire.EvSnapshotInstall && e.Node == f)
			}
			if !sent || !installed {
				t.Fatalf("snapshot sent by %s: %v; installed by %s: %v", l, sent, f, installed)
			}
			v = c.View(0)
			sameKV(t, v)
			sameLogs(t, v)
			if n := v.Nodes[f-1]; n.KV.Count != 100 || n.SnapshotIndex == 0 {
				t.Fatalf("follower has %d keys, snapshot index %d", n.KV.Count, n.SnapshotIndex)
			}
		})
	}
}

// TestScenarioDuplicateAppendDoesNotTruncate uses manual delivery: a
// follower receives a leader's append, then the next one, then a late
// duplicate of the first. The duplicate must not cut the newer entry off
// its log (an existing entry is only replaced on a conflict).
func TestScenarioDuplicateAppendDoesNotTruncate(t *testing.T) {
	c := newScenario(t, 3, nil)
	all := allIDs(c)
	l := waitLeader(t, c, all, 3000)
	f := without(all, l)[0]
	run(t, c, 500)
	do(t, c, wire.Command{Kind: wire.CmdManual, On: true})
	// No time passes from here until manual mode ends: the leader keeps its
	// lease.
	appendTo := func(key string) wire.MessageView {
		t.Helper()
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: key, Value: "1", Node: l})
		for _, m := range c.View(0).Messages {
			if m.From == l && m.To == f && m.Type == "MsgApp" && m.Entries > 0 && m.DeliverAt == 0 && strings.Contains(m.Text, key) {
				return m
			}
		}
		t.Fatalf("no append of %s from %s to %s held", key, l, f)
		return wire.MessageView{}
	}
	m1 := appendTo("a")
	do(t, c, wire.Command{Kind: wire.CmdDuplicate, Msg: m1.ID})
	do(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: m1.ID})
	m2 := appendTo("b")
	do(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: m2.ID})
	last := quickView(c).Nodes[f-1].LastIndex
	if last != m2.Index+1 {
		t.Fatalf("%s's log ends at %d after the second append (after %d)", f, last, m2.Index)
	}
	var dup wire.MessageView
	for _, m := range c.View(0).Messages {
		if m.From == l && m.To == f && m.Type == "MsgApp" && m.Index == m1.Index && m.ID != m1.ID {
			dup = m
		}
	}
	if dup.ID == 0 {
		t.Fatal("the duplicate of the first append is not in flight")
	}
	do(t, c, wire.Command{Kind: wire.CmdDeliver, Msg: dup.ID})
	if got := quickView(c).Nodes[f-1].LastIndex; got != last {
		t.Fatalf("a late duplicate append cut %s's log from %d to %d", f, last, got)
	}
	do(t, c, wire.Command{Kind: wire.CmdManual, On: false})
	run(t, c, 2000)
	v := c.View(0)
	sameLogs(t, v)
	sameKV(t, v)
	if got := fmt.Sprint(kvMap(v.Nodes[f-1])); got != "map[a:1 b:1]" {
		t.Fatalf("store: %s", got)
	}
}

// TestScenarioChurnWithClients: five clients over 60 virtual seconds of
// random crashes, restarts and partitions (symmetric and one-way). No
// violation; after healing and a quiet period every acknowledged write is
// applied, the history is linearizable, and every node's store is the one
// replaying the committed log gives.
func TestScenarioChurnWithClients(t *testing.T) {
	c := newScenario(t, 5, func(cfg *wire.Config) {
		cfg.Clients = wire.ClientConfig{Count: 5, RatePerSec: 10, TimeoutMS: 1500, Keys: 4}
	})
	applied := watchApplied(c)
	rng := mrand.New(mrand.NewPCG(c.Config().Seed, 11))
	for c.Now() < 60_000 {
		run(t, c, int64(500+rng.IntN(2500)))
		do(t, c, chaosCommand(c, rng))
	}
	restartAll(t, c)
	run(t, c, 5000)
	do(t, c, wire.Command{Kind: wire.CmdRemoveClients, Count: 5})
	run(t, c, 5000)
	if err := checkConverged(c, applied); err != nil {
		t.Fatal(err)
	}
	if r := c.CheckLinearizable(); !r.OK || r.Ops < 200 {
		t.Fatalf("linearizable %v over %d operations: %s", r.OK, r.Ops, r.Text)
	}
}
