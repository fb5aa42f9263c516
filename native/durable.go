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

	"go.etcd.io/etcd/client/pkg/v3/fileutil"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// StartDurable is Start with each node's durable state (hard state, log
// entries, latest snapshot) kept in etcd's own write-ahead log and
// snapshotter (go.etcd.io/etcd/server/v3 storage/wal and
// etcdserver/api/snap, as etcd's raftexample uses them) in
// dataDir/n<id>/wal and dataDir/n<id>/snap, so that killing the process,
// even with SIGKILL, loses no acknowledged write.
//
// Every Ready round is saved, and the log synced, after Process and before
// the round's messages are sent and before any write the round applied is
// acknowledged; a snapshot the node takes or receives is written to its
// snap directory and marked in the log, and the log's older segments are
// released (wal.ReleaseLockTo).
//
// A log fails loudly or not at all: before etcd opens a node's log, every
// record is checked, and a log that is damaged anywhere but in a torn
// final write (a write the process did not finish, which is dropped) is
// refused with an error wrapping ErrLogDamaged that names the file and
// offset and says how to recover; a log closed cleanly must also match the
// digest (dataDir/n<id>/CLOSED) written when it was closed.
//
// If the directory does not exist or is empty, it is created, the number
// of nodes is recorded in dataDir/CLUSTER (before any log), and the nodes
// are bootstrapped as by Start. If it holds a cluster of cfg.Nodes nodes,
// every node restarts from its log instead: its storage is rebuilt from
// the snapshot, hard state and entries, its state machine restored from the
// snapshot and the committed entries after it applied again (as a crashed
// node restarts, core.New, with etcd's Applied at the snapshot's index). A
// cluster of another size, logs without a CLUSTER file, or a node with no
// log in a cluster's directory (it would start afresh having forgotten its
// vote) is an error wrapping ErrDataDir. A node whose log failed (a write
// error) stops, like a process exiting on a disk error.
//
// A restart command reopens the node's log and rebuilds its storage from
// it; a crash closes it. Stop closes every log. Create is refused
// (wire.ErrImpossible): the directory holds one cluster; start a new one on
// an empty directory instead. AddRemote is refused too: a member hosted
// elsewhere keeps no log here. One process at a time may use dataDir: it
// is locked (dataDir/LOCK) until Stop, and a second server on it is
// refused with an error wrapping ErrDataDir.
func StartDurable(cfg wire.Config, dataDir string) (*Cluster, error) {
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

func startDurable(cfg wire.Config, dataDir string, policy savePolicy) (*Cluster, error) {
	if dataDir == "" {
		return nil, fmt.Errorf("%w: the data directory is empty; use Start for a cluster kept in memory", ErrDataDir)
	}
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, err
	}
	fresh, err := checkDataDir(dataDir, cfg.Nodes)
	if err != nil {
		lock.Close()
		return nil, err
	}
	r, err := startRunWith(cfg, durability{dir: dataDir, policy: policy, fresh: fresh, lock: lock})
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
	fresh  bool                 // the directory was new: the nodes create their logs
	lock   *fileutil.LockedFile // dir/LOCK, held until the run shuts down
}

// nodeDir is the directory of node id's log.
func nodeDir(dataDir string, id core.NodeID) string {
	return filepath.Join(dataDir, "n"+strconv.FormatUint(uint64(id), 10))
}

// clusterFile, in the data directory, records the number of nodes whose
// logs it holds. It is written, and synced, before the first log.
const clusterFile = "CLUSTER"

