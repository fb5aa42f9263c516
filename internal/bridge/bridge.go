package bridge

import (
	"context"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// Engine is the cluster the bridge serves: the native cluster, or a fake in
// tests. Every method may be called from several goroutines at once (one per
// connection, the push hub and HTTP requests); the Engine serialises what it
// must. No method may block on the bridge.
//
// Errors say their kind by wrapping one of wire's sentinels (wire.ErrBadConfig,
// wire.ErrBadCommand, wire.ErrUnknownNode, wire.ErrImpossible, ...; see
// wire.KindOf). A write that a leader had accepted into its log but whose
// result is unknown (the leader crashed or stepped down, ctx ended) must
// wrap wire.ErrOutcomeUnknown: kind unknown-outcome, HTTP 504. Any other
// error means the cluster could not serve a well-formed call now and the
// call had no effect (no leader, no quorum, ctx ended before any log took
// the write, the cluster stopped): the bridge answers it as kind
// unavailable, HTTP 503, safe to retry. Error texts are shown to people as
// they are.
type Engine interface {
	// Frame returns the cluster now: the view showing what o asks of each
	// node (its newest log entries, a page of its keys; the bridge passes
	// only options that pass wire.ViewOptions.Check), and the kept events
	// with a larger seq than since, oldest first, only notable ones if
	// notable is set, only the newest maxEvents of them (0: no limit).
	// View.Events is the seq of the newest event recorded; the caller
	// passes it as its next since. The bridge trims what it gets to
	// wire.FrameBudget (wire.BoundFrame).
	Frame(since uint64, notable bool, maxEvents int, o wire.ViewOptions) wire.Frame
	// Apply carries out a command (a fault, a cluster change, or a client
	// operation that is submitted and answered later by a client-return
	// event). It returns an error wrapping one of wire's sentinels and
	// changes nothing when the command is malformed or impossible now.
	Apply(cmd wire.Command) error
	// Create stops the current cluster and starts a new one with cfg. Its
	// events start again from seq 1. An invalid cfg returns an error
	// wrapping wire.ErrBadConfig and changes nothing.
	Create(cfg wire.Config) error
	// Config returns the running cluster's configuration.
	Config() wire.Config
	// Set writes key and returns once the write is committed and applied,
	// with its log index. Delete is the same for removing key.
	Set(ctx context.Context, key, value string) (index uint64, err error)
	// Delete removes key and returns once committed and applied, saying
	// whether the key existed then.
	Delete(ctx context.Context, key string) (index uint64, existed bool, err error)
	// Get is a linearizable read (ReadIndex).
	Get(ctx context.Context, key string) (value string, found bool, err error)
	// CommittedLog returns a page of node's committed log, read in full a
	// page at a time (wire.CommittedLog): at most limit entries (0:
	// wire.DefaultLogPage) from index from (0: the first the node holds).
	// The bridge passes only arguments the engine protocol's request table
	// accepts (wire.CheckRequest of wire.ReqCommittedLog).
	// A node the cluster does not run wraps wire.ErrUnknownNode; a from
	// the node does not hold (compacted, or past its commit index and the
	// next) wraps wire.ErrImpossible.
	CommittedLog(node core.NodeID, from core.LogIndex, limit int) (wire.LogPage, error)
}

// Options tune a Bridge. Zero fields take the defaults named.
type Options struct {
	// MinInterval and MaxInterval bound the push interval a subscriber may
	// ask for (defaults 50 ms and 5 s); DefaultInterval is used when it asks
	// for none (100 ms). The hub ticks every MinInterval.
	MinInterval, MaxInterval, DefaultInterval time.Duration
	// ClientFrameLimit is the largest client message read, in bytes
	// (default 64 KiB). A larger one is answered with an error and skipped.
	ClientFrameLimit int
	// WriteTimeout is how long one write to a client may take before the
	// client is disconnected (default 10 s).
	WriteTimeout time.Duration
	// PendingEvents bounds the events carried in a subscriber's pending
	// frame (default 5,000); older ones beyond it are dropped and counted.
	PendingEvents int
	// PendingBytes bounds what a subscriber that does not read may cost
	// (default 512 KiB): once the pushed frames replaced in its pending
	// slot since its last completed write, with the push being written,
	// add up to more, it is dropped, closed with websocket code 1008
	// (policy violation) and a reason.
	PendingBytes int
	// PingInterval is how often each connection is pinged (default 30 s). A
	// peer that shows no sign of life (a message or a pong) for two
	// intervals plus WriteTimeout is disconnected.
	PingInterval time.Duration
	// RequestTimeout bounds an HTTP key-value request (default 10 s); one
	// that takes longer answers 503.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds an HTTP request body (default 64 KiB).
	MaxBodyBytes int64
	// Join, when set, lets a page host a Raft member of the cluster: the
	// join operation calls it, and the connection then carries the
	// member's raftpb messages as binary frames. Nil refuses join.
	Join JoinFunc
	// RaftFrameLimit is the largest binary frame (one raftpb.Message) read
	// from a member's page (default 16 MiB); a larger one is answered with
	// an error and dropped.
	RaftFrameLimit int
	// RaftQueue bounds the raft messages waiting for a connection's writer
	// (default 1024); beyond it they are dropped and counted.
	RaftQueue int
	// MaxConns bounds the websocket connections open at once (default
	// 64); one more is refused with 503 until one closes.
	MaxConns int
	// Logger receives reports of refused and dropped connections and of
	// recovered panics (default: none).
	Logger *log.Logger
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinInterval, 50*time.Millisecond)
	def(&o.MaxInterval, 5*time.Second)
	def(&o.DefaultInterval, 100*time.Millisecond)
	def(&o.WriteTimeout, 10*time.Second)
	def(&o.PingInterval, 30*time.Second)
	def(&o.RequestTimeout, 10*time.Second)
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = o.MinInterval
	}
	o.DefaultInterval = min(max(o.DefaultInterval, o.MinInterval), o.MaxInterval)
	if o.ClientFrameLimit <= 0 {
		o.ClientFrameLimit = 64 << 10
	}
	if o.RaftFrameLimit <= 0 {
		o.RaftFrameLimit = 16 << 20
	}
	if o.RaftQueue <= 0 {
		o.RaftQueue = 1024
	}
	if o.PendingEvents <= 0 {
		o.PendingEvents = 5000
	}
	if o.PendingBytes <= 0 {
		o.PendingBytes = 512 << 10
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 64
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.Logger == nil {
		o.Logger = log.New(io.Discard, "", 0)
	}
	return o
}

