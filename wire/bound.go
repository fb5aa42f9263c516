package wire

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/seshat-raft/seshat/statemachine"
)

// This file bounds what a view and a frame carry, whatever the cluster
// holds: a node's key-value store is shown as its count, its digest and one
// page of keys; values, keys and texts are cut; a whole frame is trimmed to
// FrameBudget bytes. The wasm engine, the native cluster and the bridge all
// use these, so every producer answers in the same shapes.

// View limits.
const (
	// DefaultKVLimit is how many keys a node's page shows when a call does
	// not say (kv_limit 0).
	DefaultKVLimit = 50
	// MaxKVLimit is the largest kv_limit a call may ask for.
	MaxKVLimit = 500
	// MaxLogWindow is the largest log_window a call may ask for.
	MaxLogWindow = 1000
	// MaxKVBytes is how much of a key or a value a page shows; longer ones
	// are cut there and marked Cut.
	MaxKVBytes = 256
	// MaxTextBytes is how much of a text (a log entry's operation, a
	// message's description, a node's error) a view shows.
	MaxTextBytes = 512
	// FrameBudget is the most bytes of JSON one frame may take: BoundFrame
	// trims a frame past it.
	FrameBudget = 2 << 20
)

// ViewOptions says what a view shows of each node: the newest LogWindow log
// entries (0: DefaultLogWindow) and the page of at most KVLimit keys (0:
// DefaultKVLimit) starting at KVFrom.
type ViewOptions struct {
	LogWindow int    `json:"log_window"`
	KVFrom    string `json:"kv_from"`
	KVLimit   int    `json:"kv_limit"`
}

// Check refuses options out of range with an error naming the option, its
// value and the range.
func (o ViewOptions) Check() error {
	switch {
	case o.LogWindow < 0 || o.LogWindow > MaxLogWindow:
		return fmt.Errorf("log_window %d is out of range: 0 (the default, %d) to %d", o.LogWindow, DefaultLogWindow, MaxLogWindow)
	case o.KVLimit < 0 || o.KVLimit > MaxKVLimit:
		return fmt.Errorf("kv_limit %d is out of range: 0 (the default, %d) to %d", o.KVLimit, DefaultKVLimit, MaxKVLimit)
	case len(o.KVFrom) > statemachineMaxKey:
		return fmt.Errorf("kv_from is %d bytes; a key is at most %d", len(o.KVFrom), statemachineMaxKey)
	}
	return nil
}

// statemachineMaxKey bounds kv_from: no store key is longer (the native
// API takes keys of at most 4 KiB).
const statemachineMaxKey = 4 << 10

// Normalize returns o with defaults filled in and values clamped to their
// range.
func (o ViewOptions) Normalize() ViewOptions {
	if o.LogWindow <= 0 {
		o.LogWindow = DefaultLogWindow
	}
	o.LogWindow = min(o.LogWindow, MaxLogWindow)
	if o.KVLimit <= 0 {
		o.KVLimit = DefaultKVLimit
	}
	o.KVLimit = min(o.KVLimit, MaxKVLimit)
	if len(o.KVFrom) > statemachineMaxKey {
		o.KVFrom = o.KVFrom[:statemachineMaxKey]
	}
	return o
}

// KVView is a node's key-value store as a view shows it: how many keys it
// holds, its data digest (statemachine.DataDigest as 16 hex digits: equal
// stores show equal digests), and one page of pairs in key order starting
// at From. Next is the first key after the page (ask for it as kv_from to
// see the next page), "" when the page reaches the end.
type KVView struct {
	Count  int      `json:"count"`
	Digest string   `json:"digest"`
	From   string   `json:"from"`
	Pairs  []KVPair `json:"pairs"`
	Next   string   `json:"next"`
}

// KVPair is one pair of a page. Cut says the key or the value was longer
// than MaxKVBytes and is shown cut there.
type KVPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Cut   bool   `json:"cut,omitempty"`
}

// EmptyKV is the view of a store that cannot be read (a crashed node).
func EmptyKV(from string) KVView { return KVView{From: from, Pairs: []KVPair{}} }

