package native

import (
	"slices"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
	"github.com/seshat-raft/seshat/wire/wiretest"
)

// TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome checks the Submit
// contract the simulator keeps too (wiretest.CheckSubmit) on a native
// cluster, and what only a cluster running in real time does: it refuses
// a command of the simulator's alone (manual) with no request.
func TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	wiretest.CheckSubmit(t, c, func(id uint64) []wire.Event {
		var events []wire.Event
		waitFor(t, 5*time.Second, "the request's return", func() bool {
			events = c.Frame(0, true, 0, wire.ViewOptions{}).Events
			return slices.ContainsFunc(events, func(e wire.Event) bool { return e.Kind == wire.EvClientReturn && e.Msg == id })
		})
		return events
	})
	if id, err := c.Submit(wire.Command{Kind: wire.CmdManual, On: true}); err == nil || id != 0 {
		t.Errorf("manual: id %d, %v; want 0 and an error", id, err)
	}
}
