package sim

import (
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// TestClientEventsCountInWords checks the events of add-clients and
// remove-clients say "1 client", not "1 clients", and that removing a
// client when there is none is refused with the count allowed.
func TestClientEventsCountInWords(t *testing.T) {
	c, err := New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = c.Apply(wire.Command{Kind: wire.CmdRemoveClients, Count: 1})
	if err == nil || !strings.Contains(err.Error(), "there are no clients to remove") {
		t.Errorf("remove-clients with none: got %v, want an error saying there are none", err)
	}
	for _, tc := range []struct {
		cmd   wire.Command
		wtext string
	}{
		{wire.Command{Kind: wire.CmdAddClients, Count: 1}, "added 1 client (1 now)"},
		{wire.Command{Kind: wire.CmdAddClients, Count: 2}, "added 2 clients (3 now)"},
		{wire.Command{Kind: wire.CmdRemoveClients, Count: 1}, "removed 1 client (2 now)"},
		{wire.Command{Kind: wire.CmdRemoveClients, Count: 2}, "removed 2 clients (0 now)"},
	} {
		since := c.EventCount()
		if err := c.Apply(tc.cmd); err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, e := range c.Events(since) {
			texts = append(texts, e.Text)
		}
		if !strings.Contains(strings.Join(texts, "\n"), tc.wtext) {
			t.Errorf("%s %d: events %q, want %q", tc.cmd.Kind, tc.cmd.Count, texts, tc.wtext)
		}
	}
}
