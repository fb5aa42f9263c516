package schemajs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaJSFresh fails while the committed web/ui/schema.js is not what
// package wire generates now.
func TestSchemaJSFresh(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", Path))
	if err != nil {
		t.Fatalf("%v: run `%s`", err, Command)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		line := 0
		for line < len(gl) && line < len(wl) && gl[line] == wl[line] {
			line++
		}
		var g, w string
		if line < len(gl) {
			g = gl[line]
		}
		if line < len(wl) {
			w = wl[line]
		}
		t.Fatalf("%s is stale (line %d is %q, package wire makes %q): run `%s` and commit it", Path, line+1, g, w, Command)
	}
}

// TestGenerateIsDeterministic: two runs give the same bytes.
func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate()
	if !bytes.Equal(a, b) {
		t.Fatal("two runs of Generate differ")
	}
}

// TestMapFields: the one map-valued field of a frame is a node's
// unavailable commands.
func TestMapFields(t *testing.T) {
	if got := MapFields(); strings.Join(got, ",") != "unavailable" {
		t.Fatalf("MapFields() = %v", got)
	}
}
