package statemachine

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"
)

// Outputs of applied operations, in Result.Output.
const (
	outputOK      = "OK" // a Set
	outputDeleted = "1"  // a Del that removed a key
	outputMissing = "0"  // a Del of a key that was not there
)

// Removed reports whether output, a Del's Result.Output, says that the Del
// removed a key (false: the key was absent).
func Removed(output string) bool { return output == outputDeleted }

// Result is what applying one entry did.
type Result struct {
	// Index is the entry's index.
	Index uint64
	// Term is the entry's term.
	Term uint64
	// Op is the decoded operation, or nil for entries that carry none
	// (empty no-op entries, configuration changes, undecodable data). It
	// points to a fresh copy owned by the caller.
	Op *Operation
	// Output is the operation's reply: "OK" for a Set; "1" if a Del removed
	// a key, "0" if the key was absent; "" when Op is nil.
	Output string
	// Err is non-nil when the entry's data could not be decoded (it wraps
	// ErrBadEncoding or ErrUnknownVersion) or its type is unknown
	// (ErrUnknownEntryType). The entry still counts as applied, so every
	// replica agrees on the applied index.
	Err error
}

// KV is one key-value pair, as returned by StateMachine.Pairs.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// StateMachine is a replicated key-value store: a map from non-empty string
// keys to string values, plus the index of the last Raft entry applied to it.
//
// Every method is deterministic: the same entries applied in the same order
// give the same Results, Snapshot bytes and Digest on every replica. A
// StateMachine is not safe for concurrent use; its owner (one RaftNode) calls
// it from one goroutine. The zero value is an empty StateMachine at applied
// index 0, like the one New returns.
type StateMachine struct {
	data    map[string]string
	applied uint64
	// sum is the wrapping sum of pairHash over all pairs in data, kept up to
	// date by every change so that Digest is O(1).
	sum uint64
	// skip is set by SkipNextWrite until Apply skips a write.
	skip bool
}

// New returns an empty StateMachine with applied index 0.
func New() *StateMachine {
	return &StateMachine{data: make(map[string]string)}
}

// Apply applies one committed entry. Entries must come in index order, as
// Ready.CommittedEntries delivers them:
//
//   - If e's index is at or below AppliedIndex, the entry was already applied
//     (for example before a restart or a snapshot): Apply returns
//     applied=false and a nil error, and changes nothing. A nil e has index 0
//     and is always skipped this way.
//   - If e's index is beyond AppliedIndex()+1, Apply returns an error wrapping
//     ErrOutOfOrder and changes nothing.
//   - Otherwise the entry is applied and the applied index becomes its index.
//     An EntryNormal with empty data (the no-op a new leader appends),
//     EntryConfChange and EntryConfChangeV2 entries change no data and give
//     a Result with a nil Op. Configuration changes are applied to Raft by
//     the caller (RawNode.ApplyConfChange), not here. An EntryNormal with data
//     is decoded and executed. Data that does not decode, or an unknown entry
//     type, sets Result.Err; the entry still counts as applied.
//
// Apply does not retain e or its data.
func (sm *StateMachine) Apply(e *pb.Entry) (res Result, applied bool, err error) {
	idx := e.GetIndex()
	if idx <= sm.applied {
		return Result{Index: idx}, false, nil
	}
	if idx != sm.applied+1 {
		return Result{}, false, fmt.Errorf("%w: entry index %d, applied index %d (next must be %d)",
			ErrOutOfOrder, idx, sm.applied, sm.applied+1)
	}
	res = Result{Index: idx, Term: e.GetTerm()}
	switch t := e.GetType(); t {
	case pb.EntryNormal:
		data := e.GetData()
		if len(data) == 0 {
			break
		}
		op, err := Decode(data)
		if err != nil {
			res.Err = fmt.Errorf("entry %d: %w", idx, err)
			break
		}
		res.Op = &op
		if sm.skip {
			sm.skip = false
			res.Output = sm.outputOf(op)
			break
		}
		res.Output = sm.execute(op)
	case pb.EntryConfChange, pb.EntryConfChangeV2:
	default:
		res.Err = fmt.Errorf("entry %d: %w %d", idx, ErrUnknownEntryType, int32(t))
	}
	sm.applied = idx
	return res, true, nil
}

