package native

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// Limits on what Set, Delete and Get accept.
const (
	maxKeyBytes   = 4 << 10
	maxValueBytes = 1 << 20
	// maxRedirects is how many times in a row a request follows a node's
	// "the leader is X" before waiting a little.
	maxRedirects = 3
)

// errNotSubmitted marks a request that never reached a node's loop (the
// node was down or stopping): it certainly had no effect, so it is retried.
var errNotSubmitted = fmt.Errorf("%w before the request reached it", ErrNodeDown)

// Set sets key to value through the Raft log. It proposes on the leader,
// following redirects and waiting out elections, and returns the entry's
// index once the leader has applied it.
//
// Errors tell whether to retry: one wrapping wire.ErrUnavailable means the
// write certainly had no effect (ctx ended while there was no leader or no
// quorum, or before any log took the write; it wraps ctx's error and the
// last refusal, e.g. core.ErrNotLeader or core.ErrNoQuorum), so it is safe
// to retry; one wrapping wire.ErrOutcomeUnknown means a leader had accepted
// the write into its log when it crashed (ErrNodeDown), lost its leadership
// (ErrLeadershipLost) or ctx ended, so it may or may not take effect.
// ErrStopped when the cluster was stopped (wrapped with one of those two
// when the write was under way), or wire.ErrBadCommand for an empty or
// oversized key or value. Refused proposals (no leader, not the leader, dropped during a
// leadership transfer) are retried until ctx ends; writes whose outcome is
// unknown are not.
func (c *Cluster) Set(ctx context.Context, key, value string) (uint64, error) {
	res, err := c.write(ctx, statemachine.OpSet, key, value)
	return res.index, err
}

// Delete deletes key through the Raft log, as Set does, and reports whether
// the key existed when the delete was applied; deleting a missing key is
// not an error. Its errors are Set's.
func (c *Cluster) Delete(ctx context.Context, key string) (index uint64, existed bool, err error) {
	res, err := c.write(ctx, statemachine.OpDel, key, "")
	return res.index, err == nil && statemachine.Removed(res.output), err
}

// Get reads key linearizably: the leader obtains a read index with etcd's
// ReadIndex (a heartbeat round confirming its leadership, shared by the
// reads that arrive together), waits until it has applied that index, then
// reads its state machine. The answer reflects every write acknowledged
// before Get was called. Reads are always safe to retry, so every refusal
// and leadership loss is retried until ctx ends; then the error wraps
// wire.ErrUnavailable and ctx's error. Otherwise ErrStopped or
// wire.ErrBadCommand, as for Set.
func (c *Cluster) Get(ctx context.Context, key string) (value string, found bool, err error) {
	r, err := c.live()
	if err != nil {
		return "", false, err
	}
	if err := checkKV(key, ""); err != nil {
		return "", false, err
	}
	res, err := r.get(ctx, key, 0)
	return res.value, res.found, err
}

func checkKV(key, value string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", wire.ErrBadCommand)
	}
	if len(key) > maxKeyBytes || len(value) > maxValueBytes {
		return fmt.Errorf("%w: key is limited to %d bytes and value to %d", wire.ErrBadCommand, maxKeyBytes, maxValueBytes)
	}
	return nil
}

func (c *Cluster) write(ctx context.Context, kind statemachine.OpKind, key, value string) (propResult, error) {
	r, err := c.live()
	if err != nil {
		return propResult{}, err
	}
	if err := checkKV(key, value); err != nil {
		return propResult{}, err
	}
	op := statemachine.Operation{Kind: kind, Key: key, Value: value, ID: r.nextReq.Add(1)}
	return r.write(ctx, op, 0)
}

// retryable reports whether a refusal certainly left no trace in any log.
func retryable(err error) bool {
	return errors.Is(err, core.ErrNotLeader) || errors.Is(err, core.ErrNoQuorum) ||
		errors.Is(err, raft.ErrProposalDropped) || errors.Is(err, errNotSubmitted)
}

// errNoLeader is the refusal when no node is known to lead.
var errNoLeader = &core.NotLeaderError{}

// write proposes op, starting at node target (0: the leader), until it is
// applied, its outcome becomes unknown, or ctx ends. The result's appended
// tells whether the write may have taken effect.
func (r *run) write(ctx context.Context, op statemachine.Operation, target core.NodeID) (propResult, error) {
	var last error = errNoLeader
	appended := false
	redirects := 0
	for {
		if n := r.pickOrReclaim(target); n != nil {
			res, err := n.propose(ctx, op)
			appended = appended || res.appended
			if err == nil {
				return res, nil
			}
			var nl *core.NotLeaderError
			switch {
			case errors.As(err, &nl) && r.remote(nl.Leader) != nil:
				r.reclaim(n, nl.Leader)
				target, last = 0, err
			case errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != n.id && redirects < maxRedirects:
				target, last = nl.Leader, err
				redirects++
				continue
			case retryable(err):
				target, last = 0, err
			default:
				return propResult{appended: appended}, r.failed(op, appended, err)
			}
		}
		redirects = 0
		if err := r.pause(ctx); err != nil {
			// Every attempt was refused before any log took the write.
			return propResult{}, requestErr(opText(op), wire.ErrUnavailable, err, last)
		}
	}
}

