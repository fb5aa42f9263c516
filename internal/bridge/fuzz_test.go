package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// expectedChange says what a client message may change in the fake engine,
// judged apart from the bridge: a well-formed command the engine accepts
// and the native cluster can carry out is applied; a well-formed valid
// create creates; nothing else changes anything.
func expectedChange(fe *fakeEngine, data []byte) (op string, cmd wire.Command) {
	var req struct {
		ID   uint64          `json:"id"`
		Op   string          `json:"op"`
		Args json.RawMessage `json:"args"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&req) != nil {
		return "", cmd
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", cmd // data after the message
	}
	switch req.Op {
	case "command":
		cmd, err := wire.ParseCommand(req.Args)
		if err != nil {
			return "", cmd
		}
		switch cmd.Kind {
		case wire.CmdManual, wire.CmdDeliver, wire.CmdDrop, wire.CmdDuplicate:
			return "", cmd
		}
		fe.mu.Lock()
		defer fe.mu.Unlock()
		ok := func() (ok bool) {
			defer func() {
				if recover() != nil {
					ok = false
				}
			}()
			return fe.check(cmd) == nil
		}()
		if !ok {
			return "", cmd
		}
		return "command", cmd
	case "create":
		cfg := wire.DefaultConfig()
		if len(bytes.TrimSpace(req.Args)) > 0 {
			d := json.NewDecoder(bytes.NewReader(req.Args))
			d.DisallowUnknownFields()
			if d.Decode(&cfg) != nil {
				return "", cmd
			}
		}
		if cfg.Validate() != nil || cfg.Manual {
			return "", cmd
		}
		return "create", cmd
	}
	return "", cmd
}

func FuzzClientFrame(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"op":"hello","args":{}}`,
		`{"id":2,"op":"frame","args":{"since":3,"events":"notable","max_events":2,"log_window":4}}`,
		`{"id":3,"op":"command","args":{"kind":"crash","node":2}}`,
		`{"id":4,"op":"command","args":{"kind":"restart","node":2}}`,
		`{"id":5,"op":"command","args":{"kind":"crash","node":9}}`,
		`{"id":6,"op":"command","args":{"kind":"set","key":"k","value":"v"}}`,
		`{"id":7,"op":"command","args":{"kind":"deliver","msg":1}}`,
		`{"id":8,"op":"command","args":{"kind":"crash","node":1,"x":true}}`,
		`{"id":9,"op":"create","args":{"nodes":3}}`,
		`{"id":10,"op":"create","args":{"nodes":0}}`,
		`{"id":11,"op":"subscribe","args":{"interval_ms":100,"events":"notable"}}`,
		`{"id":12,"op":"unsubscribe"}`,
		`{"id":13,"op":"seek","args":{"t":5}}`,
		`{"id":14,"op":"nope"}`,
		`{"id":15,"op":"command","args":{"kind":"set","key":"panic"}}`,
		`{"id":16,"op":"command","args":{"kind":"network","network":{"min_latency_ms":1}}}`,
		`{"id":17,"op":"command","args":null}`,
		`{"id":18,"op":"command","args":{"kind":"heal"}} {}`,
		`{"id":19,"op":"join","args":{}}`,
		`{"id":20,"op":"join","args":{"node":4}}`,
		`{"id":21,"op":"report","args":{"term":3,"kv":[{"key":"k","value":"v"}]}}`,
		`[]`, `null`, `"hello"`, ``, `{`, `{"id":-1}`, `{"id":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fe := newFake()
		b := newBridge(fe, Options{})
		defer b.Close()
		c := newClient(b, 1, "fuzz", nil)
		defer b.hub.unsubscribe(c)

		before := fe.state()
		fe.mu.Lock()
		appliedBefore := len(fe.applied)
		fe.mu.Unlock()
		wantOp, wantCmd := expectedChange(fe, data)

		out := c.handle(data).encode(c)

		// Exactly one reply: one JSON object of the reply's shape.
		var r struct {
			ID    uint64 `json:"id"`
			Reply struct {
				OK     bool            `json:"ok"`
				Result json.RawMessage `json:"result"`
				Error  string          `json:"error"`
				Kind   string          `json:"kind"`
			} `json:"reply"`
		}
		if err := decodeStrict(out, &r); err != nil {
			t.Fatalf("reply %s to %q: %v", out, data, err)
		}
		if !r.Reply.OK && (r.Reply.Error == "" || r.Reply.Kind == "") {
			t.Fatalf("error reply without error or kind: %s", out)
		}
		if r.Reply.OK && (r.Reply.Error != "" || r.Reply.Kind != "") {
			t.Fatalf("ok reply with an error: %s", out)
		}

		after := fe.state()
		switch wantOp {
		case "command":
			fe.mu.Lock()
			applied := fe.applied[appliedBefore:]
			fe.mu.Unlock()
			if !r.Reply.OK || len(applied) != 1 || !reflect.DeepEqual(applied[0], wantCmd) {
				t.Fatalf("valid command %q: reply %s, applied %+v", data, out, applied)
			}
		case "create":
			if !r.Reply.OK || after.creates != before.creates+1 {
				t.Fatalf("valid create %q: reply %s", data, out)
			}
		default:
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("%q changed the engine: %+v -> %+v (reply %s)", data, before, after, out)
			}
		}
	})
}
