package main

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// frameCache writes the answers of frame-returning calls, the same bytes
// encode writes, with less work: most of a frame is the nodes' log windows
// and the messages in flight, and from one frame to the next most of those
// are the same values. So it keeps the JSON of the last answer, where each
// log entry and message sits in it, and copies an entry or a message that
// equals (==, every field) the one written last time instead of encoding it
// again; new ones are written by appendEntry and appendMessage, which
// encode as encoding/json does. The rest of the frame is encoding/json's.
// The zero value is ready.
type frameCache struct {
	// buf is a copy of the last answer; the spans below index it.
	buf []byte
	// logs are the log entries written last time, node by node in view
	// order; msgs the messages, in view order (by id).
	logs []cachedLog
	msgs []cached[wire.MessageView]
	// nextLogs and nextMsgs are the slices of the answer being written,
	// swapped with logs and msgs when it is done, so that both are reused.
	nextLogs []cachedLog
	nextMsgs []cached[wire.MessageView]
	// scratch and enc encode node, a node without its log (a field, so
	// that passing it to enc allocates nothing).
	scratch bytes.Buffer
	enc     *json.Encoder
	node    wire.NodeView
}

// cached is a value written in frameCache.buf, at buf[start:end].
type cached[T comparable] struct {
	v          T
	start, end int
}

// cachedLog is the log window of one node as written.
type cachedLog struct {
	id   core.NodeID
	ents []cached[wire.EntryView]
}

// The parts of a frame's JSON written by hand, between what encoding/json
// writes: the nodes and messages of the view, and each node's log.
var (
	viewHole = []byte(`"nodes":null,"messages":null`)
	logHole  = []byte(`"log":null`)
)

// answer returns encode(answer{OK: true, Result: f}).
func (fc *frameCache) answer(f Frame) []byte {
	nodes, msgs := f.View.Nodes, f.View.Messages
	f.View.Nodes, f.View.Messages = nil, nil
	head := encode(answer{OK: true, Result: f})
	// Before the nodes the view has only numbers and booleans (time,
	// steps, events, seed, manual), so the first match is the hole.
	i := bytes.Index(head, viewHole)
	if i < 0 { // an error answer: it says why
		return head
	}
	out := make([]byte, 0, len(head)+len(fc.buf))
	out = append(out, head[:i]...)
	out = append(out, `"nodes":`...)
	out, ok := fc.appendNodes(out, nodes)
	if !ok {
		f.View.Nodes, f.View.Messages = nodes, msgs
		fc.buf, fc.logs, fc.msgs = fc.buf[:0], fc.logs[:0], fc.msgs[:0]
		return encode(answer{OK: true, Result: f})
	}
	out = append(out, `,"messages":`...)
	out = fc.appendMessages(out, msgs)
	out = append(out, head[i+len(viewHole):]...)
	// Keep a copy: the caller owns out.
	fc.buf = append(fc.buf[:0], out...)
	fc.logs, fc.nextLogs = fc.nextLogs, fc.logs
	fc.msgs, fc.nextMsgs = fc.nextMsgs, fc.msgs
	return out
}

// appendNodes appends the nodes' JSON; false if encoding/json refused one.
func (fc *frameCache) appendNodes(out []byte, nodes []wire.NodeView) ([]byte, bool) {
	if nodes == nil {
		fc.nextLogs = fc.nextLogs[:0]
		return append(out, "null"...), true
	}
	if fc.enc == nil {
		fc.enc = json.NewEncoder(&fc.scratch)
	}
	fc.nextLogs = resize(fc.nextLogs, len(nodes))
	out = append(out, '[')
	for k := range nodes {
		if k > 0 {
			out = append(out, ',')
		}
		id, log := nodes[k].ID, nodes[k].Log
		fc.node = nodes[k]
		fc.node.Log = nil
		fc.scratch.Reset()
		err := fc.enc.Encode(&fc.node)
		fc.node = wire.NodeView{} // keep nothing of the cluster alive
		if err != nil {
			return out, false
		}
		b := bytes.TrimSuffix(fc.scratch.Bytes(), []byte("\n"))
		// Before the log a node has only numbers, booleans and its role.
		i := bytes.Index(b, logHole)
		if i < 0 {
			return out, false
		}
		out = append(out, b[:i]...)
		out = append(out, `"log":`...)
		var prev []cached[wire.EntryView]
		if k < len(fc.logs) && fc.logs[k].id == id {
			prev = fc.logs[k].ents
		}
		next := &fc.nextLogs[k]
		next.id = id
		out, next.ents = fc.appendLog(out, log, prev, next.ents[:0])
		out = append(out, b[i+len(logHole):]...)
	}
	return append(out, ']'), true
}

