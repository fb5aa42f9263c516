package bridge

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// fakeEngine is an Engine for tests: nodes that are up or down, a list of
// events, a key-value map. It counts its calls and can be made slow or made
// to fail.
type fakeEngine struct {
	mu      sync.Mutex
	cfg     wire.Config
	up      []bool
	halted  bool
	events  []wire.Event // events[i].Seq == i+1
	applied []wire.Command
	creates int
	kv      map[string]string
	index   uint64

	frames  int // Frame calls
	perCall int // events recorded on every Frame call (a busy cluster)
	text    string
	// pairs, sorted by key, are shown as node 1's store (a large store).
	pairs []statemachine.KV

	// delay makes Set, Delete and Get wait this long (or until ctx ends).
	delay time.Duration
	// kvErr, createErr are returned by the key-value calls and by Create.
	kvErr, createErr error
	// waiting counts key-value calls waiting out the delay.
	waiting int
}

func newFake() *fakeEngine {
	f := &fakeEngine{kv: make(map[string]string)}
	f.reset(wire.DefaultConfig())
	return f
}

func (f *fakeEngine) reset(cfg wire.Config) {
	f.cfg = cfg
	f.up = make([]bool, cfg.Nodes)
	for i := range f.up {
		f.up[i] = true
	}
	f.events = nil
	f.halted = false
	f.emitLocked(wire.Event{Kind: wire.EvRole, Node: 1, Type: "leader", Text: "n1 became leader"})
}

// emitLocked records an event; f.mu is held.
func (f *fakeEngine) emitLocked(e wire.Event) {
	e.Seq = uint64(len(f.events)) + 1
	e.At = int64(e.Seq)
	f.events = append(f.events, e)
}

// emit records n events, routine and notable by turns.
func (f *fakeEngine) emit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emitN(n)
}

func (f *fakeEngine) emitN(n int) {
	for range n {
		kind := wire.EvSend
		if len(f.events)%2 == 1 {
			kind = wire.EvTerm
		}
		f.emitLocked(wire.Event{Kind: kind, Node: 1, Text: f.text})
	}
}

func (f *fakeEngine) Frame(since uint64, notable bool, maxEvents int, o wire.ViewOptions) wire.Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames++
	f.emitN(f.perCall)
	var ev []wire.Event
	for i := len(f.events) - 1; i >= 0 && (maxEvents <= 0 || len(ev) < maxEvents); i-- {
		e := f.events[i]
		if e.Seq <= since {
			break
		}
		if !notable || !e.Routine() {
			ev = append(ev, e)
		}
	}
	for i, j := 0, len(ev)-1; i < j; i, j = i+1, j-1 {
		ev[i], ev[j] = ev[j], ev[i]
	}
	nodes := make([]wire.NodeView, len(f.up))
	for i, up := range f.up {
		nodes[i] = wire.NodeView{ID: core.NodeID(i + 1), Up: up, KV: wire.EmptyKV(o.KVFrom)}
	}
	if len(nodes) > 0 && f.pairs != nil {
		n := o.Normalize()
		nodes[0].KV = wire.KVPageOf(f.pairs, 1, n.KVFrom, n.KVLimit)
	}
	return wire.Frame{View: wire.View{Time: int64(len(f.events)), Events: uint64(len(f.events)), Seed: uint64(o.LogWindow), Nodes: nodes}, Events: ev}
}

// CommittedLog reads a page of a log that holds nothing: the fake keeps no
// logs.
func (f *fakeEngine) CommittedLog(node core.NodeID, from core.LogIndex, limit int) (wire.LogPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if node < 1 || int(node) > len(f.up) {
		return wire.LogPage{}, fmt.Errorf("%w: committed log: node %d; nodes are 1 to %d", wire.ErrUnknownNode, node, len(f.up))
	}
	return wire.CommittedLog(node, storage.NewMemStorage(), from, limit)
}

