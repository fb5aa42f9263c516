package interop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// session returns the JSON of a short session: three nodes, a client, a
// write, a crash.
func session(t *testing.T) []byte {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Clients.Count = 3, 1
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(800); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdSet, Key: "x", Value: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdCrash, Node: 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.RunUntil(2000); err != nil {
		t.Fatal(err)
	}
	data, err := sim.MarshalSession(c.Export())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestExport writes a session in every format: each names its file and
// media type, and holds what that format starts with; the same session
// gives the same text.
func TestExport(t *testing.T) {
	s := session(t)
	want := map[string]string{
		"edn":         "{:type :invoke, :f :",
		"trace":       `{"traceEvents":[`,
		"porcupine":   "https://seshat.example/#s=z",
		"etcd-script": "add-nodes 3 voters=(1,2,3) index=3",
	}
	for _, f := range export.Formats() {
		t.Run(string(f), func(t *testing.T) {
			res, err := Export(s, string(f), "https://seshat.example/")
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != string(f) || res.Filename == "" || res.Mime == "" || res.Text == "" {
				t.Fatalf("%+v", res)
			}
			if w, ok := want[string(f)]; ok && !strings.Contains(res.Text, w) {
				t.Errorf("%s: no %q in\n%.300s", f, w, res.Text)
			}
			again, err := Export(s, string(f), "https://seshat.example/")
			if err != nil || again != res {
				t.Errorf("a second export differs (%v)", err)
			}
		})
	}
	if got := Formats(); len(got) != len(export.Formats()) || got[0].Format != "edn" || got[0].Filename != "seshat-history.edn" {
		t.Errorf("Formats() = %+v", got)
	}
}

// TestBadExports: an unknown format and malformed or hostile sessions are
// clear errors of the right kind, never a panic.
func TestBadExports(t *testing.T) {
	good := session(t)
	var sess map[string]any
	if err := json.Unmarshal(good, &sess); err != nil {
		t.Fatal(err)
	}
	with := func(key string, v any) []byte {
		m := map[string]any{}
		for k, x := range sess {
			m[k] = x
		}
		m[key] = v
		b, _ := json.Marshal(m)
		return b
	}
	cfg := sess["config"].(map[string]any)
	huge := map[string]any{}
	for k, v := range cfg {
		huge[k] = v
	}
	huge["nodes"] = 10000
	single := map[string]any{}
	for k, v := range cfg {
		single[k] = v
	}
	single["nodes"] = 1
	tests := []struct {
		name, session, format string
		wkind                 wire.ErrorKind
		wtext                 string
	}{
		{"unknown format", string(good), "pdf", wire.KindBadRequest, `unknown format "pdf"`},
		{"no format", string(good), "", wire.KindBadRequest, "edn, trace, porcupine, etcd-script"},
		{"not JSON", "{{{", "edn", wire.KindBadSession, "invalid session"},
		{"binary junk", "\x00\xff\xfe junk", "trace", wire.KindBadSession, "invalid session"},
		{"empty", "", "edn", wire.KindBadSession, "invalid session"},
		{"an array", "[1,2,3]", "edn", wire.KindBadSession, "invalid session"},
		{"unknown field", string(with("extra", 1)), "edn", wire.KindBadSession, "extra"},
		{"wrong version", string(with("version", 99)), "edn", wire.KindBadSession, "version 99"},
		{"10000 nodes", string(with("config", huge)), "trace", wire.KindBadSession, "nodes"},
		{"until too far", string(with("until", 1e15)), "edn", wire.KindBadSession, "until"},
		{"bad command", string(with("commands", []any{map[string]any{"at": 5, "command": map[string]any{"kind": "teleport"}}})), "edn", wire.KindBadSession, ""},
		{"a single node as a script", string(with("config", single)), "etcd-script", wire.KindImpossible, "single-node"},
		{"too large", `{"version":1,"pad":"` + strings.Repeat("x", sim.MaxSessionBytes) + `"}`, "edn", wire.KindBadSession, "bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Export([]byte(tt.session), tt.format, "")
			if k := kindOf(err); k != tt.wkind || !strings.Contains(err.Error(), tt.wtext) {
				t.Fatalf("err = %v (kind %q), want kind %s with %q", err, k, tt.wkind, tt.wtext)
			}
			if len(err.Error()) > 2000 {
				t.Errorf("a %d-byte message", len(err.Error()))
			}
		})
	}
	if _, err := Export(good, "edn", strings.Repeat("h", export.MaxLinkBytes+1)); kindOf(err) != wire.KindBadRequest {
		t.Errorf("a long page address: %v", err)
	}
}
