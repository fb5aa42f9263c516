package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// checkDiagram checks a diagram against the trace it was drawn from: every
// message line is a real send (or copy) with its sender, receiver, type
// and time, and ends as the trace says (delivered or lost at End, or no
// end by the window's end); every message that lived in the window is
// there (or counted in Cut); heartbeats only when asked; lines in the
// order sent; every mark a notable event of the window.
func checkDiagram(events []wire.Event, q wire.DiagramQuery, d wire.Diagram) error {
	ends := map[uint64]wire.Event{}
	for _, e := range events {
		if (e.Kind == wire.EvDeliver || e.Kind == wire.EvDrop) && e.At <= d.To {
			ends[e.Msg] = e
		}
	}
	sends := map[uint64]wire.Event{}
	want := 0
	for _, e := range events {
		if (e.Kind != wire.EvSend && e.Kind != wire.EvDuplicate) || e.At > d.To || (!q.Heartbeats && wire.IsHeartbeat(e.Type)) {
			continue
		}
		sends[e.Msg] = e
		if end, ok := ends[e.Msg]; !ok || end.At >= d.From {
			want++
		}
	}
	if got := len(d.Messages) + d.Cut; got != want {
		return fmt.Errorf("%d messages listed and %d cut, but %d lived in the window %d..%d", len(d.Messages), d.Cut, want, d.From, d.To)
	}
	for i, m := range d.Messages {
		s, ok := sends[m.ID]
		if !ok || s.Node != m.From || s.Peer != m.To || s.At != m.Sent || m.Type >= len(d.Types) || d.Types[m.Type] != s.Type {
			return fmt.Errorf("message %d (%+v) is not a send of the trace", m.ID, m)
		}
		if i > 0 && m.Sent < d.Messages[i-1].Sent {
			return fmt.Errorf("message %d sent at %d listed after one sent at %d", m.ID, m.Sent, d.Messages[i-1].Sent)
		}
		end, ended := ends[m.ID]
		switch {
		case !ended && (m.Fate != wire.FateFlight || m.End != 0):
			return fmt.Errorf("message %d ends at %d in the diagram, not in the trace", m.ID, m.End)
		case ended && (m.End != end.At || (end.Kind == wire.EvDeliver) != (m.Fate == wire.FateDelivered) || (end.Kind == wire.EvDrop) != (m.Fate == wire.FateLost)):
			return fmt.Errorf("message %d: %s at %d in the trace, fate %d at %d in the diagram", m.ID, end.Kind, end.At, m.Fate, m.End)
		}
	}
	var marks []uint64
	for _, e := range events {
		if !e.Routine() && e.At >= d.From && e.At <= d.To {
			marks = append(marks, e.Seq)
		}
	}
	got := make([]uint64, len(d.Marks))
	for i, m := range d.Marks {
		got[i] = m.Seq
	}
	if !slices.Equal(got, marks[d.CutMarks:]) {
		return fmt.Errorf("marks %v, the trace's notable events in the window %v", got, marks)
	}
	return nil
}

// TestDiagramAgreesWithTheTrace draws the diagram of windows of chaos runs
// (drops, cuts, crashes, membership changes), with and without
// heartbeats, now and in the past, and checks each against the trace.
func TestDiagramAgreesWithTheTrace(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	checked, lost, flying, cut := 0, 0, 0, 0
	for seed := uint64(1); seed <= 4; seed++ {
		c, err := chaosRunOpts(seed, 20_000, chaosOpts{membership: seed%2 == 0})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		events := c.trace.raw()
		for _, q := range []wire.DiagramQuery{
			{Span: 2000}, {Span: 2000, Heartbeats: true}, {Span: 500, To: c.Now() - 700},
			{Span: wire.MaxDiagramSpanMS, Heartbeats: true, Max: 50}, {Span: 1, To: 1},
		} {
			d, err := c.Diagram(q)
			if err != nil {
				t.Fatalf("seed %d: %+v: %v", seed, q, err)
			}
			if err := checkDiagram(events, q, d); err != nil {
				t.Fatalf("seed %d: %+v: %v", seed, q, err)
			}
			if len(d.Nodes) != len(c.nodes) || d.Kept != events[0].At {
				t.Fatalf("seed %d: lanes %v, kept from %d (the trace from %d)", seed, d.Nodes, d.Kept, events[0].At)
			}
			for _, m := range d.Messages {
				switch m.Fate {
				case wire.FateLost:
					lost++
				case wire.FateFlight:
					flying++
					due := int64(-1)
					if f, ok := c.flights[m.ID]; ok {
						due = f.deliverAt
					}
					if d.To == c.Now() && (due != m.Due || (m.Due != 0 && m.Due < c.Now())) {
						t.Fatalf("seed %d: message %d in flight, due at %d; the network has it due at %d", seed, m.ID, m.Due, due)
					}
				}
			}
			checked += len(d.Messages)
			cut += d.Cut
		}
	}
	if checked < 1000 || lost == 0 || flying == 0 || cut == 0 {
		t.Fatalf("%d message lines checked, %d lost, %d in flight, %d cut: too few to say anything", checked, lost, flying, cut)
	}
	t.Logf("%d message lines checked (%d lost, %d in flight at the window's end)", checked, lost, flying)
}

