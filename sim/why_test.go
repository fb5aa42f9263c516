package sim

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// askedKinds are the events a question about a node's state ends at: the
// newest of these kinds on that node.
var askedKinds = map[wire.WhyAbout][]wire.EventKind{
	wire.WhyRole:    {wire.EvRole},
	wire.WhyTerm:    {wire.EvTerm},
	wire.WhyVote:    {wire.EvVote},
	wire.WhyCommit:  {wire.EvCommit},
	wire.WhyApplied: {wire.EvApply, wire.EvSnapshotInstall},
}

// checkChain checks an answer's causal chain against the trace it was
// drawn from: every step a real event, in trace order (each happens before
// the next), and, for a question about a node's state, ending at the
// newest event that set it.
func checkChain(events []wire.Event, a wire.WhyAnswer) error {
	at := map[uint64]wire.Event{}
	for _, e := range events {
		at[e.Seq] = e
	}
	for i, s := range a.Chain {
		e, ok := at[s.Seq]
		if !ok || e.At != s.At || e.Node != s.Node {
			return fmt.Errorf("step %d (event %d at %d) is not an event of the trace", i, s.Seq, s.At)
		}
		if i > 0 && (s.Seq <= a.Chain[i-1].Seq || s.At < a.Chain[i-1].At) {
			return fmt.Errorf("step %d (event %d) does not happen after step %d (event %d)", i, s.Seq, i-1, a.Chain[i-1].Seq)
		}
	}
	kinds, ok := askedKinds[a.Question.About]
	if !ok || len(a.Chain) == 0 {
		return nil
	}
	var newest uint64
	for _, e := range events {
		if e.Node == a.Question.Node && slices.Contains(kinds, e.Kind) {
			newest = e.Seq
		}
	}
	if last := a.Chain[len(a.Chain)-1].Seq; last != newest {
		return fmt.Errorf("the chain ends at event %d, but the newest %v of %s is event %d", last, kinds, a.Question.Node, newest)
	}
	return nil
}

// TestWhyChainsAreCausal asks every question of every node, and of
// messages and entries, at the end of chaos runs: every answer's chain is
// made of real events, each happening before the next, and ends at the
// event asked about.
func TestWhyChainsAreCausal(t *testing.T) {
	t.Setenv("SESHAT_CHAOS_OUT", t.TempDir())
	asked := 0
	for seed := uint64(1); seed <= 6; seed++ {
		c, err := chaosRunOpts(seed, 20_000, chaosOpts{membership: seed%2 == 0})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		events := c.trace.raw()
		var qs []wire.WhyQuestion
		v := c.View(1)
		for _, n := range v.Nodes {
			for _, about := range []wire.WhyAbout{wire.WhyRole, wire.WhyTerm, wire.WhyVote, wire.WhyCommit, wire.WhyApplied} {
				qs = append(qs, wire.WhyQuestion{About: about, Node: n.ID})
			}
			if n.Up && n.Role == core.RoleLeader && n.LastIndex > n.Commit {
				qs = append(qs, wire.WhyQuestion{About: wire.WhyEntry, Node: n.ID, Index: n.Commit + 1})
			}
		}
		for _, e := range events {
			if e.Kind == wire.EvSend && e.Msg%97 == 0 {
				qs = append(qs, wire.WhyQuestion{About: wire.WhyMessage, Msg: e.Msg})
			}
		}
		now := c.ViewWith(wire.ViewOptions{LogWindow: 1}) // as Cluster.Why reads it
		for i, q := range qs {
			a, err := wire.Why(events, now, q)
			if i == 0 {
				a, err = c.Why(q)
			}
			if err != nil {
				t.Fatalf("seed %d: %+v: %v", seed, q, err)
			}
			if a.Text == "" {
				t.Fatalf("seed %d: %+v: no answer", seed, q)
			}
			if err := checkChain(events, a); err != nil {
				t.Fatalf("seed %d: %+v: %v\n%s", seed, q, err, a.Text)
			}
			asked++
		}
	}
	if asked < 100 {
		t.Fatalf("only %d questions asked", asked)
	}
	t.Logf("%d answers checked", asked)
}

// TestCheckChainCatchesBrokenChains: the property check refuses a chain
// out of order, one with an event the trace lacks, and one that does not
// end at the event asked about.
func TestCheckChainCatchesBrokenChains(t *testing.T) {
	c := freshRun(t, 3, 1)
	events := c.trace.raw()
	l := c.leader()
	a, err := c.Why(wire.WhyQuestion{About: wire.WhyRole, Node: l.id})
	if err != nil || len(a.Chain) < 2 {
		t.Fatalf("the leader's role: %v, %+v", err, a)
	}
	if err := checkChain(events, a); err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]func(a *wire.WhyAnswer){
		"reversed":      func(a *wire.WhyAnswer) { slices.Reverse(a.Chain) },
		"made up":       func(a *wire.WhyAnswer) { a.Chain[0].Seq = 1 << 40 },
		"ends too soon": func(a *wire.WhyAnswer) { a.Chain = a.Chain[:len(a.Chain)-1] },
	} {
		b := a
		b.Chain = slices.Clone(a.Chain)
		broken(&b)
		if checkChain(events, b) == nil {
			t.Errorf("%s: the check accepts it", name)
		}
	}
	if _, err := c.Why(wire.WhyQuestion{About: wire.WhyMessage, Msg: 1 << 40}); !errors.Is(err, wire.ErrUnknownMessage) {
		t.Fatalf("a message never sent: %v", err)
	}
}

// BenchmarkWhy30Minutes asks every node's role, term, commit and applied
// index, and the leader's next entry, after 30 virtual minutes of the
// benchmark workload: one op is one answer, as the page's why call makes
// it (Cluster.Why: the kept trace copied, the view built, the answer).
func BenchmarkWhy30Minutes(b *testing.B) {
	c, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := c.RunUntil(30 * 60_000); err != nil {
		b.Fatal(err)
	}
	var qs []wire.WhyQuestion
	for _, n := range c.View(1).Nodes {
		for _, about := range []wire.WhyAbout{wire.WhyRole, wire.WhyTerm, wire.WhyCommit, wire.WhyApplied} {
			qs = append(qs, wire.WhyQuestion{About: about, Node: n.ID})
		}
		if n.Role == core.RoleLeader {
			qs = append(qs, wire.WhyQuestion{About: wire.WhyEntry, Node: n.ID, Index: n.Commit + 1})
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Why(qs[i%len(qs)]); err != nil && !errors.Is(err, wire.ErrImpossible) {
			b.Fatal(err)
		}
	}
}
