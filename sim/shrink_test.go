package sim

import (
	"errors"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// checkShrunk checks a shrink result: smaller, failing on replay.
func checkShrunk(t *testing.T, r ShrinkResult, plant func(*Cluster), fails func(*Cluster) bool) {
	t.Helper()
	if r.After.Commands > r.Before.Commands || r.After.Until > r.Before.Until || !smaller(r.After, r.Before) && len(r.Simplified) == 0 {
		t.Fatalf("shrunk to %s from %s: not smaller", r.After, r.Before)
	}
	c, err := replayPlanted(r.Session, plant)
	if err != nil {
		t.Fatalf("replaying the shrunk session: %v", err)
	}
	if !fails(c) {
		t.Fatalf("the shrunk session (%s) replays without the failure", r.After)
	}
	t.Logf("%s -> %s in %d runs (simplified: %v): %s", r.Before, r.After, r.Runs, r.Simplified, r.Failure)
}

// plantedFaults are the faults the checkers are shown catching, each
// planted from a run's start (the scenario tests plant several midway) and
// shaken out by chaos runs; fails, if not nil, is the failure that is not a
// checker's halt (linearizability, checked at the end).
func plantedFaults(t *testing.T) []struct {
	name       string
	plant      func(*Cluster)
	membership bool
	seconds    int64
	seeds      []uint64
	fails      func(*Cluster) bool
} {
	notLinearizable := func(c *Cluster) bool { return !c.CheckLinearizable().OK }
	crashed := func(fault int, dropTail uint64, corrupt func(*pb.Entry) *pb.Entry) func(*Cluster) {
		return func(c *Cluster) {
			c.hooks.crashed = func(_ *Cluster, n *simNode) { n.store = rebuilt(t, n.store, fault, dropTail, corrupt) }
		}
	}
	upTo := func(n uint64) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			out[i] = uint64(i + 1)
		}
		return out
	}
	// A state machine that skips the first write it applies after 2 s on
	// node 2.
	skipWrite := func(c *Cluster) {
		done := false
		c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
			if n.id != 2 || done || c.now < 2000 {
				return
			}
			for _, r := range u.Applied {
				if r.Op != nil && r.Op.Kind == statemachine.OpSet {
					forgetKey(t, n.rn.StateMachine(), r.Op.Key)
					done = true
					return
				}
			}
		}
	}
	// A follower that takes office on its own vote after 3 s.
	selfElected := func(c *Cluster) {
		done := false
		c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
			if !done && c.now >= 3000 && n.Role == core.RoleFollower && n.Leader != 0 {
				done = true
				n.Term++
				u.RoleChanged, u.Role = true, core.RoleLeader
			}
		}
	}
	// A learner that takes office, with every vote, once it exists.
	learnerLeads := func(c *Cluster) {
		done := false
		c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
			if done || n.conf == nil || !slices.Contains(n.conf.GetLearners(), uint64(n.id)) {
				return
			}
			done = true
			for _, v := range c.nodes {
				c.safety.voteGranted(n.id, v.id, n.Term+1)
			}
			n.Term++
			u.RoleChanged, u.Role = true, core.RoleLeader
		}
	}
	return []struct {
		name       string
		plant      func(*Cluster)
		membership bool
		seconds    int64
		seeds      []uint64
		fails      func(*Cluster) bool
	}{
		{"forgotten vote", crashed(forgetVote, 0, nil), false, 30, upTo(30), nil},
		{"forgotten hard state", crashed(forgetHardState, 0, nil), false, 30, upTo(30), nil},
		// The configuration's fault (wire.FaultAckBeforePersist) as planted.
		{"acknowledged before persisted", func(c *Cluster) {
			c.hooks.crashed = func(_ *Cluster, n *simNode) { n.store = loseLastEntry(n.store) }
		}, false, 30, upTo(30), nil},
		{"corrupted entry", crashed(keepHardState, 0, func(e *pb.Entry) *pb.Entry {
			if e.GetType() == pb.EntryNormal && len(e.GetData()) > 0 {
				return ent(e.GetIndex(), e.GetTerm(), setOp("k", "garbage"))
			}
			return e
		}), false, 30, upTo(30), nil},
		{"state machine skipping a write", skipWrite, false, 30, upTo(10), nil},
		{"leader on its own vote", selfElected, false, 30, upTo(10), nil},
		{"learner taking office", learnerLeads, true, 30, upTo(30), nil},
		{"membership changes without etcd's check", func(c *Cluster) {
			// The nodes start again without etcd's check, before any step
			// (with the cluster's entropy: etcd draws election timeouts).
			c.hooks.noConfChangeCheck = true
			withEntropy(c.ent, func() {
				for _, n := range c.nodes {
					c.crashLocked(n)
					if err := c.startNode(n, true); err != nil {
						t.Fatal(err)
					}
				}
			})
		}, true, 30, upTo(60), nil},
		{"stale reads", func(c *Cluster) { c.hooks.localRead = func(*Cluster, *simNode) bool { return true } }, false, 30, upTo(20), notLinearizable},
	}
}

