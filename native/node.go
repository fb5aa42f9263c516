package native

import (
	"context"
	"fmt"
	"log"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// Loop tuning.
const (
	// maxBatch bounds how many inputs (messages, proposals, reads, reports)
	// the loop takes before handling a Ready round, so many proposals share
	// one round without starving ticks.
	maxBatch = 1024
	// publishEvery is the shortest interval between two published states of
	// a busy node (its role, term and leader are published at once).
	publishEvery = 20 * time.Millisecond
	// kvPublishEveryLarge is the interval for copying a state machine of
	// more than kvLarge keys into the published state.
	kvPublishEveryLarge = 250 * time.Millisecond
	kvLarge             = 1000
)

// node is one member of a running cluster. Its storage is its disk: it
// survives crashes. Everything else lives in an incarnation, one per start.
// A durable node's disk is its log (StartDurable): each start rebuilds its
// storage from it.
type node struct {
	id core.NodeID
	r  *run

	mu    sync.Mutex
	store *storage.MemStorage // replaced by a durable node's start
	inc   *incarnation        // running incarnation, nil while down
	dead  []*incarnation      // stopped incarnations whose goroutines may still be ending
	addr  string              // listen address while up
	state nodeState           // published by the running incarnation
	err   error               // why the node stopped on its own, if it did
	// fromLog says what a durable node's last start found in its log (nil:
	// nothing, or not durable).
	fromLog *wire.Event
	// logMade says the node's log was created or opened once: a later
	// start never creates it again.
	logMade bool
	// removed is set once a node applied a configuration without this one
	// (membership.go): it keeps running, so that it can still vote for
	// voters that have not learned of the change, but views show it left.
	removed atomic.Bool
}

// nodeState is what a node's goroutine publishes for views.
type nodeState struct {
	status          core.Status
	electionElapsed int
	kv              []statemachine.KV // sorted by key; views show a page of it
	kvDigest        uint64            // the data digest of kv
}

// incarnation is one run of a node between a start and a crash: its
// core.RaftNode, owned by the loop goroutine, its listener, its readers and
// senders.
type incarnation struct {
	n       *node
	rn      *core.RaftNode
	wal     *nodeLog    // the node's log (StartDurable), owned by the loop; nil in memory
	pending pendingSave // rounds not saved yet (the planted saveLazily only)
	ctx     context.Context
	cancel  context.CancelFunc
	ln      net.Listener
	conns   connSet
	wg      sync.WaitGroup // every goroutine of this incarnation

	recvc   chan *pb.Message
	propc   chan *proposal
	readc   chan *readReq
	ctlc    chan func()
	reportc chan report

	senders []*sender // by peer id; nil for itself

	// remoteSenders are the senders started by the loop on first use: to
	// remote members (AddRemote) and to nodes added after this incarnation
	// started (addNodes); views read them too.
	remoteMu      sync.Mutex
	remoteSenders map[core.NodeID]*sender

	// Owned by the loop goroutine: events of the current round, and the
	// messages of the current round waiting for their send events to be
	// recorded.
	ev  eventBuf
	out []outgoing

	// Owned by the loop goroutine: the node's narrator, what the trace
	// last said about it (role, term, vote, leader, commit, campaign,
	// election clock).
	wire.Narrator

	// conf is the configuration the node last applied (nil before its
	// first change in this incarnation), owned by the loop goroutine.
	conf *pb.ConfState

	// Owned by the loop goroutine: requests waiting for an answer.
	waiters     map[uint64]*proposal // by request id
	readBatch   []*readReq           // to be sent as one ReadIndex
	readSeq     uint64
	readsByCtx  map[uint64][]*readReq // waiting for their read index
	readsApply  []*readReq            // waiting for the state machine to reach their index
	dirty       bool                  // state changed since the last publish
	kvDirty     bool
	lastPublish time.Time
	lastKV      time.Time
	kv          []statemachine.KV
	kvDigest    uint64
}

// outgoing is a message ready for its sender.
type outgoing struct {
	s *sender
	f *flight
}

// report is a sender's news for the loop: a peer is unreachable, or a
// snapshot was sent (ok) or lost.
type report struct {
	to       core.NodeID
	snapshot bool
	ok       bool
}

// address returns the node's listen address, or "" while it is down.
func (n *node) address() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addr
}

// storage returns the node's storage.
func (n *node) storage() *storage.MemStorage {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.store
}

