package bridge

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seshat-raft/seshat/wire"
)

// client is one websocket connection. Its reader (the ServeWS goroutine)
// reads and answers requests one at a time; its writer writes replies and
// pushed frames, each with a write deadline.
type client struct {
	id     uint64
	remote string
	b      *Bridge
	conn   *websocket.Conn // nil in tests that call handle directly

	replies chan outgoing // replies for the writer
	raft    chan []byte   // raft messages for the page's member, for the writer
	wake    chan struct{} // the pending slot was offered
	done    chan struct{} // closed when the connection ends
	once    sync.Once

	// What a Frame shows for the calls that cannot say (create, command):
	// the last log_window, kv_from, kv_limit, events and max_events of a
	// frame call. Only the reader uses them.
	view      wire.ViewOptions
	notable   bool
	maxEvents int

	mu         sync.Mutex
	subscribed bool
	slot       pending
	// replaced is the bytes of pushed frames replaced in the slot since
	// the writer last finished writing one, inflight the bytes of the push
	// it is writing; dropping says the client is being dropped for them
	// (Options.PendingBytes).
	replaced, inflight int
	dropping           bool
	// seen is the newest event seq written to the client in the cluster of
	// generation seenGen, so a command's frame carries only newer events.
	seen, seenGen uint64

	// member is the Raft member the page hosts, after join; only the reader
	// uses it. memberID is its id for Stats.
	member   Member
	memberID atomic.Uint64

	n counters
}

func newClient(b *Bridge, id uint64, remote string, conn *websocket.Conn) *client {
	return &client{
		id: id, remote: remote, b: b, conn: conn,
		replies: make(chan outgoing, 8),
		raft:    make(chan []byte, b.opt.RaftQueue),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

// stats returns c's counters.
func (c *client) stats() ClientStats {
	c.mu.Lock()
	sub := c.subscribed
	c.mu.Unlock()
	return ClientStats{
		ID: c.id, Remote: c.remote, Open: true, Subscribed: sub,
		Replies:       c.n.replies.Load(),
		FramesSent:    c.n.framesSent.Load(),
		BytesSent:     c.n.bytesSent.Load(),
		FramesDropped: c.n.framesDropped.Load(),
		EventsDropped: c.n.eventsDropped.Load(),
		Member:        c.memberID.Load(),
		RaftIn:        c.n.raftIn.Load(),
		RaftOut:       c.n.raftOut.Load(),
		RaftDropped:   c.n.raftDropped.Load(),
		RaftRefused:   c.n.raftRefused.Load(),
	}
}

// noteSeen records that events up to seq of cluster gen were written to the
// client. Only the writer calls it.
func (c *client) noteSeen(gen, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.seenGen {
		c.seenGen, c.seen = gen, seq
	} else if seq > c.seen {
		c.seen = seq
	}
}

// seenIn returns the newest event seq the client has of cluster gen.
func (c *client) seenIn(gen uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.seenGen {
		return 0
	}
	return c.seen
}

// shutdown ends the connection: it stops pushes, closes the socket (which
// ends the reader) and tells the writer to stop. It may be called more
// than once, from any goroutine.
func (c *client) shutdown() {
	c.once.Do(func() {
		close(c.done)
		c.b.hub.unsubscribe(c)
		if c.conn != nil {
			c.conn.Close()
		}
		c.b.forget(c)
	})
}

// goodbyeTimeout bounds the close frame sent when the bridge closes; a
// stalled peer does not get it.
const goodbyeTimeout = 100 * time.Millisecond

// drop ends a subscriber that does not read: it sends a close frame with
// code 1008 (policy violation) and the reason, if the connection has room
// for it within goodbyeTimeout, and shuts the connection down.
func (c *client) drop(reason string) {
	c.b.log.Printf("bridge: client %d (%s) dropped: %s", c.id, c.remote, reason)
	c.b.nDropped.Add(1)
	if c.conn != nil {
		msg := websocket.FormatCloseMessage(websocket.ClosePolicyViolation, reason)
		_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(goodbyeTimeout))
	}
	c.shutdown()
}

// goodbye tells the peer the server is going away.
func (c *client) goodbye() {
	if c.conn == nil {
		return
	}
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "the server is stopping")
	_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(goodbyeTimeout))
}