// TestShrinkPlantedFaults: every planted fault's chaos failure shrinks to
// a smaller session that still fails the same way when replayed.
func TestShrinkPlantedFaults(t *testing.T) {
	for _, tc := range plantedFaults(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
			var s Session
			var prop string
			for _, seed := range tc.seeds {
				c, err := chaosRunOpts(seed, tc.seconds*1000, chaosOpts{plant: tc.plant, membership: tc.membership})
				if err == nil || c == nil {
					continue
				}
				if tc.fails == nil && c.Halted() != nil {
					s, prop = c.Export(), c.Halted().Property
					break
				}
				if tc.fails != nil && c.Halted() == nil && tc.fails(c) {
					s = c.Export()
					break
				}
			}
			if s.Config.Nodes == 0 {
				t.Fatalf("no seed of %d failed", len(tc.seeds))
			}
			fails := tc.fails
			if fails == nil {
				fails = func(c *Cluster) bool { return c.Halted() != nil && c.Halted().Property == prop }
			}
			var seen []ShrinkProgress
			r, err := Shrink(s, ShrinkOptions{plant: tc.plant, Fails: tc.fails, MaxRuns: 300, Progress: func(p ShrinkProgress) { seen = append(seen, p) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != r.Runs || seen[len(seen)-1].Runs != r.Runs || seen[0].Max != 300 {
				t.Fatalf("progress reported %d times (last %+v) for %d runs", len(seen), seen[len(seen)-1], r.Runs)
			}
			checkShrunk(t, r, tc.plant, fails)
		})
	}
}

func TestShrinkRefusesASessionThatDoesNotFail(t *testing.T) {
	c := freshRun(t, 3, 2)
	apply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 1})
	if err := c.RunFor(2000); err != nil {
		t.Fatal(err)
	}
	if _, err := Shrink(c.Export(), ShrinkOptions{}); !errors.Is(err, wire.ErrImpossible) {
		t.Fatalf("Shrink of a healthy session: %v, want ErrImpossible", err)
	}
}

// TestImportOfASessionHaltedByACommand: a session whose last command
// halts it (a membership change that a planted fault lets through, in
// chaos seed 40) imports to the same horizon, so exporting it again gives
// the same, valid session. The import once stopped its horizon at the last
// event before that command, and its export was refused as invalid.
func TestImportOfASessionHaltedByACommand(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	for _, tc := range plantedFaults(t) {
		if !strings.HasPrefix(tc.name, "membership changes") {
			continue
		}
		c, err := chaosRunOpts(40, 30_000, chaosOpts{plant: tc.plant, membership: true})
		if err == nil || c.Halted() == nil {
			t.Fatalf("seed 40 did not halt: %v", err)
		}
		s := c.Export()
		last := s.Commands[len(s.Commands)-1]
		if last.At != s.Until {
			t.Fatalf("the last command is at %d ms, the session ends at %d: not the case this test is for", last.At, s.Until)
		}
		again, err := replayPlanted(s, tc.plant)
		if err != nil {
			t.Fatal(err)
		}
		s2 := again.Export()
		if s2.Until != s.Until {
			t.Fatalf("the import reaches %d ms, the session %d ms", s2.Until, s.Until)
		}
		if err := s2.Check(); err != nil {
			t.Fatalf("the import's export: %v", err)
		}
		return
	}
	t.Fatal("no membership fault")
}

