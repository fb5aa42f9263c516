package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/seshat-raft/seshat/internal/member"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// sliceSteps is how many events one slice of a long import or seek runs
// before the call answers "pending" and the worker may answer the page
// (progress, cancel) before it resumes. The limits on one call's
// arguments are wire's request table (wire.RequestRules).
const sliceSteps = 20_000

// maxSeed is the largest seed this engine takes: the largest integer a
// JavaScript number holds exactly (2^53-1). The page reads seeds from links,
// files and forms as numbers, so a larger seed would be silently rounded
// and the page would replay a different run than the one named.
const maxSeed = wire.MaxSeed

// Range is an inclusive range of whole numbers.
type Range struct {
	Min uint64 `json:"min"`
	Max uint64 `json:"max"`
}

// Limits are what the limits call reports: the ranges the page checks its
// links and forms against before calling create, so that a bad value is
// named with its range and nothing runs, and the session limits
// (sim.SessionLimits) it checks files and links against before reading
// them.
type Limits struct {
	Nodes Range `json:"nodes"`
	Seed  Range `json:"seed"`
	sim.SessionLimits
}

// checkSessionSeed refuses a session whose config.seed is not a whole
// number from 0 to maxSeed, read as written: a seed past uint64 is named
// with its range, not answered with a JSON error. Other faults are left to
// sim.UnmarshalSession.
func checkSessionSeed(args []byte) error {
	var s struct {
		Config struct {
			Seed json.RawMessage `json:"seed"`
		} `json:"config"`
	}
	if json.Unmarshal(args, &s) != nil || len(s.Config.Seed) == 0 {
		return nil
	}
	raw := string(s.Config.Seed)
	if n, err := strconv.ParseUint(raw, 10, 64); err == nil {
		return checkSeed(wire.ErrBadSession, n)
	}
	if len(raw) > 40 {
		raw = raw[:40] + "…"
	}
	return fmt.Errorf("%w: seed %s must be a whole number from 0 to %d", wire.ErrBadSession, raw, uint64(maxSeed))
}

// limits reports the ranges create takes.
func limits() Limits {
	return Limits{Nodes: Range{Min: 1, Max: wire.MaxNodes}, Seed: Range{Min: 0, Max: maxSeed}, SessionLimits: sim.Limits()}
}

// checkSeed refuses a seed the page could not carry exactly, wrapping
// sentinel (wire.ErrBadConfig or wire.ErrBadSession).
// session reads a session as import does: its size, its version and its
// seed checked.
func session(args []byte) (sim.Session, error) {
	s, err := sim.UnmarshalSession(args)
	if err != nil {
		// A seed past uint64 is a JSON error: say it with its range.
		if serr := checkSessionSeed(args); serr != nil {
			return s, serr
		}
		return s, err
	}
	return s, checkSeed(wire.ErrBadSession, s.Config.Seed)
}

func checkSeed(sentinel error, seed uint64) error {
	if seed > maxSeed {
		return fmt.Errorf("%w: seed %d must be 0 to %d (the largest whole number the page holds exactly)", sentinel, seed, uint64(maxSeed))
	}
	return nil
}

// Engine answers the page's calls for one simulated cluster at a time. The
// zero value is ready: its first call is usually defaults or create. It is
// not safe for concurrent use; the worker calls it from one thread.
type Engine struct {
	c *sim.Cluster
	// view is the last log_window, kv_from and kv_limit a call asked for,
	// used by calls that cannot say (create, import, command); zero fields
	// take sim's defaults.
	view wire.ViewOptions
	// notable and maxEvents are the last events and max_events asked for,
	// used the same way.
	notable   bool
	maxEvents int
	// member is the Raft node the page hosts for the native cluster
	// (member-start), or nil.
	member *member.Member
	// job is the import or seek running in slices, or nil.
	job *job
	// slice overrides sliceSteps (tests); 0 keeps it.
	slice int
	// panicHook, set by tests, runs at the start of every call.
	panicHook func(op string)
	// frames writes the answers that carry a Frame, reusing what it wrote
	// for the last one.
	frames frameCache
}

