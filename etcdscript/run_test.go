package etcdscript

import (
	"os"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

func readEtcd(t *testing.T, name string) *Script {
	t.Helper()
	s, err := ReadScript(os.DirFS(raftDir(t)), ScriptsDir+"/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStepViews checks the steps of campaign.txt: one per directive, with
// its text and line, and node views that follow the election.
func TestStepViews(t *testing.T) {
	s := readEtcd(t, "campaign.txt")
	steps, err := Run(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 4 {
		t.Fatalf("%d steps, want 4", len(steps))
	}
	wtext := []string{"log-level info", "add-nodes 3 voters=(1,2,3) index=2", "campaign 1", "stabilize"}
	wline := []int{1, 5, 17, 24}
	for i, st := range steps {
		if st.Text != wtext[i] || st.Line != wline[i] {
			t.Errorf("step %d: %d %q, want %d %q", i, st.Line, st.Text, wline[i], wtext[i])
		}
	}
	if n := len(steps[0].Nodes); n != 0 {
		t.Errorf("%d nodes before add-nodes", n)
	}
	c := steps[2].Nodes[0]
	if c.Role != core.RoleCandidate || c.Term != 1 || c.Vote != 1 || c.Leader != 0 {
		t.Errorf("after campaign: %+v", c)
	}
	for _, n := range steps[3].Nodes {
		wrole := core.RoleFollower
		if n.ID == 1 {
			wrole = core.RoleLeader
		}
		if n.Role != wrole || n.Term != 1 || n.Leader != 1 || n.Commit != 3 || n.Applied != 3 ||
			n.FirstIndex != 3 || n.LastIndex != 3 || n.SnapshotIndex != 2 || n.SnapshotTerm != 1 ||
			len(n.Voters) != 3 || len(n.Learners) != 0 || len(n.VotersOutgoing) != 0 {
			t.Errorf("after stabilize: %+v", n)
		}
		if len(n.Log) != 1 || n.Log[0] != (wire.EntryView{Index: 3, Term: 1, Type: "normal"}) {
			t.Errorf("node %d log %+v, want the leader's empty entry at 3", n.ID, n.Log)
		}
	}
}

// TestConfChangeViews checks the configuration in the views of a joint
// change (confchange_v2_add_double_implicit.txt leaves the joint state by
// itself) and a normal entry's text.
func TestConfChangeViews(t *testing.T) {
	steps, err := Run(readEtcd(t, "confchange_v2_replace_leader.txt"))
	if err != nil {
		t.Fatal(err)
	}
	joint := false
	for _, st := range steps {
		for _, n := range st.Nodes {
			if len(n.VotersOutgoing) > 0 {
				joint = true
			}
		}
	}
	if !joint {
		t.Error("no step shows a joint configuration (VotersOutgoing)")
	}
	last := steps[len(steps)-1].Nodes
	if got := last[0].Voters; len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("final voters %v, want [2 3 4]", got)
	}
}

// TestDifferenceDetected plants a wrong expected line and checks the step
// no longer matches: the conformance test cannot pass vacuously.
func TestDifferenceDetected(t *testing.T) {
	s := readEtcd(t, "campaign.txt")
	d := &s.Directives[2]
	d.Expected = strings.Replace(d.Expected, "became candidate at term 1", "became candidate at term 2", 1)
	steps, err := Run(s)
	if err != nil {
		t.Fatal(err)
	}
	if steps[2].Matches() {
		t.Fatal("a changed expected output still matches")
	}
	if !steps[1].Matches() || !steps[3].Matches() {
		t.Fatal("unchanged steps do not match")
	}
}

// TestRunnerStepByStep drives a Runner by hand: Done, Step, and ErrStopped
// past the end.
func TestRunnerStepByStep(t *testing.T) {
	s, err := Parse("tiny", []byte(tiny))
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(s)
	n := 0
	for !r.Done() {
		if _, err := r.Step(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(s.Directives) || len(r.Env().Nodes) != 3 {
		t.Fatalf("%d steps, %d nodes", n, len(r.Env().Nodes))
	}
	if _, err := r.Step(); err == nil || !strings.Contains(err.Error(), ErrStopped.Error()) {
		t.Fatalf("Step past the end: %v", err)
	}
}

// TestDeterministic runs a script twice and compares every output and view.
func TestDeterministic(t *testing.T) {
	a, err := Run(readEtcd(t, "prevote_checkquorum.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(readEtcd(t, "prevote_checkquorum.txt"))
	for i := range a {
		if a[i].Actual != b[i].Actual || len(a[i].Nodes) != len(b[i].Nodes) {
			t.Fatalf("step %d differs between runs", i)
		}
		for j := range a[i].Nodes {
			x, y := a[i].Nodes[j], b[i].Nodes[j]
			if x.Role != y.Role || x.Term != y.Term || x.Commit != y.Commit || x.LastIndex != y.LastIndex {
				t.Fatalf("step %d node %d differs between runs", i, j+1)
			}
		}
	}
}
