package export

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// The Jepsen operation names WriteEDN gives the store's operations. A set
// is a register :write and a get a :read, the names Knossos' register and
// cas-register models and Elle's rw-register use; a del has no counterpart
// in those models and is a :delete, which a checker must map (for instance
// to a write of nil) or leave out.
const (
	FRead   = "read"
	FWrite  = "write"
	FDelete = "delete"
)

// fNames maps the store's operations to Jepsen's.
var fNames = map[wire.OpKind]string{wire.OpGet: FRead, wire.OpSet: FWrite, wire.OpDel: FDelete}

// ednOp is one line of the EDN history before it is written.
type ednOp struct {
	typ     string // invoke, ok, fail, info
	process int
	f       string
	key     string
	value   *string // nil: EDN nil
	removed *bool   // a completed delete: whether the key was present
	time    int64   // virtual ms
	client  int
	req     uint64
	op      int // index of the operation in the history
}

// WriteEDN writes the client history h to w as a Jepsen history in EDN: one
// operation map per line, in order of virtual time (ties keep the order of
// h, an invocation before its completion), numbered by :index from 0.
//
// Each operation of h gives two lines: an :invoke at its Call and its
// completion at its Return, :ok for an acknowledged request, :fail for one
// that certainly had no effect (Failed), and :info for one whose outcome is
// unknown (Unknown) or that never returned. sim records no return time
// (Return -1) for a request its client gave up on, nor for one still
// pending: WithGiveUpTimes fills in the first from the run's events. A
// completion without a return time is placed at the client's next
// invocation (a workload client sends its next request after giving up on
// one), or, for the console (client 0, which does not wait) and a
// client's last request, at the latest time in h. :f is :read, :write or
// :delete (FRead, FWrite, FDelete). :value is a key-value tuple [k v], as
// jepsen.independent writes it, so a per-key checker splits the history by
// key: [k v] for a write, [k nil] for the invocation of a read or a delete,
// [k v] for a read that found v and [k nil] for one that found nothing. A
// completed delete also carries :removed true or false. :time is virtual
// time in nanoseconds; :client and :req name the simulator's client and
// request id.
//
// :process follows Jepsen's rules: one outstanding operation per process,
// and a process that ends with :info is never used again. A client's
// process is its id until then; a client with overlapping requests (the
// console, client 0) or one whose process was retired gets fresh numbers,
// above every client id.
//
// Strings are escaped per EDN (\" \\ \n \r \t, other control characters
// and invalid UTF-8 as \uXXXX). The error is the first write error.
func WriteEDN(w io.Writer, h []sim.HistoryOp) error {
	ops := ednOps(h)
	bw := bufio.NewWriter(w)
	for i, op := range ops {
		writeEDNOp(bw, i, op)
	}
	return bw.Flush()
}

// ednOps turns h into time-ordered invocations and completions with their
// processes.
func ednOps(h []sim.HistoryOp) []ednOp {
	end := int64(0)
	maxClient := 0
	for _, op := range h {
		end = max(end, op.Call, op.Return)
		maxClient = max(maxClient, op.Client)
	}
	// next[i] is the call of the next request of op i's client.
	next := make([]int64, len(h))
	lastOf := map[int]int{} // client -> its latest request so far
	for i, op := range h {
		next[i] = end
		if j, ok := lastOf[op.Client]; ok && op.Client != 0 {
			next[j] = op.Call
		}
		lastOf[op.Client] = i
	}
	ops := make([]ednOp, 0, 2*len(h))
	for i, op := range h {
		f := fNames[op.Kind]
		if f == "" {
			f = string(op.Kind)
		}
		inv := ednOp{typ: "invoke", f: f, key: op.Key, time: op.Call, client: op.Client, req: op.ID, op: i}
		if op.Kind == wire.OpSet {
			inv.value = ptr(op.Value)
		}
		done := inv
		done.time = op.Return
		switch {
		case op.Failed:
			done.typ = "fail"
		case op.Unknown || op.Return < 0:
			done.typ = "info"
		default:
			done.typ = "ok"
			switch op.Kind {
			case wire.OpGet:
				done.value = nil
				if op.Found {
					done.value = ptr(op.Output)
				}
			case wire.OpDel:
				done.removed = ptr(op.Output == "1")
			}
		}
		if done.time < 0 {
			done.time = max(next[i], op.Call)
		}
		ops = append(ops, inv, done)
	}
	slices.SortStableFunc(ops, func(a, b ednOp) int { return cmp.Compare(a.time, b.time) })

	// Processes, in time order.
	fresh := maxClient + 1
	cur := map[int]int{}    // client -> its current process
	open := map[int]bool{}  // process -> an operation outstanding
	procOf := map[int]int{} // history index -> process
	for i := range ops {
		op := &ops[i]
		if op.typ == "invoke" {
			p, ok := cur[op.client]
			if !ok {
				p = op.client
				cur[op.client] = p
			}
			if open[p] {
				p = fresh
				fresh++
			}
			open[p] = true
			procOf[op.op] = p
			op.process = p
			continue
		}
		p := procOf[op.op]
		op.process = p
		open[p] = false
		if op.typ == "info" && cur[op.client] == p {
			cur[op.client] = fresh
			fresh++
		}
	}
	return ops
}

func ptr[T any](v T) *T { return &v }

// writeEDNOp writes one operation map and a newline.
func writeEDNOp(w *bufio.Writer, index int, op ednOp) {
	fmt.Fprintf(w, "{:type :%s, :f :%s, :value [", op.typ, op.f)
	writeEDNString(w, op.key)
	w.WriteByte(' ')
	if op.value == nil {
		w.WriteString("nil")
	} else {
		writeEDNString(w, *op.value)
	}
	w.WriteString("]")
	if op.removed != nil {
		fmt.Fprintf(w, ", :removed %t", *op.removed)
	}
	fmt.Fprintf(w, ", :process %d, :time %d, :index %d, :client %d, :req %d}\n",
		op.process, op.time*1_000_000, index, op.client, op.req)
}

// writeEDNString writes s as an EDN string literal.
func writeEDNString(w *bufio.Writer, s string) {
	w.WriteString(ednString(s))
}

// ednString is s as an EDN string literal: the escapes EDN names (\" \\ \n
// \r \t), \uXXXX for other control characters and U+FFFD for each byte
// that is not UTF-8.
func ednString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// WithGiveUpTimes returns a copy of h in which each request its client gave
// up on (Unknown or Failed, with Return -1, as sim records it) has Return
// set to the time it gave up, read from its EvClientReturn event in events
// (matched by client and request id). A request whose event is not in
// events (sim's trace keeps the most recent events only) keeps Return -1.
// h is not modified.
func WithGiveUpTimes(h []sim.HistoryOp, events []wire.Event) []sim.HistoryOp {
	type req struct {
		client int
		id     uint64
	}
	at := map[req]int64{}
	for _, e := range events {
		if e.Kind == wire.EvClientReturn && (e.Outcome == wire.OutcomeUnknown || e.Outcome == wire.OutcomeFailed) {
			at[req{e.Client, e.Msg}] = e.At
		}
	}
	out := slices.Clone(h)
	for i, op := range out {
		if t, ok := at[req{op.Client, op.ID}]; ok && op.Return < 0 && (op.Unknown || op.Failed) {
			out[i].Return = t
		}
	}
	return out
}
