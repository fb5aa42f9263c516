package interop

import (
	"bytes"

	"github.com/seshat-raft/seshat/export"
	"github.com/seshat-raft/seshat/sim"
)

// ExportResult is a session written in one format, ready to save as a
// file.
type ExportResult struct {
	// Format is the format written (an export.Format).
	Format string `json:"format"`
	// Filename is a name to save it under; Mime its media type.
	Filename string `json:"filename"`
	Mime     string `json:"mime"`
	// Text is the file's content.
	Text string `json:"text"`
}

// FormatInfo is what the page shows of an export format.
type FormatInfo struct {
	Format   string `json:"format"`
	Filename string `json:"filename"`
	Mime     string `json:"mime"`
}

// fileOf is the file name and media type of each format; a format the
// table does not know (one added to package export later) is saved as
// seshat-<format>.txt, text/plain.
var fileOf = map[export.Format]FormatInfo{
	export.FormatEDN:       {Filename: "seshat-history.edn", Mime: "application/edn"},
	export.FormatTrace:     {Filename: "seshat-trace.json", Mime: "application/json"},
	export.FormatPorcupine: {Filename: "seshat-porcupine.html", Mime: "text/html"},
	export.FormatScript:    {Filename: "seshat-etcd-script.txt", Mime: "text/plain"},
	export.FormatTLA:       {Filename: "seshat-tla-trace.ndjson", Mime: "application/x-ndjson"},
}

// Formats returns the formats Export writes (export.Formats, in its order)
// with the file name and media type of each.
func Formats() []FormatInfo {
	var out []FormatInfo
	for _, f := range export.Formats() {
		out = append(out, formatInfo(f))
	}
	return out
}

func formatInfo(f export.Format) FormatInfo {
	fi, ok := fileOf[f]
	if !ok {
		fi = FormatInfo{Filename: "seshat-" + string(f) + ".txt", Mime: "text/plain"}
	}
	fi.Format = string(f)
	return fi
}

// Export replays session, a session as the page's engine exports it (the
// JSON of sim.Session, read by sim.UnmarshalSession, at most
// sim.MaxSessionBytes), and writes its run in format, one of
// export.Formats() (export.WriteSession). pageURL is the page's address,
// for the links of a Porcupine page to open each operation in the page
// ("" writes them as bare "#s=..." hashes); the other formats ignore it.
// The same arguments give the same text.
//
// The error is an *Error: bad-request for an unknown format (listing the
// formats), bad-session for a session that is not one or that sim refuses
// to replay (naming what), impossible for an etcd-script export of a run
// a script cannot express or reproduce (etcdscript.ErrNotExpressible,
// ErrNotReproduced, saying why).
func Export(session []byte, format, pageURL string) (ExportResult, error) {
	f, err := export.ParseFormat(format)
	if err != nil {
		return ExportResult{}, exportError(err)
	}
	if len(pageURL) > export.MaxLinkBytes {
		return ExportResult{}, badRequest("export: the page address is %d bytes, at most %d", len(pageURL), export.MaxLinkBytes)
	}
	s, err := sim.UnmarshalSession(session)
	if err != nil {
		return ExportResult{}, exportError(err)
	}
	var buf bytes.Buffer
	if err := export.WriteSession(&buf, s, f, pageURL); err != nil {
		return ExportResult{}, exportError(err)
	}
	fi := formatInfo(f)
	return ExportResult{Format: fi.Format, Filename: fi.Filename, Mime: fi.Mime, Text: buf.String()}, nil
}
