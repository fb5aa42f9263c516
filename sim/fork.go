package sim

import (
	"fmt"

	"github.com/seshat-raft/seshat/wire"
)

// Fork compares the cluster's run with a fork of it (StartFork): the same
// session up to now, then a change. Both are replayed from their seed, in
// slices as a replay is, side by side, until their events first differ or
// the comparison's end is reached. Run it until it reports it is over,
// then take Result.
type Fork struct {
	a, b     *Replay
	at       int64
	step     uint64
	until    int64
	session  Session
	qa, qb   []wire.Event // events of each run not yet compared
	compared int
	found    bool
	ea, eb   wire.Event
	// at, once the runs differ: both replayed again to the time of the
	// difference, for the views side by side there.
	ra, rb *Replay
	done   bool
	// view: a comparison of two sessions (StartCompare) up to viewAt,
	// with both views there, instead of views at the first difference.
	view   bool
	viewAt int64
	base   Session
}

// ForkResult is what a comparison found. Session is the fork (shareable as
// any session); At is where it forks; Until is how far the runs were
// compared. Diverged says whether they differ by then: Time is the time of
// the first difference, Original and Forked the two events that differ
// there (Kind empty when one run has no event left), and OriginalView and
// ForkedView the two clusters at that time, every event up to it run,
// side by side. Compared counts
// the events found equal after the fork point. Base is the original run's
// session, run as far as the fork: with Session, what StartCompare takes to
// show both runs at any other time. ViewAt is the time of the two views
// (Time after a fork; the time asked for after StartCompare).
type ForkResult struct {
	Session      Session    `json:"session"`
	Base         Session    `json:"base"`
	At           int64      `json:"at"`
	Until        int64      `json:"until"`
	Diverged     bool       `json:"diverged"`
	Time         int64      `json:"time,omitempty"`
	Original     wire.Event `json:"original"`
	Forked       wire.Event `json:"forked"`
	OriginalView *wire.View `json:"original_view,omitempty"`
	ForkedView   *wire.View `json:"forked_view,omitempty"`
	Compared     int        `json:"compared"`
	ViewAt       int64      `json:"view_at"`
}

// ForkSession is the cluster's session up to now (its commands applied so
// far), then change at this point, run until now + forMS.
func (c *Cluster) ForkSession(change wire.Command, forMS int64) Session {
	s := c.Export()
	keep := s.Commands[:0]
	for _, lc := range s.Commands {
		if lc.Step <= c.steps && lc.At <= c.now {
			keep = append(keep, lc)
		}
	}
	s.Commands = append(keep, wire.LoggedCommand{Step: c.steps, At: c.now, Command: change})
	s.Until = c.now + forMS
	return s
}

// StartFork begins comparing the cluster's run with a fork of it at the
// current point, where change is applied (a command, e.g. new network
// settings), for forMS virtual ms past it (0: wire.DefaultForkMS). The
// cluster is not changed. A change the cluster would refuse now is
// refused, saying why.
func (c *Cluster) StartFork(change wire.Command, forMS int64) (*Fork, error) {
	if forMS == 0 {
		forMS = wire.DefaultForkMS
	}
	if forMS < 1 || forMS > wire.MaxForkMS {
		return nil, fmt.Errorf("%w: fork: compare for %d ms; from 1 to %d", wire.ErrBadCommand, forMS, wire.MaxForkMS)
	}
	// The fork is the cluster as it is now: what this cluster refuses, the
	// fork would.
	if err := c.validate(change); err != nil {
		return nil, fmt.Errorf("fork: the change: %w", err)
	}
	fs := c.ForkSession(change, forMS)
	orig := c.Export()
	orig.Until = fs.Until
	f, err := newFork(orig, fs, "fork")
	if err != nil {
		return nil, err
	}
	f.at, f.step, f.until = c.now, c.steps, fs.Until
	return f, nil
}

// StartCompare begins comparing the runs of two sessions (a fork's Base
// and Session, or any two) from their start up to virtual time at, where
// the result has both clusters' views side by side: the two runs at any
// moment, not only at their first difference. It reports the first
// difference by then, if any, as StartFork does (Compared then counts the
// events alike from the start). A session that is not valid, or that does
// not reach at, is refused, saying why.
func StartCompare(base, fork Session, at int64) (*Fork, error) {
	if end := min(base.Until, fork.Until); at < 0 || at > end {
		return nil, fmt.Errorf("%w: compare: at %d ms; the two runs span 0 to %d ms", wire.ErrImpossible, at, end)
	}
	base.Until, fork.Until = at, at
	f, err := newFork(base, fork, "compare")
	if err != nil {
		return nil, err
	}
	f.until, f.view, f.viewAt = at, true, at
	return f, nil
}

// newFork starts replaying both runs, the original (base) and the fork,
// and queues their events for comparison; op names the call in errors.
func newFork(base, fork Session, op string) (*Fork, error) {
	a, err := StartImport(base)
	if err != nil {
		return nil, fmt.Errorf("%s: this run: %w", op, err)
	}
	b, err := StartImport(fork)
	if err != nil {
		return nil, fmt.Errorf("%s: the fork: %w", op, err)
	}
	f := &Fork{a: a, b: b, session: fork, base: base}
	a.c.watch = func(e *wire.Event) { f.qa = f.keep(f.qa, e, a.c) }
	b.c.watch = func(e *wire.Event) { f.qb = f.keep(f.qb, e, b.c) }
	return f, nil
}

