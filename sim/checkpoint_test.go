package sim

import (
	"encoding/json"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// longRun runs a cluster with clients for minutes virtual minutes, with a
// crash and a partition on the way, checkpoints every minute.
func longRun(t testing.TB, minutes int64) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Seed = 21
	cfg.Clients.Count = 2
	cfg.Clients.RatePerSec = 5
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetCheckpointInterval(60_000)
	cmds := []wire.Command{
		{Kind: wire.CmdCrash, Node: 2}, {Kind: wire.CmdRestart, Node: 2},
		{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}}}, {Kind: wire.CmdHeal},
	}
	for m := int64(1); m <= minutes; m++ {
		if err := c.RunUntil(m*60_000 - 30_000); err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(cmds[int(m-1)%len(cmds)]); err != nil {
			t.Fatal(err)
		}
		if err := c.RunUntil(m * 60_000); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// viewAt is the JSON view of a fresh replay of c's session stopped at t.
func viewAt(t testing.TB, c *Cluster, at int64) string {
	t.Helper()
	s := c.Export()
	var cmds []wire.LoggedCommand
	for _, lc := range s.Commands {
		if lc.At <= at {
			cmds = append(cmds, lc)
		}
	}
	r, err := Import(Session{Version: SessionVersion, Config: s.Config, Commands: cmds, Until: at})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := json.Marshal(r.View(0))
	return string(v)
}

func TestSeekFromCheckpointsMatchesReplay(t *testing.T) {
	c := longRun(t, 6)
	for !c.Maintain(10_000) {
	}
	if got := c.Checkpoints(); len(got) != 6 || got[0] != 60_000 || got[5] != 360_000 {
		t.Fatalf("checkpoints = %v, want every minute to 6", got)
	}
	for _, at := range []int64{250_500, 60_000, 359_999, 5_000} {
		if err := c.SeekTo(at); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(c.View(0))
		if want := viewAt(t, c, at); string(got) != want {
			t.Fatalf("seek to %d ms: view differs from a replay stopped there", at)
		}
	}
	// Branch: a new command at 5 s replaces the recorded future; checkpoints
	// past it are gone, and seeking forward follows the new branch.
	if err := c.Apply(wire.Command{Kind: wire.CmdCrash, Node: 1}); err != nil {
		t.Fatal(err)
	}
	if cps := c.Checkpoints(); len(cps) != 0 {
		t.Fatalf("checkpoints after branching at 5 s = %v, want none", cps)
	}
	if err := c.RunUntil(200_000); err != nil {
		t.Fatal(err)
	}
	for !c.Maintain(10_000) {
	}
	if err := c.SeekTo(130_000); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(c.View(0))
	if want := viewAt(t, c, 130_000); string(got) != want {
		t.Fatal("seek after branching: view differs from a replay of the new branch")
	}
}

// BenchmarkSeek30Minutes seeks into a 30-minute session with checkpoints
// built (every two minutes, the default): back to 29 minutes, then to 1.
func BenchmarkSeek30Minutes(b *testing.B) {
	cfg := benchConfig()
	c, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.RunUntil(30 * 60_000); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for !c.Maintain(100_000) {
		}
		if err := c.SeekTo(30 * 60_000); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := c.SeekTo(29*60_000 + 59_000); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckpointsStayBounded(t *testing.T) {
	cfg := wire.DefaultConfig()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetCheckpointInterval(10_000)
	if err := c.RunUntil(40 * 10_000); err != nil {
		t.Fatal(err)
	}
	for !c.Maintain(50_000) {
	}
	cps := c.Checkpoints()
	if len(cps) > maxCheckpoints || len(cps) < maxCheckpoints/2 {
		t.Fatalf("%d checkpoints for 40 intervals: %v", len(cps), cps)
	}
	for i := 1; i < len(cps); i++ {
		if cps[i]-cps[i-1] != cps[1]-cps[0] {
			t.Fatalf("uneven checkpoints %v", cps)
		}
	}
	for _, r := range c.cps.saved {
		if n := cap(r.trace.ring); n != checkpointTraceKeep {
			t.Fatalf("checkpoint at %d ms keeps %d trace events, want %d", r.now, n, checkpointTraceKeep)
		}
	}
	if err := c.SeekTo(123_456); err != nil {
		t.Fatal(err)
	}
	if n := cap(c.trace.ring); n != defaultTraceKeep {
		t.Fatalf("after a seek the live trace keeps %d events, want %d", n, defaultTraceKeep)
	}
	if n := len(c.Events(0)); n <= checkpointTraceKeep {
		t.Fatalf("after seeking %d ms past a checkpoint, only %d events kept", 123_456-120_000, n)
	}
	got, _ := json.Marshal(c.View(0))
	if want := viewAt(t, c, 123_456); string(got) != want {
		t.Fatal("seek from a thinned checkpoint differs from a replay")
	}
}
