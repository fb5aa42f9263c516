package statemachine

// FNV-1a 64-bit parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// Digest returns a cheap deterministic 64-bit hash of the state machine's
// data and applied index, for comparing replicas: equal states (same pairs,
// same applied index) always have equal digests, on every platform and
// whatever order the keys were written in; different states almost always
// differ. It is not a cryptographic hash.
//
// Digest runs in constant time: the state machine keeps a running sum of one
// hash per pair (FNV-64a of the pair's snapshot encoding, then mixed), and
// Digest is FNV-64a over the version byte 1, the uvarint applied index, the
// uvarint pair count and that sum as 8 little-endian bytes.
func (sm *StateMachine) Digest() uint64 {
	h := uint64(fnvOffset64)
	h = fnvByte(h, encodingVersion)
	h = fnvUvarint(h, sm.applied)
	h = fnvUvarint(h, uint64(len(sm.data)))
	for i := range 8 {
		h = fnvByte(h, byte(sm.sum>>(8*i)))
	}
	return h
}

// pairHash is one pair's contribution to StateMachine.sum.
func pairHash(key, value string) uint64 {
	h := uint64(fnvOffset64)
	h = fnvUvarint(h, uint64(len(key)))
	h = fnvString(h, key)
	h = fnvUvarint(h, uint64(len(value)))
	h = fnvString(h, value)
	return mix64(h)
}

// fnvByte feeds one byte to an FNV-64a state.
func fnvByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime64 }

// fnvString feeds the bytes of s to an FNV-64a state.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = fnvByte(h, s[i])
	}
	return h
}

// fnvUvarint feeds v's shortest uvarint encoding to an FNV-64a state.
func fnvUvarint(h uint64, v uint64) uint64 {
	for v >= 0x80 {
		h = fnvByte(h, byte(v)|0x80)
		v >>= 7
	}
	return fnvByte(h, byte(v))
}

// mix64 is the SplitMix64 finalizer. It spreads FNV's weak high bits so that
// the wrapping sum of pair hashes does not cancel out structured inputs.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// DataDigest is like Digest but leaves out the applied index: two state
// machines holding the same pairs have equal data digests whatever entries
// brought them there. Views show it so that equal stores show equal
// digests. It runs in constant time: FNV-64a over the version byte 1, the
// uvarint pair count and the running pair sum as 8 little-endian bytes.
func (sm *StateMachine) DataDigest() uint64 {
	h := uint64(fnvOffset64)
	h = fnvByte(h, encodingVersion)
	h = fnvUvarint(h, uint64(len(sm.data)))
	for i := range 8 {
		h = fnvByte(h, byte(sm.sum>>(8*i)))
	}
	return h
}
