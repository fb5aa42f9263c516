package interop

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// MaxCallBytes bounds the JSON arguments of a call: room for the largest
// session sim reads (sim.MaxSessionBytes) and the largest script
// etcdscript parses, escaped.
const MaxCallBytes = sim.MaxSessionBytes + 8<<20

// reply is Call's answer: exactly one of OK and Error is set.
type reply struct {
	OK    any    `json:"ok,omitempty"`
	Error *Error `json:"error,omitempty"`
}

// Call runs one operation of the interop module and returns its reply as
// JSON: {"ok": result} or {"error": {"kind", "message", "line"}} (line only
// for a script's line). The operations and their arguments:
//
//	play     {"name": "campaign", "text": "..."}            -> PlayResult
//	export   {"session": {...}, "format": "edn", "page_url": ""} -> ExportResult
//	formats  {}                                                -> {"formats": [FormatInfo]}
//
// Arguments are read strictly (an unknown field is a bad request); empty
// arguments are {}. A panic is recovered and answered as kind internal.
// Call is what wasm/interop exposes to JavaScript as
// seshatInterop.call(op, argsJSON).
func Call(op string, args []byte) (out []byte) {
	defer func() {
		if p := recover(); p != nil {
			out = encode(reply{Error: &Error{Kind: wire.KindInternal, Message: fmt.Sprintf("interop: internal error in %q: %v (this is a bug; the module is still running)", op, p)}})
		}
	}()
	res, err := call(op, args)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Kind: wire.KindInternal, Message: err.Error()}
		}
		return encode(reply{Error: e})
	}
	return encode(reply{OK: res})
}

func call(op string, args []byte) (any, error) {
	if len(args) > MaxCallBytes {
		return nil, badRequest("%s: the arguments are %d bytes, at most %d", op, len(args), MaxCallBytes)
	}
	if len(bytes.TrimSpace(args)) > 0 && !json.Valid(args) {
		return nil, badRequest("%s: the arguments are not JSON", op)
	}
	switch op {
	case "play":
		var a struct {
			Name string  `json:"name"`
			Text *string `json:"text"`
		}
		if err := decode(op, args, &a); err != nil {
			return nil, err
		}
		if a.Text == nil {
			return nil, badRequest("play: want {name, text}: text is missing")
		}
		return Play(a.Name, []byte(*a.Text))
	case "export":
		var a struct {
			Session json.RawMessage `json:"session"`
			Format  string          `json:"format"`
			PageURL string          `json:"page_url"`
		}
		if err := decode(op, args, &a); err != nil {
			return nil, err
		}
		if len(a.Session) == 0 {
			return nil, badRequest("export: want {session, format}: session is missing")
		}
		return Export(a.Session, a.Format, a.PageURL)
	case "formats":
		if err := decode(op, args, &struct{}{}); err != nil {
			return nil, err
		}
		return struct {
			Formats []FormatInfo `json:"formats"`
		}{Formats()}, nil
	}
	return nil, badRequest("unknown operation %q: want play, export or formats", op)
}

// decode reads args strictly into v; empty args are {}.
func decode(op string, args []byte, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("%s: %v", op, err)
	}
	return nil
}

// encode writes r as JSON; a reply that cannot be encoded becomes an
// internal error.
func encode(r reply) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(reply{Error: &Error{Kind: wire.KindInternal, Message: fmt.Sprintf("interop: cannot encode the reply: %v", err)}})
	}
	return b
}
