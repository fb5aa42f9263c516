package native

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/member"
	"github.com/seshat-raft/seshat/wire"
)

// hosted is a remote member run in the test's process by internal/member,
// as a page runs it: messages from the cluster arrive through AddRemote's
// send, the member is ticked every heartbeat, and its messages go back
// through Deliver.
type hosted struct {
	rm   *Remote
	in   chan *pb.Message
	quit chan struct{}
	wg   sync.WaitGroup

	mu sync.Mutex
	m  *member.Member
}

func host(t *testing.T, c *Cluster) *hosted {
	t.Helper()
	h := &hosted{in: make(chan *pb.Message, 1024), quit: make(chan struct{})}
	send := func(m *pb.Message) {
		select {
		case h.in <- proto.Clone(m).(*pb.Message):
		default:
		}
	}
	rm, err := c.AddRemote(ctxT(t), send)
	if err != nil {
		t.Fatalf("AddRemote: %v", err)
	}
	h.rm = rm
	if h.m, err = member.New(rm.ID(), rm.Raft()); err != nil {
		t.Fatal(err)
	}
	h.wg.Add(1)
	go h.run(time.Duration(rm.Raft().HeartbeatIntervalMS) * time.Millisecond)
	t.Cleanup(h.stop)
	return h
}

func (h *hosted) run(every time.Duration) {
	defer h.wg.Done()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		var out []*pb.Message
		select {
		case <-h.quit:
			return
		case m := <-h.in:
			h.mu.Lock()
			out, _ = h.m.Step(m)
			h.mu.Unlock()
		case <-tick.C:
			h.mu.Lock()
			out, _ = h.m.Tick()
			h.mu.Unlock()
		}
		for _, m := range out {
			_ = h.rm.Deliver(m)
		}
	}
}

func (h *hosted) stop() {
	select {
	case <-h.quit:
	default:
		close(h.quit)
	}
	h.wg.Wait()
}

func kvPair(k, v string) wire.KVPair { return wire.KVPair{Key: k, Value: v} }

func (h *hosted) view() wire.NodeView {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m.View()
}

func TestRemoteMemberJoinsAndLeaves(t *testing.T) {
	c := startCluster(t, testConfig(3))
	waitLeader(t, c)
	mustSet(t, c, "a", "1")
	h := host(t, c)
	if h.rm.ID() != 4 || !slices.Equal(h.rm.Peers(), []core.NodeID{1, 2, 3}) || !slices.Equal(c.Remotes(), []core.NodeID{4}) {
		t.Fatalf("remote %s, peers %v, remotes %v", h.rm.ID(), h.rm.Peers(), c.Remotes())
	}
	mustSet(t, c, "b", "2")
	waitFor(t, 10*time.Second, "the member applies b", func() bool {
		v := h.view()
		return slices.Contains(v.KV.Pairs, kvPair("a", "1")) && slices.Contains(v.KV.Pairs, kvPair("b", "2"))
	})
	// The view shows n4, and every native node counts it a voter.
	l := waitLeader(t, c)
	v := view(c)
	if len(v.Nodes) != 4 || v.Nodes[3].ID != 4 || !v.Nodes[3].Up || v.Nodes[3].Leader != l.ID || v.Nodes[3].LastIndex == 0 {
		t.Fatalf("nodes %+v", v.Nodes)
	}
	for _, n := range v.Nodes[:3] {
		if !slices.Equal(n.Voters, []core.NodeID{1, 2, 3, 4}) {
			t.Fatalf("%s's voters %v", n.ID, n.Voters)
		}
	}

	// Deliver refuses what a member may not send.
	for _, m := range []*pb.Message{
		{Type: pb.MsgHeartbeatResp.Enum(), From: proto.Uint64(2), To: proto.Uint64(1)},
		{Type: pb.MsgHeartbeatResp.Enum(), From: proto.Uint64(4), To: proto.Uint64(9)},
		{Type: pb.MsgHup.Enum(), From: proto.Uint64(4), To: proto.Uint64(1)},
		{Type: pb.MsgProp.Enum(), From: proto.Uint64(4), To: proto.Uint64(1)},
	} {
		if err := h.rm.Deliver(m); !errors.Is(err, ErrBadRemoteMessage) {
			t.Errorf("Deliver(%v) = %v", m, err)
		}
	}

	// Isolating the leader cuts its links to the member too.
	mustApply(t, c, wire.Command{Kind: wire.CmdIsolate, Node: l.ID})
	if !c.current().net.isCut(l.ID, 4) || !c.current().net.isCut(4, l.ID) {
		t.Fatal("isolate left the link to n4")
	}
	if cuts := view(c).Cuts; !slices.Contains(cuts, wire.Link{From: l.ID, To: 4}) || !slices.Contains(cuts, wire.Link{From: 4, To: l.ID}) {
		t.Fatalf("the view's cuts %v leave out n4's links", cuts)
	}
	mustApply(t, c, wire.Command{Kind: wire.CmdHeal})

	// Removal: a ConfChange RemoveNode, then its traffic stops.
	h.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.rm.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.rm.Deliver(&pb.Message{Type: pb.MsgHeartbeatResp.Enum(), From: proto.Uint64(4), To: proto.Uint64(1)}); !errors.Is(err, ErrRemoteGone) {
		t.Fatalf("Deliver after Remove: %v", err)
	}
	waitFor(t, 10*time.Second, "n4 gone from every membership", func() bool {
		v := view(c)
		for _, n := range v.Nodes[:3] {
			if !slices.Equal(n.Voters, []core.NodeID{1, 2, 3}) {
				return false
			}
		}
		// n4 is still shown, down, so that ids stay 1 to n.
		return len(c.Remotes()) == 0 && len(v.Nodes) == 4 && !v.Nodes[3].Up && v.Nodes[3].Error != ""
	})
	mustSet(t, c, "c", "3")
	f := c.Frame(0, true, 0, wire.ViewOptions{})
	for _, want := range []string{"n4 joined from the page", "n4 left"} {
		if !slices.ContainsFunc(f.Events, func(e wire.Event) bool { return strings.Contains(e.Text, want) }) {
			t.Errorf("no event %q", want)
		}
	}

	// Ids are not reused; a new cluster forgets its remotes.
	h2 := host(t, c)
	if h2.rm.ID() != 5 {
		t.Fatalf("second remote id %s", h2.rm.ID())
	}
	cfg := testConfig(3)
	if err := c.Create(cfg); err != nil {
		t.Fatal(err)
	}
	if err := h2.rm.Deliver(&pb.Message{Type: pb.MsgHeartbeatResp.Enum(), From: proto.Uint64(5), To: proto.Uint64(1)}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Deliver after Create: %v", err)
	}
	if len(c.Remotes()) != 0 {
		t.Fatalf("remotes after Create: %v", c.Remotes())
	}
}
