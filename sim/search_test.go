package sim

import (
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// TestSearchFindsEventsOlderThanTheKeptTrace: a search replays the whole
// session, so it finds the first leader change even once the kept trace
// has long forgotten it, with the numbers the trace gave the events; in
// slices it finds the same as at once.
func TestSearchFindsEventsOlderThanTheKeptTrace(t *testing.T) {
	c := freshRun(t, 3, 3)
	l := c.leader()
	first := c.Events(0)
	var elected wire.Event
	for _, e := range first {
		if e.Kind == wire.EvRole && e.Type == string(core.RoleLeader) {
			elected = e
			break
		}
	}
	apply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: l.id})
	if err := c.RunFor(120_000); err != nil {
		t.Fatal(err)
	}
	if c.Events(0)[0].Seq <= elected.Seq {
		t.Fatal("the kept trace still holds the first election: the test does not test")
	}
	q, err := wire.ParseSearch("leader changes")
	if err != nil {
		t.Fatal(err)
	}
	var whole SearchResult
	for _, slice := range []int{1 << 30, 5_000} {
		s, err := c.StartSearch(q)
		if err != nil {
			t.Fatal(err)
		}
		for {
			done, err := s.Run(slice)
			if err != nil {
				t.Fatal(err)
			}
			if done {
				break
			}
		}
		r := s.Result()
		if r.Total < 2 || r.Total != len(r.Events) || r.Events[0].Seq != elected.Seq || r.Events[0].Text != elected.Text {
			t.Fatalf("slice %d: %d of %d found, first %+v; want the first election %+v first", slice, len(r.Events), r.Total, r.Events[0], elected)
		}
		if slice == 1<<30 {
			whole = r
		} else if len(r.Events) != len(whole.Events) || r.Events[len(r.Events)-1].Seq != whole.Events[len(whole.Events)-1].Seq {
			t.Fatalf("in slices: %d events; at once: %d", len(r.Events), len(whole.Events))
		}
	}
	q, _ = wire.ParseSearch("first time commit index of n1 went past 5")
	s, _ := c.StartSearch(q)
	for done := false; !done; {
		done, _ = s.Run(1 << 30)
	}
	if r := s.Result(); r.Total != 1 || r.Events[0].Kind != wire.EvCommit || r.Events[0].Node != 1 || r.Events[0].Index2 <= 5 {
		t.Fatalf("the first commit past 5 on n1: %+v", r)
	}
	// The cluster searched is not changed.
	if c.Now() < 120_000 || c.Halted() != nil {
		t.Fatalf("the cluster moved: %d ms", c.Now())
	}
}

// TestRecordingAnEventAllocatesNothing: the search's watcher once moved
// every event the simulator records to the heap, watched or not, and
// Simulate10 allocated twice the bytes; an event recorded with no search
// running allocates nothing.
func TestRecordingAnEventAllocatesNothing(t *testing.T) {
	c := freshRun(t, 3, 0)
	e := wire.Event{Kind: wire.EvCommand, Node: 1, Type: "set", Text: "console: set k=v"}
	if n := testing.AllocsPerRun(100, func() { c.emit(e) }); n != 0 {
		t.Fatalf("recording an event allocates %v times", n)
	}
}
