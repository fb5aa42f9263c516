package wire

import (
	"errors"
	"fmt"

	"github.com/seshat-raft/seshat/core"
)

// Config is everything that decides a simulation besides its commands: the
// cluster size, the seed, Raft's tuning, the network model and the clients.
// Its JSON form is part of an exported session.
type Config struct {
	// Nodes is the number of Raft nodes, 1 to MaxNodes (default 5). They get
	// ids 1..Nodes.
	Nodes int `json:"nodes"`
	// Seed decides every random choice: latencies, drops, tick phases,
	// election timeouts, client timing.
	Seed uint64 `json:"seed"`
	// Raft is every node's Raft tuning.
	Raft core.RaftConfig `json:"raft"`
	// Network is the message delivery model.
	Network NetworkConfig `json:"network"`
	// Clients is the client workload.
	Clients ClientConfig `json:"clients"`
	// Manual holds every message in flight until a command delivers, drops or
	// duplicates it.
	Manual bool `json:"manual,omitempty"`
	// Faults are planted faults (FaultRules): bugs put into the simulated
	// nodes to watch the checkers catch them. None by default.
	Faults []FaultKind `json:"faults,omitempty"`
}

// NetworkConfig is how messages travel between nodes. Each message's latency
// is drawn uniformly from [MinLatencyMS, MaxLatencyMS]; then it may be dropped
// (DropRate), duplicated (DuplicateRate: the copy gets its own latency) or
// delayed by up to a further 2 x MaxLatencyMS (ReorderRate), so it overtakes
// or is overtaken by later messages.
type NetworkConfig struct {
	MinLatencyMS  int     `json:"min_latency_ms"`
	MaxLatencyMS  int     `json:"max_latency_ms"`
	DropRate      float64 `json:"drop_rate"`
	DuplicateRate float64 `json:"duplicate_rate"`
	ReorderRate   float64 `json:"reorder_rate"`
}

// ClientConfig is the client workload: Count clients, each with at most one
// request outstanding, each issuing about RatePerSec requests per virtual
// second over Keys keys.
type ClientConfig struct {
	Count      int     `json:"count"`
	RatePerSec float64 `json:"rate_per_sec"`
	// TimeoutMS is how long a client waits for an answer before giving up on
	// a request (a write that timed out may still be applied later).
	TimeoutMS int `json:"timeout_ms"`
	// Keys is the size of the key space ("k0".."k{Keys-1}"); few keys make
	// conflicting operations, which is what linearizability checking needs.
	Keys int `json:"keys"`
}

// Limits.
const (
	// MaxNodes is the largest cluster the simulator runs.
	MaxNodes = 9
	// MaxClients is the largest number of simulated clients.
	MaxClients = 100
)

// DefaultConfig returns a 5-node cluster with Raft's defaults except for
// snapshots, which come every 500 entries (keeping 100) so they are seen in a
// session; a LAN-like network of 10-30 ms with no faults; and no clients.
func DefaultConfig() Config {
	r := core.DefaultRaftConfig()
	r.SnapshotIntervalEntries = 500
	r.SnapshotCatchupEntries = 100
	return Config{
		Nodes:   5,
		Seed:    1,
		Raft:    r,
		Network: NetworkConfig{MinLatencyMS: 10, MaxLatencyMS: 30},
		Clients: ClientConfig{Count: 0, RatePerSec: 1, TimeoutMS: 2000, Keys: 5},
	}
}

// Validate returns every problem with the configuration, joined; each names
// the field and the rule.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrBadConfig, field, fmt.Sprintf(format, args...)))
	}
	if c.Nodes < 1 || c.Nodes > MaxNodes {
		bad("nodes", "is %d; must be 1 to %d", c.Nodes, MaxNodes)
	}
	if err := checkFaults(c.Faults); err != nil {
		errs = append(errs, err)
	}
	if err := c.Raft.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrBadConfig, err))
	}
	n := c.Network
	if n.MinLatencyMS < 0 || n.MaxLatencyMS < n.MinLatencyMS {
		bad("network", "latency [%d, %d] ms must satisfy 0 <= min_latency_ms <= max_latency_ms", n.MinLatencyMS, n.MaxLatencyMS)
	}
	if n.MaxLatencyMS > 60_000 {
		bad("network.max_latency_ms", "is %d; must be at most 60000 (one virtual minute)", n.MaxLatencyMS)
	}
	for _, r := range []struct {
		field string
		v     float64
	}{{"network.drop_rate", n.DropRate}, {"network.duplicate_rate", n.DuplicateRate}, {"network.reorder_rate", n.ReorderRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			bad(r.field, "is %v; must be a probability from 0 to 1", r.v)
		}
	}
	cl := c.Clients
	if cl.Count < 0 || cl.Count > MaxClients {
		bad("clients.count", "is %d; must be 0 to %d", cl.Count, MaxClients)
	}
	if !(cl.RatePerSec > 0 && cl.RatePerSec <= 1000) {
		bad("clients.rate_per_sec", "is %v; must be more than 0 and at most 1000 requests per second per client", cl.RatePerSec)
	}
	if cl.TimeoutMS < 1 {
		bad("clients.timeout_ms", "is %d; must be at least 1", cl.TimeoutMS)
	}
	if cl.Keys < 1 || cl.Keys > 1000 {
		bad("clients.keys", "is %d; must be 1 to 1000", cl.Keys)
	}
	return errors.Join(errs...)
}
