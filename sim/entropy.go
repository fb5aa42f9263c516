package sim

import (
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"sync/atomic"
)

// etcd Raft draws each randomized election timeout with
// crypto/rand.Int(crypto/rand.Reader, ...). To make a run a function of its
// seed, the simulator points crypto/rand.Reader at the cluster's own seeded
// ChaCha8 stream for as long as the cluster is doing work (every exported
// method that may reach etcd Raft goes through enter). This is the one place
// in Seshat that touches crypto/rand.Reader.
//
// crypto/rand.Reader is a process-wide variable, so clusters in one process
// must not run concurrently: one goroutine drives the simulator (the wasm
// engine and the tests do). withEntropy enforces it: a cluster that would
// install its stream while another cluster's is installed panics with
// errEntropyBusy instead of silently mixing two runs' randomness. The real
// reader is restored on leaving, so other code in the process is unaffected
// between calls. TestEtcdDrawsElectionTimeoutsFromCryptoRand checks that etcd
// Raft still draws its timeouts from crypto/rand.Reader.

// entropy is a cluster's deterministic replacement for crypto/rand.Reader.
type entropy struct{ src *mrand.ChaCha8 }

func newEntropy(seed uint64) *entropy {
	var key [32]byte
	for i := 0; i < 8; i++ {
		key[i] = byte(seed >> (8 * i))
	}
	copy(key[8:], "seshat election timeouts")
	return &entropy{src: mrand.NewChaCha8(key)}
}

// Read fills p from the seeded stream; it never fails.
func (e *entropy) Read(p []byte) (int, error) { return e.src.Read(p) }

// installed is the entropy currently installed in crypto/rand.Reader by
// withEntropy, or nil.
var installed atomic.Pointer[entropy]

// errEntropyBusy is the panic value of withEntropy when another cluster's
// entropy is installed.
const errEntropyBusy = "sim: two clusters are running at the same time in one process: " +
	"each installs its seeded stream in the process-wide crypto/rand.Reader (see sim/entropy.go), " +
	"so their runs would no longer follow from their seeds; drive clusters from one goroutine, one call at a time"

// withEntropy runs f with crypto/rand.Reader replaced by e, restoring the
// previous reader afterwards. Calls for the same e nest (the inner ones do
// nothing); if another cluster's entropy is installed it panics with
// errEntropyBusy and changes nothing.
func withEntropy(e *entropy, f func()) {
	if installed.Load() == e {
		f()
		return
	}
	if !installed.CompareAndSwap(nil, e) {
		panic(errEntropyBusy)
	}
	prev := rand.Reader
	rand.Reader = e
	defer func() {
		rand.Reader = prev
		installed.Store(nil)
	}()
	f()
}

var _ io.Reader = (*entropy)(nil)

// reseed draws the cluster's random numbers from seed from now on: its
// own (latencies, losses, clients) and etcd Raft's election timeouts,
// whose stream may be installed as crypto/rand.Reader at this moment (it
// is changed in place).
func (c *Cluster) reseed(seed uint64) {
	c.rng = newRand(seed)
	c.ent.src = newEntropy(seed).src
}

// newRand is the cluster's own random numbers from seed.
func newRand(seed uint64) *mrand.Rand { return mrand.New(mrand.NewPCG(seed, seed^0x5e5a7)) }