// job is an import, a seek or a shrink that runs in slices: its call
// answers "pending" with its progress, and resume runs the next slice
// until the answer is the call's own (a Frame, a ShrinkAnswer or an
// error); cancel stops it.
type job struct {
	op     string // "import", "seek", "shrink", "search", "fork" or "compare"
	r      *sim.Replay
	s      *sim.Shrinking // a shrink's search
	search *sim.Search
	fork   *sim.Fork
}

// The jobs are held in fields of their own types, never in an interface:
// a type put in an interface makes the linker keep every exported method
// of each type it reaches (a Fork reaches the Cluster), 96 KB of the page
// with brotli.

// scan runs one slice of a search or a fork's comparison, which replay
// the session beside the cluster and change nothing: it answers what was
// found once done, else the Progress.
func (e *Engine) scan(n int) (any, error) {
	j := e.job
	var done bool
	var err error
	var p sim.ReplayProgress
	if j.fork != nil {
		done, err = j.fork.Run(n)
		p = j.fork.Progress()
	} else {
		done, err = j.search.Run(n)
		p = j.search.Progress()
	}
	if !done && err == nil {
		return &Progress{Op: j.op, ReplayProgress: p}, nil
	}
	e.job = nil
	switch {
	case err != nil:
		return nil, err
	case j.fork != nil:
		return j.fork.Result(), nil
	}
	return j.search.Result(), nil
}

// Progress is the answer's pending field: how far a long import or seek
// has gone, in virtual ms from From to Until, and the events it has run;
// for a shrink, the runs so far (At, of at most Until) and the search's
// own progress (Shrink).
type Progress struct {
	Op string `json:"op"`
	sim.ReplayProgress
	Shrink *sim.ShrinkProgress `json:"shrink,omitempty"`
}

// ShrinkAnswer is what shrink answers: the smallest session found that a
// checker halts as it halted the cluster's (import it to see it), how it
// fails, and the sizes of the cluster's session (Before) and of the one
// found (After).
type ShrinkAnswer struct {
	Session    sim.Session    `json:"session"`
	Failure    string         `json:"failure"`
	Before     sim.ShrinkSize `json:"before"`
	After      sim.ShrinkSize `json:"after"`
	Runs       int            `json:"runs"`
	Exhausted  bool           `json:"exhausted"`
	Simplified []string       `json:"simplified"`
}

// shrinkSlice is how many runs of a shrink's search one slice runs.
const shrinkSlice = 1

// cancelError is an import stopped by cancel.
type cancelError struct{ msg string }

func (e *cancelError) Error() string { return e.msg }

// answer is the JSON envelope of every reply.
type answer struct {
	OK     bool           `json:"ok"`
	Result any            `json:"result,omitempty"`
	Error  string         `json:"error,omitempty"`
	Kind   wire.ErrorKind `json:"kind,omitempty"`
	// Pending, in an answer with no result, says the call goes on: call
	// resume for the next slice (or cancel).
	Pending *Progress `json:"pending,omitempty"`
}

// Frame is what every frame-returning call answers: wire.Frame, the schema
// the dev server's native cluster sends too.
type Frame = wire.Frame

// viewArgs say which events, how much of each log and which page of each
// store a Frame shows. Events is "all" (the default) or "notable" (no
// routine traffic: see wire.Event.Routine); MaxEvents keeps only the newest
// events (0: no limit); LogWindow, KVFrom and KVLimit are wire.ViewOptions.
type viewArgs struct {
	Since     uint64 `json:"since"`
	LogWindow int    `json:"log_window"`
	KVFrom    string `json:"kv_from"`
	KVLimit   int    `json:"kv_limit"`
	Events    string `json:"events"`
	MaxEvents int    `json:"max_events"`
}