// ServeWS upgrades the request to a websocket and serves it until the peer
// leaves, stalls past the write timeout, or the bridge closes. A request
// whose Origin is not exactly the server's own (scheme, host and port) is
// refused with 403; one beyond Options.MaxConns open connections, or after
// Close, with 503.
func (b *Bridge) ServeWS(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		b.log.Printf("bridge: refused a websocket from origin %q (host %q)", r.Header.Get("Origin"), r.Host)
		http.Error(w, fmt.Sprintf("bridge: cross-origin websocket requests are refused: origin %q is not %s://%s", r.Header.Get("Origin"), requestScheme(r), r.Host), http.StatusForbidden)
		return
	}
	b.mu.Lock()
	closed, open := b.closed, len(b.clients)+b.upgrading
	if !closed && open < b.opt.MaxConns {
		b.upgrading++
	}
	b.mu.Unlock()
	switch {
	case closed:
		http.Error(w, "bridge: closed", http.StatusServiceUnavailable)
		return
	case open >= b.opt.MaxConns:
		b.log.Printf("bridge: refused a websocket from %s: %d connections are open", r.RemoteAddr, open)
		http.Error(w, fmt.Sprintf("bridge: %d websocket connections are open, the most this server accepts: close a page or a -join process, or raise -max-conns", b.opt.MaxConns), http.StatusServiceUnavailable)
		return
	}
	conn, err := b.upgrader.Upgrade(w, r, nil)
	b.mu.Lock()
	b.upgrading--
	b.mu.Unlock()
	if err != nil {
		return // the upgrader has answered
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		conn.Close()
		return
	}
	b.nextID++
	c := newClient(b, b.nextID, r.RemoteAddr, conn)
	b.clients[c.id] = c
	b.wg.Add(2)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		c.writeLoop()
	}()
	defer b.wg.Done()
	c.readLoop()
	c.leave()
}

// readTimeout is how long a peer may show no sign of life.
func (c *client) readTimeout() time.Duration {
	return 2*c.b.opt.PingInterval + c.b.opt.WriteTimeout
}

// readLoop reads and answers requests until the connection ends.
func (c *client) readLoop() {
	defer c.shutdown()
	conn := c.conn
	alive := func() { conn.SetReadDeadline(time.Now().Add(c.readTimeout())) }
	alive()
	conn.SetPongHandler(func(string) error { alive(); return nil })
	limit := c.b.opt.ClientFrameLimit
	for {
		typ, r, err := conn.NextReader()
		if err != nil {
			return
		}
		alive()
		var out outgoing
		switch typ {
		case websocket.TextMessage:
			data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
			if err != nil {
				return
			}
			if len(data) > limit {
				if _, err := io.Copy(io.Discard, r); err != nil {
					return
				}
				out.data = encodeReply(0, badRequest("a message of more than %d bytes was skipped", limit))
			} else {
				out = c.handle(data)
			}
		default:
			o, err := c.readRaft(r)
			if err != nil {
				return
			}
			if o == nil {
				continue // a raft message, delivered: no reply
			}
			out = *o
		}
		alive()
		select {
		case c.replies <- out:
		case <-c.done:
			return
		}
	}
}

// pushPrefix starts a pushed frame's JSON.
var pushPrefix = []byte(`{"push":"frame","frame":`)

// writeLoop writes replies, pushed frames and pings until the connection
// ends. A write that does not finish within the write timeout ends it.
func (c *client) writeLoop() {
	defer c.shutdown()
	ping := time.NewTicker(c.b.opt.PingInterval)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-c.done:
			return
		case o := <-c.replies:
			if err = c.write(o.encode(c)); err == nil {
				c.n.replies.Add(1)
			}
		case <-c.wake:
			p, ok := c.take()
			if !ok {
				continue
			}
			err = c.writePush(p)
		case data := <-c.raft:
			err = c.writeRaft(data)
		case <-ping.C:
			err = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.b.opt.WriteTimeout))
		}
		if err != nil {
			if errors.Is(err, websocket.ErrCloseSent) || errors.Is(err, io.ErrClosedPipe) {
				return
			}
			c.b.log.Printf("bridge: client %d (%s) disconnected: %v", c.id, c.remote, err)
			return
		}
	}
}

// write writes one text message with the write deadline.
func (c *client) write(parts ...[]byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.b.opt.WriteTimeout))
	w, err := c.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	n := 0
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			w.Close()
			return err
		}
		n += len(p)
	}
	if err := w.Close(); err != nil {
		return err
	}
	c.n.bytesSent.Add(uint64(n))
	return nil
}

// writePush writes a pushed frame: the shared frame's JSON when nothing
// was carried into it, else the frame with the carried events, less those
// the client was already sent in a reply. A frame of
// a cluster that create has replaced since is not written: the create
// reply, and later pushes, show the new one.
func (c *client) writePush(p pending) error {
	if p.frame.gen != c.b.gen.Load() {
		return nil // built from a cluster replaced since
	}
	// Leave out events a reply (frame, command, create) has already sent.
	if ev, seen := p.carried(), c.seenIn(p.frame.gen); len(ev) > 0 && ev[0].Seq <= seen {
		p.events, p.merged = unseen(ev, seen), true
	}
	frame, err := p.frameJSON()
	if err != nil {
		c.b.log.Printf("bridge: cannot encode a pushed frame (a bug): %v", err)
		return nil
	}
	tail := fmt.Appendf(nil, `,"dropped":{"frames":%d,"events":%d}}`, c.n.framesDropped.Load(), c.n.eventsDropped.Load())
	c.mu.Lock()
	c.inflight = len(frame)
	c.mu.Unlock()
	err = c.write(pushPrefix, frame, tail)
	c.mu.Lock()
	c.inflight = 0
	if err == nil {
		c.replaced = 0
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.n.framesSent.Add(1)
	c.noteSeen(p.frame.gen, p.frame.frame.View.Events)
	return nil
}
