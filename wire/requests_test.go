package wire

import (
	"errors"
	"slices"
	"testing"
)

// TestEveryRequestKindHasOneRule checks the request table: one rule per
// kind in the order of the constants, checked fields among the rule's fields, and an
// After that names a rule saying what to do first.
func TestEveryRequestKindHasOneRule(t *testing.T) {
	kinds := []RequestKind{ReqDefaults, ReqLimits, ReqCreate, ReqFrame, ReqStep, ReqNext, ReqCommand, ReqSeek, ReqExport, ReqImport,
		ReqResume, ReqCancel, ReqShrink, ReqWhy, ReqSearch, ReqFork, ReqCompare, ReqDiagram, ReqCommittedLog, ReqMemberStart, ReqMemberTick, ReqMemberStep, ReqMemberView, ReqMemberStop}
	if len(RequestRules()) != len(kinds) {
		t.Errorf("%d rules; want the %d kinds", len(RequestRules()), len(kinds))
	}
	for i, k := range kinds {
		if i < len(RequestRules()) && RequestRules()[i].Kind != k {
			t.Errorf("rule %d is %s; want %s (the order of the Req constants)", i, RequestRules()[i].Kind, k)
		}
		r, ok := RequestRuleOf(k)
		if !ok {
			t.Errorf("%s: no rule", k)
			continue
		}
		for _, a := range r.AllArgs() {
			if !slices.Contains(r.AllFields(), a.Name) {
				t.Errorf("%s checks %q, not one of its fields %v", k, a.Name, r.AllFields())
			}
			if (a.Max != 0 && a.Max < a.Min) || (len(a.Words) > 0 && (a.Max != 0 || a.Min != 0)) {
				t.Errorf("%s.%s: range %d to %d with words %v", k, a.Name, a.Min, a.Max, a.Words)
			}
		}
		if r.After != "" {
			if a, ok := RequestRuleOf(r.After); !ok || a.first == "" {
				t.Errorf("%s comes after %s, which has no rule saying what to do first", k, r.After)
			}
		}
	}
}