// running returns the running incarnation, or nil.
func (n *node) running() *incarnation {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.inc
}

// up reports whether the node is running.
func (n *node) up() bool { return n.running() != nil }

// start builds a RaftNode from the node's storage (fresh, or after a crash),
// listens on a new loopback port and starts the node's goroutines. What the
// node restarted from (a restart command, with restart set, or a previous
// run's log) is recorded before the node's goroutines start, so before
// anything the node does.
func (n *node) start(restart bool) error {
	n.reap()
	var wlog *nodeLog
	if n.r.durable.dir != "" {
		var err error
		if wlog, err = n.openLog(); err != nil {
			return err
		}
	}
	closeLog := func() {
		if wlog != nil {
			wlog.Close()
		}
	}
	// A removed leader hands leadership on (handOff) rather than step
	// down at once, as in the simulator.
	rn, err := core.New(n.r.nodeConfig(n.id), n.storage(), core.KeepLeadershipOnRemoval())
	if err != nil {
		closeLog()
		return fmt.Errorf("native: start %s: %w", n.id, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeLog()
		return fmt.Errorf("native: start %s: %w", n.id, err)
	}
	ctx, cancel := context.WithCancel(n.r.ctx)
	in := &incarnation{
		n: n, rn: rn, wal: wlog, ctx: ctx, cancel: cancel, ln: ln,
		recvc:      make(chan *pb.Message, 4096),
		propc:      make(chan *proposal, 4096),
		readc:      make(chan *readReq, 4096),
		ctlc:       make(chan func()),
		reportc:    make(chan report, 1024),
		senders:    make([]*sender, n.r.highestID()+1),
		ev:         eventBuf{tr: n.r.trace},
		waiters:    make(map[uint64]*proposal),
		readsByCtx: make(map[uint64][]*readReq),
		dirty:      true,
		kvDirty:    true,
	}
	hs, _, _ := rn.Storage().InitialState()
	in.Narrator.ID = n.id
	in.Restart(hs)
	if restart {
		snap, _ := rn.Storage().Snapshot()
		applied := snap.GetMetadata().GetIndex()
		from := "its storage"
		if n.r.durable.dir != "" {
			from = "its log on disk"
		}
		n.r.trace.add(wire.Event{Kind: wire.EvRestart, Node: n.id, Term: core.Term(hs.GetTerm()), Index: core.LogIndex(applied),
			Text: fmt.Sprintf("%s restarted from %s (term %d, state machine restored to index %d)", n.id, from, hs.GetTerm(), applied)})
	} else if e := n.restored(); e != nil {
		n.r.trace.add(*e)
	}
	for _, p := range n.r.all() {
		if p.id != n.id {
			in.senders[p.id] = newSender(in, p.id)
		}
	}
	n.mu.Lock()
	n.inc, n.addr, n.err = in, ln.Addr().String(), nil
	n.mu.Unlock()

	in.wg.Add(3)
	go in.accept()
	go in.watch()
	for _, s := range in.senders {
		if s != nil {
			in.wg.Add(1)
			go s.run()
		}
	}
	go in.loop()
	return nil
}

// stop crashes the node: its goroutines end and its sockets close; its
// storage stays. It returns once every goroutine of the node has ended.
func (n *node) stop() {
	n.mu.Lock()
	in := n.inc
	if in != nil {
		n.inc, n.addr = nil, ""
		n.dead = append(n.dead, in)
	}
	n.mu.Unlock()
	if in != nil {
		in.cancel()
	}
	n.reap()
}

// reap waits for the goroutines of stopped incarnations.
func (n *node) reap() {
	n.mu.Lock()
	dead := n.dead
	n.dead = nil
	n.mu.Unlock()
	for _, in := range dead {
		in.cancel()
		in.wg.Wait()
	}
}

// watch closes the listener and every connection once the incarnation
// stops, which unblocks its readers and senders.
func (in *incarnation) watch() {
	defer in.wg.Done()
	<-in.ctx.Done()
	in.ln.Close()
	in.conns.closeAll()
}

// loop is the node's goroutine: the only one that touches its RaftNode. It
// ticks once per heartbeat interval, steps messages, takes proposals and
// reads, and after each batch of input handles Ready rounds until there is
// nothing left to do.
func (in *incarnation) loop() {
	defer in.wg.Done()
	defer in.closeLog()
	// etcd Raft panics on what it takes for a broken invariant (a commit
	// past the log's end, a conflict with a committed entry...), which a
	// hostile member can provoke: the panic stops this node, with its
	// reason in its view and the trace (and its stack in the process's
	// log), never the process.
	defer func() {
		if p := recover(); p != nil {
			log.Printf("native: %s stopped: %v: %v\n%s", in.n.id, ErrRaftPanic, p, debug.Stack())
			in.fail(fmt.Errorf("%w: %v (the node stopped; its storage is kept: restart it to continue)", ErrRaftPanic, p))
		}
	}()
	ticker := time.NewTicker(time.Duration(in.n.r.cfg.Raft.HeartbeatIntervalMS) * time.Millisecond)
	defer ticker.Stop()
	if err := in.drain(); err != nil {
		in.fail(err)
		return
	}
	in.publish(true)
	defer in.ev.flush()
	for {
		batchOK := true
		select {
		case <-in.ctx.Done():
			in.failRequests(ErrNodeDown)
			return
		case <-ticker.C:
			in.tick()
		case m := <-in.recvc:
			in.step(m)
		case p := <-in.propc:
			in.propose(p)
		case q := <-in.readc:
			in.read(q)
		case rep := <-in.reportc:
			in.handleReport(rep)
		case f := <-in.ctlc:
			// A command's effect (e.g. a forced campaign) gets its own Ready
			// round, before any message can undo it unseen.
			f()
			batchOK = false
		}
	batch:
		for i := 0; batchOK && i < maxBatch; i++ {
			select {
			case m := <-in.recvc:
				in.step(m)
			case p := <-in.propc:
				in.propose(p)
			case q := <-in.readc:
				in.read(q)
			case rep := <-in.reportc:
				in.handleReport(rep)
			default:
				break batch
			}
		}
		in.flushReads()
		if err := in.drain(); err != nil {
			in.fail(err)
			return
		}
		in.ev.flush()
		in.publish(false)
	}
}

// fail stops a node whose Ready loop failed, like a process exiting on a
// storage error. Its storage survives; restart it to continue.
func (in *incarnation) fail(err error) {
	n := in.n
	in.ev.add(wire.Event{Kind: wire.EvCrash, Node: n.id, Text: fmt.Sprintf("%s stopped: %v", n.id, err)})
	in.ev.flush()
	n.mu.Lock()
	if n.inc == in {
		n.inc, n.addr = nil, ""
		n.dead = append(n.dead, in)
	}
	n.err = err
	n.mu.Unlock()
	n.r.leaderHint.CompareAndSwap(uint64(n.id), 0)
	in.cancel()
	in.failRequests(ErrNodeDown)
}

// tick advances the node's Raft clock by one heartbeat.
func (in *incarnation) tick() {
	in.rn.Tick()
	in.Ticked(in.rn.Role(), in.ev.add)
	if in.n.removed.Load() && in.Role == core.RoleLeader {
		in.handOff() // again, if the last transfer timed out
	}
	in.pruneAbandoned()
	in.dirty = true
}

// step hands a peer's message to Raft.
func (in *incarnation) step(m *pb.Message) {
	from := core.NodeID(m.GetFrom())
	if from == 0 || core.NodeID(m.GetTo()) != in.n.id {
		return // not for this node
	}
	if in.n.r.node(from) == nil && (in.n.r.remote(from) == nil || !in.checkInLoop(m)) {
		return // not from a member, or refused
	}
	in.Heard(m)
	// Errors from Step are etcd Raft refusing a message it should ignore.
	_ = in.rn.Step(m)
}

// handleReport passes a sender's news to Raft.
func (in *incarnation) handleReport(rep report) {
	if rep.snapshot {
		in.rn.ReportSnapshot(rep.to, rep.ok)
		return
	}
	in.rn.ReportUnreachable(rep.to)
}

// report hands a sender's news to the loop. Unreachable reports are
// advisory and dropped if the loop is far behind; snapshot reports are not.
func (in *incarnation) report(rep report) {
	if !rep.snapshot {
		select {
		case in.reportc <- rep:
		default:
		}
		return
	}
	select {
	case in.reportc <- rep:
	case <-in.ctx.Done():
	}
}

// do runs f on the loop goroutine and waits for it, or returns ErrNodeDown
// if the node stops first.
func (in *incarnation) do(f func()) error {
	done := make(chan struct{})
	select {
	case in.ctlc <- func() { f(); close(done) }:
	case <-in.ctx.Done():
		return ErrNodeDown
	}
	select {
	case <-done:
		return nil
	case <-in.ctx.Done():
		return ErrNodeDown
	}
}

// drain runs Ready rounds until Raft has nothing left to do: each round
// persists, applies and advances (core.RaftNode.Process), is saved to the
// node's log if it has one (persist, synced), and only then are the writes
// it applied acknowledged (observe) and its messages handed to the
// senders, whose contents are by then in storage and on disk. The
// round's events, send events included, are recorded before any message
// reaches a sender, so a deliver or drop event never comes before its send.
func (in *incarnation) drain() error {
	for in.rn.HasReady() {
		u, err := in.rn.Process()
		if err != nil {
			return err
		}
		if err := in.persist(&u); err != nil {
			return err
		}
		in.n.r.rounds.Add(1)
		in.observe(&u)
		for _, m := range u.Messages {
			in.send(m)
		}
		in.ev.flush()
		for i, o := range in.out {
			o.s.enqueue(o.f)
			in.out[i] = outgoing{}
		}
		in.out = in.out[:0]
		in.serveReads()
		in.dirty = true
	}
	return nil
}

// send puts a message on the network: the sending side decides its latency
// and fate, and its sender will hold it until it is due.
func (in *incarnation) send(m *pb.Message) {
	r := in.n.r
	to := core.NodeID(m.GetTo())
	id := r.nextMsg.Add(1)
	in.ev.addMessage(wire.Event{Kind: wire.EvSend, Node: in.n.id, Peer: to, Term: core.Term(m.GetTerm()), Msg: id,
		Type: wire.MessageTypeName(m.GetType())}, m)
	if m.GetType() == pb.MsgSnap {
		md := m.GetSnapshot().GetMetadata()
		in.ev.add(wire.Event{Kind: wire.EvSnapshotSend, Node: in.n.id, Peer: to, Msg: id, Index: core.LogIndex(md.GetIndex()),
			Text: fmt.Sprintf("%s sent %s a snapshot up to index %d: the entries it needs were compacted", in.n.id, to, md.GetIndex())})
	}
	s := in.senderTo(to)
	if s == nil {
		return
	}
	if m.GetType() == pb.MsgVoteResp && !m.GetReject() && s.remote != nil {
		s.remote.granted(core.Term(m.GetTerm()), in.n.id)
	}
	ft := r.net.decide()
	now := time.Now()
	at := r.sinceStart(now)
	in.out = append(in.out, outgoing{s, &flight{id: id, m: m, sentAt: at, deliverAt: at + ft.latencyMS, due: now.Add(time.Duration(ft.latencyMS) * time.Millisecond), lost: ft.lost}})
	if ft.duplicate {
		dup := r.nextMsg.Add(1)
		in.ev.addMessage(wire.Event{Kind: wire.EvDuplicate, Node: in.n.id, Peer: to, Msg: dup, Type: wire.MessageTypeName(m.GetType())}, m)
		ft = r.net.decide()
		// The copy shares the message: nobody modifies it once sent.
		in.out = append(in.out, outgoing{s, &flight{id: dup, m: m, sentAt: at, deliverAt: at + ft.latencyMS, due: now.Add(time.Duration(ft.latencyMS) * time.Millisecond), lost: ft.lost}})
	}
}

// publish copies the node's state for views, when it changed and either
// force is set or publishEvery has passed. The key-value pairs are copied
// less often when there are many.
func (in *incarnation) publish(force bool) {
	if !in.dirty && !force {
		return
	}
	now := time.Now()
	if !force && now.Sub(in.lastPublish) < publishEvery {
		return
	}
	sm := in.rn.StateMachine()
	if in.kvDirty && (force || sm.Len() <= kvLarge || now.Sub(in.lastKV) >= kvPublishEveryLarge) {
		in.kv, in.kvDigest = sm.Pairs(), sm.DataDigest()
		in.kvDirty = false
		in.lastKV = now
	}
	st := nodeState{status: in.rn.Status(), kv: in.kv, kvDigest: in.kvDigest}
	st.electionElapsed = in.ElectionElapsed(st.status.Role)
	in.dirty = false
	in.lastPublish = now
	n := in.n
	n.mu.Lock()
	if n.inc == in {
		n.state = st
	}
	n.mu.Unlock()
}
