package native

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wal"
)

// StartDurable is Start with each node's durable state (hard state, log
// entries, latest snapshot) kept in a write-ahead log (package wal) in
// dataDir/n<id>/, so that killing the process, even with SIGKILL, loses no
// acknowledged write.
//
// Every Ready round is saved, and the log synced, after Process and before
// the round's messages are sent and before any write the round applied is
// acknowledged; a snapshot the node takes compacts the log (wal.Compact).
//
// If the directory does not exist or is empty, it is created, the number
// of nodes is recorded in dataDir/CLUSTER (before any log), and the nodes
// are bootstrapped as by Start. If it holds a cluster of cfg.Nodes nodes,
// every node restarts from its log instead: its storage is rebuilt from
// the snapshot, hard state and entries, its state machine restored from the
// snapshot and the committed entries after it applied again (as a crashed
// node restarts, core.New, with etcd's Applied at the snapshot's index). A
// cluster of another size, or logs without a CLUSTER file, is an error
// wrapping ErrDataDir. A node whose log failed (a Save or Compact error)
// stops, like a process exiting on a disk error.
//
// A restart command reopens the node's log and rebuilds its storage from
// it; a crash closes it. Stop closes every log. Create is refused
// (sim.ErrImpossible): the directory holds one cluster; start a new one on
// an empty directory instead. AddRemote is refused too: a member hosted
// elsewhere keeps no log here. One process at a time may use dataDir; it
// is not locked.
func StartDurable(cfg sim.Config, dataDir string) (*Cluster, error) {
	return startDurable(cfg, dataDir, saveEachRound)
}

// ErrDataDir is returned by StartDurable for a data directory that does
// not hold the logs of the configured nodes.
var ErrDataDir = errors.New("native: the data directory does not match the configuration")

// savePolicy says when a durable node saves its Ready rounds.
type savePolicy int

const (
	// saveEachRound saves and syncs every round before its messages are sent
	// and its writes acknowledged: the only correct policy.
	saveEachRound savePolicy = iota
	// saveLazily is a planted bug for tests: rounds are saved at most every
	// lazySaveEvery, while their writes are acknowledged at once.
	saveLazily
)

// lazySaveEvery is how long saveLazily lets rounds wait.
const lazySaveEvery = 500 * time.Millisecond

func startDurable(cfg sim.Config, dataDir string, policy savePolicy) (*Cluster, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("%w: the data directory is empty; use Start for a cluster kept in memory", ErrDataDir)
	}
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	if err := checkDataDir(dataDir, cfg.Nodes); err != nil {
		return nil, err
	}
	r, err := startRunWith(cfg, durability{dir: dataDir, policy: policy})
	if err != nil {
		return nil, err
	}
	return &Cluster{r: r}, nil
}

// durability is how a run keeps its nodes' state: dir is empty for memory
// only.
type durability struct {
	dir    string
	policy savePolicy
}

// nodeDir is the directory of node id's log.
func nodeDir(dataDir string, id core.NodeID) string {
	return filepath.Join(dataDir, "n"+strconv.FormatUint(uint64(id), 10))
}

// clusterFile, in the data directory, records the number of nodes whose
// logs it holds. It is written, and synced, before the first log.
const clusterFile = "CLUSTER"