// frameArgs are the arguments of frame.
type frameArgs struct {
	viewArgs
	AdvanceMS     int64 `json:"advance_ms"`
	MaintainSteps int   `json:"maintain_steps"`
}

// stepArgs are the arguments of step.
type stepArgs struct {
	viewArgs
	N int `json:"n"`
}

// seekArgs are the arguments of seek.
type seekArgs struct {
	viewArgs
	T int64 `json:"t"`
}

// badRequest is a malformed call (wire.BadRequest).
var badRequest = wire.BadRequest

// Call handles one call and returns its JSON answer. It never panics.
func (e *Engine) Call(op string, args []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = encode(answer{Error: wire.PanicError(op, r).Error(), Kind: wire.KindInternal})
		}
	}()
	if e.panicHook != nil {
		e.panicHook(op)
	}
	if len(bytes.TrimSpace(args)) > 0 && !json.Valid(args) {
		return encode(answer{Error: badRequest("%s: the arguments are not JSON", op).Error(), Kind: wire.KindBadRequest})
	}
	res, err := e.call(op, args)
	if p, ok := res.(*Progress); ok && err == nil {
		return encode(answer{OK: true, Pending: p})
	}
	if err != nil {
		return encode(answer{Error: err.Error(), Kind: kindOf(err)})
	}
	if f, ok := res.(Frame); ok {
		return e.frames.answer(f)
	}
	return encode(answer{OK: true, Result: res})
}

func encode(a answer) []byte {
	b, err := json.Marshal(a)
	if err != nil {
		b, _ = json.Marshal(answer{Error: "engine: cannot encode the answer: " + err.Error(), Kind: wire.KindInternal})
	}
	return b
}

// kindOf maps an error to the protocol's error kinds: cancelled for a
// cancelled call, else wire.KindOf's (bad-request for a malformed call).
func kindOf(err error) wire.ErrorKind {
	var ce *cancelError
	if errors.As(err, &ce) {
		return wire.KindCancelled
	}
	return wire.KindOf(err)
}

