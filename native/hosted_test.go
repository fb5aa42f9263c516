package native

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestMemberViewSaysWhatApplies: a member hosted outside the process is
// marked so in views, with the commands that cannot act on it and why, and
// those commands are refused with the same words (not "unknown node");
// once it leaves, it is shown as left, with no command left to it.
func TestMemberViewSaysWhatApplies(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	h := host(t, c)
	id := h.rm.ID()
	var m wire.NodeView
	waitFor(t, 10*time.Second, "the member in the view", func() bool {
		v := view(c)
		if len(v.Nodes) != 4 {
			return false
		}
		m = v.Nodes[3]
		return m.Up
	})
	for _, n := range view(c).Nodes[:3] {
		if n.Member || n.Left || n.Unavailable != nil {
			t.Errorf("native %s: member %v, left %v, unavailable %v", n.ID, n.Member, n.Left, n.Unavailable)
		}
	}
	if !m.Member || m.Left {
		t.Fatalf("member %s: member %v, left %v", id, m.Member, m.Left)
	}
	if _, ok := m.Unavailable[wire.CmdTransfer]; ok {
		t.Errorf("transfer to a present member is marked unavailable: %v", m.Unavailable)
	}
	refused := func(cmd wire.Command, key wire.CommandKind, nv wire.NodeView) {
		t.Helper()
		why := nv.Unavailable[key]
		if why == "" {
			t.Errorf("%s: the view gives no reason; unavailable %v", cmd.Kind, nv.Unavailable)
			return
		}
		err := c.Apply(cmd)
		if !errors.Is(err, wire.ErrImpossible) || !strings.HasSuffix(err.Error(), string(cmd.Kind)+": "+why) {
			t.Errorf("%+v: got %v, want ErrImpossible ending %q", cmd, err, string(cmd.Kind)+": "+why)
		}
	}
	for _, kind := range []wire.CommandKind{wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign} {
		refused(wire.Command{Kind: kind, Node: id}, kind, m)
	}
	refused(wire.Command{Kind: wire.CmdCut, Node: 1, Peer: id}, wire.CmdCut, m)
	refused(wire.Command{Kind: wire.CmdHeal, Node: id, Peer: 2}, wire.CmdCut, m)
	refused(wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, id}, {2, 3}}}, wire.CmdCut, m)
	if !strings.Contains(m.Unavailable[wire.CmdCrash], "hosted outside this server") {
		t.Errorf("crash: %q does not say the member is hosted outside", m.Unavailable[wire.CmdCrash])
	}

	h.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.rm.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	m = view(c).Nodes[3]
	if m.Up || !m.Left || !m.Member || !strings.Contains(m.Error, "left the cluster: its host went away") {
		t.Fatalf("departed member: up %v, left %v, member %v, error %q", m.Up, m.Left, m.Member, m.Error)
	}
	for _, kind := range memberCommands {
		if !strings.Contains(m.Unavailable[kind], "left the cluster") {
			t.Errorf("%s on a departed member: %q", kind, m.Unavailable[kind])
		}
	}
	for _, kind := range []wire.CommandKind{wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign, wire.CmdTransfer} {
		refused(wire.Command{Kind: kind, Node: id}, kind, m)
	}
}
