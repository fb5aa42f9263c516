package etcdscript

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/seshat-raft/seshat/core"
)

// tiny is a valid script of three nodes and an election.
const tiny = `log-level none
----
ok

add-nodes 3 voters=(1,2,3) index=2
----
ok

campaign 1
----
ok

stabilize
----
ok
`

// TestBadInput feeds malformed scripts: each gives a *LineError naming the
// line at fault and wrapping the right sentinel, and nothing panics.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		wline int
		werr  error
	}{
		{"unknown directive", tiny + "\nfrobnicate 1\n----\nok\n", 17, ErrUnknownDirective},
		{"node out of range", tiny + "\ncampaign 4\n----\nok\n", 17, ErrBadArgument},
		{"node zero", tiny + "\nprocess-ready 1 0\n----\nok\n", 17, ErrBadArgument},
		{"node not a number", "add-nodes 1\n----\nok\n\ntick-heartbeat one\n----\nok\n", 5, ErrBadArgument},
		{"before any node", "campaign 1\n----\nok\n", 1, ErrBadArgument},
		{"10000 nodes", "add-nodes 10000 voters=(1)\n----\nok\n", 1, ErrTooManyNodes},
		{"nodes add up", tiny + "\nadd-nodes 14\n----\nok\n", 17, ErrTooManyNodes},
		{"huge count", "add-nodes 99999999999999999999\n", 1, ErrBadArgument},
		{"negative count", "add-nodes -1\n", 1, ErrBadArgument},
		{"bad voter", "add-nodes 1 voters=(x)\n", 1, ErrBadArgument},
		{"no args", "propose\n", 1, ErrBadArgument},
		{"propose without value", tiny + "\npropose 1\n", 17, ErrBadArgument},
		{"transfer to nobody", tiny + "\ntransfer-leadership from=1 to=9\n", 17, ErrBadArgument},
		{"unknown message type", tiny + "\ndeliver-msgs 1 type=MsgBogus\n", 17, ErrBadArgument},
		{"deliver and drop", tiny + "\ndeliver-msgs 2 drop=(2)\n", 17, ErrBadArgument},
		{"send-snapshot one node", tiny + "\nsend-snapshot 1\n", 17, ErrBadArgument},
		{"zero timeout", tiny + "\nset-randomized-election-timeout 1 timeout=0\n", 17, ErrBadArgument},
		{"unparsable line", tiny + "\ncampaign a=(1\n", 17, ErrSyntax},
		{"subtest", "subtest x\n", 1, ErrSyntax},
		{"text after fence", "raft-state\n----\n----\nok\n----\n----\njunk\n", 7, ErrSyntax},
		{"etcd panics", tiny + "\ncompact 1 1000\n", 17, ErrEtcdPanic},
		{"etcd refuses", tiny + "\nset-randomized-election-timeout 1 timeout=(3,4)\n", 17, ErrRefused},
		{"binary junk", tiny + "\n\x00\x01\x02\xff\xfe", 17, ErrBinary},
		{"invalid utf-8", "raft-state\n----\nok\n\n\xc3\x28\n", 5, ErrBinary},
		{"too many directives", strings.Repeat("raft-state\n----\nok\n\n", MaxDirectives) + "raft-state\n", 4*MaxDirectives + 1, ErrTooLarge},
		{"too large", strings.Repeat("# padding\n", MaxScriptBytes/10+1), 0, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runSource("bad.txt", []byte(tt.src))
			if !errors.Is(err, tt.werr) {
				t.Fatalf("err = %v, want %v", err, tt.werr)
			}
			var le *LineError
			if !errors.As(err, &le) || le.Line != tt.wline || le.Script != "bad.txt" {
				t.Fatalf("err = %v, want a *LineError at bad.txt:%d", err, tt.wline)
			}
		})
	}
}

// runSource parses and runs src, returning the first error.
func runSource(name string, src []byte) error {
	s, err := Parse(name, src)
	if err != nil {
		return err
	}
	_, err = Run(s)
	return err
}

// TestErrorStops checks that a runner runs nothing after an error.
func TestErrorStops(t *testing.T) {
	s, err := Parse("bad.txt", []byte(tiny+"\ncampaign 9\n\nraft-state\n"))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Run(s)
	if !errors.Is(err, ErrBadArgument) || len(steps) != 4 {
		t.Fatalf("%d steps, err %v", len(steps), err)
	}
	r := NewRunner(s)
	for range 6 {
		_, err = r.Step()
	}
	if !errors.Is(err, ErrStopped) || !errors.Is(err, ErrBadArgument) || !r.Done() {
		t.Fatalf("after an error: %v", err)
	}
}

// TestReadScriptLimit checks ReadScript refuses a 50 MB file having read
// only just over MaxScriptBytes of it.
func TestReadScriptLimit(t *testing.T) {
	big := bytes.Repeat([]byte("raft-state\n"), 50<<20/11)
	fsys := fstest.MapFS{"big.txt": {Data: big}, "ok.txt": {Data: []byte(tiny)}, "dir/x.txt": {}}
	if _, err := ReadScript(fsys, "big.txt"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("50 MB: %v", err)
	}
	if _, err := ReadScript(fsys, "ok.txt"); err != nil {
		t.Fatal(err)
	}
	names, err := ReadDir(fsys, ".")
	if err != nil || len(names) != 2 || names[0] != "big.txt" {
		t.Fatalf("ReadDir: %v %v", names, err)
	}
}

// FuzzScript runs arbitrary scripts: any error must be a *LineError, and
// nothing may panic or hang. Without -fuzz only the seeds run.
func FuzzScript(f *testing.F) {
	f.Add(tiny)
	f.Add(tiny + "\npropose 1 x\n----\nok\n\nstabilize\n")
	f.Add(tiny + "\ntick-election 2\nstabilize\ntransfer-leadership from=1 to=3\nstabilize\n")
	f.Add("add-nodes 2 voters=(1) learners=(2) index=2\nstabilize\npropose-conf-change 1\nv2\n----\nok\n\nstabilize\n")
	f.Add("add-nodes 10000\n")
	f.Add("campaign 1\n")
	f.Add("\x00\xff junk")
	f.Fuzz(func(t *testing.T, src string) {
		err := runSource("fuzz.txt", []byte(src))
		var le *LineError
		if err != nil && !errors.As(err, &le) {
			t.Fatalf("not a *LineError: %v", err)
		}
	})
}

// TestWorstCase runs a script at the limits: MaxNodes voters, then
// proposals and stabilizes up to MaxDirectives, silenced. It must finish
// (the test's own timeout is the bound) and keep LogWindow entries per view.
func TestWorstCase(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var b strings.Builder
	b.WriteString("log-level none\n----\nok\n\nadd-nodes 16 voters=(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16) index=2\n----\nok\n\n")
	b.WriteString("campaign 1\n----\nok\n\nstabilize\n----\nok\n\n")
	for i := 4; i < MaxDirectives; i += 2 {
		b.WriteString("propose 1 xxxxxxxxxxxxxxxx\n----\nok\n\nstabilize\n----\nok\n\n")
	}
	s, err := Parse("worst.txt", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Run(s)
	if err != nil {
		t.Fatal(err)
	}
	last := steps[len(steps)-1].Nodes
	if len(last) != MaxNodes || len(last[15].Log) != LogWindow || last[15].Commit != core.LogIndex(3+(MaxDirectives-4)/2) {
		t.Fatalf("%d nodes; node 16: %d entries shown, commit %d", len(last), len(last[15].Log), last[15].Commit)
	}
}
