package sim

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"

	"github.com/seshat-raft/seshat/wire"
)

// The exact log-order check. A general linearizability checker (Porcupine)
// must search for an order of the operations, which can take exponential
// time and memory on a history with many writes of unknown outcome. The
// simulator knows more than a black-box checker: the order in which writes
// took effect is the order of their entries in the log, and it records each
// write's log index (HistoryOp.Index). With the order of writes fixed, the
// question becomes a linear sweep, per key:
//
//   - Every write some node applied takes effect at its log index. A write
//     the client saw acknowledged but no node applied was lost; a write
//     that certainly failed but was applied is a lie to the client; a write
//     of unknown outcome (or still pending) takes effect at its index if it
//     is in the log and never otherwise: the settled log decides.
//   - A write's output must be what the state before its index gives (a
//     del answers "1" if the key was present), and a write acknowledged
//     before another write was sent must sit at a lower index.
//   - A get must be explained by the state at some log position p: p not
//     before any write (or get) of the key that returned before the get was
//     sent, and before every write of the key sent after the get returned.
//     Gets are taken in the order they were sent and each is given the
//     earliest such position; the earliest choice constrains later gets the
//     least, so a get with no position left means no order exists.
//
// The check is exact given the log order: it accepts a history if and only
// if some linearization consistent with the log explains it. (A history a
// real cluster produced can only be explained in log order: the state
// machines apply the log in that order.) It runs in O(n log n) time plus,
// for each get, the number of writes of its key in its window.

// CheckLogOrder checks a client history recorded by the simulator (every
// write applied by some node carries its log index in Index) against the
// key-value model, with writes in log order. Failed reads and reads that
// never completed are ignored. Ops counts the operations CheckHistory would
// check, so the two results can be compared.
func CheckLogOrder(h []HistoryOp) LinearizabilityResult {
	ops := 0
	byKey := map[string]int{} // only looked up, never iterated
	var keys []string
	var parts [][]int
	for i, op := range h {
		if op.Failed && (op.Kind == wire.OpGet || op.Index == 0) {
			continue // certainly had no effect, and the log agrees
		}
		if !op.Failed && !(op.Kind == wire.OpGet && (op.Unknown || op.Return < 0)) {
			ops++
		}
		k, ok := byKey[op.Key]
		if !ok {
			k = len(parts)
			byKey[op.Key] = k
			keys = append(keys, op.Key)
			parts = append(parts, nil)
		}
		parts[k] = append(parts[k], i)
	}
	r := LinearizabilityResult{OK: true, Ops: ops}
	for k, part := range parts {
		if why, id := checkKeyLogOrder(h, part); why != "" {
			if r.OK {
				r.Text = fmt.Sprintf("NOT linearizable in log order (%d operations): %s", ops, why)
				r.Problem, r.ProblemID = why, id
			}
			r.OK = false
			r.Keys = append(r.Keys, keys[k])
		}
	}
	if r.OK {
		r.Text = fmt.Sprintf("linearizable in log order: %d operations", ops)
	}
	return r
}

// acked tells whether the client saw op's outcome.
func (op HistoryOp) acked() bool { return op.Return >= 0 && !op.Unknown && !op.Failed }

// describeHistoryOp names an operation for a verdict.
func describeHistoryOp(op HistoryOp) string {
	who := fmt.Sprintf("client %d", op.Client)
	if op.Client == 0 {
		who = "the console"
	}
	switch {
	case op.Unknown || op.Return < 0:
		return fmt.Sprintf("%s #%d (%s, sent at %d ms, outcome unknown)", wire.DescribeOp(op.Kind, op.Key, op.Value), op.ID, who, op.Call)
	case op.Failed:
		return fmt.Sprintf("%s #%d (%s, sent at %d ms, failed)", wire.DescribeOp(op.Kind, op.Key, op.Value), op.ID, who, op.Call)
	}
	out := op.Output
	if op.Kind == wire.OpGet && !op.Found {
		out = "not found"
	} else if op.Kind == wire.OpGet {
		out = fmt.Sprintf("%q", op.Output)
	}
	return fmt.Sprintf("%s #%d → %s (%s, %d-%d ms)", wire.DescribeOp(op.Kind, op.Key, op.Value), op.ID, out, who, op.Call, op.Return)
}

// keyWrite is a write of one key that took effect at index.
type keyWrite struct {
	index uint64
	op    int // index in the history
	// after is the key's state once the write took effect.
	after kvState
}

