package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// viewKey is what a pushed frame shows; subscribers with the same key share
// each frame.
type viewKey struct {
	view    wire.ViewOptions
	notable bool
}

// subscription is one subscriber's push schedule.
type subscription struct {
	key      viewKey
	interval time.Duration
	next     time.Time // the first tick at or after which it is due
}

// cursor is where a key's next frame starts: events after since, in the
// cluster of generation gen.
type cursor struct {
	since, gen uint64
}

// hub pushes frames. One goroutine ticks every Options.MinInterval; at each
// tick it builds one frame per view key that has a subscriber due, and
// leaves it in the pending slot of every subscriber with that key. It never
// writes to a connection, so a stalled client cannot hold it up.
type hub struct {
	b *Bridge

	mu      sync.Mutex
	subs    map[*client]*subscription
	cursors map[viewKey]cursor
}

func newHub(b *Bridge) *hub {
	return &hub{b: b, subs: make(map[*client]*subscription), cursors: make(map[viewKey]cursor)}
}

// run ticks until ctx is done.
func (h *hub) run(ctx context.Context) {
	t := time.NewTicker(h.b.opt.MinInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h.tick(now)
		}
	}
}

// subscribe starts (or changes) c's pushes. A view key seen for the first
// time starts after since, in the cluster of generation gen.
func (h *hub) subscribe(c *client, s *subscription, since, gen uint64) {
	c.mu.Lock()
	c.subscribed = true
	c.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.cursors[s.key]; !ok {
		h.cursors[s.key] = cursor{since: since, gen: gen}
	}
	h.subs[c] = s
}

// unsubscribe stops c's pushes and empties its pending slot: once it
// returns, nothing more is pushed to c until it subscribes again.
func (h *hub) unsubscribe(c *client) {
	h.mu.Lock()
	delete(h.subs, c)
	h.mu.Unlock()
	c.mu.Lock()
	c.subscribed = false
	c.slot = pending{}
	c.mu.Unlock()
}

// group is the subscribers sharing a view key at one tick.
type group struct {
	key     viewKey
	cur     cursor
	members []*client
	due     []bool
	anyDue  bool
}

// tick builds and hands out the frames due at now.
func (h *hub) tick(now time.Time) {
	// A subscriber is due when the tick is within half a tick of its time,
	// so ticker jitter does not postpone it a whole tick.
	slack := h.b.opt.MinInterval / 2
	h.mu.Lock()
	groups := make(map[viewKey]*group)
	var order []*group
	for c, s := range h.subs {
		g := groups[s.key]
		if g == nil {
			g = &group{key: s.key, cur: h.cursors[s.key]}
			groups[s.key] = g
			order = append(order, g)
		}
		due := !now.Add(slack).Before(s.next)
		if due {
			s.next = s.next.Add(s.interval)
			if s.next.Before(now) {
				s.next = now.Add(s.interval)
			}
		}
		g.members = append(g.members, c)
		g.due = append(g.due, due)
		g.anyDue = g.anyDue || due
	}
	for k := range h.cursors {
		if groups[k] == nil {
			delete(h.cursors, k)
		}
	}
	h.mu.Unlock()

	gen := h.b.gen.Load()
	for _, g := range order {
		if !g.anyDue {
			continue
		}
		since := g.cur.since
		if g.cur.gen != gen {
			since = 0
		}
		f, ok := h.build(since, g.key)
		if ok && f.View.Events < since {
			// The cluster was replaced without the bridge knowing: start
			// again from its first event.
			f, ok = h.build(0, g.key)
		}
		if !ok {
			continue
		}
		h.mu.Lock()
		if _, kept := h.cursors[g.key]; kept {
			h.cursors[g.key] = cursor{since: f.View.Events, gen: gen}
		}
		h.mu.Unlock()
		sh := &shared{frame: f, gen: gen}
		for i, c := range g.members {
			c.deliver(sh, g.due[i], h.b.opt.PendingEvents, h.b.opt.PendingBytes)
		}
	}
}

