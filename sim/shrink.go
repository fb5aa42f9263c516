package sim

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"

	"github.com/seshat-raft/seshat/wire"
)

// This file shrinks a failing session: delta debugging (Zeller's ddmin)
// over its commands, then the commands moved earlier and the run cut
// shorter, then simpler settings (no message faults, fewer clients, fewer
// nodes), each candidate run deterministically from its seed. A candidate runs its commands at their virtual times (RunUntil,
// then Apply); one the cluster refuses at that point is left out. A
// candidate fails as the original does when a checker halts it on the same
// property (or ShrinkOptions.Fails says so); the run stops there, so the
// shrunk session ends at the violation.

// DefaultShrinkRuns is how many candidate runs Shrink tries at most, unless
// ShrinkOptions.MaxRuns says otherwise.
const DefaultShrinkRuns = 400

// ShrinkOptions are Shrink's options; the zero value shrinks a session a
// checker halted, with at most DefaultShrinkRuns runs.
type ShrinkOptions struct {
	// Fails reports whether a candidate's cluster, run to the candidate's
	// end, fails as wanted. Nil: a checker halted it on the property that
	// halted the original (Cluster.Halted).
	Fails func(c *Cluster) bool
	// MaxRuns bounds the candidate runs (0: DefaultShrinkRuns). The best
	// session found so far is returned when they run out.
	MaxRuns int
	// Progress, if not nil, is called after each candidate run.
	Progress func(ShrinkProgress)

	// plant plants a fault in every cluster run (this package's tests:
	// the faults the checkers are shown catching).
	plant func(*Cluster)
}

// ShrinkSize measures a session: its commands, its length in virtual
// milliseconds and the events its run takes.
type ShrinkSize struct {
	Commands int    `json:"commands"`
	Until    int64  `json:"until"`
	Events   uint64 `json:"events"`
}

// String is the size in words: "42 commands, 58.000 s, 91234 events".
func (s ShrinkSize) String() string {
	return fmt.Sprintf("%d commands, %d.%03d s, %d events", s.Commands, s.Until/1000, s.Until%1000, s.Events)
}

// ShrinkProgress is how far a Shrink has gone: candidate runs so far (of
// at most Max) and the smallest failing session found.
type ShrinkProgress struct {
	Runs int        `json:"runs"`
	Max  int        `json:"max"`
	Best ShrinkSize `json:"best"`
}

// ShrinkResult is what Shrink found.
type ShrinkResult struct {
	// Session is the smallest failing session found; it replays (Import)
	// to the same failure.
	Session Session
	// Failure says how it fails: the violation, or "the check failed".
	Failure string
	// Before and After are the sizes of the original and of Session.
	Before, After ShrinkSize
	// Runs is how many candidates were run; Exhausted says MaxRuns ended
	// the search before it was done.
	Runs      int
	Exhausted bool
	// Simplified lists the settings changed from the original's, in words.
	Simplified []string
}

// shrinker is one Shrink.
type shrinker struct {
	o     ShrinkOptions
	max   int
	runs  int
	fails func(c *Cluster) bool
	best  Session
	size  ShrinkSize
	// yield hands control back to Shrinking.Run after each run; stopped
	// is set once it returned false (Shrinking.Cancel): no run follows.
	yield   func(struct{}) bool
	stopped bool
}

// errShrinkCancelled is the error of a Shrinking cancelled before it ended.
var errShrinkCancelled = errors.New("sim: shrink cancelled")

// Shrink searches for a smaller session that fails as s does: fewer
// commands, a shorter run, simpler settings. s must fail when replayed
// (a checker halts it, or opts.Fails holds at its end); otherwise Shrink
// returns an error wrapping wire.ErrImpossible. A session that is not
// valid returns an error wrapping wire.ErrBadSession. StartShrink runs
// the same search a run at a time.
func Shrink(s Session, opts ShrinkOptions) (ShrinkResult, error) {
	j, err := StartShrink(s, opts)
	if err != nil {
		return ShrinkResult{}, err
	}
	for !j.Run(1 << 30) {
	}
	return j.Result()
}