// TestCheckDiagramCatchesWrongDiagrams: the property check refuses a
// diagram missing a message, with a wrong end, a wrong type, lines out of
// order, or a mark too many.
func TestCheckDiagramCatchesWrongDiagrams(t *testing.T) {
	c := freshRun(t, 3, 1)
	events := c.trace.raw()
	q := wire.DiagramQuery{Span: 5000, Heartbeats: true}
	d, err := c.Diagram(q)
	if err != nil || len(d.Messages) < 3 || len(d.Marks) == 0 || len(d.Types) < 2 {
		t.Fatalf("%v: %d messages, %d marks, types %v", err, len(d.Messages), len(d.Marks), d.Types)
	}
	if err := checkDiagram(events, q, d); err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]func(d *wire.Diagram){
		"missing":   func(d *wire.Diagram) { d.Messages = d.Messages[1:] },
		"wrong end": func(d *wire.Diagram) { d.Messages[0].End++ },
		"wrong fate": func(d *wire.Diagram) {
			d.Messages[0].Fate = (d.Messages[0].Fate + 1) % 3
		},
		"wrong type":   func(d *wire.Diagram) { d.Messages[0].Type = (d.Messages[0].Type + 1) % len(d.Types) },
		"out of order": func(d *wire.Diagram) { d.Messages[0], d.Messages[2] = d.Messages[2], d.Messages[0] },
		"extra mark":   func(d *wire.Diagram) { d.Marks = append(d.Marks, d.Marks[0]) },
	} {
		b := d
		b.Messages, b.Marks = slices.Clone(d.Messages), slices.Clone(d.Marks)
		broken(&b)
		if checkDiagram(events, q, b) == nil {
			t.Errorf("%s: the check accepts it", name)
		}
	}
}

// TestDiagramRefusesBadQueries: a span out of range, too many messages
// or a negative time is refused, naming the field.
func TestDiagramRefusesBadQueries(t *testing.T) {
	c := freshRun(t, 3, 1)
	for _, tc := range []struct {
		q    wire.DiagramQuery
		want string
	}{
		{wire.DiagramQuery{}, "span 0 ms"},
		{wire.DiagramQuery{Span: wire.MaxDiagramSpanMS + 1}, "span 60001 ms"},
		{wire.DiagramQuery{Span: 10, Max: wire.MaxDiagramMessages + 1}, "max 20001 messages"},
		{wire.DiagramQuery{Span: 10, Max: -1}, "max -1"},
		{wire.DiagramQuery{Span: 10, To: -5}, "to -5 ms"},
	} {
		_, err := c.Diagram(tc.q)
		if !errors.Is(err, wire.ErrBadCommand) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a bad command naming %q", tc.q, err, tc.want)
		}
	}
}

// BenchmarkDiagram is the page's diagram call while the diagram is shown:
// after 10 virtual minutes of the benchmark workload, the 3 s window with
// heartbeats (the most lines), from the full kept trace. One op is one
// answer.
func BenchmarkDiagram(b *testing.B) {
	c, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := c.RunUntil(10 * 60_000); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	lines := 0
	for i := 0; i < b.N; i++ {
		d, err := c.Diagram(wire.DiagramQuery{Span: 3000, Heartbeats: true})
		if err != nil {
			b.Fatal(err)
		}
		lines = len(d.Messages)
	}
	b.ReportMetric(float64(lines), "lines")
}