// get reads key at the leader (starting at node target, 0: the leader),
// retrying every failure until ctx ends.
func (r *run) get(ctx context.Context, key string, target core.NodeID) (readResult, error) {
	var last error = errNoLeader
	redirects := 0
	for {
		if n := r.pickOrReclaim(target); n != nil {
			res, err := n.read(ctx, key)
			if err == nil {
				return res, nil
			}
			var nl *core.NotLeaderError
			switch {
			case errors.As(err, &nl) && r.remote(nl.Leader) != nil:
				r.reclaim(n, nl.Leader)
				target, last = 0, err
			case errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != n.id && redirects < maxRedirects:
				target, last = nl.Leader, err
				redirects++
				continue
			case errors.Is(err, ErrStopped) || ctx.Err() != nil:
				return readResult{}, requestErr("get "+key, wire.ErrUnavailable, err, nil)
			default:
				target, last = 0, err
			}
		}
		redirects = 0
		if err := r.pause(ctx); err != nil {
			return readResult{}, requestErr("get "+key, wire.ErrUnavailable, err, last)
		}
	}
}

// failed is the error of a write that ended on err: of unknown outcome
// when a log may hold it (appended), else certainly not applied.
func (r *run) failed(op statemachine.Operation, appended bool, err error) error {
	if r.stopped.Load() && errors.Is(err, ErrNodeDown) {
		err = ErrStopped
	}
	kind := wire.ErrUnavailable
	if appended {
		kind = wire.ErrOutcomeUnknown
	}
	return requestErr(opText(op), kind, err, nil)
}

// requestError is a failed request: what was asked, why it failed and the
// last refusal before that, and its kind (wire.ErrUnavailable or
// wire.ErrOutcomeUnknown), all of which it wraps. Its text names the
// package once: "native: set k=v: <cause> (last refusal: ...); <kind>".
type requestError struct {
	text string
	errs []error
}

func (e *requestError) Error() string   { return e.text }
func (e *requestError) Unwrap() []error { return e.errs }

// requestErr builds a requestError; last may be nil. A cause that is
// already of a kind (a wire sentinel such as ErrBadCommand) keeps it, and
// kind is then not added.
func requestErr(what string, kind, cause, last error) error {
	if wire.KindOf(cause) != "internal" {
		kind = nil
	}
	text := "native: " + what + ": " + bare(cause)
	errs := []error{cause}
	if last != nil {
		text += " (last refusal: " + bare(last) + ")"
		errs = append(errs, last)
	}
	switch kind {
	case wire.ErrUnavailable:
		text += "; nothing was applied: safe to retry"
	case wire.ErrOutcomeUnknown:
		text += "; the outcome is unknown: it may or may not be applied"
	}
	if kind != nil {
		errs = append(errs, kind)
	}
	return &requestError{text: text, errs: errs}
}

// bare is err's text without this package's prefix, for quoting inside an
// error that already carries it.
func bare(err error) string { return strings.TrimPrefix(err.Error(), "native: ") }

func opText(op statemachine.Operation) string {
	op.ID = 0
	return op.String()
}

// pause waits before a retry: a tenth of an election timeout, at least a
// millisecond. It returns ctx's error, or ErrStopped.
func (r *run) pause(ctx context.Context) error {
	d := time.Duration(r.cfg.Raft.ElectionTimeoutMinMS) * time.Millisecond / 10
	d = max(d, time.Millisecond)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-r.ctx.Done():
		return ErrStopped
	}
}

// pick returns the running node a request should go to: target if it is
// up, else the node that last became leader, else the up node that its
// published state shows leading the highest term, else nil.
func (r *run) pick(target core.NodeID) *node {
	if n := r.node(target); n != nil && n.up() {
		return n
	}
	if n := r.node(core.NodeID(r.leaderHint.Load())); n != nil && n.up() && !n.removed.Load() {
		return n
	}
	return r.leader()
}

// pickOrReclaim is pick; when no native node leads but a member hosted
// elsewhere does, which the native clients' requests cannot reach, it also
// asks for leadership back (reclaim) and returns nil.
func (r *run) pickOrReclaim(target core.NodeID) *node {
	n := r.pick(target)
	if n == nil {
		if f, l := r.followingRemote(); f != nil {
			r.reclaim(f, l)
		}
	}
	return n
}