// Shrinking is a Shrink that runs a run at a time: Run it until it reports
// it is over, then take Result; Progress says how far it has gone, Cancel
// stops it. It is not safe for concurrent use.
type Shrinking struct {
	sh   *shrinker
	next func() (struct{}, bool)
	stop func()
	done bool
	res  ShrinkResult
	err  error
}

// StartShrink checks s (Session.Check) and returns the search Shrink
// makes, not yet started: the replay of s is its first run.
func StartShrink(s Session, opts ShrinkOptions) (*Shrinking, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	sh := &shrinker{o: opts, max: opts.MaxRuns}
	if sh.max <= 0 {
		sh.max = DefaultShrinkRuns
	}
	j := &Shrinking{sh: sh}
	j.next, j.stop = iter.Pull(func(yield func(struct{}) bool) {
		sh.yield = yield
		j.res, j.err = sh.shrink(s)
	})
	return j, nil
}

// Run runs up to n more runs of the search (n < 1 counts as 1) and
// reports whether the search is over.
func (j *Shrinking) Run(n int) bool {
	for i := 0; i < max(n, 1) && !j.done; i++ {
		if _, more := j.next(); !more {
			j.done = true
		}
	}
	return j.done
}

// Progress says how far the search has gone.
func (j *Shrinking) Progress() ShrinkProgress {
	return ShrinkProgress{Runs: j.sh.runs, Max: j.sh.max, Best: j.sh.size}
}

// Result is what the search found, once Run reported it over: the
// ShrinkResult, or why there is none.
func (j *Shrinking) Result() (ShrinkResult, error) {
	if !j.done {
		return ShrinkResult{}, fmt.Errorf("%w: shrink: the search is not over (%d runs so far)", wire.ErrImpossible, j.sh.runs)
	}
	return j.res, j.err
}

// Cancel stops the search before its next run; Result then answers an
// error saying it was cancelled. Cancel after the end does nothing.
func (j *Shrinking) Cancel() {
	if j.done {
		return
	}
	j.stop() // the search returns at once: no run follows
	j.done = true
	j.res, j.err = ShrinkResult{}, fmt.Errorf("%w after %d runs", errShrinkCancelled, j.sh.runs)
}

// ran reports a run's progress (ShrinkOptions.Progress) and hands control
// back to Run; it reports false once the search is cancelled.
func (sh *shrinker) ran() bool {
	if sh.o.Progress != nil {
		sh.o.Progress(ShrinkProgress{Runs: sh.runs, Max: sh.max, Best: sh.size})
	}
	if sh.stopped {
		return false
	}
	if sh.yield != nil && !sh.yield(struct{}{}) {
		sh.stopped = true
		sh.max = sh.runs
	}
	return !sh.stopped
}

