package native

import (
	"fmt"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// traceKeep is how many recent events the trace keeps, as the simulator's.
const traceKeep = 20_000

// maxDescribedEntries is how many entries of a message its text lists; a
// busy leader batches hundreds of entries in one MsgApp, and describing
// them all for every event would cost more than running Raft.
const maxDescribedEntries = 4

// record is a kept event and, for message events whose text is still to
// be written, the message.
type record struct {
	ev wire.Event
	m  *pb.Message
}

// trace numbers events and keeps the most recent ones in a ring. Any
// goroutine may add events; busy ones add them in batches (eventBuf), so a
// node's loop takes the lock once per Ready round, not once per event.
// Frequent events (messages, appends, commits, applies) get their text only
// when first read; the text is kept, and readers describe one at a time, so
// events read by many pages at once are described once.
type trace struct {
	start time.Time

	mu    sync.Mutex
	ring  []record
	next  int    // ring position of the next event
	count uint64 // events recorded; Seq of the newest

	// descMu serializes the describing of events read (see describe).
	descMu sync.Mutex
}

func newTrace(start time.Time) *trace {
	return &trace{start: start, ring: make([]record, 0, traceKeep)}
}

// add records one event.
func (t *trace) add(e wire.Event) { t.addAll([]record{{ev: e}}) }

// addAll records events in order, setting their Seq and their time (wall
// milliseconds since the cluster started, the same for the whole batch).
// Times never decrease along Seq.
func (t *trace) addAll(rs []record) {
	if len(rs) == 0 {
		return
	}
	t.mu.Lock()
	at := time.Since(t.start).Milliseconds()
	for _, r := range rs {
		r.ev.At = at
		t.count++
		r.ev.Seq = t.count
		if len(t.ring) < cap(t.ring) {
			t.ring = append(t.ring, r)
		} else {
			t.ring[t.next] = r
		}
		t.next = (t.next + 1) % cap(t.ring)
	}
	t.mu.Unlock()
}

// total returns the number of events recorded so far.
func (t *trace) total() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// since returns the kept events with Seq > seq, oldest first, with their
// texts: only the newest max of them (0: no limit) and, with notable, none of
// the routine ones (wire.Event.Routine). It also returns the number of events
// recorded when it looked. Events are copied under the lock and described
// outside it.
func (t *trace) since(seq uint64, notable bool, max int) ([]wire.Event, uint64) {
	t.mu.Lock()
	n, size := len(t.ring), cap(t.ring)
	count := t.count
	var out []record // oldest first
	if !notable {
		// The events wanted are the newest k, contiguous in the ring: copy
		// them in at most two moves.
		k := 0
		if seq < count {
			k = int(min(count-seq, uint64(n)))
		}
		if max > 0 && k > max {
			k = max
		}
		out = make([]record, k)
		start := (t.next - k + size) % size
		m := copy(out, t.ring[start:min(start+k, n)])
		copy(out[m:], t.ring[:k-m])
	} else {
		var picked []record // newest first
		for i := n - 1; i >= 0 && (max <= 0 || len(picked) < max); i-- {
			r := &t.ring[(t.next-n+i+size)%size]
			if r.ev.Seq <= seq {
				break // older events have smaller sequence numbers
			}
			if !r.ev.Routine() {
				picked = append(picked, *r)
			}
		}
		out = make([]record, len(picked))
		for i := range picked {
			out[i] = picked[len(picked)-1-i]
		}
	}
	t.mu.Unlock()
	t.describe(out)
	evs := make([]wire.Event, len(out))
	for i := range out {
		evs[i] = out[i].ev
	}
	return evs, count
}

// needsText reports whether r is still to be described.
func needsText(r *record) bool {
	return r.ev.Text == "" || (r.ev.Kind == wire.EvApply && r.ev.Type != "")
}

// describe fills the texts of records copied from the ring, and stores them
// back. Readers describe one at a time (descMu): one that waited finds most
// of its events described by the one before.
func (t *trace) describe(out []record) {
	pending := false
	for i := range out {
		pending = pending || needsText(&out[i])
	}
	if !pending {
		return
	}
	t.descMu.Lock()
	defer t.descMu.Unlock()
	t.mu.Lock()
	for i := range out {
		if r := &out[i]; needsText(r) {
			if slot := t.slot(r.ev.Seq); slot != nil && !needsText(slot) {
				*r = *slot
			}
		}
	}
	t.mu.Unlock()
	var done []int
	for i := range out {
		if r := &out[i]; needsText(r) {
			describeRecord(r)
			done = append(done, i)
		}
	}
	t.mu.Lock()
	for _, i := range done {
		if slot := t.slot(out[i].ev.Seq); slot != nil {
			*slot = out[i]
		}
	}
	t.mu.Unlock()
}

// slot returns the ring slot holding event seq, or nil if it is no longer
// kept. t.mu is held.
func (t *trace) slot(seq uint64) *record {
	n, size := len(t.ring), cap(t.ring)
	if seq == 0 || seq > t.count || t.count-seq >= uint64(n) {
		return nil
	}
	slot := &t.ring[(t.next-int(t.count-seq)-1+size)%size]
	if slot.ev.Seq != seq {
		return nil
	}
	return slot
}

// describeRecord writes r's text as the simulator would (wire.Event's
// Described), except that a message's text lists at most
// maxDescribedEntries of its entries.
func describeRecord(r *record) {
	if r.m != nil && r.ev.Text == "" {
		d := describeMessage(r.m)
		switch r.ev.Kind {
		case wire.EvSend:
			r.ev.Text = "sent " + d
		case wire.EvDeliver:
			r.ev.Text = "delivered " + d
		case wire.EvDuplicate:
			r.ev.Text = "network duplicated " + d
		default:
			r.ev.Text = d
		}
	}
	r.m = nil
	r.ev = r.ev.Described()
}

// describeMessage is raft.DescribeMessage with the operations decoded,
// listing at most maxDescribedEntries entries.
func describeMessage(m *pb.Message) string {
	b, more := briefMessage(m)
	d := raft.DescribeMessage(b, statemachine.FormatEntryData)
	if more > 0 {
		d += fmt.Sprintf(" (+%d more entries)", more)
	}
	return d
}

// briefMessage returns m, or a copy of it listing only its first
// maxDescribedEntries entries and the number left out.
func briefMessage(m *pb.Message) (*pb.Message, int) {
	ents := m.GetEntries()
	if len(ents) <= maxDescribedEntries {
		return m, 0
	}
	// Field by field: a protobuf message must not be copied as a struct.
	// The fields are shared, read-only.
	return &pb.Message{
		Type: m.Type, To: m.To, From: m.From, Term: m.Term, LogTerm: m.LogTerm, Index: m.Index,
		Entries: ents[:maxDescribedEntries], Commit: m.Commit, Vote: m.Vote, Snapshot: m.Snapshot,
		Reject: m.Reject, RejectHint: m.RejectHint, Context: m.Context, Responses: m.Responses,
	}, len(ents) - maxDescribedEntries
}

// eventBuf collects one goroutine's events for one addAll.
type eventBuf struct {
	tr  *trace
	buf []record
}

// add collects an event.
func (b *eventBuf) add(e wire.Event) { b.buf = append(b.buf, record{ev: e}) }

// addMessage collects a message event whose text is written from m when
// first read.
func (b *eventBuf) addMessage(e wire.Event, m *pb.Message) {
	b.buf = append(b.buf, record{ev: e, m: m})
}

// flush records the collected events.
func (b *eventBuf) flush() {
	if len(b.buf) == 0 {
		return
	}
	b.tr.addAll(b.buf)
	clear(b.buf) // drop the references to messages
	b.buf = b.buf[:0]
}
