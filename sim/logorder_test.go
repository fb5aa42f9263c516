package sim

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// at puts a write at a log index (or a get at the position it was served).
func at(op HistoryOp, index uint64) HistoryOp {
	op.Index = index
	return op
}

func TestCheckLogOrder(t *testing.T) {
	failedSet := HistoryOp{Client: 1, Kind: wire.OpSet, Key: "x", Value: "a", Call: 0, Return: -1, Failed: true}
	unknownDel := HistoryOp{Client: 1, Kind: wire.OpDel, Key: "x", Call: 0, Return: -1, Unknown: true}
	tests := []struct {
		name string
		h    []HistoryOp
		wok  bool
		// porcupine is Porcupine's verdict where it differs (it does not
		// know the log order).
		porcupine *bool
	}{
		{"empty", nil, true, nil},
		{"sequential", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), get(2, "x", "a", true, 11, 20), at(del(1, "x", "1", 21, 30), 2), get(2, "x", "", false, 31, 40), at(del(1, "x", "0", 41, 50), 3)}, true, nil},
		{"read before any write", []HistoryOp{get(1, "x", "", false, 0, 5), at(set(1, "x", "a", 6, 10), 1)}, true, nil},
		{"concurrent sets, read the later", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(2, "x", "b", 0, 10), 2), get(3, "x", "b", true, 11, 20)}, true, nil},
		{"concurrent sets, read the earlier", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(2, "x", "b", 0, 10), 2), get(3, "x", "a", true, 11, 20)}, false, ptr(true)},
		{"read overlapping a set sees old", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(2, "x", "b", 15, 30), 2), get(3, "x", "a", true, 16, 25)}, true, nil},
		{"read overlapping a set sees new", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(2, "x", "b", 15, 30), 2), get(3, "x", "b", true, 16, 25)}, true, nil},
		{"return at the same instant as a call is concurrent", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), get(2, "x", "", false, 10, 20)}, true, nil},
		{"planted stale read after a completed write", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(1, "x", "b", 11, 20), 2), get(2, "x", "a", true, 21, 30)}, false, nil},
		{"stale read of an absent key", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), get(2, "x", "", false, 11, 20)}, false, nil},
		{"read from the future", []HistoryOp{get(2, "x", "b", true, 0, 10), at(set(1, "x", "b", 11, 20), 1)}, false, nil},
		{"reads going backwards", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(1, "x", "b", 11, 50), 2), get(2, "x", "b", true, 12, 20), get(2, "x", "a", true, 21, 30)}, false, nil},
		{"overlapping reads may disagree", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(1, "x", "b", 11, 50), 2), get(2, "x", "b", true, 12, 30), get(3, "x", "a", true, 13, 31)}, true, nil},
		{"read of a deleted key", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(del(1, "x", "1", 11, 20), 2), get(2, "x", "a", true, 21, 30)}, false, nil},
		{"value never written", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), get(2, "x", "b", true, 11, 20)}, false, nil},
		{"planted lost write", []HistoryOp{set(1, "x", "a", 0, 10), get(2, "x", "", false, 11, 20)}, false, nil},
		{"lost write nobody read", []HistoryOp{set(1, "x", "a", 0, 10)}, false, ptr(true)},
		{"unknown write in the log, seen", []HistoryOp{at(unknownSet(1, "x", "a", 0), 1), get(2, "x", "a", true, 50, 60)}, true, nil},
		{"unknown write not in the log, seen", []HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "a", true, 50, 60)}, false, ptr(true)},
		{"unknown write not in the log, not seen", []HistoryOp{unknownSet(1, "x", "a", 0), get(2, "x", "", false, 50, 60)}, true, nil},
		{"unknown write in the log decides a del", []HistoryOp{at(unknownSet(1, "x", "a", 0), 1), at(del(2, "x", "1", 5, 10), 2)}, true, nil},
		{"unknown write not in the log decides a del", []HistoryOp{unknownSet(1, "x", "a", 0), at(del(2, "x", "1", 5, 10), 1)}, false, ptr(true)},
		{"unknown del in the log", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(unknownDel, 2), get(2, "x", "", false, 50, 60)}, true, nil},
		{"unknown del not in the log", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), unknownDel, get(2, "x", "", false, 50, 60)}, false, ptr(true)},
		{"unknown write placed before its call", []HistoryOp{at(set(1, "x", "a", 0, 10), 2), at(unknownSet(2, "x", "b", 20), 1)}, false, ptr(true)},
		{"failed write not in the log", []HistoryOp{failedSet, get(2, "x", "", false, 50, 60)}, true, nil},
		{"failed write in the log", []HistoryOp{at(failedSet, 1), get(2, "x", "a", true, 50, 60)}, false, nil},
		{"writes out of real-time order", []HistoryOp{at(set(1, "x", "a", 0, 10), 2), at(set(2, "x", "b", 20, 30), 1)}, false, ptr(true)},
		{"del answers against the log", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(del(2, "x", "0", 20, 30), 2)}, false, nil},
		{"set answers OK", []HistoryOp{at(HistoryOp{Client: 1, Kind: wire.OpSet, Key: "x", Value: "a", Output: "1", Call: 0, Return: 10}, 1)}, false, nil},
		{"two writes at one index", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(2, "x", "b", 0, 10), 1)}, false, ptr(true)},
		{"keys independent", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), get(2, "y", "", false, 11, 20), at(set(1, "y", "b", 21, 30), 2), get(2, "x", "a", true, 31, 40)}, true, nil},
		{"a bad key among good ones", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(1, "y", "b", 0, 10), 2), get(2, "y", "", false, 11, 20), get(2, "x", "a", true, 11, 20)}, false, nil},
		{"read pinned by an earlier read", []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(del(1, "x", "1", 20, 100), 2), at(set(1, "x", "a", 101, 200), 3), get(2, "x", "", false, 30, 40), get(3, "x", "a", true, 50, 60)}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.h {
				tt.h[i].ID = uint64(i + 1)
			}
			r := CheckLogOrder(tt.h)
			if r.OK != tt.wok || r.Text == "" || r.Undecided {
				t.Fatalf("CheckLogOrder = %+v, want ok %v", r, tt.wok)
			}
			if !r.OK && (r.Problem == "" || r.ProblemID == 0 || len(r.Keys) == 0) {
				t.Fatalf("no problem named: %+v", r)
			}
			want := tt.wok
			if tt.porcupine != nil {
				want = *tt.porcupine
			}
			if p := CheckHistory(tt.h); p.OK != want || p.Ops != r.Ops {
				t.Fatalf("Porcupine says %+v, want ok %v with the log-order check's %d operations", p, want, r.Ops)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestCheckLogOrderNamesTheProblem checks the verdict names the operation.
func TestCheckLogOrderNamesTheProblem(t *testing.T) {
	h := []HistoryOp{at(set(1, "x", "a", 0, 10), 1), at(set(1, "x", "b", 11, 20), 2), get(2, "x", "a", true, 21, 30)}
	for i := range h {
		h[i].ID = uint64(i + 1)
	}
	r := CheckLogOrder(h)
	if r.ProblemID != 3 || !strings.Contains(r.Problem, `get x #3 → "a" (client 2, 21-30 ms)`) || !strings.Contains(r.Problem, "after index 2") {
		t.Fatalf("problem: %+v", r)
	}
}

// TestLinearizabilityHTMLIsBounded draws a long history with a stale read
// in its middle: the drawing holds at most HTMLMaxOps operations, the stale
// read among them. Porcupine's drawing of all of it is what once took
// gigabytes.
func TestLinearizabilityHTMLIsBounded(t *testing.T) {
	var h []HistoryOp
	idx := uint64(0)
	now := int64(0)
	for i := range 6000 {
		switch {
		case i == 3000:
			// Reads a value overwritten long before.
			h = append(h, get(2, "x", "v10", true, now, now+5))
		case i%3 == 2:
			h = append(h, get(2, "x", fmt.Sprintf("v%d", idx), true, now, now+5))
		default:
			idx++
			h = append(h, at(set(1, "x", fmt.Sprintf("v%d", idx), now, now+5), idx))
		}
		h = append(h, at(set(3, "other", "o", now, now+5), 0))
		h[len(h)-1].Unknown, h[len(h)-1].Return = true, -1
		now += 10
	}
	for i := range h {
		h[i].ID = uint64(i + 1)
	}
	r := CheckLogOrder(h)
	if r.OK || r.ProblemID != 6001 {
		t.Fatalf("log order: %+v", r)
	}
	var buf bytes.Buffer
	if err := WriteHistoryHTML(&buf, h); err != nil {
		t.Fatal(err)
	}
	drawn := strings.Count(buf.String(), "request #")
	if drawn == 0 || drawn > HTMLMaxOps || !strings.Contains(buf.String(), "request #6001 ") {
		t.Fatalf("drew %d operations (at most %d), stale read included: %v; %d bytes", drawn, HTMLMaxOps, strings.Contains(buf.String(), "request #6001 "), buf.Len())
	}
}

// TestCheckHistorySkipsKeysOverBudget: a key with more operations than
// Porcupine's budget is skipped and the result says so (Undecided), while a
// violation on another key is still found.
func TestCheckHistorySkipsKeysOverBudget(t *testing.T) {
	h := []HistoryOp{set(1, "big", "a", 0, 10), get(2, "big", "a", true, 11, 20), get(2, "big", "a", true, 21, 30), set(1, "small", "b", 0, 10)}
	r := checkPorcupine(operations(h), PorcupineTimeout, 2)
	if r.OK || !r.Undecided || !strings.Contains(r.Text, "skipped keys with more than 2 operations: big (3 operations)") {
		t.Fatalf("over budget: %+v", r)
	}
	h = append(h, get(2, "small", "", false, 11, 20))
	r = checkPorcupine(operations(h), PorcupineTimeout, 2)
	if r.OK || r.Undecided || len(r.Keys) != 1 || r.Keys[0] != "small" {
		t.Fatalf("a violation beside a key over budget: %+v", r)
	}
}