// appendLog appends a node's log window, copying the entries written in
// prev (its window last time) when they are the same; written lists where
// each entry now is.
func (fc *frameCache) appendLog(out []byte, log []wire.EntryView, prev, written []cached[wire.EntryView]) ([]byte, []cached[wire.EntryView]) {
	if log == nil {
		return append(out, "null"...), written
	}
	out = append(out, '[')
	for k := range log {
		if k > 0 {
			out = append(out, ',')
		}
		ev := &log[k]
		start := len(out)
		// A window is consecutive indexes: the entry at ev.Index was
		// written at j if both windows hold it.
		if j := int(ev.Index) - int(firstIndex(prev)); len(prev) > 0 && j >= 0 && j < len(prev) && prev[j].v == *ev {
			out = append(out, fc.buf[prev[j].start:prev[j].end]...)
		} else {
			out = appendEntry(out, ev)
		}
		written = append(written, cached[wire.EntryView]{v: *ev, start: start, end: len(out)})
	}
	return append(out, ']'), written
}

func firstIndex(c []cached[wire.EntryView]) core.LogIndex {
	if len(c) == 0 {
		return 0
	}
	return c[0].v.Index
}

// appendMessages appends the messages in flight, copying those written
// last time that are the same. Both lists are in id order, so one walk
// finds them.
func (fc *frameCache) appendMessages(out []byte, msgs []wire.MessageView) []byte {
	fc.nextMsgs = fc.nextMsgs[:0]
	if msgs == nil {
		return append(out, "null"...)
	}
	out = append(out, '[')
	p := 0
	for k := range msgs {
		if k > 0 {
			out = append(out, ',')
		}
		m := &msgs[k]
		for p < len(fc.msgs) && fc.msgs[p].v.ID < m.ID {
			p++
		}
		start := len(out)
		if p < len(fc.msgs) && fc.msgs[p].v == *m {
			out = append(out, fc.buf[fc.msgs[p].start:fc.msgs[p].end]...)
		} else {
			out = appendMessage(out, m)
		}
		fc.nextMsgs = append(fc.nextMsgs, cached[wire.MessageView]{v: *m, start: start, end: len(out)})
	}
	return append(out, ']')
}

// resize returns s with length n, its elements' slices kept for reuse.
func resize(s []cachedLog, n int) []cachedLog {
	for len(s) < n {
		s = append(s, cachedLog{})
	}
	return s[:n]
}

// appendEntry appends e's JSON as encoding/json writes it.
func appendEntry(b []byte, e *wire.EntryView) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendUint(b, uint64(e.Index), 10)
	b = append(b, `,"term":`...)
	b = strconv.AppendUint(b, uint64(e.Term), 10)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"op":`...)
	b = appendString(b, e.Op)
	return append(b, '}')
}

// appendMessage appends m's JSON as encoding/json writes it, omitting the
// fields tagged omitempty when they are zero.
func appendMessage(b []byte, m *wire.MessageView) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, m.ID, 10)
	b = append(b, `,"from":`...)
	b = strconv.AppendUint(b, uint64(m.From), 10)
	b = append(b, `,"to":`...)
	b = strconv.AppendUint(b, uint64(m.To), 10)
	b = append(b, `,"type":`...)
	b = appendString(b, m.Type)
	b = append(b, `,"term":`...)
	b = strconv.AppendUint(b, uint64(m.Term), 10)
	if m.Index != 0 {
		b = append(b, `,"index":`...)
		b = strconv.AppendUint(b, uint64(m.Index), 10)
	}
	if m.LogTerm != 0 {
		b = append(b, `,"log_term":`...)
		b = strconv.AppendUint(b, uint64(m.LogTerm), 10)
	}
	if m.Commit != 0 {
		b = append(b, `,"commit":`...)
		b = strconv.AppendUint(b, uint64(m.Commit), 10)
	}
	if m.Entries != 0 {
		b = append(b, `,"entries":`...)
		b = strconv.AppendInt(b, int64(m.Entries), 10)
	}
	if m.Response {
		b = append(b, `,"response":true`...)
	}
	if m.Reject {
		b = append(b, `,"reject":true`...)
	}
	b = append(b, `,"sent_at":`...)
	b = strconv.AppendInt(b, m.SentAt, 10)
	b = append(b, `,"deliver_at":`...)
	b = strconv.AppendInt(b, m.DeliverAt, 10)
	if m.Lost {
		b = append(b, `,"lost":true`...)
	}
	b = append(b, `,"text":`...)
	b = appendString(b, m.Text)
	return append(b, '}')
}

// appendString appends s as a JSON string as encoding/json writes it (<, >
// and & escaped for HTML). Printable ASCII is written here; a string with
// any other byte (a quote, a backslash, a control or a non-ASCII byte) is
// left to encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '<' || c == '>' || c == '&' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
