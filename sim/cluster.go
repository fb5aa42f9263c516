package sim

import (
	"fmt"
	mrand "math/rand/v2"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// Cluster is a whole Raft cluster simulated in one thread on a virtual clock:
// nodes, the network between them, clients, the safety checkers and the trace.
//
// A Cluster is not safe for concurrent use, and two Clusters in one process
// must not run at the same time (see entropy.go). Nothing in it reads the wall
// clock: time moves only when Step, RunUntil or RunFor is called.
type Cluster struct {
	cfg   wire.Config
	now   int64 // virtual milliseconds
	steps uint64
	rng   *mrand.Rand
	ent   *entropy
	seq   uint64 // scheduling sequence for ties in the queue

	nodes []*simNode
	// gens is the sum of the nodes' incarnations (simNode.gen), bumped
	// with each: the checkers compare it with theirs to skip looking for
	// a restart on every step.
	gens    uint64
	queue   eventQueue
	flights map[uint64]*flight
	nextMsg uint64
	// freeFlights recycles delivered flights.
	freeFlights []*flight
	// blocked[from][to] is true when the link from -> to is cut. Indexed by
	// node id; row and column 0 unused.
	blocked [wire.MaxNodes + 1][wire.MaxNodes + 1]bool

	trace  *trace
	safety *safety
	halted *wire.Violation
	// watch, if set, sees every event as it is recorded (a search's
	// replay: search.go).
	watch   func(*wire.Event)
	clients []*client
	console *client // requests typed by a person (client id 0)
	history []HistoryOp
	pending map[uint64]*request // outstanding requests by id
	// readsWaiting counts gets granted a read index and waiting for apply.
	readsWaiting int
	nextReq      uint64

	// initial is the configuration the cluster was created with (commands
	// may change the network settings and manual mode later).
	initial wire.Config
	// log holds every command of the session, for export and replay. The
	// first logPos have been applied; after a seek back in time the rest are
	// the recorded future, re-applied as the run reaches them, until a new
	// command replaces them.
	log    []wire.LoggedCommand
	logPos int
	// horizon is the furthest virtual time the session has reached.
	horizon int64

	hooks hooks // test-only faults
	// tools are what New's options add (tools.go; nothing in the page's
	// engine, tools_engine.go).
	tools toolOptions

	cps     *checkpoints // replicas for seeking back
	replica bool         // this cluster is a checkpoint replica
}

// New creates a cluster from cfg: its nodes bootstrapped and not yet ticked,
// at virtual time 0. opts are for tools that watch etcd Raft inside a run
// (WithRaftOptions); a run is the same with them as without.
func New(cfg wire.Config, opts ...Option) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Cluster{
		cfg:     cfg,
		initial: cfg,
		rng:     newRand(cfg.Seed),
		ent:     newEntropy(cfg.Seed),
		flights: make(map[uint64]*flight),
		pending: make(map[uint64]*request),
		cps:     &checkpoints{every: DefaultCheckpointEveryMS},
		trace:   newTrace(defaultTraceKeep),
	}
	for _, o := range opts {
		o(&c.tools)
	}
	c.safety = newSafety()
	c.plantFaults()
	var err error
	withEntropy(c.ent, func() {
		hb := int64(cfg.Raft.HeartbeatIntervalMS)
		for i := 1; i <= cfg.Nodes; i++ {
			n := &simNode{id: core.NodeID(i), store: storage.NewMemStorage(), phase: c.rng.Int64N(hb)}
			c.nodes = append(c.nodes, n)
		}
		for _, n := range c.nodes {
			if err = c.startNode(n, false); err != nil {
				return
			}
		}
		c.console = c.newClient(0)
		for i := 1; i <= cfg.Clients.Count; i++ {
			c.clients = append(c.clients, c.newClient(i))
		}
		for _, cl := range c.clients {
			c.scheduleClient(cl)
		}
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// nodeConfig is the core configuration of node id in this cluster.
func (c *Cluster) nodeConfig(id core.NodeID) core.Config {
	cfg := core.Config{Node: core.NodeConfig{ID: id}, Raft: c.cfg.Raft}
	if int(id) > c.initial.Nodes {
		// Added by a command: it starts with no membership and waits to
		// hear from the leader.
		return cfg
	}
	cfg.Cluster.Bootstrap = true
	for i := 1; i <= c.initial.Nodes; i++ {
		cfg.Cluster.InitialMembers = append(cfg.Cluster.InitialMembers, core.InitialMember{ID: core.NodeID(i)})
	}
	// The simulator also runs 1- and 2-node clusters, which a real
	// deployment would refuse: they show why three is the minimum.
	cfg.Cluster.AllowSmallCluster = c.initial.Nodes < 3
	return cfg
}

// Config returns the cluster's configuration (with the current network
// parameters).
func (c *Cluster) Config() wire.Config { return c.cfg }

// Now returns the virtual time in milliseconds.
func (c *Cluster) Now() int64 { return c.now }

// Steps returns how many events have been processed since time 0.
func (c *Cluster) Steps() uint64 { return c.steps }

// Halted returns the violation that stopped the run, or nil.
func (c *Cluster) Halted() *wire.Violation { return c.halted }

// NextEventAt returns the time of the next scheduled event and true, or false
// if nothing is scheduled (possible in manual mode with no clients).
func (c *Cluster) NextEventAt() (int64, bool) {
	if c.queue.Len() == 0 {
		return 0, false
	}
	return c.queue.peek().at, true
}

// Step processes the next scheduled event, moving the clock to its time. It
// returns false if nothing is scheduled, and ErrHalted once a violation has
// been found.
func (c *Cluster) Step() (ok bool, err error) {
	withEntropy(c.ent, func() { ok, err = c.step() })
	return ok, err
}

// step is Step with the cluster's entropy installed: the loops install it
// once per run of steps, not once per step.
func (c *Cluster) step() (bool, error) {
	if c.halted != nil {
		return false, fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	if c.queue.Len() == 0 {
		return false, nil
	}
	c.applyDue(c.queue.peek().at)
	if c.halted == nil && c.queue.Len() > 0 {
		c.stepLocked()
	}
	if c.halted != nil {
		return true, fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	return true, nil
}

func (c *Cluster) stepLocked() {
	e := c.queue.pop()
	c.now = e.at
	if c.now > c.horizon {
		c.horizon = c.now
	}
	c.steps++
	switch e.kind {
	case qTick:
		c.tick(c.nodes[e.who], e.arg)
	case qDeliver:
		c.deliver(e.arg)
	case qClientWake:
		c.clientWake(int(e.who), e.arg)
	case qClientTimeout:
		c.clientTimeout(int(e.who), e.arg)
	}
	if c.halted == nil {
		c.safety.afterStep(c)
	}
}

// RunUntil processes every event scheduled at or before t, then sets the
// clock to t (if t is later). It stops early, with ErrHalted, on a violation.
//
// Commands recorded in the log beyond the current point (after a seek back)
// are re-applied when the run reaches them.
func (c *Cluster) RunUntil(t int64) (err error) {
	withEntropy(c.ent, func() { err = c.runUntil(t) })
	return err
}

// runUntil is RunUntil with the cluster's entropy installed.
func (c *Cluster) runUntil(t int64) error {
	for c.halted == nil {
		c.applyDue(t)
		if c.halted != nil || c.queue.Len() == 0 || c.queue.peek().at > t {
			break
		}
		if _, err := c.step(); err != nil {
			return err
		}
	}
	if c.halted != nil {
		return fmt.Errorf("%w: %s", wire.ErrHalted, c.halted.Text)
	}
	if t > c.now {
		c.now = t
	}
	if c.now > c.horizon {
		c.horizon = c.now
	}
	return nil
}

// applyDue applies the recorded commands due at the current step, if they
// were applied no later than time limit.
func (c *Cluster) applyDue(limit int64) {
	for c.halted == nil && c.logPos < len(c.log) {
		lc := c.log[c.logPos]
		if lc.Step != c.steps || lc.At > limit {
			return
		}
		if lc.At > c.now {
			c.now = lc.At
			c.horizon = max(c.horizon, c.now)
		}
		c.logPos++
		if err := c.validate(lc.Command); err != nil {
			// Cannot happen for a log this cluster recorded; an edited
			// import may contain it. Record it and go on.
			c.emit(wire.Event{Kind: wire.EvCommand, Type: string(lc.Command.Kind), Text: "skipped recorded command: " + err.Error()})
			continue
		}
		c.apply(lc.Command)
	}
}

// RunFor runs the cluster for d virtual milliseconds.
func (c *Cluster) RunFor(d int64) error { return c.RunUntil(c.now + d) }

// StepN processes up to n events; it returns how many it processed.
func (c *Cluster) StepN(n int) (done int, err error) {
	withEntropy(c.ent, func() { done, err = c.stepN(n) })
	return done, err
}

// stepN is StepN with the cluster's entropy installed.
func (c *Cluster) stepN(n int) (int, error) {
	for i := 0; i < n; i++ {
		ok, err := c.step()
		if err != nil {
			return i, err
		}
		if !ok {
			return i, nil
		}
	}
	return n, nil
}

// schedule queues an event.
func (c *Cluster) schedule(e qevent) {
	c.seq++
	e.seq = c.seq
	c.queue.push(e)
}

// emit records a trace event at the current time.
func (c *Cluster) emit(e wire.Event) {
	e.At = c.now
	c.trace.add(&e)
	if c.watch != nil {
		// A copy: e's address, given to a function value, would move
		// every event to the heap, watched or not.
		w := e
		c.watch(&w)
	}
}

// Events returns the recent events with Seq > since, oldest first. The trace
// keeps the last 20,000 events; older ones are gone (TraceHash still covers
// them).
func (c *Cluster) Events(since uint64) []wire.Event { return c.trace.since(since, false, 0) }

// EventsFiltered is Events keeping only the newest max events (0: no
// limit) and, when notable is set, leaving out the routine ones (see
// Event.Routine). A page that shows a few hundred notable events asks for
// those only, and the thousands of messages a busy second produces are
// never described or sent.
func (c *Cluster) EventsFiltered(since uint64, notable bool, max int) []wire.Event {
	return c.trace.since(since, notable, max)
}

// EventCount is the number of events recorded since time 0.
func (c *Cluster) EventCount() uint64 { return c.trace.count }

// TraceHash is a hash of every event recorded since time 0: two runs with the
// same seed, configuration and commands have the same hash.
func (c *Cluster) TraceHash() uint64 { return c.trace.sum }
