package sim

import (
	"fmt"
	"math"

	"github.com/seshat-raft/seshat/wire"
)

// Limits on one session, so a link or a file cannot hold the engine for
// ever. Import checks the size, the horizon and the number of commands
// before any work starts; the number of events is counted as the replay
// runs, and the replay stops with an error as soon as it passes the limit.
const (
	// MaxSessionUntilMS is the furthest virtual time a session may reach:
	// six hours.
	MaxSessionUntilMS = 6 * 60 * 60 * 1000
	// MaxSessionCommands is the most commands a session may hold.
	MaxSessionCommands = 100_000
	// MaxSessionEvents is the most simulation events (steps: a message
	// delivered, a tick, a client waking) an import may replay.
	MaxSessionEvents = 10_000_000
	// MaxSessionBytes is the largest session JSON UnmarshalSession reads.
	MaxSessionBytes = 16 << 20
)

// SessionLimits are the limits above, in the form the engine reports them
// to the page (which checks a file's size before reading it).
type SessionLimits struct {
	UntilMS  int64 `json:"max_until_ms"`
	Commands int   `json:"max_commands"`
	Events   int64 `json:"max_events"`
	Bytes    int   `json:"max_bytes"`
}

// Limits returns the session limits.
func Limits() SessionLimits {
	return SessionLimits{UntilMS: MaxSessionUntilMS, Commands: MaxSessionCommands, Events: MaxSessionEvents, Bytes: MaxSessionBytes}
}

// Check refuses a session the engine will not replay: another version, a
// horizon or a command count past the limits, commands out of order. It
// does no simulation work.
func (s Session) Check() error {
	if s.Version != SessionVersion {
		return fmt.Errorf("%w: version %d; this build reads version %d", wire.ErrBadSession, s.Version, SessionVersion)
	}
	if s.Until < 0 || s.Until > MaxSessionUntilMS {
		return fmt.Errorf("%w: until is %d ms; it must be 0 to %d ms (%s of virtual time, sim.MaxSessionUntilMS)", wire.ErrBadSession, s.Until, int64(MaxSessionUntilMS), hours(MaxSessionUntilMS))
	}
	if len(s.Commands) > MaxSessionCommands {
		return fmt.Errorf("%w: commands holds %d commands; a session may hold at most %d (sim.MaxSessionCommands)", wire.ErrBadSession, len(s.Commands), MaxSessionCommands)
	}
	var prev wire.LoggedCommand
	for i, lc := range s.Commands {
		if lc.Step < prev.Step || lc.At < prev.At || lc.At > s.Until || lc.At < 0 {
			return fmt.Errorf("%w: command %d (step %d, at %d ms) is out of order or past the end (%d ms)", wire.ErrBadSession, i, lc.Step, lc.At, s.Until)
		}
		if lc.Step > MaxSessionEvents {
			return fmt.Errorf("%w: command %d is applied after event %d; a session may replay at most %d events (sim.MaxSessionEvents)", wire.ErrBadSession, i, lc.Step, MaxSessionEvents)
		}
		prev = lc
	}
	return nil
}

func hours(ms int64) string { return fmt.Sprintf("%d h", ms/3_600_000) }

// Replay is an import or a seek that runs in slices (Run), so a caller can
// answer other requests, show progress and cancel between them.
type Replay struct {
	c        *Cluster
	target   int64
	start    int64 // virtual time when the replay began
	isImport bool  // an import: the events limit applies
	// haltErr: a violation on the way is an error (a seek forward, as
	// RunUntil); otherwise it is the state reached.
	haltErr bool
	done    bool
	err     error
}

// StartImport checks s (Check) and returns the replay that rebuilds its
// cluster; Run it to the end, then take Cluster. Nothing is simulated yet.
func StartImport(s Session) (*Replay, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	c, err := New(s.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", wire.ErrBadSession, err)
	}
	c.log = append(c.log, s.Commands...)
	return &Replay{c: c, target: s.Until, isImport: true}, nil
}

