package native

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// Cluster is a set of native Raft nodes running at wall-clock speed in this
// process, talking over loopback TCP. All its methods are safe for
// concurrent use. Create replaces the nodes with a fresh cluster; Stop ends
// them.
type Cluster struct {
	// cmdMu serializes the calls that change the cluster: Apply, Create and
	// Stop.
	cmdMu sync.Mutex
	// mu guards r, the current cluster, which readers (Frame, Set, ...)
	// pick up and then use without holding mu.
	mu sync.RWMutex
	r  *run
}

// run is one cluster from Start or Create to the next Create or Stop.
type run struct {
	cfg      wire.Config // as created; the network settings live in net
	durable  durability  // where the nodes keep their logs, if anywhere
	lockOnce sync.Once   // releases durable.lock once
	start    time.Time
	ctx      context.Context // ended by stop
	stop     context.CancelFunc
	trace    *trace
	net      network
	// nodes are the nodes the process runs, in id order: ids 1 to
	// cfg.Nodes, then those added by a membership command (addNode). The
	// slice is never modified once published; addNode publishes a longer
	// copy, under Cluster.cmdMu.
	nodes atomic.Pointer[[]*node]

	nextMsg    atomic.Uint64 // message ids
	nextReq    atomic.Uint64 // request ids, carried in log entries
	rounds     atomic.Uint64 // Ready rounds handled by every node
	leaderHint atomic.Uint64 // the node that last became leader, 0 if unknown
	stopped    atomic.Bool
	wg         sync.WaitGroup // console requests

	// remoteMu guards the members hosted outside the process (AddRemote):
	// those in the cluster by id, every one ever added in id order (views
	// keep showing those that left, as down, so ids stay 1 to n), and the
	// highest id given to any node.
	remoteMu   sync.RWMutex
	remotes    map[core.NodeID]*Remote
	allRemotes []*Remote
	// reclaimedAt is when a native node last asked a member hosted
	// elsewhere for leadership (under remoteMu).
	reclaimedAt time.Time
	// lastID is the highest node id given so far (under remoteMu): to a
	// node the process runs or to a member hosted outside.
	lastID core.NodeID
	// silence is the member silence in nanoseconds (0: the default), and
	// watchMembersOnce starts the goroutine that removes silent members
	// (members.go).
	silence          atomic.Int64
	watchMembersOnce sync.Once
}

