package native

import (
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome checks that Submit
// of a console request returns the id its client events carry, and that
// the client-return event says the outcome and the answer as fields, as
// the simulator's do.
func TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	for _, tt := range []struct {
		cmd     wire.Command
		outcome wire.Outcome
		output  string
	}{
		{wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"}, wire.OutcomeOK, "OK"},
		{wire.Command{Kind: wire.CmdGet, Key: "k"}, wire.OutcomeOK, "v"},
		{wire.Command{Kind: wire.CmdGet, Key: "absent"}, wire.OutcomeNotFound, ""},
		{wire.Command{Kind: wire.CmdDel, Key: "k"}, wire.OutcomeOK, "1"},
	} {
		id, err := c.Submit(tt.cmd)
		if err != nil || id == 0 {
			t.Fatalf("%+v: id %d, %v", tt.cmd, id, err)
		}
		var invoked bool
		var ret wire.Event
		waitFor(t, 5*time.Second, "the request's return", func() bool {
			for _, e := range c.Frame(0, true, 0, wire.ViewOptions{}).Events {
				invoked = invoked || (e.Kind == wire.EvClientInvoke && e.Msg == id)
				if e.Kind == wire.EvClientReturn && e.Msg == id {
					ret = e
					return true
				}
			}
			return false
		})
		if !invoked || ret.Outcome != tt.outcome || ret.Output != tt.output {
			t.Errorf("%+v: invoked %v, returned %q %q (%s); want %q %q", tt.cmd, invoked, ret.Outcome, ret.Output, ret.Text, tt.outcome, tt.output)
		}
	}
	if id, err := c.Submit(wire.Command{Kind: wire.CmdManual, On: true}); err == nil || id != 0 {
		t.Errorf("manual: id %d, %v; want 0 and an error", id, err)
	}
}
