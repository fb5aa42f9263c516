// Package wiretest holds the tests of the wire contract that every cluster
// speaking it must pass, the simulator (package sim) and the native
// cluster (package native) alike: each producer's own test runs them
// against a cluster of its own, with a hook that lets its time pass (the
// simulator's virtual clock, the native cluster's wall clock), and tests
// only what differs beside them. Only tests import it.
package wiretest

import (
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// SubmitCase is one client command and what the client-return event of
// its request must say.
type SubmitCase struct {
	Cmd     wire.Command
	Outcome wire.Outcome
	Output  string
}

// SubmitCases are set, get and del commands given one after another to a
// new cluster with a leader, each with the outcome and output its request
// returns: a set, a get of the key set, a get of a key never set, and a
// del of the key set.
func SubmitCases() []SubmitCase {
	return []SubmitCase{
		{wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"}, wire.OutcomeOK, "OK"},
		{wire.Command{Kind: wire.CmdGet, Key: "k"}, wire.OutcomeOK, "v"},
		{wire.Command{Kind: wire.CmdGet, Key: "absent"}, wire.OutcomeNotFound, ""},
		{wire.Command{Kind: wire.CmdDel, Key: "k"}, wire.OutcomeOK, "1"},
	}
}

// Submitter is a cluster that takes commands and returns the id of the
// client request a set, get or del created (sim.Cluster, native.Cluster).
type Submitter interface {
	Submit(cmd wire.Command) (uint64, error)
}

// CheckSubmit checks the Submit contract on c, a new cluster of at least
// two nodes with a leader: each of SubmitCases returns a request id that
// a client-invoke event of the command's kind carries (Event.Msg, Type),
// and the client-return event carrying it says the case's outcome and
// output as fields; a command that makes no request (a campaign of node
// 2) returns 0 and no error; a malformed one (a set without a key) returns
// 0 and an error. returned(id) lets the cluster run until request id has
// returned and answers the events so far, or fails the test if it never
// returns.
func CheckSubmit(t testing.TB, c Submitter, returned func(id uint64) []wire.Event) {
	t.Helper()
	for _, tt := range SubmitCases() {
		id, err := c.Submit(tt.Cmd)
		if err != nil || id == 0 {
			t.Fatalf("%+v: id %d, %v; want a request id", tt.Cmd, id, err)
		}
		var invoked bool
		var ret *wire.Event
		for _, e := range returned(id) {
			invoked = invoked || (e.Kind == wire.EvClientInvoke && e.Msg == id && e.Type == string(tt.Cmd.Kind))
			if e.Kind == wire.EvClientReturn && e.Msg == id {
				ret = &e
			}
		}
		switch {
		case !invoked:
			t.Errorf("%+v: no client-invoke event of kind %s for request %d", tt.Cmd, tt.Cmd.Kind, id)
		case ret == nil:
			t.Errorf("%+v: request %d returned, but no client-return event carries it", tt.Cmd, id)
		case ret.Outcome != tt.Outcome || ret.Output != tt.Output:
			t.Errorf("%+v: returned %q %q (%s); want %q %q", tt.Cmd, ret.Outcome, ret.Output, ret.Text, tt.Outcome, tt.Output)
		}
	}
	if id, err := c.Submit(wire.Command{Kind: wire.CmdCampaign, Node: 2}); err != nil || id != 0 {
		t.Errorf("campaign: id %d, %v; want 0, nil", id, err)
	}
	if id, err := c.Submit(wire.Command{Kind: wire.CmdSet}); err == nil || id != 0 {
		t.Errorf("set without a key: id %d, %v; want 0 and an error", id, err)
	}
}
