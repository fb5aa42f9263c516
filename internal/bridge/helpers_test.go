package bridge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seshat-raft/seshat/wire"
)

// wait is how long a test waits for something that should happen at once.
const wait = 10 * time.Second

// serve starts a bridge for e behind an httptest server, with /ws and /api/.
func serve(t *testing.T, e Engine, opts Options) (*Bridge, *httptest.Server) {
	t.Helper()
	b := New(e, opts)
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", b.ServeWS)
	mux.Handle("/api/", b.API())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		b.Close()
		srv.Close()
	})
	return b, srv
}

// wsURL is the websocket address of srv.
func wsURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// wireAnswer is a reply envelope as the page reads it.
type wireAnswer struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Kind   string          `json:"kind"`
}

// fromBridge is any message from the bridge.
type fromBridge struct {
	ID      uint64      `json:"id"`
	Reply   *wireAnswer `json:"reply"`
	Push    string      `json:"push"`
	Frame   *wire.Frame `json:"frame"`
	Dropped *struct {
		Frames uint64 `json:"frames"`
		Events uint64 `json:"events"`
	} `json:"dropped"`
}

// wsClient is a test page.
type wsClient struct {
	t      *testing.T
	conn   *websocket.Conn
	nextID uint64
	pushes []fromBridge // pushes read while waiting for replies
}

func dial(t *testing.T, srv *httptest.Server) *wsClient {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	return &wsClient{t: t, conn: conn}
}

// sendRaw sends one message of the given type.
func (c *wsClient) sendRaw(typ int, data []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(wait))
	if err := c.conn.WriteMessage(typ, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read reads the next message.
func (c *wsClient) read() fromBridge {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(wait))
	typ, data, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		c.t.Fatalf("read a message of type %d", typ)
	}
	var m fromBridge
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		c.t.Fatalf("cannot decode %s: %v", data, err)
	}
	return m
}

// reply reads until the reply to id, keeping pushes.
func (c *wsClient) reply(id uint64) wireAnswer {
	c.t.Helper()
	for {
		m := c.read()
		if m.Push != "" {
			c.pushes = append(c.pushes, m)
			continue
		}
		if m.Reply == nil {
			c.t.Fatalf("a message that is neither a reply nor a push: %+v", m)
		}
		if m.ID != id {
			c.t.Fatalf("reply to %d while waiting for %d: %+v", m.ID, id, *m.Reply)
		}
		return *m.Reply
	}
}

// push reads until the next push (or takes one kept).
func (c *wsClient) push() fromBridge {
	c.t.Helper()
	if len(c.pushes) > 0 {
		m := c.pushes[0]
		c.pushes = c.pushes[1:]
		return m
	}
	m := c.read()
	if m.Push != "frame" || m.Frame == nil || m.Dropped == nil {
		c.t.Fatalf("want a pushed frame, got %+v", m)
	}
	return m
}

// call sends a request and returns its reply.
func (c *wsClient) call(op string, args any) wireAnswer {
	c.t.Helper()
	c.nextID++
	msg := map[string]any{"id": c.nextID, "op": op}
	if args != nil {
		msg["args"] = args
	}
	data, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.TextMessage, data)
	return c.reply(c.nextID)
}

// ok calls and fails the test unless the answer is ok; it decodes the
// result into res if res is not nil.
func (c *wsClient) ok(op string, args, res any) {
	c.t.Helper()
	a := c.call(op, args)
	if !a.OK {
		c.t.Fatalf("%s %v: %s (%s)", op, args, a.Error, a.Kind)
	}
	if res != nil {
		if err := json.Unmarshal(a.Result, res); err != nil {
			c.t.Fatalf("%s: result %s: %v", op, a.Result, err)
		}
	}
}

// eventually polls cond until it holds or the wait runs out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clientStats returns the counters of the bridge's side of c's connection
// (ID 0 while the bridge has not registered it).
func clientStats(b *Bridge, c *wsClient) ClientStats {
	// By address, not by id: the bridge numbers connections as it
	// registers them, which for two dials in a row need not be their order.
	local := c.conn.LocalAddr().String()
	for _, s := range b.Stats().Clients {
		if s.Remote == local {
			return s
		}
	}
	return ClientStats{}
}
