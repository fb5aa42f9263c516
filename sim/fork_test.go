package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// runFork runs a fork comparison to its end, a slice at a time.
func runFork(t *testing.T, f *Fork) (ForkResult, error) {
	t.Helper()
	for range 100_000 {
		done, err := f.Run(500)
		if err != nil || done {
			return f.Result(), err
		}
	}
	t.Fatal("the fork comparison never ended")
	return ForkResult{}, nil
}

// behaviour replays a session to its end and returns its events after
// step `after` that a fork compares (Fork.keep), for checking a fork's
// answer the long way.
func behaviour(t *testing.T, s Session, after uint64) []wire.Event {
	t.Helper()
	r, err := StartImport(s)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Event
	r.c.watch = func(e *wire.Event) {
		if r.c.steps > after && e.Kind != wire.EvCommand && e.Kind != wire.EvNetwork {
			out = append(out, *e)
		}
	}
	if err := r.runAll(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestForkFindsTheFirstDivergence forks a busy cluster with a lossy
// network: the comparison stops at the first events that differ, which
// the two runs replayed separately confirm (equal before, different
// there), and the fork's session reproduces its side.
func TestForkFindsTheFirstDivergence(t *testing.T) {
	c := freshRun(t, 5, 3)
	net := c.cfg.Network
	net.DropRate = 0.3
	f, err := c.StartFork(wire.Command{Kind: wire.CmdNetwork, Network: &net}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runFork(t, f)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Diverged || r.Time < r.At || r.Original.Kind == "" || r.Forked.Kind == "" || r.OriginalView == nil || r.ForkedView == nil {
		t.Fatalf("fork at %d: diverged %v at %d, %+v / %+v", r.At, r.Diverged, r.Time, r.Original, r.Forked)
	}
	if r.OriginalView.Time != r.Time || r.ForkedView.Time != r.Time {
		t.Fatalf("the views side by side are at %d and %d ms, not at the difference (%d)", r.OriginalView.Time, r.ForkedView.Time, r.Time)
	}
	orig := c.Export()
	orig.Until = r.Until
	a, b := behaviour(t, orig, c.steps), behaviour(t, r.Session, c.steps)
	i := 0
	for i < len(a) && i < len(b) && same(&a[i], &b[i]) {
		i++
	}
	if i != r.Compared || !same(&a[i], &r.Original) || !same(&b[i], &r.Forked) {
		t.Fatalf("replayed apart, the runs first differ after %d equal events (%s / %s); the fork said after %d (%s / %s)",
			i, a[i].Described().Text, b[i].Described().Text, r.Compared, r.Original.Text, r.Forked.Text)
	}
	if r.Compared == 0 && r.Time == r.At {
		t.Logf("the runs differ at once")
	}
	t.Logf("fork at %d ms: %d events alike, then at %d ms: %q / %q", r.At, r.Compared, r.Time, r.Original.Text, r.Forked.Text)
}

// TestForkWithNoChangeNeverDiverges: a fork whose change changes nothing
// (the same network settings) runs exactly as the original, so the check
// gives no false divergence; and the cluster asked is not changed.
func TestForkWithNoChangeNeverDiverges(t *testing.T) {
	c := freshRun(t, 5, 3)
	now, steps, hash := c.Now(), c.steps, c.TraceHash()
	net := c.cfg.Network
	f, err := c.StartFork(wire.Command{Kind: wire.CmdNetwork, Network: &net}, 3000)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runFork(t, f)
	if err != nil {
		t.Fatal(err)
	}
	if r.Diverged || r.Compared < 100 || r.Until != now+3000 {
		t.Fatalf("an unchanged fork: diverged %v (%+v / %+v), %d events compared, until %d", r.Diverged, r.Original, r.Forked, r.Compared, r.Until)
	}
	if c.Now() != now || c.steps != steps || c.TraceHash() != hash {
		t.Fatal("forking changed the cluster")
	}
}

// TestForkRefusals: a comparison too long, and a change the fork cannot
// make at that point, are refused in words.
func TestForkRefusals(t *testing.T) {
	c := freshRun(t, 3, 0)
	if _, err := c.StartFork(wire.Command{Kind: wire.CmdCrash, Node: 1}, wire.MaxForkMS+1); !errors.Is(err, wire.ErrBadCommand) || !strings.Contains(err.Error(), "600001 ms") {
		t.Fatalf("too long: %v", err)
	}
	if _, err := c.StartFork(wire.Command{Kind: wire.CmdRestart, Node: 1}, 1000); err == nil || !strings.Contains(err.Error(), "fork: the change: ") || !strings.Contains(err.Error(), "running") {
		t.Fatalf("restarting a running node: %v", err)
	}
}

// TestForkComparesQueuedEvents: the comparison takes equal pairs off the
// queues, stops at the first pair that differs, and counts an event of one
// run as a difference as soon as the other run is over with nothing to
// match it (not once the first run ends: its queue would grow meanwhile).
func TestForkComparesQueuedEvents(t *testing.T) {
	ev := func(at int64, kind wire.EventKind) wire.Event {
		return wire.Event{At: at, Kind: kind, Node: 1, Text: "x"}
	}
	f := &Fork{qa: []wire.Event{ev(1, wire.EvRole), ev(2, wire.EvTerm), ev(3, wire.EvVote)}, qb: []wire.Event{ev(1, wire.EvRole), ev(2, wire.EvTerm)}}
	f.compare(false, false)
	if f.found || f.compared != 2 || len(f.qa) != 1 || len(f.qb) != 0 {
		t.Fatalf("equal pairs: found %v, %d compared, queues %d and %d", f.found, f.compared, len(f.qa), len(f.qb))
	}
	f.compare(false, true)
	if !f.found || f.ea.At != 3 || f.eb.Kind != "" || f.divergedAt() != 3 {
		t.Fatalf("the fork over, the original with an event left: found %v, %+v / %+v", f.found, f.ea, f.eb)
	}
	g := &Fork{qa: []wire.Event{ev(5, wire.EvRole)}, qb: []wire.Event{ev(4, wire.EvCrash)}}
	g.compare(false, false)
	if !g.found || g.divergedAt() != 4 || g.compared != 0 {
		t.Fatalf("a pair that differs: found %v at %d", g.found, g.divergedAt())
	}
}
