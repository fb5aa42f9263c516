//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains how to build the module: it only runs in a browser or node.
func main() {
	fmt.Fprintln(os.Stderr, "seshat's interop module runs in a browser: build it with `make wasm` (scripts/build-interop.sh, GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
