package core

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
)

// testCluster routes messages between RaftNodes in one test, in FIFO order,
// with no clock: time passes only when the test ticks.
type testCluster struct {
	t       testing.TB
	cfgs    map[NodeID]Config
	nodes   map[NodeID]*RaftNode
	stores  map[NodeID]*storage.MemStorage
	down    map[NodeID]bool // crashed: no node, storage kept
	cut     map[NodeID]bool // isolated: messages to and from it are lost
	queue   []*pb.Message
	ids     []NodeID
	leaders map[Term]NodeID // every leader ever seen, by term
	// applies counts, per node incarnation, how often each index was applied.
	applies     map[NodeID]map[LogIndex]int
	updates     map[NodeID][]Update
	snapsSent   int
	incarnation map[NodeID]int
	// quiet skips recording (for benchmarks).
	quiet bool
}

func testConfig(id NodeID, members []NodeID) Config {
	cfg := DefaultConfig()
	cfg.Node.ID = id
	cfg.Cluster.Bootstrap = true
	for _, m := range members {
		cfg.Cluster.InitialMembers = append(cfg.Cluster.InitialMembers, InitialMember{ID: m})
	}
	if len(members) == 1 {
		cfg.Cluster.ReplicationFactor = 1
	}
	return cfg
}

func newTestCluster(t testing.TB, n int, tune func(*RaftConfig)) *testCluster {
	t.Helper()
	c := &testCluster{
		t: t, cfgs: map[NodeID]Config{}, nodes: map[NodeID]*RaftNode{}, stores: map[NodeID]*storage.MemStorage{},
		down: map[NodeID]bool{}, cut: map[NodeID]bool{}, leaders: map[Term]NodeID{},
		applies: map[NodeID]map[LogIndex]int{}, updates: map[NodeID][]Update{}, incarnation: map[NodeID]int{},
	}
	for i := 1; i <= n; i++ {
		c.ids = append(c.ids, NodeID(i))
	}
	for _, id := range c.ids {
		cfg := testConfig(id, c.ids)
		if tune != nil {
			tune(&cfg.Raft)
		}
		c.cfgs[id] = cfg
		c.stores[id] = storage.NewMemStorage()
		c.start(id)
	}
	return c
}

func (c *testCluster) start(id NodeID) {
	c.t.Helper()
	n, err := New(c.cfgs[id], c.stores[id])
	if err != nil {
		c.t.Fatalf("New(%s): %v", id, err)
	}
	c.nodes[id] = n
	c.down[id] = false
	c.incarnation[id]++
	c.applies[id] = map[LogIndex]int{}
}

// crash drops the node and every message to or from it; storage survives.
func (c *testCluster) crash(id NodeID) {
	delete(c.nodes, id)
	c.down[id] = true
	c.queue = slices.DeleteFunc(c.queue, func(m *pb.Message) bool {
		return NodeID(m.GetTo()) == id || NodeID(m.GetFrom()) == id
	})
}

// process runs HandleReady on every live node until none has work, routing
// messages as it goes, and checks Election Safety on the way.
func (c *testCluster) process() {
	c.t.Helper()
	for round := 0; ; round++ {
		if round > 10000 {
			c.t.Fatal("cluster did not settle after 10000 rounds")
		}
		busy := false
		for _, id := range c.ids {
			n := c.nodes[id]
			if n == nil || !n.HasReady() {
				continue
			}
			busy = true
			u, err := n.Process()
			if err != nil {
				c.t.Fatalf("%s: Process: %v", id, err)
			}
			c.record(id, u)
			c.queue = append(c.queue, u.Messages...)
		}
		if len(c.queue) > 0 {
			busy = true
			q := c.queue
			c.queue = nil
			for _, m := range q {
				c.deliver(m)
			}
		}
		if !busy {
			return
		}
	}
}

func (c *testCluster) deliver(m *pb.Message) {
	c.t.Helper()
	from, to := NodeID(m.GetFrom()), NodeID(m.GetTo())
	lost := c.cut[from] || c.cut[to] || c.nodes[to] == nil
	if m.GetType() == pb.MsgSnap && c.nodes[from] != nil {
		c.snapsSent++
		c.nodes[from].ReportSnapshot(to, !lost)
	}
	if lost {
		return
	}
	if err := c.nodes[to].Step(m); err != nil && !errors.Is(err, ErrRaft) {
		c.t.Fatalf("%s: Step(%v): %v", to, m.GetType(), err)
	}
}

func (c *testCluster) record(id NodeID, u Update) {
	c.t.Helper()
	if c.quiet {
		return
	}
	c.updates[id] = append(c.updates[id], u)
	if u.RoleChanged && u.Role == RoleLeader {
		term := c.nodes[id].Status().Term
		if other, ok := c.leaders[term]; ok && other != id {
			c.t.Fatalf("election safety: %s and %s both leaders in term %d", other, id, term)
		}
		c.leaders[term] = id
	}
	for _, r := range u.Applied {
		c.applies[id][LogIndex(r.Index)]++
		if c.applies[id][LogIndex(r.Index)] > 1 {
			c.t.Fatalf("%s applied index %d twice in one incarnation", id, r.Index)
		}
	}
}

// tick ticks every live node once and processes until quiet.
func (c *testCluster) tick() {
	for _, id := range c.ids {
		if n := c.nodes[id]; n != nil {
			n.Tick()
		}
	}
	c.process()
}

// waitLeader ticks until some live node is leader and every live, connected
// node knows it; it returns the leader.
func (c *testCluster) waitLeader() NodeID {
	c.t.Helper()
	for i := 0; i < 200; i++ {
		c.tick()
		if l := c.agreedLeader(); l != 0 {
			return l
		}
	}
	c.t.Fatal("no leader after 200 ticks")
	return 0
}

func (c *testCluster) agreedLeader() NodeID {
	var leader NodeID
	for _, id := range c.ids {
		n := c.nodes[id]
		if n == nil || c.cut[id] {
			continue
		}
		l := n.LeaderID()
		if l == 0 || (leader != 0 && l != leader) {
			return 0
		}
		leader = l
	}
	if leader == 0 || c.nodes[leader] == nil || !c.nodes[leader].IsLeader() {
		return 0
	}
	return leader
}

func (c *testCluster) propose(id NodeID, op statemachine.Operation) {
	c.t.Helper()
	if err := c.nodes[id].Propose(op.Encode()); err != nil {
		c.t.Fatalf("%s: Propose(%v): %v", id, op, err)
	}
	c.process()
}

// kv returns a node's key-value pairs as "k=v" strings.
func (c *testCluster) kv(id NodeID) []string {
	var out []string
	for _, p := range c.nodes[id].StateMachine().Pairs() {
		out = append(out, fmt.Sprintf("%s=%s", p.Key, p.Value))
	}
	return out
}
