package member

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// cluster is an in-memory cluster of bootstrapped core nodes and one
// member, delivering messages at once, in order, unless a node is down.
type cluster struct {
	t     *testing.T
	nodes map[core.NodeID]*core.RaftNode
	m     *Member
	down  map[core.NodeID]bool
	queue []*pb.Message
	sent  []*pb.Message // every message the member sent
	// queueLog is every message delivered to the member.
	queueLog []*pb.Message
}

func raftConfig() core.RaftConfig {
	rc := core.DefaultRaftConfig()
	rc.HeartbeatIntervalMS = 10
	rc.ElectionTimeoutMinMS = 100
	rc.ElectionTimeoutMaxMS = 200
	return rc
}

func newCluster(t *testing.T, n int) *cluster {
	c := &cluster{t: t, nodes: map[core.NodeID]*core.RaftNode{}, down: map[core.NodeID]bool{}}
	var members []core.InitialMember
	for i := 1; i <= n; i++ {
		members = append(members, core.InitialMember{ID: core.NodeID(i)})
	}
	for i := 1; i <= n; i++ {
		cfg := core.Config{Node: core.NodeConfig{ID: core.NodeID(i)}, Raft: raftConfig()}
		cfg.Cluster = core.ClusterConfig{Bootstrap: true, InitialMembers: members}
		rn, err := core.New(cfg, storage.NewMemStorage())
		if err != nil {
			t.Fatal(err)
		}
		c.nodes[core.NodeID(i)] = rn
	}
	c.drainAll()
	return c
}

// drainAll handles every native node's Ready rounds.
func (c *cluster) drainAll() {
	for id := core.NodeID(1); int(id) <= len(c.nodes); id++ {
		if c.down[id] {
			continue
		}
		msgs, err := c.nodes[id].HandleReady()
		for err == nil && len(msgs) > 0 {
			c.queue = append(c.queue, msgs...)
			msgs, err = c.nodes[id].HandleReady()
		}
		if err != nil {
			c.t.Fatal(err)
		}
	}
}

// deliver delivers queued messages until none are left.
func (c *cluster) deliver() {
	for steps := 0; len(c.queue) > 0; steps++ {
		if steps > 100_000 {
			c.t.Fatal("messages never stop")
		}
		m := c.queue[0]
		c.queue = c.queue[1:]
		to, from := core.NodeID(m.GetTo()), core.NodeID(m.GetFrom())
		if c.down[to] || c.down[from] {
			continue
		}
		if c.m != nil && to == c.m.ID() {
			// Over the wire, as the page gets it.
			c.queueLog = append(c.queueLog, m)
			data, err := Marshal(m)
			if err != nil {
				c.t.Fatal(err)
			}
			out, err := c.m.StepBytes(data)
			if err != nil {
				c.t.Fatal(err)
			}
			c.sent = append(c.sent, out...)
			c.queue = append(c.queue, out...)
			continue
		}
		if n := c.nodes[to]; n != nil {
			_ = n.Step(m)
			c.drainAll()
		}
	}
}

// tick ticks every node that is up and delivers what follows.
func (c *cluster) tick() {
	for id := core.NodeID(1); int(id) <= len(c.nodes); id++ {
		if !c.down[id] {
			c.nodes[id].Tick()
		}
	}
	c.drainAll()
	if c.m != nil {
		out, err := c.m.Tick()
		if err != nil {
			c.t.Fatal(err)
		}
		c.sent = append(c.sent, out...)
		c.queue = append(c.queue, out...)
	}
	c.deliver()
}

// until ticks until cond holds, failing after many ticks.
func (c *cluster) until(what string, cond func() bool) {
	c.t.Helper()
	for i := 0; !cond(); i++ {
		if i > 2000 {
			c.t.Fatalf("after %d ticks: no %s", i, what)
		}
		c.tick()
	}
}

// leader returns the native leader of the highest term, or 0.
func (c *cluster) leader() core.NodeID {
	var id core.NodeID
	var term core.Term
	for nid, n := range c.nodes {
		if !c.down[nid] && n.IsLeader() && n.Term() >= term {
			id, term = nid, n.Term()
		}
	}
	return id
}

func (c *cluster) propose(key, value string) {
	c.t.Helper()
	op := statemachine.Operation{Kind: statemachine.OpSet, Key: key, Value: value, ID: 1}
	if err := c.nodes[c.leader()].Propose(op.Encode()); err != nil {
		c.t.Fatal(err)
	}
	c.drainAll()
	c.deliver()
}