// checkDataDir checks that dataDir holds no logs, or the logs of nodes 1
// to nodes, and records the number of nodes there if it is new (fresh).
func checkDataDir(dataDir string, nodes int) (fresh bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, clusterFile))
	switch {
	case err == nil:
		var had int
		if _, err := fmt.Sscanf(string(b), "nodes %d\n", &had); err != nil {
			return false, fmt.Errorf("%w: %s: %q is not \"nodes N\"", ErrDataDir, filepath.Join(dataDir, clusterFile), b)
		}
		if had != nodes {
			return false, mismatch(dataDir, had, nodes)
		}
		return false, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("%w: %w", ErrDataDir, err)
	}
	// No record: logs without one are not ours; an empty directory is new.
	if ids := logIDs(dataDir); len(ids) > 0 {
		return false, fmt.Errorf("%w: %s holds the logs of nodes %v but no %s file saying how many nodes the cluster has", ErrDataDir, dataDir, ids, clusterFile)
	}
	return true, writeSynced(dataDir, clusterFile, fmt.Appendf(nil, "nodes %d\n", nodes))
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
		if logExists(filepath.Join(dataDir, e.Name())) {
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
func storageFrom(st logState) (*storage.MemStorage, error) {
	s := storage.NewMemStorage()
	if st.snap != nil && st.snap.GetMetadata().GetIndex() > 0 {
		if err := s.ApplySnapshot(st.snap); err != nil {
			return nil, fmt.Errorf("installing its snapshot: %w", err)
		}
	}
	if err := s.Append(st.ents); err != nil {
		return nil, fmt.Errorf("appending its entries: %w", err)
	}
	if st.hs != nil && st.hs.GetTerm() > 0 {
		last, _ := s.LastIndex()
		if c := st.hs.GetCommit(); c > last {
			// etcd Raft would panic: refuse the log instead.
			return nil, fmt.Errorf("its hard state commits index %d but its log ends at %d", c, last)
		}
		if err := s.SetHardState(st.hs); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// restored returns the event saying what node n restarted from, if its
// log held a previous run's state when it last started.
func (n *node) restored() *wire.Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fromLog
}

// openLog opens node n's log and rebuilds its storage from it; in a new
// data directory, a node's first start creates its log.
func (n *node) openLog() (*nodeLog, error) {
	dir := nodeDir(n.r.durable.dir, n.id)
	if !logExists(dir) {
		if !n.r.durable.fresh || n.logMade {
			return nil, fmt.Errorf("%w: start %s: the cluster in %s has no log for %s (%s holds no log segment): started afresh it would have forgotten its vote and its entries; restore %s from a backup, or remove the whole data directory %s to start a new cluster",
				ErrDataDir, n.id, n.r.durable.dir, n.id, filepath.Join(dir, walDirName), dir, n.r.durable.dir)
		}
		w, err := createNodeLog(dir)
		if err != nil {
			return nil, fmt.Errorf("native: start %s: %w", n.id, err)
		}
		n.mu.Lock()
		n.store, n.fromLog, n.logMade = storage.NewMemStorage(), nil, true
		n.mu.Unlock()
		return w, nil
	}
	w, st, err := openNodeLog(dir)
	if err != nil {
		return nil, fmt.Errorf("native: start %s: %w", n.id, err)
	}
	s, err := storageFrom(st)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("native: start %s from its log in %s: %w", n.id, nodeDir(n.r.durable.dir, n.id), err)
	}
	var ev *wire.Event
	if hs, _, _ := s.InitialState(); hs.GetTerm() > 0 {
		snap, _ := s.Snapshot()
		last, _ := s.LastIndex()
		ev = &wire.Event{Kind: wire.EvRestart, Node: n.id, Term: core.Term(hs.GetTerm()), Index: core.LogIndex(snap.GetMetadata().GetIndex()),
			Text: fmt.Sprintf("%s restarted from its log in %s (term %d, commit %d, last index %d, state machine restored to index %d)",
				n.id, nodeDir(n.r.durable.dir, n.id), hs.GetTerm(), hs.GetCommit(), last, snap.GetMetadata().GetIndex())}
	}
	n.mu.Lock()
	n.store, n.fromLog, n.logMade = s, ev, true
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
// an installed snapshot first (as raftexample), then the new hard state
// and entries, synced; then a snapshot the node took.
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
		return in.wrap(in.wal.Save(hs, ents))
	}
	if p.hs != nil || len(p.entries) > 0 {
		if err := in.wal.Save(p.hs, p.entries); err != nil {
			return in.wrap(err)
		}
		*p = pendingSave{}
	}
	if snap != nil {
		if err := in.wal.SaveSnapshot(snap); err != nil {
			return in.wrap(err)
		}
	}
	if u.HardState != nil || len(u.Entries) > 0 {
		if err := in.wal.Save(u.HardState, u.Entries); err != nil {
			return in.wrap(err)
		}
	}
	if u.SnapshotCreated != nil && snap == nil {
		s, _ := in.rn.Storage().Snapshot()
		return in.wrap(in.wal.SaveSnapshot(s))
	}
	return nil
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
