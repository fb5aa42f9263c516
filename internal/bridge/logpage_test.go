package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestCommittedLogOverTheWebsocket reads each node of a native cluster's
// committed log a page at a time over the websocket, to the end, and
// checks that each bad argument is refused with its kind and an error
// naming the field.
func TestCommittedLogOverTheWebsocket(t *testing.T) {
	c := startMixed(t, 3)
	_, srv := serve(t, c, Options{})
	ws := dial(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 4*wait)
	defer cancel()
	const writes = 20
	for i := range writes {
		if _, err := c.Set(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			t.Fatalf("set k%d: %v", i, err)
		}
	}
	// Followers learn the commit index with the next heartbeat.
	eventually(t, "every node to commit the last write", func() bool {
		for _, n := range c.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1}).View.Nodes {
			if n.Commit < writes+4 { // the founding membership, the leader's empty entry and the writes
				return false
			}
		}
		return true
	})

	for id := core.NodeID(1); id <= 3; id++ {
		var got []wire.EntryView
		var last wire.LogPage
		pages := 0
		for from := core.LogIndex(0); ; pages++ {
			var p wire.LogPage
			ws.ok("committed-log", map[string]any{"node": id, "from": from, "limit": 7}, &p)
			if p.Node != id || len(p.Entries) > 7 || (from != 0 && len(p.Entries) > 0 && p.Entries[0].Index != from) {
				t.Fatalf("n%d from %d: page %+v", id, from, p)
			}
			got, last = append(got, p.Entries...), p
			if p.Next == 0 {
				break
			}
			from = p.Next
		}
		if pages < 2 || last.Commit < writes+4 || len(got) != int(last.Commit-last.First+1) {
			t.Fatalf("n%d: %d entries in %d pages, the last %+v", id, len(got), pages+1, last)
		}
		for i, e := range got {
			if e.Index != last.First+core.LogIndex(i) {
				t.Fatalf("n%d: entry %d of the pages has index %d; want %d", id, i, e.Index, last.First+core.LogIndex(i))
			}
		}
		if !containsOp(got, "k19") {
			t.Fatalf("n%d: the pages hold no write of k19: %+v", id, got)
		}
	}

	var p wire.LogPage
	ws.ok("committed-log", map[string]any{"node": 1}, &p)
	for _, tc := range []struct {
		args  string
		wkind wire.ErrorKind
		wtext string
	}{
		{`{}`, wire.KindBadRequest, "bridge: committed-log: node 0 must be 1 or more"},
		{`{"node": 4}`, wire.KindUnknownNode, "committed log: node 4; the cluster's own nodes are n1, n2, n3"},
		{`{"node": 1, "from": -1}`, wire.KindBadRequest, "bridge: committed-log: from -1 must be 0 (the first the node holds) or more"},
		{fmt.Sprintf(`{"node": 1, "from": %d}`, p.Commit+1000), wire.KindImpossible, fmt.Sprintf("from %d: n1 has committed up to", p.Commit+1000)},
		{`{"node": 1, "limit": -1}`, wire.KindBadRequest, "bridge: committed-log: limit -1 must be 0 (the default size) to 1000"},
		{fmt.Sprintf(`{"node": 1, "limit": %d}`, wire.MaxLogPage+1), wire.KindBadRequest, fmt.Sprintf("bridge: committed-log: limit %d must be 0 (the default size) to %d", wire.MaxLogPage+1, wire.MaxLogPage)},
		{`{"node": 1, "page": 2}`, wire.KindBadRequest, `unknown field "page"`},
	} {
		a := ws.call("committed-log", json.RawMessage(tc.args))
		if a.OK || a.Kind != string(tc.wkind) || !strings.Contains(a.Error, tc.wtext) {
			t.Errorf("committed-log %s = %s (%s); want kind %s, an error holding %q", tc.args, a.Error, a.Kind, tc.wkind, tc.wtext)
		}
	}
	// The connection still answers.
	ws.ok("committed-log", map[string]any{"node": 2, "limit": wire.MaxLogPage}, &p)
}

// containsOp says whether an entry's operation names key.
func containsOp(ents []wire.EntryView, key string) bool {
	for _, e := range ents {
		if strings.Contains(e.Op, key+"=") {
			return true
		}
	}
	return false
}
