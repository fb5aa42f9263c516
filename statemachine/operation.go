package statemachine

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// encodingVersion is the version byte that starts every Operation encoding
// and every snapshot this package writes.
const encodingVersion = 1

// OpKind says what an Operation does.
type OpKind uint8

// The operation kinds. Their numeric values are part of the encoding.
const (
	// OpSet sets Key to Value, creating or overwriting it.
	OpSet OpKind = 1
	// OpDel deletes Key; deleting a missing key is not an error.
	OpDel OpKind = 2
)

// String returns "set" or "del", or "OpKind(N)" for an unknown kind.
func (k OpKind) String() string {
	switch k {
	case OpSet:
		return "set"
	case OpDel:
		return "del"
	default:
		return "OpKind(" + strconv.Itoa(int(k)) + ")"
	}
}

// Operation is one client command carried in a Raft log entry.
type Operation struct {
	// Kind is OpSet or OpDel.
	Kind OpKind
	// Key is the key operated on. It must not be empty.
	Key string
	// Value is the value to store (OpSet only; ignored for OpDel).
	Value string
	// ID is a request id chosen by the client (0 = none). It lets the
	// proposer recognise its own entry when it is applied.
	ID uint64
}

// Set returns an Operation that sets key to value, with no request ID.
func Set(key, value string) Operation { return Operation{Kind: OpSet, Key: key, Value: value} }

// Del returns an Operation that deletes key, with no request ID.
func Del(key string) Operation { return Operation{Kind: OpDel, Key: key} }

// Encode returns o's version-1 binary encoding (see the package overview for
// the byte layout): version byte 1, kind byte, uvarint ID, uvarint-length-
// prefixed key and, for OpSet only, uvarint-length-prefixed value. The result
// is a fresh slice owned by the caller.
//
// Encode never fails. An Operation with an unknown Kind or an empty Key still
// encodes, but Decode rejects the bytes, so every replica counts such an entry
// as applied with a Result.Err and leaves its data alone.
func (o Operation) Encode() []byte {
	n := 2 + uvarintLen(o.ID) + uvarintLen(uint64(len(o.Key))) + len(o.Key)
	if o.Kind == OpSet {
		n += uvarintLen(uint64(len(o.Value))) + len(o.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, encodingVersion, byte(o.Kind))
	b = binary.AppendUvarint(b, o.ID)
	b = appendString(b, o.Key)
	if o.Kind == OpSet {
		b = appendString(b, o.Value)
	}
	return b
}

// Decode parses an Operation written by Encode. It accepts only the exact
// layout Encode produces, so anything Decode accepts re-encodes to the same
// bytes. Decode never panics; it returns an error wrapping ErrUnknownVersion
// when the first byte is not 1, and ErrBadEncoding for empty, truncated or
// trailing bytes, non-shortest varints, an unknown kind or an empty key.
func Decode(b []byte) (Operation, error) {
	r := reader{b: b}
	v, ok := r.readByte()
	if !ok {
		return Operation{}, fmt.Errorf("%w: empty", ErrBadEncoding)
	}
	if v != encodingVersion {
		return Operation{}, fmt.Errorf("%w: operation version %d, want %d", ErrUnknownVersion, v, encodingVersion)
	}
	k, ok := r.readByte()
	if !ok {
		return Operation{}, fmt.Errorf("%w: truncated before kind", ErrBadEncoding)
	}
	op := Operation{Kind: OpKind(k)}
	if op.Kind != OpSet && op.Kind != OpDel {
		return Operation{}, fmt.Errorf("%w: unknown kind %d", ErrBadEncoding, k)
	}
	if op.ID, ok = r.uvarint(); !ok {
		return Operation{}, fmt.Errorf("%w: bad request ID", ErrBadEncoding)
	}
	key, ok := r.bytes()
	if !ok {
		return Operation{}, fmt.Errorf("%w: bad key", ErrBadEncoding)
	}
	if len(key) == 0 {
		return Operation{}, fmt.Errorf("%w: %s with empty key", ErrBadEncoding, op.Kind)
	}
	op.Key = string(key)
	if op.Kind == OpSet {
		val, ok := r.bytes()
		if !ok {
			return Operation{}, fmt.Errorf("%w: bad value", ErrBadEncoding)
		}
		op.Value = string(val)
	}
	if n := r.remaining(); n != 0 {
		return Operation{}, fmt.Errorf("%w: %d trailing bytes", ErrBadEncoding, n)
	}
	return op, nil
}

// String formats o for logs and the event view: "set foo=bar", "del foo",
// followed by " #ID" when ID != 0. A key or value is quoted with %q when it is
// empty, is not valid UTF-8, or contains a space, a non-printable character
// or a double quote; a key is also quoted when it contains '=', so the first
// unquoted '=' always separates key from value.
func (o Operation) String() string {
	return string(o.AppendTo(make([]byte, 0, 8+len(o.Key)+len(o.Value)+20)))
}

// AppendTo appends o as String formats it to b and returns the extended
// slice: a caller listing many operations builds one string, not one per
// operation.
func (o Operation) AppendTo(b []byte) []byte {
	b = append(b, o.Kind.String()...)
	b = append(b, ' ')
	b = appendQuotedIfNeeded(b, o.Key, true)
	if o.Kind == OpSet {
		b = append(b, '=')
		b = appendQuotedIfNeeded(b, o.Value, false)
	}
	if o.ID != 0 {
		b = append(b, " #"...)
		b = strconv.AppendUint(b, o.ID, 10)
	}
	return b
}

// appendQuotedIfNeeded appends s to b, quoted with %q when it would be
// ambiguous or unreadable unquoted (see Operation.String).
func appendQuotedIfNeeded(b []byte, s string, isKey bool) []byte {
	if needsQuote(s, isKey) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuote reports whether Operation.String quotes s.
func needsQuote(s string, isKey bool) bool {
	if s == "" || !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if r == ' ' || r == '"' || (isKey && r == '=') || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// FormatEntryData formats the Data of an EntryNormal entry; it is a
// raft.EntryFormatter for raft.DescribeEntry and raft.DescribeMessage. Empty
// data (a leader's no-op entry) gives "", decodable data gives the
// Operation's String, anything else "<undecodable: N bytes>".
func FormatEntryData(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	op, err := Decode(data)
	if err != nil {
		return "<undecodable: " + strconv.Itoa(len(data)) + " bytes>"
	}
	return op.String()
}
