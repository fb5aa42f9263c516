package sim

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"

	"go.etcd.io/raft/v3"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// Retry delays of a client whose request was refused (virtual ms).
const (
	redirectDelayMS = 5  // told who the leader is: try it
	retryDelayMS    = 50 // no leader known, proposal dropped, no quorum
)

// HistoryOp is one client operation as the client saw it, for the
// linearizability checker and the page.
type HistoryOp struct {
	Client int         `json:"client"` // 0 for requests typed in the page
	ID     uint64      `json:"id"`     // request id, also carried in the log entry
	Kind   wire.OpKind `json:"kind"`
	Key    string      `json:"key"`
	Value  string      `json:"value,omitempty"` // for set
	// Output is "OK" for set, "1"/"0" for del (removed or not), and for get
	// the value read; Found tells an empty value from a missing key.
	Output string `json:"output,omitempty"`
	Found  bool   `json:"found,omitempty"`
	Call   int64  `json:"call"`
	Return int64  `json:"return"` // virtual ms; -1 while pending or when unknown
	// Unknown is true for a write whose outcome the client never learnt
	// (timed out, or its node crashed) after it was proposed: it may or may
	// not have been applied.
	Unknown bool `json:"unknown,omitempty"`
	// Failed is true for a request that certainly had no effect (a read
	// that timed out, a write never accepted by a leader): the linearizability
	// check ignores it.
	Failed bool `json:"failed,omitempty"`
	// Index is where the operation sits in the log, as the simulator saw
	// it: for a write, the log index at which some node first applied it
	// (0 while no node has); for a completed get, the applied index of the
	// node that answered it. The exact log-order check (CheckLogOrder)
	// places writes by it and names it for a get it finds stale; histories
	// recorded elsewhere (a native cluster) leave it 0.
	Index uint64 `json:"index,omitempty"`
}

// client is a simulated client with at most one request outstanding; the
// console (id 0) is the exception and may have many, one per request typed.
type client struct {
	id      int
	removed bool
	leader  core.NodeID // who the client believes leads
	cur     *request    // outstanding request (workload clients)
	count   int         // requests issued
}

// request is one outstanding client request.
type request struct {
	cl       *client
	hist     int // index in c.history
	op       statemachine.Operation
	kind     wire.OpKind
	target   core.NodeID // node the request is at or will be sent to
	proposed bool        // a leader accepted it into its log
	waiting  bool        // at target, waiting for apply or read
	readIdx  uint64      // for get: the read index granted, 0 until then
	done     bool
}

func (c *Cluster) newClient(id int) *client { return &client{id: id} }

// scheduleClient schedules a workload client's next request after an
// exponentially distributed think time.
func (c *Cluster) scheduleClient(cl *client) {
	mean := 1000 / c.cfg.Clients.RatePerSec
	wait := int64(c.rng.ExpFloat64()*mean) + 1
	c.schedule(qevent{at: c.now + wait, kind: qClientWake, who: int32(cl.id), arg: uint64(cl.count)})
}

// clientByID returns a workload client (id >= 1) or the console (0).
func (c *Cluster) clientByID(id int) *client {
	if id == 0 {
		return c.console
	}
	if id <= len(c.clients) {
		return c.clients[id-1]
	}
	return nil
}

// clientWake issues a workload client's next request, or retries the
// outstanding request of any client.
func (c *Cluster) clientWake(id int, gen uint64) {
	cl := c.clientByID(id)
	if cl == nil || cl.removed {
		return
	}
	// A retry of an outstanding request carries its request id in gen with
	// the high bit set.
	if gen&retryBit != 0 {
		if r := c.pending[gen&^retryBit]; r != nil && !r.done && !r.waiting {
			c.submit(r)
		}
		return
	}
	if cl.cur != nil || gen != uint64(cl.count) {
		return
	}
	kind, key := wire.OpSet, "k"+strconv.Itoa(c.rng.IntN(c.cfg.Clients.Keys))
	switch x := c.rng.Float64(); {
	case x < 0.3:
		kind = wire.OpGet
	case x < 0.45:
		kind = wire.OpDel
	}
	value := ""
	if kind == wire.OpSet {
		value = "c" + strconv.Itoa(cl.id) + "." + strconv.Itoa(cl.count+1)
	}
	c.invoke(cl, kind, key, value, 0)
}

// retryBit marks a qClientWake event as the retry of a request.
const retryBit = 1 << 63