// shrink is the search: the original replayed, then smaller candidates.
func (sh *shrinker) shrink(s Session) (ShrinkResult, error) {
	opts := sh.o
	sh.runs++
	c, err := replayPlanted(s, opts.plant)
	if err != nil {
		return ShrinkResult{}, err
	}
	failure := "the check failed"
	if opts.Fails == nil {
		v := c.Halted()
		if v == nil {
			return ShrinkResult{}, fmt.Errorf("%w: shrink: the session does not fail: no checker fired in its %d ms", wire.ErrImpossible, s.Until)
		}
		prop := v.Property
		failure = v.Property + " violated: " + v.Text
		sh.fails = func(c *Cluster) bool { h := c.Halted(); return h != nil && h.Property == prop }
	} else {
		if !opts.Fails(c) {
			return ShrinkResult{}, fmt.Errorf("%w: shrink: the session does not fail the check at its end (%d ms)", wire.ErrImpossible, s.Until)
		}
		sh.fails = opts.Fails
	}
	before := ShrinkSize{Commands: len(s.Commands), Until: s.Until, Events: c.steps}
	sh.best, sh.size = s, before
	sh.best.Until = c.horizon
	if !sh.ran() {
		return ShrinkResult{}, errShrinkCancelled
	}

	var simplified []string
	for {
		progress := sh.ddmin()
		if sh.sooner() {
			progress = true
		}
		for _, step := range sh.simplifications() {
			if sh.runs >= sh.max {
				break
			}
			cfg := sh.best.Config
			step.apply(&cfg)
			if reflect.DeepEqual(cfg, sh.best.Config) {
				continue
			}
			if sh.try(cfg, sh.best.Commands, sh.best.Until) {
				simplified = append(simplified, step.what)
				progress = true
			}
		}
		if !progress || sh.runs >= sh.max {
			break
		}
	}
	if sh.stopped {
		return ShrinkResult{}, errShrinkCancelled
	}
	out := sh.best
	// What the search found must replay, as recorded, to the failure.
	final, err := replayPlanted(out, opts.plant)
	if err != nil {
		return ShrinkResult{}, err
	}
	if !sh.fails(final) {
		return ShrinkResult{}, fmt.Errorf("shrink: the shrunk session (%s) does not replay to the failure", sh.size)
	}
	if v := final.Halted(); v != nil && opts.Fails == nil {
		failure = v.Property + " violated: " + v.Text
	}
	return ShrinkResult{Session: out, Failure: failure, Before: before, After: sh.size, Runs: sh.runs,
		Exhausted: sh.runs >= sh.max, Simplified: simplified}, nil
}

// ddmin removes commands while the session still fails, in ever smaller
// chunks (Zeller and Hildebrandt's ddmin); it reports whether it removed
// any.
func (sh *shrinker) ddmin() bool {
	start := len(sh.best.Commands)
	if start > 0 && sh.try(sh.best.Config, nil, sh.best.Until) {
		return true
	}
	n := 2
	for len(sh.best.Commands) >= 2 && sh.runs < sh.max {
		cmds := sh.best.Commands
		chunks := split(cmds, n)
		reduced := false
		for _, ch := range chunks {
			if sh.try(sh.best.Config, ch, sh.best.Until) {
				n, reduced = 2, true
				break
			}
		}
		for i := 0; !reduced && i < len(chunks) && n > 2; i++ {
			if sh.try(sh.best.Config, slices.Concat(slices.Concat(chunks[:i]...), slices.Concat(chunks[i+1:]...)), sh.best.Until) {
				n, reduced = max(n-1, 2), true
			}
		}
		if !reduced {
			if n >= len(cmds) {
				break
			}
			n = min(2*n, len(cmds))
		}
	}
	if len(sh.best.Commands) == 1 && sh.runs < sh.max {
		sh.try(sh.best.Config, nil, sh.best.Until)
	}
	return len(sh.best.Commands) < start
}

// sooner shortens the run: every command moved earlier by the same time
// (at most to time 0, halving the move while the failure goes away), then
// the end brought closer to the last command (a failure a checker halts on
// ends the run where it is found already). It reports whether it shortened
// the run.
func (sh *shrinker) sooner() bool {
	start := sh.best.Until
	for len(sh.best.Commands) > 0 && sh.runs < sh.max {
		first := sh.best.Commands[0].At
		moved := false
		for d := first; d >= 50 && sh.runs < sh.max; d /= 2 {
			cmds := slices.Clone(sh.best.Commands)
			for i := range cmds {
				cmds[i].At -= d
			}
			if sh.try(sh.best.Config, cmds, sh.best.Until-d) {
				moved = true
				break
			}
		}
		if !moved {
			break
		}
	}
	var last int64
	if n := len(sh.best.Commands); n > 0 {
		last = sh.best.Commands[n-1].At
	}
	for d := (sh.best.Until - last) / 2; d >= 50 && sh.runs < sh.max; d /= 2 {
		if sh.try(sh.best.Config, sh.best.Commands, sh.best.Until-d) {
			d = (sh.best.Until - last) * 2 // from the new end
		}
	}
	return sh.best.Until < start
}