// SkipNextWrite plants a bug: the next Set or Del that Apply executes
// changes nothing, though Apply returns the Result it would have given and
// advances the applied index. The simulator uses it for a planted fault
// (wire.FaultSkipEntry), which State Machine Safety must catch: the skip
// shows in Digest. A state machine restored from a snapshot into a new
// StateMachine is not told.
func (sm *StateMachine) SkipNextWrite() { sm.skip = true }

// outputOf returns the Output op would have, executed now.
func (sm *StateMachine) outputOf(op Operation) string {
	switch {
	case op.Kind == OpSet:
		return outputOK
	case sm.Exists(op.Key):
		return outputDeleted
	default:
		return outputMissing
	}
}

// execute runs a decoded operation on the data and returns its Output.
func (sm *StateMachine) execute(op Operation) string {
	old, had := sm.data[op.Key]
	if had {
		sm.sum -= pairHash(op.Key, old)
	}
	switch op.Kind {
	case OpSet:
		if sm.data == nil {
			sm.data = make(map[string]string)
		}
		sm.data[op.Key] = op.Value
		sm.sum += pairHash(op.Key, op.Value)
		return outputOK
	default: // OpDel; Decode admits no other kind
		delete(sm.data, op.Key)
		if had {
			return outputDeleted
		}
		return outputMissing
	}
}

// AppliedIndex returns the index of the last entry applied (or restored from
// a snapshot); 0 for a new StateMachine.
func (sm *StateMachine) AppliedIndex() uint64 { return sm.applied }

// Get returns the value stored under key and whether the key exists.
func (sm *StateMachine) Get(key string) (string, bool) {
	v, ok := sm.data[key]
	return v, ok
}

// Exists reports whether key is present.
func (sm *StateMachine) Exists(key string) bool {
	_, ok := sm.data[key]
	return ok
}

// Len returns the number of keys.
func (sm *StateMachine) Len() int { return len(sm.data) }

// Keys returns all keys in ascending byte order, in a fresh slice.
func (sm *StateMachine) Keys() []string {
	keys := make([]string, 0, len(sm.data))
	for k := range sm.data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Pairs returns all key-value pairs sorted by key, in a fresh slice.
func (sm *StateMachine) Pairs() []KV {
	keys := sm.Keys()
	pairs := make([]KV, len(keys))
	for i, k := range keys {
		pairs[i] = KV{Key: k, Value: sm.data[k]}
	}
	return pairs
}

// Page returns at most limit pairs with keys at or after from, in ascending
// key order, and next, the first key after them ("" when there is none).
// It takes one pass over the keys and keeps at most limit+1 of them, so a
// page of a large store costs no copy of the store. A limit of 0 or less
// returns no pairs; next is then the first key at or after from.
func (sm *StateMachine) Page(from string, limit int) (pairs []KV, next string) {
	limit = max(limit, 0)
	// keep holds the limit+1 smallest keys >= from seen so far, sorted.
	keep := make([]string, 0, min(limit+1, len(sm.data)))
	for k := range sm.data {
		if k < from {
			continue
		}
		if len(keep) == limit+1 && k >= keep[limit] {
			continue
		}
		i, _ := slices.BinarySearch(keep, k)
		if len(keep) == limit+1 {
			keep = keep[:limit]
		}
		keep = slices.Insert(keep, i, k)
	}
	if len(keep) > limit {
		next = keep[limit]
		keep = keep[:limit]
	}
	pairs = make([]KV, len(keep))
	for i, k := range keep {
		pairs[i] = KV{Key: k, Value: sm.data[k]}
	}
	return pairs, next
}
