package bridge

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// ClientStats are one websocket connection's counters.
type ClientStats struct {
	// ID numbers connections from 1 in the order they opened.
	ID uint64 `json:"id"`
	// Remote is the peer's address.
	Remote string `json:"remote"`
	// Open is false once the connection has ended.
	Open bool `json:"open"`
	// Subscribed says whether frames are being pushed to it.
	Subscribed bool `json:"subscribed"`
	// Replies is the number of replies written.
	Replies uint64 `json:"replies"`
	// FramesSent is the number of pushed frames written.
	FramesSent uint64 `json:"frames_sent"`
	// BytesSent is the number of message bytes written (replies and
	// pushes, without websocket framing).
	BytesSent uint64 `json:"bytes_sent"`
	// FramesDropped is the number of pushed views replaced while pending
	// because the client read slower than they were produced.
	FramesDropped uint64 `json:"frames_dropped"`
	// EventsDropped is the number of events dropped beyond the pending
	// bound (Options.PendingEvents).
	EventsDropped uint64 `json:"events_dropped"`
	// Member is the id of the Raft member the page hosts (join), or 0.
	Member uint64 `json:"member,omitempty"`
	// RaftIn and RaftOut count the member's raft messages delivered to the
	// engine and written to the page; RaftDropped those for the page
	// dropped because its queue was full (Raft retries); RaftRefused the
	// binary frames refused (too large, not a raftpb.Message, refused by
	// the engine).
	RaftIn      uint64 `json:"raft_in,omitempty"`
	RaftOut     uint64 `json:"raft_out,omitempty"`
	RaftDropped uint64 `json:"raft_dropped,omitempty"`
	RaftRefused uint64 `json:"raft_refused,omitempty"`
}

// Totals add up the counters of many connections.
type Totals struct {
	// Connections is the number of connections added up.
	Connections uint64 `json:"connections"`
	// Replies, FramesSent, BytesSent, FramesDropped and EventsDropped are
	// the sums of the ClientStats fields of the same names.
	Replies       uint64 `json:"replies"`
	FramesSent    uint64 `json:"frames_sent"`
	BytesSent     uint64 `json:"bytes_sent"`
	FramesDropped uint64 `json:"frames_dropped"`
	EventsDropped uint64 `json:"events_dropped"`
	// SlowDropped is the number of subscribers dropped because they did
	// not read (Options.PendingBytes).
	SlowDropped uint64 `json:"slow_dropped"`
}

// add counts one connection's counters into t.
func (t *Totals) add(s ClientStats) {
	t.Connections++
	t.Replies += s.Replies
	t.FramesSent += s.FramesSent
	t.BytesSent += s.BytesSent
	t.FramesDropped += s.FramesDropped
	t.EventsDropped += s.EventsDropped
}

// Stats are a snapshot of the bridge's websocket counters.
type Stats struct {
	// Clients are the open connections and the most recently closed ones
	// (up to 256), by ID.
	Clients []ClientStats `json:"clients"`
	// Total adds up every connection since the bridge started, open or
	// closed.
	Total Totals `json:"total"`
}

// counters are a connection's live counters; the hub and the connection's
// goroutines update them.
type counters struct {
	replies, framesSent, bytesSent, framesDropped, eventsDropped atomic.Uint64

	raftIn, raftOut, raftDropped, raftRefused atomic.Uint64
}

// Stats returns the counters of the open connections, of the most recently
// closed ones, and totals since the bridge started.
func (b *Bridge) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Stats{Clients: slices.Clone(b.gone), Total: b.total}
	s.Total.SlowDropped = b.nDropped.Load()
	for _, c := range b.clients {
		cs := c.stats()
		s.Clients = append(s.Clients, cs)
		s.Total.add(cs)
	}
	slices.SortFunc(s.Clients, func(a, b ClientStats) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

// forget moves a closed connection's counters from the open ones to the
// closed ones.
func (b *Bridge) forget(c *client) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.clients[c.id]; !ok {
		return
	}
	delete(b.clients, c.id)
	cs := c.stats()
	cs.Open, cs.Subscribed = false, false
	b.total.add(cs)
	if len(b.gone) == keepClosed {
		b.gone = slices.Delete(b.gone, 0, 1)
	}
	b.gone = append(b.gone, cs)
}
