package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seshat-raft/seshat/sim"
)

// Limits on one call, so a single call cannot freeze the worker.
const (
	maxAdvanceMS     = 60_000  // virtual ms per frame call
	maxStepsPerCall  = 100_000 // events per step call
	maxMaintainSteps = 200_000 // checkpoint-building steps per frame call
)

// Engine answers the page's calls for one simulated cluster at a time. It is
// not safe for concurrent use; the worker calls it from one thread.
type Engine struct {
	c *sim.Cluster
	// panicHook, set by tests, runs at the start of every call.
	panicHook func(op string)
}

// answer is the JSON envelope of every reply.
type answer struct {
	OK     bool   `json:"ok"`
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
	Kind   string `json:"kind,omitempty"`
}

// Frame is what the page draws after a call.
type Frame struct {
	View    sim.View       `json:"view"`
	Events  []sim.Event    `json:"events"`
	Horizon int64          `json:"horizon"`
	Halted  *sim.Violation `json:"halted"`
}

// frameArgs are the common arguments of calls that return a Frame.
type frameArgs struct {
	AdvanceMS     int64  `json:"advance_ms"`
	Since         uint64 `json:"since"`
	LogWindow     int    `json:"log_window"`
	MaintainSteps int    `json:"maintain_steps"`
	N             int    `json:"n"`
	T             int64  `json:"t"`
}

// requestError is a malformed call.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{msg: "engine: " + fmt.Sprintf(format, args...)}
}

// Call handles one call and returns its JSON answer. It never panics.
func (e *Engine) Call(op string, args []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = encode(answer{Error: fmt.Sprintf("engine: internal error in %q: %v (this is a bug; the engine is still running)", op, r), Kind: "internal"})
		}
	}()
	if e.panicHook != nil {
		e.panicHook(op)
	}
	res, err := e.call(op, args)
	if err != nil {
		return encode(answer{Error: err.Error(), Kind: kindOf(err)})
	}
	return encode(answer{OK: true, Result: res})
}

func encode(a answer) []byte {
	b, err := json.Marshal(a)
	if err != nil {
		b, _ = json.Marshal(answer{Error: "engine: cannot encode the answer: " + err.Error(), Kind: "internal"})
	}
	return b
}

// kindOf maps an error to the protocol's error kinds.
func kindOf(err error) string {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return "bad-request"
	case errors.Is(err, sim.ErrBadConfig):
		return "bad-config"
	case errors.Is(err, sim.ErrBadCommand):
		return "bad-command"
	case errors.Is(err, sim.ErrUnknownNode):
		return "unknown-node"
	case errors.Is(err, sim.ErrUnknownMessage):
		return "unknown-message"
	case errors.Is(err, sim.ErrImpossible):
		return "impossible"
	case errors.Is(err, sim.ErrHalted):
		return "halted"
	case errors.Is(err, sim.ErrBadSession):
		return "bad-session"
	}
	return "internal"
}

// decode parses args strictly into v; empty args mean {}.
func decode(args []byte, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("arguments: %v", err)
	}
	return nil
}

func (e *Engine) call(op string, args []byte) (any, error) {
	switch op {
	case "defaults":
		return sim.DefaultConfig(), nil
	case "create":
		cfg := sim.DefaultConfig()
		if err := decode(args, &cfg); err != nil {
			return nil, err
		}
		c, err := sim.New(cfg)
		if err != nil {
			return nil, err
		}
		e.c = c
		return e.frame(frameArgs{}), nil
	case "import":
		var s sim.Session
		if err := decode(args, &s); err != nil {
			return nil, fmt.Errorf("%w: %v", sim.ErrBadSession, err)
		}
		c, err := sim.Import(s)
		if err != nil {
			return nil, err
		}
		e.c = c
		return e.frame(frameArgs{}), nil
	}
	if e.c == nil {
		switch op {
		case "frame", "step", "next", "command", "seek", "export":
			return nil, badRequest("%q before create: create a cluster first", op)
		}
		return nil, badRequest("unknown operation %q", op)
	}
	c := e.c
	switch op {
	case "frame":
		var a frameArgs
		if err := decode(args, &a); err != nil {
			return nil, err
		}
		if a.AdvanceMS < 0 || a.AdvanceMS > maxAdvanceMS {
			return nil, badRequest("advance_ms %d must be 0 to %d", a.AdvanceMS, maxAdvanceMS)
		}
		if a.MaintainSteps < 0 || a.MaintainSteps > maxMaintainSteps {
			return nil, badRequest("maintain_steps %d must be 0 to %d", a.MaintainSteps, maxMaintainSteps)
		}
		var err error
		if a.AdvanceMS > 0 {
			err = c.RunFor(a.AdvanceMS)
		}
		if a.MaintainSteps > 0 {
			c.Maintain(a.MaintainSteps)
		}
		if err != nil && !errors.Is(err, sim.ErrHalted) {
			return nil, err
		}
		return e.frame(a), nil
	case "step":
		var a frameArgs
		if err := decode(args, &a); err != nil {
			return nil, err
		}
		if a.N < 1 || a.N > maxStepsPerCall {
			return nil, badRequest("n %d must be 1 to %d", a.N, maxStepsPerCall)
		}
		if _, err := c.StepN(a.N); err != nil && !errors.Is(err, sim.ErrHalted) {
			return nil, err
		}
		return e.frame(a), nil
	case "next":
		var a frameArgs
		if err := decode(args, &a); err != nil {
			return nil, err
		}
		if t, ok := c.NextEventAt(); ok {
			if err := c.RunUntil(t); err != nil && !errors.Is(err, sim.ErrHalted) {
				return nil, err
			}
		}
		return e.frame(a), nil
	case "command":
		var cmd sim.Command
		if err := decode(args, &cmd); err != nil {
			return nil, fmt.Errorf("%w: %v", sim.ErrBadCommand, err)
		}
		if err := c.Apply(cmd); err != nil {
			return nil, err
		}
		return e.frame(frameArgs{}), nil
	case "seek":
		var a frameArgs
		if err := decode(args, &a); err != nil {
			return nil, err
		}
		if err := c.SeekTo(a.T); err != nil {
			return nil, err
		}
		a.Since = 0
		return e.frame(a), nil
	case "export":
		return c.Export(), nil
	}
	return nil, badRequest("unknown operation %q", op)
}

// frame builds the Frame after a call.
func (e *Engine) frame(a frameArgs) Frame {
	c := e.c
	ev := c.Events(a.Since)
	if ev == nil {
		ev = []sim.Event{}
	}
	return Frame{View: c.View(a.LogWindow), Events: ev, Horizon: c.Horizon(), Halted: c.Halted()}
}
