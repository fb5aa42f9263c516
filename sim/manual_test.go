package sim

import (
	"errors"
	"reflect"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

func TestManualModeHoldsMessagesForCommands(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Manual = true
	cfg.Nodes = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Time passes, someone times out and asks for (pre-)votes, and the
	// requests wait.
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	v := c.View(0)
	if len(v.Messages) == 0 {
		t.Fatal("no messages held after 3 s of manual mode")
	}
	for _, m := range v.Messages {
		if m.DeliverAt != 0 {
			t.Fatalf("held message %+v has a delivery time", m)
		}
	}
	for _, n := range v.Nodes {
		if n.Role == core.RoleLeader {
			t.Fatal("a leader was elected with every message held")
		}
	}
	first := v.Messages[0]
	// Duplicate, drop and deliver specific messages.
	if err := c.Apply(wire.Command{Kind: wire.CmdDuplicate, Msg: first.ID}); err != nil {
		t.Fatal(err)
	}
	v2 := c.View(0)
	if len(v2.Messages) != len(v.Messages)+1 {
		t.Fatalf("after duplicate: %d messages, want %d", len(v2.Messages), len(v.Messages)+1)
	}
	dup := v2.Messages[len(v2.Messages)-1]
	if dup.From != first.From || dup.To != first.To || dup.Type != first.Type {
		t.Fatalf("duplicate %+v of %+v", dup, first)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdDrop, Msg: dup.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdDrop, Msg: dup.ID}); !errors.Is(err, wire.ErrUnknownMessage) {
		t.Fatalf("dropping a dropped message: %v", err)
	}
	before := c.EventCount()
	if err := c.Apply(wire.Command{Kind: wire.CmdDeliver, Msg: first.ID}); err != nil {
		t.Fatal(err)
	}
	delivered := false
	for _, e := range c.Events(before) {
		if e.Kind == wire.EvDeliver && e.Msg == first.ID {
			delivered = true
		}
	}
	if !delivered {
		t.Fatal("no deliver event for the delivered message")
	}
	// Delivering everything by hand elects a leader.
	for i := 0; i < 200 && c.leader() == nil; i++ {
		v := c.View(0)
		if len(v.Messages) == 0 {
			if _, err := c.Step(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := c.Apply(wire.Command{Kind: wire.CmdDeliver, Msg: v.Messages[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	if c.leader() == nil {
		t.Fatal("no leader after delivering messages by hand")
	}
	// Switching manual off lets the network deliver what is held.
	if err := c.Apply(wire.Command{Kind: wire.CmdManual, On: false}); err != nil {
		t.Fatal(err)
	}
	if err := c.RunFor(500); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.View(0).Messages {
		if m.DeliverAt == 0 {
			t.Fatalf("message %d still held after manual mode was switched off", m.ID)
		}
	}
}

func TestOneWayCutAndHeal(t *testing.T) {
	c, err := New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	l := c.leader()
	if l == nil {
		t.Fatal("no leader")
	}
	follower := core.NodeID(1)
	if follower == l.id {
		follower = 2
	}
	// The follower can still hear the leader but cannot answer.
	if err := c.Apply(wire.Command{Kind: wire.CmdCut, Node: follower, Peer: l.id, OneWay: true}); err != nil {
		t.Fatal(err)
	}
	v := c.View(0)
	if len(v.Cuts) != 1 || v.Cuts[0] != (wire.Link{From: follower, To: l.id}) {
		t.Fatalf("cuts = %+v", v.Cuts)
	}
	before := c.EventCount()
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	var dropped, heard int
	for _, e := range c.Events(before) {
		if e.Kind == wire.EvDrop && e.Node == follower && e.Peer == l.id {
			dropped++
		}
		if e.Kind == wire.EvDeliver && e.Node == follower && e.Peer == l.id {
			heard++
		}
	}
	if dropped == 0 || heard == 0 {
		t.Fatalf("one-way cut: %d dropped follower→leader, %d delivered leader→follower", dropped, heard)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdHeal, Node: follower, Peer: l.id, OneWay: true}); err != nil {
		t.Fatal(err)
	}
	if cuts := c.View(0).Cuts; len(cuts) != 0 {
		t.Fatalf("cuts after heal = %+v", cuts)
	}
}

func TestClientsComeAndGo(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Clients.Count = 2
	cfg.Clients.RatePerSec = 20
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(5000); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdAddClients, Count: 3}); err != nil {
		t.Fatal(err)
	}
	if got := len(c.View(0).Clients); got != 5 {
		t.Fatalf("%d clients after adding 3 to 2", got)
	}
	if err := c.RunFor(5000); err != nil {
		t.Fatal(err)
	}
	perClient := map[int]int{}
	for _, h := range c.history {
		if h.Return >= 0 {
			perClient[h.Client]++
		}
	}
	for id := 1; id <= 5; id++ {
		if perClient[id] == 0 {
			t.Errorf("client %d completed nothing", id)
		}
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdRemoveClients, Count: 4}); err != nil {
		t.Fatal(err)
	}
	n := len(c.history)
	if err := c.RunFor(5000); err != nil {
		t.Fatal(err)
	}
	for _, h := range c.history[n:] {
		if h.Client != 1 {
			t.Fatalf("removed client %d issued a request", h.Client)
		}
	}
	if len(c.history) == n {
		t.Fatal("the remaining client issued nothing")
	}
}

func TestClientsTimeOutWithoutQuorum(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Clients.TimeoutMS = 500
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	l := c.leader()
	for _, n := range c.nodes {
		if n != l {
			if err := c.Apply(wire.Command{Kind: wire.CmdCrash, Node: n.id}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdSet, Key: "lost", Value: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	h := c.history[len(c.history)-1]
	if h.Key != "lost" || h.Return != -1 || !(h.Unknown || h.Failed) {
		t.Fatalf("write without quorum: %+v, want given up", h)
	}
}

// TestDeliveringByHandAcrossACutKeepsTheCut delivers a held message over a
// one-way cut (a person means it) and checks the cut is still there after.
func TestDeliveringByHandAcrossACutKeepsTheCut(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Manual = true
	cfg.Nodes = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(3000); err != nil {
		t.Fatal(err)
	}
	msgs := c.View(0).Messages
	if len(msgs) == 0 {
		t.Fatal("no messages held after 3 s of manual mode")
	}
	m := msgs[0]
	if err := c.Apply(wire.Command{Kind: wire.CmdCut, Node: m.From, Peer: m.To, OneWay: true}); err != nil {
		t.Fatal(err)
	}
	want := []wire.Link{{From: m.From, To: m.To}}
	if got := c.View(0).Cuts; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the cut: %v, want %v", got, want)
	}
	before := c.EventCount()
	if err := c.Apply(wire.Command{Kind: wire.CmdDeliver, Msg: m.ID}); err != nil {
		t.Fatal(err)
	}
	delivered := false
	for _, e := range c.Events(before) {
		delivered = delivered || (e.Kind == wire.EvDeliver && e.Msg == m.ID)
	}
	if !delivered {
		t.Fatalf("message %d was not delivered across the cut", m.ID)
	}
	if got := c.View(0).Cuts; !reflect.DeepEqual(got, want) {
		t.Fatalf("after delivering by hand: cuts %v, want %v", got, want)
	}
}
