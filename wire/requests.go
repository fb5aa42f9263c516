package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file is the one table of engine requests, beside the command rules
// (rules.go): for each call of the engine protocol
// (docs/engine-protocol.md), the fields of its argument, the call that
// must come before it, and the range of each field the engine checks,
// with the words it refuses a call in. What each call does is said on its
// constant (not in the table, which the wasm engine carries). The in-browser engine
// (wasm/) checks its calls with CheckRequest, TooEarly and UnknownRequest;
// the page's fake engine checks the same calls from the generated
// web/ui/schema.js, so the two refuse a call for the same reasons in the
// same words.

// RequestKind names a call of the engine protocol: one of the Req
// constants.
type RequestKind string

// Request kinds: the calls of the engine protocol.
const (
	// ReqDefaults answers the default configuration (DefaultConfig).
	ReqDefaults RequestKind = "defaults"
	// ReqLimits answers the ranges create takes and a session's limits.
	ReqLimits RequestKind = "limits"
	// ReqCreate makes a cluster from a Config (omitted fields keep their
	// defaults) and answers its Frame.
	ReqCreate RequestKind = "create"
	// ReqFrame runs advance_ms virtual ms and maintain_steps steps of
	// checkpoint building, and answers the Frame.
	ReqFrame RequestKind = "frame"
	// ReqStep processes up to n events and answers the Frame.
	ReqStep RequestKind = "step"
	// ReqNext runs to the time of the next event and answers the Frame.
	ReqNext RequestKind = "next"
	// ReqCommand carries out a Command and answers the Frame with its
	// events.
	ReqCommand RequestKind = "command"
	// ReqSeek goes to virtual time t, replaying from a checkpoint, and
	// answers the Frame (or pending).
	ReqSeek RequestKind = "seek"
	// ReqExport answers the Session: the configuration and the commands
	// so far.
	ReqExport RequestKind = "export"
	// ReqImport replays a Session and answers its Frame (or pending).
	ReqImport RequestKind = "import"
	// ReqResume runs the next slice of the import, seek or shrink that
	// answered pending.
	ReqResume RequestKind = "resume"
	// ReqCancel stops the import, seek or shrink that answered pending.
	ReqCancel RequestKind = "cancel"
	// ReqShrink searches for a smaller session that a checker halts as it
	// halted this one (sim.Shrink) and answers what it found (or
	// pending): the session, its size and the original's. The cluster
	// shown is not changed.
	ReqShrink RequestKind = "shrink"
	// ReqWhy answers a causal question (WhyQuestion: about, node, index,
	// msg) about the cluster as it is now, from its kept trace: a
	// WhyAnswer.
	ReqWhy RequestKind = "why"
	// ReqSearch searches every event of the session (ParseSearch: query)
	// by replaying it, and answers the events found (or pending).
	ReqSearch RequestKind = "search"
	// ReqFork compares the session with a fork of it at the current
	// point where change (a Command) is applied, replaying both for
	// for_ms virtual ms (0: 10 s) in slices (pending, resume, cancel as
	// for an import), and answers what it found (sim.ForkResult): the
	// fork's session, and the first events that differ, with both
	// clusters' views just after them.
	ReqFork RequestKind = "fork"
	// ReqCompare shows two runs side by side at any time: it replays two
	// sessions (base and fork, e.g. a fork's answer's) to virtual time at
	// in slices (pending, resume, cancel as for an import), and answers
	// both clusters' views there and the first difference by then
	// (sim.ForkResult). It needs no cluster and changes none.
	ReqCompare RequestKind = "compare"
	// ReqDiagram answers the space-time diagram (a Diagram) of the
	// window of span virtual ms ending at to (0: now), from the kept
	// trace: messages as lines between the nodes' lanes, notable events
	// as marks (DiagramQuery: to, span, heartbeats, max).
	ReqDiagram RequestKind = "diagram"
	// ReqCommittedLog answers a LogPage: a page of a node's committed
	// log, read in full a page at a time (node, from, limit; see
	// LogPageArgs and CommittedLog).
	ReqCommittedLog RequestKind = "committed-log"
	// ReqMemberStart starts a member of the native cluster in the page,
	// with its id and Raft tuning.
	ReqMemberStart RequestKind = "member-start"
	// ReqMemberTick advances the member one heartbeat.
	ReqMemberTick RequestKind = "member-tick"
	// ReqMemberStep steps the raftpb messages (base64) the bridge sent to
	// the member.
	ReqMemberStep RequestKind = "member-step"
	// ReqMemberView answers the member's view and what it did.
	ReqMemberView RequestKind = "member-view"
	// ReqMemberStop drops the member.
	ReqMemberStop RequestKind = "member-stop"
)

