package etcdscript

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"go.etcd.io/raft/v3/rafttest"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// exportCase is a Seshat session to export: commands applied in order,
// each followed by running the virtual clock on by its wait (ms).
type exportCase struct {
	name    string
	nodes   int
	prevote bool
	steps   []exportStep
	tune    func(*wire.Config) // may be nil
	// notExpressible is set on a session Export refuses with
	// ErrNotExpressible, the reason in words (matched in the error).
	notExpressible string
}

type exportStep struct {
	cmd  *wire.Command // nil: only run the clock
	wait int64
}

func run(ms int64) exportStep { return exportStep{wait: ms} }
func do(cmd wire.Command, ms int64) exportStep {
	return exportStep{cmd: &cmd, wait: ms}
}
func snapshotEvery(n uint64) func(*wire.Config) {
	return func(c *wire.Config) { c.Raft.SnapshotIntervalEntries, c.Raft.SnapshotCatchupEntries = n, 1 }
}

func set(k, v string) wire.Command { return wire.Command{Kind: wire.CmdSet, Key: k, Value: v} }

var exportCases = []exportCase{
	{name: "election", nodes: 3, steps: []exportStep{run(3000)}},
	{name: "election-5-prevote", nodes: 5, prevote: true, steps: []exportStep{run(3000)}},
	{name: "writes", nodes: 3, steps: []exportStep{run(2000),
		do(set("a", "1"), 300), do(set("b", "two words=x"), 300), do(wire.Command{Kind: wire.CmdDel, Key: "a"}, 2000)}},
	{name: "partition-heal", nodes: 5, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {3, 4, 5}}}, 4000),
		do(set("b", "2"), 1000),
		do(wire.Command{Kind: wire.CmdHeal}, 5000)}},
	{name: "crash-restart", nodes: 3, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdCrash, Node: 3}, 500), do(set("b", "2"), 500),
		do(wire.Command{Kind: wire.CmdRestart, Node: 3}, 3000)}},
	{name: "crashed-follower", nodes: 3, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdCrash, Node: 3}, 500), do(set("b", "2"), 3000)}},
	{name: "partition-heal-prevote", nodes: 5, prevote: true, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdIsolate, Node: 1}, 4000), do(set("b", "2"), 1000),
		do(wire.Command{Kind: wire.CmdHeal}, 5000)}},
	{name: "remove-node", nodes: 5, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdRemoveNode, Node: 5}, 2000), do(set("b", "2"), 2000)}},
	{name: "transfer", nodes: 3, steps: []exportStep{run(2000), do(set("a", "1"), 500),
		do(wire.Command{Kind: wire.CmdTransfer, Node: 3}, 1000), do(set("b", "2"), 1000)}},
	{name: "campaign", nodes: 5, steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdCampaign, Node: 4}, 1000), do(set("b", "2"), 1000)}},
	// Nodes snapshot and compact their logs every few entries; a crashed
	// follower misses some and gets the leader's snapshot after restart.
	{name: "snapshot", nodes: 3, tune: snapshotEvery(4), steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdCrash, Node: 3}, 100),
		do(set("a", "1"), 200), do(set("b", "2"), 200), do(set("c", "3"), 200), do(set("d", "4"), 200),
		do(set("e", "5"), 200), do(set("f", "6"), 200), do(set("g", "7"), 200),
		do(wire.Command{Kind: wire.CmdRestart, Node: 3}, 3000)}},
	// The removed leader's term rose after its removal (a vote request
	// from a node that had not applied the removal yet); in a script the
	// removal is applied everywhere before the next campaign, which then
	// sends nothing to it.
	{name: "remove-leader", nodes: 3, steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdRemoveNode, Node: 1}, 4000), do(set("b", "2"), 2000)},
		notExpressible: "after it was removed"},
	// A node added to the cluster starts empty and catches up from entry
	// 1 in Seshat; in a script it would start from a snapshot of the leader
	// (InteractionEnv snapshots every applied index), so its log differs: not exported.
	{name: "add-node", nodes: 3, steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdAddNode}, 3000)},
		notExpressible: "membership changes that add nodes"},
	// A leader isolated in a minority keeps a write it cannot commit: the
	// logs diverge (the write at term 2, the new leader's entry at term 3
	// at the same index) ...
	{name: "isolated-leader-write", nodes: 3, prevote: false, steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdIsolate, Node: 1}, 10), do(wire.Command{Kind: wire.CmdSet, Node: 1, Key: "x", Value: "lost"}, 3000)}},
	// ... until the partition heals and the new leader overwrites it: no
	// node keeps the write, so the script does not propose it, and the
	// state still matches.
	{name: "isolated-leader-write-healed", nodes: 3, prevote: true, steps: []exportStep{run(2000),
		do(wire.Command{Kind: wire.CmdIsolate, Node: 1}, 10), do(wire.Command{Kind: wire.CmdSet, Node: 1, Key: "x", Value: "lost"}, 3000),
		do(set("y", "kept"), 1000), do(wire.Command{Kind: wire.CmdHeal}, 3000)}},
}

