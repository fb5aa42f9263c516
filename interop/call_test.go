package interop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// answer is Call's reply, decoded.
type answer struct {
	OK    json.RawMessage `json:"ok"`
	Error *Error          `json:"error"`
}

func call1(t *testing.T, op string, args any) answer {
	t.Helper()
	var in []byte
	switch a := args.(type) {
	case string:
		in = []byte(a)
	default:
		var err error
		if in, err = json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	}
	out := Call(op, in)
	var a answer
	dec := json.NewDecoder(strings.NewReader(string(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("%s: reply %.200s: %v", op, out, err)
	}
	if (a.OK == nil) == (a.Error == nil) {
		t.Fatalf("%s: reply %.200s: want exactly one of ok and error", op, out)
	}
	return a
}

// TestCall: the replies the page reads, {ok} or {error: {kind, message,
// line}}, for each operation and for malformed calls.
func TestCall(t *testing.T) {
	a := call1(t, "play", map[string]any{"name": "tiny", "text": tiny})
	var res PlayResult
	if err := json.Unmarshal(a.OK, &res); err != nil || res.Matched != 4 || res.Total != 4 || len(res.Steps[3].Nodes) != 3 {
		t.Fatalf("play: %+v, %v", res, err)
	}
	var raw map[string]any
	json.Unmarshal(a.OK, &raw)
	step := raw["steps"].([]any)[1].(map[string]any)
	for _, k := range []string{"line", "text", "expected", "actual", "matches", "yours", "nodes"} {
		if _, ok := step[k]; !ok {
			t.Errorf("a step has no %q: %v", k, step)
		}
	}

	a = call1(t, "play", map[string]any{"name": "tiny", "text": tiny + "\ncampaign 9\n"})
	if e := a.Error; e.Kind != wire.KindBadScript || e.Line != 17 || !strings.Contains(e.Message, "tiny:17:") {
		t.Fatalf("bad play: %+v", e)
	}
	a = call1(t, "export", map[string]any{"session": json.RawMessage(session(t)), "format": "edn"})
	var ex ExportResult
	if err := json.Unmarshal(a.OK, &ex); err != nil || ex.Format != "edn" || !strings.HasPrefix(ex.Text, "{:type") {
		t.Fatalf("export: %+v, %v", ex, err)
	}
	a = call1(t, "formats", "")
	if !strings.Contains(string(a.OK), `"etcd-script"`) {
		t.Errorf("formats: %s", a.OK)
	}

	bad := []struct {
		op, args string
		wkind    wire.ErrorKind
		wtext    string
	}{
		{"fly", "{}", wire.KindBadRequest, `unknown operation "fly"`},
		{"play", "{not json", wire.KindBadRequest, "not JSON"},
		{"play", `{"name": "x"}`, wire.KindBadRequest, "text is missing"},
		{"play", `{"name": "x", "text": 5}`, wire.KindBadRequest, "cannot unmarshal"},
		{"play", `{"name": "x", "text": "", "extra": 1}`, wire.KindBadRequest, "extra"},
		{"play", `["a"]`, wire.KindBadRequest, "cannot unmarshal"},
		{"play", `{"name": "x", "text": "add-nodes 10000\n"}`, wire.KindBadScript, "too many nodes"},
		{"export", `{"format": "edn"}`, wire.KindBadRequest, "session is missing"},
		{"export", `{"session": 5, "format": "edn"}`, wire.KindBadSession, "invalid session"},
		{"export", `{"session": {}, "format": "tla+"}`, wire.KindBadRequest, "unknown format"},
		{"formats", `{"x": 1}`, wire.KindBadRequest, "unknown field"},
		{"play", strings.Repeat(" ", MaxCallBytes+1), wire.KindBadRequest, "at most"},
	}
	for _, b := range bad {
		a := call1(t, b.op, b.args)
		if a.Error.Kind != b.wkind || !strings.Contains(a.Error.Message, b.wtext) {
			t.Errorf("%s %.60s: %+v, want %s with %q", b.op, b.args, a.Error, b.wkind, b.wtext)
		}
	}
}
