//go:build !js

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the real engine's testdata for the fake engine (web/engine/testdata) instead of comparing with it")

// golden is a JSON file the fake engine's tests read (web/engine/testdata),
// written from what the real engine answers by test with -update.
type golden struct {
	path string // from the module's root, with slashes
	test string // the test that writes it
}

// regenerate says how to rewrite g, and what to check after.
func (g golden) regenerate() string {
	return fmt.Sprintf("regenerate it with go test ./wasm -run '^%s$' -update, then make the fake engine (web/engine/fake-engine.js) follow: node --test web/engine/", g.test)
}

// checkGolden compares fresh, what the test makes now, with the committed
// file g. With -update it writes fresh (indented JSON) and reports nothing.
// Otherwise it decodes the file into a T and reports each difference diff
// finds between the file (old) and fresh, naming the file and how to
// regenerate it; a file that is missing or not a T fails the test at once.
func checkGolden[T any](t *testing.T, g golden, fresh T, diff func(old, fresh T) []string) {
	t.Helper()
	path := filepath.Join("..", filepath.FromSlash(g.path))
	if *update {
		out, err := json.MarshalIndent(fresh, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: %s", err, g.regenerate())
	}
	var old T
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatalf("%s is not what %s writes (%v): %s", g.path, g.test, err, g.regenerate())
	}
	for _, d := range diff(old, fresh) {
		t.Errorf("%s is stale: %s; %s", g.path, d, g.regenerate())
	}
}
