// Command precompress writes a brotli-compressed copy NAME.br beside each
// file it is given, at brotli's best quality, for the dev server to send
// to browsers that accept br. make wasm runs it on the built engine:
//
//	go run ./cmd/precompress web/seshat.wasm web/wasm_exec.js
//
// Compressing the 10 MB engine at the best quality takes about a minute,
// too long to do on each start of the server, hence once per build, and
// not at all when NAME.br already decompresses to NAME (the build gave the
// same bytes). The server makes the same check before sending a copy, so
// one left over from an older build is never served.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE... (writes FILE.br beside each)")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		msg, err := compress(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
		fmt.Println(msg)
	}
}

// compress writes name.br, through a temporary file renamed into place so
// a reader never sees half a file, unless name.br is already name's, and
// says what it did.
func compress(name string) (string, error) {
	body, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	if old, err := os.ReadFile(name + ".br"); err == nil && fresh(old, body) {
		return fmt.Sprintf("%s.br: up to date (%d bytes)", name, len(old)), nil
	}
	var buf bytes.Buffer
	zw := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".br.*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), name+".br"); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s.br: %d bytes (%s: %d)", name, buf.Len(), name, len(body)), nil
}

// fresh reports whether br decompresses to exactly body, reading at most
// one byte more than body.
func fresh(br, body []byte) bool {
	got, err := io.ReadAll(io.LimitReader(brotli.NewReader(bytes.NewReader(br)), int64(len(body))+1))
	return err == nil && bytes.Equal(got, body)
}
