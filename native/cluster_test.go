package native

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

func TestLeaderIsElected(t *testing.T) {
	c := startCluster(t, testConfig(5))
	l := waitLeader(t, c)
	if l.Term < 2 {
		t.Errorf("leader %s in term %d; the first election is term 2 (bootstrap is term 1)", l.ID, l.Term)
	}
	f := c.Frame(0, true, 0, wire.ViewOptions{})
	found := false
	for _, e := range f.Events {
		if e.Kind == wire.EvRole && e.Node == l.ID && strings.Contains(e.Text, "became leader in term") && strings.Contains(e.Text, "with votes from") {
			found = true
		}
	}
	if !found {
		t.Errorf("no role event for leader %s in %d notable events", l.ID, len(f.Events))
	}
	v := f.View
	if len(v.Nodes) != 5 || v.Timing.HeartbeatMS != 10 || v.Timing.ElectionTicks != 20 || !v.Safety.OK {
		t.Errorf("view: %d nodes, timing %+v, safety %+v", len(v.Nodes), v.Timing, v.Safety)
	}
	if f.Horizon != v.Time || f.Halted != nil || v.Events < uint64(len(f.Events)) {
		t.Errorf("frame horizon %d time %d halted %v events %d/%d", f.Horizon, v.Time, f.Halted, v.Events, len(f.Events))
	}
	// Progress shows on the leader only, for every voter.
	lv := nodeView(c, l.ID)
	if len(lv.Progress) != 5 || len(lv.Voters) != 5 || lv.Log[0].Op != "add n1" {
		t.Errorf("leader view: progress %+v voters %v log %+v", lv.Progress, lv.Voters, lv.Log)
	}
}

func TestSetGetDeleteReplicates(t *testing.T) {
	c := startCluster(t, testConfig(5))
	waitLeader(t, c)
	idx := mustSet(t, c, "k", "v1")
	if idx == 0 {
		t.Fatal("Set returned index 0")
	}
	v, found, err := c.Get(ctxT(t), "k")
	if err != nil || !found || v != "v1" {
		t.Fatalf("Get(k) = %q, %v, %v; want v1, true, nil", v, found, err)
	}
	waitFor(t, 5*time.Second, "k=v1 in every node's store", func() bool {
		for _, n := range view(c).Nodes {
			if got, ok := kvOf(n, "k"); !ok || got != "v1" {
				return false
			}
		}
		return true
	})
	if _, existed, err := c.Delete(ctxT(t), "k"); err != nil || !existed {
		t.Fatalf("Delete(k) = existed %v, %v; want true, nil", existed, err)
	}
	if _, existed, err := c.Delete(ctxT(t), "k"); err != nil || existed {
		t.Fatalf("Delete(k) again = existed %v, %v; want false, nil", existed, err)
	}
	if v, found, err := c.Get(ctxT(t), "k"); err != nil || found {
		t.Fatalf("Get(k) after Delete = %q, %v, %v; want not found", v, found, err)
	}
	if _, _, err := c.Get(ctxT(t), "never"); err != nil {
		t.Fatal(err)
	}
	// The log window shows the decoded operations.
	l := waitLeader(t, c)
	var ops []string
	for _, e := range nodeView(c, l.ID).Log {
		ops = append(ops, e.Op)
	}
	if s := strings.Join(ops, "|"); !strings.Contains(s, "set k=v1") || !strings.Contains(s, "del k") {
		t.Errorf("leader log ops %q lack set k=v1 and del k", s)
	}
	if _, err := c.Set(ctxT(t), "", "x"); !errors.Is(err, wire.ErrBadCommand) {
		t.Errorf("Set with empty key: %v, want ErrBadCommand", err)
	}
}

