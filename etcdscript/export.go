package etcdscript

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seshat-raft/seshat/sim"
)

// Errors of Export and ExportSession; test them with errors.Is.
var (
	// ErrNoSession: the session or cluster to export is nil.
	ErrNoSession = errors.New("etcdscript: no session to export")
	// ErrNotExpressible: the session reached a state this exporter cannot
	// write as a script (the error says what: a membership change adding
	// nodes, a single-node cluster, ...; see the package overview).
	ErrNotExpressible = errors.New("etcdscript: the session cannot be exported as a script")
	// ErrNotReproduced: the script written for the session does not reach
	// the session's State in InteractionEnv (the error names the first
	// difference). Export checks this before writing anything.
	ErrNotReproduced = errors.New("etcdscript: the script does not reach the session's state")
)

// ExportSession replays s (sim.Import) and exports the cluster it reaches
// with Export.
func ExportSession(w io.Writer, s *sim.Session) error {
	if s == nil {
		return fmt.Errorf("%w: the session is nil", ErrNoSession)
	}
	c, err := sim.Import(*s)
	if err != nil {
		return fmt.Errorf("etcdscript: export: %w", err)
	}
	return Export(w, c)
}

// Export writes a datadriven script that etcd Raft's own
// rafttest.InteractionEnv runs unchanged (expected outputs included, as
// etcd's TestInteraction compares them) and that ends in c's State: the
// same leader, and every node's term, commit index and log after the
// founding configuration (SeshatState with base c.Config().Nodes).
//
// The script reproduces the outcome, not the schedule: Seshat's nodes tick
// on a clock and exchange messages over a network with latencies, while
// InteractionEnv delivers all pending messages to a node at once, so the
// script elects each term's leader with campaign (burning terms that had
// no leader with a campaign whose messages are dropped), proposes each
// entry on that leader, and stabilizes among the nodes whose final log
// holds the entry, dropping the messages to the others (a crashed or cut
// off node). See the package overview for what this cannot express; plan.go writes
// the directives.
//
// Export runs the script in InteractionEnv and compares the State it
// reaches with c's before writing: it writes nothing and returns
// ErrNotReproduced when they differ, ErrNotExpressible when c's state is
// outside what the exporter can write, and ErrNoSession for a nil c.
func Export(w io.Writer, c *sim.Cluster) error {
	if c == nil {
		return fmt.Errorf("%w: the cluster is nil", ErrNoSession)
	}
	p, base, want, err := plan(c)
	if err != nil {
		return err
	}
	src := p.buf.Bytes()
	s, err := Parse("export.txt", src)
	if err != nil {
		return fmt.Errorf("etcdscript: export: the plan does not parse: %w", err)
	}
	r := NewRunner(s)
	var out bytes.Buffer
	for !r.Done() {
		st, err := r.Step()
		if err != nil {
			return fmt.Errorf("etcdscript: export: %w", err)
		}
		out.WriteString(p.notes[r.next-1])
		writeDirective(&out, s.Directives[r.next-1], st.Actual)
	}
	got, err := EnvState(r.Env(), base)
	if err != nil {
		return err
	}
	if err := want.Diff(got); err != nil {
		return err
	}
	_, err = w.Write(append(header(src), out.Bytes()...))
	return err
}

// header returns the comment lines at the start of src.
func header(src []byte) []byte {
	var h []byte
	for _, line := range bytes.SplitAfter(src, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte("#")) {
			break
		}
		h = append(h, line...)
	}
	return append(h, '\n')
}

// writeDirective writes d and its output as datadriven's rewrite writes
// them: output with a blank line goes between doubled "----" fences.
func writeDirective(w *bytes.Buffer, d Directive, output string) {
	w.WriteString(d.Text + "\n")
	if d.Input != "" {
		w.WriteString(d.Input + "\n")
	}
	if strings.Contains(output, "\n\n") {
		fmt.Fprintf(w, "----\n----\n%s----\n----\n\n", output)
		return
	}
	fmt.Fprintf(w, "----\n%s\n", output)
}