// check validates a command as the native cluster would.
func (f *fakeEngine) check(cmd wire.Command) error {
	if f.halted {
		return fmt.Errorf("%w: planted violation", wire.ErrHalted)
	}
	node := func(id core.NodeID) error {
		if id < 1 || int(id) > len(f.up) {
			return fmt.Errorf("%w: %s: node %d; nodes are 1 to %d", wire.ErrUnknownNode, cmd.Kind, id, len(f.up))
		}
		return nil
	}
	switch cmd.Kind {
	case wire.CmdSet, wire.CmdDel, wire.CmdGet:
		if cmd.Key == "" {
			return fmt.Errorf("%w: %s: key missing", wire.ErrBadCommand, cmd.Kind)
		}
		if cmd.Key == "panic" {
			panic("planted panic")
		}
	case wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign, wire.CmdTransfer:
		if err := node(cmd.Node); err != nil {
			return err
		}
		up := f.up[cmd.Node-1]
		if cmd.Kind == wire.CmdRestart && up {
			return fmt.Errorf("%w: restart: %s is running", wire.ErrImpossible, cmd.Node)
		}
		if cmd.Kind == wire.CmdCrash && !up {
			return fmt.Errorf("%w: crash: %s is down", wire.ErrImpossible, cmd.Node)
		}
	case wire.CmdHeal, wire.CmdNetwork:
	case wire.CmdDeliver, wire.CmdDrop, wire.CmdDuplicate:
		return fmt.Errorf("%w: %s: message %d is not in flight", wire.ErrUnknownMessage, cmd.Kind, cmd.Msg)
	default:
		return fmt.Errorf("%w: unknown kind %q", wire.ErrBadCommand, cmd.Kind)
	}
	return nil
}

func (f *fakeEngine) Apply(cmd wire.Command) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(cmd); err != nil {
		return err
	}
	switch cmd.Kind {
	case wire.CmdCrash:
		f.up[cmd.Node-1] = false
	case wire.CmdRestart:
		f.up[cmd.Node-1] = true
	}
	f.applied = append(f.applied, cmd)
	f.emitLocked(wire.Event{Kind: wire.EvCommand, Node: cmd.Node, Type: string(cmd.Kind), Text: "command " + string(cmd.Kind)})
	return nil
}

func (f *fakeEngine) Create(cfg wire.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return f.createErr
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	f.creates++
	f.reset(cfg)
	return nil
}

func (f *fakeEngine) Config() wire.Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// wait blocks for f.delay or until ctx ends, and returns the error to
// answer, if any.
func (f *fakeEngine) wait(ctx context.Context) error {
	f.mu.Lock()
	d, err := f.delay, f.kvErr
	f.waiting++
	f.mu.Unlock()
	defer f.set(func(f *fakeEngine) { f.waiting-- })
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

func (f *fakeEngine) Set(ctx context.Context, key, value string) (uint64, error) {
	if err := f.wait(ctx); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index++
	f.kv[key] = value
	return f.index, nil
}

func (f *fakeEngine) Delete(ctx context.Context, key string) (uint64, bool, error) {
	if err := f.wait(ctx); err != nil {
		return 0, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index++
	_, existed := f.kv[key]
	delete(f.kv, key)
	return f.index, existed, nil
}

func (f *fakeEngine) Get(ctx context.Context, key string) (string, bool, error) {
	if err := f.wait(ctx); err != nil {
		return "", false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.kv[key]
	return v, ok, nil
}

// state is what a request may change.
type fakeState struct {
	applied, creates int
	up               string
	cfg              wire.Config
}

func (f *fakeEngine) state() fakeState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeState{applied: len(f.applied), creates: f.creates, up: fmt.Sprint(f.up), cfg: f.cfg}
}

func (f *fakeEngine) calls() (frames, applied int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frames, len(f.applied)
}

func (f *fakeEngine) set(fn func(f *fakeEngine)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

var _ Engine = (*fakeEngine)(nil)

// bigText makes events heavy, to fill socket buffers quickly.
var bigText = strings.Repeat("x", 4000)
