package statemachine

import "encoding/binary"

// reader walks a byte slice for Decode and the snapshot parser. Its methods
// report false instead of panicking on short or malformed input.
type reader struct {
	b   []byte
	off int
}

// remaining is the number of unread bytes.
func (r *reader) remaining() int { return len(r.b) - r.off }

// readByte reads one byte.
func (r *reader) readByte() (byte, bool) {
	if r.off >= len(r.b) {
		return 0, false
	}
	c := r.b[r.off]
	r.off++
	return c, true
}

// uvarint reads an unsigned varint in its shortest form. It reports false for
// a truncated, overlong (more than 64 bits) or non-shortest varint, so that
// every accepted encoding is canonical.
func (r *reader) uvarint() (uint64, bool) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, false
	}
	if n > 1 && r.b[r.off+n-1] == 0 {
		return 0, false // e.g. 0x80 0x00: a padded encoding of 0
	}
	r.off += n
	return v, true
}

// bytes reads a uvarint length followed by that many bytes. The returned slice
// aliases the input.
func (r *reader) bytes() ([]byte, bool) {
	n, ok := r.uvarint()
	if !ok || n > uint64(r.remaining()) {
		return nil, false
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, true
}

// uvarintLen is the length of v's shortest uvarint encoding.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendString appends a uvarint length and the bytes of s.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
