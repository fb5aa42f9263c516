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
// order of scheduling, so ties are broken deterministically.
type qevent struct {
	at   int64
	seq  uint64
	kind qkind
	node int    // node index (id-1) for qTick
	gen  uint64 // node incarnation (qTick) or client request number (qClient*)
	msg  uint64 // message id for qDeliver
	cli  int    // client index for qClient*
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

func (q *eventQueue) push(e qevent) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.h[i].before(&q.h[p]) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

func (q *eventQueue) pop() qevent {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h = q.h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && q.h[l].before(&q.h[m]) {
			m = l
		}
		if r < last && q.h[r].before(&q.h[m]) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