// decode parses args strictly into v; empty args mean {}. Call has already
// refused args that are not JSON, so an error here is JSON of the wrong
// shape (an unknown field, a string for a number).
func decode(args []byte, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// decodeArgs checks the arguments of a frame-returning call
// (wire.CheckRequest: the request table's fields and ranges, as the
// page's engines check them), decodes them into v, checks the view's
// (wire.ViewOptions.Check) and, when they pass, remembers what they ask
// frames to show.
func (e *Engine) decodeArgs(op string, args []byte, v any, va *viewArgs) error {
	if err := wire.CheckRequest(wire.RequestKind(op), args); err != nil {
		return err
	}
	if err := decode(args, v); err != nil {
		return badRequest("%s: %v", op, err)
	}
	o := wire.ViewOptions{LogWindow: va.LogWindow, KVFrom: va.KVFrom, KVLimit: va.KVLimit}
	if err := o.Check(); err != nil {
		return badRequest("%s: %v", op, err)
	}
	e.notable = va.Events == "notable"
	if va.LogWindow > 0 {
		e.view.LogWindow = va.LogWindow
	}
	if va.KVLimit > 0 {
		e.view.KVLimit = va.KVLimit
	}
	e.view.KVFrom = va.KVFrom
	e.maxEvents = va.MaxEvents
	return nil
}

func (e *Engine) call(op string, args []byte) (any, error) {
	if res, ok, err := e.callMember(op, args); ok {
		return res, err
	}
	switch op {
	case "limits":
		return limits(), nil
	case "resume":
		if e.job == nil {
			return nil, badRequest("resume: no import, seek, shrink, search, fork or comparison is running")
		}
		return e.runJob()
	case "cancel":
		return e.cancel()
	}
	if e.job != nil && op != "defaults" {
		return nil, badRequest("%s while %s runs: resume it to its end or cancel it first", op, e.job.what())
	}
	switch op {
	case "defaults":
		return wire.DefaultConfig(), nil
	case "create":
		cfg := wire.DefaultConfig()
		if err := decode(args, &cfg); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field == "seed" {
				return nil, fmt.Errorf("%w: seed must be a whole number from 0 to %d (got %s)", wire.ErrBadConfig, uint64(maxSeed), te.Value)
			}
			return nil, fmt.Errorf("%w: %v", wire.ErrBadConfig, err)
		}
		if err := checkSeed(wire.ErrBadConfig, cfg.Seed); err != nil {
			return nil, err
		}
		c, err := sim.New(cfg)
		if err != nil {
			return nil, err
		}
		e.c = c
		return e.frame(0), nil
	case "import":
		s, err := session(args)
		if err != nil {
			return nil, err
		}
		r, err := sim.StartImport(s)
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "import", r: r}
		return e.runJob()
	case "compare":
		if err := wire.CheckRequest(wire.ReqCompare, args); err != nil {
			return nil, err
		}
		var a struct {
			Base json.RawMessage `json:"base"`
			Fork json.RawMessage `json:"fork"`
			At   int64           `json:"at"`
		}
		if err := decode(args, &a); err != nil {
			return nil, badRequest("%s: %v", op, err)
		}
		base, err := session(a.Base)
		if err != nil {
			return nil, fmt.Errorf("compare: this run: %w", err)
		}
		fork, err := session(a.Fork)
		if err != nil {
			return nil, fmt.Errorf("compare: the fork: %w", err)
		}
		f, err := sim.StartCompare(base, fork, a.At)
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "compare", fork: f}
		return e.runJob()
	}
	r, ok := wire.RequestRuleOf(wire.RequestKind(op))
	if !ok || r.After != wire.ReqCreate {
		return nil, wire.UnknownRequest(op)
	}
	if e.c == nil {
		return nil, r.TooEarly()
	}
	c := e.c
	switch op {
	case "frame":
		var a frameArgs
		if err := e.decodeArgs(op, args, &a, &a.viewArgs); err != nil {
			return nil, err
		}
		if a.AdvanceMS > 0 {
			if err := full(c, op); err != nil {
				return nil, err
			}
			if left := sim.MaxSessionUntilMS - c.Now(); a.AdvanceMS > left {
				a.AdvanceMS = left // the session ends there
			}
			if err := c.RunFor(a.AdvanceMS); err != nil && !errors.Is(err, wire.ErrHalted) {
				return nil, err
			}
		}
		if a.MaintainSteps > 0 {
			c.Maintain(a.MaintainSteps)
		}
		return e.frame(a.Since), nil
	case "step":
		var a stepArgs
		if err := e.decodeArgs(op, args, &a, &a.viewArgs); err != nil {
			return nil, err
		}
		if err := full(c, op); err != nil {
			return nil, err
		}
		if _, err := c.StepN(a.N); err != nil && !errors.Is(err, wire.ErrHalted) {
			return nil, err
		}
		return e.frame(a.Since), nil
	case "next":
		var a viewArgs
		if err := e.decodeArgs(op, args, &a, &a); err != nil {
			return nil, err
		}
		if err := full(c, op); err != nil {
			return nil, err
		}
		if t, ok := c.NextEventAt(); ok {
			if err := c.RunUntil(t); err != nil && !errors.Is(err, wire.ErrHalted) {
				return nil, err
			}
		}
		return e.frame(a.Since), nil
	case "command":
		cmd, err := wire.ParseCommand(args)
		if err != nil {
			return nil, err
		}
		// The page has seen every event so far (each call returns the
		// events up to now), so the frame carries the command's own.
		before := c.EventCount()
		if err := c.Apply(cmd); err != nil {
			return nil, err
		}
		return e.frame(before), nil
	case "seek":
		var a seekArgs
		if err := e.decodeArgs(op, args, &a, &a.viewArgs); err != nil {
			return nil, err
		}
		r, err := c.StartSeek(a.T)
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "seek", r: r}
		return e.runJob()
	case "committed-log":
		return committedLog(c, args)
	case "search":
		if err := wire.CheckRequest(wire.ReqSearch, args); err != nil {
			return nil, err
		}
		var a struct {
			Query string `json:"query"`
		}
		if err := decode(args, &a); err != nil {
			return nil, badRequest("%s: %v", op, err)
		}
		q, err := wire.ParseSearch(a.Query)
		if err != nil {
			return nil, err
		}
		s, err := c.StartSearch(q)
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "search", search: s}
		return e.runJob()
	case "fork":
		if err := wire.CheckRequest(wire.ReqFork, args); err != nil {
			return nil, err
		}
		var a struct {
			Change wire.Command `json:"change"`
			ForMS  int64        `json:"for_ms"`
		}
		if err := decode(args, &a); err != nil {
			return nil, badRequest("%s: %v", op, err)
		}
		f, err := c.StartFork(a.Change, a.ForMS)
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "fork", fork: f}
		return e.runJob()
	case "why":
		if err := wire.CheckRequest(wire.ReqWhy, args); err != nil {
			return nil, err
		}
		var q wire.WhyQuestion
		if err := decode(args, &q); err != nil {
			return nil, badRequest("%s: %v", op, err)
		}
		if q.About == "" {
			q.About = wire.WhyRole
		}
		return c.Why(q)
	case "diagram":
		if err := wire.CheckRequest(wire.ReqDiagram, args); err != nil {
			return nil, err
		}
		var q wire.DiagramQuery
		if err := decode(args, &q); err != nil {
			return nil, badRequest("%s: %v", op, err)
		}
		return c.Diagram(q)
	case "shrink":
		if err := wire.CheckRequest(wire.ReqShrink, args); err != nil {
			return nil, err
		}
		if c.Halted() == nil {
			return nil, fmt.Errorf("%w: shrink: no checker has halted this session, so there is no failure to shrink", wire.ErrImpossible)
		}
		s, err := sim.StartShrink(c.Export(), sim.ShrinkOptions{})
		if err != nil {
			return nil, err
		}
		e.job = &job{op: "shrink", s: s}
		return e.runJob()
	default: // export
		return c.Export(), nil
	}
}

