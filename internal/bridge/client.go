package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// How a MemberClient talks to the bridge it joined.
const (
	// memberWriteTimeout bounds each write to the bridge.
	memberWriteTimeout = 10 * time.Second
	// memberQueue is how many frames the reader holds for the owner.
	memberQueue = 256
	// memberDialTimeout bounds the websocket handshake.
	memberDialTimeout = 30 * time.Second
)

// joinRequestID is the request id of the join a MemberClient sends.
const joinRequestID = 1

// MemberClient is the other end of a bridge connection that hosts a member
// (the join operation) from outside a page, e.g. `devserver -join`: it dials
// the bridge's websocket, joins, then carries the member's Raft messages as
// binary frames and its reports as report requests. It uses the bridge's
// own request and reply envelopes.
//
// One goroutine reads the connection and hands its frames to Frames. The
// owner must end the client with Close, or by ending the context it was
// dialled with: either closes the connection, and the reader always exits,
// whether or not anyone still reads Frames.
type MemberClient struct {
	conn   *websocket.Conn
	target string
	frames chan MemberFrame
	stop   chan struct{} // closed by Close: the reader stops handing frames
	done   chan struct{} // closed when the reader has exited
	err    error         // why reading stopped; read after done

	mu     sync.Mutex // serialises writes
	nextID uint64

	closeOnce sync.Once
	unwatch   func() bool // stops closing the client when the dial context ends
}

// MemberFrame is one websocket message the bridge sent: a Raft message
// for the member (Binary) or a reply or push (text, JSON).
type MemberFrame struct {
	Binary bool
	Data   []byte
}

// DialError is the bridge's refusal of the websocket handshake: an HTTP
// answer other than 101 Switching Protocols.
type DialError struct {
	// URL is the websocket address dialled.
	URL string
	// StatusCode and Status are the HTTP answer's, e.g. 401 and
	// "401 Unauthorized" (a missing or wrong token), 404 (no websocket
	// there: a dev server with no native nodes).
	StatusCode int
	Status     string
	// Body is the start of the answer's body (at most 1 KiB), trimmed.
	Body string
}

// Error says what the bridge answered.
func (e *DialError) Error() string {
	return fmt.Sprintf("joining %s: %s: %s", e.URL, e.Status, e.Body)
}

// DialMember opens a connection to the bridge's websocket at target
// (ws://host:port/ws or wss://...), presenting token, if any, as
// "Authorization: Bearer TOKEN". A refused handshake is a *DialError.
// The dial waits at most 30 s, or until ctx ends; the client then lives
// until Close or until ctx ends, whichever comes first.
func DialMember(ctx context.Context, target, token string) (*MemberClient, error) {
	return dialMember(ctx, target, token, memberQueue)
}

func dialMember(ctx context.Context, target, token string, queue int) (*MemberClient, error) {
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	d := *websocket.DefaultDialer
	d.HandshakeTimeout = memberDialTimeout
	conn, resp, err := d.DialContext(ctx, target, header)
	if err != nil {
		if resp == nil {
			return nil, fmt.Errorf("joining %s: %w", target, err)
		}
		said, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, &DialError{URL: target, StatusCode: resp.StatusCode, Status: resp.Status, Body: string(bytes.TrimSpace(said))}
	}
	c := &MemberClient{
		conn:   conn,
		target: target,
		frames: make(chan MemberFrame, queue),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		nextID: joinRequestID,
	}
	go c.read()
	c.unwatch = context.AfterFunc(ctx, func() { c.shut() })
	return c, nil
}

// read hands every frame to Frames until the connection fails or the
// client is closed; it never blocks once the client is closed.
func (c *MemberClient) read() {
	defer close(c.done)
	defer close(c.frames)
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		select {
		case c.frames <- MemberFrame{Binary: typ == websocket.BinaryMessage, Data: data}:
		case <-c.stop:
			c.err = errMemberClosed
			return
		}
	}
}

// errMemberClosed is why reading stopped when the owner closed the client.
var errMemberClosed = errors.New("the member client was closed")