// ArgRule is what the table says of one checked field of a request's
// argument: a whole number from Min to Max, or one of Words.
type ArgRule struct {
	// Name is the JSON field.
	Name string `json:"name"`
	// Min and Max bound a whole number, both included; Max 0 bounds it
	// below only. An absent (or null) field counts as 0.
	Min int64 `json:"min"`
	Max int64 `json:"max,omitempty"`
	// Zero, for a number from 0, says what 0 means ("no limit"), in the
	// words of the refusal.
	Zero string `json:"zero,omitempty"`
	// Words, when set, make the field a string that is one of them; an
	// absent, null or empty field takes the first.
	Words []string `json:"words,omitempty"`
}

// RequestRule is what the table says of one kind of request.
type RequestRule struct {
	// Kind is the request kind; its constant's comment says what the
	// call does.
	Kind RequestKind `json:"kind"`
	// View, for the calls that answer a Frame and take an argument of
	// their own, says the argument holds the view fields: the events
	// after since, which events (events, max_events) and how much of
	// each node (log_window, kv_from, kv_limit; see ViewOptions).
	View bool `json:"view,omitempty"`
	// Fields are the other JSON fields of the argument when it is an
	// object of the call's own; nil when it is a schema type (Config,
	// Command, Session) or {}. AllFields lists the view fields too.
	Fields []string `json:"fields,omitempty"`
	// Args are the fields among Fields that CheckRequest checks, in the
	// order it checks them, after the view's (AllArgs).
	Args []ArgRule `json:"args,omitempty"`
	// Virtual says the call needs the simulator's virtual clock (time
	// travel, replays, the kept trace): a real-time cluster refuses it.
	Virtual bool `json:"virtual,omitempty"`
	// After is the call that must have come first (ReqCreate: the call
	// needs a cluster; ReqMemberStart: a member), "" if none.
	After RequestKind `json:"after,omitempty"`
	// first is what a call that needs this one must do first, in the
	// words of TooEarly, for the kinds other rules name in After.
	first string
}

// viewFields are the view fields (RequestRule.View).
var viewFields = []string{"since", "log_window", "kv_from", "kv_limit", "events", "max_events"}

// viewArgs are the checked view fields (ViewOptions.Check checks
// log_window, kv_from and kv_limit).
var viewArgs = []ArgRule{
	{Name: "max_events", Min: 0, Zero: "no limit"},
	{Name: "events", Words: []string{"all", "notable"}},
}

