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
// (docs/engine-protocol.md), what it does, the fields of its argument, the
// call that must come before it, and the range of each field the engine
// checks, with the words it refuses a call in. The in-browser engine
// (wasm/) checks its calls with CheckRequest, TooEarly and UnknownRequest;
// the page's fake engine checks the same calls from the generated
// web/ui/schema.js, so the two refuse a call for the same reasons in the
// same words.

// RequestKind names a call of the engine protocol: one of the Req
// constants.
type RequestKind string

// Request kinds: the calls of the engine protocol.
const (
	ReqDefaults    RequestKind = "defaults"
	ReqLimits      RequestKind = "limits"
	ReqCreate      RequestKind = "create"
	ReqFrame       RequestKind = "frame"
	ReqStep        RequestKind = "step"
	ReqNext        RequestKind = "next"
	ReqCommand     RequestKind = "command"
	ReqSeek        RequestKind = "seek"
	ReqExport      RequestKind = "export"
	ReqImport      RequestKind = "import"
	ReqResume      RequestKind = "resume"
	ReqCancel      RequestKind = "cancel"
	ReqMemberStart RequestKind = "member-start"
	ReqMemberTick  RequestKind = "member-tick"
	ReqMemberStep  RequestKind = "member-step"
	ReqMemberView  RequestKind = "member-view"
	ReqMemberStop  RequestKind = "member-stop"
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
	// Zero, for a number bounded below only, says what 0 means ("no
	// limit"), in the words of the refusal.
	Zero string `json:"zero,omitempty"`
	// Words, when set, make the field a string that is one of them; an
	// absent, null or empty field takes the first.
	Words []string `json:"words,omitempty"`
}

// RequestRule is what the table says of one kind of request.
type RequestRule struct {
	// Kind is the request kind.
	Kind RequestKind `json:"kind"`
	// Doc says what the call does and what its argument is, in a line.
	Doc string `json:"doc"`
	// Fields are the JSON fields of the argument when it is an object of
	// the call's own; nil when it is a schema type (Config, Command,
	// Session) or {}.
	Fields []string `json:"fields,omitempty"`
	// Args are the fields CheckRequest checks, in the order it checks
	// them.
	Args []ArgRule `json:"args,omitempty"`
	// After is the call that must have come first (ReqCreate: the call
	// needs a cluster; ReqMemberStart: a member), "" if none.
	After RequestKind `json:"after,omitempty"`
	// first is what a call that needs this one must do first, in the
	// words of TooEarly, for the kinds other rules name in After.
	first string
}

// viewFields are the fields of every call that answers a Frame and takes
// an argument of its own: the events after since, which events
// (events, max_events) and how much of each node (log_window, kv_from,
// kv_limit; see ViewOptions).
var viewFields = []string{"since", "log_window", "kv_from", "kv_limit", "events", "max_events"}

// viewArgs are the checked fields among viewFields (ViewOptions.Check
// checks log_window, kv_from and kv_limit).
var viewArgs = []ArgRule{
	{Name: "max_events", Min: 0, Zero: "no limit"},
	{Name: "events", Words: []string{"all", "notable"}},
}

