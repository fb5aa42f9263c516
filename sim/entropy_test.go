package sim

import (
	"crypto/rand"
	"io"
	"log"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/wire"
)

// mustPanicBusy runs f and fails the test unless it panics with
// errEntropyBusy.
func mustPanicBusy(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatal("a second cluster installed its entropy while another's was installed, and nothing failed")
		}
		if s, ok := r.(string); !ok || !strings.Contains(s, "two clusters are running at the same time") {
			t.Fatalf("panic %v, want errEntropyBusy", r)
		}
	}()
	f()
}

func entropyTestCluster(t *testing.T, seed uint64) *Cluster {
	t.Helper()
	cfg := wire.DefaultConfig()
	cfg.Nodes = 3
	cfg.Seed = seed
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEntropyGuardRefusesTwoClustersAtOnce: while one cluster's seeded
// stream is installed in crypto/rand.Reader (here: a goroutine stopped in
// the middle of its work), another cluster that would install its own
// panics loudly instead of mixing the two runs' randomness; once the first
// is done, the second runs, and crypto/rand.Reader is the real one again.
func TestEntropyGuardRefusesTwoClustersAtOnce(t *testing.T) {
	a, b := entropyTestCluster(t, 1), entropyTestCluster(t, 2)
	real := rand.Reader
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		withEntropy(a.ent, func() {
			close(inside)
			<-release
		})
	}()
	<-inside
	before := b.Steps()
	mustPanicBusy(t, func() { _, _ = b.Step() })
	mustPanicBusy(t, func() { _ = b.RunFor(100) })
	if b.Steps() != before {
		t.Errorf("the refused cluster took %d steps", b.Steps()-before)
	}
	close(release)
	<-done
	if rand.Reader != real {
		t.Fatal("crypto/rand.Reader was not restored")
	}
	if err := b.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	if b.Steps() == before {
		t.Error("the second cluster did not run once the first was done")
	}
	if rand.Reader != real {
		t.Fatal("crypto/rand.Reader was not restored")
	}
}

// TestEntropyGuardRefusesNestedClusters: a cluster driven from inside
// another's work (same goroutine) is refused too, and the outer cluster's
// stream stays installed.
func TestEntropyGuardRefusesNestedClusters(t *testing.T) {
	a, b := entropyTestCluster(t, 1), entropyTestCluster(t, 2)
	withEntropy(a.ent, func() {
		mustPanicBusy(t, func() { _, _ = b.Step() })
		if rand.Reader != io.Reader(a.ent) {
			t.Error("the refused cluster changed crypto/rand.Reader")
		}
		withEntropy(a.ent, func() {}) // the same cluster nests
	})
}

// constReader is an io.Reader of one repeated byte that counts its reads.
type constReader struct {
	b     byte
	reads int
}

func (r *constReader) Read(p []byte) (int, error) {
	r.reads++
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}

// TestEtcdDrawsElectionTimeoutsFromCryptoRand: the simulator's determinism
// rests on etcd Raft drawing each randomized election timeout from
// crypto/rand.Reader (entropy.go). A single-node etcd RawNode with
// ElectionTick 10 campaigns after exactly 10+k ticks, where k is drawn from
// crypto/rand.Reader: all-zero bytes give k=0, bytes of 9 give k=9. If an
// etcd upgrade draws the timeout from elsewhere, this fails here, by name,
// rather than as a golden trace hash mismatch.
func TestEtcdDrawsElectionTimeoutsFromCryptoRand(t *testing.T) {
	const electionTick = 10
	for _, tc := range []struct {
		b     byte
		ticks int
	}{{0, electionTick}, {9, electionTick + 9}} {
		r := &constReader{b: tc.b}
		prev := rand.Reader
		rand.Reader = r
		ticks, err := ticksToCampaign(electionTick)
		rand.Reader = prev
		if err != nil {
			t.Fatal(err)
		}
		const hint = "etcd Raft no longer draws its randomized election timeouts from crypto/rand.Reader, " +
			"so sim/entropy.go no longer makes runs follow from their seeds: find where it draws them now and seed that"
		if r.reads == 0 {
			t.Fatalf("%s (it made no read)", hint)
		}
		if ticks != tc.ticks {
			t.Fatalf("%s (with bytes %#x it campaigned after %d ticks, want %d)", hint, tc.b, ticks, tc.ticks)
		}
	}
}

// ticksToCampaign starts a single-voter etcd RawNode and ticks it until it
// leaves the follower state, returning the number of ticks.
func ticksToCampaign(electionTick int) (int, error) {
	st := raft.NewMemoryStorage()
	if err := st.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{
		Index: new(uint64(1)), Term: new(uint64(1)), ConfState: &pb.ConfState{Voters: []uint64{1}},
	}}); err != nil {
		return 0, err
	}
	rn, err := raft.NewRawNode(&raft.Config{
		ID: 1, ElectionTick: electionTick, HeartbeatTick: 1, Storage: st,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 16, Logger: &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)},
	})
	if err != nil {
		return 0, err
	}
	for i := 1; i <= 10*electionTick; i++ {
		rn.Tick()
		if rn.Status().RaftState != raft.StateFollower {
			return i, nil
		}
	}
	return 0, io.ErrNoProgress
}
