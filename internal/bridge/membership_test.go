package bridge

import (
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestMembershipCommandsOverTheWebsocket: membership commands sent as
// engine calls over /ws act on the native cluster, a page-hosted member
// included: it can be removed by command, and a node added by command
// starts on the native cluster with the next id after the members'.
func TestMembershipCommandsOverTheWebsocket(t *testing.T) {
	c := startMixed(t, 3)
	_, srv := serve(t, c, Options{Join: joinNative(c)})
	_, jr := joinPage(t, wsURL(srv), 4)
	eventually(t, "the member a voter", func() bool { return slices.Contains(nativeVoters(c), jr.Node) })
	ws := dial(t, srv)
	if a := ws.call("command", map[string]any{"kind": "promote", "node": int(jr.Node)}); a.OK || !strings.Contains(a.Error, "already a voter") {
		t.Fatalf("promote a voter over /ws: %+v", a)
	}
	// A second page's member, then a change naming it: made a learner
	// through a joint configuration, then left by hand. (The rule table
	// once counted a hosted member's id as a new node's, and refused n5 as
	// skipping the next id, n4.)
	_, jr2 := joinPage(t, wsURL(srv), 4)
	eventually(t, "the second member in", func() bool { return slices.Contains(nativeVoters(c), jr2.Node) })
	ws.ok("command", map[string]any{"kind": "change", "transition": "explicit", "changes": []map[string]any{{"op": "add-learner", "node": int(jr2.Node)}}}, nil)
	leaderConf := func(f func(n wire.NodeView) bool) func() bool {
		return func() bool {
			for _, n := range c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1}).View.Nodes {
				if n.Up && !n.Left && n.Role == core.RoleLeader && len(n.Progress) > 0 {
					return f(n)
				}
			}
			return false
		}
	}
	eventually(t, "the member a learner once joint is left", leaderConf(func(n wire.NodeView) bool {
		return slices.Contains(n.VotersOutgoing, jr2.Node) && slices.Contains(n.LearnersNext, jr2.Node)
	}))
	ws.ok("command", map[string]any{"kind": "leave-joint"}, nil)
	eventually(t, "the joint configuration left", leaderConf(func(n wire.NodeView) bool {
		return len(n.VotersOutgoing) == 0 && slices.Equal(n.Learners, []core.NodeID{jr2.Node})
	}))
	ws.ok("command", map[string]any{"kind": "promote", "node": int(jr2.Node)}, nil)
	eventually(t, "the member a voter again", func() bool { return slices.Contains(nativeVoters(c), jr2.Node) })
	ws.ok("command", map[string]any{"kind": "remove", "node": int(jr.Node)}, nil)
	eventually(t, "the member removed", func() bool {
		v := nativeVoters(c)
		return !slices.Contains(v, jr.Node) && slices.Contains(v, jr2.Node)
	})
	ws.ok("command", map[string]any{"kind": "remove", "node": 3}, nil)
	eventually(t, "n3 removed", func() bool { return slices.Equal(nativeVoters(c), []core.NodeID{1, 2, jr2.Node}) })
	if a := ws.call("command", map[string]any{"kind": "add", "node": int(jr2.Node)}); a.OK || a.Kind != "impossible" || !strings.Contains(a.Error, "already a member") {
		t.Fatalf("add the member again over /ws: %+v, want a refusal", a)
	}
	ws.ok("command", map[string]any{"kind": "add-learner"}, nil)
	added := jr2.Node + 1
	eventually(t, "a native learner after the members", leaderConf(func(n wire.NodeView) bool {
		return slices.Equal(n.Learners, []core.NodeID{added})
	}))
	ws.ok("command", map[string]any{"kind": "promote", "node": int(added)}, nil)
	eventually(t, "the new node a voter", func() bool {
		return slices.Equal(nativeVoters(c), []core.NodeID{1, 2, jr2.Node, added})
	})
	v := c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1}).View
	if n := v.Nodes[added-1]; n.ID != added || n.Member || !n.Up {
		t.Fatalf("view of %s: %+v, want a native node, up", added, n)
	}
}