// Target is the websocket address the client dialled.
func (c *MemberClient) Target() string { return c.target }

// Frames delivers what the bridge sends, in order. It is closed when the
// connection ends or the client is closed; Err then says why.
func (c *MemberClient) Frames() <-chan MemberFrame { return c.frames }

// Err is why Frames was closed, once it is.
func (c *MemberClient) Err() error {
	<-c.done
	return c.err
}

// Done is closed once the reader goroutine has exited.
func (c *MemberClient) Done() <-chan struct{} { return c.done }

// Join sends the join operation, asking for id (0: the next free one), and
// waits for its answer. Raft messages the bridge sends before the answer
// are returned in early, in order, for the member to step first. A refusal
// is a *JoinError.
func (c *MemberClient) Join(ctx context.Context, id core.NodeID) (jr JoinReply, early [][]byte, err error) {
	if err := c.request("join", joinRequestID, joinArgs{Node: id}); err != nil {
		return jr, nil, fmt.Errorf("joining %s: %w", c.target, err)
	}
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return jr, nil, fmt.Errorf("%s closed the connection before the join answered: %v", c.target, c.Err())
			}
			if f.Binary {
				early = append(early, f.Data)
				continue
			}
			var r reply
			var res json.RawMessage
			r.Reply.Result = &res
			if json.Unmarshal(f.Data, &r) != nil || r.ID != joinRequestID {
				continue // a push, or a reply to something else
			}
			if !r.Reply.OK {
				return jr, nil, &JoinError{URL: c.target, Kind: r.Reply.Kind, Message: r.Reply.Error}
			}
			if err := json.Unmarshal(res, &jr); err != nil || jr.Node == 0 {
				return JoinReply{}, nil, fmt.Errorf("%s answered the join with %s", c.target, res)
			}
			return jr, early, nil
		case <-ctx.Done():
			return jr, nil, ctx.Err()
		}
	}
}

// JoinError is the bridge's refusal of a join.
type JoinError struct {
	// URL is the websocket address dialled.
	URL string
	// Kind is the reply's error kind.
	Kind wire.ErrorKind
	// Message is the reply's error text.
	Message string
}

// Error says who refused and why.
func (e *JoinError) Error() string {
	return fmt.Sprintf("%s refused the join (%s): %s", e.URL, e.Kind, e.Message)
}

// SendRaft sends one Raft message (marshalled raftpb.Message) from the
// member.
func (c *MemberClient) SendRaft(data []byte) error {
	if err := c.write(websocket.BinaryMessage, data); err != nil {
		return fmt.Errorf("sending to %s: %w", c.target, err)
	}
	return nil
}

// Report sends the member's state (the report operation), shown in every
// page's view in place of what its messages reveal. Its reply is one of
// Frames' text frames.
func (c *MemberClient) Report(v wire.NodeView) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	if err := c.request("report", id, v); err != nil {
		return fmt.Errorf("reporting to %s: %w", c.target, err)
	}
	return nil
}

// request sends the operation op with args under request id.
func (c *MemberClient) request(op string, id uint64, args any) error {
	a, err := json.Marshal(args)
	if err != nil {
		return err
	}
	data, err := json.Marshal(request{ID: id, Op: op, Args: a})
	if err != nil {
		return err
	}
	return c.write(websocket.TextMessage, data)
}

func (c *MemberClient) write(typ int, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(memberWriteTimeout))
	return c.conn.WriteMessage(typ, data)
}

// Close says goodbye (a normal websocket close, which makes the bridge
// remove the member), closes the connection and waits for the reader to
// exit. It may be called more than once, and with the dial context ended.
func (c *MemberClient) Close() error {
	c.unwatch()
	c.shut()
	<-c.done
	return nil
}

// shut stops the reader and closes the connection, once.
func (c *MemberClient) shut() {
	c.closeOnce.Do(func() {
		close(c.stop)
		// WriteControl may run alongside other writes.
		_ = c.conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, "leaving"),
			time.Now().Add(time.Second))
		_ = c.conn.Close()
	})
}
