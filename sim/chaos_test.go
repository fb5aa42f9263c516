package sim

import (
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/seshat-raft/seshat/core"
)

// chaosEnv reads a positive integer setting from the environment.
func chaosEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestChaos runs many seeds of mixed faults with clients and requires zero
// safety violations, every acknowledged write applied, a linearizable
// history and identical key-value stores at the end.
//
// SESHAT_CHAOS_SEEDS (default 100), SESHAT_CHAOS_SECONDS (default 60) and
// SESHAT_CHAOS_FIRST (default 1) set the seeds and virtual duration; `make
// chaos SEEDS=1000` runs a longer campaign.
func TestChaos(t *testing.T) {
	seeds := chaosEnv("SESHAT_CHAOS_SEEDS", 100)
	seconds := chaosEnv("SESHAT_CHAOS_SECONDS", 60)
	first := chaosEnv("SESHAT_CHAOS_FIRST", 1)
	if testing.Short() {
		seeds = min(seeds, 10)
	}
	for s := first; s < first+seeds; s++ {
		seed := uint64(s)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { chaosRun(t, seed, int64(seconds)*1000) })
	}
}

func chaosRun(t *testing.T, seed uint64, duration int64) {
	rng := mrand.New(mrand.NewPCG(seed, 0xc4a05))
	cfg := DefaultConfig()
	cfg.Seed = seed
	cfg.Nodes = 3 + 2*rng.IntN(3) // 3, 5 or 7
	cfg.Raft.SnapshotIntervalEntries = uint64(20 + rng.IntN(200))
	cfg.Raft.SnapshotCatchupEntries = uint64(rng.IntN(20))
	cfg.Raft.PreVote = rng.IntN(4) != 0
	cfg.Raft.CheckQuorum = rng.IntN(4) != 0
	cfg.Network = NetworkConfig{
		MinLatencyMS: 1 + rng.IntN(10), MaxLatencyMS: 20 + rng.IntN(60),
		DropRate: rng.Float64() * 0.05, DuplicateRate: rng.Float64() * 0.05, ReorderRate: rng.Float64() * 0.1,
	}
	cfg.Clients = ClientConfig{Count: 3 + rng.IntN(3), RatePerSec: 5, TimeoutMS: 1000 + rng.IntN(2000), Keys: 3}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Record every operation applied anywhere, to find acknowledged writes.
	applied := map[uint64]bool{}
	c.hooks.processed = func(_ *Cluster, _ *simNode, u *core.Update) {
		for _, r := range u.Applied {
			if r.Op != nil && r.Op.ID != 0 {
				applied[r.Op.ID] = true
			}
		}
	}
	fail := func(format string, args ...any) {
		t.Helper()
		dir, err := os.MkdirTemp("", fmt.Sprintf("seshat-chaos-seed%d-", seed))
		if err == nil {
			if data, err := MarshalSession(c.Export()); err == nil {
				_ = os.WriteFile(filepath.Join(dir, "session.json"), data, 0o644)
			}
			if f, err := os.Create(filepath.Join(dir, "linearizability.html")); err == nil {
				_ = c.WriteLinearizabilityHTML(f)
				f.Close()
			}
		}
		t.Fatalf("%s\nreplay: go test ./sim -run 'TestChaos/seed=%d$' -v\nsession and history: %s", fmt.Sprintf(format, args...), seed, dir)
	}

	quiet := duration - 10_000 // faults stop here; everything heals
	for c.Now() < quiet {
		if err := c.RunFor(int64(500 + rng.IntN(3000))); err != nil {
			fail("%v", err)
		}
		if c.Now() >= quiet {
			break
		}
		if err := c.Apply(chaosCommand(c, rng)); err != nil {
			fail("generated command refused: %v", err)
		}
	}
	// Heal, restart, let clients run on, then stop them and let the cluster
	// settle.
	if err := c.Apply(Command{Kind: CmdHeal}); err != nil {
		fail("%v", err)
	}
	for _, n := range c.nodes {
		if !n.up() {
			if err := c.Apply(Command{Kind: CmdRestart, Node: n.id}); err != nil {
				fail("%v", err)
			}
		}
	}
	if err := c.RunUntil(duration - 4_000); err != nil {
		fail("%v", err)
	}
	if err := c.Apply(Command{Kind: CmdRemoveClients, Count: c.activeClients()}); err != nil {
		fail("%v", err)
	}
	if err := c.RunUntil(duration); err != nil {
		fail("%v", err)
	}

	if v := c.Halted(); v != nil {
		fail("violation: %s", v.Text)
	}
	acked := 0
	for _, h := range c.history {
		if h.Kind != OpGet && h.Return >= 0 && !h.Unknown && !h.Failed {
			acked++
			if !applied[h.ID] {
				fail("acknowledged write %s #%d (client %d, returned at %d ms) was never applied", describeOp(h.Kind, h.Key, h.Value), h.ID, h.Client, h.Return)
			}
		}
	}
	if acked == 0 {
		fail("no write was acknowledged in %d ms", duration)
	}
	if r := c.CheckLinearizable(); !r.OK {
		fail("%s", r.Text)
	}
	v := c.View(0)
	ref := v.Nodes[0]
	for _, n := range v.Nodes {
		if !n.Up || n.Applied != n.Commit || n.Commit != ref.Commit {
			fail("after the quiet period %s is up=%v, applied %d, commit %d (n1 commit %d)", n.ID, n.Up, n.Applied, n.Commit, ref.Commit)
		}
		if !slices.Equal(n.KV, ref.KV) {
			fail("%s's key-value store %v differs from n1's %v", n.ID, n.KV, ref.KV)
		}
	}
}

// chaosCommand picks a fault: crash or restart a node, partition (groups or
// one-way cuts), isolate, heal, force an election or transfer leadership.
func chaosCommand(c *Cluster, rng *mrand.Rand) Command {
	n := len(c.nodes)
	node := core.NodeID(1 + rng.IntN(n))
	var down []core.NodeID
	for _, x := range c.nodes {
		if !x.up() {
			down = append(down, x.id)
		}
	}
	switch k := rng.IntN(10); {
	case k < 2 && len(down) > 0:
		return Command{Kind: CmdRestart, Node: down[rng.IntN(len(down))]}
	case k < 3 && c.nodes[node-1].up():
		return Command{Kind: CmdCrash, Node: node}
	case k < 5:
		perm := rng.Perm(n)
		cut := 1 + rng.IntN(n-1)
		var a, b []core.NodeID
		for i, p := range perm {
			if i < cut {
				a = append(a, core.NodeID(p+1))
			} else {
				b = append(b, core.NodeID(p+1))
			}
		}
		return Command{Kind: CmdPartition, Groups: [][]core.NodeID{a, b}}
	case k < 6:
		peer := core.NodeID(1 + (int(node)+rng.IntN(n-1))%n)
		return Command{Kind: CmdCut, Node: node, Peer: peer, OneWay: rng.IntN(2) == 0}
	case k < 7:
		return Command{Kind: CmdIsolate, Node: node}
	case k < 8 && c.nodes[node-1].up():
		return Command{Kind: CmdCampaign, Node: node}
	case k < 9 && c.nodes[node-1].up() && c.leader() != nil && c.leader().id != node:
		return Command{Kind: CmdTransfer, Node: node}
	default:
		return Command{Kind: CmdHeal}
	}
}
