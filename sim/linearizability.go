package sim

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/anishathalye/porcupine"
)

// LinearizabilityResult is the verdict on a client history.
type LinearizabilityResult struct {
	OK bool `json:"ok"`
	// Ops is how many operations were checked (failed requests and reads
	// that never completed are left out).
	Ops  int    `json:"ops"`
	Text string `json:"text"`
}

// kvInput is one operation as the model sees it.
type kvInput struct {
	kind    OpKind
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

// kvModel is the key-value store's sequential specification, partitioned by
// key (operations on different keys never constrain each other). A write
// with an unknown outcome may take effect at any point after its call, or,
// placed after everything else, effectively never; its output is not
// checked.
func kvModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string]int{}
			var out [][]porcupine.Operation
			for _, op := range history {
				k := op.Input.(kvInput).key
				i, ok := byKey[k]
				if !ok {
					i = len(out)
					byKey[k] = i
					out = append(out, nil)
				}
				out[i] = append(out[i], op)
			}
			return out
		},
		Init: func() any { return kvState{} },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
			switch in.kind {
			case OpSet:
				return in.unknown || out.output == "OK", kvState{present: true, value: in.value}
			case OpDel:
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
				return fmt.Sprintf("%s → ?", describeOp(in.kind, in.key, in.value))
			case in.kind == OpGet && !out.found:
				return fmt.Sprintf("get %s → not found", in.key)
			}
			return fmt.Sprintf("%s → %s", describeOp(in.kind, in.key, in.value), out.output)
		},
		DescribeState: func(state any) string {
			st := state.(kvState)
			if !st.present {
				return "(absent)"
			}
			return fmt.Sprintf("%q", st.value)
		},
	}
}

// operations converts a history to Porcupine operations. Failed requests
// are dropped; so are reads that never completed. Writes still pending or
// with an unknown outcome never return (Return = +infinity).
func operations(h []HistoryOp) []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(h))
	for _, op := range h {
		if op.Failed {
			continue
		}
		ret := op.Return
		unknown := op.Unknown || ret < 0
		if unknown {
			if op.Kind == OpGet {
				continue
			}
			ret = math.MaxInt64
		}
		ops = append(ops, porcupine.Operation{
			ClientId: op.Client,
			Input:    kvInput{kind: op.Kind, key: op.Key, value: op.Value, unknown: unknown},
			Call:     op.Call,
			Output:   kvOutput{output: op.Output, found: op.Found},
			Return:   ret,
		})
	}
	return ops
}

// CheckHistory checks a client history for linearizability against the
// key-value model.
func CheckHistory(h []HistoryOp) LinearizabilityResult {
	ops := operations(h)
	ok := porcupine.CheckOperations(kvModel(), ops)
	r := LinearizabilityResult{OK: ok, Ops: len(ops)}
	if ok {
		r.Text = fmt.Sprintf("linearizable: %d operations", len(ops))
	} else {
		r.Text = fmt.Sprintf("NOT linearizable: no order of the %d operations explains what the clients saw", len(ops))
	}
	return r
}

// History returns a copy of the client history so far.
func (c *Cluster) History() []HistoryOp { return slices.Clone(c.history) }

// CheckLinearizable checks the client history so far.
func (c *Cluster) CheckLinearizable() LinearizabilityResult { return CheckHistory(c.history) }

// WriteLinearizabilityHTML writes Porcupine's interactive visualization of
// the history (most useful when it is not linearizable) to w.
func (c *Cluster) WriteLinearizabilityHTML(w io.Writer) error {
	m := kvModel()
	_, info := porcupine.CheckOperationsVerbose(m, operations(c.history), 0)
	return porcupine.Visualize(m, info, w)
}
