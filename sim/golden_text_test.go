package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// textGolden is a short scripted run whose whole trace is kept as text in
// testdata/trace_<name>.txt, one event per line, so that a change of
// behaviour shows as a readable diff (git diff after -update) rather than
// only as a hash mismatch in testdata/trace_golden.json.
type textGolden struct {
	name  string
	about string // the file's header: what the run shows
	run   func(t *testing.T) *Cluster
}

// goldenCluster is a cluster with a fixed seed and config: unlike
// newScenario it ignores SESHAT_SCENARIO_SEED, since its trace is pinned.
func goldenCluster(t *testing.T, nodes int, seed uint64) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	cfg.Seed = seed
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// goldenApply applies cmd, failing the test on an error.
func goldenApply(t *testing.T, c *Cluster, cmd wire.Command) {
	t.Helper()
	if err := c.Apply(cmd); err != nil {
		t.Fatalf("at %d ms: %s: %v", c.Now(), cmd.Kind, err)
	}
}

var textGoldens = []textGolden{
	{
		name:  "election",
		about: "3 nodes, seed 1, no clients: the first election, then 300 ms of heartbeats.",
		run: func(t *testing.T) *Cluster {
			c := goldenCluster(t, 3, 1)
			waitLeader(t, c, allIDs(c), 5000)
			run(t, c, 300)
			return c
		},
	},
	{
		name: "crash-restart",
		about: "3 nodes, seed 2: a write through the leader, a follower crashes, a second write " +
			"commits without it, the follower restarts and catches up.",
		run: func(t *testing.T) *Cluster {
			c := goldenCluster(t, 3, 2)
			leader := waitLeader(t, c, allIDs(c), 5000)
			goldenApply(t, c, wire.Command{Kind: wire.CmdSet, Key: "x", Value: "1"})
			run(t, c, 200)
			follower := without(allIDs(c), leader)[0]
			goldenApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: follower})
			goldenApply(t, c, wire.Command{Kind: wire.CmdSet, Key: "y", Value: "2"})
			run(t, c, 200)
			goldenApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: follower})
			run(t, c, 400)
			return c
		},
	},
	{
		name: "partition",
		about: "5 nodes, seed 3: the leader and one follower are cut off from the other three, " +
			"who elect a new leader; the old leader steps down when it hears from no quorum, and after " +
			"the heal both cut-off nodes follow the new leader.",
		run: func(t *testing.T) *Cluster {
			c := goldenCluster(t, 5, 3)
			leader := waitLeader(t, c, allIDs(c), 5000)
			rest := without(allIDs(c), leader)
			minority := []core.NodeID{leader, rest[0]}
			goldenApply(t, c, wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{minority, rest[1:]}})
			waitLeader(t, c, rest[1:], 5000)
			goldenApply(t, c, wire.Command{Kind: wire.CmdHeal})
			waitLeader(t, c, allIDs(c), 5000)
			run(t, c, 100)
			return c
		},
	},
}

// traceText renders the whole trace of c, one event per line:
// virtual time in ms, node (- for none), kind, text.
func traceText(t *testing.T, c *Cluster, about string) string {
	t.Helper()
	evs := c.Events(0)
	if uint64(len(evs)) != c.EventCount() {
		t.Fatalf("the trace kept %d of %d events: shorten the run", len(evs), c.EventCount())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# time(ms) node kind text; regenerate with: go test ./sim -run TestTraceTextMatchesGolden -update\n", about)
	for _, e := range evs {
		node := "-"
		if e.Node != 0 {
			node = e.Node.String()
		}
		fmt.Fprintf(&b, "%d %s %s %s\n", e.At, node, e.Kind, e.Text)
	}
	return b.String()
}

// TestTraceTextMatchesGolden pins the whole trace of a few short scripted
// runs as text. With -update (natively) it rewrites the files; review the
// change with git diff.
func TestTraceTextMatchesGolden(t *testing.T) {
	for _, g := range textGoldens {
		t.Run(g.name, func(t *testing.T) {
			got := traceText(t, g.run(t), g.about)
			path := filepath.Join("testdata", "trace_"+g.name+".txt")
			if *update {
				if runtime.GOOS == "js" {
					t.Fatal("regenerate the golden files natively, then check them under wasm")
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (generate it with -update)", err)
			}
			if msg := firstDiff(string(data), got); msg != "" {
				t.Errorf("%s/%s: the trace differs from %s:\n%s\nIf the change is intended, run go test ./sim -run TestTraceTextMatchesGolden -update and review git diff %s",
					runtime.GOOS, runtime.GOARCH, path, msg, path)
			}
		})
	}
}

// firstDiff describes where want and got differ (up to a few lines), or
// returns "" when they are equal.
func firstDiff(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 5; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
			shown++
		}
	}
	fmt.Fprintf(&b, "(want %d lines, got %d)", len(w)-1, len(g)-1)
	return b.String()
}
