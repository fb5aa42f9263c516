package bridge

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// offered reports whether c's writer was woken, consuming the signal.
func offered(c *client) bool {
	select {
	case <-c.wake:
		return true
	default:
		return false
	}
}

func TestHubSharesFramesAndCountsDrops(t *testing.T) {
	fe := newFake()
	b := newBridge(fe, Options{PendingEvents: 10})
	defer b.Close()
	t0 := time.Unix(1000, 0)
	var cs []*client
	for i := range 4 {
		c := newClient(b, uint64(i+1), "test", nil)
		key := viewKey{}
		if i == 3 {
			key = viewKey{view: wire.ViewOptions{LogWindow: 5}, notable: true}
		}
		b.hub.subscribe(c, &subscription{key: key, interval: 50 * time.Millisecond, next: t0}, 0, 0)
		cs = append(cs, c)
	}
	fe.emit(4) // 5 events
	b.hub.tick(t0)
	if frames, _ := fe.calls(); frames != 2 {
		t.Fatalf("%d frames built for 2 view keys", frames)
	}
	if cs[0].slot.frame != cs[1].slot.frame || cs[1].slot.frame != cs[2].slot.frame || cs[3].slot.frame == cs[0].slot.frame {
		t.Fatal("subscribers with the same key do not share the frame")
	}
	for i, c := range cs {
		if !offered(c) || len(c.slot.carried()) == 0 {
			t.Fatalf("client %d not offered its frame", i)
		}
	}
	if n := len(cs[3].slot.carried()); n != 3 { // notable: seq 1, 3, 5
		t.Fatalf("notable subscriber carries %d events", n)
	}

	// Nobody wrote: the next frame replaces the pending one and carries its
	// events, the newest 10 of them.
	fe.emit(8) // 13 events
	b.hub.tick(t0.Add(50 * time.Millisecond))
	c := cs[0]
	if d, e := c.n.framesDropped.Load(), c.n.eventsDropped.Load(); d != 1 || e != 3 {
		t.Fatalf("dropped frames %d, events %d; want 1, 3", d, e)
	}
	if offered(c) {
		t.Fatal("woken twice for one pending slot")
	}
	p, ok := c.take()
	if !ok {
		t.Fatal("nothing to take")
	}
	data, err := p.frameJSON()
	if err != nil {
		t.Fatal(err)
	}
	var f wire.Frame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Events) != 10 || f.Events[0].Seq != 4 || f.Events[9].Seq != 13 || f.View.Events != 13 {
		t.Fatalf("carried frame: %d events from %d, view at %d", len(f.Events), f.Events[0].Seq, f.View.Events)
	}
	// Taken: the next frame is no drop.
	fe.emit(1)
	b.hub.tick(t0.Add(100 * time.Millisecond))
	if d := c.n.framesDropped.Load(); d != 1 {
		t.Fatalf("dropped %d after the slot was taken", d)
	}
	// Unsubscribed clients get nothing more.
	b.hub.unsubscribe(c)
	offered(c)
	b.hub.tick(t0.Add(150 * time.Millisecond))
	if _, ok := c.take(); ok || offered(c) {
		t.Fatal("a push after unsubscribe")
	}
}

func TestHubIntervals(t *testing.T) {
	fe := newFake()
	b := newBridge(fe, Options{})
	defer b.Close()
	t0 := time.Unix(1000, 0)
	fast, slow := newClient(b, 1, "", nil), newClient(b, 2, "", nil)
	b.hub.subscribe(fast, &subscription{interval: 50 * time.Millisecond, next: t0}, 1, 0)
	b.hub.subscribe(slow, &subscription{interval: 200 * time.Millisecond, next: t0}, 1, 0)
	var nFast, nSlow int
	var slowSeqs []uint64
	for i := range 9 {
		fe.emit(1)
		// Jitter: a tick a little early still counts.
		b.hub.tick(t0.Add(time.Duration(i)*50*time.Millisecond - time.Millisecond))
		if p, ok := fast.take(); ok {
			nFast++
			_ = p
		}
		if p, ok := slow.take(); ok {
			nSlow++
			for _, e := range p.carried() {
				slowSeqs = append(slowSeqs, e.Seq)
			}
		}
	}
	if nFast != 9 || nSlow != 3 {
		t.Fatalf("over 9 ticks: fast took %d frames, slow %d; want 9 and 3", nFast, nSlow)
	}
	// The slow subscriber got every event after its start, in order.
	for i, s := range slowSeqs {
		if s != uint64(i+2) {
			t.Fatalf("slow subscriber's events %v", slowSeqs)
		}
	}
	if len(slowSeqs) < 8 {
		t.Fatalf("slow subscriber's events %v", slowSeqs)
	}
}

func TestHubFollowsANewCluster(t *testing.T) {
	fe := newFake()
	fe.emit(50)
	b := newBridge(fe, Options{})
	defer b.Close()
	c := newClient(b, 1, "", nil)
	t0 := time.Unix(1000, 0)
	b.hub.subscribe(c, &subscription{interval: 50 * time.Millisecond, next: t0}, 51, 0)
	b.hub.tick(t0)
	c.take()
	// Created elsewhere (the bridge did not see it): the hub notices the
	// event count went back and starts from the first event.
	if err := fe.Create(wire.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	fe.emit(2)
	b.hub.tick(t0.Add(50 * time.Millisecond))
	p, ok := c.take()
	if !ok || len(p.carried()) != 3 || p.carried()[0].Seq != 1 {
		t.Fatalf("after a new cluster: %v %+v", ok, p.carried())
	}
	// Created through the bridge: the generation changes, and events left
	// in the slot from the old cluster are not carried into the new one.
	fe.emit(3)
	b.hub.tick(t0.Add(75 * time.Millisecond))
	cl := newClient(b, 2, "", nil)
	if out := decodeReply(t, cl.handle([]byte(`{"id":1,"op":"create","args":{"nodes":3}}`)).encode(cl)); !out.OK {
		t.Fatalf("create: %+v", out)
	}
	fe.emit(4)
	b.hub.tick(t0.Add(150 * time.Millisecond))
	if p, ok := c.take(); !ok || len(p.carried()) != 5 || p.carried()[0].Seq != 1 {
		t.Fatalf("after create: %v %+v", ok, p.carried())
	}
}

// decodeReply decodes one encoded reply.
func decodeReply(t testing.TB, out []byte) wireAnswer {
	t.Helper()
	var r struct {
		ID    uint64     `json:"id"`
		Reply wireAnswer `json:"reply"`
	}
	if err := decodeStrict(out, &r); err != nil {
		t.Fatalf("reply %s: %v", out, err)
	}
	return r.Reply
}
