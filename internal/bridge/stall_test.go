package bridge

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestStalledClientDoesNotBlock(t *testing.T) {
	fe := newFake()
	// Each tick records 100 events of 4 KB: a stalled client's socket
	// buffers fill within a second or two.
	fe.set(func(f *fakeEngine) { f.perCall, f.text = 100, bigText })
	b, srv := serve(t, fe, Options{WriteTimeout: 3 * time.Second, PendingEvents: 300, PendingBytes: 1 << 30})
	stalled := dial(t, srv) // connection 1: never reads after subscribing
	stalled.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
	good := dial(t, srv) // connection 2: reads everything, as fast as it can
	good.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
	var read atomic.Int64
	go func() {
		for {
			if _, _, err := good.conn.ReadMessage(); err != nil {
				return
			}
			read.Add(1)
		}
	}()

	eventually(t, "40 pushes to the good client", func() bool { return read.Load() >= 40 })
	eventually(t, "the stalled client's drops to grow", func() bool {
		s := clientStats(b, stalled)
		return s.FramesDropped > 3 && s.EventsDropped > 0
	})
	eventually(t, "the stalled client to be disconnected", func() bool { s := clientStats(b, stalled); return s.ID != 0 && !s.Open })
	n := read.Load()
	eventually(t, "10 more pushes to the good client", func() bool { return read.Load() >= n+10 })
	if s := clientStats(b, good); !s.Open {
		t.Fatalf("the good client after the stall: %+v", s)
	}
	st := b.Stats()
	if st.Total.Connections != 2 || st.Total.FramesDropped < clientStats(b, stalled).FramesDropped {
		t.Fatalf("totals %+v", st.Total)
	}
	t.Logf("stalled: %+v", clientStats(b, stalled))
	t.Logf("good:    %+v", clientStats(b, good))
}

func TestCloseEndsEverything(t *testing.T) {
	base := runtime.NumGoroutine()
	fe := newFake()
	fe.set(func(f *fakeEngine) { f.perCall, f.text = 50, bigText })
	b := New(fe, Options{WriteTimeout: 30 * time.Second, PendingBytes: 1 << 30})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", b.ServeWS)
	srv := httptest.NewServer(mux)

	var clients []*wsClient
	for i := range 3 {
		c := dial(t, srv)
		clients = append(clients, c)
		if i < 2 {
			c.ok("subscribe", map[string]any{"interval_ms": 50}, nil)
		}
	}
	clients[1].push() // the second reads; the first stalls
	eventually(t, "the stalled client to drop frames", func() bool { return clientStats(b, clients[0]).FramesDropped > 0 })

	b.Close()
	for i, c := range clients {
		c.conn.SetReadDeadline(time.Now().Add(wait))
		var err error
		for err == nil {
			_, _, err = c.conn.ReadMessage()
		}
		if i == 2 && !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("an idle client read %v after Close; want a close frame (going away)", err)
		}
		c.conn.Close()
	}
	st := b.Stats()
	for _, c := range st.Clients {
		if c.Open {
			t.Errorf("connection %d still open after Close", c.ID)
		}
	}
	if st.Total.Connections != 3 {
		t.Errorf("totals %+v", st.Total)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL(srv), nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial after Close: %v, %v", err, resp)
	}
	b.Close() // twice is fine
	srv.Close()
	eventually(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= base })
}

func TestPingsDetectDeadPeers(t *testing.T) {
	// A peer must answer within 2 x 50 ms + 100 ms of silence.
	b, srv := serve(t, newFake(), Options{PingInterval: 50 * time.Millisecond, WriteTimeout: 100 * time.Millisecond})
	silent := dial(t, srv) // never reads, so never answers a ping
	alive := dial(t, srv)
	var pings atomic.Int64
	alive.conn.SetPingHandler(func(data string) error {
		pings.Add(1)
		return alive.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := alive.conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	eventually(t, "the silent peer to be dropped", func() bool { s := clientStats(b, silent); return s.ID != 0 && !s.Open })
	eventually(t, "10 pings answered", func() bool { return pings.Load() >= 10 })
	if !clientStats(b, alive).Open {
		t.Fatal("a peer answering pings was dropped")
	}
}