func TestConcurrentWritersAllAcknowledged(t *testing.T) {
	c := startCluster(t, testConfig(5))
	waitLeader(t, c)
	const writers, each = 20, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	ctx := ctxT(t)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := set(ctx, c, fmt.Sprintf("w%d", w), fmt.Sprint(i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := 0; w < writers; w++ {
		if v, ok, err := c.Get(ctxT(t), fmt.Sprintf("w%d", w)); err != nil || !ok || v != fmt.Sprint(each-1) {
			t.Errorf("w%d = %q, %v, %v; want %d", w, v, ok, err, each-1)
		}
	}
}

func TestCrashedLeaderIsReplacedAndCatchesUpAfterRestart(t *testing.T) {
	c := startCluster(t, testConfig(5))
	old := waitLeader(t, c)
	mustSet(t, c, "before", "1")
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: old.ID})
	if n := nodeView(c, old.ID); n.Up || n.Applied != 0 || n.Term != old.Term {
		t.Errorf("crashed node view: up %v applied %d term %d; want down, 0, term %d kept", n.Up, n.Applied, n.Term, old.Term)
	}
	nl := waitLeader(t, c)
	if nl.ID == old.ID || nl.Term <= old.Term {
		t.Fatalf("new leader %s term %d; old %s term %d", nl.ID, nl.Term, old.ID, old.Term)
	}
	for i := 0; i < 10; i++ {
		mustSet(t, c, fmt.Sprintf("after%d", i), "2")
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: old.ID})
	waitFor(t, 5*time.Second, "the restarted node to catch up", func() bool {
		v := view(c)
		n := v.Nodes[old.ID-1]
		got, ok := kvOf(n, "after9")
		return n.Up && ok && got == "2" && n.Applied == v.Nodes[nl.ID-1].Applied
	})
	f := c.Frame(0, true, 0, wire.ViewOptions{})
	var crash, restart bool
	for _, e := range f.Events {
		crash = crash || (e.Kind == wire.EvCrash && e.Node == old.ID)
		restart = restart || (e.Kind == wire.EvRestart && e.Node == old.ID && strings.Contains(e.Text, "restarted from its storage"))
	}
	if !crash || !restart {
		t.Errorf("crash event %v, restart event %v", crash, restart)
	}
}

func TestIsolatedLeaderCannotCommitAndCatchesUpAfterHeal(t *testing.T) {
	c := startCluster(t, testConfig(5))
	old := waitLeader(t, c)
	mustSet(t, c, "a", "1")
	mustApply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: old.ID})
	if cuts := view(c).Cuts; len(cuts) != 8 {
		t.Errorf("cuts after isolate = %v, want 8 directed links", cuts)
	}
	commitBefore := nodeView(c, old.ID).Commit
	// A write at the isolated node: refused, or accepted and never applied.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	op := c.current().nextReq.Add(1)
	_, err := c.nodeByID(old.ID).propose(ctx, opSet("minority", "x", op))
	if err == nil {
		t.Fatal("a write at the isolated leader was applied")
	}
	// The majority elects a leader and goes on.
	waitFor(t, 5*time.Second, "a leader among the majority", func() bool {
		for _, n := range view(c).Nodes {
			if n.ID != old.ID && n.Role == core.RoleLeader && n.Term > old.Term {
				return true
			}
		}
		return false
	})
	mustSet(t, c, "b", "2")
	if n := nodeView(c, old.ID); n.Commit != commitBefore {
		if _, ok := kvOf(n, "b"); ok {
			t.Fatalf("isolated node learnt of b while cut off (commit %d -> %d)", commitBefore, n.Commit)
		}
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdHeal})
	waitFor(t, 5*time.Second, "the healed node to catch up", func() bool {
		n := nodeView(c, old.ID)
		_, hasMinority := kvOf(n, "minority")
		got, ok := kvOf(n, "b")
		return ok && got == "2" && !hasMinority
	})
	if cuts := view(c).Cuts; len(cuts) != 0 {
		t.Errorf("cuts after heal = %v", cuts)
	}
}

