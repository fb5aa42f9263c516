package schemajs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaJSFresh fails while the committed web/ui/schema.js or
// web/ui/schema-types.js is not what package wire generates now.
func TestSchemaJSFresh(t *testing.T) {
	for _, f := range []struct {
		path string
		gen  func() ([]byte, error)
	}{{Path, Generate}, {TypesPath, GenerateTypes}} {
		want, err := f.gen()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", f.path))
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
			t.Errorf("%s is stale (line %d is %q, package wire makes %q): run `%s` and commit it", f.path, line+1, g, w, Command)
		}
	}
}

// TestGenerateIsDeterministic: two runs give the same bytes.
func TestGenerateIsDeterministic(t *testing.T) {
	for _, gen := range []func() ([]byte, error){Generate, GenerateTypes} {
		a, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := gen()
		if !bytes.Equal(a, b) {
			t.Fatal("two runs of a generator differ")
		}
	}
}

// TestTypedefsAreApart: the page's schema holds no typedefs (the page
// downloads it), and the typedefs file exports nothing a page could use.
func TestTypedefsAreApart(t *testing.T) {
	s, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s, []byte("@typedef")) {
		t.Errorf("%s holds typedefs: they belong in %s", Path, TypesPath)
	}
	ty, err := GenerateTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@typedef {Object} Frame", "@typedef {Object} View", "@typedef {Object} Event"} {
		if !bytes.Contains(ty, []byte(want)) {
			t.Errorf("%s lacks %q", TypesPath, want)
		}
	}
	if n := bytes.Count(ty, []byte("export")); n != 1 || !bytes.Contains(ty, []byte("export {};")) {
		t.Errorf("%s exports something (%d exports): it must hold typedefs only", TypesPath, n)
	}
}

// TestMapFields: the one map-valued field of a frame is a node's
// unavailable commands.
func TestMapFields(t *testing.T) {
	if got := MapFields(); strings.Join(got, ",") != "unavailable" {
		t.Fatalf("MapFields() = %v", got)
	}
}
