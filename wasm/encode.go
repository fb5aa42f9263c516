package main

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// frameCache writes the answers of frame-returning calls, the same bytes
// encode writes, with less work. Most of a frame is the nodes' log windows
// and the messages in flight: those are written by appendFields, not by
// encoding/json, and a log entry equal (==) to one the node showed in the
// last answer is copied from it, not written again (from one frame to the
// next, most are). The rest of the frame is encoding/json's. The page
// weight limit keeps this code small. The zero value is ready.
type frameCache struct {
	// buf is a copy of the last answer; logs say where each node's log
	// entries are in it, node by node in view order. next is filled for
	// the answer being written, then swapped with logs.
	buf        []byte
	logs, next []writtenLog
	// node is a node without its log, encoded from this field so that
	// passing it to encoding/json allocates nothing.
	node wire.NodeView
}

// writtenLog is a node's log window as written in frameCache.buf.
type writtenLog struct {
	id   core.NodeID
	ents []writtenEntry
}

// writtenEntry is an entry written at buf[start:end].
type writtenEntry struct {
	v          wire.EntryView
	start, end int
}

// The parts of an answer's JSON written here, between what encoding/json
// writes: the view's nodes and messages, and each node's log.
var (
	viewHole = []byte(`"nodes":null,"messages":null`)
	logHole  = []byte(`"log":null`)
)

// answer returns encode(answer{OK: true, Result: f}).
func (fc *frameCache) answer(f Frame) []byte {
	if out := fc.write(f); out != nil {
		return out
	}
	return encode(answer{OK: true, Result: f})
}

// write is answer, or nil when the frame cannot be written in parts (an
// answer that is an error, a list that is null).
func (fc *frameCache) write(f Frame) []byte {
	nodes, msgs := f.View.Nodes, f.View.Messages
	f.View.Nodes, f.View.Messages = nil, nil
	head := encode(answer{OK: true, Result: f})
	// Before the nodes a view has only numbers and booleans (time, steps,
	// events, seed, manual), so the first match is the hole.
	i := bytes.Index(head, viewHole)
	if i < 0 || nodes == nil || msgs == nil {
		return nil
	}
	out := append(make([]byte, 0, len(head)+len(fc.buf)), head[:i]...)
	out = append(out, `"nodes":[`...)
	fc.next = fc.next[:0]
	for k := range nodes {
		if k > 0 {
			out = append(out, ',')
		}
		fc.node = nodes[k]
		fc.node.Log = nil
		b, err := json.Marshal(&fc.node)
		fc.node = wire.NodeView{} // keep nothing of the cluster alive
		// Before its log a node has only numbers, booleans and its role.
		j := bytes.Index(b, logHole)
		if err != nil || j < 0 || nodes[k].Log == nil {
			return nil
		}
		out = append(out, b[:j]...)
		out = fc.appendLog(out, k, nodes[k])
		out = append(out, b[j+len(logHole):]...)
	}
	out = append(out, `],"messages":[`...)
	for k := range msgs {
		if k > 0 {
			out = append(out, ',')
		}
		out = appendMessage(out, &msgs[k])
	}
	out = append(out, ']')
	out = append(out, head[i+len(viewHole):]...)
	// Keep a copy: the caller owns out.
	fc.buf = append(fc.buf[:0], out...)
	fc.logs, fc.next = fc.next, fc.logs
	return out
}

// appendLog appends `"log":` and the log of nv, the k-th node, copying the
// entries written last time for the same node when they are the same.
func (fc *frameCache) appendLog(out []byte, k int, nv wire.NodeView) []byte {
	var prev []writtenEntry
	if k < len(fc.logs) && fc.logs[k].id == nv.ID {
		prev = fc.logs[k].ents
	}
	if len(fc.next) == cap(fc.next) {
		fc.next = append(fc.next, writtenLog{})
	}
	fc.next = fc.next[:k+1]
	w := &fc.next[k]
	w.id, w.ents = nv.ID, w.ents[:0]
	out = append(out, `"log":[`...)
	for n := range nv.Log {
		if n > 0 {
			out = append(out, ',')
		}
		e := &nv.Log[n]
		start := len(out)
		// A window is consecutive indexes: the entry at e.Index was
		// written at j if both windows hold it.
		if j := int(e.Index) - int(prev0(prev)); j >= 0 && j < len(prev) && prev[j].v == *e {
			out = append(out, fc.buf[prev[j].start:prev[j].end]...)
		} else {
			out = appendEntry(out, e)
		}
		w.ents = append(w.ents, writtenEntry{v: *e, start: start, end: len(out)})
	}
	return append(out, ']')
}