// invoke starts a request. target 0 sends it to the believed leader.
func (c *Cluster) invoke(cl *client, kind wire.OpKind, key, value string, target core.NodeID) *request {
	cl.count++
	c.nextReq++
	op := statemachine.Operation{Key: key, Value: value, ID: c.nextReq}
	switch kind {
	case wire.OpSet:
		op.Kind = statemachine.OpSet
	case wire.OpDel:
		op.Kind = statemachine.OpDel
	}
	r := &request{cl: cl, op: op, kind: kind, target: target, hist: len(c.history)}
	c.history = append(c.history, HistoryOp{Client: cl.id, ID: op.ID, Kind: kind, Key: key, Value: value, Call: c.now, Return: -1})
	if cl.id != 0 {
		cl.cur = r
	}
	c.pending[op.ID] = r
	c.emit(wire.Event{Kind: wire.EvClientInvoke, Client: cl.id, Msg: op.ID, Type: string(kind), Text: "client " + strconv.Itoa(cl.id) + " sent " + wire.DescribeOp(kind, key, value) + " #" + strconv.FormatUint(op.ID, 10)})
	c.schedule(qevent{at: c.now + int64(c.cfg.Clients.TimeoutMS), kind: qClientTimeout, who: int32(cl.id), arg: op.ID})
	if r.target == 0 {
		r.target = cl.leader
		if cl.id == 0 {
			// The console is a person looking at the page: they send to the
			// node drawn as leader.
			if l := c.leader(); l != nil {
				r.target = l.id
			}
		}
	}
	c.submit(r)
	return r
}

// submit sends a request to its target node (picking a live node at random
// if it has none or its target is down or removed: a removed node serves no
// client, as an etcd server that left the cluster serves none).
func (c *Cluster) submit(r *request) {
	n := c.nodeOrNil(r.target)
	if n == nil || !n.up() || (n.removed && !c.hooks.servesRemoved) {
		n = c.randomUpNode()
		if n == nil {
			c.retryLater(r, retryDelayMS)
			return
		}
		r.target = n.id
	}
	if r.kind == wire.OpGet && c.hooks.localRead != nil && c.hooks.localRead(c, n) {
		r.waiting = true
		v, ok := n.rn.StateMachine().Get(r.op.Key)
		c.history[r.hist].Index = n.rn.StateMachine().AppliedIndex()
		c.finish(r, v, ok, false, false)
		if c.hooks.checkLocalReads {
			c.checkLocalRead(n, r.hist)
		}
		return
	}
	var err error
	if r.kind == wire.OpGet {
		var ctx [8]byte
		binary.BigEndian.PutUint64(ctx[:], r.op.ID)
		if !n.rn.IsLeader() {
			err = &core.NotLeaderError{Leader: n.rn.LeaderID()}
		} else {
			err = n.rn.ReadIndex(ctx[:])
		}
	} else {
		err = n.rn.Propose(r.op.Encode())
	}
	var nl *core.NotLeaderError
	switch {
	case err == nil:
		r.waiting = true
		r.proposed = r.proposed || r.kind != wire.OpGet
		r.cl.leader = n.id
		c.drain(n)
	case errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != n.id:
		r.target, r.cl.leader = nl.Leader, nl.Leader
		c.retryLater(r, redirectDelayMS)
	case errors.Is(err, core.ErrNotLeader), errors.Is(err, core.ErrNoQuorum), errors.Is(err, raft.ErrProposalDropped):
		r.target = 0
		c.retryLater(r, retryDelayMS)
	default:
		r.target = 0
		c.retryLater(r, retryDelayMS)
	}
}

func (c *Cluster) retryLater(r *request, delay int64) {
	c.schedule(qevent{at: c.now + delay, kind: qClientWake, who: int32(r.cl.id), arg: r.op.ID | retryBit})
}

func (c *Cluster) nodeOrNil(id core.NodeID) *simNode {
	if id < 1 || int(id) > len(c.nodes) {
		return nil
	}
	return c.nodes[id-1]
}

func (c *Cluster) randomUpNode() *simNode {
	var up []*simNode
	for _, n := range c.nodes {
		if n.up() && !n.removed {
			up = append(up, n)
		}
	}
	if len(up) == 0 {
		return nil
	}
	return up[c.rng.IntN(len(up))]
}