// Start starts cfg.Nodes nodes, with ids 1 to cfg.Nodes, bootstrapped as
// one cluster with cfg.Raft's timing (one tick per heartbeat interval) and
// cfg.Network's latency and faults applied on the sending side. The
// configuration is validated as the simulator's (wire.Config.Validate; errors
// wrap wire.ErrBadConfig); manual delivery is refused, since the native
// cluster runs in real time. Seed and Clients are kept in Config but not
// used: the native cluster has no simulated workload.
func Start(cfg wire.Config) (*Cluster, error) {
	r, err := startRun(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{r: r}, nil
}

// validateConfig checks cfg as Start needs it.
func validateConfig(cfg wire.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Manual {
		return fmt.Errorf("%w: manual: the native cluster runs in real time; messages cannot wait for commands", wire.ErrBadConfig)
	}
	if len(cfg.Faults) > 0 {
		return fmt.Errorf("%w: faults: the native cluster runs etcd Raft as it is; faults are planted in the simulator only", wire.ErrBadConfig)
	}
	return nil
}

func startRun(cfg wire.Config) (*run, error) { return startRunWith(cfg, durability{}) }

// startRunWith starts a run whose nodes keep their state as d says.
func startRunWith(cfg wire.Config, d durability) (*run, error) {
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	r := &run{cfg: cfg, durable: d, start: now, ctx: ctx, stop: cancel, trace: newTrace(now)}
	r.net.cfg = cfg.Network
	nodes := make([]*node, 0, cfg.Nodes)
	for i := 1; i <= cfg.Nodes; i++ {
		nodes = append(nodes, &node{id: core.NodeID(i), r: r, store: storage.NewMemStorage()})
	}
	r.nodes.Store(&nodes)
	r.lastID = core.NodeID(cfg.Nodes)
	for _, n := range nodes {
		if err := n.start(false); err != nil {
			r.shutdown()
			return nil, err
		}
	}
	return r, nil
}

// nodeConfig is the core configuration of node id. A node added by a
// membership command starts with no membership of its own and waits to
// hear from the leader, as in the simulator.
func (r *run) nodeConfig(id core.NodeID) core.Config {
	cfg := core.Config{Node: core.NodeConfig{ID: id}, Raft: r.cfg.Raft}
	if int(id) > r.cfg.Nodes {
		return cfg
	}
	cfg.Cluster.Bootstrap = true
	for i := 1; i <= r.cfg.Nodes; i++ {
		cfg.Cluster.InitialMembers = append(cfg.Cluster.InitialMembers, core.InitialMember{ID: core.NodeID(i)})
	}
	// Like the simulator, run 1- and 2-node clusters too: they show why
	// three is the minimum.
	cfg.Cluster.AllowSmallCluster = r.cfg.Nodes < 3
	return cfg
}

// all returns the nodes the process runs, in id order. The caller may not
// modify the slice.
func (r *run) all() []*node { return *r.nodes.Load() }

// node returns the node the process runs with id, or nil (a member hosted
// outside, or an id not given).
func (r *run) node(id core.NodeID) *node {
	for _, n := range r.all() {
		if n.id == id {
			return n
		}
	}
	return nil
}

// nativeIDs returns the ids of the nodes the process runs, in order.
func (r *run) nativeIDs() []core.NodeID {
	nodes := r.all()
	out := make([]core.NodeID, len(nodes))
	for i, n := range nodes {
		out[i] = n.id
	}
	return out
}

// highestID is the highest node id given so far, to a node the process
// runs or to a member hosted outside: ids run from 1 without gaps.
func (r *run) highestID() core.NodeID {
	r.remoteMu.RLock()
	defer r.remoteMu.RUnlock()
	return r.lastID
}

// sinceStart is t in milliseconds since the cluster started.
func (r *run) sinceStart(t time.Time) int64 { return t.Sub(r.start).Milliseconds() }

// shutdown stops every node and waits for every goroutine of the run.
func (r *run) shutdown() {
	r.stopped.Store(true)
	r.stop()
	for _, n := range r.all() {
		n.stop()
	}
	r.wg.Wait()
	r.lockOnce.Do(func() {
		if r.durable.lock != nil {
			r.durable.lock.Close()
		}
	})
}

// current returns the cluster now running (or last stopped).
func (c *Cluster) current() *run {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.r
}

// live returns the running cluster, or ErrStopped.
func (c *Cluster) live() (*run, error) {
	r := c.current()
	if r.stopped.Load() {
		return nil, ErrStopped
	}
	return r, nil
}

// Stop stops every node gracefully: when it returns, every goroutine the
// cluster started has ended and every socket is closed. Calls in progress
// fail with ErrStopped or ErrNodeDown. Stop is idempotent and always returns
// nil; Frame still shows the stopped cluster (every node down), and Create
// starts a new one.
func (c *Cluster) Stop() error {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	c.current().shutdown()
	return nil
}

// Create stops the current nodes and starts a fresh cluster from cfg in
// their place, keeping the same *Cluster. An invalid cfg returns an error
// (wrapping wire.ErrBadConfig) and changes nothing. Events and times start
// again from zero. If the new nodes cannot start (no loopback port), the
// error is returned and the cluster is left stopped. A durable cluster
// (StartDurable) refuses, with wire.ErrImpossible, and keeps running: its
// data directory holds that one cluster.
func (c *Cluster) Create(cfg wire.Config) error {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	if err := validateConfig(cfg); err != nil {
		return err
	}
	if dir := c.current().durable.dir; dir != "" {
		return fmt.Errorf("%w: create: this cluster keeps its nodes' logs in %s and restarts from them; to start a fresh cluster, restart the server with an empty data directory (or none)", wire.ErrImpossible, dir)
	}
	c.current().shutdown()
	r, err := startRun(cfg)
	if err != nil {
		return err
	}
	r.silence.Store(c.current().silence.Load())
	c.mu.Lock()
	c.r = r
	c.mu.Unlock()
	return nil
}

// Config returns the configuration the cluster was created with, with the
// current network settings.
func (c *Cluster) Config() wire.Config {
	r := c.current()
	cfg := r.cfg
	cfg.Network = r.net.config()
	return cfg
}

// EventCount is the number of events recorded since the cluster started:
// the Seq of the newest.
func (c *Cluster) EventCount() uint64 { return c.current().trace.total() }

// Frame returns the cluster's view and its events with Seq > since, oldest
// first: with notable, only those that are not routine (wire.Event.Routine),
// and with maxEvents > 0 only the newest maxEvents of them. Each node shows
// what o asks (wire.ViewOptions, normalized: the newest log entries and a
// page of keys). The frame is trimmed to wire.FrameBudget (wire.BoundFrame).
// Horizon is the view's time; Halted is always nil (the native cluster
// runs no safety checkers). The view's Events is the Seq of the newest
// event recorded when the events were read: pass it as the next since.
func (c *Cluster) Frame(since uint64, notable bool, maxEvents int, o wire.ViewOptions) wire.Frame {
	r := c.current()
	evs, count := r.trace.since(since, notable, maxEvents)
	v := r.view(o)
	v.Events = count
	f := wire.Frame{View: v, Events: evs, Horizon: v.Time}
	wire.BoundFrame(&f, wire.FrameBudget)
	return f
}