// session runs tc in the simulator and returns its exported session.
func (tc exportCase) session(t *testing.T) sim.Session {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = tc.nodes
	cfg.Raft.PreVote = tc.prevote
	if tc.tune != nil {
		tc.tune(&cfg)
	}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tc.steps {
		if s.cmd != nil {
			if err := c.Apply(*s.cmd); err != nil {
				t.Fatalf("%s: %v", s.cmd.Kind, err)
			}
		}
		if err := c.RunFor(s.wait); err != nil {
			t.Fatal(err)
		}
	}
	return c.Export()
}

// replayScript runs an exported script in InteractionEnv and returns the
// State it reaches.
func replayScript(t *testing.T, s *Script, base uint64) State {
	t.Helper()
	r := NewRunner(s)
	for !r.Done() {
		st, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		if !st.Matches() {
			t.Fatalf("line %d %q: output differs from the script's:\n%s\nwant:\n%s", st.Line, st.Text, st.Actual, st.Expected)
		}
	}
	got, err := EnvState(r.Env(), base)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestExport exports each session, runs the script through a Runner (etcd's
// InteractionEnv) and checks the final State is the Seshat run's, and that
// every directive's output is the one the script states; then runs the
// file as etcd's TestInteraction runs its own (datadriven.RunTest with
// InteractionEnv.Handle) and checks the State again.
func TestExport(t *testing.T) {
	for _, tc := range exportCases {
		t.Run(tc.name, func(t *testing.T) {
			ses := tc.session(t)
			c, err := sim.Import(ses)
			if err != nil {
				t.Fatal(err)
			}
			base := uint64(tc.nodes)
			want, err := SeshatState(c, base)
			if err != nil {
				t.Fatal(err)
			}
			if want.Leader == 0 || len(want.Nodes[0].Log) == 0 {
				t.Fatalf("the session elected no leader or wrote nothing: %+v", want)
			}
			var buf bytes.Buffer
			err = ExportSession(&buf, &ses)
			if tc.notExpressible != "" {
				if !errors.Is(err, ErrNotExpressible) || !strings.Contains(err.Error(), tc.notExpressible) || buf.Len() != 0 {
					t.Fatalf("ExportSession = %v (%d bytes written), want ErrNotExpressible naming %q", err, buf.Len(), tc.notExpressible)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(tc.name+".txt", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if err := want.Diff(replayScript(t, s, base)); err != nil {
				t.Fatalf("%v\nscript:\n%s", err, buf.String())
			}
			// As etcd's TestInteraction runs its testdata files.
			path := filepath.Join(t.TempDir(), tc.name+".txt")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			env := rafttest.NewInteractionEnv(&rafttest.InteractionOpts{SetRandomizedElectionTimeout: setRandomizedElectionTimeout})
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string { return env.Handle(t, *d) })
			got, err := EnvState(env, base)
			if err != nil {
				t.Fatal(err)
			}
			if err := want.Diff(got); err != nil {
				t.Fatalf("under datadriven.RunTest: %v", err)
			}
			var again bytes.Buffer
			if err := ExportSession(&again, &ses); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Fatalf("a second export differs (err %v)", err)
			}
		})
	}
}

// TestExportPlantedBug drops one propose directive from an exported
// script: the State check must notice.
func TestExportPlantedBug(t *testing.T) {
	tc := exportCases[2] // writes
	ses := tc.session(t)
	var buf bytes.Buffer
	if err := ExportSession(&buf, &ses); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("planted.txt", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(s.Directives, func(d Directive) bool { return d.Cmd == "propose" })
	if i < 0 {
		t.Fatal("the export proposes nothing")
	}
	s.Directives = slices.Delete(s.Directives, i, i+1)
	r := NewRunner(s)
	for !r.Done() {
		if _, err := r.Step(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := EnvState(r.Env(), uint64(tc.nodes))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sim.Import(ses)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SeshatState(c, uint64(tc.nodes))
	if err != nil {
		t.Fatal(err)
	}
	if err := want.Diff(got); !errors.Is(err, ErrNotReproduced) {
		t.Fatalf("without a propose line: Diff = %v, want ErrNotReproduced", err)
	} else {
		t.Log(err)
	}
}

// TestExportBadInput: nil input is refused with ErrNoSession, a session
// the simulator refuses with its error, and a state the exporter cannot
// write with ErrNotExpressible.
func TestExportBadInput(t *testing.T) {
	var buf bytes.Buffer
	if err := Export(&buf, nil); !errors.Is(err, ErrNoSession) {
		t.Errorf("Export(nil) = %v, want ErrNoSession", err)
	}
	if err := ExportSession(&buf, nil); !errors.Is(err, ErrNoSession) {
		t.Errorf("ExportSession(nil) = %v, want ErrNoSession", err)
	}
	if err := ExportSession(&buf, &sim.Session{}); !errors.Is(err, wire.ErrBadSession) {
		t.Errorf("ExportSession(empty) = %v, want wire.ErrBadSession", err)
	}
	cfg := wire.DefaultConfig()
	cfg.Nodes = 1
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Export(&buf, c); !errors.Is(err, ErrNotExpressible) || !strings.Contains(err.Error(), "single-node") {
		t.Errorf("Export(one node) = %v, want ErrNotExpressible", err)
	}
	if buf.Len() != 0 {
		t.Errorf("failed exports wrote %d bytes", buf.Len())
	}
}

// TestExportChaos exports runs with clients, lost messages, crashes and
// isolations on several seeds: each either exports, reaching the run's
// State (Export checks it), or is refused as not expressible; never
// ErrNotReproduced. Some of them need a follower that has not learnt the
// last commit (withholdCommit); two in five snapshot every few entries.
func TestExportChaos(t *testing.T) {
	exported, withheld, compacted := 0, 0, 0
	for seed := uint64(1); seed <= 60; seed++ {
		cfg := wire.DefaultConfig()
		cfg.Nodes = 3 + int(seed%3)
		cfg.Seed = seed
		cfg.Clients.Count = 2
		cfg.Network.DropRate = 0.05
		cfg.Raft.PreVote = seed%4 < 2
		if seed%5 < 2 {
			snapshotEvery(5 + seed%4)(&cfg)
		}
		c, err := sim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			at  int64
			cmd wire.Command
		}{{5000, wire.Command{Kind: wire.CmdCrash, Node: 1}}, {8000, wire.Command{Kind: wire.CmdRestart, Node: 1}}}
		switch seed % 3 {
		case 1:
			steps[0].cmd, steps[1].cmd = wire.Command{Kind: wire.CmdIsolate, Node: core.NodeID(1 + seed%2)}, wire.Command{Kind: wire.CmdHeal}
		case 2:
			steps = steps[:1]
		}
		for _, s := range steps {
			if err := c.RunUntil(s.at); err != nil {
				t.Fatal(err)
			}
			if err := c.Apply(s.cmd); err != nil {
				t.Fatalf("seed %d: %s: %v", seed, s.cmd.Kind, err)
			}
		}
		if err := c.RunUntil(12000 + int64(seed%7)*37); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		switch err := Export(&buf, c); {
		case err == nil:
			exported++
			if strings.Contains(buf.String(), "learn it is committed") {
				withheld++
			}
			if strings.Contains(buf.String(), "\ncompact ") {
				compacted++
			}
		case !errors.Is(err, ErrNotExpressible):
			t.Errorf("seed %d: %v", seed, err)
		}
	}
	t.Logf("%d of 60 runs exported, %d withholding a commit, %d compacting", exported, withheld, compacted)
	if exported < 50 || withheld == 0 || compacted == 0 {
		t.Errorf("%d runs exported, %d withholding a commit, %d compacting; want at least 50, 1 and 1", exported, withheld, compacted)
	}
}

// TestExportCommitLagsByTwo pins a known limit: a follower that received
// two pipelined entries before it heard either was committed (log 40,
// commit 38) is not reproduced, as every append the script sends carries
// the leader's commit of the entry before. Export refuses it with
// ErrNotReproduced, naming the node, and writes nothing. (Found in a run
// with the local-read planted fault, which changes only how reads are
// served: the appends are etcd's own pipelining.)
func TestExportCommitLagsByTwo(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Seed, cfg.Clients.Count = 3, 3, 3
	cfg.Faults = []wire.FaultKind{wire.FaultLocalRead}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		at  int64
		cmd wire.Command
	}{{5000, wire.Command{Kind: wire.CmdCrash, Node: 1}}, {8000, wire.Command{Kind: wire.CmdRestart, Node: 1}}} {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(s.cmd); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RunUntil(15000); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = Export(&buf, c)
	if !errors.Is(err, ErrNotReproduced) || !strings.Contains(err.Error(), "node 1: commit 39, want 38") || buf.Len() != 0 {
		t.Fatalf("Export = %v (%d bytes); want ErrNotReproduced for node 1's commit", err, buf.Len())
	}
}
