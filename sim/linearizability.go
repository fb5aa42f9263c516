package sim

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/seshat-raft/seshat/wire"
)

// Linearizability of client histories is checked in two ways.
//
// A history the simulator recorded carries the log index of every applied
// write, and CheckLogOrder decides it exactly in a linear sweep (see
// logorder.go); Cluster.CheckLinearizable runs it first.
//
// Porcupine (github.com/anishathalye/porcupine) checks any history, the
// native cluster's included, against the sequential specification of the
// key-value store, one key at a time, by searching for an order. The search
// can take exponential time and memory (a 60 virtual second chaos run with
// 63 writes of unknown outcome once ran past 6 GB), so CheckHistory gives it
// a budget: at most PorcupineMaxOps operations per key (larger keys are
// skipped) and PorcupineTimeout of wall-clock time, kept by Porcupine's own
// clock. Past the budget the result is Undecided and says so: never a hang.
// For the simulator it is a cross-check of the exact check; its verdict,
// when it reaches one, does not depend on the scheduling of its goroutines.
// It is not part of the step path, so it changes nothing in the trace.

// Porcupine's budget per history.
const (
	// PorcupineTimeout is the most wall-clock time Porcupine is given for
	// a history (and again, per key at fault, to name the keys).
	PorcupineTimeout = 2 * time.Second
	// PorcupineMaxOps is the most operations of one key Porcupine is
	// given; a key with more is skipped.
	PorcupineMaxOps = 5000
	// HTMLMaxOps is the most operations WriteHistoryHTML draws.
	HTMLMaxOps = 1500
)

// LinearizabilityResult is the verdict on a client history.
type LinearizabilityResult struct {
	// OK is true if some order of the operations, each taking effect at one
	// instant between its call and its return, explains every output.
	OK bool `json:"ok"`
	// Undecided is true when Porcupine ran out of its budget (time, or a
	// key with too many operations) without finding a violation: OK is then
	// false, and Text says what was not checked. Never set by CheckLogOrder.
	Undecided bool `json:"undecided,omitempty"`
	// Ops is how many operations were checked (failed requests and reads
	// that never completed are left out).
	Ops int `json:"ops"`
	// Text is a one-line verdict for people.
	Text string `json:"text"`
	// Keys, when OK is false, lists the keys whose operations admit no such
	// order, in the order they first appear in the history.
	Keys []string `json:"keys,omitempty"`
	// Problem, from the log-order check, names the first operation that no
	// order explains and why.
	Problem string `json:"problem,omitempty"`
	// ProblemID is the request id of that operation (0 if none).
	ProblemID uint64 `json:"problemId,omitempty"`
	// CrossCheck, from Cluster.CheckLinearizable, is Porcupine's verdict on
	// the same history: "Porcupine agrees", or why it did not decide.
	CrossCheck string `json:"crossCheck,omitempty"`
}

// kvInput is one operation as the model sees it.
type kvInput struct {
	kind    wire.OpKind
	key     string
	value   string
	unknown bool // a write whose outcome the client never learnt
}

// kvOutput is what the client was told.
type kvOutput struct {
	output string
	found  bool
}

// kvState is the state of one key.
type kvState struct {
	present bool
	value   string
}

// kvMeta identifies an operation in the visualization.
type kvMeta struct {
	client int
	id     uint64
	note   string // why the operation has no return, if it has none
	detail string // HTML a caller adds (HistoryHTMLOptions.Detail)
}

// partitionByKey splits operations by key, keys in order of first
// appearance, each partition in history order.
func partitionByKey(history []porcupine.Operation) (keys []string, parts [][]porcupine.Operation) {
	byKey := map[string]int{} // only looked up, never iterated
	for _, op := range history {
		k := op.Input.(kvInput).key
		i, ok := byKey[k]
		if !ok {
			i = len(parts)
			byKey[k] = i
			keys = append(keys, k)
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], op)
	}
	return keys, parts
}

// partitionEventsByKey is partitionByKey for Porcupine's event form: a return
// event goes with the call event of the same Id.
func partitionEventsByKey(history []porcupine.Event) [][]porcupine.Event {
	byKey := map[string]int{} // only looked up, never iterated
	byID := map[int]int{}
	var parts [][]porcupine.Event
	for _, e := range history {
		i, ok := byID[e.Id]
		if !ok {
			in, isCall := e.Value.(kvInput)
			if e.Kind != porcupine.CallEvent || !isCall {
				continue // a return without its call: not a well-formed history
			}
			if i, ok = byKey[in.key]; !ok {
				i = len(parts)
				byKey[in.key] = i
				parts = append(parts, nil)
			}
			byID[e.Id] = i
		}
		parts[i] = append(parts[i], e)
	}
	return parts
}

