package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// logPageOf decodes a committed-log answer.
func logPageOf(t *testing.T, r reply) wire.LogPage {
	t.Helper()
	if !r.OK {
		t.Fatalf("committed-log failed: %s (%s)", r.Error, r.Kind)
	}
	var p wire.LogPage
	if err := json.Unmarshal(r.Result, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEngineReadsTheCommittedLogInFull reads every node's committed log a
// page at a time, from the first entry each holds (its snapshot compacts
// the ones before) to its commit index, and checks the pages against the
// node's log as a frame shows it.
func TestEngineReadsTheCommittedLogInFull(t *testing.T) {
	e := &Engine{}
	frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 5, "clients": {"count": 2, "rate_per_sec": 20, "timeout_ms": 500, "keys": 4}, "raft": {"snapshot_interval_entries": 30, "snapshot_catchup_entries": 25}}`))
	f := frameOf(t, call(t, e, "frame", fmt.Sprintf(`{"advance_ms": 6000, "log_window": %d}`, wire.MaxLogWindow)))
	compacted := false
	for _, n := range f.View.Nodes {
		if n.Commit < 20 {
			t.Fatalf("n%d committed only %d entries; the test needs more", n.ID, n.Commit)
		}
		if n.FirstIndex > 1 {
			compacted = true
		}
		inView := map[core.LogIndex]wire.EntryView{}
		for _, ev := range n.Log {
			inView[ev.Index] = ev
		}
		var got []wire.EntryView
		pages := 0
		for from := core.LogIndex(0); ; pages++ {
			p := logPageOf(t, call(t, e, "committed-log", fmt.Sprintf(`{"node": %d, "from": %d, "limit": 7}`, n.ID, from)))
			if p.Node != n.ID || p.First != n.FirstIndex || p.Commit != n.Commit || len(p.Entries) > 7 {
				t.Fatalf("n%d from %d: page %+v; the view shows first %d, commit %d", n.ID, from, p, n.FirstIndex, n.Commit)
			}
			got = append(got, p.Entries...)
			if p.Next == 0 {
				break
			}
			from = p.Next
		}
		if len(got) != int(n.Commit-n.FirstIndex+1) || pages < 3 {
			t.Fatalf("n%d: %d entries in %d pages; want %d to %d", n.ID, len(got), pages+1, n.FirstIndex, n.Commit)
		}
		for i, ev := range got {
			if ev.Index != n.FirstIndex+core.LogIndex(i) {
				t.Fatalf("n%d: entry %d of the pages has index %d; want %d", n.ID, i, ev.Index, n.FirstIndex+core.LogIndex(i))
			}
			if w, ok := inView[ev.Index]; ok && w != ev {
				t.Fatalf("n%d: entry %d reads %+v; the view shows %+v", n.ID, ev.Index, ev, w)
			}
		}
		// Past the commit index: an empty last page.
		if p := logPageOf(t, call(t, e, "committed-log", fmt.Sprintf(`{"node": %d, "from": %d}`, n.ID, n.Commit+1))); len(p.Entries) != 0 || p.Next != 0 {
			t.Fatalf("n%d past its commit index: %+v", n.ID, p)
		}
	}
	if !compacted {
		t.Fatal("no node compacted its log; the test needs a snapshot")
	}
	// The default page and the largest.
	if p := logPageOf(t, call(t, e, "committed-log", `{"node": 1}`)); len(p.Entries) != min(wire.DefaultLogPage, int(p.Commit-p.First+1)) {
		t.Fatalf("the default page holds %d entries", len(p.Entries))
	}
	logPageOf(t, call(t, e, "committed-log", fmt.Sprintf(`{"node": 1, "limit": %d}`, wire.MaxLogPage)))
}

// TestEngineCommittedLogRefusesBadArguments checks that each bad argument
// is refused with its kind and an error naming the field.
func TestEngineCommittedLogRefusesBadArguments(t *testing.T) {
	e := &Engine{}
	if r := call(t, e, "committed-log", `{"node": 1}`); r.Kind != "bad-request" || !strings.Contains(r.Error, "before create") {
		t.Fatalf("before create: %+v", r)
	}
	frameOf(t, call(t, e, "create", `{"nodes": 3, "seed": 5, "raft": {"snapshot_interval_entries": 5, "snapshot_catchup_entries": 1}, "clients": {"count": 2, "rate_per_sec": 20, "timeout_ms": 500, "keys": 4}}`))
	f := frameOf(t, call(t, e, "frame", `{"advance_ms": 4000}`))
	n := f.View.Nodes[0]
	if n.FirstIndex < 2 {
		t.Fatalf("n1 holds its log from %d; the test needs a compacted one", n.FirstIndex)
	}
	for _, c := range []struct {
		args  string
		wkind string
		wtext string
	}{
		{`{}`, "bad-request", "engine: committed-log: node 0 must be 1 or more"},
		{`{"node": 0, "from": 1}`, "bad-request", "engine: committed-log: node 0 must be 1 or more"},
		{`{"node": 4}`, "unknown-node", "committed log: node 4; the nodes are 1 to 3"},
		{`{"node": -1}`, "bad-request", "engine: committed-log: node -1 must be 1 or more"},
		{`{"node": 1, "from": -1}`, "bad-request", "engine: committed-log: from -1 must be 0 (the first the node holds) or more"},
		{`{"node": 1, "from": "3"}`, "bad-request", `engine: committed-log: from "3" must be 0 (the first the node holds) or more`},
		{fmt.Sprintf(`{"node": 1, "from": %d}`, n.Commit+2), "impossible", fmt.Sprintf("from %d: n1 has committed up to %d", n.Commit+2, n.Commit)},
		{`{"node": 1, "from": 1}`, "impossible", "from 1: n1's entries before"},
		{`{"node": 1, "limit": -1}`, "bad-request", fmt.Sprintf("engine: committed-log: limit -1 must be 0 (the default size) to %d", wire.MaxLogPage)},
		{fmt.Sprintf(`{"node": 1, "limit": %d}`, wire.MaxLogPage+1), "bad-request", fmt.Sprintf("engine: committed-log: limit %d must be 0 (the default size) to %d", wire.MaxLogPage+1, wire.MaxLogPage)},
		{`{"node": 1, "limit": 1.5}`, "bad-request", "engine: committed-log: limit 1.5 must be 0 (the default size) to 1000"},
		{`{"node": 1, "page": 2}`, "bad-request", `engine: committed-log: unknown field "page"; the fields are node, from, limit`},
		{`[1]`, "bad-request", "committed-log"},
	} {
		r := call(t, e, "committed-log", c.args)
		if r.OK || r.Kind != c.wkind || !strings.Contains(r.Error, c.wtext) {
			t.Errorf("committed-log %s = %s (%s); want kind %s, an error holding %q", c.args, r.Error, r.Kind, c.wkind, c.wtext)
		}
	}
}
