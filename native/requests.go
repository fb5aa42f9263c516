package native

import (
	"context"
	"encoding/binary"
	"sync/atomic"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
)

// proposal is a write handed to a node's loop; the loop answers it once on
// done (capacity 1) when it fails or its entry is applied. Waiting writes are
// matched to applied entries by the request id inside the encoded operation.
// A leader's own entries can only be overwritten after it has lost its
// leadership, so failing every waiting write when the leader steps down (or
// stops) also fails those whose entries will be overwritten.
type proposal struct {
	op   statemachine.Operation
	ctx  context.Context // the caller's: an abandoned proposal is forgotten
	done chan propResult
	// state is who has the proposal while it waits in the node's queue:
	// the loop takes it (queued to taken) before proposing, or the caller
	// abandons it (queued to abandoned) when its time runs out or the node
	// stops. Exactly one of them wins, so a proposal its caller abandoned
	// is certainly never proposed: the caller may say "not applied".
	state atomic.Int32
}

// Proposal states.
const (
	propQueued int32 = iota
	propTaken
	propAbandoned
)

// take claims a queued proposal for the loop; false if its caller has
// abandoned it.
func (p *proposal) take() bool { return p.state.CompareAndSwap(propQueued, propTaken) }

// abandon withdraws a queued proposal for its caller; false if the loop has
// already taken it (it may then have been appended to a log).
func (p *proposal) abandon() bool { return p.state.CompareAndSwap(propQueued, propAbandoned) }

// propResult is a proposal's answer. appended tells a refused proposal
// (certainly not in any log) from one the leader accepted.
type propResult struct {
	index    uint64
	output   string
	appended bool
	err      error
}

// readReq is a linearizable read handed to a leader's loop; answered once
// on done (capacity 1).
type readReq struct {
	key   string
	ctx   context.Context
	index uint64 // the read index granted, 0 until then
	done  chan readResult
}

// readResult is a read's answer.
type readResult struct {
	value string
	found bool
	index uint64
	err   error
}

// propose appends a write to the leader's log and waits for it to apply. A
// write whose caller has already given up is not proposed: it would only
// land later, unseen.
func (in *incarnation) propose(p *proposal) {
	if !p.take() {
		return // abandoned: its caller has answered "not applied"
	}
	if err := p.ctx.Err(); err != nil {
		p.done <- propResult{err: err}
		return
	}
	if err := in.rn.Propose(p.op.Encode()); err != nil {
		p.done <- propResult{err: err}
		return
	}
	in.waiters[p.op.ID] = p
}

// read queues a read for the next ReadIndex round; only a leader serves
// reads.
func (in *incarnation) read(q *readReq) {
	if !in.rn.IsLeader() {
		q.done <- readResult{err: &core.NotLeaderError{Leader: in.rn.LeaderID()}}
		return
	}
	in.readBatch = append(in.readBatch, q)
}

// flushReads asks Raft for one read index on behalf of every read queued
// since the last round, as etcd's server batches its linearizable reads.
func (in *incarnation) flushReads() {
	if len(in.readBatch) == 0 {
		return
	}
	batch := in.readBatch
	in.readBatch = nil
	if !in.rn.IsLeader() {
		for _, q := range batch {
			q.done <- readResult{err: &core.NotLeaderError{Leader: in.rn.LeaderID()}}
		}
		return
	}
	in.readSeq++
	var rctx [8]byte
	binary.BigEndian.PutUint64(rctx[:], in.readSeq)
	if err := in.rn.ReadIndex(rctx[:]); err != nil {
		for _, q := range batch {
			q.done <- readResult{err: err}
		}
		return
	}
	in.readsByCtx[in.readSeq] = batch
}

// answer completes the writes whose entries this round applied and records
// the read indexes Raft granted.
func (in *incarnation) answer(u *core.Update) {
	if len(in.waiters) > 0 {
		for _, res := range u.Applied {
			if res.Op == nil || res.Op.ID == 0 {
				continue
			}
			if p := in.waiters[res.Op.ID]; p != nil {
				delete(in.waiters, res.Op.ID)
				p.done <- propResult{index: res.Index, output: res.Output, appended: true}
			}
		}
	}
	for _, rs := range u.ReadStates {
		if len(rs.RequestCtx) != 8 {
			continue
		}
		seq := binary.BigEndian.Uint64(rs.RequestCtx)
		batch, ok := in.readsByCtx[seq]
		if !ok {
			continue
		}
		delete(in.readsByCtx, seq)
		for _, q := range batch {
			q.index = max(rs.Index, 1)
			in.readsApply = append(in.readsApply, q)
		}
	}
}

// serveReads answers the reads whose read index the state machine has
// reached.
func (in *incarnation) serveReads() {
	if len(in.readsApply) == 0 {
		return
	}
	sm := in.rn.StateMachine()
	applied := sm.AppliedIndex()
	kept := in.readsApply[:0]
	for _, q := range in.readsApply {
		if q.index > applied {
			kept = append(kept, q)
			continue
		}
		v, ok := sm.Get(q.key)
		q.done <- readResult{value: v, found: ok, index: q.index}
	}
	clear(in.readsApply[len(kept):])
	in.readsApply = kept
}

// failRequests fails every request waiting at this node: it stopped, or it
// lost its leadership. Writes it accepted have an unknown outcome.
func (in *incarnation) failRequests(err error) {
	for id, p := range in.waiters {
		delete(in.waiters, id)
		p.done <- propResult{appended: true, err: err}
	}
	fail := func(qs []*readReq) {
		for _, q := range qs {
			q.done <- readResult{err: err}
		}
	}
	fail(in.readBatch)
	in.readBatch = nil
	for seq, qs := range in.readsByCtx {
		delete(in.readsByCtx, seq)
		fail(qs)
	}
	fail(in.readsApply)
	in.readsApply = nil
}

// pruneAbandoned forgets requests whose callers have gone (their context
// ended), e.g. writes stuck at a leader cut off from its followers.
func (in *incarnation) pruneAbandoned() {
	for id, p := range in.waiters {
		if p.ctx.Err() != nil {
			delete(in.waiters, id)
		}
	}
	for seq, qs := range in.readsByCtx {
		if allDone(qs) {
			delete(in.readsByCtx, seq)
		}
	}
	kept := in.readsApply[:0]
	for _, q := range in.readsApply {
		if q.ctx.Err() == nil {
			kept = append(kept, q)
		}
	}
	clear(in.readsApply[len(kept):])
	in.readsApply = kept
}

func allDone(qs []*readReq) bool {
	for _, q := range qs {
		if q.ctx.Err() == nil {
			return false
		}
	}
	return true
}