// split cuts cmds into n chunks of nearly equal length.
func split(cmds []wire.LoggedCommand, n int) [][]wire.LoggedCommand {
	out := make([][]wire.LoggedCommand, 0, n)
	for i := range n {
		lo, hi := i*len(cmds)/n, (i+1)*len(cmds)/n
		if hi > lo {
			out = append(out, cmds[lo:hi])
		}
	}
	return out
}

// simplification is one change of the settings Shrink tries.
type simplification struct {
	what  string
	apply func(cfg *wire.Config)
}

// simplifications are the settings Shrink tries to simplify, each kept
// if the session still fails without it.
func (sh *shrinker) simplifications() []simplification {
	cfg := sh.best.Config
	steps := []simplification{
		{"no message drops", func(c *wire.Config) { c.Network.DropRate = 0 }},
		{"no duplicates", func(c *wire.Config) { c.Network.DuplicateRate = 0 }},
		{"no reordering", func(c *wire.Config) { c.Network.ReorderRate = 0 }},
		{"one latency", func(c *wire.Config) { c.Network.MaxLatencyMS = c.Network.MinLatencyMS }},
		{"no clients", func(c *wire.Config) { c.Clients.Count = 0 }},
	}
	if cfg.Clients.Count > 1 {
		steps = append(steps, simplification{fmt.Sprintf("%d clients", cfg.Clients.Count/2), func(c *wire.Config) { c.Clients.Count /= 2 }})
	}
	if cfg.Nodes > 3 {
		steps = append(steps, simplification{fmt.Sprintf("%d nodes", cfg.Nodes-2), func(c *wire.Config) { c.Nodes -= 2 }})
	}
	return steps
}

// try runs the candidate (cfg, cmds): cmds at their virtual times, until
// until or a halt. If it fails as wanted and is smaller, it becomes the
// best session; try reports whether it did.
func (sh *shrinker) try(cfg wire.Config, cmds []wire.LoggedCommand, until int64) bool {
	if sh.runs >= sh.max || sh.stopped {
		return false
	}
	sh.runs++
	defer sh.ran()
	c, err := New(cfg)
	if err != nil {
		return false
	}
	if sh.o.plant != nil {
		sh.o.plant(c)
	}
	for _, lc := range cmds {
		if lc.At > until || c.RunUntil(lc.At) != nil {
			break
		}
		_ = c.Apply(lc.Command) // refused here: left out
	}
	if c.Halted() == nil {
		_ = c.RunUntil(until)
	}
	if !sh.fails(c) {
		return false
	}
	s := c.Export()
	size := ShrinkSize{Commands: len(s.Commands), Until: s.Until, Events: c.steps}
	if !smaller(size, sh.size) && reflect.DeepEqual(cfg, sh.best.Config) {
		return false
	}
	sh.best, sh.size = s, size
	return true
}

// smaller orders sizes: fewer commands, then a shorter run, then fewer
// events.
func smaller(a, b ShrinkSize) bool {
	if a.Commands != b.Commands {
		return a.Commands < b.Commands
	}
	if a.Until != b.Until {
		return a.Until < b.Until
	}
	return a.Events < b.Events
}

// replayPlanted replays s exactly as recorded, with plant's fault planted
// first (nil: none), as Import does.
func replayPlanted(s Session, plant func(*Cluster)) (*Cluster, error) {
	r, err := StartImport(s)
	if err != nil {
		return nil, err
	}
	if plant != nil {
		plant(r.c)
	}
	if err := r.runAll(); err != nil {
		return nil, err
	}
	return r.c, nil
}
