package etcdscript

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wantScripts is how many scripts etcd raft v3.7.0 ships in testdata/.
const wantScripts = 28

// raftDir returns the raft module's directory, as ModuleDir finds it,
// checked against `go list -m -json` when the go tool is at hand.
func raftDir(t *testing.T) string {
	t.Helper()
	dir, err := ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command("go", "list", "-m", "-json", RaftModule).Output()
		if err != nil {
			t.Fatalf("go list -m -json %s: %v", RaftModule, err)
		}
		var m struct{ Dir, Version string }
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if filepath.Clean(m.Dir) != filepath.Clean(dir) {
			t.Fatalf("ModuleDir() = %s, go list says %s (%s)", dir, m.Dir, m.Version)
		}
	}
	return dir
}

// TestEtcdScripts runs every script etcd raft ships through a Runner and
// compares each directive's output with the file's, after Normalize. The
// scripts that differ must be exactly KnownDifferences.
func TestEtcdScripts(t *testing.T) {
	fsys := os.DirFS(raftDir(t))
	names, err := ReadDir(fsys, ScriptsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != wantScripts {
		t.Fatalf("found %d scripts, want %d: %v", len(names), wantScripts, names)
	}
	known := KnownDifferences()
	differ := map[string]bool{}
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".txt"), func(t *testing.T) {
			s, err := ReadScript(fsys, ScriptsDir+"/"+name)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := Run(s)
			if err != nil {
				t.Fatal(err)
			}
			if len(steps) != len(s.Directives) {
				t.Fatalf("%d steps for %d directives", len(steps), len(s.Directives))
			}
			for _, st := range steps {
				if st.Matches() {
					continue
				}
				differ[name] = true
				if why, ok := known[name]; ok {
					t.Logf("%s:%d differs, as known: %s", name, st.Line, why)
					return
				}
				t.Errorf("%s:%d: %s\nexpected:\n%s\nactual:\n%s", name, st.Line, st.Text, st.Expected, st.Actual)
				return
			}
			t.Logf("%s: %d directives match", name, len(steps))
		})
	}
	for name := range known {
		if !differ[name] {
			t.Errorf("KnownDifferences lists %s, which matches (or is missing): remove it", name)
		}
	}
	if t.Failed() {
		t.Logf("differing: %v", slices.Sorted(maps.Keys(differ)))
	}
}

// TestWasmDoesNotImport keeps this package (with testing, testify and
// datadriven) out of the page's engine, whose weight budget is nearly
// spent.
func TestWasmDoesNotImport(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool")
	}
	cmd := exec.Command("go", "list", "-deps", "../wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ../wasm: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/seshat-raft/seshat/etcdscript" || p == "github.com/cockroachdb/datadriven" {
			t.Errorf("package wasm imports %s", p)
		}
	}
}
