package native

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// startDurableCluster starts a durable cluster in dir, stopped when the
// test ends.
func startDurableCluster(t testing.TB, cfg wire.Config, dir string) *Cluster {
	t.Helper()
	c, err := StartDurable(cfg, dir)
	if err != nil {
		t.Fatalf("StartDurable: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// readLog reads node id's log in dir as a restart would.
func readLog(t testing.TB, dir string, id core.NodeID) logState {
	t.Helper()
	w, st, err := openNodeLog(nodeDir(dir, id))
	if err != nil {
		t.Fatalf("opening n%d's log: %v", id, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return st
}

// waitKV waits until every up node's state machine holds want exactly.
func waitKV(t testing.TB, c *Cluster, want map[string]string) {
	t.Helper()
	waitFor(t, 10*time.Second, fmt.Sprintf("every up node to hold the %d keys written", len(want)), func() bool {
		for _, n := range view(c).Nodes {
			if !n.Up {
				continue
			}
			if n.KV.Count != len(want) || len(n.KV.Pairs) != len(want) {
				return false
			}
			for _, kv := range n.KV.Pairs {
				if want[kv.Key] != kv.Value {
					return false
				}
			}
		}
		return true
	})
}

func TestDurableRestartFromTheLogs(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(3)
	c := startDurableCluster(t, cfg, dir)
	if c.DataDir() != dir {
		t.Errorf("DataDir() = %q, want %q", c.DataDir(), dir)
	}
	waitLeader(t, c)
	want := map[string]string{}
	for i := 0; i < 40; i++ {
		k, v := fmt.Sprintf("k%d", i%13), fmt.Sprint(i)
		mustSet(t, c, k, v)
		want[k] = v
	}
	if _, _, err := c.Delete(ctxT(t), "k0"); err != nil {
		t.Fatal(err)
	}
	delete(want, "k0")
	waitKV(t, c, want)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	// What each stopped node shows is what its log holds.
	before := view(c)
	var maxCommit core.LogIndex
	for _, n := range before.Nodes {
		st := readLog(t, dir, n.ID)
		hs := st.hs
		last := st.snap.GetMetadata().GetIndex()
		if k := len(st.ents); k > 0 {
			last = st.ents[k-1].GetIndex()
		}
		if core.Term(hs.GetTerm()) != n.Term || core.NodeID(hs.GetVote()) != n.Vote || core.LogIndex(hs.GetCommit()) != n.Commit || core.LogIndex(last) != n.LastIndex {
			t.Errorf("%s: log holds term %d vote %d commit %d last %d; the node had term %d vote %d commit %d last %d",
				n.ID, hs.GetTerm(), hs.GetVote(), hs.GetCommit(), last, n.Term, n.Vote, n.Commit, n.LastIndex)
		}
		maxCommit = max(maxCommit, n.Commit)
	}

	restored := func(c *Cluster) (k int) {
		for _, e := range c.Frame(0, false, 0, wire.ViewOptions{}).Events {
			if e.Kind == wire.EvRestart && strings.Contains(e.Text, "restarted from its log in") {
				k++
			}
		}
		return k
	}
	if k := restored(c); k != 0 {
		t.Errorf("%d restart events from a new data directory, want none", k)
	}
	c2 := startDurableCluster(t, cfg, dir)
	if k := restored(c2); k != 3 {
		t.Errorf("%d restart events, want one per node", k)
	}
	// Each node restarts with its term, vote and log, and applies what was
	// committed again (nothing is bootstrapped a second time).
	waitFor(t, 10*time.Second, "every node to apply what was committed", func() bool {
		for _, n := range view(c2).Nodes {
			if !n.Up || n.Applied < maxCommit {
				return false
			}
		}
		return true
	})
	for i, n := range view(c2).Nodes {
		b := before.Nodes[i]
		if n.Term < b.Term || n.Commit < b.Commit || n.LastIndex < b.LastIndex || n.FirstIndex != b.FirstIndex {
			t.Errorf("%s after restart: term %d commit %d first %d last %d; before: term %d commit %d first %d last %d",
				n.ID, n.Term, n.Commit, n.FirstIndex, n.LastIndex, b.Term, b.Commit, b.FirstIndex, b.LastIndex)
		}
		if len(n.Log) == 0 || n.Log[0].Op != "add n1" {
			t.Errorf("%s's log after restart starts with %+v; want the bootstrap entries once", n.ID, n.Log[:min(1, len(n.Log))])
		}
	}
	waitKV(t, c2, want)
	var maxTerm core.Term
	for _, n := range before.Nodes {
		maxTerm = max(maxTerm, n.Term)
	}
	if l := waitLeader(t, c2); l.Term <= maxTerm {
		t.Errorf("new leader in term %d; before the restart terms were up to %d, and are kept", l.Term, maxTerm)
	}
	// The cluster keeps working.
	mustSet(t, c2, "after", "restart")
	want["after"] = "restart"
	if v, ok, err := c2.Get(ctxT(t), "k5"); err != nil || !ok || v != want["k5"] {
		t.Errorf("Get(k5) = %q, %v, %v; want %q", v, ok, err, want["k5"])
	}
	waitKV(t, c2, want)
}

func TestDurableCrashAndRestartReopenTheLog(t *testing.T) {
	dir := t.TempDir()
	c := startDurableCluster(t, testConfig(3), dir)
	l := waitLeader(t, c)
	want := map[string]string{}
	set := func(k, v string) { mustSet(t, c, k, v); want[k] = v }
	set("a", "1")
	f := l.ID%3 + 1
	oldStore := c.nodeByID(f).storage()
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: f})
	for i := 0; i < 10; i++ {
		set(fmt.Sprintf("while-down-%d", i), "x")
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
	if c.nodeByID(f).storage() == oldStore {
		t.Error("the restarted node kept its storage; a durable node rebuilds it from its log")
	}
	waitKV(t, c, want)

	// The leader crashes too: the others elect a new one, and the old one
	// comes back from its log.
	l = waitLeader(t, c)
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: l.ID})
	set("b", "2")
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: l.ID})
	waitKV(t, c, want)
	var restarts int
	for _, e := range c.Frame(0, true, 0, wire.ViewOptions{}).Events {
		if e.Kind == wire.EvRestart && strings.Contains(e.Text, "restarted from its log on disk") {
			restarts++
		}
	}
	if restarts != 2 {
		t.Errorf("%d restart events from the log, want 2", restarts)
	}
	// Every node's log on disk holds the last write.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for id := core.NodeID(1); id <= 3; id++ {
		found := false
		for _, e := range readLog(t, dir, id).ents {
			op, err := statemachine.Decode(e.GetData())
			found = found || (err == nil && op.Key == "b" && op.Value == "2")
		}
		if !found {
			t.Errorf("n%d's log lacks the last write", id)
		}
	}
}