// prev0 is the index of the first entry of a written window.
func prev0(prev []writtenEntry) core.LogIndex {
	if len(prev) == 0 {
		return 0
	}
	return prev[0].v.Index
}

// appendEntry appends e's JSON.
func appendEntry(out []byte, e *wire.EntryView) []byte {
	return appendFields(out, []jsonField{
		{key: `{"index":`, n: uint64(e.Index)},
		{key: `,"term":`, n: uint64(e.Term)},
		{key: `,"type":`, s: e.Type, kind: fieldString},
		{key: `,"op":`, s: e.Op, kind: fieldString},
	})
}

// appendMessage appends m's JSON.
func appendMessage(out []byte, m *wire.MessageView) []byte {
	return appendFields(out, []jsonField{
		{key: `{"id":`, n: m.ID},
		{key: `,"from":`, n: uint64(m.From)},
		{key: `,"to":`, n: uint64(m.To)},
		{key: `,"type":`, s: m.Type, kind: fieldString},
		{key: `,"term":`, n: uint64(m.Term)},
		{key: `,"index":`, n: uint64(m.Index), omit: true},
		{key: `,"log_term":`, n: uint64(m.LogTerm), omit: true},
		{key: `,"commit":`, n: uint64(m.Commit), omit: true},
		{key: `,"entries":`, n: uint64(m.Entries), kind: fieldInt, omit: true},
		{key: `,"response":`, n: one(m.Response), kind: fieldTrue, omit: true},
		{key: `,"reject":`, n: one(m.Reject), kind: fieldTrue, omit: true},
		{key: `,"sent_at":`, n: uint64(m.SentAt), kind: fieldInt},
		{key: `,"deliver_at":`, n: uint64(m.DeliverAt), kind: fieldInt},
		{key: `,"lost":`, n: one(m.Lost), kind: fieldTrue, omit: true},
		{key: `,"text":`, s: m.Text, kind: fieldString},
	})
}

func one(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// jsonField is a field appendFields writes: its key with the punctuation
// before it, and its value: n, as an unsigned or a signed number or as
// true, or s; omit leaves out a zero number (omitempty).
type jsonField struct {
	key  string
	n    uint64
	s    string
	kind byte
	omit bool
}

// The kinds of jsonField.
const (
	fieldUint byte = iota
	fieldInt
	fieldString
	fieldTrue
)

// appendFields appends fs and the closing brace, as encoding/json writes
// the struct they are the fields of (strings HTML-escaped); a string with
// a byte other than printable ASCII is left to encoding/json. Writing
// fields from a table, not one by one, keeps the engine small.
func appendFields(out []byte, fs []jsonField) []byte {
	for _, f := range fs {
		if f.omit && f.n == 0 {
			continue
		}
		out = append(out, f.key...)
		switch f.kind {
		case fieldUint:
			out = strconv.AppendUint(out, f.n, 10)
		case fieldInt:
			out = strconv.AppendInt(out, int64(f.n), 10)
		case fieldTrue:
			out = append(out, "true"...)
		default:
			out = appendString(out, f.s)
		}
	}
	return append(out, '}')
}

// appendString appends s as encoding/json writes it (<, > and & escaped
// for HTML). Printable ASCII is written here; a string with any other byte
// (a quote, a backslash, a control or a non-ASCII byte) is left to
// encoding/json.
func appendString(out []byte, s string) []byte {
	n, start := len(out), 0
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q, _ := json.Marshal(s)
			return append(out[:n], q...)
		}
		if c == '<' || c == '>' || c == '&' {
			out = append(append(out, s[start:i]...), '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
			start = i + 1
		}
	}
	return append(append(out, s[start:]...), '"')
}
