package etcdscript

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/cockroachdb/datadriven"
	"go.etcd.io/raft/v3/rafttest"

	"github.com/seshat-raft/seshat/wire"
)

// Step is what one directive did.
type Step struct {
	// Line and Text are the directive's line and text in the script.
	Line int
	Text string
	// Expected is the output the file gives; Actual what etcd's
	// InteractionEnv printed, both ending in "\n" (Actual as datadriven
	// compares it: "ok" when the directive printed nothing).
	Expected string
	Actual   string
	// Nodes is every node's state after the directive, in id order.
	Nodes []wire.NodeView
}

// Matches reports whether Actual equals Expected once both are normalised
// (Normalize).
func (s *Step) Matches() bool { return Normalize(s.Actual) == Normalize(s.Expected) }

// Runner runs a script one directive at a time in a fresh
// rafttest.InteractionEnv. It is not safe for concurrent use.
type Runner struct {
	script *Script
	env    *rafttest.InteractionEnv
	next   int
	output int
	err    error
}

// NewRunner returns a runner at the start of s, with an empty
// InteractionEnv configured as etcd's TestInteraction configures it.
func NewRunner(s *Script) *Runner {
	return &Runner{script: s, env: rafttest.NewInteractionEnv(&rafttest.InteractionOpts{
		SetRandomizedElectionTimeout: setRandomizedElectionTimeout,
	})}
}

// Done reports whether every directive has run, or one failed.
func (r *Runner) Done() bool { return r.err != nil || r.next >= len(r.script.Directives) }

// Env returns the InteractionEnv the script runs in, for a caller who takes
// over after a step. Changing it between steps changes what the following
// directives see.
func (r *Runner) Env() *rafttest.InteractionEnv { return r.env }

// Step runs the next directive and returns what it did. It returns an
// error, a *LineError naming the directive's line, when the directive is
// refused before it runs (ErrUnknownDirective, ErrBadArgument,
// ErrTooManyNodes), when InteractionEnv's parsing stops it (ErrRefused),
// when etcd panics (ErrEtcdPanic), or when the outputs so far exceed
// MaxOutputBytes (ErrTooLarge). After an error, and after the last
// directive, Step returns ErrStopped and runs nothing. A directive whose
// output differs from the expected one is not an error: compare with
// Step.Matches.
func (r *Runner) Step() (Step, error) {
	if r.err != nil {
		return Step{}, fmt.Errorf("%w: %w", ErrStopped, r.err)
	}
	if r.next >= len(r.script.Directives) {
		return Step{}, fmt.Errorf("%w: no directives left", ErrStopped)
	}
	d := &r.script.Directives[r.next]
	r.next++
	st, err := r.run(d)
	if err != nil {
		r.err = err
		return Step{}, err
	}
	return st, nil
}

func (r *Runner) run(d *Directive) (Step, error) {
	name := r.script.Name
	check, ok := checkFor(d.Cmd)
	if !ok {
		return Step{}, lineErr(name, d.Line, ErrUnknownDirective, "%q", d.Cmd)
	}
	if err := check(d, len(r.env.Nodes)); err != nil {
		return Step{}, &LineError{Script: name, Line: d.Line, Err: err}
	}
	out, nodes, err := handle(r.env, d.testData(name))
	if err != nil {
		return Step{}, &LineError{Script: name, Line: d.Line, Err: err}
	}
	if out != "" && out[len(out)-1] != '\n' {
		out += "\n" // as datadriven's runDirective does
	}
	if r.output += len(out); r.output > MaxOutputBytes {
		return Step{}, lineErr(name, d.Line, ErrTooLarge, "output over %d bytes", MaxOutputBytes)
	}
	return Step{Line: d.Line, Text: d.Text, Expected: d.Expected, Actual: out, Nodes: nodes}, nil
}

// handle calls env.Handle on a goroutine of its own with a fresh
// *testing.T, then reads the nodes' views: InteractionEnv's argument
// parsing calls t.Fatal, which ends the calling goroutine
// (runtime.Goexit), and etcd may panic. Both come back as errors; the
// caller waits, so nothing runs concurrently.
func handle(env *rafttest.InteractionEnv, td datadriven.TestData) (out string, nodes []wire.NodeView, err error) {
	done := make(chan struct{})
	go func() {
		returned := false
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", ErrEtcdPanic, p)
				if bytes.Contains(debug.Stack(), []byte("testing.(*common).")) {
					// Outside a test binary testing's flags are not
					// registered, and t.Fatal dereferences one: still
					// InteractionEnv refusing the arguments.
					err = ErrRefused
				}
			} else if !returned {
				err = ErrRefused
			}
			close(done)
		}()
		out = env.Handle(new(testing.T), td)
		nodes = nodeViews(env)
		returned = true
	}()
	<-done
	return out, nodes, err
}

// Run runs every directive of s in a new Runner and returns the steps. It
// stops at the first error, returning it (a *LineError) with the steps
// before it.
func Run(s *Script) ([]Step, error) {
	r := NewRunner(s)
	steps := make([]Step, 0, len(s.Directives))
	for !r.Done() {
		st, err := r.Step()
		if err != nil {
			return steps, err
		}
		steps = append(steps, st)
	}
	return steps, nil
}
