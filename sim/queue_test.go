package sim

import (
	mrand "math/rand/v2"
	"slices"
	"testing"
)

// The queue hands events out in (at, seq) order, however pushes and pops
// interleave, ties at one time in the order they were scheduled.
func TestEventQueueOrder(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	var q eventQueue
	var want []qevent // the events queued, kept sorted
	var seq uint64
	for i := 0; i < 20_000; i++ {
		if q.Len() == 0 || rng.IntN(3) > 0 {
			seq++
			e := qevent{at: rng.Int64N(50), seq: seq, arg: seq, who: int32(rng.IntN(5)), kind: qTick}
			q.push(e)
			at, _ := slices.BinarySearchFunc(want, e, func(a, b qevent) int {
				if a.before(&b) {
					return -1
				}
				return 1
			})
			want = slices.Insert(want, at, e)
			continue
		}
		got := q.pop()
		if got != want[0] {
			t.Fatalf("pop %d: got %+v, want %+v", i, got, want[0])
		}
		want = want[1:]
		if q.Len() != len(want) {
			t.Fatalf("pop %d: %d queued, want %d", i, q.Len(), len(want))
		}
	}
}