// kvModel is the key-value store's sequential specification, partitioned by
// key (operations on different keys never constrain each other); the state
// of a partition is its key's (present, value).
//
// A set answers "OK"; a del answers "1" if the key was present, else "0",
// and leaves it absent; a get answers the value, found or not. A write with
// an unknown outcome has no return (it may take effect at any point after its
// call, or, placed after everything else, effectively never) and its output
// is not checked.
func kvModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			_, parts := partitionByKey(history)
			return parts
		},
		PartitionEvent: partitionEventsByKey,
		Init:           func() any { return kvState{} },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
			switch in.kind {
			case wire.OpSet:
				return in.unknown || out.output == "OK", kvState{present: true, value: in.value}
			case wire.OpDel:
				want := "0"
				if st.present {
					want = "1"
				}
				return in.unknown || out.output == want, kvState{}
			default:
				return out.found == st.present && (!st.present || out.output == st.value), st
			}
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(kvInput), output.(kvOutput)
			switch {
			case in.unknown:
				return fmt.Sprintf("%s → ?", wire.DescribeOp(in.kind, in.key, in.value))
			case in.kind == wire.OpGet && !out.found:
				return fmt.Sprintf("get %s → not found", in.key)
			}
			return fmt.Sprintf("%s → %s", wire.DescribeOp(in.kind, in.key, in.value), out.output)
		},
		DescribeState: func(state any) string {
			st := state.(kvState)
			if !st.present {
				return "(absent)"
			}
			return escapeHTML(fmt.Sprintf("%q", st.value))
		},
		DescribeOperationMetadata: func(info any) string {
			m, ok := info.(kvMeta)
			if !ok {
				return ""
			}
			s := fmt.Sprintf("request #%d from client %d", m.id, m.client)
			if m.client == 0 {
				s = fmt.Sprintf("request #%d from the console", m.id)
			}
			if m.note != "" {
				s += "; " + m.note
			}
			// Porcupine puts the metadata in its tooltip as HTML.
			return escapeHTML(s) + m.detail
		},
	}
}

// escapeHTML escapes text for Porcupine's tooltip, which it fills as
// HTML, as html.EscapeString does. Neither package html (its entity table,
// kept by the import alone) nor a strings.Replacer (built at start-up) is
// used: the checker's model is linked into the page's engine, and each cost
// it tens of KB.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `&'<>"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// operations converts a history to Porcupine operations. Failed requests
// are dropped; so are reads that never completed. Writes still pending or
// with an unknown outcome never return (Return = math.MaxInt64): they may
// take effect at any time after their call, or never, and whatever output
// they carry is ignored.
func operations(h []HistoryOp) []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(h))
	for _, op := range h {
		if op.Failed {
			continue
		}
		ret := op.Return
		unknown := op.Unknown || ret < 0
		meta := kvMeta{client: op.Client, id: op.ID}
		if unknown {
			if op.Kind == wire.OpGet {
				continue
			}
			ret = math.MaxInt64
			meta.note = "still pending: it may or may not take effect"
			if op.Unknown {
				meta.note = "the client gave up: it may or may not have taken effect"
			}
		}
		ops = append(ops, porcupine.Operation{
			ClientId: op.Client,
			Input:    kvInput{kind: op.Kind, key: op.Key, value: op.Value, unknown: unknown},
			Call:     op.Call,
			Output:   kvOutput{output: op.Output, found: op.Found},
			Return:   ret,
			Metadata: meta,
		})
	}
	return ops
}

// CheckHistory checks a client history for linearizability against the
// key-value model with Porcupine, within its budget (PorcupineTimeout,
// PorcupineMaxOps): each completed operation must take effect at one instant
// between its Call and its Return, in an order that explains every output.
// Failed operations are ignored, as are reads that never completed; writes
// that are Unknown or still pending may take effect at any time after their
// call, or never. The result is OK, not OK (Keys names the keys at fault),
// or Undecided (the budget ran out first; Text says what went unchecked).
func CheckHistory(h []HistoryOp) LinearizabilityResult {
	return checkPorcupine(operations(h), PorcupineTimeout, PorcupineMaxOps)
}

// checkPorcupine runs Porcupine on ops within a budget.
func checkPorcupine(ops []porcupine.Operation, timeout time.Duration, maxOps int) LinearizabilityResult {
	keys, parts := partitionByKey(ops)
	var skipped []string
	checked := make([]porcupine.Operation, 0, len(ops))
	for i, part := range parts {
		if len(part) > maxOps {
			skipped = append(skipped, fmt.Sprintf("%s (%d operations)", keys[i], len(part)))
			continue
		}
		checked = append(checked, part...)
	}
	m := kvModel()
	r := LinearizabilityResult{Ops: len(ops)}
	res := porcupine.CheckOperationsTimeout(m, checked, timeout)
	if res == porcupine.Illegal {
		// Find the keys at fault: check each key's operations alone.
		m.Partition, m.PartitionEvent = nil, nil
		ckeys, cparts := partitionByKey(checked)
		for i, part := range cparts {
			if porcupine.CheckOperationsTimeout(m, part, timeout) == porcupine.Illegal {
				r.Keys = append(r.Keys, ckeys[i])
			}
		}
		r.Text = fmt.Sprintf("NOT linearizable: no order of the %d operations explains what the clients saw", len(ops))
		return r
	}
	var why []string
	if res == porcupine.Unknown {
		why = append(why, fmt.Sprintf("timed out after %v", timeout))
	}
	if len(skipped) > 0 {
		why = append(why, fmt.Sprintf("skipped keys with more than %d operations: %s", maxOps, strings.Join(skipped, ", ")))
	}
	if len(why) > 0 {
		r.Undecided = true
		r.Text = fmt.Sprintf("undecided: Porcupine %s (%d operations)", strings.Join(why, "; "), len(ops))
		return r
	}
	r.OK = true
	r.Text = fmt.Sprintf("linearizable: %d operations", len(ops))
	return r
}

