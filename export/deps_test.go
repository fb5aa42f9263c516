package export

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestWasmDoesNotImportExport: the page's engine (package wasm, built for
// js/wasm) does not link this package; the page's weight has no room for it.
func TestWasmDoesNotImportExport(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the engine's imports")
	}
	cmd := exec.Command(gobin, "list", "-deps", "./wasm")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/seshat-raft/seshat/export" {
			t.Fatal("package wasm imports package export")
		}
	}
}
