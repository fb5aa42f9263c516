package statemachine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// minPairLen is the fewest bytes one snapshot pair can take: a one-byte key
// length, a one-byte key and a one-byte (zero) value length.
const minPairLen = 3

// Snapshot returns the state machine's state, data and applied index, in the
// version-1 snapshot encoding (see the package overview for the byte layout):
// version byte 1, uvarint applied index, uvarint pair count, then each pair
// as uvarint-length-prefixed key and value, keys strictly ascending.
//
// The encoding is deterministic: two state machines with the same data and
// applied index return identical bytes, whatever order the keys were written
// in. The result is a fresh slice owned by the caller.
func (sm *StateMachine) Snapshot() []byte {
	keys := make([]string, 0, len(sm.data))
	n := 1 + uvarintLen(sm.applied) + uvarintLen(uint64(len(sm.data)))
	for k, v := range sm.data { // order does not matter: keys are sorted below
		keys = append(keys, k)
		n += uvarintLen(uint64(len(k))) + len(k) + uvarintLen(uint64(len(v))) + len(v)
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	b = append(b, encodingVersion)
	b = binary.AppendUvarint(b, sm.applied)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, sm.data[k])
	}
	return b
}

// Restore replaces the state machine's data and applied index with those
// recorded in b, which must be a version-1 snapshot as Snapshot writes it.
// Restore accepts only that exact encoding, so a restored state machine
// re-snapshots to b itself.
//
// Restore returns an error wrapping ErrUnknownVersion when b's first byte is
// not 1, and ErrBadSnapshot when b is empty, truncated, uses a non-shortest
// varint, has an empty, duplicate or unsorted key, or has trailing bytes. On
// error the state machine is unchanged. Restore does not retain b.
//
// Restore may move the applied index backwards; the caller (the node that
// installs a snapshot from Raft) decides whether that is right.
func (sm *StateMachine) Restore(b []byte) error {
	var (
		data map[string]string
		sum  uint64
	)
	applied, err := parseSnapshot(b, func(count int) {
		data = make(map[string]string, count)
	}, func(k, v []byte) {
		key, val := string(k), string(v)
		data[key] = val
		sum += pairHash(key, val)
	})
	if err != nil {
		return err
	}
	sm.data, sm.applied, sm.sum = data, applied, sum
	return nil
}

// SnapshotIndex returns the applied index recorded in snapshot bytes b,
// without restoring them. It validates all of b as Restore does and returns
// the same errors, so a nil error means Restore(b) would succeed.
func SnapshotIndex(b []byte) (uint64, error) {
	return parseSnapshot(b, nil, nil)
}

// parseSnapshot validates version-1 snapshot bytes and returns their applied
// index. If alloc is non-nil it is called once with the pair count (bounded
// by what b can hold) before any pair; if visit is non-nil it is called for
// each pair in order, with slices that alias b. Callers must discard what they
// built when an error is returned.
func parseSnapshot(b []byte, alloc func(count int), visit func(key, value []byte)) (uint64, error) {
	r := reader{b: b}
	v, ok := r.readByte()
	if !ok {
		return 0, fmt.Errorf("%w: empty", ErrBadSnapshot)
	}
	if v != encodingVersion {
		return 0, fmt.Errorf("%w: snapshot version %d, want %d", ErrUnknownVersion, v, encodingVersion)
	}
	applied, ok := r.uvarint()
	if !ok {
		return 0, fmt.Errorf("%w: bad applied index", ErrBadSnapshot)
	}
	count, ok := r.uvarint()
	if !ok {
		return 0, fmt.Errorf("%w: bad pair count", ErrBadSnapshot)
	}
	if count > uint64(r.remaining()/minPairLen) {
		return 0, fmt.Errorf("%w: %d pairs cannot fit in %d bytes", ErrBadSnapshot, count, r.remaining())
	}
	if alloc != nil {
		alloc(int(count))
	}
	var prev []byte
	for i := range count {
		key, ok := r.bytes()
		if !ok {
			return 0, fmt.Errorf("%w: pair %d: bad key", ErrBadSnapshot, i)
		}
		if len(key) == 0 {
			return 0, fmt.Errorf("%w: pair %d: empty key", ErrBadSnapshot, i)
		}
		if i > 0 && bytes.Compare(prev, key) >= 0 {
			return 0, fmt.Errorf("%w: pair %d: key %q not after %q", ErrBadSnapshot, i, key, prev)
		}
		val, ok := r.bytes()
		if !ok {
			return 0, fmt.Errorf("%w: pair %d: bad value", ErrBadSnapshot, i)
		}
		if visit != nil {
			visit(key, val)
		}
		prev = key
	}
	if n := r.remaining(); n != 0 {
		return 0, fmt.Errorf("%w: %d trailing bytes", ErrBadSnapshot, n)
	}
	return applied, nil
}