// committedLog answers committed-log: a page of a node's committed log
// (wire.LogPage), read in full a page at a time, at most wire.MaxLogPage
// entries. The request table checks the fields' ranges first, so a
// negative node or from (unsigned in wire.LogPageArgs) is refused in its
// words, not as JSON of the wrong type.
func committedLog(c *sim.Cluster, args []byte) (wire.LogPage, error) {
	if err := wire.CheckRequest(wire.ReqCommittedLog, args); err != nil {
		return wire.LogPage{}, err
	}
	var a wire.LogPageArgs
	if err := decode(args, &a); err != nil {
		return wire.LogPage{}, badRequest("%s: %v", wire.ReqCommittedLog, err)
	}
	return c.CommittedLog(a.Node, a.From, a.Limit)
}

// full refuses to run the live cluster on once its session reached a
// limit of what an import replays (sim.Limits): a session the page makes
// can always be loaded again from its link or file. Time stops at the
// limit; step and next stop before an event past it.
func full(c *sim.Cluster, op string) error {
	const end = "; export it, or start a new cluster"
	if c.Now() >= sim.MaxSessionUntilMS {
		return fmt.Errorf("%w: %s: the session reached %d ms (%d h) of virtual time, the most a session may hold (sim.MaxSessionUntilMS)%s", wire.ErrImpossible, op, c.Now(), sim.MaxSessionUntilMS/3_600_000, end)
	}
	if t, ok := c.NextEventAt(); ok && t > sim.MaxSessionUntilMS && op != "frame" {
		return fmt.Errorf("%w: %s: the next event is at %d ms, past %d ms (%d h) of virtual time, the most a session may hold (sim.MaxSessionUntilMS)%s", wire.ErrImpossible, op, t, sim.MaxSessionUntilMS, sim.MaxSessionUntilMS/3_600_000, end)
	}
	if c.Steps() >= sim.MaxSessionEvents-wire.MaxStepsPerCall {
		return fmt.Errorf("%w: %s: the session has run %d events, nearly the most an import replays (%d, sim.MaxSessionEvents)%s", wire.ErrImpossible, op, c.Steps(), sim.MaxSessionEvents, end)
	}
	return nil
}