// Bridge serves one Engine to pages over websockets (ServeWS) and to curl
// over HTTP (API). Create it with New; Close ends it.
type Bridge struct {
	e        Engine
	opt      Options
	log      *log.Logger
	upgrader websocket.Upgrader
	hub      *hub

	// ctx is cancelled by Close; HTTP requests in flight give up with it.
	ctx    context.Context
	cancel context.CancelFunc
	// wg counts every goroutine the bridge runs: the hub and each
	// connection's reader and writer.
	wg sync.WaitGroup
	// nDropped counts subscribers dropped for not reading.
	nDropped atomic.Uint64
	// gen counts the clusters created through the bridge, so cursors into
	// an old cluster's events are not used in a new one.
	gen atomic.Uint64

	mu      sync.Mutex
	closed  bool
	nextID  uint64
	clients map[uint64]*client
	// upgrading counts websocket handshakes under way, which hold a place
	// under Options.MaxConns.
	upgrading int
	gone      []ClientStats // the most recently closed connections, oldest first
	total     Totals        // of closed connections
}

// keepClosed is how many closed connections Stats still lists.
const keepClosed = 256

// New returns a Bridge serving e and starts its push hub.
func New(e Engine, opts Options) *Bridge {
	b := newBridge(e, opts)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.hub.run(b.ctx)
	}()
	return b
}

// newBridge returns a Bridge whose hub is not running (tests tick it).
func newBridge(e Engine, opts Options) *Bridge {
	o := opts.withDefaults()
	b := &Bridge{e: e, opt: o, log: o.Logger, clients: make(map[uint64]*client)}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.upgrader = websocket.Upgrader{
		ReadBufferSize:   4096,
		WriteBufferSize:  16 << 10,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: o.WriteTimeout,
		CheckOrigin:      sameOrigin,
	}
	b.hub = newHub(b)
	return b
}

// Close stops the hub, closes every connection (with a close frame saying
// "going away" where the peer still reads) and returns once every
// goroutine the bridge started has ended. HTTP requests in flight are
// cancelled; new websocket requests are refused with 503. Close may be
// called more than once.
func (b *Bridge) Close() {
	b.mu.Lock()
	b.closed = true
	open := make([]*client, 0, len(b.clients))
	for _, c := range b.clients {
		open = append(open, c)
	}
	b.mu.Unlock()
	b.cancel()
	var bye sync.WaitGroup
	for _, c := range open {
		bye.Go(func() {
			c.goodbye()
			c.shutdown()
		})
	}
	bye.Wait()
	b.wg.Wait()
}

// frame calls the engine's Frame, makes its events a non-nil slice, so
// they encode as [], and trims it to wire.FrameBudget.
func (b *Bridge) frame(since uint64, notable bool, maxEvents int, o wire.ViewOptions) wire.Frame {
	f := b.e.Frame(since, notable, maxEvents, o)
	wire.BoundFrame(&f, wire.FrameBudget)
	if f.Events == nil {
		f.Events = []wire.Event{}
	}
	return f
}

// eventCounter is implemented by engines that can say how many events they
// have recorded without building a frame (the native cluster can).
type eventCounter interface {
	EventCount() uint64
}

// eventCount returns the seq of the newest event recorded.
func (b *Bridge) eventCount() uint64 {
	if ec, ok := b.e.(eventCounter); ok {
		return ec.EventCount()
	}
	return b.e.Frame(^uint64(0), true, 1, wire.ViewOptions{LogWindow: 1, KVLimit: 1}).View.Events
}