// KVPage returns sm's view: its count, digest and the page of at most limit
// keys from from (limit as ViewOptions.Normalize leaves it).
func KVPage(sm *statemachine.StateMachine, from string, limit int) KVView {
	pairs, next := sm.Page(from, limit)
	return KVView{Count: sm.Len(), Digest: FormatDigest(sm.DataDigest()), From: from, Pairs: PagePairs(pairs), Next: next}
}

// KVPageOf is KVPage over pairs already sorted by key (a copy a node
// published), with the digest given.
func KVPageOf(sorted []statemachine.KV, digest uint64, from string, limit int) KVView {
	i, _ := slices.BinarySearchFunc(sorted, from, func(p statemachine.KV, k string) int { return cmp.Compare(p.Key, k) })
	end := min(len(sorted), i+max(limit, 0))
	v := KVView{Count: len(sorted), Digest: FormatDigest(digest), From: from, Pairs: PagePairs(sorted[i:end])}
	if end < len(sorted) {
		v.Next = sorted[end].Key
	}
	return v
}

// FormatDigest writes a digest as a view shows it: 16 hex digits (a JSON
// number would lose bits in JavaScript), as fmt's %016x writes it, without
// fmt: every node's view has one.
func FormatDigest(d uint64) string {
	var b [16]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[d&0xf]
		d >>= 4
	}
	return string(b[:])
}

// PagePairs returns pairs as a page shows them, keys and values cut at
// MaxKVBytes.
func PagePairs(pairs []statemachine.KV) []KVPair {
	out := make([]KVPair, len(pairs))
	for i, p := range pairs {
		k, kc := cut(p.Key, MaxKVBytes)
		v, vc := cut(p.Value, MaxKVBytes)
		out[i] = KVPair{Key: k, Value: v, Cut: kc || vc}
	}
	return out
}

// CutText returns s cut to at most MaxTextBytes, ending in "…" when cut.
func CutText(s string) string {
	if t, c := cut(s, MaxTextBytes-len("…")); c {
		return t + "…"
	}
	return s
}