// requestRules is the table, in the order of the Req constants.
var requestRules = []RequestRule{
	{Kind: ReqDefaults, Doc: "the default configuration (DefaultConfig)"},
	{Kind: ReqLimits, Doc: "the ranges create takes and the limits of a session"},
	{Kind: ReqCreate, Doc: "a new cluster from a Config (omitted fields keep their defaults); answers its Frame", first: "create a cluster"},
	{Kind: ReqFrame, Doc: "run advance_ms virtual ms and maintain_steps steps of checkpoint building; answers the Frame",
		Fields: append(slices.Clone(viewFields), "advance_ms", "maintain_steps"),
		Args:   append(slices.Clone(viewArgs), ArgRule{Name: "advance_ms", Max: MaxAdvanceMS}, ArgRule{Name: "maintain_steps", Max: MaxMaintainSteps}), After: ReqCreate},
	{Kind: ReqStep, Doc: "process up to n events; answers the Frame",
		Fields: append(slices.Clone(viewFields), "n"), Args: append(slices.Clone(viewArgs), ArgRule{Name: "n", Min: 1, Max: MaxStepsPerCall}), After: ReqCreate},
	{Kind: ReqNext, Doc: "run to the time of the next event; answers the Frame", Fields: viewFields, Args: viewArgs, After: ReqCreate},
	{Kind: ReqCommand, Doc: "carry out a Command; answers the Frame with its events", After: ReqCreate},
	{Kind: ReqSeek, Doc: "go to virtual time t, replaying from a checkpoint; answers the Frame (or pending)",
		Fields: append(slices.Clone(viewFields), "t"), Args: viewArgs, After: ReqCreate},
	{Kind: ReqExport, Doc: "the Session: the configuration and the commands so far", After: ReqCreate},
	{Kind: ReqImport, Doc: "replay a Session; answers its Frame (or pending)"},
	{Kind: ReqResume, Doc: "run the next slice of the import or seek that answered pending"},
	{Kind: ReqCancel, Doc: "stop the import or seek that answered pending"},
	{Kind: ReqMemberStart, Doc: "start a member of the native cluster in the page with id and its Raft tuning", Fields: []string{"id", "raft"}, first: "start a member"},
	{Kind: ReqMemberTick, Doc: "advance the member one heartbeat", After: ReqMemberStart},
	{Kind: ReqMemberStep, Doc: "step the raftpb messages (base64) the bridge sent to the member", Fields: []string{"message", "messages"}, After: ReqMemberStart},
	{Kind: ReqMemberView, Doc: "the member's view and what it did", After: ReqMemberStart},
	{Kind: ReqMemberStop, Doc: "drop the member", After: ReqMemberStart},
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

// CheckRequest checks the fields of args, the JSON argument of a call of
// kind, against the rule's Args, in their order, and returns a
// *RequestError naming the first field out of range with its value and
// range, or nil. Empty args count as {}. It checks nothing else: the
// caller decodes args into its own type (refusing unknown fields) and
// refuses an unknown kind with UnknownRequest.
func CheckRequest(kind RequestKind, args []byte) error {
	r, ok := RequestRuleOf(kind)
	if !ok || len(r.Args) == 0 {
		return nil
	}
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(args)) > 0 {
		if err := json.Unmarshal(args, &fields); err != nil {
			return BadRequest("%s: %v", kind, err)
		}
	}
	for _, a := range r.Args {
		if err := a.check(kind, fields[a.Name]); err != nil {
			return err
		}
	}
	return nil
}

// check refuses raw, the JSON value of field a of a call of kind (nil if
// absent), if it is not what a allows.
func (a ArgRule) check(kind RequestKind, raw json.RawMessage) error {
	var v any
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return BadRequest("%s: %s: %v", kind, a.Name, err)
		}
	}
	if len(a.Words) > 0 {
		s, ok := v.(string)
		if v == nil || ok && (s == "" || slices.Contains(a.Words, s)) {
			return nil
		}
		quoted := make([]string, len(a.Words))
		for i, w := range a.Words {
			quoted[i] = strconv.Quote(w)
		}
		last := len(quoted) - 1
		must := quoted[0]
		if last > 0 {
			must = strings.Join(quoted[:last], ", ") + " or " + quoted[last]
		}
		return BadRequest("%s: %s %s must be %s", kind, a.Name, shownValue(v, raw), must)
	}
	var n int64
	ok := v == nil
	if num, isNum := v.(json.Number); isNum {
		i, err := num.Int64()
		n, ok = i, err == nil
	}
	switch {
	case ok && n >= a.Min && (a.Max == 0 || n <= a.Max):
		return nil
	case a.Max > 0:
		return BadRequest("%s: %s %s must be %d to %d", kind, a.Name, shownValue(n, raw), a.Min, a.Max)
	case a.Zero != "":
		return BadRequest("%s: %s %s must be %d (%s) or more", kind, a.Name, shownValue(n, raw), a.Min, a.Zero)
	}
	return BadRequest("%s: %s %s must be %d or more", kind, a.Name, shownValue(n, raw), a.Min)
}

// shownValue is how a refusal shows a field's value: v as JSON, a whole
// number as it is, and the field's JSON as sent when v is not what the
// field holds (an absent number shows as 0).
func shownValue(v any, raw json.RawMessage) string {
	switch x := v.(type) {
	case int64:
		if len(raw) == 0 || string(raw) == "null" {
			return "0"
		}
		if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
			return string(bytes.TrimSpace(raw))
		}
		return strconv.FormatInt(x, 10)
	case string:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(x) == nil {
			return strings.TrimSuffix(b.String(), "\n")
		}
	}
	return string(bytes.TrimSpace(raw))
}
