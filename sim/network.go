package sim

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// flight is a message on the network.
type flight struct {
	id        uint64
	from, to  core.NodeID
	m         *pb.Message
	sentAt    int64
	deliverAt int64 // 0 in manual mode until a command delivers it
	// lost is set when the network has decided to lose the message: it still
	// travels (the page shows it vanish) and is dropped on arrival.
	lost bool
	// text is the message described, once a view has shown it: a message
	// in flight is shown in several frames but never changes.
	text string
}

// describe returns the flight's message in words, cut as views cut texts.
func (f *flight) describe() string {
	if f.text == "" {
		f.text = wire.CutText(wire.DescribeMessage(f.m))
	}
	return f.text
}

// send puts a message a node produced on the network.
func (c *Cluster) send(from *simNode, m *pb.Message) {
	to := core.NodeID(m.GetTo())
	c.nextMsg++
	f := c.newFlight()
	*f = flight{id: c.nextMsg, from: from.id, to: to, m: m, sentAt: c.now}
	c.emit(wire.Event{Kind: wire.EvSend, Node: from.id, Peer: to, Term: core.Term(m.GetTerm()), Msg: f.id, Type: wire.MessageTypeName(m.GetType())}.WithMessage(m))
	if m.GetType() == pb.MsgSnap {
		md := m.GetSnapshot().GetMetadata()
		c.emit(wire.Event{Kind: wire.EvSnapshotSend, Node: from.id, Peer: to, Msg: f.id, Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s sent %s a snapshot up to index %d: the entries it needs were compacted", from.id, to, md.GetIndex())})
	}
	c.flights[f.id] = f
	c.route(f)
	if c.cfg.Network.DuplicateRate > 0 && c.rng.Float64() < c.cfg.Network.DuplicateRate && !c.cfg.Manual {
		c.duplicate(f)
	}
}

// route decides a message's fate and schedules its arrival.
func (c *Cluster) route(f *flight) {
	if c.cfg.Manual {
		return // waits for a deliver, drop or duplicate command
	}
	net := c.cfg.Network
	lat := int64(net.MinLatencyMS)
	if span := net.MaxLatencyMS - net.MinLatencyMS; span > 0 {
		lat += c.rng.Int64N(int64(span) + 1)
	}
	if net.ReorderRate > 0 && c.rng.Float64() < net.ReorderRate {
		lat += c.rng.Int64N(2*int64(net.MaxLatencyMS) + 1)
	}
	if net.DropRate > 0 && c.rng.Float64() < net.DropRate {
		f.lost = true
	}
	if lat < 1 {
		lat = 1 // a message never arrives at the instant it is sent
	}
	f.deliverAt = c.now + lat
	c.schedule(qevent{at: f.deliverAt, kind: qDeliver, arg: f.id})
}

// duplicate puts a copy of a message in flight; the copy gets its own latency.
func (c *Cluster) duplicate(f *flight) *flight {
	c.nextMsg++
	d := c.newFlight()
	*d = flight{id: c.nextMsg, from: f.from, to: f.to, m: proto.Clone(f.m).(*pb.Message), sentAt: c.now}
	c.emit(wire.Event{Kind: wire.EvDuplicate, Node: f.from, Peer: f.to, Msg: d.id, Type: wire.MessageTypeName(f.m.GetType())}.WithMessage(d.m))
	c.flights[d.id] = d
	c.route(d)
	return d
}

// deliver hands a message to its destination, or loses it if the
// destination is down, the link is cut, or the network decided to lose it.
func (c *Cluster) deliver(id uint64) {
	f, ok := c.flights[id]
	if !ok {
		return // already dropped (crash) or delivered by command
	}
	delete(c.flights, id)
	to, from := c.nodes[f.to-1], c.nodes[f.from-1]
	switch {
	case f.lost:
		c.drop(f, "lost by the network")
		return
	case !to.up():
		c.drop(f, fmt.Sprintf("%s is down", f.to))
		c.reportUnreachable(from, f)
		return
	case c.blocked[f.from][f.to]:
		c.drop(f, fmt.Sprintf("the link %s→%s is cut", f.from, f.to))
		c.reportUnreachable(from, f)
		return
	}
	c.emit(wire.Event{Kind: wire.EvDeliver, Node: f.to, Peer: f.from, Term: core.Term(f.m.GetTerm()), Msg: f.id, Type: wire.MessageTypeName(f.m.GetType())}.WithMessage(f.m))
	to.Heard(f.m)
	if f.m.GetType() == pb.MsgVoteResp && !f.m.GetReject() {
		c.safety.voteGranted(to.id, f.from, core.Term(f.m.GetTerm()))
	}
	// Errors from Step are etcd Raft refusing a message it should ignore
	// (e.g. a response from a removed peer); nothing changes.
	if c.hooks.crashed == nil {
		_ = to.rn.Step(f.m)
	} else {
		c.stepDamaged(to, f.m)
	}
	if f.m.GetType() == pb.MsgSnap && from.up() {
		from.rn.ReportSnapshot(f.to, true)
		c.drain(from)
	}
	c.drain(to)
	// Recycled only now: the rounds above put new flights on the network,
	// which must not reuse this one while it is being handled. (Not
	// deferred: a defer on every delivery costs under WebAssembly.)
	c.freeFlight(f)
}

// stepDamaged hands a message to a node whose storage a planted fault may
// have damaged (hooks.crashed). etcd Raft panics on some damage it finds (a
// heartbeat committing past the end of a log that lost entries: "Was the
// raft log corrupted, truncated, or lost?"), as an etcd server would exit:
// the node stops, with the panic as its error. (Not for every message: a
// defer on every delivery costs under WebAssembly.)
func (c *Cluster) stepDamaged(n *simNode, m *pb.Message) {
	defer func() {
		if p := recover(); p != nil {
			c.nodeFailed(n, fmt.Errorf("etcd Raft panicked: %v", p))
		}
	}()
	_ = n.rn.Step(m)
}

// drop records a lost message and tells the sender of a lost snapshot.
func (c *Cluster) drop(f *flight, why string) {
	c.emit(wire.Event{Kind: wire.EvDrop, Node: f.from, Peer: f.to, Msg: f.id, Type: wire.MessageTypeName(f.m.GetType()),
		Text: fmt.Sprintf("dropped %s %s→%s: %s", f.m.GetType(), f.from, f.to, why)})
	if f.m.GetType() == pb.MsgSnap {
		if from := c.nodes[f.from-1]; from.up() {
			from.rn.ReportSnapshot(f.to, false)
			c.drain(from)
		}
	}
}

// reportUnreachable tells a running sender that its message could not be
// delivered, as a real transport reports a failed connection.
func (c *Cluster) reportUnreachable(from *simNode, f *flight) {
	if from.up() {
		from.rn.ReportUnreachable(f.to)
		c.drain(from)
	}
}

// newFlight returns a flight from the free list, or a new one.
func (c *Cluster) newFlight() *flight {
	if n := len(c.freeFlights); n > 0 {
		f := c.freeFlights[n-1]
		c.freeFlights = c.freeFlights[:n-1]
		return f
	}
	return new(flight)
}

// freeFlight recycles a delivered flight.
func (c *Cluster) freeFlight(f *flight) {
	*f = flight{}
	c.freeFlights = append(c.freeFlights, f)
}