// StartSeek begins moving the cluster to virtual time t (0 <= t <= the
// horizon), as SeekTo does, and returns the replay to Run. Going back puts
// the cluster at the latest checkpoint at or before t (or time 0) at once;
// stopping the replay early leaves the cluster at a point of its session
// between there and t.
func (c *Cluster) StartSeek(t int64) (*Replay, error) {
	if t < 0 || t > c.horizon {
		return nil, fmt.Errorf("%w: seek to %d ms; the session spans 0 to %d ms", wire.ErrImpossible, t, c.horizon)
	}
	if t >= c.now && c.halted == nil {
		return &Replay{c: c, target: t, start: c.now, haltErr: true}, nil
	}
	r := c.takeCheckpoint(t)
	if r == nil {
		var err error
		if r, err = New(c.initial); err != nil {
			return nil, err
		}
	}
	r.replica = false
	r.trace.resize(defaultTraceKeep)
	r.log, r.horizon, r.cps, r.hooks = c.log, c.horizon, c.cps, c.hooks
	*c = *r
	return &Replay{c: c, target: t, start: c.now}, nil
}

// Run runs up to maxSteps more events and reports whether the replay is
// over; err is why it failed. A violation on the way ends an import or a
// seek back without an error (the violation is the state the page shows)
// and a seek forward with ErrHalted, as RunUntil.
func (r *Replay) Run(maxSteps int) (done bool, err error) {
	if r.done {
		return true, r.err
	}
	if r.isImport {
		left := MaxSessionEvents - int64(r.c.steps)
		if int64(maxSteps) > left {
			maxSteps = int(left)
		}
	}
	done, err = r.c.runSlice(r.target, maxSteps)
	if !done && r.isImport && r.c.steps >= MaxSessionEvents {
		done, err = true, fmt.Errorf("%w: replaying it takes more than %d events (sim.MaxSessionEvents); it reached %d of %d ms", wire.ErrBadSession, MaxSessionEvents, r.c.now, r.target)
	}
	if !done {
		return false, nil
	}
	if err != nil && r.c.halted != nil && !r.haltErr {
		err = nil // a violation is a state like any other
	}
	r.done, r.err = true, err
	return true, err
}

// Cluster returns the cluster being replayed (for an import, usable once Run
// reported done with no error).
func (r *Replay) Cluster() *Cluster { return r.c }

// Progress reports the virtual time the replay has reached, the time it
// started from and the time it goes to, and the events it has run.
func (r *Replay) Progress() ReplayProgress {
	return ReplayProgress{At: r.c.now, From: r.start, Until: r.target, Events: r.c.steps}
}

// ReplayProgress is how far a Replay has gone.
type ReplayProgress struct {
	At     int64  `json:"at"`
	From   int64  `json:"from"`
	Until  int64  `json:"until"`
	Events uint64 `json:"events"`
}

// runSlice is RunUntil(t) limited to maxSteps events: it reports whether it
// reached t (or stopped on a violation, with ErrHalted). Called again, it
// goes on where it stopped.
func (c *Cluster) runSlice(t int64, maxSteps int) (reached bool, err error) {
	withEntropy(c.ent, func() { reached, err = c.runSliceLocked(t, maxSteps) })
	return reached, err
}

// runSliceLocked is runSlice with the cluster's entropy installed.
func (c *Cluster) runSliceLocked(t int64, maxSteps int) (bool, error) {
	for n := 0; c.halted == nil; n++ {
		c.applyDue(t)
		if c.halted != nil || c.queue.Len() == 0 || c.queue.peek().at > t {
			break
		}
		if n >= maxSteps {
			return false, nil
		}
		if _, err := c.step(); err != nil {
			return true, err
		}
	}
	if c.halted != nil {
		return true, fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	if t > c.now {
		c.now = t
	}
	if c.now > c.horizon {
		c.horizon = c.now
	}
	return true, nil
}

// runAll runs a replay to its end.
func (r *Replay) runAll() error {
	_, err := r.Run(math.MaxInt)
	return err
}
