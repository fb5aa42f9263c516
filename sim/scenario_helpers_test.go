package sim

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// Helpers for the scenario and chaos tests. They drive a cluster through
// commands and the virtual clock, and read it through View, Events and
// History, as the page does.

// newScenario creates a cluster of the given size from DefaultConfig, tuned
// by tune (may be nil). SESHAT_SCENARIO_SEED, if set, replaces the default
// seed: a scenario's assertions must hold whatever the seed, and
//
//	for s in $(seq 1 200); do SESHAT_SCENARIO_SEED=$s go test ./sim -run Scenario || echo seed $s; done
//
// checks that they do.
func newScenario(t *testing.T, nodes int, tune func(*wire.Config)) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	if s, err := strconv.ParseUint(os.Getenv("SESHAT_SCENARIO_SEED"), 10, 64); err == nil {
		cfg.Seed = s
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run advances the virtual clock by ms, failing the test on a violation.
func run(t *testing.T, c *Cluster, ms int64) {
	t.Helper()
	if err := c.RunFor(ms); err != nil {
		t.Fatal(err)
	}
}

// allIDs returns every node's id.
func allIDs(c *Cluster) []core.NodeID {
	ids := make([]core.NodeID, 0, len(c.nodes))
	for i := range c.nodes {
		ids = append(ids, core.NodeID(i+1))
	}
	return ids
}

// without returns ids minus the excluded ones.
func without(ids []core.NodeID, excluded ...core.NodeID) []core.NodeID {
	var out []core.NodeID
	for _, id := range ids {
		if !slices.Contains(excluded, id) {
			out = append(out, id)
		}
	}
	return out
}

// quickView is a view with one log entry per node: cheap enough to poll.
func quickView(c *Cluster) wire.View { return c.View(1) }

// leadersIn returns the live nodes that believe they lead, in id order.
func leadersIn(v wire.View) []wire.NodeView {
	var out []wire.NodeView
	for _, n := range v.Nodes {
		if n.Up && !n.Left && n.Role == core.RoleLeader {
			out = append(out, n)
		}
	}
	return out
}

// agreedLeader returns the leader every live node of among follows, if that
// leader is itself in among, up, and leading in the term the others are in;
// otherwise 0.
func agreedLeader(v wire.View, among []core.NodeID) core.NodeID {
	var leader core.NodeID
	var term core.Term
	for _, id := range among {
		n := v.Nodes[id-1]
		if !n.Up {
			continue
		}
		if n.Leader == 0 || (leader != 0 && (n.Leader != leader || n.Term != term)) {
			return 0
		}
		leader, term = n.Leader, n.Term
	}
	if leader == 0 || !slices.Contains(among, leader) {
		return 0
	}
	if l := v.Nodes[leader-1]; !l.Up || l.Role != core.RoleLeader || l.Term != term {
		return 0
	}
	return leader
}

// waitLeader runs in 50 ms steps until the live nodes of among agree on a
// leader among them, and returns it; it fails the test after within ms.
func waitLeader(t *testing.T, c *Cluster, among []core.NodeID, within int64) core.NodeID {
	t.Helper()
	deadline := c.Now() + within
	for {
		if l := agreedLeader(quickView(c), among); l != 0 {
			return l
		}
		if c.Now() >= deadline {
			break
		}
		run(t, c, 50)
	}
	v := quickView(c)
	var states []string
	for _, id := range among {
		n := v.Nodes[id-1]
		states = append(states, fmt.Sprintf("%s up=%v %s term %d leader %s", n.ID, n.Up, n.Role, n.Term, n.Leader))
	}
	t.Fatalf("no agreed leader among %v within %d ms (at %d ms): %v", among, within, c.Now(), states)
	return 0
}

// leaderLog collects, from the trace, every node that became leader and in
// which term. Call scan often enough that the trace (the last 20,000
// events) still holds what happened since the previous scan.
type leaderLog struct {
	since  uint64
	byTerm map[core.Term]core.NodeID
	count  int // leaderships taken
}

func newLeaderLog() *leaderLog { return &leaderLog{byTerm: map[core.Term]core.NodeID{}} }

// scan reads the new events and fails the test if two nodes led in one term.
func (l *leaderLog) scan(t *testing.T, c *Cluster) {
	t.Helper()
	evs := c.Events(l.since)
	if len(evs) > 0 && evs[0].Seq != l.since+1 {
		t.Fatalf("the trace lost events %d to %d before they were scanned", l.since+1, evs[0].Seq-1)
	}
	for _, e := range evs {
		l.since = e.Seq
		if e.Kind != wire.EvRole || e.Type != string(core.RoleLeader) {
			continue
		}
		l.count++
		if other, ok := l.byTerm[e.Term]; ok && other != e.Node {
			t.Fatalf("two leaders in term %d: %s and %s (at %d ms)", e.Term, other, e.Node, e.At)
		}
		l.byTerm[e.Term] = e.Node
	}
}

// oneLeaderPerTerm fails the test if the view shows two live leaders in one
// term.
func oneLeaderPerTerm(t *testing.T, v wire.View) {
	t.Helper()
	seen := map[core.Term]core.NodeID{}
	for _, n := range leadersIn(v) {
		if other, ok := seen[n.Term]; ok {
			t.Fatalf("%s and %s both lead term %d at %d ms", other, n.ID, n.Term, v.Time)
		}
		seen[n.Term] = n.ID
	}
}

// do applies commands, failing the test if one is refused.
func do(t *testing.T, c *Cluster, cmds ...wire.Command) {
	t.Helper()
	for _, cmd := range cmds {
		if err := c.Apply(cmd); err != nil {
			t.Fatalf("%+v: %v", cmd, err)
		}
	}
}

// consoleOp sends one operation through the console (to node, or to the
// leader if node is 0) and runs until the console has an answer or gave up,
// at most 5 virtual seconds. It returns the operation as the history has it.
func consoleOp(t *testing.T, c *Cluster, kind wire.CommandKind, key, value string, node core.NodeID) HistoryOp {
	t.Helper()
	i := len(c.History())
	do(t, c, wire.Command{Kind: kind, Key: key, Value: value, Node: node})
	for k := 0; k < 100; k++ {
		h := c.History()[i]
		if h.Return >= 0 || h.Unknown || h.Failed {
			return h
		}
		run(t, c, 50)
	}
	return c.History()[i]
}

// consoleSet is consoleOp for a set.
func consoleSet(t *testing.T, c *Cluster, key, value string, node core.NodeID) HistoryOp {
	t.Helper()
	return consoleOp(t, c, wire.CmdSet, key, value, node)
}

// acked tells whether a history operation completed with an answer.
func acked(h HistoryOp) bool { return h.Return >= 0 && !h.Unknown && !h.Failed }

// kvMap is a node's key-value store as a map; the view must show every
// key (a store of at most DefaultKVLimit keys).
func kvMap(n wire.NodeView) map[string]string {
	if n.KV.Next != "" || n.KV.Count != len(n.KV.Pairs) {
		panic(fmt.Sprintf("kvMap: %s's view shows %d of %d keys", n.ID, len(n.KV.Pairs), n.KV.Count))
	}
	m := make(map[string]string, len(n.KV.Pairs))
	for _, kv := range n.KV.Pairs {
		m[kv.Key] = kv.Value
	}
	return m
}

// sameKV fails the test unless every live node of v holds the same
// key-value pairs and has applied the same index.
func sameKV(t *testing.T, v wire.View) {
	t.Helper()
	var ref *wire.NodeView
	for i := range v.Nodes {
		n := &v.Nodes[i]
		if !n.Up {
			continue
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.Applied != ref.Applied || n.KV.Count != ref.KV.Count || n.KV.Digest != ref.KV.Digest || !slices.Equal(n.KV.Pairs, ref.KV.Pairs) {
			t.Fatalf("%s applied %d with %v; %s applied %d with %v", n.ID, n.Applied, n.KV, ref.ID, ref.Applied, ref.KV)
		}
	}
}

// sameLogs fails the test unless every live node's log shown in v holds the
// same entries (index, term, operation) over the indexes all of them show,
// and all end at the same index.
func sameLogs(t *testing.T, v wire.View) {
	t.Helper()
	var ref *wire.NodeView
	for i := range v.Nodes {
		n := &v.Nodes[i]
		if !n.Up {
			continue
		}
		if ref == nil {
			ref = n
			continue
		}
		if n.LastIndex != ref.LastIndex {
			t.Fatalf("%s's log ends at %d, %s's at %d", n.ID, n.LastIndex, ref.ID, ref.LastIndex)
		}
		refAt := map[core.LogIndex]wire.EntryView{}
		for _, e := range ref.Log {
			refAt[e.Index] = e
		}
		for _, e := range n.Log {
			if r, ok := refAt[e.Index]; ok && r != e {
				t.Fatalf("entry %d differs: %s has %+v, %s has %+v", e.Index, n.ID, e, ref.ID, r)
			}
		}
	}
}

// committedWatch records every committed entry any node shows (index ->
// term and operation) and fails the test if a committed entry ever changes.
type committedWatch struct {
	at map[core.LogIndex]wire.EntryView
}

func newCommittedWatch() *committedWatch {
	return &committedWatch{at: map[core.LogIndex]wire.EntryView{}}
}

// observe records what v shows. Crashed nodes count too: their log and
// commit index are in durable storage.
func (w *committedWatch) observe(t *testing.T, v wire.View) {
	t.Helper()
	for _, n := range v.Nodes {
		for _, e := range n.Log {
			if e.Index > n.Commit {
				break
			}
			if old, ok := w.at[e.Index]; ok && old != e {
				t.Fatalf("committed entry %d changed at %d ms: it was %+v, %s now has %+v", e.Index, v.Time, old, n.ID, e)
			}
			w.at[e.Index] = e
		}
	}
}

// appliedLog records, for every index applied anywhere, the operation
// there, through the test-only processed hook. It sees what compaction
// later hides from the view.
type appliedLog struct {
	at   map[uint64]statemachine.Operation // index -> operation (no-ops absent)
	idAt map[uint64]uint64                 // request id -> index
	// dup is a request id found at two indexes, if any.
	dup string
}

func watchApplied(c *Cluster) *appliedLog {
	a := &appliedLog{at: map[uint64]statemachine.Operation{}, idAt: map[uint64]uint64{}}
	planted := c.hooks.processed // a fault planted before, kept
	c.hooks.processed = func(c *Cluster, n *simNode, u *core.Update) {
		if planted != nil {
			planted(c, n, u)
		}
		for _, r := range u.Applied {
			if r.Op == nil {
				continue
			}
			a.at[r.Index] = *r.Op
			if r.Op.ID == 0 {
				continue
			}
			if i, ok := a.idAt[r.Op.ID]; ok && i != r.Index && a.dup == "" {
				a.dup = fmt.Sprintf("request #%d applied at index %d and at index %d (by %s)", r.Op.ID, i, r.Index, n.id)
			}
			a.idAt[r.Op.ID] = r.Index
		}
	}
	return a
}

// replay returns the key-value store made by applying, in index order, the
// operations recorded at indexes up to upTo.
func (a *appliedLog) replay(upTo uint64) map[string]string {
	kv := map[string]string{}
	idx := slices.Sorted(maps.Keys(a.at))
	for _, i := range idx {
		if i > upTo {
			break
		}
		op := a.at[i]
		switch op.Kind {
		case statemachine.OpSet:
			kv[op.Key] = op.Value
		case statemachine.OpDel:
			delete(kv, op.Key)
		}
	}
	return kv
}

// restartAll heals every link and restarts every crashed node.
func restartAll(t *testing.T, c *Cluster) {
	t.Helper()
	do(t, c, wire.Command{Kind: wire.CmdHeal})
	for _, n := range quickView(c).Nodes {
		if !n.Up {
			do(t, c, wire.Command{Kind: wire.CmdRestart, Node: n.ID})
		}
	}
}