// requestRules is the table, in the order of the Req constants. It is
// plain data, laid out by the linker: no code builds it.
var requestRules = []RequestRule{
	{Kind: ReqDefaults},
	{Kind: ReqLimits},
	{Kind: ReqCreate, first: "create a cluster"},
	{Kind: ReqFrame, After: ReqCreate, View: true, Fields: []string{"advance_ms", "maintain_steps"},
		Args: []ArgRule{{Name: "advance_ms", Max: MaxAdvanceMS}, {Name: "maintain_steps", Max: MaxMaintainSteps}}},
	{Kind: ReqStep, Virtual: true, After: ReqCreate, View: true, Fields: []string{"n"}, Args: []ArgRule{{Name: "n", Min: 1, Max: MaxStepsPerCall}}},
	{Kind: ReqNext, Virtual: true, After: ReqCreate, View: true},
	{Kind: ReqCommand, After: ReqCreate},
	{Kind: ReqSeek, Virtual: true, After: ReqCreate, View: true, Fields: []string{"t"}},
	{Kind: ReqExport, Virtual: true, After: ReqCreate},
	{Kind: ReqImport, Virtual: true},
	{Kind: ReqResume},
	{Kind: ReqCancel},
	{Kind: ReqShrink, Virtual: true, After: ReqCreate},
	{Kind: ReqWhy, Virtual: true, After: ReqCreate, Fields: []string{"about", "node", "index", "msg"},
		Args: []ArgRule{{Name: "about", Words: []string{string(WhyRole), string(WhyTerm), string(WhyVote), string(WhyCommit), string(WhyApplied), string(WhyEntry), string(WhyMessage)}}, {Name: "node", Min: 0, Zero: "none (a message)"}, {Name: "index", Min: 0, Zero: "none"}, {Name: "msg", Min: 0, Zero: "none"}}},
	{Kind: ReqSearch, Virtual: true, After: ReqCreate, Fields: []string{"query"}},
	{Kind: ReqFork, Virtual: true, After: ReqCreate, Fields: []string{"change", "for_ms"}, Args: []ArgRule{{Name: "for_ms", Max: MaxForkMS, Zero: "10 s"}}},
	{Kind: ReqCompare, Virtual: true, Fields: []string{"base", "fork", "at"}, Args: []ArgRule{{Name: "at"}}},
	{Kind: ReqDiagram, Virtual: true, After: ReqCreate, Fields: []string{"to", "span", "heartbeats", "max"},
		Args: []ArgRule{{Name: "to", Zero: "now"}, {Name: "span", Min: 1, Max: MaxDiagramSpanMS}, {Name: "max", Max: MaxDiagramMessages, Zero: "the default"}}},
	{Kind: ReqCommittedLog, After: ReqCreate, Fields: []string{"node", "from", "limit"},
		Args: []ArgRule{{Name: "node", Min: 1}, {Name: "from", Zero: "the first the node holds"}, {Name: "limit", Max: MaxLogPage, Zero: "the default size"}}},
	{Kind: ReqMemberStart, Fields: []string{"id", "raft"}, first: "start a member"},
	{Kind: ReqMemberTick, After: ReqMemberStart},
	{Kind: ReqMemberStep, After: ReqMemberStart, Fields: []string{"message", "messages"}},
	{Kind: ReqMemberView, After: ReqMemberStart},
	{Kind: ReqMemberStop, After: ReqMemberStart},
}

// AllFields returns every JSON field of r's argument: the view fields
// first when r.View, then r.Fields.
func (r RequestRule) AllFields() []string {
	if !r.View {
		return slices.Clone(r.Fields)
	}
	return append(slices.Clone(viewFields), r.Fields...)
}

// AllArgs returns every field CheckRequest checks, in its order: the
// view's first when r.View, then r.Args.
func (r RequestRule) AllArgs() []ArgRule {
	if !r.View {
		return slices.Clone(r.Args)
	}
	return append(slices.Clone(viewArgs), r.Args...)
}

// RequestRules returns the table of request rules, one per kind, in a
// fixed order. The caller may not modify it.
func RequestRules() []RequestRule { return requestRules }

// RequestRuleOf returns the rule of kind, ok false for a kind that does
// not exist.
func RequestRuleOf(kind RequestKind) (RequestRule, bool) {
	return lookup(requestRules, kind, func(r RequestRule) RequestKind { return r.Kind })
}

// RequestError is a malformed engine call, of kind KindBadRequest: not
// JSON, an unknown operation, a call before the one it needs, an unknown
// field, a value of the wrong type or out of range. Its text starts with
// "engine: ".
type RequestError struct{ msg string }

func (e *RequestError) Error() string { return "engine: " + e.msg }

// Reason is the refusal without the engine's "engine: " prefix, for a
// transport that refuses the same call in its own name (the bridge).
func (e *RequestError) Reason() string { return e.msg }

// BadRequest returns a *RequestError saying what format and args say.
func BadRequest(format string, args ...any) error {
	return &RequestError{msg: fmt.Sprintf(format, args...)}
}

