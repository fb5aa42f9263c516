package native

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Transport timeouts.
const (
	dialTimeout  = time.Second
	writeTimeout = 5 * time.Second
)

// flight is a message waiting on the sending side until its latency has
// passed: the native cluster's "message in flight".
type flight struct {
	id        uint64
	m         *pb.Message
	sentAt    int64 // ms since the cluster started
	deliverAt int64
	due       time.Time
	lost      bool // the network loses it when it is due
}

// sender carries one node's messages to one peer: it holds them for their
// latency, then drops them (lost, or the link is cut) or writes them on its
// TCP connection, dialling the peer's current address when needed. Each
// (node, peer) pair has its own sender goroutine, so a slow peer holds up
// no one else.
type sender struct {
	in *incarnation
	to core.NodeID
	// remote is set for a sender to a member hosted outside the process:
	// its messages go to the member's send function, not a TCP connection.
	remote *Remote

	mu sync.Mutex
	q  []*flight // min-heap by (due, id)

	wake chan struct{} // capacity 1: something was queued

	// Owned by the sender goroutine.
	ev   eventBuf
	conn net.Conn
	bw   *bufio.Writer
	buf  []byte
}

func newSender(in *incarnation, to core.NodeID) *sender {
	return &sender{in: in, to: to, wake: make(chan struct{}, 1), ev: eventBuf{tr: in.n.r.trace}}
}

// enqueue queues a message; the node goroutine calls it.
func (s *sender) enqueue(f *flight) {
	s.mu.Lock()
	s.push(f)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// inFlight returns the queued messages.
func (s *sender) inFlight() []*flight {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*flight, len(s.q))
	copy(out, s.q)
	return out
}

// run delivers due messages until the node stops; then it drops the rest.
func (s *sender) run() {
	defer s.in.wg.Done()
	defer s.closeConn()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var gone <-chan struct{} // nil (never ready) for a native peer
	if s.remote != nil {
		gone = s.remote.gone
	}
	var due []*flight
	for {
		now := time.Now()
		due = due[:0]
		wait := time.Duration(-1)
		s.mu.Lock()
		for len(s.q) > 0 && !s.q[0].due.After(now) {
			due = append(due, s.pop())
		}
		if len(s.q) > 0 {
			wait = s.q[0].due.Sub(now)
		}
		s.mu.Unlock()
		if len(due) > 0 {
			s.deliver(due)
			clear(due)
			continue
		}
		if wait >= 0 {
			timer.Reset(wait)
		}
		why := ""
		select {
		case <-s.in.ctx.Done():
			why = fmt.Sprintf("%s crashed", s.in.n.id)
		case <-gone:
			why = fmt.Sprintf("%s left the cluster", s.to)
		case <-s.wake:
		case <-timer.C:
		}
		if why != "" {
			timer.Stop()
			s.mu.Lock()
			rest := s.q
			s.q = nil
			s.mu.Unlock()
			for _, f := range rest {
				s.drop(f, why, false)
			}
			s.ev.flush()
			return
		}
		timer.Stop()
	}
}

// deliver drops or writes a batch of due messages, then flushes them.
func (s *sender) deliver(batch []*flight) {
	net := &s.in.n.r.net
	from := s.in.n.id
	var written []*flight
	var failure error
	for _, f := range batch {
		switch {
		case f.lost:
			s.drop(f, "lost by the network", false)
		case net.isCut(from, s.to):
			s.drop(f, fmt.Sprintf("the link %s→%s is cut", from, s.to), true)
		case failure != nil:
			s.drop(f, failure.Error(), true)
		default:
			if err := s.write(f.m); err != nil {
				failure = err
				s.drop(f, err.Error(), true)
				continue
			}
			written = append(written, f)
		}
	}
	// The deliver events go first: the peer may act on a message as soon as
	// it is flushed, and its events should follow the delivery. They are
	// recorded while the peer is known to be up: a write can succeed into
	// the socket of a peer that just crashed (its close not yet seen), and
	// that message is lost, not delivered; and a peer's restart is recorded
	// before it is up, so no delivery to it comes before its restart.
	// (A member outside this process has no such state here: its own
	// events come from it.)
	var peer *node
	if peer = s.in.n.r.node(s.to); peer != nil {
		peer.mu.Lock()
		if peer.inc == nil {
			peer.mu.Unlock()
			for _, f := range written {
				s.drop(f, fmt.Sprintf("%s is down", s.to), true)
			}
			s.ev.flush()
			return
		}
	}
	for _, f := range written {
		m := f.m
		s.ev.addMessage(wire.Event{Kind: wire.EvDeliver, Node: s.to, Peer: from, Term: core.Term(m.GetTerm()), Msg: f.id,
			Type: wire.MessageTypeName(m.GetType())}, m)
	}
	s.ev.flush()
	if peer != nil {
		peer.mu.Unlock()
	}
	if s.bw != nil && s.bw.Buffered() > 0 {
		if err := s.bw.Flush(); err != nil {
			s.closeConn()
			for _, f := range written {
				s.drop(f, fmt.Sprintf("sending to %s failed after all: %v", s.to, err), true)
			}
			s.ev.flush()
			return
		}
	}
	for _, f := range written {
		if f.m.GetType() == pb.MsgSnap {
			s.in.report(report{to: s.to, snapshot: true, ok: true})
		}
	}
}