// WriteHistoryHTML writes Porcupine's interactive visualization of a client
// history to w: one row per client, each operation a bar from call to
// return (writes with an unknown outcome run to the end), and, for each key,
// the longest orders that explain the operations. It is most useful when the
// history is not linearizable, to see where every order breaks down. The
// page is self-contained HTML; the order of equally long explanations in it
// may differ from run to run.
//
// The drawing is bounded: if the exact log-order check (which needs a
// history the simulator recorded) finds a problem, only the keys at fault
// are drawn; at most HTMLMaxOps operations are drawn, those sent before and
// a little after the first operation no order explains (or the last ones,
// if there is none); and Porcupine gets PorcupineTimeout. A window that does
// not start at the beginning of the history starts from an absent key, so
// its first operations may show as unexplained.
func WriteHistoryHTML(w io.Writer, h []HistoryOp) error {
	return WriteHistoryHTMLWith(w, h, HistoryHTMLOptions{})
}

// HistoryHTMLOptions are what WriteHistoryHTMLWith adds to the drawing.
type HistoryHTMLOptions struct {
	// Annotations are drawn beside the operations (the run's faults, for
	// instance), in the history's unit of time (virtual ms).
	Annotations []porcupine.Annotation
	// Detail, if set, is HTML appended to an operation's tooltip (the
	// caller escapes what it writes).
	Detail func(op HistoryOp) string
}

// WriteHistoryHTMLWith is WriteHistoryHTML with annotations and more words
// for each operation (o).
func WriteHistoryHTMLWith(w io.Writer, h []HistoryOp, o HistoryHTMLOptions) error {
	ops := operations(h)
	if o.Detail != nil {
		byID := make(map[uint64]int, len(h)) // looked up, never iterated
		for i, op := range h {
			byID[op.ID] = i
		}
		for i := range ops {
			m := ops[i].Metadata.(kvMeta)
			m.detail = o.Detail(h[byID[m.id]])
			ops[i].Metadata = m
		}
	}
	lo := CheckLogOrder(h)
	if !lo.OK {
		ops = slices.DeleteFunc(ops, func(op porcupine.Operation) bool {
			return !slices.Contains(lo.Keys, op.Input.(kvInput).key)
		})
	}
	if len(ops) > HTMLMaxOps {
		end := len(ops)
		if lo.ProblemID != 0 {
			for i, op := range ops {
				if m, ok := op.Metadata.(kvMeta); ok && m.id == lo.ProblemID {
					end = min(len(ops), i+1+HTMLMaxOps/10)
					break
				}
			}
		}
		start := max(0, end-HTMLMaxOps)
		ops = ops[start:end]
	}
	m := kvModel()
	_, info := porcupine.CheckOperationsVerbose(m, ops, PorcupineTimeout)
	info.AddAnnotations(o.Annotations)
	return porcupine.Visualize(m, info, w)
}

// History returns a copy of the client history so far: every request in the
// order it was sent, with its outcome once known.
func (c *Cluster) History() []HistoryOp { return slices.Clone(c.history) }

// CheckLinearizable checks the client history so far: exactly, in log
// order (CheckLogOrder), then with Porcupine as a cross-check within its
// budget (CheckHistory). The verdict is the log-order check's; if Porcupine
// finds no order for a history the log-order check accepts, one of the two
// checkers is wrong and the result is not OK. Porcupine running out of its
// budget is reported in CrossCheck, not a failure.
func (c *Cluster) CheckLinearizable() LinearizabilityResult {
	r := CheckLogOrder(c.history)
	p := CheckHistory(c.history)
	switch {
	case p.Undecided:
		r.CrossCheck = strings.TrimPrefix(p.Text, "undecided: ")
	case p.OK == r.OK:
		r.CrossCheck = "Porcupine agrees"
	case r.OK:
		r.OK, r.Keys = false, p.Keys
		r.CrossCheck = "Porcupine finds no order for keys " + strings.Join(p.Keys, ", ")
		r.Text = fmt.Sprintf("checkers disagree: the log-order check accepts %d operations, but Porcupine finds no order for keys %s", r.Ops, strings.Join(p.Keys, ", "))
	default:
		r.CrossCheck = "Porcupine accepts: it does not know the log order"
	}
	return r
}

// WriteLinearizabilityHTML writes Porcupine's interactive visualization of
// the client history so far to w (see WriteHistoryHTML).
func (c *Cluster) WriteLinearizabilityHTML(w io.Writer) error { return WriteHistoryHTML(w, c.history) }