func TestDurableSnapshotsCompactTheLogAndRestore(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(3)
	cfg.Raft.SnapshotIntervalEntries = 20
	cfg.Raft.SnapshotCatchupEntries = 5
	c := startDurableCluster(t, cfg, dir)
	l := waitLeader(t, c)
	f := l.ID%3 + 1
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: f})
	want := map[string]string{}
	for i := 0; i < 80; i++ {
		k, v := fmt.Sprintf("k%d", i%7), fmt.Sprint(i)
		mustSet(t, c, k, v)
		want[k] = v
	}
	// The leader's log was compacted to its snapshot.
	st := readLogWhileRunning(t, dir, l.ID)
	if st.snap.GetMetadata().GetIndex() < 20 || len(st.ents) > 40 {
		t.Errorf("leader's log: snapshot at %d and %d entries after it; want a snapshot past 20 and the entries after it only",
			st.snap.GetMetadata().GetIndex(), len(st.ents))
	}
	// The follower that missed it all catches up with a snapshot, which it
	// saves: it comes back from its log with the same keys.
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
	waitKV(t, c, want)
	waitFor(t, 5*time.Second, "the follower to install a snapshot", func() bool { return nodeView(c, f).SnapshotIndex > 0 })
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: f})
	if s := readLog(t, dir, f); s.snap.GetMetadata().GetIndex() == 0 {
		t.Error("the follower's log holds no snapshot after installing one")
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
	waitKV(t, c, want)

	// The whole cluster restarts from snapshots and the entries after them.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c2 := startDurableCluster(t, cfg, dir)
	waitKV(t, c2, want)
	mustSet(t, c2, "k0", "new")
	want["k0"] = "new"
	waitKV(t, c2, want)
}

