package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// sessionFile writes a short session with a crash and returns its path.
func sessionFile(t *testing.T) string {
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
	name := filepath.Join(t.TempDir(), "session.json")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestFormats: each format is written, to standard output or a file, from
// a file or standard input, with exit code 0.
func TestFormats(t *testing.T) {
	name := sessionFile(t)
	data, _ := os.ReadFile(name)
	for _, tc := range []struct {
		args []string
		stdin,
		want string
	}{
		{[]string{"-format", "edn", name}, "", "{:type :invoke, :f :"},
		{[]string{name}, "", "{:type :invoke, :f :"},
		{[]string{"-format", "edn", "-"}, string(data), "{:type :invoke, :f :"},
		{[]string{"-format", "trace", name}, "", `{"traceEvents":[`},
		{[]string{"-format", "porcupine", "-page", "https://x/", name}, "", "https://x/#s=z"},
		{[]string{"-format", "etcd-script", name}, "", "add-nodes 3 voters=(1,2,3) index=3"},
		{[]string{"-format", "tla", name}, "", `{"level":"debug","ts":1000000001,"msg":"trace","tag":"trace","event":{"name":"InitState","nid":"1",`},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, strings.NewReader(tc.stdin), &out, &errb); code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, output %.80q; want 0 and %q in it", tc.args, code, errb.String(), out.String(), tc.want)
		}
	}
	file := filepath.Join(t.TempDir(), "trace.json")
	var out, errb bytes.Buffer
	if code := run([]string{"-format", "trace", "-o", file, name}, nil, &out, &errb); code != 0 || out.Len() != 0 {
		t.Fatalf("-o: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errb.String())
	}
	got, _ := os.ReadFile(file)
	var tr struct{ TraceEvents []json.RawMessage }
	if err := json.Unmarshal(got, &tr); err != nil || len(tr.TraceEvents) == 0 {
		t.Errorf("-o wrote %d bytes: %v", len(got), err)
	}
}

// TestBadInput: each mistake is refused with its exit code and a message
// naming it, and nothing on standard output.
func TestBadInput(t *testing.T) {
	name := sessionFile(t)
	dir := t.TempDir()
	write := func(base, body string) string {
		p := filepath.Join(dir, base)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		args  []string
		code  int
		wants []string
	}{
		{[]string{"-format", "pdf", name}, 2, []string{`unknown format "pdf"`, "edn, trace, porcupine, etcd-script, tla", "usage:"}},
		{[]string{}, 2, []string{"want one session file", "usage:"}},
		{[]string{name, name}, 2, []string{"got 2 arguments"}},
		{[]string{"-bogus", name}, 2, []string{"flag provided but not defined"}},
		{[]string{filepath.Join(dir, "missing.json")}, 1, []string{"no such file"}},
		{[]string{write("junk.json", "{not json")}, 1, []string{"junk.json", "invalid session", "invalid character"}},
		{[]string{write("unknown.json", `{"version":1,"extra":true}`)}, 1, []string{`unknown field "extra"`}},
		{[]string{write("v9.json", `{"version":9}`)}, 1, []string{"version 9"}},
		{[]string{write("far.json", `{"version":1,"config":{},"commands":[],"until":999999999999}`)}, 1, []string{"until"}},
		{[]string{write("big.json", strings.Repeat(" ", sim.MaxSessionBytes+10))}, 1, []string{"at most"}},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &out, &errb)
		if code != tc.code || out.Len() != 0 {
			t.Errorf("%v: exit %d with %d bytes on stdout, want %d and none", tc.args, code, out.Len(), tc.code)
		}
		for _, w := range tc.wants {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr %q does not say %q", tc.args, errb.String(), w)
			}
		}
	}
}
