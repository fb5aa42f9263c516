package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestCompressWritesAFreshCopyOnce: compress writes NAME.br that
// decompresses to NAME, leaves it alone while NAME is unchanged, and
// writes it again when NAME changes.
func TestCompressWritesAFreshCopyOnce(t *testing.T) {
	name := filepath.Join(t.TempDir(), "seshat.wasm")
	check := func(want []byte, wantMsg string) {
		t.Helper()
		msg, err := compress(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, wantMsg) {
			t.Fatalf("compress said %q, want %q in it", msg, wantMsg)
		}
		br, err := os.ReadFile(name + ".br")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("the copy decompresses to %d bytes (%v), want the file's %d", len(got), err, len(want))
		}
	}
	first := bytes.Repeat([]byte("\x00asm raft "), 1000)
	if err := os.WriteFile(name, first, 0o644); err != nil {
		t.Fatal(err)
	}
	check(first, "bytes (")
	check(first, "up to date")
	second := bytes.Repeat([]byte("\x00asm etcd "), 1000)
	if err := os.WriteFile(name, second, 0o644); err != nil {
		t.Fatal(err)
	}
	check(second, "bytes (")
	if _, err := compress(filepath.Join(t.TempDir(), "missing.wasm")); err == nil {
		t.Fatal("no error for a missing file")
	}
}