// write puts one message's frame in the connection's buffer, dialling first
// if there is no connection. An error means the message was not sent.
func (s *sender) write(m *pb.Message) error {
	if s.remote != nil {
		if s.remote.left() {
			return fmt.Errorf("%s left the cluster", s.to)
		}
		s.remote.send(m)
		return nil
	}
	if s.conn == nil {
		if err := s.dial(); err != nil {
			return err
		}
	}
	// A peer that stops reading must not hold this sender for ever.
	if err := s.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		s.closeConn()
		return fmt.Errorf("sending to %s failed: %v", s.to, err)
	}
	var err error
	s.buf, err = appendFrame(s.buf[:0], m)
	if err != nil {
		return err
	}
	if _, err := s.bw.Write(s.buf); err != nil {
		s.closeConn()
		return fmt.Errorf("sending to %s failed: %v", s.to, err)
	}
	if cap(s.buf) > 1<<20 {
		s.buf = nil // do not keep a snapshot-sized buffer
	}
	return nil
}

// dial connects to the peer's current address.
func (s *sender) dial() error {
	addr := s.in.n.r.node(s.to).address()
	if addr == "" {
		return fmt.Errorf("%s is down", s.to)
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(s.in.ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %v", s.to, err)
	}
	if !s.in.conns.add(conn) {
		return fmt.Errorf("%s is stopping", s.in.n.id)
	}
	s.conn = conn
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(conn, 64<<10)
	} else {
		s.bw.Reset(conn)
	}
	return nil
}

// closeConn closes the connection, if any; the next message dials again.
func (s *sender) closeConn() {
	if s.conn != nil {
		s.in.conns.remove(s.conn)
		s.conn = nil
	}
}

// drop records a lost message. With unreachable set (the link is cut, the
// peer is down or the connection failed) the node is told, as etcd's
// transport does, so a leader goes back to probing the peer; a lost snapshot
// is reported as failed either way.
func (s *sender) drop(f *flight, why string, unreachable bool) {
	m := f.m
	from := s.in.n.id
	s.ev.add(wire.Event{Kind: wire.EvDrop, Node: from, Peer: s.to, Msg: f.id, Type: wire.MessageTypeName(m.GetType()),
		Text: fmt.Sprintf("dropped %s %s→%s: %s", m.GetType(), from, s.to, why)})
	if unreachable {
		s.in.report(report{to: s.to})
	}
	if m.GetType() == pb.MsgSnap {
		s.in.report(report{to: s.to, snapshot: true, ok: false})
	}
}

// push and pop keep q a binary min-heap by (due, id); s.mu is held.
func (s *sender) push(f *flight) {
	s.q = append(s.q, f)
	i := len(s.q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !before(s.q[i], s.q[p]) {
			break
		}
		s.q[i], s.q[p] = s.q[p], s.q[i]
		i = p
	}
}

func (s *sender) pop() *flight {
	top := s.q[0]
	last := len(s.q) - 1
	s.q[0] = s.q[last]
	s.q[last] = nil
	s.q = s.q[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && before(s.q[l], s.q[m]) {
			m = l
		}
		if r < last && before(s.q[r], s.q[m]) {
			m = r
		}
		if m == i {
			return top
		}
		s.q[i], s.q[m] = s.q[m], s.q[i]
		i = m
	}
}

func before(a, b *flight) bool {
	if !a.due.Equal(b.due) {
		return a.due.Before(b.due)
	}
	return a.id < b.id
}