// keep queues an event of a run for comparison: those after the fork point
// that are behaviour, not input (commands and network settings, which the
// fork changes by design, are left out).
func (f *Fork) keep(q []wire.Event, e *wire.Event, c *Cluster) []wire.Event {
	if f.found || c.steps <= f.step || e.Kind == wire.EvCommand || e.Kind == wire.EvNetwork {
		return q
	}
	return append(q, *e)
}

// same says whether two events are the same happening: kind, time, nodes,
// term, indexes, message and type, client and outcome (texts are made
// from these).
func same(x, y *wire.Event) bool {
	return x.Kind == y.Kind && x.At == y.At && x.Node == y.Node && x.Peer == y.Peer && x.Term == y.Term &&
		x.Index == y.Index && x.Index2 == y.Index2 && x.Msg == y.Msg && x.Type == y.Type && x.Client == y.Client && x.Outcome == y.Outcome
}

// Run replays up to maxSteps more events of each run and compares what
// they did; once they differ, it replays both again to the time of the
// difference (the first replays ran past it), for the views there. It
// reports whether the comparison is over.
func (f *Fork) Run(maxSteps int) (bool, error) {
	if f.done {
		return true, nil
	}
	if f.ra != nil {
		doneA, err := f.ra.Run(maxSteps)
		if err != nil {
			return true, err
		}
		doneB, err := f.rb.Run(maxSteps)
		if err != nil {
			return true, fmt.Errorf("fork: %w", err)
		}
		f.done = doneA && doneB
		return f.done, nil
	}
	doneA, err := f.a.Run(maxSteps)
	if err != nil {
		return true, err
	}
	doneB, err := f.b.Run(maxSteps)
	if err != nil {
		return true, fmt.Errorf("fork: %w", err)
	}
	if !f.found {
		f.compare(doneA, doneB)
	}
	if f.found && !f.view {
		t := f.divergedAt()
		orig := f.a.c.Export()
		orig.Until = t
		fork := f.session
		fork.Until = t
		if f.ra, err = StartImport(orig); err != nil {
			return true, err
		}
		if f.rb, err = StartImport(fork); err != nil {
			return true, fmt.Errorf("fork: %w", err)
		}
		// The runs compared are done with: two clusters in memory, not four.
		f.a.c.watch, f.b.c.watch = nil, nil
		f.a, f.b = f.ra, f.rb
		return false, nil
	}
	f.done = doneA && doneB
	return f.done, nil
}

// compare takes the events both runs have queued, equal pairs first, and
// finds the first difference: two events that differ, or an event of one
// run when the other is over (doneA, doneB) with none left to match it.
// What was compared equal leaves the queues, so they hold no more than
// the slices' lead of one run over the other.
func (f *Fork) compare(doneA, doneB bool) {
	n := min(len(f.qa), len(f.qb))
	i := 0
	for i < n && same(&f.qa[i], &f.qb[i]) {
		i++
	}
	f.compared += i
	switch {
	case i < n:
		f.found, f.ea, f.eb = true, f.qa[i].Described(), f.qb[i].Described()
	case doneB && len(f.qa) > n:
		f.found, f.ea = true, f.qa[n].Described()
	case doneA && len(f.qb) > n:
		f.found, f.eb = true, f.qb[n].Described()
	}
	f.qa, f.qb = append(f.qa[:0], f.qa[i:]...), append(f.qb[:0], f.qb[i:]...)
}

// divergedAt is the time of the first difference: the earlier of the two
// events that differ (the only one, when a run has no event left).
func (f *Fork) divergedAt() int64 {
	switch {
	case f.ea.Kind == "":
		return f.eb.At
	case f.eb.Kind == "":
		return f.ea.At
	}
	return min(f.ea.At, f.eb.At)
}

// Progress is how far the fork's replay has gone (the slower of the two).
func (f *Fork) Progress() ReplayProgress {
	pa, pb := f.a.Progress(), f.b.Progress()
	if pb.At < pa.At {
		return pb
	}
	return pa
}

// Result is what the comparison found so far.
func (f *Fork) Result() ForkResult {
	r := ForkResult{Session: f.session, Base: f.base, At: f.at, Until: f.until, Diverged: f.found, Original: f.ea, Forked: f.eb, Compared: f.compared}
	if f.found {
		r.Time = f.divergedAt()
	}
	if f.done && (f.ra != nil || f.view) {
		// After a fork, a and b are the replays to the difference.
		va, vb := f.a.c.ViewWith(wire.ViewOptions{LogWindow: 1}), f.b.c.ViewWith(wire.ViewOptions{LogWindow: 1})
		r.OriginalView, r.ForkedView = &va, &vb
		r.ViewAt = r.Time
		if f.view {
			r.ViewAt = f.viewAt
		}
	}
	return r
}
