// Command genschema writes web/ui/schema.js and web/ui/schema-types.js
// (package schemajs) from package wire. `go generate ./wire` runs it:
//
//	go run ./internal/schemajs/genschema -o web/ui/schema.js -types web/ui/schema-types.js
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/seshat-raft/seshat/internal/schemajs"
)

func main() {
	out := flag.String("o", schemajs.Path, "the file to write the schema to")
	types := flag.String("types", schemajs.TypesPath, "the file to write the JSDoc typedefs to")
	flag.Parse()
	if err := write(*out, schemajs.Generate); err != nil {
		fail(err)
	}
	if err := write(*types, schemajs.GenerateTypes); err != nil {
		fail(err)
	}
}

// write writes what gen returns to name.
func write(name string, gen func() ([]byte, error)) error {
	text, err := gen()
	if err != nil {
		return err
	}
	return os.WriteFile(name, text, 0o644)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genschema:", err)
	os.Exit(1)
}
