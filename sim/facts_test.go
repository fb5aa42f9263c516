package sim

import (
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
