package native

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestRestartEventComesFirst restarts a crashed node whose log holds
// committed entries: the restart event, with the node's term and restored
// index as fields, is in the trace before anything the restarted node does
// (its first round re-applies its committed entries). Before, the command
// recorded the restart after the node's goroutines had started, so the
// node's first events could come first.
func TestRestartEventComesFirst(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	mustSet(t, c, "k", "v")
	id := core.NodeID(l.ID%3 + 1)
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: id})
	since := c.EventCount()
	term := view(c).Nodes[id-1].Term
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: id})
	var mine []wire.Event
	waitFor(t, 10*time.Second, "the restarted node to re-apply its entries", func() bool {
		mine = mine[:0]
		for _, e := range c.Frame(since, false, 0, wire.ViewOptions{}).Events {
			if e.Node == id && e.Kind != wire.EvCommand {
				mine = append(mine, e)
			}
		}
		return slices.ContainsFunc(mine, func(e wire.Event) bool { return e.Kind == wire.EvApply && e.Index == 1 })
	})
	if e := mine[0]; e.Kind != wire.EvRestart || e.Term != term || e.Index != 0 {
		t.Fatalf("%s's first event after the restart command: %+v; want a restart event in term %d restored to index 0 (events %+v)", id, e, term, mine)
	}
}

// TestAppliedEntriesAreFields submits a set and finds it, on every node,
// in an apply event's fields: index, term, request id, operation, key,
// value and output, with no text parsed.
func TestAppliedEntriesAreFields(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	since := c.EventCount()
	req, err := c.Submit(wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	if err != nil || req == 0 {
		t.Fatalf("Submit = %d, %v", req, err)
	}
	lists := func(e wire.Event) bool {
		return e.Kind == wire.EvApply && slices.ContainsFunc(e.Applied, func(a wire.AppliedEntry) bool {
			return a.Request == req && a.Op == wire.OpSet && a.Key == "k" && a.Value == "v" && a.Output == "OK" &&
				a.Term >= l.Term && a.Index >= e.Index && a.Index <= e.Index2
		})
	}
	var applied map[core.NodeID]core.LogIndex
	waitFor(t, 10*time.Second, "every node to apply the set", func() bool {
		applied = map[core.NodeID]core.LogIndex{}
		for _, e := range c.Frame(since, false, 0, wire.ViewOptions{}).Events {
			if lists(e) {
				for _, a := range e.Applied {
					if a.Request == req {
						applied[e.Node] = a.Index
					}
				}
			}
		}
		return len(applied) == 3
	})
	if applied[1] != applied[2] || applied[1] != applied[3] {
		t.Fatalf("the nodes applied request %d at different indexes: %v", req, applied)
	}
}

// TestCommittedLogReadsInFull reads each node's committed log a few
// entries at a time while the cluster runs (a crashed node's from its
// storage): the pages join up from the first kept entry, the nodes agree
// on every index they share, and bad arguments are refused.
func TestCommittedLogReadsInFull(t *testing.T) {
	cfg := testConfig(3)
	cfg.Raft.SnapshotIntervalEntries, cfg.Raft.SnapshotCatchupEntries = 20, 5
	c := startCluster(t, cfg)
	waitLeader(t, c)
	for i := range 30 {
		mustSet(t, c, fmt.Sprint("k", i), "v")
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 3})
	byIndex := map[core.LogIndex]wire.EntryView{}
	for id := core.NodeID(1); id <= 3; id++ {
		var got []wire.EntryView
		first, from := core.LogIndex(0), core.LogIndex(0)
		for pages := 0; ; pages++ {
			p, err := c.CommittedLog(id, from, 7)
			if err != nil || len(p.Entries) > 7 || pages > 1000 {
				t.Fatalf("%s from %d: %d entries, %v", id, from, len(p.Entries), err)
			}
			if pages == 0 {
				first = p.First
			}
			for _, e := range p.Entries {
				if want := first + core.LogIndex(len(got)); e.Index != want || e.Index > p.Commit {
					t.Fatalf("%s: entry %d where %d was due (commit %d)", id, e.Index, want, p.Commit)
				}
				if o, ok := byIndex[e.Index]; ok && o != e {
					t.Fatalf("%s: committed entry %+v; another node committed %+v", id, e, o)
				}
				byIndex[e.Index] = e
				got = append(got, e)
			}
			if p.Next == 0 {
				break
			}
			from = p.Next
		}
		if len(got) < 7 {
			t.Fatalf("%s: %d committed entries read from %d; want more than a page", id, len(got), first)
		}
	}
	for _, bad := range []struct {
		node  core.NodeID
		limit int
		kind  error
	}{{0, 0, wire.ErrUnknownNode}, {4, 0, wire.ErrUnknownNode}, {1, -1, wire.ErrBadCommand}, {1, wire.MaxLogPage + 1, wire.ErrBadCommand}} {
		if _, err := c.CommittedLog(bad.node, 0, bad.limit); !errors.Is(err, bad.kind) {
			t.Errorf("CommittedLog(%d, 0, %d) = %v; want %v", bad.node, bad.limit, err, bad.kind)
		}
	}
}
