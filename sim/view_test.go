package sim

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

func TestViewShowsLeaderLogsMessagesAndCrashedNodes(t *testing.T) {
	cfg := wire.DefaultConfig()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := c.Apply(wire.Command{Kind: wire.CmdSet, Key: "k", Value: strings.Repeat("v", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RunUntil(4000); err != nil {
		t.Fatal(err)
	}
	v := c.View(0)
	var leader *wire.NodeView
	for i := range v.Nodes {
		if v.Nodes[i].Role == core.RoleLeader {
			if leader != nil {
				t.Fatalf("two leaders in view: %d and %d", leader.ID, v.Nodes[i].ID)
			}
			leader = &v.Nodes[i]
		}
	}
	if leader == nil {
		t.Fatal("no leader after 3 s")
	}
	if len(leader.Progress) != 5 {
		t.Fatalf("leader progress = %+v, want 5 peers", leader.Progress)
	}
	for _, n := range v.Nodes {
		if !n.Up || n.Leader != leader.ID || n.Term != leader.Term {
			t.Errorf("node %d: up %v leader %d term %d; want up, leader %d, term %d", n.ID, n.Up, n.Leader, n.Term, leader.ID, leader.Term)
		}
		if n.KV.Count != 1 || len(n.KV.Pairs) != 1 || n.KV.Pairs[0].Key != "k" || n.KV.Pairs[0].Value != "vvv" || len(n.KV.Digest) != 16 {
			t.Errorf("node %d kv = %+v, want k=vvv", n.ID, n.KV)
		}
		if n.Applied != n.Commit || int(n.LastIndex) != len(n.Log) {
			t.Errorf("node %d: applied %d commit %d last %d log %d", n.ID, n.Applied, n.Commit, n.LastIndex, len(n.Log))
		}
	}
	last := leader.Log[len(leader.Log)-1]
	if last.Type != "normal" || !strings.Contains(last.Op, "set k=vvv") || leader.Log[0].Type != "conf-change" || leader.Log[0].Op != "add n1" {
		t.Errorf("leader log = %+v", leader.Log)
	}
	// Heartbeats go out at the leader's next tick.
	for i := 0; i < 100 && len(v.Messages) == 0; i++ {
		if _, err := c.Step(); err != nil {
			t.Fatal(err)
		}
		v = c.View(0)
	}
	if len(v.Messages) == 0 {
		t.Fatal("no message in flight within 100 events")
	}
	for _, m := range v.Messages {
		if m.DeliverAt <= m.SentAt || m.From == m.To || m.Type == "" || m.Text == "" {
			t.Errorf("message %+v", m)
		}
	}
	// A crashed node shows its durable state; a small window omits old entries.
	victim := core.NodeID(1)
	if victim == leader.ID {
		victim = 2
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdCrash, Node: victim}); err != nil {
		t.Fatal(err)
	}
	v = c.View(3)
	n := v.Nodes[victim-1]
	if n.Up || n.Role != "" || n.Term != leader.Term || n.Commit == 0 || n.Applied != 0 || n.KV.Count != 0 || len(n.KV.Pairs) != 0 {
		t.Errorf("crashed node view = %+v", n)
	}
	if len(n.Log) != 3 || n.LogOmitted != int(n.LastIndex)-3 || n.Log[2].Index != n.LastIndex {
		t.Errorf("window of 3: log %+v omitted %d last %d", n.Log, n.LogOmitted, n.LastIndex)
	}
	for _, m := range v.Messages {
		if m.From == victim || m.To == victim {
			t.Errorf("message %d to or from a crashed node still in flight", m.ID)
		}
	}
	if _, err := json.Marshal(v); err != nil {
		t.Fatal(err)
	}
	if !v.Safety.OK || v.Timing.ElectionTicks != 5 || v.Timing.HeartbeatMS != 100 {
		t.Errorf("safety %+v timing %+v", v.Safety, v.Timing)
	}
}

func TestEventsDescribeWhatHappened(t *testing.T) {
	c, err := New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	var sawLeader, sawVote, sawTimeout bool
	var prev uint64
	for _, e := range c.Events(0) {
		if e.Seq != prev+1 || e.Text == "" {
			t.Fatalf("event %+v after seq %d", e, prev)
		}
		prev = e.Seq
		switch {
		case e.Kind == wire.EvRole && e.Type == string(core.RoleLeader):
			sawLeader = strings.Contains(e.Text, "became leader in term") && strings.Contains(e.Text, "with votes from")
		case e.Kind == wire.EvVote:
			sawVote = strings.Contains(e.Text, "voted for")
		case e.Kind == wire.EvTimeout:
			sawTimeout = strings.Contains(e.Text, "election timeout fired")
		}
	}
	if !sawLeader || !sawVote || !sawTimeout {
		t.Fatalf("leader %v vote %v timeout %v", sawLeader, sawVote, sawTimeout)
	}
	if got := c.Events(prev); len(got) != 0 {
		t.Fatalf("Events(last seq) = %d events, want 0", len(got))
	}
}

func TestSmallClustersElectALeader(t *testing.T) {
	for _, size := range []int{1, 2, 3, 9} {
		cfg := wire.DefaultConfig()
		cfg.Nodes = size
		c, err := New(cfg)
		if err != nil {
			t.Fatalf("%d nodes: %v", size, err)
		}
		if err := c.RunUntil(5000); err != nil {
			t.Fatal(err)
		}
		l := c.leader()
		if l == nil {
			t.Fatalf("%d nodes: no leader after 5 s", size)
		}
		if got := len(c.View(0).Nodes[l.id-1].Progress); got != size {
			t.Fatalf("%d nodes: leader tracks %d peers", size, got)
		}
	}
}

// freshView is the view with nothing reused from earlier views: every
// entry and message described anew.
func freshView(c *Cluster, o wire.ViewOptions) wire.View {
	for _, n := range c.nodes {
		n.shown, n.shownLo = nil, 0
	}
	for _, f := range c.flights {
		f.text = ""
	}
	return c.ViewWith(o)
}

// TestViewsReuseOnlyWhatIsUnchanged takes a view every 20 virtual ms while
// an isolated leader appends entries that a new leader then overwrites at
// the same indexes, and checks that each view, which reuses the entries and
// messages described by the view before, is the view built from nothing.
func TestViewsReuseOnlyWhatIsUnchanged(t *testing.T) {
	c := newScenario(t, 3, nil)
	old := waitLeader(t, c, allIDs(c), 5000)
	o := wire.ViewOptions{LogWindow: 40}
	overwritten := 0
	terms := map[core.LogIndex]core.Term{} // the old leader's entries, as last shown
	check := func() {
		t.Helper()
		v := c.ViewWith(o)
		if want := freshView(c, o); !reflect.DeepEqual(v, want) {
			t.Fatalf("at %d ms the view reusing earlier descriptions differs from a fresh one:\n got %+v\nwant %+v", c.Now(), v, want)
		}
		for _, e := range v.Nodes[old-1].Log {
			if t0, ok := terms[e.Index]; ok && t0 != e.Term {
				overwritten++
			}
			terms[e.Index] = e.Term
		}
	}
	step := func(ms int64) {
		for end := c.Now() + ms; c.Now() < end; {
			run(t, c, 20)
			check()
		}
	}
	step(500)
	do(t, c, wire.Command{Kind: wire.CmdIsolate, Node: old})
	for i := range 3 {
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("lost%d", i), Value: "x", Node: old})
	}
	step(3000)
	for i := range 5 {
		do(t, c, wire.Command{Kind: wire.CmdSet, Key: fmt.Sprintf("kept%d", i), Value: "y"})
		step(100)
	}
	do(t, c, wire.Command{Kind: wire.CmdHeal})
	step(3000)
	if overwritten == 0 {
		t.Fatalf("the old leader's uncommitted entries were never overwritten: the test did not exercise reuse across a changed log")
	}
}
