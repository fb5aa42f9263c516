// Command seshat-export replays a session exported from Seshat's page (the
// JSON file its Export button saves) and writes the run for other tools:
//
//	seshat-export -format edn session.json > history.edn        # Jepsen: Knossos, Elle
//	seshat-export -format trace -o trace.json session.json      # Perfetto, chrome://tracing
//	seshat-export -format porcupine -page https://host/ session.json > history.html
//	seshat-export -format etcd-script session.json > run.txt          # etcd raft's rafttest.InteractionEnv
//	seshat-export -format tla session.json > run.ndjson               # etcd raft's tla/validate.sh (TLC)
//
// The input "-" is standard input. See package export for what each format
// holds.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage is a mistake in the command line; run prints the usage after it.
var errUsage = errors.New("bad arguments")

// run is the command with its arguments and streams; it returns the exit
// code: 0, 1 for a failed export, 2 for a bad command line.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("seshat-export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, f := range export.Formats() {
		names = append(names, string(f))
	}
	format := fs.String("format", "edn", "output: "+strings.Join(names, ", "))
	out := fs.String("o", "", "write to this file instead of standard output")
	page := fs.String("page", "", "the page's address, for the links of a porcupine page")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: seshat-export [-format "+strings.Join(names, "|")+"] [-o FILE] [-page URL] SESSION.json|-")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	err := export1(fs.Args(), *format, *out, *page, stdin, stdout)
	switch {
	case errors.Is(err, errUsage) || errors.Is(err, export.ErrFormat):
		fmt.Fprintln(stderr, "seshat-export:", err)
		fs.Usage()
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "seshat-export:", err)
		return 1
	}
	return 0
}

// export1 reads the one session named in args and writes it in format.
func export1(args []string, format, out, page string, stdin io.Reader, stdout io.Writer) error {
	f, err := export.ParseFormat(format)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return fmt.Errorf("%w: want one session file (or - for standard input), got %d arguments", errUsage, len(args))
	}
	data, err := readSession(args[0], stdin)
	if err != nil {
		return err
	}
	s, err := sim.UnmarshalSession(data)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	w := stdout
	if out != "" {
		fh, err := os.Create(out)
		if err != nil {
			return err
		}
		defer fh.Close()
		w = fh
	}
	if err := export.WriteSession(w, s, f, page); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if fh, ok := w.(*os.File); ok && out != "" {
		return fh.Close()
	}
	return nil
}

// readSession reads name ("-": stdin), at most one byte past the largest
// session sim reads, so a huge file is refused without being read whole.
func readSession(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	return io.ReadAll(io.LimitReader(r, sim.MaxSessionBytes+1))
}
