package native

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// testConfig is a cluster with short ticks (10 ms heartbeats, elections
// after 200-400 ms: shorter timeouts make a loaded race-detector run see
// spurious elections) and a fast network.
func testConfig(nodes int) wire.Config {
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	cfg.Raft.HeartbeatIntervalMS = 10
	cfg.Raft.ElectionTimeoutMinMS = 200
	cfg.Raft.ElectionTimeoutMaxMS = 400
	cfg.Network = wire.NetworkConfig{MinLatencyMS: 0, MaxLatencyMS: 2}
	return cfg
}

// startCluster starts a cluster stopped when the test ends.
func startCluster(t testing.TB, cfg wire.Config) *Cluster {
	t.Helper()
	c, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// waitFor polls cond every few milliseconds until it holds, failing the
// test after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// view is the cluster's current view, without events.
func view(c *Cluster) wire.View {
	return c.Frame(^uint64(0), false, 0, wire.ViewOptions{KVLimit: wire.MaxKVLimit}).View
}

// leaderOf returns the up node leading the highest term in v, if any,
// and whether every other up node in that term follows it (but those
// removed from the configuration, which no leader sends to).
func leaderOf(v wire.View) (wire.NodeView, bool) {
	var l wire.NodeView
	for _, n := range v.Nodes {
		if n.Up && n.Role == core.RoleLeader && n.Term >= l.Term {
			l = n
		}
	}
	if l.ID == 0 {
		return l, false
	}
	for _, n := range v.Nodes {
		if n.Up && !n.Left && n.ID != l.ID && (n.Leader != l.ID || n.Term != l.Term) {
			return l, false
		}
	}
	return l, true
}

// waitLeader waits until one leader is followed by every up node.
func waitLeader(t testing.TB, c *Cluster) wire.NodeView {
	t.Helper()
	var l wire.NodeView
	waitFor(t, 10*time.Second, "a leader followed by every up node", func() bool {
		var ok bool
		l, ok = leaderOf(view(c))
		return ok
	})
	return l
}

// nodeView returns node id's view.
func nodeView(c *Cluster, id core.NodeID) wire.NodeView { return view(c).Nodes[id-1] }

// kvOf returns key's value in a node view.
func kvOf(n wire.NodeView, key string) (string, bool) {
	for _, kv := range n.KV.Pairs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ctxT is a context for one client call.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustApply applies a command, failing the test on error.
func mustApply(t testing.TB, c *Cluster, cmd wire.Command) {
	t.Helper()
	if err := c.Apply(cmd); err != nil {
		t.Fatalf("Apply(%+v): %v", cmd, err)
	}
}

// mustSet sets key to value, failing the test on error. A write whose
// outcome became unknown (its leader lost its leadership, e.g. to a
// spurious election on a loaded machine) is sent again: setting a key is
// idempotent.
func mustSet(t testing.TB, c *Cluster, key, value string) uint64 {
	t.Helper()
	idx, err := set(ctxT(t), c, key, value)
	if err != nil {
		t.Fatalf("Set(%q, %q): %v", key, value, err)
	}
	return idx
}

// set is Set, sent again while its outcome is unknown.
func set(ctx context.Context, c *Cluster, key, value string) (uint64, error) {
	for {
		idx, err := c.Set(ctx, key, value)
		if (errors.Is(err, ErrLeadershipLost) || errors.Is(err, ErrNodeDown)) && ctx.Err() == nil {
			continue
		}
		return idx, err
	}
}
