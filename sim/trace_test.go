package sim

import (
	"reflect"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

func TestEventsFiltered(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Clients.Count = 2
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunFor(5_000); err != nil {
		t.Fatal(err)
	}
	all := c.Events(0)
	since := all[len(all)/2].Seq
	var notable, routine []wire.Event
	for _, e := range all {
		if e.Seq <= since {
			continue
		}
		if e.Routine() {
			routine = append(routine, e)
		} else {
			notable = append(notable, e)
		}
	}
	if len(notable) < 5 || len(routine) < 5*len(notable) {
		t.Fatalf("a busy cluster's second half should be mostly routine: %d notable, %d routine", len(notable), len(routine))
	}
	tail := func(es []wire.Event, n int) []wire.Event { return es[len(es)-n:] }
	for _, tc := range []struct {
		name    string
		notable bool
		max     int
		want    []wire.Event
	}{
		{"all", false, 0, tail(all, len(notable)+len(routine))},
		{"notable", true, 0, notable},
		{"newest 7", false, 7, tail(all, 7)},
		{"newest 3 notable", true, 3, tail(notable, 3)},
		{"more than there are", true, 1 << 20, notable},
	} {
		got := c.EventsFiltered(since, tc.notable, tc.max)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %d events, want %d", tc.name, len(got), len(tc.want))
		}
	}
	for _, e := range c.EventsFiltered(since, true, 0) {
		if e.Text == "" {
			t.Fatalf("event %d (%s) has no text", e.Seq, e.Kind)
		}
	}
	if got := c.EventsFiltered(c.EventCount(), false, 0); len(got) != 0 {
		t.Fatalf("%d events after the newest", len(got))
	}
}