func TestOneWayCutStarvesOneFollowerOnly(t *testing.T) {
	c := startCluster(t, testConfig(5))
	l := waitLeader(t, c)
	f := l.ID%5 + 1
	mustApply(t, c, wire.Command{Kind: wire.CmdCut, Node: l.ID, Peer: f, OneWay: true})
	v := view(c)
	if len(v.Cuts) != 1 || v.Cuts[0] != (wire.Link{From: l.ID, To: f}) {
		t.Fatalf("cuts = %v, want only %s→%s", v.Cuts, l.ID, f)
	}
	for i := 0; i < 5; i++ {
		mustSet(t, c, "oneway", fmt.Sprint(i))
	}
	if _, ok := kvOf(nodeView(c, f), "oneway"); ok {
		t.Fatalf("%s received entries over a link cut towards it", f)
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdHeal, Node: l.ID, Peer: f, OneWay: true})
	waitFor(t, 5*time.Second, "the starved follower to catch up", func() bool {
		got, ok := kvOf(nodeView(c, f), "oneway")
		return ok && got == "4"
	})
}

func TestBadCommandsChangeNothing(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 3})
	net := wire.NetworkConfig{MinLatencyMS: 5, MaxLatencyMS: 1}
	tests := []struct {
		cmd  wire.Command
		werr error
	}{
		{wire.Command{}, wire.ErrBadCommand},
		{wire.Command{Kind: "explode"}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdCrash, Node: 9}, wire.ErrUnknownNode},
		{wire.Command{Kind: wire.CmdCrash, Node: 3}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdRestart, Node: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdCampaign, Node: 3}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdCut, Node: 1, Peer: 1}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdCut, Node: 1, Peer: 4}, wire.ErrUnknownNode},
		{wire.Command{Kind: wire.CmdPartition}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1}, {1, 2}}}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdNetwork}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdNetwork, Network: &net}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdSet}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdGet, Key: "k", Value: "v"}, wire.ErrBadCommand},
		{wire.Command{Kind: wire.CmdSet, Key: "k", Node: 3}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdManual, On: true}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdDeliver, Msg: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdDrop, Msg: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdDuplicate, Msg: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdAddClients, Count: 1}, wire.ErrImpossible},
		{wire.Command{Kind: wire.CmdRemoveClients, Count: 1}, wire.ErrImpossible},
	}
	before := view(c)
	cfgBefore := c.Config()
	for _, tt := range tests {
		err := c.Apply(tt.cmd)
		if !errors.Is(err, tt.werr) {
			t.Errorf("Apply(%+v) = %v, want %v", tt.cmd, err, tt.werr)
		}
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdDeliver, Msg: 1}); err == nil || !strings.Contains(err.Error(), "real time") {
		t.Errorf("deliver: %v; want a sentence saying the cluster runs in real time", err)
	}
	after := view(c)
	if !reflect.DeepEqual(c.Config(), cfgBefore) || len(after.Cuts) != 0 || after.Network != before.Network {
		t.Errorf("a refused command changed the cluster: config %+v, cuts %v, network %+v", c.Config(), after.Cuts, after.Network)
	}
	for i := range after.Nodes {
		if after.Nodes[i].Up != before.Nodes[i].Up {
			t.Errorf("node %d up %v -> %v", i+1, before.Nodes[i].Up, after.Nodes[i].Up)
		}
	}
	for _, e := range c.Frame(0, true, 0, wire.ViewOptions{}).Events {
		if e.Kind == wire.EvCommand || e.Kind == wire.EvPartition || e.Kind == wire.EvNetwork || e.Kind == wire.EvClientInvoke {
			t.Errorf("refused command left event %+v", e)
		}
	}
}

