package main

import (
	"bytes"
	"encoding/json"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// frameCache writes the answers of frame-returning calls, the same bytes
// encode writes, with less work. Most of a frame is the nodes' log windows
// and the messages in flight, and from one frame to the next most log
// entries and many messages stay: a log entry equal (==) to one the node
// showed in the last answer, and a message in flight equal to one the last
// answer held, is copied from that answer's bytes, not encoded again. Everything
// else is written by encoding/json, piece by piece. The zero value is
// ready.
type frameCache struct {
	// buf is a copy of the last answer; logs say where each node's log
	// entries are in it, node by node in view order. next is filled for
	// the answer being written, then swapped with logs.
	buf        []byte
	logs, next []writtenLog
	// msgs and nextMsgs are the messages in flight as written in buf and
	// in the answer being written, in the view's order (by id).
	msgs, nextMsgs []writtenMessage
	// node is a node without its log, encoded from this field so that
	// passing it to encoding/json allocates nothing.
	node wire.NodeView
	// err is the first error encoding/json met writing this answer.
	err error
}

// writtenLog is a node's log window as written in frameCache.buf.
type writtenLog struct {
	id   core.NodeID
	ents []writtenEntry
}

// writtenMessage is a message in flight written at buf[start:end].
type writtenMessage struct {
	v          wire.MessageView
	start, end int
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
	// Messages come by id: a message still in flight since the last
	// answer, and the same (==), is copied from it.
	fc.nextMsgs = fc.nextMsgs[:0]
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
			out = fc.appendJSON(out, m)
		}
		fc.nextMsgs = append(fc.nextMsgs, writtenMessage{v: *m, start: start, end: len(out)})
	}
	out = append(out, ']')
	out = append(out, head[i+len(viewHole):]...)
	if fc.err != nil {
		fc.err, fc.buf, fc.logs, fc.next, fc.msgs = nil, fc.buf[:0], fc.logs[:0], fc.next[:0], fc.msgs[:0]
		return nil
	}
	// Keep a copy: the caller owns out.
	fc.buf = append(fc.buf[:0], out...)
	fc.logs, fc.next = fc.next, fc.logs
	fc.msgs, fc.nextMsgs = fc.nextMsgs, fc.msgs
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
			out = fc.appendJSON(out, e)
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

// appendJSON appends v as encoding/json writes it, or records the error
// (then the answer is written by encode instead).
func (fc *frameCache) appendJSON(out []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		fc.err = err
	}
	return append(out, b...)
}
