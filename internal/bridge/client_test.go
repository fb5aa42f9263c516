package bridge

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// leavingMember is a fakeMember whose removal closes removed.
type leavingMember struct {
	fakeMember
	once    sync.Once
	removed chan struct{}
}

func (m *leavingMember) Remove(ctx context.Context) error {
	m.once.Do(func() { close(m.removed) })
	return m.fakeMember.Remove(ctx)
}

// joinable serves a bridge whose join hosts one leavingMember, n7.
func joinable(t *testing.T) (*leavingMember, string) {
	t.Helper()
	lm := &leavingMember{removed: make(chan struct{})}
	joined := make(chan struct{})
	join := func(ctx context.Context, id core.NodeID, send func(*pb.Message)) (Member, error) {
		if id != 0 && id != 7 {
			return nil, errors.New("the next id is n7")
		}
		lm.send = send
		// A Raft message before the join's reply: Join must hand it back.
		send(&pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(7), Term: proto.Uint64(1)})
		close(joined)
		return lm, nil
	}
	_, srv := serve(t, newFake(), Options{Join: join})
	return lm, wsURL(srv)
}

// within fails the test unless ch is closed within the test wait.
func within(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("%s did not happen within %v", what, wait)
	}
}

// TestMemberClientJoinsAndRelays: the client joins, gets the Raft message
// sent during the join, and carries messages both ways.
func TestMemberClientJoinsAndRelays(t *testing.T) {
	lm, url := joinable(t)
	c, err := DialMember(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.Join(t.Context(), 3); err == nil {
		t.Fatal("join as n3 accepted")
	} else if je := (*JoinError)(nil); !errors.As(err, &je) || je.Message == "" {
		t.Fatalf("join as n3: %v, want a *JoinError", err)
	}
	jr, early, err := c.Join(t.Context(), 7)
	if err != nil || jr.Node != 7 {
		t.Fatalf("join = %+v, %v", jr, err)
	}
	// The bridge writes replies and Raft messages from two queues, so the
	// heartbeat sent during the join comes before the reply (Join hands it
	// back) or after it (the first binary frame): either way it arrives once.
	var got pb.Message
	switch {
	case len(early) > 1:
		t.Fatalf("early = %q, want at most the heartbeat", early)
	case len(early) == 1:
		if proto.Unmarshal(early[0], &got) != nil || got.GetType() != pb.MsgHeartbeat {
			t.Fatalf("early = %q, want the heartbeat", early)
		}
	default:
		for f := range c.Frames() {
			if f.Binary {
				if proto.Unmarshal(f.Data, &got) != nil || got.GetType() != pb.MsgHeartbeat {
					t.Fatalf("first frame after the join %v, want the heartbeat", &got)
				}
				break
			}
		}
	}
	out := &pb.Message{Type: pb.MsgApp.Enum(), From: proto.Uint64(1), To: proto.Uint64(7), Term: proto.Uint64(3), Index: proto.Uint64(9)}
	lm.send(out)
	for f := range c.Frames() {
		if f.Binary {
			if err := proto.Unmarshal(f.Data, &got); err != nil || !proto.Equal(&got, out) {
				t.Fatalf("frame %v: %v", &got, err)
			}
			break
		}
	}
	in, _ := proto.Marshal(&pb.Message{Type: pb.MsgAppResp.Enum(), From: proto.Uint64(7), To: proto.Uint64(1), Term: proto.Uint64(3), Index: proto.Uint64(9)})
	if err := c.SendRaft(in); err != nil {
		t.Fatal(err)
	}
	if err := c.Report(wire.NodeView{ID: 7}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the message delivered", func() bool { n, _ := lm.state(); return n == 1 })
}

// TestMemberClientReaderExitsWhenNobodyReads: the owner stops reading
// Frames while the bridge keeps sending; closing the client still ends its
// reader goroutine (it used to block for ever on a full channel).
func TestMemberClientReaderExitsWhenNobodyReads(t *testing.T) {
	lm, url := joinable(t)
	c, err := dialMember(t.Context(), url, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Join(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		lm.send(&pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(7), Term: proto.Uint64(uint64(i + 2))})
	}
	// Wait until the reader has filled the channel: it then reads the next
	// frame and waits to hand it over.
	deadline := time.Now().Add(wait)
	for len(c.frames) < cap(c.frames) {
		if time.Now().After(deadline) {
			t.Fatal("the reader never filled its channel")
		}
		runtime.Gosched()
	}
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	within(t, c.Done(), "the reader's exit after Close")
	within(t, closed, "Close's return")
	within(t, lm.removed, "the member's removal")
}

// TestMemberClientEndsWithItsContext: ending the dial context closes the
// connection (the bridge removes the member) and ends the reader, with no
// Close and nobody reading.
func TestMemberClientEndsWithItsContext(t *testing.T) {
	lm, url := joinable(t)
	ctx, cancel := context.WithCancel(t.Context())
	c, err := dialMember(ctx, url, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Join(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		lm.send(&pb.Message{Type: pb.MsgHeartbeat.Enum(), From: proto.Uint64(1), To: proto.Uint64(7)})
	}
	cancel()
	within(t, c.Done(), "the reader's exit when the context ended")
	within(t, lm.removed, "the member's removal")
	if err := c.SendRaft([]byte{1}); err == nil {
		t.Error("SendRaft after the context ended succeeded")
	}
	c.Close() // still fine
}

// TestMemberClientDialRefused: a refused handshake is a *DialError with
// the HTTP status and body.
func TestMemberClientDialRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "  needs its token\n", http.StatusUnauthorized)
	}))
	defer srv.Close()
	_, err := DialMember(t.Context(), wsURL(srv), "wrong-token-wrong-token")
	var de *DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized || de.Body != "needs its token" {
		t.Fatalf("dial with a wrong token: %v, want a *DialError with 401", err)
	}
}