// clientsObserve answers requests whose entries a node applied or whose
// read index the node has reached.
func (c *Cluster) clientsObserve(n *simNode, u *core.Update) {
	for _, res := range u.Applied {
		if res.Op == nil || res.Op.ID == 0 {
			continue
		}
		if h := c.historyOf(res.Op.ID); h != nil && h.Index == 0 && h.Kind != wire.OpGet {
			h.Index = res.Index
		}
		if r := c.pending[res.Op.ID]; r != nil && r.waiting && r.target == n.id {
			c.finish(r, res.Output, false, false, false)
		}
	}
	for _, rs := range u.ReadStates {
		if len(rs.RequestCtx) != 8 {
			continue
		}
		id := binary.BigEndian.Uint64(rs.RequestCtx)
		if r := c.pending[id]; r != nil && r.waiting && r.target == n.id && r.kind == wire.OpGet {
			if r.readIdx == 0 {
				c.readsWaiting++
			}
			r.readIdx = max(rs.Index, 1)
		}
	}
	if c.readsWaiting == 0 {
		return
	}
	applied := n.rn.StateMachine().AppliedIndex()
	for _, id := range c.pendingIDs() {
		r := c.pending[id]
		if r.kind == wire.OpGet && r.waiting && r.target == n.id && r.readIdx != 0 && applied >= r.readIdx {
			v, ok := n.rn.StateMachine().Get(r.op.Key)
			c.history[r.hist].Index = applied
			c.finish(r, v, ok, false, false)
		}
	}
}

// historyOf returns the history entry of request id, or nil if there is
// none. Request ids are handed out in history order, so the history is
// sorted by id.
func (c *Cluster) historyOf(id uint64) *HistoryOp {
	i, ok := slices.BinarySearchFunc(c.history, id, func(h HistoryOp, id uint64) int { return cmp.Compare(h.ID, id) })
	if !ok {
		return nil
	}
	return &c.history[i]
}

// clientsNodeDown ends requests waiting at a crashed node: writes already
// proposed have an unknown outcome, other requests certainly failed.
func (c *Cluster) clientsNodeDown(id core.NodeID) {
	for _, rid := range c.pendingIDs() {
		r := c.pending[rid]
		if r.waiting && r.target == id {
			c.finish(r, "", false, r.proposed, !r.proposed)
		}
	}
}

// clientTimeout gives up on a request still outstanding after TimeoutMS.
func (c *Cluster) clientTimeout(_ int, id uint64) {
	if r := c.pending[id]; r != nil && !r.done {
		c.finish(r, "", false, r.proposed, !r.proposed)
	}
}

// finish completes a request and schedules the client's next one.
func (c *Cluster) finish(r *request, output string, found, unknown, failed bool) {
	r.done = true
	if r.readIdx != 0 {
		c.readsWaiting--
	}
	delete(c.pending, r.op.ID)
	h := &c.history[r.hist]
	h.Output, h.Found, h.Unknown, h.Failed = output, found, unknown, failed
	// The texts are concatenated, not formatted with fmt: one is built
	// for every request, which fmt's reflection made a notable cost.
	client, id := "client "+strconv.Itoa(r.cl.id), " #"+strconv.FormatUint(r.op.ID, 10)
	var text string
	outcome := wire.OutcomeOK
	switch {
	case unknown:
		text = client + " gave up on " + wire.DescribeOp(r.kind, r.op.Key, r.op.Value) + id + ": it may or may not have been applied"
		outcome, output = wire.OutcomeUnknown, ""
	case failed:
		text = client + " gave up on " + wire.DescribeOp(r.kind, r.op.Key, r.op.Value) + id + ": it had no effect"
		outcome, output = wire.OutcomeFailed, ""
	case r.kind == wire.OpGet && !found:
		text = client + ": get " + r.op.Key + id + " → not found"
		outcome, output = wire.OutcomeNotFound, ""
	default:
		text = client + ": " + wire.DescribeOp(r.kind, r.op.Key, r.op.Value) + id + " → " + output
		h.Return = c.now
	}
	c.emit(wire.Event{Kind: wire.EvClientReturn, Client: r.cl.id, Msg: r.op.ID, Type: string(r.kind), Text: text, Outcome: outcome, Output: output})
	if r.kind == wire.OpGet && !found && !unknown && !failed {
		h.Return = c.now
	}
	if r.cl.cur == r {
		r.cl.cur = nil
		if !r.cl.removed {
			c.scheduleClient(r.cl)
		}
	}
}

// pendingIDs returns the outstanding request ids in order.
func (c *Cluster) pendingIDs() []uint64 {
	ids := make([]uint64, 0, len(c.pending))
	for id := range c.pending {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
