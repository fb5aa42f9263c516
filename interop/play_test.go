package interop

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/wire"
)

// wantScripts is how many scripts etcd raft v3.7.0 ships.
const wantScripts = 28

// etcdScripts returns etcd raft's scripts, by name, read from the module.
func etcdScripts(t *testing.T) map[string][]byte {
	t.Helper()
	dir, err := etcdscript.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(dir)
	names, err := etcdscript.ReadDir(fsys, etcdscript.ScriptsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != wantScripts {
		t.Fatalf("found %d scripts, want %d: %v", len(names), wantScripts, names)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(dir + "/" + etcdscript.ScriptsDir + "/" + n)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(n, ".txt")] = b
	}
	return out
}

// TestEtcdScripts plays each of etcd raft's scripts as the page does and
// checks that every step matches the file, none is the person's, and each
// step shows the nodes the script added.
func TestEtcdScripts(t *testing.T) {
	for name, text := range etcdScripts(t) {
		t.Run(name, func(t *testing.T) {
			res, err := Play(name, text)
			if err != nil {
				t.Fatal(err)
			}
			if res.Name != name || res.Total == 0 || res.Total != len(res.Steps) || res.Matched != res.Total || res.Yours != 0 {
				t.Fatalf("name %q, %d steps, matched %d of %d, yours %d", res.Name, len(res.Steps), res.Matched, res.Total, res.Yours)
			}
			nodes := 0
			for _, st := range res.Steps {
				if !st.Matches || st.Yours || st.Expected == "" || st.Nodes == nil {
					t.Fatalf("line %d %s: matches %v, yours %v\nexpected:\n%s\nactual:\n%s", st.Line, st.Text, st.Matches, st.Yours, st.Expected, st.Actual)
				}
				if !bytes.Contains(text, []byte(st.Text)) {
					t.Errorf("line %d: %q is not in the script", st.Line, st.Text)
				}
				if len(st.Nodes) < nodes {
					t.Errorf("line %d: %d nodes after %d", st.Line, len(st.Nodes), nodes)
				}
				nodes = len(st.Nodes)
			}
			if nodes == 0 {
				t.Error("no step shows a node")
			}
		})
	}
}

// TestTakeOver plays etcd's campaign script with directives a person typed
// after it: etcd's steps still match, the typed ones are marked yours with
// no expected output, and they act on the cluster the script left (node 1
// leads, a proposal commits on every node).
func TestTakeOver(t *testing.T) {
	script := string(etcdScripts(t)["campaign"])
	base, err := Play("campaign", []byte(script))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"propose 1 typed", "stabilize", "raft-log 2"} {
		script = AppendDirective(script, d)
	}
	res, err := Play("campaign", []byte(script))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != base.Total+3 || res.Yours != 3 || res.Matched != base.Total {
		t.Fatalf("%d steps (%d before), %d yours, %d matched", res.Total, base.Total, res.Yours, res.Matched)
	}
	typed := res.Steps[base.Total:]
	for i, want := range []string{"propose 1 typed", "stabilize", "raft-log 2"} {
		st := typed[i]
		if st.Text != want || !st.Yours || st.Matches || st.Expected != "" || st.Actual == "" {
			t.Fatalf("typed step %d: %+v", i, st)
		}
	}
	last := typed[2]
	if !strings.Contains(last.Actual, `"typed"`) {
		t.Errorf("raft-log 2 after the proposal:\n%s", last.Actual)
	}
	for _, n := range last.Nodes {
		if n.Leader != 1 || n.Commit != n.LastIndex || len(n.Log) == 0 || n.Log[len(n.Log)-1].Op != `"typed"` {
			t.Errorf("node %d: leader %d, commit %d of %d, log %+v", n.ID, n.Leader, n.Commit, n.LastIndex, n.Log)
		}
	}
	// A typed directive that etcd refuses names its own line.
	bad := AppendDirective(script, "transfer-leadership from=1 to=9")
	_, err = Play("campaign", []byte(bad))
	var e *Error
	if !errors.As(err, &e) || e.Kind != wire.KindBadScript || e.Line != strings.Count(script, "\n")+2 {
		t.Fatalf("err = %#v, want bad-script at line %d", err, strings.Count(script, "\n")+2)
	}
}

