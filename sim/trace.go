package sim

import "github.com/seshat-raft/seshat/wire"

// trace keeps the most recent events in a ring and a running hash of every
// event ever recorded, so determinism can be checked over long runs without
// keeping them all.
type trace struct {
	ring  []wire.Event
	next  int // ring position of the next event
	count uint64
	sum   uint64 // running hash of every event
	off   bool   // record nothing (fast replay)
}

// defaultTraceKeep is how many recent events the trace keeps.
const defaultTraceKeep = 20_000

func newTrace(keep int) *trace {
	return &trace{ring: make([]wire.Event, 0, keep), sum: 0xcbf29ce484222325}
}

// add records e, numbering it; e is copied, not kept.
func (t *trace) add(e *wire.Event) {
	if t.off {
		return
	}
	t.count++
	e.Seq = t.count
	t.hashEvent(e)
	if n := len(t.ring); n < cap(t.ring) {
		t.ring = t.ring[:n+1] // the new slot is zero
	}
	// Only the fields that differ from the overwritten event are written
	// (see Event.CopyTo).
	e.CopyTo(&t.ring[t.next])
	if t.next++; t.next == cap(t.ring) {
		t.next = 0
	}
}

// hashEvent folds an event into the running hash. Texts left for later
// (lazy) are functions of the hashed fields and message, so they are covered.
// The mixing steps are plain functions the compiler inlines (closures over h
// were calls through a context, a notable cost under WebAssembly).
func (t *trace) hashEvent(e *wire.Event) {
	h := t.sum
	h = mix(h, e.Seq)
	h = mix(h, uint64(e.At))
	h = mixString(h, string(e.Kind))
	h = mix(h, uint64(e.Node))
	h = mix(h, uint64(e.Peer))
	h = mix(h, uint64(e.Term))
	h = mix(h, uint64(e.Index))
	h = mix(h, uint64(e.Index2))
	h = mix(h, e.Msg)
	h = mix(h, uint64(e.Client))
	h = mixString(h, e.Type)
	h = mixString(h, e.Text)
	if en := e.Entry(); en != nil {
		h = mix(h, en.GetIndex())
		h = mix(h, en.GetTerm())
		h = mix(h, uint64(en.GetType()))
		h = mixBytes(h, en.GetData())
	}
	if m := e.Message(); m != nil {
		h = mix(h, uint64(m.GetType()))
		h = mix(h, m.GetTerm())
		h = mix(h, m.GetIndex())
		h = mix(h, m.GetLogTerm())
		h = mix(h, m.GetCommit())
		h = mix(h, uint64(len(m.GetEntries())))
		if m.GetReject() {
			h = mix(h, 1)
		}
	}
	t.sum = h
}

// mix folds v into the running hash h.
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x100000001b3
	h ^= h >> 29
	return h
}

// mixString folds s, byte by byte, then its length into h.
func mixString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return mix(h, uint64(len(s)))
}

// mixBytes is mixString of b, without converting it.
func mixBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= 0x100000001b3
	}
	return mix(h, uint64(len(b)))
}

// resize makes the trace keep up to keep events from now on, keeping the
// newest of those it has. Checkpoint replicas keep fewer events than the
// live cluster; a replica that goes live gets the full ring back.
func (t *trace) resize(keep int) {
	if cap(t.ring) == keep {
		return
	}
	n := len(t.ring)
	ring := make([]wire.Event, 0, keep)
	for i := max(0, n-keep); i < n; i++ {
		ring = append(ring, t.ring[(t.next-n+i+cap(t.ring))%cap(t.ring)])
	}
	t.ring, t.next = ring, len(ring)%keep
}

// since returns the kept events with Seq > seq, oldest first, texts filled:
// only the newest max of them (0: no limit) and, with notable, none of the
// routine ones. Only the events returned are described.
func (t *trace) since(seq uint64, notable bool, max int) []wire.Event {
	n, size := len(t.ring), cap(t.ring)
	var picked []int // ring positions, newest first
	for i := n - 1; i >= 0 && (max <= 0 || len(picked) < max); i-- {
		at := (t.next - n + i + size) % size
		e := &t.ring[at]
		if e.Seq <= seq {
			break // older events have smaller sequence numbers
		}
		if !notable || !e.Routine() {
			picked = append(picked, at)
		}
	}
	out := make([]wire.Event, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		out = append(out, t.ring[picked[i]].Read())
	}
	return out
}

// all yields the kept events in place, oldest first, as recorded (as raw
// returns them, without copying them).
func (t *trace) all(yield func(*wire.Event) bool) {
	n, size := len(t.ring), cap(t.ring)
	for i := range n {
		if !yield(&t.ring[(t.next-n+i+size)%size]) {
			return
		}
	}
}

// raw returns the kept events, oldest first, as recorded: texts left for
// later are not filled, and the messages and entries they carry are kept
// (Event.Message), for the causal answers (wire.Why).
func (t *trace) raw() []wire.Event {
	n, size := len(t.ring), cap(t.ring)
	out := make([]wire.Event, n)
	for i := range n {
		out[i] = t.ring[(t.next-n+i+size)%size]
	}
	return out
}