// TestCheckRequestNamesTheFieldItsValueAndRange pins the refusals of the
// request table: the first field out of range in the table's order, with
// its value as sent and what it must be.
func TestCheckRequestNamesTheFieldItsValueAndRange(t *testing.T) {
	for _, tt := range []struct {
		kind RequestKind
		args string
		werr string // "" for none
	}{
		{ReqFrame, ``, ""},
		{ReqFrame, `null`, ""},
		{ReqFrame, `{"advance_ms": 60000, "maintain_steps": 200000, "events": "notable", "max_events": 0}`, ""},
		{ReqFrame, `{"advance_ms": -1}`, "engine: frame: advance_ms -1 must be 0 to 60000"},
		{ReqFrame, `{"advance_ms": 60001}`, "engine: frame: advance_ms 60001 must be 0 to 60000"},
		{ReqFrame, `{"maintain_steps": 200001}`, "engine: frame: maintain_steps 200001 must be 0 to 200000"},
		{ReqFrame, `{"advance_ms": 1.5}`, "engine: frame: advance_ms 1.5 must be 0 to 60000"},
		{ReqFrame, `{"advance_ms": "5"}`, `engine: frame: advance_ms "5" must be 0 to 60000`},
		{ReqFrame, `{"max_events": -1, "advance_ms": -1}`, "engine: frame: max_events -1 must be 0 (no limit) or more"},
		{ReqFrame, `{"events": "some", "advance_ms": -1}`, `engine: frame: events "some" must be "all" or "notable"`},
		{ReqFrame, `{"events": "<b>"}`, `engine: frame: events "<b>" must be "all" or "notable"`},
		{ReqFrame, `{"events": 3}`, `engine: frame: events 3 must be "all" or "notable"`},
		{ReqFrame, `{"events": "a\n\"\\é"}`, `engine: frame: events "a\n\"\\é" must be "all" or "notable"`},
		{ReqFrame, `{"events": ""}`, ""},
		{ReqStep, `{}`, "engine: step: n 0 must be 1 to 100000"},
		{ReqStep, `{"n": null}`, "engine: step: n 0 must be 1 to 100000"},
		{ReqStep, `{"n": 100000}`, ""},
		{ReqStep, `{"n": 100001}`, "engine: step: n 100001 must be 1 to 100000"},
		{ReqSeek, `{"t": -5, "max_events": -2}`, "engine: seek: max_events -2 must be 0 (no limit) or more"},
		{ReqCommittedLog, `{"node": 2, "from": 7, "limit": 1000}`, ""},
		{ReqCommittedLog, `{}`, "engine: committed-log: node 0 must be 1 or more"},
		{ReqCommittedLog, `{"node": 1, "from": -1}`, "engine: committed-log: from -1 must be 0 (the first the node holds) or more"},
		{ReqCommittedLog, `{"node": 1, "limit": -1}`, "engine: committed-log: limit -1 must be 0 (the default size) to 1000"},
		{ReqCommittedLog, `{"node": 1, "limit": 1001}`, "engine: committed-log: limit 1001 must be 0 (the default size) to 1000"},
		{ReqFrame, `{"sinse": 1, "max_events": -1}`, `engine: frame: unknown field "sinse"; the fields are since, log_window, kv_from, kv_limit, events, max_events, advance_ms, maintain_steps`},
		{ReqFrame, `{"zz": 1, "aa": 2, "since": 3}`, `engine: frame: unknown field "aa"; the fields are since, log_window, kv_from, kv_limit, events, max_events, advance_ms, maintain_steps`},
		{ReqNext, `{"advance_ms": 5}`, `engine: next: unknown field "advance_ms"; the fields are since, log_window, kv_from, kv_limit, events, max_events`},
		{ReqCommittedLog, `{"node": 0, "page": 2}`, `engine: committed-log: unknown field "page"; the fields are node, from, limit`},
		{ReqMemberStart, `{"id": 4, "raft": {}, "x": 1}`, `engine: member-start: unknown field "x"; the fields are id, raft`},
		{ReqMemberStart, `{"id": 4, "raft": {}}`, ""},
		{ReqNext, `[1]`, "engine: next: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{ReqCommand, `{"kind": "teleport"}`, ""},
		{"nonsense", `{}`, ""},
	} {
		err := CheckRequest(tt.kind, []byte(tt.args))
		if tt.werr == "" {
			if err != nil {
				t.Errorf("%s %s: %v; want nil", tt.kind, tt.args, err)
			}
			continue
		}
		var re *RequestError
		if err == nil || err.Error() != tt.werr || !errors.As(err, &re) || KindOf(err) != KindBadRequest {
			t.Errorf("%s %s: %v (%s); want %q (bad-request)", tt.kind, tt.args, err, KindOf(err), tt.werr)
		}
	}
}

// TestRequestOrderAndUnknownOperations pins the refusal of a call before
// the one it needs and of an unknown operation, which lists the table.
func TestRequestOrderAndUnknownOperations(t *testing.T) {
	for _, tt := range []struct {
		err  error
		werr string
	}{
		{must(RequestRuleOf(ReqFrame)).TooEarly(), "engine: frame before create: create a cluster first"},
		{must(RequestRuleOf(ReqMemberTick)).TooEarly(), "engine: member-tick before member-start: start a member first"},
		{UnknownRequest("fly"), `engine: unknown operation "fly"; the operations are defaults, limits, create, frame, step, next, command, seek, export, import, resume, cancel, shrink, why, search, fork, compare, diagram, committed-log, member-start, member-tick, member-step, member-view and member-stop`},
		{PanicError("frame", "boom"), `engine: internal error in "frame": boom (this is a bug; the engine is still running)`},
	} {
		if tt.err.Error() != tt.werr {
			t.Errorf("%q; want %q", tt.err, tt.werr)
		}
	}
	if KindOf(PanicError("frame", "boom")) != KindInternal {
		t.Error("a panic is not an internal error")
	}
}

func must(r RequestRule, ok bool) RequestRule {
	if !ok {
		panic("no rule")
	}
	return r
}
