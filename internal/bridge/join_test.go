package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// fakeMember is a Member that records what the bridge hands it.
type fakeMember struct {
	send func(*pb.Message)

	mu        sync.Mutex
	delivered []*pb.Message
	removed   bool
}

func (m *fakeMember) ID() core.NodeID       { return 7 }
func (m *fakeMember) Peers() []core.NodeID  { return []core.NodeID{1, 2, 3} }
func (m *fakeMember) Raft() core.RaftConfig { return core.DefaultRaftConfig() }

func (m *fakeMember) Deliver(msg *pb.Message) error {
	if msg.GetFrom() != 7 {
		return errors.New("not from n7")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delivered = append(m.delivered, msg)
	return nil
}

func (m *fakeMember) Remove(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removed = true
	return nil
}

func (m *fakeMember) state() (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.delivered), m.removed
}

// readBinary reads messages until a binary one, skipping text.
func readBinary(t *testing.T, c *wsClient) []byte {
	t.Helper()
	for {
		c.conn.SetReadDeadline(time.Now().Add(wait))
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if typ == websocket.BinaryMessage {
			return data
		}
	}
}

func TestJoinRefusedWithoutJoin(t *testing.T) {
	_, srv := serve(t, newFake(), Options{})
	c := dial(t, srv)
	var h Hello
	c.ok("hello", nil, &h)
	if h.Join {
		t.Fatal("hello offers join")
	}
	if a := c.call("join", map[string]any{}); a.OK || a.Kind != "impossible" {
		t.Fatalf("join: %+v", a)
	}
}

func TestJoinRelaysRaftFrames(t *testing.T) {
	fm := &fakeMember{}
	join := func(ctx context.Context, id core.NodeID, send func(*pb.Message)) (Member, error) {
		if id != 0 && id != 7 {
			return nil, fmt.Errorf("%w: %s is not free; the next id is n7", wire.ErrImpossible, id)
		}
		fm.send = send
		return fm, nil
	}
	b, srv := serve(t, newFake(), Options{Join: join, RaftFrameLimit: 1024})
	c := dial(t, srv)
	var h Hello
	c.ok("hello", nil, &h)
	if !h.Join {
		t.Fatal("hello does not offer join")
	}
	if a := c.call("join", map[string]any{"node": 3}); a.OK || a.Kind != "impossible" {
		t.Fatalf("join as a taken id: %+v", a)
	}
	if a := c.call("join", map[string]any{"node": "n7"}); a.OK || a.Kind != "bad-request" {
		t.Fatalf("join with an id that is not a number: %+v", a)
	}
	var jr JoinReply
	c.ok("join", map[string]any{}, &jr)
	if jr.Node != 7 || !slices.Equal(jr.Peers, []core.NodeID{1, 2, 3}) || jr.MaxMessageBytes != 1024 || jr.Raft.HeartbeatIntervalMS == 0 {
		t.Fatalf("join = %+v", jr)
	}
	if a := c.call("join", nil); a.OK || a.Kind != "impossible" {
		t.Fatalf("second join: %+v", a)
	}

	// For the member: one message, one binary frame.
	out := &pb.Message{Type: pb.MsgApp.Enum(), From: proto.Uint64(1), To: proto.Uint64(7), Term: proto.Uint64(3), Index: proto.Uint64(9)}
	fm.send(out)
	var got pb.Message
	if err := proto.Unmarshal(readBinary(t, c), &got); err != nil || !proto.Equal(&got, out) {
		t.Fatalf("frame %v: %v", &got, err)
	}

	// From the member: delivered, no reply.
	in := &pb.Message{Type: pb.MsgAppResp.Enum(), From: proto.Uint64(7), To: proto.Uint64(1), Term: proto.Uint64(3), Index: proto.Uint64(9)}
	data, _ := proto.Marshal(in)
	c.sendRaw(websocket.BinaryMessage, data)
	eventually(t, "the message delivered", func() bool { n, _ := fm.state(); return n == 1 })

	// Refused frames are answered (id 0) and change nothing.
	spoofed, _ := proto.Marshal(&pb.Message{Type: pb.MsgAppResp.Enum(), From: proto.Uint64(2), To: proto.Uint64(1)})
	for _, frame := range [][]byte{{0xff, 0xff}, make([]byte, 2000), spoofed} {
		c.sendRaw(websocket.BinaryMessage, frame)
		if a := c.reply(0); a.OK || a.Kind != "bad-request" {
			t.Fatalf("bad frame: %+v", a)
		}
	}
	if n, _ := fm.state(); n != 1 {
		t.Fatalf("%d messages delivered", n)
	}
	c.ok("hello", nil, nil) // the connection still serves

	// Closing the connection removes the member.
	c.conn.Close()
	eventually(t, "the member removed", func() bool { _, removed := fm.state(); return removed })
	var st ClientStats
	for _, cs := range b.Stats().Clients {
		if cs.Member == 7 {
			st = cs
		}
	}
	if st.RaftIn != 1 || st.RaftOut != 1 || st.RaftRefused != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRaftQueueDrops(t *testing.T) {
	b := newBridge(newFake(), Options{RaftQueue: 2})
	defer b.Close()
	c := newClient(b, 1, "test", nil) // no writer: nothing leaves the queue
	m := &pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(4)}
	for range 5 {
		c.sendRaft(m)
	}
	if got := c.n.raftDropped.Load(); got != 3 || len(c.raft) != 2 {
		t.Fatalf("dropped %d, queued %d", got, len(c.raft))
	}
}
