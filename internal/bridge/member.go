package bridge

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/gorilla/websocket"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Member is a Raft member hosted by a page: a voter the engine added for
// one connection (Options.Join), whose Raft traffic crosses that
// connection as binary frames. The native cluster's *native.Remote is one.
type Member interface {
	// ID is the member's Raft id.
	ID() core.NodeID
	// Peers are the ids of the nodes it talks to.
	Peers() []core.NodeID
	// Raft is the cluster's Raft tuning, for the member to use too.
	Raft() core.RaftConfig
	// Deliver hands the engine a message from the member. An error means
	// the message was refused (not from the member, for no node, of a type
	// a member may not send, or the member has left) and changed nothing.
	Deliver(m *pb.Message) error
	// Remove takes the member out of the cluster (ConfChange RemoveNode)
	// and stops its traffic; it returns once the change is applied or ctx
	// ends.
	Remove(ctx context.Context) error
}

// Learner is implemented by members that may join as learners (they
// replicate the log but do not vote). The native cluster's *native.Remote
// is one: it keeps the native nodes a quorum of their own, so members
// beyond the native nodes' count less one join as learners.
type Learner interface {
	Learner() bool
}

// Reporter is implemented by members whose page may report their state
// (the report operation), shown in views in place of what their messages
// reveal. The native cluster's *native.Remote is one.
type Reporter interface {
	Report(v wire.NodeView)
}

// JoinFunc adds a member for one connection, with the id asked for (0: the
// next free one). send is called with every
// message for the member, from engine goroutines; it never blocks (the
// bridge drops what its queue cannot hold: Raft retries). It returns once
// the member is in the cluster (a voter, or a learner when the engine keeps
// its quorum to itself: see Learner), or fails (ctx ended, no leader).
type JoinFunc func(ctx context.Context, id core.NodeID, send func(*pb.Message)) (Member, error)

// joinArgs are the arguments of join: the id the member asks for, if any.
type joinArgs struct {
	Node core.NodeID `json:"node"`
}

// JoinReply is the result of join.
type JoinReply struct {
	// Node is the member's id, to start the page's node with.
	Node core.NodeID `json:"node"`
	// Peers are the nodes it talks to.
	Peers []core.NodeID `json:"peers"`
	// Learner is set when the member joined as a learner: it replicates
	// the log but does not vote (the cluster already has as many voters
	// hosted outside as keep its native nodes a quorum of their own).
	Learner bool `json:"learner,omitempty"`
	// Raft is the cluster's Raft tuning (heartbeat interval, election
	// timeout, PreVote, CheckQuorum ...), for the page's node.
	Raft core.RaftConfig `json:"raft"`
	// MaxMessageBytes is the largest binary frame the bridge reads.
	MaxMessageBytes int `json:"max_message_bytes"`
}

// join answers the join operation.
func (c *client) join(args []byte) (any, error) {
	b := c.b
	var a joinArgs
	if err := decodeArgs("join", args, &a); err != nil {
		return nil, err
	}
	if b.opt.Join == nil {
		return nil, impossiblef("join: this server cannot host a member in the page (it serves no native cluster)")
	}
	if c.member != nil {
		return nil, impossiblef("join: this connection already hosts %s; open another connection for another member", c.member.ID())
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.opt.RequestTimeout)
	defer cancel()
	m, err := b.opt.Join(ctx, a.Node, c.sendRaft)
	if err != nil {
		return nil, engineErr(err)
	}
	c.member = m
	c.memberID.Store(uint64(m.ID()))
	jr := JoinReply{Node: m.ID(), Peers: m.Peers(), Raft: m.Raft(), MaxMessageBytes: b.opt.RaftFrameLimit}
	if l, ok := m.(Learner); ok {
		jr.Learner = l.Learner()
	}
	return jr, nil
}

// report answers the report operation: the page's account of its member,
// a node view (wire.NodeView: role, term, vote, leader, commit, applied,
// log indexes, log window, kv).
func (c *client) report(args []byte) (any, error) {
	var v wire.NodeView
	if err := decodeArgs("report", args, &v); err != nil {
		return nil, err
	}
	if c.member == nil {
		return nil, impossiblef("report: this connection hosts no member; send join first")
	}
	r, ok := c.member.(Reporter)
	if !ok {
		return nil, impossiblef("report: this server keeps no reports of members")
	}
	r.Report(v)
	return empty{}, nil
}

// sendRaft queues a message for the member; the writer writes it as one
// binary frame. A full queue drops it, counted in raft_dropped.
func (c *client) sendRaft(m *pb.Message) {
	select {
	case <-c.done:
		c.n.raftDropped.Add(1)
		return
	default:
	}
	data, err := proto.Marshal(m)
	if err != nil {
		c.n.raftDropped.Add(1)
		return
	}
	select {
	case c.raft <- data:
	default:
		c.n.raftDropped.Add(1)
	}
}

// readRaft reads one binary frame: a raftpb.Message from the member, handed
// to the engine. It returns the error reply to write, if any, and a read
// error that ends the connection.
func (c *client) readRaft(r io.Reader) (*outgoing, error) {
	limit := c.b.opt.RaftFrameLimit
	if c.member == nil {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		return &outgoing{data: encodeReply(0, badRequest("binary messages are raft messages of a member: send join first; requests are JSON text {\"id\", \"op\", \"args\"}"))}, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		c.n.raftRefused.Add(1)
		return &outgoing{data: encodeReply(0, badRequest("a raft message of more than %d bytes was dropped", limit))}, nil
	}
	m := new(pb.Message)
	if err := proto.Unmarshal(data, m); err != nil {
		c.n.raftRefused.Add(1)
		return &outgoing{data: encodeReply(0, badRequest("a binary message is not a raftpb.Message (%v): dropped", err))}, nil
	}
	if err := c.member.Deliver(m); err != nil {
		c.n.raftRefused.Add(1)
		return &outgoing{data: encodeReply(0, badRequest("%s from %s dropped: %v", m.GetType(), c.member.ID(), err))}, nil
	}
	c.n.raftIn.Add(1)
	return nil, nil
}

// leave removes the connection's member, if it has one, once its reader
// has ended.
func (c *client) leave() {
	if c.member == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.b.ctx, c.b.opt.RequestTimeout)
	defer cancel()
	if err := c.member.Remove(ctx); err != nil && !errors.Is(err, context.Canceled) {
		c.b.log.Printf("bridge: client %d (%s): removing %s: %v", c.id, c.remote, c.member.ID(), err)
	}
}

// writeRaft writes one binary frame with the write deadline.
func (c *client) writeRaft(data []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.b.opt.WriteTimeout))
	if err := c.conn.WriteMessage(websocket.BinaryMessage, data); err != nil {
		return err
	}
	c.n.raftOut.Add(1)
	c.n.bytesSent.Add(uint64(len(data)))
	return nil
}
