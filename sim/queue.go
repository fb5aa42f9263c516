package sim

// qkind is what a scheduled event does.
type qkind uint8

const (
	qTick          qkind = iota + 1 // a node's heartbeat tick
	qDeliver                        // a message reaches its destination
	qClientWake                     // a client issues its next request or retries
	qClientTimeout                  // a client gives up on a request
)

// qevent is one scheduled event. Events run in (at, seq) order: seq is the
// order of scheduling, so ties are broken deterministically. It is kept
// small (32 bytes): the queue moves events on every push and pop.
type qevent struct {
	at   int64
	seq  uint64
	arg  uint64 // node incarnation (qTick), request number or id (qClient*), message id (qDeliver)
	who  int32  // node index, id-1 (qTick), or client id (qClient*)
	kind qkind
}

func (a *qevent) before(b *qevent) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}

// eventQueue is a binary min-heap of events, without interface boxing.
type eventQueue struct{ h []qevent }

func (q *eventQueue) Len() int { return len(q.h) }

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() *qevent { return &q.h[0] }

// push adds e: parents later than e move down into the hole left for it.
func (q *eventQueue) push(e qevent) {
	q.h = append(q.h, e)
	h := q.h
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !e.before(&h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

// pop removes and returns the earliest event; the queue must not be empty.
// The last event fills the hole at the top: earlier children move up
// until its place is found.
func (q *eventQueue) pop() qevent {
	h := q.h
	top := h[0]
	last := len(h) - 1
	e := h[last]
	h = h[:last]
	q.h = h
	if last == 0 {
		return top
	}
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		m := l
		if r := l + 1; r < last && h[r].before(&h[l]) {
			m = r
		}
		if !h[m].before(&e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
	return top
}
