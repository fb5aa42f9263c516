// Command genschema writes web/ui/schema.js (package schemajs) from
// package wire. `go generate ./wire` runs it:
//
//	go run ./internal/schemajs/genschema -o web/ui/schema.js
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/seshat-raft/seshat/internal/schemajs"
)

func main() {
	out := flag.String("o", schemajs.Path, "the file to write")
	flag.Parse()
	text, err := schemajs.Generate()
	if err == nil {
		err = os.WriteFile(*out, text, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}
