package sim

import (
	mrand "math/rand/v2"
	"slices"
	"testing"
)

// The queue hands events out in (at, seq) order, however pushes and pops
// interleave, ties at one time in the order they were scheduled: events
// due soon, later ones, and, though the simulator never schedules them,
// events earlier than one already popped.
func TestEventQueueOrder(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	var q eventQueue
	var want []qevent // the events queued, kept sorted
	var seq uint64
	var now int64 // time of the last event popped
	for i := 0; i < 200_000; i++ {
		if q.Len() == 0 || rng.IntN(2) > 0 {
			seq++
			at := now + rng.Int64N(40) // most events: soon, often at the same time
			switch x := rng.IntN(100); {
			case x < 10:
				at = now + rng.Int64N(5000) // far, or at the edge of the window
			case x < 11:
				at = max(0, now-rng.Int64N(100)) // back in time
			case x < 12:
				at = now + 1023 + rng.Int64N(3)
			}
			e := qevent{at: at, seq: seq, arg: seq, who: int32(rng.IntN(5)), kind: qTick}
			q.push(e)
			pos, _ := slices.BinarySearchFunc(want, e, func(a, b qevent) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			want = slices.Insert(want, pos, e)
			continue
		}
		if p := q.peek(); *p != want[0] {
			t.Fatalf("peek %d: got %+v, want %+v", i, *p, want[0])
		}
		got := q.pop()
		now = got.at
		if got != want[0] {
			t.Fatalf("pop %d: got %+v, want %+v", i, got, want[0])
		}
		want = want[1:]
		if q.Len() != len(want) {
			t.Fatalf("pop %d: %d queued, want %d", i, q.Len(), len(want))
		}
	}
}
