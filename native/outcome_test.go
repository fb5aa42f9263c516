package native

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// checkOnePrefix fails the test if err's text names this package more
// than once ("native: set k=v: native: ...").
func checkOnePrefix(t *testing.T, err error) {
	t.Helper()
	if n := strings.Count(err.Error(), "native:"); n != 1 {
		t.Errorf("error text names native %d times: %q", n, err)
	}
}

// TestWriteWithNoQuorumIsNotApplied: with two of three nodes down the
// survivor steps down (CheckQuorum) and a write is refused until its time
// runs out: the answer is "unavailable, not applied", and indeed the write
// never appears, not even after the nodes come back.
func TestWriteWithNoQuorumIsNotApplied(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	var down []core.NodeID
	for id := core.NodeID(1); id <= 3; id++ {
		if id != l.ID {
			mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: id})
			down = append(down, id)
		}
	}
	waitFor(t, 10*time.Second, "the survivor to step down", func() bool { return nodeView(c, l.ID).Role != core.RoleLeader })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := c.Set(ctx, "lost", "v")
	cancel()
	if !errors.Is(err, wire.ErrUnavailable) || errors.Is(err, wire.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Set without a quorum: %v; want wire.ErrUnavailable wrapping the deadline", err)
	}
	if k := wire.KindOf(err); k != wire.KindUnavailable {
		t.Errorf("kind %q; want %q", k, wire.KindUnavailable)
	}
	checkOnePrefix(t, err)
	if _, _, err := c.Get(ctx, "lost"); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("Get with an ended context: %v; want wire.ErrUnavailable", err)
	}

	for _, id := range down {
		mustApply(t, c, wire.Command{Kind: wire.CmdRestart, Node: id})
	}
	waitLeader(t, c)
	barrier := mustSet(t, c, "barrier", "x")
	if v, found, err := c.Get(ctxT(t), "lost"); err != nil || found {
		t.Fatalf("Get(lost) after heal = %q, %v, %v; want not found", v, found, err)
	}
	waitFor(t, 10*time.Second, "every node to apply the barrier", func() bool {
		for _, n := range view(c).Nodes {
			if uint64(n.Applied) < barrier {
				return false
			}
		}
		return true
	})
	for _, n := range view(c).Nodes {
		if _, ok := kvOf(n, "lost"); ok {
			t.Errorf("n%d holds the write answered as not applied", n.ID)
		}
	}
}

// TestWriteWhoseLeaderCrashedHasUnknownOutcome: a leader without
// followers (CheckQuorum off, so it stays leader) appends a write it can
// never commit; when it crashes the answer is "outcome unknown", never
// "unavailable": its log still holds the write.
func TestWriteWhoseLeaderCrashedHasUnknownOutcome(t *testing.T) {
	cfg := testConfig(3)
	cfg.Raft.CheckQuorum = false
	c := startCluster(t, cfg)
	l := waitLeader(t, c)
	for id := core.NodeID(1); id <= 3; id++ {
		if id != l.ID {
			mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: id})
		}
	}
	last := nodeView(c, l.ID).LastIndex
	done := make(chan error, 1)
	go func() {
		_, err := c.Set(ctxT(t), "maybe", "v")
		done <- err
	}()
	waitFor(t, 10*time.Second, "the leader to append the write", func() bool { return nodeView(c, l.ID).LastIndex > last })
	mustApply(t, c, wire.Command{Kind: wire.CmdCrash, Node: l.ID})
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Set did not return after its leader crashed")
	}
	if !errors.Is(err, wire.ErrOutcomeUnknown) || errors.Is(err, wire.ErrUnavailable) || !errors.Is(err, ErrNodeDown) {
		t.Fatalf("Set whose leader crashed: %v; want wire.ErrOutcomeUnknown wrapping ErrNodeDown", err)
	}
	if k := wire.KindOf(err); k != wire.KindOutcomeUnknown {
		t.Errorf("kind %q; want %q", k, wire.KindOutcomeUnknown)
	}
	checkOnePrefix(t, err)
}

// TestAbandonedProposal: a write still queued at a node whose loop is busy
// when its caller's time runs out is withdrawn, so it is answered "not
// applied" and is never proposed once the loop takes it from the queue.
func TestAbandonedProposal(t *testing.T) {
	c := startCluster(t, testConfig(3))
	l := waitLeader(t, c)
	in := c.nodeByID(l.ID).running()
	if in == nil {
		t.Fatal("the leader is not running")
	}
	busy, release := make(chan struct{}), make(chan struct{})
	go func() { _ = in.do(func() { close(busy); <-release }) }()
	<-busy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := c.Set(ctx, "abandoned", "v")
	cancel()
	close(release)
	if !errors.Is(err, wire.ErrUnavailable) || errors.Is(err, wire.ErrOutcomeUnknown) {
		t.Fatalf("Set abandoned in the queue: %v; want wire.ErrUnavailable", err)
	}
	checkOnePrefix(t, err)
	// Writes are proposed in queue order: once a later one is applied, the
	// abandoned one would have been too.
	mustSet(t, c, "after", "x")
	if v, found, err := c.Get(ctxT(t), "abandoned"); err != nil || found {
		t.Fatalf("Get(abandoned) = %q, %v, %v; want not found", v, found, err)
	}

	// The flag itself: exactly one of take and abandon wins.
	p := &proposal{}
	if !p.abandon() || p.take() || p.abandon() {
		t.Error("a proposal abandoned first was taken, or abandoned twice")
	}
	p = &proposal{}
	if !p.take() || p.abandon() || p.take() {
		t.Error("a proposal taken first was abandoned, or taken twice")
	}
}
