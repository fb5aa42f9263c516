package bridge

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/statemachine"
)

// fakeEngine is an Engine for tests: nodes that are up or down, a list of
// events, a key-value map. It counts its calls and can be made slow or made
// to fail.
type fakeEngine struct {
	mu      sync.Mutex
	cfg     sim.Config
	up      []bool
	halted  bool
	events  []sim.Event // events[i].Seq == i+1
	applied []sim.Command
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
	f.reset(sim.DefaultConfig())
	return f
}

func (f *fakeEngine) reset(cfg sim.Config) {
	f.cfg = cfg
	f.up = make([]bool, cfg.Nodes)
	for i := range f.up {
		f.up[i] = true
	}
	f.events = nil
	f.halted = false
	f.emitLocked(sim.Event{Kind: sim.EvRole, Node: 1, Type: "leader", Text: "n1 became leader"})
}

// emitLocked records an event; f.mu is held.
func (f *fakeEngine) emitLocked(e sim.Event) {
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
		kind := sim.EvSend
		if len(f.events)%2 == 1 {
			kind = sim.EvTerm
		}
		f.emitLocked(sim.Event{Kind: kind, Node: 1, Text: f.text})
	}
}

func (f *fakeEngine) Frame(since uint64, notable bool, maxEvents int, o sim.ViewOptions) sim.Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frames++
	f.emitN(f.perCall)
	var ev []sim.Event
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
	nodes := make([]sim.NodeView, len(f.up))
	for i, up := range f.up {
		nodes[i] = sim.NodeView{ID: core.NodeID(i + 1), Up: up, KV: sim.EmptyKV(o.KVFrom)}
	}
	if len(nodes) > 0 && f.pairs != nil {
		n := o.Normalize()
		nodes[0].KV = sim.KVPageOf(f.pairs, 1, n.KVFrom, n.KVLimit)
	}
	return sim.Frame{View: sim.View{Time: int64(len(f.events)), Events: uint64(len(f.events)), Seed: uint64(o.LogWindow), Nodes: nodes}, Events: ev}
}

// check validates a command as the native cluster would.
func (f *fakeEngine) check(cmd sim.Command) error {
	if f.halted {
		return fmt.Errorf("%w: planted violation", sim.ErrHalted)
	}
	node := func(id core.NodeID) error {
		if id < 1 || int(id) > len(f.up) {
			return fmt.Errorf("%w: %s: node %d; nodes are 1 to %d", sim.ErrUnknownNode, cmd.Kind, id, len(f.up))
		}
		return nil
	}
	switch cmd.Kind {
	case sim.CmdSet, sim.CmdDel, sim.CmdGet:
		if cmd.Key == "" {
			return fmt.Errorf("%w: %s: key missing", sim.ErrBadCommand, cmd.Kind)
		}
		if cmd.Key == "panic" {
			panic("planted panic")
		}
	case sim.CmdCrash, sim.CmdRestart, sim.CmdIsolate, sim.CmdCampaign, sim.CmdTransfer:
		if err := node(cmd.Node); err != nil {
			return err
		}
		up := f.up[cmd.Node-1]
		if cmd.Kind == sim.CmdRestart && up {
			return fmt.Errorf("%w: restart: %s is running", sim.ErrImpossible, cmd.Node)
		}
		if cmd.Kind == sim.CmdCrash && !up {
			return fmt.Errorf("%w: crash: %s is down", sim.ErrImpossible, cmd.Node)
		}
	case sim.CmdHeal, sim.CmdNetwork:
	case sim.CmdDeliver, sim.CmdDrop, sim.CmdDuplicate:
		return fmt.Errorf("%w: %s: message %d is not in flight", sim.ErrUnknownMessage, cmd.Kind, cmd.Msg)
	default:
		return fmt.Errorf("%w: unknown kind %q", sim.ErrBadCommand, cmd.Kind)
	}
	return nil
}

func (f *fakeEngine) Apply(cmd sim.Command) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(cmd); err != nil {
		return err
	}
	switch cmd.Kind {
	case sim.CmdCrash:
		f.up[cmd.Node-1] = false
	case sim.CmdRestart:
		f.up[cmd.Node-1] = true
	}
	f.applied = append(f.applied, cmd)
	f.emitLocked(sim.Event{Kind: sim.EvCommand, Node: cmd.Node, Type: cmd.Kind, Text: "command " + cmd.Kind})
	return nil
}

func (f *fakeEngine) Create(cfg sim.Config) error {
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

func (f *fakeEngine) Config() sim.Config {
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
	cfg              sim.Config
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
