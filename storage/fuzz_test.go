package storage

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// FuzzDifferential runs a sequence of operations decoded from the fuzz input
// on a MemStorage and on etcd's raft.MemoryStorage and requires the same
// answers. Where MemoryStorage panics, MemStorage must return one of this
// package's errors and stay unchanged.
//
//	go test -fuzz=FuzzDifferential ./storage
func FuzzDifferential(f *testing.F) {
	f.Add([]byte{})
	// See runDifferential for the encoding: an operation byte, then its
	// arguments; an index is a mode byte (0: anywhere) and an offset.
	f.Add([]byte{
		0, 1, 0, 5, 1, // Append 1..5, term 1, each with 4 bytes of data:
		0, 0, 2, 3, 0, 0, 2, 3, 0, 0, 2, 3, 0, 0, 2, 3, 0, 0, 2, 3,
		6, 1, 0, 1, 4, 0, // Entries(1, 5, max)
		2, 1, 2, // Compact(3)
		3, 1, 0, 2, 2, 5, // CreateSnapshot(3, voters 1 2 3, 6 bytes)
		6, 0, 2, 1, 2, 1, 100, // Entries(2, 4, 100): compacted
		7, 1, 0, 1, 2, 2, 0, 1, // Entries(4, 6, exactly the size of entry 4)
	})
	f.Add([]byte{
		0, 1, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // Append 1..4, term 1
		1, 1, 2, 2, 2, 0, 1, 0, 1, 0, 1, // Append 3..4, terms 2 and 3: overwrites
		0, 0, 7, 1, 2, 0, 0, 0, // Append 7: a gap (etcd panics)
		8, 1, 0, // Term(0)
	})
	f.Add([]byte{
		4, 1, 0, 1, 0, 0, 2, // ApplySnapshot(index 0, voters 1 2 3): bootstrap
		0, 1, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, // Append 1..3, term 1
		3, 1, 1, 0, 3, 2, // CreateSnapshot(2, nil, 6 bytes)
		4, 1, 0, 1, 1, 1, 0, // ApplySnapshot(index 1): out of date
		4, 1, 1, 1, 5, 3, 3, 1, 2, 0, // ApplySnapshot(index 5, term 3, empty data, joint config)
		10, // queries
	})
	f.Add([]byte{
		0, 1, 0, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // Append 1..5
		2, 1, 3, // Compact(4), past the snapshot at 0
		3, 0, 2, 0, 0, // CreateSnapshot(2): compacted (etcd panics half way)
	})
	f.Add([]byte{
		5, 1, 3, 1, 0, // SetHardState(term 3, vote 1, commit 0)
		0, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, // Append 1..2
		5, 1, 3, 1, 2, // SetHardState(commit 2)
		8, 1, 2, // Term(2)
		8, 0, 9, // Term(4): unavailable
		9, 3, 1, 2, 1, // SetConfState(joint config)
		11, 5, 0, 10, // queries, SetHardState(nil), queries
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		runDifferential(t, data)
	})
}

// TestDifferentialRandom runs the differential test on pseudo-random inputs,
// so that a plain go test covers more than the fuzz seeds.
func TestDifferentialRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 400
	if testing.Short() {
		n = 50
	}
	for range n {
		data := make([]byte, r.IntN(300))
		for k := range data {
			data[k] = byte(r.Uint32())
		}
		runDifferential(t, data)
		if t.Failed() {
			t.Fatalf("input: %v", data)
		}
	}
}

// opReader decodes fuzz bytes; past the end it yields zeros.
type opReader struct{ b []byte }

func (r *opReader) next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// upTo returns a number in [0, n], n < 256 for an even spread.
func (r *opReader) upTo(n uint64) uint64 { return uint64(r.next()) % (n + 1) }

// index returns an index in [lo, hi] three times out of four, else one in
// [0, hi+2], to reach the error cases too.
func (r *opReader) index(lo, hi uint64) uint64 {
	if r.next()%4 == 0 || hi < lo {
		return r.upTo(hi + 2)
	}
	return lo + r.upTo(hi-lo)
}

func (r *opReader) bytes() []byte {
	switch n := r.next() % 8; n {
	case 0:
		return nil
	case 1:
		return []byte{}
	default:
		b := make([]byte, (n-1)*uint8(1+r.next()%16))
		for k := range b {
			b[k] = byte(k)
		}
		return b
	}
}

func (r *opReader) confState() *pb.ConfState {
	switch r.next() % 4 {
	case 0:
		return nil
	case 1:
		return &pb.ConfState{}
	case 2:
		return &pb.ConfState{Voters: []uint64{1, 2, 3}, AutoLeave: new(false)}
	default:
		return &pb.ConfState{
			Voters:         []uint64{uint64(r.next()%5 + 1)},
			Learners:       []uint64{uint64(r.next()%5 + 6)},
			VotersOutgoing: []uint64{1, 2},
			AutoLeave:      new(r.next()%2 == 0),
		}
	}
}