func (j *job) what() string {
	switch j.op {
	case "import":
		return "an import"
	case "shrink":
		return "a shrink"
	case "search":
		return "a search"
	case "fork":
		return "a fork's comparison"
	case "compare":
		return "a comparison of two runs"
	}
	return "a seek"
}

// runJob runs one slice of the job: it answers the job's Frame or error
// when the job is over, else its Progress.
func (e *Engine) runJob() (any, error) {
	j := e.job
	if j.s != nil {
		return e.runShrink()
	}
	n := e.slice
	if n <= 0 {
		n = sliceSteps
	}
	if j.search != nil || j.fork != nil {
		return e.scan(n)
	}
	done, err := j.r.Run(n)
	if !done {
		return &Progress{Op: j.op, ReplayProgress: j.r.Progress()}, nil
	}
	e.job = nil
	if err != nil {
		return nil, err
	}
	if j.op == "import" {
		e.c = j.r.Cluster()
	}
	return e.frame(0), nil // the trace restarts: every kept event
}

// runShrink runs one slice of a shrink: it answers the ShrinkAnswer or
// error when the search is over, else its Progress.
func (e *Engine) runShrink() (any, error) {
	s := e.job.s
	if !s.Run(shrinkSlice) {
		p := s.Progress()
		return &Progress{Op: "shrink", ReplayProgress: sim.ReplayProgress{At: int64(p.Runs), Until: int64(p.Max)}, Shrink: &p}, nil
	}
	e.job = nil
	r, err := s.Result()
	if err != nil {
		return nil, err
	}
	return ShrinkAnswer{Session: r.Session, Failure: r.Failure, Before: r.Before, After: r.After, Runs: r.Runs,
		Exhausted: r.Exhausted, Simplified: append([]string{}, r.Simplified...)}, nil
}

// cancel stops the running job. A cancelled import leaves the cluster
// that was there before; a cancelled seek leaves the cluster where the
// replay got to, and answers its Frame; a cancelled shrink changes
// nothing. With no job it answers {"cancelled": false}.
func (e *Engine) cancel() (any, error) {
	j := e.job
	if j == nil {
		return map[string]bool{"cancelled": false}, nil
	}
	e.job = nil
	if j.search != nil || j.fork != nil {
		return nil, &cancelError{msg: j.op + " cancelled; nothing was changed"}
	}
	if j.s != nil {
		runs := j.s.Progress().Runs
		j.s.Cancel()
		return nil, &cancelError{msg: fmt.Sprintf("shrink cancelled after %d runs; nothing was changed", runs)}
	}
	if j.op == "seek" {
		return e.frame(0), nil
	}
	p := j.r.Progress()
	return nil, &cancelError{msg: fmt.Sprintf("import cancelled at %.1f of %.1f virtual seconds; nothing was changed", float64(p.At)/1000, float64(p.Until)/1000)}
}

// frame builds the Frame after a call, with the events after since.
func (e *Engine) frame(since uint64) Frame {
	c := e.c
	ev := c.EventsFiltered(since, e.notable, e.maxEvents)
	if ev == nil {
		ev = []wire.Event{}
	}
	f := Frame{View: c.ViewWith(e.view), Events: ev, Horizon: c.Horizon(), Halted: c.Halted()}
	wire.BoundFrame(&f, wire.FrameBudget)
	return f
}