// readLogWhileRunning reads a running node's log from a copy of its files
// (opening the log itself would drop a record being written).
func readLogWhileRunning(t testing.TB, dir string, id core.NodeID) logState {
	t.Helper()
	cp := t.TempDir()
	if err := os.CopyFS(cp, os.DirFS(nodeDir(dir, id))); err != nil {
		t.Fatal(err)
	}
	w, st, err := openNodeLog(cp)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	return st
}

func TestDurableDataDirMustMatchTheConfiguration(t *testing.T) {
	dir := t.TempDir()
	c := startDurableCluster(t, testConfig(3), dir)
	waitLeader(t, c)
	if err := c.Create(testConfig(3)); !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Create on a durable cluster: %v; want ErrImpossible naming the data directory", err)
	}
	if _, err := c.AddRemote(ctxT(t), func(*pb.Message) {}); !errors.Is(err, wire.ErrImpossible) {
		t.Errorf("AddRemote on a durable cluster: %v; want ErrImpossible", err)
	}
	mustSet(t, c, "still", "running")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 5} {
		_, err := StartDurable(testConfig(n), dir)
		if !errors.Is(err, ErrDataDir) || !strings.Contains(err.Error(), "holds the logs of 3 nodes") || !strings.Contains(err.Error(), fmt.Sprintf("asks for %d nodes", n)) {
			t.Errorf("StartDurable with %d nodes on the logs of 3: %v; want ErrDataDir saying so", n, err)
		}
	}
	if err := os.Remove(filepath.Join(dir, clusterFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := StartDurable(testConfig(3), dir); !errors.Is(err, ErrDataDir) || !strings.Contains(err.Error(), "no CLUSTER file") {
		t.Errorf("StartDurable on logs without a CLUSTER file: %v", err)
	}
	if _, err := StartDurable(testConfig(3), ""); !errors.Is(err, ErrDataDir) {
		t.Errorf("StartDurable with no directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := StartDurable(testConfig(3), file); err == nil {
		t.Error("StartDurable on a file: no error")
	}
	bad := testConfig(3)
	bad.Manual = true
	if _, err := StartDurable(bad, t.TempDir()); !errors.Is(err, wire.ErrBadConfig) {
		t.Errorf("StartDurable with a bad config: %v", err)
	}
}

func TestDurableRefusesALogThatCommitsPastItsEnd(t *testing.T) {
	dir := t.TempDir()
	c := startDurableCluster(t, testConfig(1), dir)
	waitLeader(t, c)
	mustSet(t, c, "k", "v")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// Damage n1's log: its hard state commits past its last entry.
	w, st, err := openNodeLog(nodeDir(dir, 1))
	if err != nil {
		t.Fatal(err)
	}
	hs := st.hs
	hs.Commit = new(hs.GetCommit() + 10)
	if err := w.Save(hs, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, err = StartDurable(testConfig(1), dir)
	if !errors.Is(err, ErrLogDamaged) || !strings.Contains(err.Error(), "committing index") {
		t.Fatalf("StartDurable on a log committing past its end: %v", err)
	}
}

func TestDurableNodeStopsWhenItsLogFailsAndRestartsFromIt(t *testing.T) {
	dir := t.TempDir()
	c := startDurableCluster(t, testConfig(3), dir)
	l := waitLeader(t, c)
	mustSet(t, c, "before", "1")
	f := l.ID%3 + 1
	in := c.nodeByID(f).running()
	// Close the follower's log under it (etcd's, not ours, which would
	// record a clean close): its next Save fails, as on a disk error.
	if err := in.do(func() { _ = in.wal.w.Close() }); err != nil {
		t.Fatal(err)
	}
	mustSet(t, c, "after", "2")
	waitFor(t, 5*time.Second, "the follower to stop on its log's error", func() bool {
		n := nodeView(c, f)
		return !n.Up && strings.Contains(n.Error, "could not save its log")
	})
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: f})
	waitKV(t, c, map[string]string{"before": "1", "after": "2"})
}

// TestDurableMissingLogIsRefused: a node whose log is gone from a
// cluster's directory used to start afresh with no vote (it could vote
// twice in a term); it is refused, saying how to recover.
func TestDurableMissingLogIsRefused(t *testing.T) {
	for _, gone := range []string{"wal", ""} {
		dir := t.TempDir()
		c := startDurableCluster(t, testConfig(3), dir)
		waitLeader(t, c)
		mustSet(t, c, "k", "v")
		if err := c.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(nodeDir(dir, 2), gone)); err != nil {
			t.Fatal(err)
		}
		_, err := StartDurable(testConfig(3), dir)
		if !errors.Is(err, ErrDataDir) || !strings.Contains(err.Error(), "no log for n2") ||
			!strings.Contains(err.Error(), "remove the whole data directory "+dir) || !strings.Contains(err.Error(), "restore "+nodeDir(dir, 2)) {
			t.Errorf("n2's %q removed: StartDurable: %v; want ErrDataDir saying n2 has no log and how to recover", gone, err)
		}
	}
}

