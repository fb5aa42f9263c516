package sim

import (
	"slices"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
	"github.com/seshat-raft/seshat/wire/wiretest"
)

// TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome checks the Submit
// contract the native cluster keeps too (wiretest.CheckSubmit) on the
// simulator, its virtual clock run 50 ms at a time until a request
// returns.
func TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitLeader(t, c, []core.NodeID{1, 2, 3}, 10_000)
	wiretest.CheckSubmit(t, c, func(id uint64) []wire.Event {
		t.Helper()
		for range 100 {
			events := c.Events(0)
			if slices.ContainsFunc(events, func(e wire.Event) bool { return e.Kind == wire.EvClientReturn && e.Client == 0 && e.Msg == id }) {
				return events
			}
			run(t, c, 50)
		}
		t.Fatalf("request %d never returned", id)
		return nil
	})
}
