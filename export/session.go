package export

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seshat-raft/seshat/etcdscript"
	"github.com/seshat-raft/seshat/sim"
)

// Format names an output of WriteSession.
type Format string

// The formats WriteSession writes.
const (
	FormatEDN       Format = "edn"       // WriteEDN
	FormatTrace     Format = "trace"     // WriteChromeTrace
	FormatPorcupine Format = "porcupine" // WritePorcupineHTML
	// FormatScript is a datadriven script that etcd's own
	// rafttest.InteractionEnv runs unchanged, reaching the run's leader,
	// terms, commits and logs (etcdscript.Export, with its limits).
	FormatScript Format = "etcd-script"
	// FormatTLA is etcd Raft's TLA+ trace of the run, NDJSON for its
	// tla/validate.sh and Traceetcdraft.tla (TLATrace, WriteTLA).
	FormatTLA Format = "tla"
)

// Formats lists the formats, in the order a usage message names them.
func Formats() []Format {
	return []Format{FormatEDN, FormatTrace, FormatPorcupine, FormatScript, FormatTLA}
}

// ErrFormat is the error, wrapped, for a format name ParseFormat does not
// know.
var ErrFormat = errors.New("export: unknown format")

// ParseFormat returns the format named name, or an error wrapping ErrFormat
// that lists the formats.
func ParseFormat(name string) (Format, error) {
	var names []string
	for _, f := range Formats() {
		if string(f) == name {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", fmt.Errorf("%w %q: want one of %s", ErrFormat, name, strings.Join(names, ", "))
}

// MaxLinkBytes is the longest session link WriteSession repeats in each
// operation of a Porcupine page; past it the page names times only.
const MaxLinkBytes = 2 << 10

// WriteSession replays session s (sim.Import: the session is checked
// against sim's limits first, and a bad one is an error wrapping
// wire.ErrBadSession) and writes its run to w in format f. For
// FormatPorcupine, pageURL is the page's address, which the session's link
// (SessionLink) is appended to for each operation's link; "" writes the
// link as a bare "#s=..." hash to append to the page's address by hand. A
// link longer than MaxLinkBytes is left out and the times stand alone.
//
// The EDN history has its give-up times filled in (WithGiveUpTimes). The
// trace is what the cluster keeps after the replay: sim keeps the most
// recent events only (20,000), so a long session's trace and its fault
// annotations start late; the history is whole.
func WriteSession(w io.Writer, s sim.Session, f Format, pageURL string) error {
	if _, err := ParseFormat(string(f)); err != nil {
		return err
	}
	if f == FormatTLA {
		events, err := TLATrace(s)
		if err != nil {
			return err
		}
		return WriteTLA(w, events)
	}
	c, err := sim.Import(s)
	if err != nil {
		return err
	}
	switch f {
	case FormatEDN:
		return WriteEDN(w, WithGiveUpTimes(c.History(), c.Events(0)))
	case FormatTrace:
		return WriteChromeTrace(w, c.Events(0), c.Config().Nodes)
	case FormatScript:
		return etcdscript.Export(w, c)
	}
	link, err := SessionLink(pageURL, s)
	if err != nil {
		return err
	}
	if len(link) > MaxLinkBytes {
		link = pageURL
	}
	return WritePorcupineHTML(w, c.History(), c.Events(0), link)
}