// followingRemote returns an up native node that follows a member hosted
// elsewhere, and that member's id, or nil.
func (r *run) followingRemote() (*node, core.NodeID) {
	for _, n := range r.all() {
		n.mu.Lock()
		up, st := n.inc != nil, n.state.status
		n.mu.Unlock()
		if up && st.Role == core.RoleFollower && st.Leader != 0 && r.remote(st.Leader) != nil {
			return n, st.Leader
		}
	}
	return nil, 0
}

// reclaim asks the member hosted elsewhere that leads (a page or a -join
// process) to hand leadership to native node n: the native clients'
// requests go to native nodes, and core proposes only on a leader. n steps
// a MsgTransferLeader naming itself, which etcd Raft forwards to the
// leader; the leader hands over (MsgTimeoutNow) once n's log is up to
// date. At most once per election timeout.
func (r *run) reclaim(n *node, from core.NodeID) {
	now := time.Now()
	every := time.Duration(r.cfg.Raft.ElectionTimeoutMinMS) * time.Millisecond
	r.remoteMu.Lock()
	if now.Sub(r.reclaimedAt) < every {
		r.remoteMu.Unlock()
		return
	}
	r.reclaimedAt = now
	r.remoteMu.Unlock()
	r.trace.add(wire.Event{Kind: wire.EvCommand, Node: n.id, Peer: from, Type: "reclaim",
		Text: fmt.Sprintf("%s asked %s, hosted outside the dev server, to hand it leadership: native clients propose on native nodes", n.id, from)})
	r.onNode(n, func(in *incarnation) {
		id := uint64(n.id)
		_ = in.rn.Step(&pb.Message{Type: pb.MsgTransferLeader.Enum(), From: &id, To: &id})
	})
}

// leader returns the up node whose published state shows it leading the
// highest term, or nil. A node removed from the configuration is not the
// leader, even while it hands leadership on: it takes no proposal.
func (r *run) leader() *node {
	var best *node
	var bestTerm core.Term
	for _, n := range r.all() {
		n.mu.Lock()
		up, st := n.inc != nil, n.state.status
		n.mu.Unlock()
		if up && !n.removed.Load() && st.Role == core.RoleLeader && (best == nil || st.Term > bestTerm) {
			best, bestTerm = n, st.Term
		}
	}
	return best
}

// handOver gives req to the node's loop on ch and waits for its answer on
// done. taken reports whether the loop took the request; answered whether
// an answer came (one that raced with the end wins). When the loop never
// took it, err is ctx's error if ctx ended, else errNotSubmitted.
func handOver[Q, A any](ctx context.Context, in *incarnation, ch chan<- Q, req Q, done <-chan A) (ans A, taken, answered bool, err error) {
	select {
	case ch <- req:
	case <-in.ctx.Done():
		return ans, false, false, errNotSubmitted
	case <-ctx.Done():
		return ans, false, false, ctx.Err()
	}
	select {
	case ans = <-done:
		return ans, true, true, nil
	case <-in.ctx.Done():
	case <-ctx.Done():
	}
	select {
	case ans = <-done:
		return ans, true, true, nil
	default:
	}
	return ans, true, false, nil
}

// propose hands a write to the node's loop and waits for its answer.
func (n *node) propose(ctx context.Context, op statemachine.Operation) (propResult, error) {
	in := n.running()
	if in == nil {
		return propResult{}, errNotSubmitted
	}
	p := &proposal{op: op, ctx: ctx, done: make(chan propResult, 1)}
	res, queued, answered, err := handOver(ctx, in, in.propc, p, p.done)
	switch {
	case !queued:
		return propResult{}, err
	case answered:
		return res, res.err
	case p.abandon():
		// Still in the queue: the loop will never propose it.
		if ctx.Err() != nil {
			return propResult{}, ctx.Err()
		}
		return propResult{}, errNotSubmitted
	case ctx.Err() != nil:
		return propResult{appended: true}, ctx.Err()
	}
	return propResult{appended: true}, ErrNodeDown
}

// read hands a read to the node's loop and waits for its answer.
func (n *node) read(ctx context.Context, key string) (readResult, error) {
	in := n.running()
	if in == nil {
		return readResult{}, errNotSubmitted
	}
	q := &readReq{key: key, ctx: ctx, done: make(chan readResult, 1)}
	res, taken, answered, err := handOver(ctx, in, in.readc, q, q.done)
	switch {
	case !taken:
		return readResult{}, err
	case answered:
		return res, res.err
	case ctx.Err() != nil:
		return readResult{}, ctx.Err()
	}
	return readResult{}, ErrNodeDown
}
