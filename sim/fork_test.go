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

// forkTo forks c with change for forMS and runs the comparison to its
// end, failing the test on an error.
func forkTo(t *testing.T, c *Cluster, change wire.Command, forMS int64) ForkResult {
	t.Helper()
	f, err := c.StartFork(change, forMS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := runFork(t, f)
	if err != nil {
		t.Fatal(err)
	}
	return r
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
	r := forkTo(t, c, wire.Command{Kind: wire.CmdNetwork, Network: &net}, 5000)
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
	r := forkTo(t, c, wire.Command{Kind: wire.CmdNetwork, Network: &net}, 3000)
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

// TestCompareShowsBothRunsAtAnyTime: after a fork, StartCompare over its
// Base and Session shows the two runs side by side at any time asked:
// each view is the one its session's replay, alone, reaches at that time;
// before the difference the two are the same, after it they may not be;
// and the first difference it reports by then is the fork's.
func TestCompareShowsBothRunsAtAnyTime(t *testing.T) {
	c := freshRun(t, 5, 3)
	net := c.cfg.Network
	net.DropRate = 0.3
	fr := forkTo(t, c, wire.Command{Kind: wire.CmdNetwork, Network: &net}, 5000)
	if !fr.Diverged || fr.Base.Until != fr.Until || len(fr.Base.Commands) >= len(fr.Session.Commands) || fr.ViewAt != fr.Time {
		t.Fatalf("the fork's answer: diverged %v, base until %d (fork until %d), %d base commands, %d fork commands, views at %d (difference %d)",
			fr.Diverged, fr.Base.Until, fr.Until, len(fr.Base.Commands), len(fr.Session.Commands), fr.ViewAt, fr.Time)
	}
	// alone replays one session to time at and answers its view there.
	alone := func(s Session, at int64) wire.View {
		s.Until = at
		r, err := StartImport(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.runAll(); err != nil {
			t.Fatal(err)
		}
		return r.c.ViewWith(wire.ViewOptions{LogWindow: 1})
	}
	differ := 0
	for _, at := range []int64{fr.At, fr.Time - 1, fr.Time, (fr.Time + fr.Until) / 2, fr.Until} {
		cf, err := StartCompare(fr.Base, fr.Session, at)
		if err != nil {
			t.Fatal(err)
		}
		r, err := runFork(t, cf)
		if err != nil {
			t.Fatal(err)
		}
		if r.ViewAt != at || r.OriginalView == nil || r.ForkedView == nil || r.OriginalView.Time != at || r.ForkedView.Time != at {
			t.Fatalf("compare at %d: views at %d (%v, %v)", at, r.ViewAt, r.OriginalView != nil, r.ForkedView != nil)
		}
		wa, wb := alone(fr.Base, at), alone(fr.Session, at)
		if !viewsEqual(*r.OriginalView, wa) || !viewsEqual(*r.ForkedView, wb) {
			t.Fatalf("compare at %d: the views side by side are not the runs' own", at)
		}
		if at < fr.Time {
			if r.Diverged || !viewsEqual(wa, wb) {
				t.Fatalf("compare at %d, before the difference at %d: diverged %v, views equal %v", at, fr.Time, r.Diverged, viewsEqual(wa, wb))
			}
			continue
		}
		if !viewsEqual(wa, wb) {
			differ++
		}
		if !r.Diverged || r.Time != fr.Time || !same(&r.Original, &fr.Original) || !same(&r.Forked, &fr.Forked) {
			t.Fatalf("compare at %d: first difference %v at %d (%+v / %+v); the fork found it at %d", at, r.Diverged, r.Time, r.Original, r.Forked, fr.Time)
		}
	}
	// The check of the views must be able to tell the runs apart.
	if differ == 0 {
		t.Fatal("the two runs' views never differ after the difference: the comparison of views proves nothing here")
	}
}

// viewsEqual compares two views by their nodes' state and messages in
// flight.
func viewsEqual(a, b wire.View) bool {
	if a.Time != b.Time || len(a.Nodes) != len(b.Nodes) || len(a.Messages) != len(b.Messages) {
		return false
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i], b.Nodes[i]
		if x.ID != y.ID || x.Role != y.Role || x.Term != y.Term || x.Commit != y.Commit || x.Applied != y.Applied || x.Up != y.Up || x.Vote != y.Vote {
			return false
		}
	}
	for i := range a.Messages {
		if a.Messages[i].ID != b.Messages[i].ID || a.Messages[i].Type != b.Messages[i].Type {
			return false
		}
	}
	return true
}

// TestCompareRefusals: a time the runs do not reach, and a session that is
// not valid, are refused in words, naming which.
func TestCompareRefusals(t *testing.T) {
	c := freshRun(t, 3, 0)
	s := c.Export()
	if _, err := StartCompare(s, s, s.Until+1); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), "span 0 to") {
		t.Fatalf("past the runs: %v", err)
	}
	if _, err := StartCompare(s, s, -1); !errors.Is(err, wire.ErrImpossible) {
		t.Fatalf("before time 0: %v", err)
	}
	bad := s
	bad.Version = 99
	if _, err := StartCompare(s, bad, 0); !errors.Is(err, wire.ErrBadSession) || !strings.Contains(err.Error(), "compare: the fork: ") {
		t.Fatalf("a bad second session: %v", err)
	}
}

// TestReseedChangesTheRunFromNowOnly: a reseed command draws the run's
// random numbers from its seed from that moment: the run before it is
// untouched, after it the run differs from the one not reseeded (clients,
// latencies and election timeouts come from elsewhere), the same reseed
// gives the same run twice, and the session replays it exactly.
func TestReseedChangesTheRunFromNowOnly(t *testing.T) {
	run := func(seed uint64, reseed bool) *Cluster {
		c := freshRun(t, 5, 3)
		if reseed {
			if err := c.Apply(wire.Command{Kind: wire.CmdReseed, Seed: seed}); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.RunFor(4000); err != nil {
			t.Fatal(err)
		}
		return c
	}
	plain, a, b, other := run(0, false), run(7, true), run(7, true), run(8, true)
	if a.TraceHash() != b.TraceHash() {
		t.Fatal("the same reseed gave two runs")
	}
	if a.TraceHash() == plain.TraceHash() || a.TraceHash() == other.TraceHash() {
		t.Fatal("a reseed changed nothing: the run after it is the one without it, or the one of another seed")
	}
	imported, err := Import(a.Export())
	if err != nil {
		t.Fatal(err)
	}
	if imported.TraceHash() != a.TraceHash() {
		t.Fatal("the session with a reseed does not replay the run")
	}
	// A fork with another seed: the same up to the fork point, then it differs.
	r := forkTo(t, freshRun(t, 5, 3), wire.Command{Kind: wire.CmdReseed, Seed: 7}, 4000)
	if !r.Diverged || r.Time < r.At {
		t.Fatalf("a fork with another seed: diverged %v at %d (forked at %d)", r.Diverged, r.Time, r.At)
	}
	if err := a.Apply(wire.Command{Kind: wire.CmdReseed, Seed: wire.MaxSeed + 1}); !errors.Is(err, wire.ErrBadCommand) || !strings.Contains(err.Error(), "9007199254740992") {
		t.Fatalf("a seed past 2^53-1: %v", err)
	}
}