// checkDataDir checks that dataDir holds no logs, or the logs of nodes 1
// to nodes, and records the number of nodes there if it is new.
func checkDataDir(dataDir string, nodes int) error {
	b, err := os.ReadFile(filepath.Join(dataDir, clusterFile))
	switch {
	case err == nil:
		var had int
		if _, err := fmt.Sscanf(string(b), "nodes %d\n", &had); err != nil {
			return fmt.Errorf("%w: %s: %q is not \"nodes N\"", ErrDataDir, filepath.Join(dataDir, clusterFile), b)
		}
		if had != nodes {
			return mismatch(dataDir, had, nodes)
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	// No record: logs without one are not ours; an empty directory is new.
	if ids := logIDs(dataDir); len(ids) > 0 {
		return fmt.Errorf("%w: %s holds the logs of nodes %v but no %s file saying how many nodes the cluster has", ErrDataDir, dataDir, ids, clusterFile)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	return writeSynced(dataDir, clusterFile, fmt.Appendf(nil, "nodes %d\n", nodes))
}

func mismatch(dataDir string, had, nodes int) error {
	return fmt.Errorf("%w: %s holds the logs of %d nodes but the configuration asks for %d nodes; use %d nodes, or another directory for a new cluster",
		ErrDataDir, dataDir, had, nodes, had)
}

// logIDs returns the ids of the nodes whose logs dataDir holds.
func logIDs(dataDir string) []int {
	ents, _ := os.ReadDir(dataDir)
	var ids []int
	for _, e := range ents {
		id, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "n"))
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "n") || err != nil || id < 1 {
			continue
		}
		if _, err := os.Stat(filepath.Join(dataDir, e.Name(), wal.FileName)); err == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// writeSynced writes a file whole or not at all: through a synced
// temporary file renamed into place, the directory synced after.
func writeSynced(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// storageFrom rebuilds a node's storage from what its log holds.
func storageFrom(st wal.State) (*storage.MemStorage, error) {
	s := storage.NewMemStorage()
	if st.Snapshot != nil && st.Snapshot.GetMetadata().GetIndex() > 0 {
		if err := s.ApplySnapshot(st.Snapshot); err != nil {
			return nil, fmt.Errorf("installing its snapshot: %w", err)
		}
	}
	if err := s.Append(st.Entries); err != nil {
		return nil, fmt.Errorf("appending its entries: %w", err)
	}
	if st.HardState != nil {
		last, _ := s.LastIndex()
		if c := st.HardState.GetCommit(); c > last {
			// etcd Raft would panic: refuse the log instead.
			return nil, fmt.Errorf("its hard state commits index %d but its log ends at %d", c, last)
		}
		if err := s.SetHardState(st.HardState); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// restored returns the event saying what node n restarted from, if its
// log held a previous run's state when it last started.
func (n *node) restored() *sim.Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fromLog
}

// openLog opens node n's log and rebuilds its storage from it.
func (n *node) openLog() (*wal.WAL, error) {
	w, st, err := wal.Open(nodeDir(n.r.durable.dir, n.id))
	if err != nil {
		return nil, fmt.Errorf("native: start %s: %w", n.id, err)
	}
	s, err := storageFrom(st)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("native: start %s from its log in %s: %w", n.id, nodeDir(n.r.durable.dir, n.id), err)
	}
	var ev *sim.Event
	if hs, _, _ := s.InitialState(); hs.GetTerm() > 0 {
		snap, _ := s.Snapshot()
		last, _ := s.LastIndex()
		ev = &sim.Event{Kind: sim.EvRestart, Node: n.id, Index: core.LogIndex(snap.GetMetadata().GetIndex()),
			Text: fmt.Sprintf("%s restarted from its log in %s (term %d, commit %d, last index %d, state machine restored to index %d)",
				n.id, nodeDir(n.r.durable.dir, n.id), hs.GetTerm(), hs.GetCommit(), last, snap.GetMetadata().GetIndex())}
	}
	n.mu.Lock()
	n.store, n.fromLog = s, ev
	n.mu.Unlock()
	return w, nil
}

// pendingSave is what saveLazily has not saved yet.
type pendingSave struct {
	hs      *pb.HardState
	entries []*pb.Entry
	since   time.Time
}

// persist saves a round's durable state to the node's log, if it has one:
// the new hard state and entries and an installed snapshot, synced; then,
// if the node took a snapshot, the log is compacted to it.
func (in *incarnation) persist(u *core.Update) error {
	if in.wal == nil {
		return nil
	}
	var snap *pb.Snapshot
	if u.SnapshotInstalled != nil {
		// Storage holds it (or a newer one the node took in the same round).
		snap, _ = in.rn.Storage().Snapshot()
	}
	p := &in.pending
	if in.n.r.durable.policy == saveLazily && snap == nil && u.SnapshotCreated == nil {
		if p.since.IsZero() {
			p.since = time.Now()
		}
		if u.HardState != nil {
			p.hs = u.HardState
		}
		p.entries = append(p.entries, u.Entries...)
		if time.Since(p.since) < lazySaveEvery {
			return nil
		}
		hs, ents := p.hs, p.entries
		*p = pendingSave{}
		return in.wrap(in.wal.Save(hs, ents, nil))
	}
	if p.hs != nil || len(p.entries) > 0 {
		if err := in.wal.Save(p.hs, p.entries, nil); err != nil {
			return in.wrap(err)
		}
		*p = pendingSave{}
	}
	if u.HardState != nil || len(u.Entries) > 0 || snap != nil {
		if err := in.wal.Save(u.HardState, u.Entries, snap); err != nil {
			return in.wrap(err)
		}
	}
	if u.SnapshotCreated != nil {
		return in.compactLog()
	}
	return nil
}

// compactLog rewrites the node's log as its storage's snapshot, hard state
// and the entries after the snapshot.
func (in *incarnation) compactLog() error {
	st := in.rn.Storage()
	snap, _ := st.Snapshot()
	hs, _, _ := st.InitialState()
	var ents []*pb.Entry
	after := snap.GetMetadata().GetIndex() + 1
	if last, _ := st.LastIndex(); last >= after {
		var err error
		if ents, err = st.Entries(after, last+1, ^uint64(0)); err != nil {
			return in.wrap(err)
		}
	}
	return in.wrap(in.wal.Compact(hs, snap, ents))
}

func (in *incarnation) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("native: %s could not save its log: %w", in.n.id, err)
}

// closeLog closes the incarnation's log, once its loop has ended.
func (in *incarnation) closeLog() {
	if in.wal != nil {
		_ = in.wal.Close()
		in.wal = nil
	}
}

// DataDir returns the directory the nodes keep their logs in, or "" for a
// cluster kept in memory (Start).
func (c *Cluster) DataDir() string { return c.current().durable.dir }