func (r *opReader) snapshot(first, last uint64) *pb.Snapshot {
	if r.next()%16 == 0 {
		return nil
	}
	return &pb.Snapshot{
		Data: r.bytes(),
		Metadata: &pb.SnapshotMetadata{
			Index:     new(r.index(first-1, last+2)),
			Term:      new(r.upTo(8)),
			ConfState: r.confState(),
		},
	}
}

func (r *opReader) entries(first, last uint64) []*pb.Entry {
	start := r.index(first, last+1) // last+2 and more leave a gap
	n := r.upTo(5)
	term := r.upTo(4)
	out := make([]*pb.Entry, n)
	for k := range out {
		term += r.upTo(1)
		e := &pb.Entry{Index: new(start + uint64(k)), Term: new(term)}
		if typ := r.next() % 4; typ > 0 {
			e.Type = pb.EntryType(typ - 1).Enum()
		}
		e.Data = r.bytes()
		out[k] = e
	}
	return out
}

func cloneEntries(es []*pb.Entry) []*pb.Entry {
	if es == nil {
		return nil
	}
	out := make([]*pb.Entry, len(es))
	for k, e := range es {
		out[k] = proto.Clone(e).(*pb.Entry)
	}
	return out
}

// catch runs fn and returns what it panicked with, or nil.
func catch(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// ourError reports whether err wraps one of this package's sentinels.
func ourError(err error) bool {
	return errors.Is(err, ErrOutOfBounds) || errors.Is(err, ErrInvalidRange) || errors.Is(err, ErrLogGap)
}

func runDifferential(t *testing.T, data []byte) {
	r := &opReader{b: data}
	ours, ref := NewMemStorage(), raft.NewMemoryStorage()
	for step := 0; len(r.b) > 0 && step < 200; step++ {
		first, _ := ref.FirstIndex()
		last, _ := ref.LastIndex()
		if last > 100 { // keep the loops in observe and checkAccounting short
			return
		}
		oursBefore, refBefore := observe(ours), observe(ref)
		var desc string     // the operation, for failure messages
		var oursErr error   // what ours returned
		var refPanic any    // what etcd panicked with
		var mismatch string // how the answers differ

		switch op := r.next() % 12; op {
		case 0, 1: // Append, twice as often as the rest
			es := r.entries(first, last)
			desc = fmt.Sprintf("Append(%s)", describe(es))
			var refErr error
			refPanic = catch(func() { refErr = ref.Append(cloneEntries(es)) })
			oursErr = ours.Append(cloneEntries(es))
			if refPanic == nil && oursErr != refErr {
				mismatch = fmt.Sprintf("err %v, etcd %v", oursErr, refErr)
			}
		case 2:
			i := r.index(first, last)
			desc = fmt.Sprintf("Compact(%d)", i)
			var refErr error
			refPanic = catch(func() { refErr = ref.Compact(i) })
			oursErr = ours.Compact(i)
			if refPanic == nil && oursErr != refErr {
				mismatch = fmt.Sprintf("err %v, etcd %v", oursErr, refErr)
			}
		case 3:
			snapIndex := refBefore.snap.GetMetadata().GetIndex()
			i, cs, b := r.index(max(snapIndex+1, first-1), last), r.confState(), r.bytes()
			desc = fmt.Sprintf("CreateSnapshot(%d, %v, %d bytes)", i, cs, len(b))
			var refSnap, oursSnap *pb.Snapshot
			var refErr error
			refPanic = catch(func() { refSnap, refErr = ref.CreateSnapshot(i, cloneConfState(cs), b) })
			oursSnap, oursErr = ours.CreateSnapshot(i, cloneConfState(cs), b)
			// etcd returns the ConfState as given, and fills in AutoLeave
			// only when Snapshot or InitialState is called next.
			if refSnap != nil {
				refSnap = pb.EnsureSnapshot(refSnap)
			}
			if refPanic == nil && (oursErr != refErr || !proto.Equal(oursSnap, refSnap)) {
				mismatch = fmt.Sprintf("%v, %v; etcd %v, %v", oursSnap, oursErr, refSnap, refErr)
			}
		case 4:
			snap := r.snapshot(first, last)
			desc = fmt.Sprintf("ApplySnapshot(%v)", snap)
			var refErr error
			refPanic = catch(func() { refErr = ref.ApplySnapshot(cloneSnapshot(snap)) })
			oursErr = ours.ApplySnapshot(cloneSnapshot(snap))
			if refPanic == nil && oursErr != refErr {
				mismatch = fmt.Sprintf("err %v, etcd %v", oursErr, refErr)
			}
		case 5:
			var hs *pb.HardState
			if r.next()%8 != 0 {
				hs = &pb.HardState{Term: new(r.upTo(9)), Vote: new(r.upTo(3)), Commit: new(r.upTo(last))}
			}
			desc = fmt.Sprintf("SetHardState(%v)", hs)
			var refErr error
			refPanic = catch(func() { refErr = ref.SetHardState(cloneHardState(hs)) })
			oursErr = ours.SetHardState(cloneHardState(hs))
			if refPanic == nil && oursErr != refErr {
				mismatch = fmt.Sprintf("err %v, etcd %v", oursErr, refErr)
			}
		case 6, 7: // Entries, twice as often
			lo := r.index(first, last)
			hi := r.index(lo, last+1)
			var maxSize uint64
			switch r.next() % 4 {
			case 0:
				maxSize = math.MaxUint64
			case 1:
				maxSize = r.upTo(255)
			case 2:
				// Near the size of the first few entries: the boundary
				// cases of the limit.
				k := r.upTo(3)
				for _, e := range refBefore.ents {
					if e.GetIndex() >= lo && e.GetIndex() <= lo+k {
						maxSize += uint64(proto.Size(e))
					}
				}
				maxSize = maxSize + r.upTo(2) - 1
			}
			desc = fmt.Sprintf("Entries(%d, %d, %d)", lo, hi, maxSize)
			var refEnts, oursEnts []*pb.Entry
			var refErr error
			refPanic = catch(func() { refEnts, refErr = ref.Entries(lo, hi, maxSize) })
			oursEnts, oursErr = ours.Entries(lo, hi, maxSize)
			if refPanic == nil && (oursErr != refErr || !equalEntries(oursEnts, refEnts)) {
				mismatch = fmt.Sprintf("%s, %v; etcd %s, %v", describe(oursEnts), oursErr, describe(refEnts), refErr)
			}
			if len(oursEnts) != cap(oursEnts) {
				mismatch = fmt.Sprintf("len %d != cap %d", len(oursEnts), cap(oursEnts))
			}
		case 8:
			i := r.index(first-1, last)
			desc = fmt.Sprintf("Term(%d)", i)
			var refTerm uint64
			var refErr error
			refPanic = catch(func() { refTerm, refErr = ref.Term(i) })
			var oursTerm uint64
			oursTerm, oursErr = ours.Term(i)
			if refPanic == nil && (oursErr != refErr || oursTerm != refTerm) {
				mismatch = fmt.Sprintf("%d, %v; etcd %d, %v", oursTerm, oursErr, refTerm, refErr)
			}
		case 9:
			// SetConfState has no etcd counterpart. etcd's InitialState
			// returns its stored ConfState itself, not a copy: overwrite
			// that in place to mirror the operation.
			cs := r.confState()
			desc = fmt.Sprintf("SetConfState(%v)", cs)
			oursErr = ours.SetConfState(cloneConfState(cs))
			if oursErr != nil {
				mismatch = fmt.Sprintf("err %v", oursErr)
			}
			_, refCS, _ := ref.InitialState()
			proto.Reset(refCS)
			proto.Merge(refCS, pb.EnsureConfState(cloneConfState(cs)))
		default: // 10, 11: the remaining read methods
			desc = "FirstIndex, LastIndex, Snapshot, InitialState"
			// observe calls them all; the comparison below covers them.
		}

		if mismatch != "" {
			t.Fatalf("step %d: %s: %s", step, desc, mismatch)
		}
		oursAfter := observe(ours)
		if refPanic != nil {
			if !ourError(oursErr) {
				t.Fatalf("step %d: %s: etcd panicked (%v), ours returned %v, want one of our errors", step, desc, refPanic, oursErr)
			}
			if d := oursBefore.diff(oursAfter); d != "" {
				t.Fatalf("step %d: %s: failed, but changed the storage: %s", step, desc, d)
			}
			if refBefore.diff(observe(ref)) != "" {
				// etcd's CreateSnapshot below the compaction point panics
				// half way, after changing the snapshot index.
				return
			}
			continue
		}
		if oursErr != nil && ourError(oursErr) {
			t.Fatalf("step %d: %s: ours failed with %v but etcd did not panic", step, desc, oursErr)
		}
		if d := oursAfter.diff(observe(ref)); d != "" {
			t.Fatalf("step %d: after %s: ours vs etcd: %s", step, desc, d)
		}
		checkInvariants(t, ours)
		checkAccounting(t, ours)
	}
}

func cloneConfState(cs *pb.ConfState) *pb.ConfState {
	if cs == nil {
		return nil
	}
	return proto.Clone(cs).(*pb.ConfState)
}

func cloneSnapshot(s *pb.Snapshot) *pb.Snapshot {
	if s == nil {
		return nil
	}
	return proto.Clone(s).(*pb.Snapshot)
}

func cloneHardState(hs *pb.HardState) *pb.HardState {
	if hs == nil {
		return nil
	}
	return proto.Clone(hs).(*pb.HardState)
}
