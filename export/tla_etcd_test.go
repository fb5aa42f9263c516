//go:build with_tla

package export

import (
	"encoding/json"
	"sort"
	"testing"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
)

// etcdTLALogger is etcd Raft's own trace logger (raft.TraceLogger, with the
// with_tla build tag) collecting each event as encoding/json writes it.
type etcdTLALogger struct{ lines []string }

func (l *etcdTLALogger) TraceEvent(ev *raft.TracingEvent) {
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	l.lines = append(l.lines, string(b))
}

// etcdTLA replays s with etcd Raft's trace logger in every node.
func etcdTLA(t *testing.T, s sim.Session) []string {
	t.Helper()
	lg := &etcdTLALogger{}
	if _, err := sim.ImportWithOptions(s, core.WithRaftConfig(func(c *raft.Config) { c.TraceLogger = lg })); err != nil {
		t.Fatal(err)
	}
	return lg.lines
}

// The proof: etcd Raft built with with_tla writes, through its own trace
// points, exactly the events TLATrace rebuilds from outside Raft (the
// untagged code path: the probe never reads etcd's trace), in the same
// global order. The simulator runs every node on one goroutine, so etcd's
// logger sees one order; no per-node comparison is needed.
func TestTLAEqualsEtcdTraceLogger(t *testing.T) {
	if !raft.StateTraceDeployed {
		t.Fatal("built without with_tla")
	}
	sessions := tlaSessions(t)
	var names []string
	for name := range sessions {
		names = append(names, name)
	}
	sort.Strings(names)
	total := 0
	for _, name := range names {
		s := sessions[name]
		want := etcdTLA(t, s)
		events, err := TLATrace(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := tlaLines(t, events)
		if diff := tlaDiff(want, got); diff != "" {
			t.Errorf("%s: %s", name, diff)
			continue
		}
		kinds := map[string]int{}
		for _, ev := range events {
			kinds[ev.Name]++
		}
		t.Logf("%s: %d events equal %v", name, len(want), kinds)
		total += len(want)
	}
	t.Logf("%d events compared in %d sessions", total, len(names))
}

// A planted bug: one event changed in the exporter's trace (a commit index
// one too high, a message's term, an event left out) is caught.
func TestTLAComparisonCatchesPlantedBugs(t *testing.T) {
	s := tlaSessions(t)["writes"]
	want := etcdTLA(t, s)
	events, err := TLATrace(s)
	if err != nil {
		t.Fatal(err)
	}
	plants := map[string]func([]TLAEvent) []TLAEvent{
		"commit": func(ev []TLAEvent) []TLAEvent {
			for i := range ev {
				if ev[i].Name == rsmCommit {
					ev[i].State.Commit++
					break
				}
			}
			return ev
		},
		"message term": func(ev []TLAEvent) []TLAEvent {
			for i := range ev {
				if ev[i].Message != nil {
					ev[i].Message.Term++
					break
				}
			}
			return ev
		},
		"left out": func(ev []TLAEvent) []TLAEvent { return append(ev[:5:5], ev[6:]...) },
	}
	lines := tlaLines(t, events)
	if diff := tlaDiff(want, lines); diff != "" {
		t.Fatalf("unplanted: %s", diff)
	}
	for name, plant := range plants {
		// A deep copy, so that no plant reaches the others.
		ev := make([]TLAEvent, len(lines))
		for i, l := range lines {
			if err := json.Unmarshal([]byte(l), &ev[i]); err != nil {
				t.Fatal(err)
			}
		}
		ev = plant(ev)
		if tlaDiff(want, tlaLines(t, ev)) == "" {
			t.Errorf("planted %s: not caught", name)
		}
	}
}
