package export

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// PorcupineTimeout is the most wall-clock time WritePorcupineHTML gives
// Porcupine to look for orders; past it the drawing shows the partial
// orders found so far.
const PorcupineTimeout = sim.PorcupineTimeout

// HTMLMaxOps is the most operations WritePorcupineHTML draws.
const HTMLMaxOps = sim.HTMLMaxOps

// FaultTag is the Porcupine annotation tag of faults that belong to no
// node (partitions, cuts, heals, network settings); a node's faults go on
// a row tagged with its name ("n1").
const FaultTag = "network"

// kvIn, kvOut and kvState are the store's operations and state as the
// model below sees them (the same specification as sim's checker).
type kvIn struct {
	kind    wire.OpKind
	key     string
	value   string
	unknown bool
}

type kvOut struct {
	output string
	found  bool
}

type kvState struct {
	present bool
	value   string
}

// kvModel is the key-value store's sequential specification, by key.
func kvModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string]int{} // looked up, never iterated
			var parts [][]porcupine.Operation
			for _, op := range h {
				k := op.Input.(kvIn).key
				i, ok := byKey[k]
				if !ok {
					i = len(parts)
					byKey[k] = i
					parts = append(parts, nil)
				}
				parts[i] = append(parts[i], op)
			}
			return parts
		},
		Init: func() any { return kvState{} },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(kvState), input.(kvIn), output.(kvOut)
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
			in, out := input.(kvIn), output.(kvOut)
			switch {
			case in.unknown:
				return wire.DescribeOp(in.kind, in.key, in.value) + " → ?"
			case in.kind == wire.OpGet && !out.found:
				return "get " + in.key + " → not found"
			}
			return wire.DescribeOp(in.kind, in.key, in.value) + " → " + out.output
		},
		DescribeState: func(state any) string {
			st := state.(kvState)
			if !st.present {
				return "(absent)"
			}
			return html.EscapeString(fmt.Sprintf("%q", st.value))
		},
		// Porcupine puts the metadata in its tooltip as HTML: it is escaped
		// where it is made (opMetadata).
		DescribeOperationMetadata: func(info any) string {
			s, _ := info.(string)
			return s
		},
	}
}

// OpLink is the page link to the moment virtual time t (ms) of the session
// pageURL links to: pageURL must end in the page's session hash
// ("...#s=<packed session>", as SessionLink makes it), and any t parameter
// it has is replaced. It returns "" for a pageURL without a session hash:
// the page has no link to a time alone.
func OpLink(pageURL string, t int64) string {
	i := strings.Index(pageURL, "#s=")
	if i < 0 {
		return ""
	}
	base, hash := pageURL[:i], pageURL[i+1:]
	var keep []string
	for p := range strings.SplitSeq(hash, "&") {
		if !strings.HasPrefix(p, "t=") {
			keep = append(keep, p)
		}
	}
	return fmt.Sprintf("%s#%s&t=%d", base, strings.Join(keep, "&"), max(t, 0))
}

// opMetadata is an operation's tooltip text, as HTML: who sent it, when,
// and the link to its call in the page.
func opMetadata(op sim.HistoryOp, pageURL, note string) string {
	who := fmt.Sprintf("client %d", op.Client)
	if op.Client == 0 {
		who = "the console"
	}
	s := fmt.Sprintf("request #%d from %s, called at %d ms virtual time", op.ID, who, op.Call)
	if op.Return >= 0 && !op.Unknown {
		s += fmt.Sprintf(", returned at %d ms", op.Return)
	}
	s = html.EscapeString(s)
	if note != "" {
		s += "; " + html.EscapeString(note)
	}
	if link := OpLink(pageURL, op.Call); link != "" {
		s += fmt.Sprintf(`<br>in the page: <a href="%s">%s</a>`, html.EscapeString(link), html.EscapeString(link))
	}
	return s
}

// porcupineOps converts h to Porcupine operations, as sim's checker does:
// failed requests and reads that never completed are left out; writes of
// unknown outcome, or still pending, never return.
func porcupineOps(h []sim.HistoryOp, pageURL string) []porcupine.Operation {
	ops := make([]porcupine.Operation, 0, len(h))
	for _, op := range h {
		if op.Failed {
			continue
		}
		ret, note := op.Return, ""
		unknown := op.Unknown || ret < 0
		if unknown {
			if op.Kind == wire.OpGet {
				continue
			}
			ret = math.MaxInt64
			note = "still pending: it may or may not take effect"
			if op.Unknown {
				note = "the client gave up: it may or may not have taken effect"
			}
		}
		ops = append(ops, porcupine.Operation{
			ClientId: op.Client,
			Input:    kvIn{kind: op.Kind, key: op.Key, value: op.Value, unknown: unknown},
			Call:     op.Call,
			Output:   kvOut{output: op.Output, found: op.Found},
			Return:   ret,
			Metadata: opMetadata(op, pageURL, note),
		})
	}
	return ops
}

// FaultAnnotations are the annotations WritePorcupineHTML adds for the
// faults in events: on a node's row (tagged "n1"...) a "down" span from
// each crash to its restart (or the end of events) and a point for each
// restart; on the FaultTag row a point for each partition, cut, heal and
// network change, described by the event's text. Times are virtual ms,
// the unit of the history.
func FaultAnnotations(events []wire.Event) []porcupine.Annotation {
	var out []porcupine.Annotation
	if len(events) == 0 {
		return out
	}
	end := events[len(events)-1].At
	down := map[core.NodeID]int{} // node -> index in out of its open "down" span
	for _, e := range events {
		switch e.Kind {
		case wire.EvCrash:
			down[e.Node] = len(out)
			out = append(out, porcupine.Annotation{Tag: e.Node.String(), Start: e.At, End: end,
				Description: "down", Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#f4c7c3"})
		case wire.EvRestart:
			if i, ok := down[e.Node]; ok {
				out[i].End = e.At
				out[i].Details += fmt.Sprintf("; restarted at %d ms", e.At)
				delete(down, e.Node)
			}
			out = append(out, porcupine.Annotation{Tag: e.Node.String(), Start: e.At,
				Description: "restart", Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#c8e6c9"})
		case wire.EvPartition, wire.EvHeal, wire.EvNetwork:
			out = append(out, porcupine.Annotation{Tag: FaultTag, Start: e.At,
				Description: string(e.Kind), Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#fff3c4"})
		}
	}
	return out
}

// WritePorcupineHTML writes Porcupine's visualization of the client history
// h to w (self-contained HTML), annotated with the faults in events
// (FaultAnnotations). Each operation's tooltip names its request, its call
// and return in virtual ms and, when pageURL is a session link (see
// SessionLink and OpLink), the link to its call in the page; with any other
// pageURL, the times alone. Porcupine shows this text in a tooltip that
// follows the mouse, so the link is there to read and copy by hand, not to
// click.
//
// At most HTMLMaxOps operations are drawn, the last ones: a page of
// thousands is too slow to use (sim.WriteHistoryHTML draws a window around
// the first operation no order explains, without annotations). The orders
// drawn come from Porcupine's search within PorcupineTimeout of wall-clock
// time; everything else in the page is a function of the inputs.
func WritePorcupineHTML(w io.Writer, h []sim.HistoryOp, events []wire.Event, pageURL string) error {
	m := kvModel()
	ops := porcupineOps(h, pageURL)
	ops = ops[max(0, len(ops)-HTMLMaxOps):]
	_, info := porcupine.CheckOperationsVerbose(m, ops, PorcupineTimeout)
	info.AddAnnotations(FaultAnnotations(events))
	return porcupine.Visualize(m, info, w)
}