func TestNetworkCommandAndConsoleRequests(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	net := wire.NetworkConfig{MinLatencyMS: 20, MaxLatencyMS: 40, DuplicateRate: 0.1, ReorderRate: 0.1}
	mustApply(t, c, wire.Command{Kind: wire.CmdNetwork, Network: &net})
	if got := c.Config().Network; got != net {
		t.Fatalf("network = %+v, want %+v", got, net)
	}
	waitFor(t, 5*time.Second, "a message in flight with its latency", func() bool {
		for _, m := range view(c).Messages {
			if d := m.DeliverAt - m.SentAt; d >= 20 && d <= 40 && m.Text != "" && m.Type != "" {
				return true
			}
		}
		return false
	})
	since := c.EventCount()
	var returns []string
	waitReturns := func(n int) {
		waitFor(t, 5*time.Second, fmt.Sprintf("%d client-return events of the console", n), func() bool {
			returns = returns[:0]
			for _, e := range c.Frame(since, true, 0, wire.ViewOptions{}).Events {
				if e.Kind == wire.EvClientReturn && e.Client == 0 {
					returns = append(returns, e.Text)
				}
			}
			return len(returns) == n
		})
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"})
	waitReturns(1)
	mustApply(t, c, wire.Command{Kind: wire.CmdGet, Key: "k", Node: 1})
	waitReturns(2)
	if !strings.HasPrefix(returns[0], "client 0: set k=v #") || !strings.HasSuffix(returns[0], "→ OK") {
		t.Errorf("set answer %q", returns[0])
	}
	if !strings.HasPrefix(returns[1], "client 0: get k #") || !strings.HasSuffix(returns[1], "→ v") {
		t.Errorf("get answer %q", returns[1])
	}
	kinds := map[wire.EventKind]int{}
	for _, e := range c.Frame(since, true, 0, wire.ViewOptions{}).Events {
		kinds[e.Kind]++
	}
	if kinds[wire.EvCommand] != 2 || kinds[wire.EvClientInvoke] != 2 {
		t.Errorf("event kinds %v; want 2 command and 2 client-invoke", kinds)
	}
}

func TestCampaignAndTransferMoveLeadership(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	to := l.ID%3 + 1
	mustApply(t, c, wire.Command{Kind: wire.CmdTransfer, Node: to})
	waitFor(t, 5*time.Second, fmt.Sprintf("%s to lead", to), func() bool {
		nl, ok := leaderOf(view(c))
		return ok && nl.ID == to
	})
	// With PreVote and CheckQuorum on, a forced campaign against a healthy
	// leader stops at the pre-vote: the others still hear from their leader.
	other := to%3 + 1
	since := c.EventCount()
	mustApply(t, c, wire.Command{Kind: wire.CmdCampaign, Node: other})
	waitFor(t, 5*time.Second, fmt.Sprintf("%s to become pre-candidate", other), func() bool {
		for _, e := range c.Frame(since, true, 0, wire.ViewOptions{}).Events {
			if e.Kind == wire.EvRole && e.Node == other && e.Type == string(core.RolePreCandidate) {
				return true
			}
		}
		return false
	})
	mustSet(t, c, "after", "campaign")
	if nl, ok := leaderOf(view(c)); ok && nl.Term < l.Term+1 {
		t.Errorf("leader %s in term %d after a transfer from term %d", nl.ID, nl.Term, l.Term)
	}
}

func TestFrameFiltersEvents(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	mustSet(t, c, "k", "v")
	all := c.Frame(0, false, 0, wire.ViewOptions{})
	notable := c.Frame(0, true, 0, wire.ViewOptions{})
	if len(all.Events) <= len(notable.Events) || len(notable.Events) == 0 {
		t.Fatalf("%d events, %d notable", len(all.Events), len(notable.Events))
	}
	seen := map[wire.EventKind]bool{}
	for i, e := range all.Events {
		if e.Text == "" {
			t.Errorf("event %+v has no text", e)
		}
		if i > 0 && (e.Seq <= all.Events[i-1].Seq || e.At < all.Events[i-1].At) {
			t.Errorf("events out of order: %+v after %+v", e, all.Events[i-1])
		}
		seen[e.Kind] = true
	}
	for _, k := range []wire.EventKind{wire.EvSend, wire.EvDeliver, wire.EvAppend, wire.EvCommit, wire.EvApply, wire.EvRole, wire.EvTerm, wire.EvVote, wire.EvLeader} {
		if !seen[k] {
			t.Errorf("no %s event", k)
		}
	}
	for _, e := range notable.Events {
		if e.Routine() {
			t.Errorf("notable frame has routine event %+v", e)
		}
	}
	last3 := c.Frame(0, false, 3, wire.ViewOptions{})
	if len(last3.Events) != 3 || last3.Events[2].Seq > last3.View.Events || last3.Events[0].Seq+2 != last3.Events[2].Seq {
		t.Errorf("max 3: %+v (view events %d)", last3.Events, last3.View.Events)
	}
	if f := c.Frame(last3.View.Events, true, 0, wire.ViewOptions{}); len(f.Events) != 0 && f.Events[0].Seq <= last3.View.Events {
		t.Errorf("since %d returned %+v", last3.View.Events, f.Events[0])
	}
	if f := c.Frame(0, false, 0, wire.ViewOptions{LogWindow: 2}); len(f.View.Nodes[0].Log) > 2 || f.View.Nodes[0].LogOmitted == 0 {
		t.Errorf("log window 2: %d entries shown, %d omitted", len(f.View.Nodes[0].Log), f.View.Nodes[0].LogOmitted)
	}
}

func TestCreateReplacesTheCluster(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	mustSet(t, c, "old", "1")
	bad := testConfig(3)
	bad.Nodes = 0
	if err := c.Create(bad); !errors.Is(err, wire.ErrBadConfig) {
		t.Fatalf("Create(bad) = %v, want ErrBadConfig", err)
	}
	if len(view(c).Nodes) != 3 {
		t.Fatal("a refused Create changed the cluster")
	}
	if err := c.Create(testConfig(4)); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
	v := view(c)
	if len(v.Nodes) != 4 || c.Config().Nodes != 4 {
		t.Fatalf("%d nodes after Create(4)", len(v.Nodes))
	}
	if _, ok, err := c.Get(ctxT(t), "old"); err != nil || ok {
		t.Errorf("Get(old) on the new cluster: found %v, %v", ok, err)
	}
	manual := testConfig(3)
	manual.Manual = true
	if _, err := Start(manual); !errors.Is(err, wire.ErrBadConfig) {
		t.Errorf("Start(manual) = %v, want ErrBadConfig", err)
	}
}

func TestStopLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	c, err := Start(testConfig(5))
	if err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
	mustSet(t, c, "k", "v")
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: 2})
	mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: 2})
	mustApply(t, c, wire.Command{Kind: wire.CmdGet, Key: "k"})
	if err := c.Create(testConfig(3)); err != nil {
		t.Fatal(err)
	}
	waitLeader(t, c)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := c.Set(ctxT(t), "k", "v"); !errors.Is(err, ErrStopped) {
		t.Errorf("Set after Stop: %v, want ErrStopped", err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdHeal}); !errors.Is(err, ErrStopped) {
		t.Errorf("Apply after Stop: %v, want ErrStopped", err)
	}
	for _, n := range view(c).Nodes {
		if n.Up {
			t.Errorf("node %d up after Stop", n.ID)
		}
	}
	waitFor(t, 5*time.Second, fmt.Sprintf("goroutines back to %d", base), func() bool {
		return runtime.NumGoroutine() <= base
	})
}

func TestStopFailsPendingCalls(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	for id := core.NodeID(1); id <= 3; id++ {
		mustApply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: id})
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Set(context.Background(), "k", "v")
		done <- err
	}()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrStopped) && !errors.Is(err, ErrNodeDown) && !errors.Is(err, ErrLeadershipLost) {
		t.Errorf("Set during Stop: %v", err)
	}
}
