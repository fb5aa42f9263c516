package sim

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestAppliedEntriesAreFields submits a set and finds it, on every node,
// in an apply event's fields: index, term, request id, operation, key,
// value and output, with no text parsed.
func TestAppliedEntriesAreFields(t *testing.T) {
	c := newScenario(t, 3, func(cfg *wire.Config) { cfg.Clients.Count = 0 })
	waitLeader(t, c, allIDs(c), 5000)
	since := c.EventCount()
	req, err := c.Submit(wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	if err != nil || req == 0 {
		t.Fatalf("Submit = %d, %v", req, err)
	}
	run(t, c, 2000)
	var idx core.LogIndex
	for _, h := range c.History() {
		if h.ID == req {
			idx = core.LogIndex(h.Index)
		}
	}
	if idx == 0 {
		t.Fatalf("request %d was not applied: %+v", req, c.History())
	}
	term := quickView(c).Nodes[0].Term
	for _, id := range allIDs(c) {
		found := false
		for _, e := range c.Events(since) {
			if e.Kind != wire.EvApply || e.Node != id {
				continue
			}
			found = found || slices.ContainsFunc(e.Applied, func(a wire.AppliedEntry) bool {
				return a.Request == req && a.Op == wire.OpSet && a.Key == "k" && a.Value == "v" && a.Output == "OK" &&
					a.Term == term && a.Index >= e.Index && a.Index <= e.Index2 && a.Index == idx
			})
		}
		if !found {
			t.Errorf("%s: no apply event lists request %d (set k=v in term %d) in its fields: %+v", id, req, term, c.Events(since))
		}
	}
}

// readCommitted reads node's committed log in full, a page of limit
// entries at a time, checking each page's fields.
func readCommitted(t *testing.T, read func(core.NodeID, core.LogIndex, int) (wire.LogPage, error), node core.NodeID, limit int) wire.LogPage {
	t.Helper()
	var all wire.LogPage
	from := core.LogIndex(0)
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatalf("%s: paging does not end", node)
		}
		p, err := read(node, from, limit)
		if err != nil {
			t.Fatalf("%s from %d: %v", node, from, err)
		}
		if len(p.Entries) > limit {
			t.Fatalf("%s from %d: %d entries; the limit is %d", node, from, len(p.Entries), limit)
		}
		if pages == 0 {
			all = p
			all.Entries = nil
		}
		for _, e := range p.Entries {
			want := all.First + core.LogIndex(len(all.Entries))
			if e.Index != want || e.Index > p.Commit {
				t.Fatalf("%s: entry %d where %d was due (commit %d)", node, e.Index, want, p.Commit)
			}
			all.Entries = append(all.Entries, e)
		}
		if p.Next == 0 {
			all.Commit = p.Commit
			break
		}
		from = p.Next
	}
	if got := all.First + core.LogIndex(len(all.Entries)) - 1; got != all.Commit {
		t.Fatalf("%s: the pages end at %d; the commit index is %d", node, got, all.Commit)
	}
	return all
}

// TestCommittedLogReadsInFull reads every node's committed log a few
// entries at a time (a crashed node's too): the pages join up from the
// first kept entry to the commit index, beyond the view's window, the
// nodes agree on every index they share, and bad arguments are refused
// with the error kind and range.
func TestCommittedLogReadsInFull(t *testing.T) {
	c := newScenario(t, 3, func(cfg *wire.Config) {
		cfg.Clients.Count = 0
		cfg.Raft.SnapshotIntervalEntries, cfg.Raft.SnapshotCatchupEntries = 20, 5
	})
	waitLeader(t, c, allIDs(c), 5000)
	for i := range 30 {
		consoleSet(t, c, fmt.Sprint("k", i), "v", 0)
	}
	do(t, c, wire.Command{Kind: wire.CmdCrash, Node: 3})
	for i := range 10 {
		consoleSet(t, c, fmt.Sprint("k", i), "w", 0)
	}
	run(t, c, 1000)
	const window = 5
	v := c.View(window)
	byIndex := map[core.LogIndex]wire.EntryView{}
	for _, id := range allIDs(c) {
		log := readCommitted(t, c.CommittedLog, id, 7)
		if len(log.Entries) <= window {
			t.Fatalf("%s: %d committed entries; want more than the view's %d", id, len(log.Entries), window)
		}
		if nv := v.Nodes[id-1]; log.Commit != nv.Commit || log.First != nv.FirstIndex {
			t.Fatalf("%s: pages say first %d, commit %d; the view says %d, %d", id, log.First, log.Commit, nv.FirstIndex, nv.Commit)
		}
		for _, e := range log.Entries {
			if o, ok := byIndex[e.Index]; ok && o != e {
				t.Fatalf("%s: committed entry %+v; another node committed %+v", id, e, o)
			}
			byIndex[e.Index] = e
		}
	}
	commit := v.Nodes[0].Commit
	if v.Nodes[0].FirstIndex <= 1 {
		t.Fatalf("n1 compacted nothing (first index %d): the test wants a compacted log", v.Nodes[0].FirstIndex)
	}
	for _, bad := range []struct {
		node  core.NodeID
		from  core.LogIndex
		limit int
		kind  error
	}{
		{0, 0, 0, wire.ErrUnknownNode},
		{4, 0, 0, wire.ErrUnknownNode},
		{1, 0, -1, wire.ErrBadCommand},
		{1, 0, wire.MaxLogPage + 1, wire.ErrBadCommand},
		{1, commit + 2, 0, wire.ErrImpossible},
		{1, v.Nodes[0].FirstIndex - 1, 0, wire.ErrImpossible},
	} {
		if _, err := c.CommittedLog(bad.node, bad.from, bad.limit); !errors.Is(err, bad.kind) {
			t.Errorf("CommittedLog(%d, %d, %d) = %v; want %v", bad.node, bad.from, bad.limit, err, bad.kind)
		}
	}
	if p, err := c.CommittedLog(1, commit+1, 0); err != nil || len(p.Entries) != 0 || p.Next != 0 {
		t.Errorf("CommittedLog past the commit index = %+v, %v; want an empty last page", p, err)
	}
}

// TestConfChangesListTheirVoters finds the founding membership changes in
// the trace's fields: on every node, the change at index i leaves at least
// voters n1 to ni (a node that bootstrapped knows them all at once), and
// the last one all three.
func TestConfChangesListTheirVoters(t *testing.T) {
	c := newScenario(t, 3, nil)
	run(t, c, 100)
	seen := map[core.NodeID]int{}
	for _, e := range c.Events(0) {
		if e.Kind != wire.EvConfChange {
			continue
		}
		for _, id := range allIDs(c)[:e.Index] {
			if !slices.Contains(e.Voters, id) {
				t.Errorf("%s's change at %d: voters %v; want %s among them", e.Node, e.Index, e.Voters, id)
			}
		}
		if e.Index == 3 && !slices.Equal(e.Voters, allIDs(c)) {
			t.Errorf("%s's last change: voters %v; want %v", e.Node, e.Voters, allIDs(c))
		}
		seen[e.Node]++
	}
	if len(seen) != 3 || seen[1] != 3 || seen[2] != 3 || seen[3] != 3 {
		t.Fatalf("membership changes per node: %v; want 3 on each of 3 nodes", seen)
	}
}