// TestAppendDirective: the appended block stands alone, whatever the
// script ends with.
func TestAppendDirective(t *testing.T) {
	tests := []struct{ script, directive, want string }{
		{"", "campaign 1", "\ncampaign 1\n----\n\n"},
		{"raft-state\n----\nok\n", "stabilize", "raft-state\n----\nok\n\nstabilize\n----\n\n"},
		{"raft-state\n----\nok", "stabilize", "raft-state\n----\nok\n\nstabilize\n----\n\n"},
	}
	for _, tt := range tests {
		if got := AppendDirective(tt.script, tt.directive); got != tt.want {
			t.Errorf("AppendDirective(%q, %q) = %q, want %q", tt.script, tt.directive, got, tt.want)
		}
	}
}

// tiny is a valid script: three nodes and an election.
const tiny = "log-level none\n----\nok\n\nadd-nodes 3 voters=(1,2,3) index=2\n----\nok\n\ncampaign 1\n----\nok\n\nstabilize\n----\nok\n"

// TestBadScripts: hostile or broken scripts are bad-script errors naming
// the line at fault (0 for the whole text), never a panic, and the module
// plays the next script as well as ever.
func TestBadScripts(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		wline int
		werr  error
	}{
		{"unknown directive", tiny + "\nfrobnicate 1\n----\nok\n", 17, etcdscript.ErrUnknownDirective},
		{"node out of range", tiny + "\ncampaign 4\n----\nok\n", 17, etcdscript.ErrBadArgument},
		{"10000 nodes", "add-nodes 10000 voters=(1)\n----\nok\n", 1, etcdscript.ErrTooManyNodes},
		{"50 MB", strings.Repeat("raft-state\n", 50<<20/len("raft-state\n")+1), 0, etcdscript.ErrTooLarge},
		{"binary junk", tiny + "\n\x00\x01\x02\xff\xfe\x7f", 17, etcdscript.ErrBinary},
		{"invalid utf-8 only", "\xff\xfe\xfd", 1, etcdscript.ErrBinary},
		{"unparsable line", tiny + "\ncampaign a=(1\n", 17, etcdscript.ErrSyntax},
		{"etcd panics", tiny + "\ncompact 1 1000\n", 17, etcdscript.ErrEtcdPanic},
		{"etcd refuses", tiny + "\nset-randomized-election-timeout 1 timeout=(3,4)\n", 17, etcdscript.ErrRefused},
		{"too many directives", strings.Repeat("raft-state\n----\nok\n\n", etcdscript.MaxDirectives+1), 4*etcdscript.MaxDirectives + 1, etcdscript.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Play("bad", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) || e.Kind != wire.KindBadScript || e.Line != tt.wline || !errors.Is(err, tt.werr) {
				t.Fatalf("err = %v (%#v), want bad-script at line %d wrapping %v", err, err, tt.wline, tt.werr)
			}
			if !strings.HasPrefix(e.Message, "bad:") || len(e.Message) > 1000 {
				t.Errorf("message %q: want it to name the script, and short", e.Message)
			}
		})
	}
	if _, err := Play(strings.Repeat("n", MaxNameBytes+1), []byte(tiny)); kindOf(err) != wire.KindBadRequest {
		t.Errorf("a long name: %v", err)
	}
	if res, err := Play("", nil); err != nil || res.Total != 0 || res.Steps == nil {
		t.Errorf("an empty script: %+v, %v", res, err)
	}
	if res, err := Play("tiny", []byte(tiny)); err != nil || res.Matched != 4 {
		t.Errorf("after the bad ones: %+v, %v", res, err)
	}
}

// TestViewBound: a script whose steps would show too many log entries (16
// nodes with full log windows, step after step) is refused at the step
// that crosses MaxViewEntries.
func TestViewBound(t *testing.T) {
	var b strings.Builder
	b.WriteString("log-level none\n----\nok\n\nadd-nodes 16 voters=(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16) index=2\n----\nok\n\ncampaign 1\n----\nok\n\nstabilize\n----\nok\n\n")
	for i := 0; i < etcdscript.LogWindow; i++ {
		b.WriteString("propose 1 x\n----\nok\n\n")
	}
	b.WriteString("stabilize\n----\nok\n\n")
	for i := 0; i < 200; i++ {
		b.WriteString("raft-state\n----\nok\n\n")
	}
	_, err := Play("big", []byte(b.String()))
	var e *Error
	if !errors.As(err, &e) || e.Kind != wire.KindBadScript || e.Line == 0 || !strings.Contains(e.Message, "log entries") {
		t.Fatalf("err = %v, want bad-script about log entries at a line", err)
	}
	t.Log(e.Message)
}

func kindOf(err error) wire.ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