// build asks the engine for a frame; a panic in the engine is logged, not
// spread.
func (h *hub) build(since uint64, k viewKey) (f wire.Frame, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			h.b.log.Printf("bridge: the engine panicked building a pushed frame (a bug): %v", r)
			ok = false
		}
	}()
	return h.b.frame(since, k.notable, 0, k.view), true
}

// shared is a frame built once per tick per view key and handed to every
// subscriber with that key. Nobody modifies it; its JSON is encoded at most
// once.
type shared struct {
	frame wire.Frame
	gen   uint64 // the cluster generation it belongs to

	once sync.Once
	enc  []byte
	err  error
}

// size is the length of the frame's JSON.
func (s *shared) size() int {
	b, _ := s.json()
	return len(b)
}

// json returns the frame's JSON, encoding it on first use.
func (s *shared) json() ([]byte, error) {
	s.once.Do(func() { s.enc, s.err = json.Marshal(s.frame) })
	return s.enc, s.err
}

// pending is a subscriber's single pending slot: the newest view for it,
// with the events not yet written to it.
type pending struct {
	frame *shared
	// events, when merged, replace frame's: the events carried from frames
	// it replaced, then frame's own, at most Options.PendingEvents.
	events []wire.Event
	merged bool
	// offered says the writer has been woken for it: replacing it now
	// drops a frame.
	offered bool
}

// carried returns the events the slot holds.
func (p *pending) carried() []wire.Event {
	switch {
	case p.frame == nil:
		return nil
	case p.merged:
		return p.events
	}
	return p.frame.frame.Events
}

// deliver puts sh into c's pending slot, carrying the events of a frame it
// replaces (keeping the newest bound of them), and wakes c's writer if c
// is due. It never blocks on the connection. A client whose replaced
// frames, and the push its writer is still writing, add up to more than
// pendingBytes does not read: it is dropped (client.drop), in another
// goroutine. What a subscriber holds is so bounded by about pendingBytes
// plus one frame (wire.FrameBudget).
func (c *client) deliver(sh *shared, due bool, bound, pendingBytes int) {
	c.mu.Lock()
	if !c.subscribed || c.dropping {
		c.mu.Unlock()
		return
	}
	p := &c.slot
	if p.frame != nil && p.offered {
		c.n.framesDropped.Add(1)
		c.replaced += p.frame.size()
		if unread := c.replaced + c.inflight; unread > pendingBytes {
			c.dropping = true
			reason := fmt.Sprintf("too slow: %d bytes of pushed frames went unread (the bound is %d)", unread, pendingBytes)
			c.mu.Unlock()
			c.b.wg.Add(1)
			go func() {
				defer c.b.wg.Done()
				c.drop(reason)
			}()
			return
		}
	}
	old, add := p.carried(), sh.frame.Events
	if p.frame != nil && (p.frame.gen != sh.gen || len(old) > 0 && len(add) > 0 && add[0].Seq <= old[len(old)-1].Seq) {
		old = nil // a new cluster: the old one's events mean nothing in it
	}
	dropped := 0
	switch {
	case len(old) == 0 && len(add) <= bound:
		p.events, p.merged = nil, false
	case len(add) >= bound:
		dropped = len(old) + len(add) - bound
		p.events, p.merged = add[len(add)-bound:], true
	default:
		keepOld := min(len(old), bound-len(add))
		dropped = len(old) - keepOld
		ev := make([]wire.Event, 0, keepOld+len(add))
		ev = append(ev, old[len(old)-keepOld:]...)
		p.events, p.merged = append(ev, add...), true
	}
	p.frame = sh
	if dropped > 0 {
		c.n.eventsDropped.Add(uint64(dropped))
	}
	wake := due && !p.offered
	if due {
		p.offered = true
	}
	c.mu.Unlock()
	if wake {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// take empties c's pending slot if it was offered, and reports whether it
// held a frame.
func (c *client) take() (pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.slot
	if p.frame == nil || !p.offered {
		return pending{}, false
	}
	c.slot = pending{}
	return p, true
}

// frameJSON returns the JSON of the frame the slot holds.
func (p *pending) frameJSON() ([]byte, error) {
	if !p.merged {
		return p.frame.json()
	}
	f := p.frame.frame
	f.Events = p.events
	return wire.EncodeBounded(&f, wire.FrameBudget)
}