// checkKeyLogOrder checks the operations h[i] for i in part (one key's,
// in history order). It returns "" or what is wrong and the request id of
// the operation at fault.
func checkKeyLogOrder(h []HistoryOp, part []int) (string, uint64) {
	var logged []keyWrite // writes in the log, by index
	var acked []int       // acknowledged writes, by return time
	var gets []int        // completed gets, by call time (history order)
	for _, i := range part {
		op := h[i]
		switch {
		case op.Kind == wire.OpGet:
			if op.acked() {
				gets = append(gets, i)
			}
		case op.Index != 0 && op.Failed:
			return fmt.Sprintf("%s was applied at index %d, but its client was told it had no effect", describeHistoryOp(op), op.Index), op.ID
		case op.Index != 0:
			logged = append(logged, keyWrite{index: op.Index, op: i})
			if op.acked() {
				acked = append(acked, i)
			}
		case op.acked():
			return fmt.Sprintf("%s was acknowledged but no node applied it: a lost write", describeHistoryOp(op)), op.ID
		}
	}
	slices.SortFunc(logged, func(a, b keyWrite) int { return cmp.Compare(a.index, b.index) })
	for j := 1; j < len(logged); j++ {
		if logged[j].index == logged[j-1].index {
			return fmt.Sprintf("%s and %s were both applied at index %d", describeHistoryOp(h[logged[j-1].op]), describeHistoryOp(h[logged[j].op]), logged[j].index), h[logged[j].op].ID
		}
	}
	// Replay: each write's output against the state before it.
	var st kvState
	for j := range logged {
		op := h[logged[j].op]
		if op.Kind == wire.OpSet {
			if op.acked() && op.Output != "OK" {
				return fmt.Sprintf("%s answered %q, not OK", describeHistoryOp(op), op.Output), op.ID
			}
			st = kvState{present: true, value: op.Value}
		} else {
			want := "0"
			if st.present {
				want = "1"
			}
			if op.acked() && op.Output != want {
				return fmt.Sprintf("%s answered %s, but the key was %s when it took effect at index %d", describeHistoryOp(op), op.Output, describeKV(st), op.Index), op.ID
			}
			st = kvState{}
		}
		logged[j].after = st
	}
	// Writes in real-time order: an acknowledged write precedes, in the
	// log, every write sent after it returned.
	slices.SortStableFunc(acked, func(a, b int) int { return cmp.Compare(h[a].Return, h[b].Return) })
	byCall := make([]int, len(logged)) // positions in logged, by call time
	for j := range byCall {
		byCall[j] = j
	}
	slices.SortStableFunc(byCall, func(a, b int) int { return cmp.Compare(h[logged[a].op].Call, h[logged[b].op].Call) })
	next, maxAcked, maxBy := 0, uint64(0), -1
	for _, j := range byCall {
		w := h[logged[j].op]
		for ; next < len(acked) && h[acked[next]].Return < w.Call; next++ {
			if h[acked[next]].Index > maxAcked {
				maxAcked, maxBy = h[acked[next]].Index, acked[next]
			}
		}
		if maxAcked > w.Index {
			return fmt.Sprintf("%s took effect at index %d, before %s at index %d, which had returned before it was sent", describeHistoryOp(w), w.Index, describeHistoryOp(h[maxBy]), maxAcked), w.ID
		}
	}
	// suffixMin[j] is the lowest index of the writes byCall[j:].
	suffixMin := make([]uint64, len(byCall)+1)
	suffixMin[len(byCall)] = ^uint64(0)
	for j := len(byCall) - 1; j >= 0; j-- {
		suffixMin[j] = min(suffixMin[j+1], logged[byCall[j]].index)
	}
	// Gets, in the order they were sent, each at its earliest position.
	next, maxAcked = 0, 0
	var done getHeap // gets placed, by return time
	maxGetPos := uint64(0)
	for _, g := range gets {
		op := h[g]
		for ; next < len(acked) && h[acked[next]].Return < op.Call; next++ {
			maxAcked = max(maxAcked, h[acked[next]].Index)
		}
		for len(done) > 0 && done[0].ret < op.Call {
			maxGetPos = max(maxGetPos, heap.Pop(&done).(placedGet).pos)
		}
		lo := max(maxAcked, maxGetPos)
		// The first write sent after the get returned bounds it above.
		j, _ := slices.BinarySearchFunc(byCall, op.Return, func(x int, t int64) int {
			if h[logged[x].op].Call <= t {
				return -1
			}
			return 1
		})
		hi := suffixMin[j] // positions must be < hi
		pos, ok := earliestPosition(logged, lo, hi, kvState{present: op.Found, value: op.Output})
		if !ok {
			why := fmt.Sprintf("%s: the key held no such value at any log position it could read (after index %d", describeHistoryOp(op), lo)
			if hi != ^uint64(0) {
				why += fmt.Sprintf(", before index %d", hi)
			}
			why += ")"
			if op.Index != 0 {
				why += fmt.Sprintf("; its node answered at applied index %d", op.Index)
			}
			return why, op.ID
		}
		heap.Push(&done, placedGet{ret: op.Return, pos: pos})
	}
	return "", 0
}

// earliestPosition returns the lowest log position p with lo <= p < hi at
// which the key's state is want; logged are the key's writes by index.
func earliestPosition(logged []keyWrite, lo, hi uint64, want kvState) (uint64, bool) {
	if !want.present {
		want.value = ""
	}
	// The segment holding lo: the last write at or below it.
	k, _ := slices.BinarySearchFunc(logged, lo, func(w keyWrite, i uint64) int {
		if w.index <= i {
			return -1
		}
		return 1
	})
	for k--; ; k++ {
		start, st := uint64(0), kvState{}
		if k >= 0 {
			if k >= len(logged) {
				return 0, false
			}
			start, st = logged[k].index, logged[k].after
		}
		p := max(start, lo)
		if p >= hi {
			return 0, false
		}
		if st == want {
			return p, true
		}
	}
}

// describeKV says what a key held.
func describeKV(st kvState) string {
	if !st.present {
		return "absent"
	}
	return fmt.Sprintf("%q", st.value)
}

// placedGet is a get given a log position.
type placedGet struct {
	ret int64
	pos uint64
}

// getHeap is a min-heap of placed gets by return time.
type getHeap []placedGet

func (g getHeap) Len() int           { return len(g) }
func (g getHeap) Less(i, j int) bool { return g[i].ret < g[j].ret }
func (g getHeap) Swap(i, j int)      { g[i], g[j] = g[j], g[i] }
func (g *getHeap) Push(x any)        { *g = append(*g, x.(placedGet)) }
func (g *getHeap) Pop() any {
	old := *g
	x := old[len(old)-1]
	*g = old[:len(old)-1]
	return x
}
