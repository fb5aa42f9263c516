package native

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MaxFrameBytes is the largest frame a node reads or writes: a frame is a
// 4-byte big-endian length followed by that many bytes of a raftpb.Message
// in protobuf binary (proto.Marshal). A peer announcing a larger frame is
// disconnected.
const MaxFrameBytes = 64 << 20

// appendFrame appends m's frame to buf.
func appendFrame(buf []byte, m *pb.Message) ([]byte, error) {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf, err := proto.MarshalOptions{}.MarshalAppend(buf, m)
	if err != nil {
		return buf[:start], fmt.Errorf("native: encode %s: %w", m.GetType(), err)
	}
	n := len(buf) - start - 4
	if n > MaxFrameBytes {
		return buf[:start], fmt.Errorf("%w: %s of %d bytes exceeds %d", ErrFrameTooLarge, m.GetType(), n, MaxFrameBytes)
	}
	binary.BigEndian.PutUint32(buf[start:], uint32(n))
	return buf, nil
}

// readFrame reads one frame from r into a new message, using buf as scratch
// space (returned, possibly grown). proto.Unmarshal copies what it keeps, so
// buf may be reused for the next frame.
func readFrame(r *bufio.Reader, buf []byte) (*pb.Message, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, buf, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrameBytes {
		return nil, buf, fmt.Errorf("%w: a peer announced %d bytes; the limit is %d", ErrFrameTooLarge, n, MaxFrameBytes)
	}
	if uint32(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, buf, err
	}
	m := new(pb.Message)
	if err := proto.Unmarshal(buf, m); err != nil {
		return nil, buf, fmt.Errorf("native: decode frame: %w", err)
	}
	return m, buf, nil
}

// connSet tracks a node incarnation's open connections, inbound and
// outbound, so that a crash closes every one of them.
type connSet struct {
	mu     sync.Mutex
	closed bool
	set    map[net.Conn]struct{}
}

// add registers conn; it returns false, closing conn, once the set is closed.
func (s *connSet) add(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return false
	}
	if s.set == nil {
		s.set = make(map[net.Conn]struct{})
	}
	s.set[conn] = struct{}{}
	return true
}

// remove forgets conn and closes it.
func (s *connSet) remove(conn net.Conn) {
	s.mu.Lock()
	delete(s.set, conn)
	s.mu.Unlock()
	conn.Close()
}

// closeAll closes every connection and refuses new ones.
func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.set {
		c.Close()
	}
	s.set = nil
}

// accept takes the connections of peers until the listener is closed.
func (in *incarnation) accept() {
	defer in.wg.Done()
	for {
		conn, err := in.ln.Accept()
		if err != nil {
			if in.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient failure (e.g. out of file descriptors): the
			// listener is still open, so try again a little later.
			t := time.NewTimer(10 * time.Millisecond)
			select {
			case <-t.C:
			case <-in.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		if !in.conns.add(conn) {
			return
		}
		in.wg.Add(1)
		go in.readFrom(conn)
	}
}

// readFrom reads frames from one peer connection and hands the messages to
// the node's loop, until the connection fails or the node stops.
func (in *incarnation) readFrom(conn net.Conn) {
	defer in.wg.Done()
	defer in.conns.remove(conn)
	r := bufio.NewReaderSize(conn, 64<<10)
	var buf []byte
	for {
		m, b, err := readFrame(r, buf)
		buf = b
		if err != nil {
			return
		}
		select {
		case in.recvc <- m:
		case <-in.ctx.Done():
			return
		}
	}
}