func TestMemberJoinsAppliesAndVotes(t *testing.T) {
	c := newCluster(t, 3)
	c.until("leader", func() bool { return c.leader() != 0 })
	c.propose("a", "1")

	// The member's election timeout is four times the others': a native
	// node usually wins the election below, with the member's vote.
	rc := raftConfig()
	rc.ElectionTimeoutMinMS *= 4
	rc.ElectionTimeoutMaxMS *= 4
	m, err := New(4, rc)
	if err != nil {
		t.Fatal(err)
	}
	c.m = m
	if v := m.View(); v.Role != core.RoleFollower || len(v.Voters) != 0 || v.LastIndex != 0 {
		t.Fatalf("a new member: %+v", v)
	}
	add := &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: ptr(uint64(4))}
	if err := c.nodes[c.leader()].ProposeConfChange(add); err != nil {
		t.Fatal(err)
	}
	c.drainAll()
	c.deliver()
	c.until("the member to catch up", func() bool { return slices.Equal(m.View().Voters, []core.NodeID{1, 2, 3, 4}) })
	c.propose("b", "2")
	c.until("the member to apply b", func() bool { v, ok := m.Get("b"); return ok && v == "2" })
	if v, ok := m.Get("a"); !ok || v != "1" {
		t.Fatalf("a = %q, %v", v, ok)
	}
	if v := m.View(); len(v.Log) == 0 || v.Log[len(v.Log)-1].Index != v.LastIndex || v.Log[0].Index != v.FirstIndex+core.LogIndex(v.LogOmitted) {
		t.Fatalf("log window %+v", v)
	} else if v.ID != 4 || !v.Up || v.KV.Count != 2 || len(v.KV.Pairs) != 2 || v.Error != "" {
		t.Fatalf("node view %+v", v)
	}
	ev := m.TakeEvents()
	if !slices.ContainsFunc(ev, func(e wire.Event) bool { return e.Kind == wire.EvConfChange && e.Node == 4 }) ||
		!slices.ContainsFunc(ev, func(e wire.Event) bool {
			return e.Kind == wire.EvApply && e.Node == 4 && slices.ContainsFunc(e.Applied, func(a wire.AppliedEntry) bool {
				return a.Op == wire.OpSet && a.Key == "b" && a.Value == "2" && a.Output == "OK" && a.Index >= e.Index && a.Index <= e.Index2 && a.Term > 0
			})
		}) {
		t.Fatalf("events %+v", ev)
	}

	// With the leader down, the next one needs the member's vote.
	old := c.leader()
	c.down[old] = true
	var next core.NodeID
	c.until("a new leader", func() bool {
		next = c.leader()
		return next != 0 && next != old || m.View().Role == core.RoleLeader
	})
	if next == 0 || next == old {
		// The member won: it needs both other nodes' votes.
		granted := 0
		for _, msg := range c.queueLog {
			if msg.GetType() == pb.MsgVoteResp && !msg.GetReject() && core.NodeID(msg.GetTo()) == 4 && core.Term(msg.GetTerm()) == m.View().Term {
				granted++
			}
		}
		won := m.View().Term
		if v := m.View(); v.ElectionElapsed != 0 || len(v.Progress) != 4 {
			t.Fatalf("the member leads: its view shows election_elapsed %d (a leader runs no election timeout) and progress %+v", v.ElectionElapsed, v.Progress)
		}
		if granted < 2 {
			t.Fatalf("the member leads term %d with %d votes", won, granted)
		}
		// It hands leadership to a node that needs its vote in turn.
		t.Logf("the member won term %d; it hands leadership over", won)
		target := core.NodeID(1)
		for target == old {
			target++
		}
		out, err := m.TransferLeadership(target)
		if err != nil {
			t.Fatal(err)
		}
		c.sent = append(c.sent, out...)
		c.queue = append(c.queue, out...)
		c.deliver()
		c.until("a native leader", func() bool { next = c.leader(); return next != 0 && next != old && c.nodes[next].Term() > won })
	}
	term := c.nodes[next].Term()
	if !slices.ContainsFunc(c.sent, func(m *pb.Message) bool {
		return m.GetType() == pb.MsgVoteResp && !m.GetReject() && core.NodeID(m.GetTo()) == next && core.Term(m.GetTerm()) == term
	}) {
		t.Fatalf("%s leads term %d without the member's vote", next, term)
	}
	c.propose("c", "3")
	c.until("the member to apply c", func() bool { _, ok := m.Get("c"); return ok })
	if v := m.View(); v.Leader != next || v.Term != term || v.Commit < v.Applied || v.Applied == 0 {
		t.Fatalf("view %+v", v)
	}
}