// TestShrinkingRunsARunAtATime: StartShrink run one run at a time finds
// what Shrink finds, reporting its progress between runs; cancelled, it
// answers an error and runs no more.
func TestShrinkingRunsARunAtATime(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	fault := plantedFaults(t)[0]
	var s Session
	for _, seed := range fault.seeds {
		if c, err := chaosRunOpts(seed, 30_000, chaosOpts{plant: fault.plant}); err != nil && c.Halted() != nil {
			s = c.Export()
			break
		}
	}
	whole, err := Shrink(s, ShrinkOptions{plant: fault.plant})
	if err != nil {
		t.Fatal(err)
	}
	j, err := StartShrink(s, ShrinkOptions{plant: fault.plant})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Result(); !errors.Is(err, wire.ErrImpossible) {
		t.Fatalf("Result before the end: %v", err)
	}
	slices := 0
	for !j.Run(1) {
		slices++
		if p := j.Progress(); p.Runs != slices || p.Max != DefaultShrinkRuns {
			t.Fatalf("after %d slices: progress %+v", slices, p)
		}
	}
	got, err := j.Result()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := MarshalSession(got.Session)
	b, _ := MarshalSession(whole.Session)
	if string(a) != string(b) || got.Runs != whole.Runs {
		t.Fatalf("run by run: %s in %d runs; at once: %s in %d runs", got.After, got.Runs, whole.After, whole.Runs)
	}

	j, _ = StartShrink(s, ShrinkOptions{plant: fault.plant})
	j.Run(3)
	j.Cancel()
	if _, err := j.Result(); !errors.Is(err, errShrinkCancelled) || !strings.Contains(err.Error(), "after 3 runs") {
		t.Fatalf("cancelled: %v", err)
	}
	if !j.Run(1) || j.Progress().Runs != 3 {
		t.Fatalf("a cancelled search ran on: %+v", j.Progress())
	}
}

// TestPlantedFaultsInTheConfiguration: each fault of wire.FaultRules,
// planted through the configuration, is caught by one of the properties
// the table names; its session shrinks, and the shrunk session, imported
// as a file or link would be, fails the same way: the fault travels with
// the session.
func TestPlantedFaultsInTheConfiguration(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	for _, rule := range wire.FaultRules() {
		t.Run(string(rule.Kind), func(t *testing.T) {
			var s Session
			var v *wire.Violation
			for seed := uint64(1); seed <= 60 && v == nil; seed++ {
				c, err := chaosRunOpts(seed, 30_000, chaosOpts{faults: []wire.FaultKind{rule.Kind}, membership: rule.Kind == wire.FaultNoConfChangeCheck})
				if err != nil && c.Halted() != nil {
					s, v = c.Export(), c.Halted()
				}
			}
			if v == nil {
				t.Fatal("no seed of 60 was halted")
			}
			if !slices.Contains(rule.Caught, v.Property) {
				t.Fatalf("halted by %s (%s); the table says %v catch it", v.Property, v.Text, rule.Caught)
			}
			r, err := Shrink(s, ShrinkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			data, err := MarshalSession(r.Session)
			if err != nil {
				t.Fatal(err)
			}
			back, err := UnmarshalSession(data)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Import(back)
			if err != nil {
				t.Fatal(err)
			}
			if h := c.Halted(); h == nil || h.Property != v.Property || !slices.Equal(c.View(1).Faults, []wire.FaultKind{rule.Kind}) {
				t.Fatalf("the shrunk session imports to %+v, faults %v", h, c.View(1).Faults)
			}
			t.Logf("%s -> %s: %s", r.Before, r.After, r.Failure)
		})
	}
	if _, err := New(wire.Config{Nodes: 3, Faults: []wire.FaultKind{"typo"}}); !errors.Is(err, wire.ErrBadConfig) || !strings.Contains(err.Error(), `"typo" is not a planted fault`) {
		t.Fatalf("an unknown fault: %v", err)
	}
}