// cut returns s cut to at most n bytes at a character boundary, and
// whether it was cut.
func cut(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// BoundFrame trims f in place until its JSON takes at most budget bytes:
// first the oldest events, then each node's log window (keeping the newest
// entries, counted in LogOmitted), then each node's page of keys (keeping
// the first, Next then says where the rest start), then the messages in
// flight. It sets Trimmed when it removed anything, and reports the frame's
// size after trimming (for a frame that surely fits, an upper bound of its
// size: it is then not encoded). A frame that fits is left as it is, but
// for event texts, which are cut at MaxTextBytes.
func BoundFrame(f *Frame, budget int) int {
	cutEventTexts(f)
	if n := sizeBound(f); n <= budget {
		return n // surely fits: no need to encode it to know
	}
	b, _ := EncodeBounded(f, budget)
	return len(b)
}

// cutEventTexts cuts the events' texts at MaxTextBytes, copying the
// events first if any is cut (the caller's slice may be shared).
func cutEventTexts(f *Frame) {
	copied := false
	for i := range f.Events {
		e := &f.Events[i]
		if len(e.Text) <= MaxTextBytes && len(e.Type) <= MaxTextBytes && len(e.Output) <= MaxTextBytes && !longApplied(e.Applied) {
			continue
		}
		if !copied {
			f.Events = slices.Clone(f.Events)
			copied = true
			e = &f.Events[i]
		}
		e.Text, e.Type, e.Output = CutText(e.Text), CutText(e.Type), CutText(e.Output)
		if longApplied(e.Applied) {
			e.Applied = slices.Clone(e.Applied)
			for j := range e.Applied {
				a := &e.Applied[j]
				a.Key, a.Value, a.Output = CutText(a.Key), CutText(a.Value), CutText(a.Output)
			}
		}
	}
}

// longApplied reports whether an applied entry's key, value or output is
// longer than MaxTextBytes.
func longApplied(as []AppliedEntry) bool {
	return slices.ContainsFunc(as, func(a AppliedEntry) bool {
		return len(a.Key) > MaxTextBytes || len(a.Value) > MaxTextBytes || len(a.Output) > MaxTextBytes
	})
}

// sizeBound is an upper bound of the length of f's JSON, counted without
// encoding it: every string byte at its longest escape (6 bytes, \u00XX),
// and a generous constant for each value's names, numbers and punctuation.
// It is what lets BoundFrame skip encoding a frame that surely fits (the
// common case), while one that may not is measured exactly.
func sizeBound(f *Frame) int {
	str := func(ss ...string) int {
		n := 0
		for _, s := range ss {
			n += 6*len(s) + 2
		}
		return n
	}
	violation := func(v *Violation) int {
		if v == nil {
			return 0
		}
		return 400 + 24*len(v.Nodes) + str(v.Text)
	}
	n := 8192 + violation(f.Halted) + violation(f.View.Safety.Violation)
	for i := range f.Events {
		e := &f.Events[i]
		n += 450 + 24*len(e.Voters) + str(string(e.Kind), e.Type, e.Text, string(e.Outcome), e.Output)
		for j := range e.Applied {
			a := &e.Applied[j]
			n += 200 + str(string(a.Op), a.Key, a.Value, a.Output)
		}
	}
	for i := range f.View.Messages {
		m := &f.View.Messages[i]
		n += 700 + str(m.Type, m.Text)
	}
	n += 64 * len(f.View.Cuts)
	for _, c := range f.View.Clients {
		n += 200 + str(c.Pending)
	}
	for i := range f.View.Nodes {
		nv := &f.View.Nodes[i]
		n += 1500 + str(string(nv.Role), nv.Error) + 24*len(nv.Voters) + 300*len(nv.Progress)
		for _, e := range nv.Log {
			n += 200 + str(e.Type, e.Op)
		}
		n += 300 + str(nv.KV.Digest, nv.KV.From, nv.KV.Next)
		for _, p := range nv.KV.Pairs {
			n += 64 + str(p.Key, p.Value)
		}
	}
	return n
}

// EncodeBounded is BoundFrame returning f's JSON after trimming, so a
// caller that sends the frame encodes it once when it fits. Event texts are
// cut at MaxTextBytes first.
func EncodeBounded(f *Frame, budget int) ([]byte, error) {
	cutEventTexts(f)
	b, err := json.Marshal(f)
	for step := 0; err == nil && len(b) > budget && step < 64; step++ {
		if !trimOnce(f) {
			break
		}
		f.Trimmed = true
		b, err = json.Marshal(f)
	}
	return b, err
}

// trimOnce halves the first part that can still shrink, in the order
// BoundFrame gives, and reports whether there was one.
func trimOnce(f *Frame) bool {
	if n := len(f.Events); n > 0 {
		f.Events = slices.Clone(f.Events[n-n/2:])
		return true
	}
	for _, shrink := range []func(*NodeView) bool{halveLog, halveKV} {
		done := false
		for i := range f.View.Nodes {
			done = shrink(&f.View.Nodes[i]) || done
		}
		if done {
			return true
		}
	}
	if n := len(f.View.Messages); n > 0 {
		f.View.Messages = slices.Clone(f.View.Messages[n-n/2:])
		return true
	}
	return false
}

func halveLog(nv *NodeView) bool {
	n := len(nv.Log)
	if n == 0 {
		return false
	}
	nv.LogOmitted += n - n/2
	nv.Log = slices.Clone(nv.Log[n-n/2:])
	return true
}

func halveKV(nv *NodeView) bool {
	n := len(nv.KV.Pairs)
	if n == 0 {
		return false
	}
	// Next is the first key not shown. When that key was cut, Next is its
	// cut form, a prefix: asked for as kv_from, a page starts at or before
	// the key, so it may show a key again but never skips one.
	keep := n / 2
	nv.KV.Next = nv.KV.Pairs[keep].Key
	nv.KV.Pairs = slices.Clone(nv.KV.Pairs[:keep])
	return true
}
