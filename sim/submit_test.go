package sim

import (
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome checks that
// Submit of a set, get or del returns the request id its client events
// carry, and that the client-return event says the outcome and the answer
// as fields, so a program reads them without parsing texts.
func TestSubmitReturnsTheRequestAndItsReturnSaysTheOutcome(t *testing.T) {
	c := newScenario(t, 3, nil)
	waitLeader(t, c, []core.NodeID{1, 2, 3}, 10_000)
	returned := func(id uint64) wire.Event {
		t.Helper()
		for range 100 {
			for _, e := range c.Events(0) {
				if e.Kind == wire.EvClientReturn && e.Client == 0 && e.Msg == id {
					return e
				}
			}
			run(t, c, 50)
		}
		t.Fatalf("request %d never returned", id)
		return wire.Event{}
	}
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
		invoked := false
		for _, e := range c.Events(0) {
			invoked = invoked || (e.Kind == wire.EvClientInvoke && e.Msg == id && e.Type == string(tt.cmd.Kind))
		}
		if !invoked {
			t.Errorf("%+v: no client-invoke event for request %d", tt.cmd, id)
		}
		if e := returned(id); e.Outcome != tt.outcome || e.Output != tt.output {
			t.Errorf("%+v: returned %q %q (%s); want %q %q", tt.cmd, e.Outcome, e.Output, e.Text, tt.outcome, tt.output)
		}
	}
	if id, err := c.Submit(wire.Command{Kind: wire.CmdCampaign, Node: 2}); err != nil || id != 0 {
		t.Errorf("campaign: id %d, %v; want 0, nil", id, err)
	}
	if id, err := c.Submit(wire.Command{Kind: wire.CmdSet}); err == nil || id != 0 {
		t.Errorf("set without a key: id %d, %v; want 0 and an error", id, err)
	}
}
