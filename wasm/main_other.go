//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains how to build the engine: it only runs in a browser or node.
func main() {
	fmt.Fprintln(os.Stderr, "seshat's wasm engine runs in a browser: build it with `make wasm` (GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
