package interop

import (
	"fmt"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/wire"
)

// Limits of Play, beyond etcdscript's own (MaxScriptBytes, MaxNodes,
// MaxDirectives, MaxOutputBytes).
const (
	// MaxNameBytes is the longest script name Play accepts: the name only
	// labels the result and the errors.
	MaxNameBytes = 256
	// MaxViewEntries bounds the log entries a PlayResult holds over all its
	// steps' node views (each view shows at most etcdscript.LogWindow
	// entries of each node): about 10 MB of JSON. etcd's biggest script
	// needs under 5,000.
	MaxViewEntries = 100_000
)

// PlayResult is a script played to its end.
type PlayResult struct {
	// Name is the name Play was given.
	Name string `json:"name"`
	// Steps is one step per directive, in the script's order.
	Steps []PlayStep `json:"steps"`
	// Matched is how many steps match; Total how many steps there are;
	// Yours how many of them have no expected output (they never match).
	// Every directive of the file matched when Matched == Total-Yours.
	Matched int `json:"matched"`
	Total   int `json:"total"`
	Yours   int `json:"yours"`
}

// PlayStep is what one directive did.
type PlayStep struct {
	// Line and Text are the directive's line (1-based) and text in the
	// script.
	Line int    `json:"line"`
	Text string `json:"text"`
	// Expected is the output the script gives ("" for none), Actual what
	// etcd's InteractionEnv printed ("ok" when it printed nothing), each
	// line ending in "\n".
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	// Matches reports whether Actual is Expected (etcdscript.Step.Matches);
	// a step with no expected output never matches.
	Matches bool `json:"matches"`
	// Yours is set on a directive with no expected output: one a person
	// typed after taking over a script (see AppendDirective), as etcd's own
	// files give every directive an output.
	Yours bool `json:"yours"`
	// Nodes is every node's state after the directive, in id order (the
	// newest etcdscript.LogWindow entries of each log).
	Nodes []wire.NodeView `json:"nodes"`
}

// Play parses text as an etcd datadriven script named name
// (etcdscript.Parse) and runs every directive in a fresh
// rafttest.InteractionEnv (etcdscript.Runner), recording each step. The
// same text gives the same result.
//
// The error is an *Error: bad-request for a name over MaxNameBytes;
// bad-script, naming the line, for a script etcdscript refuses (not text,
// too large, a syntax error, an unknown directive, a bad argument, too
// many nodes, a directive InteractionEnv refuses or etcd panics on, too
// much output) and for views over MaxViewEntries. A directive whose output
// differs from the expected one is not an error: see PlayStep.Matches.
func Play(name string, text []byte) (PlayResult, error) {
	if len(name) > MaxNameBytes {
		return PlayResult{}, badRequest("play: the name is %d bytes, at most %d", len(name), MaxNameBytes)
	}
	s, err := etcdscript.Parse(name, text)
	if err != nil {
		return PlayResult{}, scriptError(err)
	}
	res := PlayResult{Name: name, Steps: make([]PlayStep, 0, len(s.Directives))}
	r := etcdscript.NewRunner(s)
	entries := 0
	for !r.Done() {
		st, err := r.Step()
		if err != nil {
			return PlayResult{}, scriptError(err)
		}
		for _, n := range st.Nodes {
			entries += len(n.Log)
		}
		if entries > MaxViewEntries {
			return PlayResult{}, scriptError(&etcdscript.LineError{Script: name, Line: st.Line,
				Err: fmt.Errorf("%w: the steps' views hold over %d log entries", etcdscript.ErrTooLarge, MaxViewEntries)})
		}
		step := PlayStep{Line: st.Line, Text: st.Text, Expected: st.Expected, Actual: st.Actual,
			Yours: st.Expected == "", Nodes: st.Nodes}
		step.Matches = !step.Yours && st.Matches()
		if step.Nodes == nil {
			step.Nodes = []wire.NodeView{}
		}
		res.Steps = append(res.Steps, step)
		res.Total++
		if step.Matches {
			res.Matched++
		}
		if step.Yours {
			res.Yours++
		}
	}
	return res, nil
}

// AppendDirective returns script with directive appended as a step of its
// own with no expected output, as the page appends what a person types
// after taking over: a blank line, the directive, "----" and a blank line,
// so that neither the previous directive's expected output nor the next
// directive runs into it. Play marks its step Yours.
func AppendDirective(script, directive string) string {
	if script != "" && script[len(script)-1] != '\n' {
		script += "\n"
	}
	return script + "\n" + directive + "\n----\n\n"
}
