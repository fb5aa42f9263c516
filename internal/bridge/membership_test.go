package bridge

import (
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
)

// TestMembershipCommandsOverTheWebsocket: membership commands sent as
// engine calls over /ws act on the native cluster, a page-hosted member
// included: it can be removed by command, and a command that would add a
// node is refused in words.
func TestMembershipCommandsOverTheWebsocket(t *testing.T) {
	c := startMixed(t, 3)
	_, srv := serve(t, c, Options{Join: joinNative(c)})
	_, jr := joinPage(t, wsURL(srv), 4)
	eventually(t, "the member a voter", func() bool { return slices.Contains(nativeVoters(c), jr.Node) })
	ws := dial(t, srv)
	if a := ws.call("command", map[string]any{"kind": "add"}); a.OK || a.Kind != "impossible" || !strings.Contains(a.Error, "joins from a page") {
		t.Fatalf("add over /ws: %+v, want a refusal saying how members join", a)
	}
	if a := ws.call("command", map[string]any{"kind": "promote", "node": int(jr.Node)}); a.OK || !strings.Contains(a.Error, "already a voter") {
		t.Fatalf("promote a voter over /ws: %+v", a)
	}
	ws.ok("command", map[string]any{"kind": "remove", "node": int(jr.Node)}, nil)
	eventually(t, "the member removed", func() bool {
		v := nativeVoters(c)
		return len(v) == 3 && !slices.Contains(v, jr.Node)
	})
	ws.ok("command", map[string]any{"kind": "remove", "node": 3}, nil)
	eventually(t, "n3 removed", func() bool { return slices.Equal(nativeVoters(c), []core.NodeID{1, 2}) })
}