func ptr[T any](v T) *T { return &v }

// TestViewIsANodeView checks that the member shows itself as the
// simulator shows a running node: up, with its election clock, and its
// voters, log and keys in the same fields.
func TestViewIsANodeView(t *testing.T) {
	m, err := New(4, raftConfig())
	if err != nil {
		t.Fatal(err)
	}
	// A member outside any membership never campaigns: its clock only
	// counts.
	for range 3 {
		if _, err := m.Tick(); err != nil {
			t.Fatal(err)
		}
	}
	v := m.View()
	if v.KV.Count != 0 || len(v.KV.Pairs) != 0 || v.KV.Digest == "" {
		t.Fatalf("a new member's keys: %+v", v.KV)
	}
	want := wire.NodeView{ID: 4, Up: true, Role: core.RoleFollower, FirstIndex: 1, ElectionElapsed: 3, Log: []wire.EntryView{}, KV: v.KV}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("a new member's view after 3 ticks:\n%+v\nwant\n%+v", v, want)
	}
}

func TestMemberRefusesBadMessages(t *testing.T) {
	m, err := New(4, raftConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"not protobuf", []byte{0xff, 0xff}},
		{"for another node", mustMarshal(t, &pb.Message{Type: pb.MsgHeartbeat.Enum(), From: ptr(uint64(1)), To: ptr(uint64(5))})},
		{"from nobody", mustMarshal(t, &pb.Message{Type: pb.MsgHeartbeat.Enum(), To: ptr(uint64(4))})},
		{"local", mustMarshal(t, &pb.Message{Type: pb.MsgHup.Enum(), From: ptr(uint64(1)), To: ptr(uint64(4))})},
		{"proposal", mustMarshal(t, &pb.Message{Type: pb.MsgProp.Enum(), From: ptr(uint64(1)), To: ptr(uint64(4))})},
		{"too large", make([]byte, MaxMessageBytes+1)},
	} {
		before := m.View()
		if out, err := m.StepBytes(tt.data); !errors.Is(err, ErrBadMessage) || out != nil {
			t.Errorf("%s: %v, %d messages", tt.name, err, len(out))
		}
		if after := m.View(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s changed the member: %+v -> %+v", tt.name, before, after)
		}
	}
	if _, err := New(0, raftConfig()); err == nil {
		t.Error("New(0) succeeded")
	}
	if _, err := m.TransferLeadership(1); !errors.Is(err, core.ErrNotLeader) {
		t.Errorf("TransferLeadership on a follower: %v", err)
	}
}

func mustMarshal(t *testing.T, m *pb.Message) []byte {
	t.Helper()
	data, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMemberExplainsRefusedPreVote: the member says, in the simulator's
// words, why it refused a pre-vote (here: it heard from its leader lately).
func TestMemberExplainsRefusedPreVote(t *testing.T) {
	c := newCluster(t, 3)
	c.until("leader", func() bool { return c.leader() != 0 })
	m, err := New(4, raftConfig())
	if err != nil {
		t.Fatal(err)
	}
	c.m = m
	add := &pb.ConfChange{Type: pb.ConfChangeAddNode.Enum(), NodeId: ptr(uint64(4))}
	if err := c.nodes[c.leader()].ProposeConfChange(add); err != nil {
		t.Fatal(err)
	}
	c.drainAll()
	c.deliver()
	c.until("the member to follow the leader", func() bool { v := m.View(); return v.Leader == c.leader() && len(v.Voters) == 4 })
	m.TakeEvents()
	l := c.leader()
	cand := l%3 + 1
	term := uint64(m.View().Term) + 1
	if _, err := m.Step(&pb.Message{Type: pb.MsgPreVote.Enum(), From: ptr(uint64(cand)), To: ptr(uint64(4)), Term: &term, LogTerm: ptr(uint64(0)), Index: ptr(uint64(0))}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("n4 refused %s's pre-vote for term %d: it heard from leader %s within the election timeout", core.NodeID(cand), term, l)
	ev := m.TakeEvents()
	if !slices.ContainsFunc(ev, func(e wire.Event) bool {
		return e.Kind == wire.EvVote && e.Type == "refused" && e.Node == 4 && e.Peer == core.NodeID(cand) && e.Term == core.Term(term) && strings.HasPrefix(e.Text, want)
	}) {
		t.Fatalf("no event %q in %+v", want, ev)
	}
}