// UnknownRequest is the error of a call whose operation op is not in the
// table: it names op and lists the operations.
func UnknownRequest(op string) error {
	names := make([]string, len(requestRules))
	for i, r := range requestRules {
		names[i] = string(r.Kind)
	}
	last := len(names) - 1
	return BadRequest("unknown operation %q; the operations are %s and %s", op, strings.Join(names[:last], ", "), names[last])
}

// TooEarly is the error of a call of r's kind made before its After call
// (a frame before create), saying what to do first.
func (r RequestRule) TooEarly() error {
	first := string(r.After)
	if a, ok := RequestRuleOf(r.After); ok && a.first != "" {
		first = a.first
	}
	return BadRequest("%s before %s: %s first", r.Kind, r.After, first)
}

// PanicError is the error of a call op that panicked with recovered: a bug,
// of kind KindInternal, after which the engine still answers.
func PanicError(op string, recovered any) error {
	return fmt.Errorf("engine: internal error in %q: %v (this is a bug; the engine is still running)", op, recovered)
}

// CheckRequest checks args, the JSON argument of a call of kind: a field
// the call does not take (for the calls whose argument is an object of
// their own: AllFields), then the rule's AllArgs in their order. It
// returns a *RequestError naming the first unknown field (in name order)
// with the fields there are, or the first field out of range with its
// value and range; nil if it finds nothing. Empty args count as {}. It
// checks nothing else: the caller decodes args into its own type (which
// refuses a value of the wrong type) and refuses an unknown kind with
// UnknownRequest.
func CheckRequest(kind RequestKind, args []byte) error {
	r, ok := RequestRuleOf(kind)
	if !ok || (!r.View && len(r.Args) == 0 && len(r.Fields) == 0) {
		return nil
	}
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(args)) > 0 {
		if err := json.Unmarshal(args, &fields); err != nil {
			return BadRequest("%s: %v", kind, err)
		}
	}
	if known := r.AllFields(); len(known) > 0 {
		var unknown []string
		for name := range fields {
			if !slices.Contains(known, name) {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			return BadRequest("%s: unknown field %q; the fields are %s", kind, slices.Min(unknown), strings.Join(known, ", "))
		}
	}
	for _, a := range r.AllArgs() {
		if err := a.check(kind, fields[a.Name]); err != nil {
			return err
		}
	}
	return nil
}

// check refuses raw, the JSON value of field a of a call of kind (nil if
// absent), if it is not what a allows. The refusal shows a whole number
// as it is, a string quoted as Go quotes it (%q: as JSON.stringify does
// for printable text without control characters), and anything else as
// it was sent.
func (a ArgRule) check(kind RequestKind, raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	absent := len(raw) == 0 || string(raw) == "null"
	shown := string(raw)
	var must string
	if len(a.Words) > 0 {
		var s string
		isString := !absent && json.Unmarshal(raw, &s) == nil
		if absent || isString && (s == "" || slices.Contains(a.Words, s)) {
			return nil
		}
		if isString {
			shown = strconv.Quote(s)
		}
		quoted := make([]string, len(a.Words))
		for i, w := range a.Words {
			quoted[i] = strconv.Quote(w)
		}
		must = quoted[len(quoted)-1]
		if len(quoted) > 1 {
			must = strings.Join(quoted[:len(quoted)-1], ", ") + " or " + must
		}
	} else {
		var n int64
		var err error
		if !absent {
			n, err = strconv.ParseInt(string(raw), 10, 64)
		}
		if err == nil && n >= a.Min && (a.Max == 0 || n <= a.Max) {
			return nil
		}
		if err == nil {
			shown = strconv.FormatInt(n, 10)
		}
		switch {
		case a.Max > 0 && a.Zero != "":
			must = fmt.Sprintf("%d (%s) to %d", a.Min, a.Zero, a.Max)
		case a.Max > 0:
			must = fmt.Sprintf("%d to %d", a.Min, a.Max)
		case a.Zero != "":
			must = fmt.Sprintf("%d (%s) or more", a.Min, a.Zero)
		default:
			must = fmt.Sprintf("%d or more", a.Min)
		}
	}
	return BadRequest("%s: %s %s must be %s", kind, a.Name, shown, must)
}