// secondServerEnv, set, makes the test binary a second server on the data
// directory it names (TestSecondServerProcessOnTheDataDirIsRefused).
const secondServerEnv = "SESHAT_TEST_SECOND_SERVER_DIR"

// TestSecondServerProcessOnTheDataDirIsRefused: two servers on one data
// directory used to both acknowledge writes and split the history; a
// second one, in another process or this one, is refused while the first
// runs, and may start once it has stopped.
func TestSecondServerProcessOnTheDataDirIsRefused(t *testing.T) {
	if dir := os.Getenv(secondServerEnv); dir != "" {
		c, err := StartDurable(testConfig(3), dir)
		if err != nil {
			fmt.Println("refused:", err)
			os.Exit(3)
		}
		c.Stop()
		fmt.Println("started")
		os.Exit(0)
	}
	dir := t.TempDir()
	c := startDurableCluster(t, testConfig(3), dir)
	waitLeader(t, c)
	second := func() (string, int) {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSecondServerProcessOnTheDataDirIsRefused$")
		cmd.Env = append(os.Environ(), secondServerEnv+"="+dir)
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := second()
	if code != 3 || !strings.Contains(out, filepath.Join(dir, lockFile)+" is locked: another server is using this data directory") {
		t.Errorf("a second server process on the data directory: exit %d, %q; want it refused, naming the lock", code, out)
	}
	if _, err := StartDurable(testConfig(3), dir); !errors.Is(err, ErrDataDir) || !strings.Contains(err.Error(), "is locked") {
		t.Errorf("a second server in this process: %v; want ErrDataDir saying the directory is locked", err)
	}
	mustSet(t, c, "still", "running")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if out, code := second(); code != 0 || !strings.Contains(out, "started") {
		t.Errorf("a server on the data directory after the first stopped: exit %d, %q; want it started", code, out)
	}
}
