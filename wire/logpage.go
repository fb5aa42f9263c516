package wire

import (
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// Committed log pages: a node's committed log read in full, a page at a
// time, not only the newest entries a view shows.
const (
	// DefaultLogPage is how many entries a page holds when the caller does
	// not say (limit 0).
	DefaultLogPage = 200
	// MaxLogPage is the most entries one page may hold.
	MaxLogPage = 1000
)

// LogPage is a page of one node's committed log: Entries from the index
// asked for, in order, none past Commit. Next is the index to ask for next,
// or 0 when the page reaches Commit. Entries before First are compacted
// into the node's snapshot: no node keeps them.
type LogPage struct {
	Node    core.NodeID   `json:"node"`
	First   core.LogIndex `json:"first"`
	Commit  core.LogIndex `json:"commit"`
	Entries []EntryView   `json:"entries"`
	Next    core.LogIndex `json:"next,omitempty"`
}

// LogPageArgs are the arguments of the committed-log call, as the
// in-browser engine and the bridge take it: the node whose committed log
// to read, the index to read from (0: the first the node holds) and at
// most how many entries (0: DefaultLogPage). The request table checks
// their ranges (ReqCommittedLog, CheckRequest); whether the node exists
// and holds from is the cluster's to say (CommittedLog).
type LogPageArgs struct {
	Node  core.NodeID   `json:"node"`
	From  core.LogIndex `json:"from"`
	Limit int           `json:"limit"`
}

// LogStore is what CommittedLog reads of a node's storage (a
// storage.MemStorage): its hard state (the commit index), first index
// and entries.
type LogStore interface {
	InitialState() (*pb.HardState, *pb.ConfState, error)
	FirstIndex() (uint64, error)
	Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error)
}

// CommittedLog reads the page of node's committed log held by st that
// starts at from (0: the first entry st holds) and holds at most limit
// entries (0: DefaultLogPage). A limit out of range is ErrBadCommand; a
// from that is compacted, or past the commit index and the next one, is
// ErrImpossible. A crashed node's storage is read as it survived.
func CommittedLog(node core.NodeID, st LogStore, from core.LogIndex, limit int) (LogPage, error) {
	if limit < 0 || limit > MaxLogPage {
		return LogPage{}, fmt.Errorf("%w: committed log: limit %d is out of range: 0 (the default, %d) to %d", ErrBadCommand, limit, DefaultLogPage, MaxLogPage)
	}
	if limit == 0 {
		limit = DefaultLogPage
	}
	hs, _, err := st.InitialState()
	if err != nil {
		return LogPage{}, fmt.Errorf("%w: %s's log: %v", ErrImpossible, node, err)
	}
	first, err := st.FirstIndex()
	if err != nil {
		return LogPage{}, fmt.Errorf("%w: %s's log: %v", ErrImpossible, node, err)
	}
	p := LogPage{Node: node, First: core.LogIndex(first), Commit: core.LogIndex(hs.GetCommit()), Entries: []EntryView{}}
	if from == 0 {
		from = p.First
	}
	switch {
	case from < p.First:
		return LogPage{}, fmt.Errorf("%w: committed log: from %d: %s's entries before %d are compacted into its snapshot; read from %d to %d", ErrImpossible, from, node, p.First, p.First, p.Commit)
	case from > p.Commit+1:
		return LogPage{}, fmt.Errorf("%w: committed log: from %d: %s has committed up to %d; read from %d to %d", ErrImpossible, from, node, p.Commit, p.First, p.Commit)
	case from > p.Commit:
		return p, nil
	}
	hi := min(uint64(p.Commit)+1, uint64(from)+uint64(limit))
	ents, err := st.Entries(uint64(from), hi, ^uint64(0))
	if err != nil {
		// Compacted between FirstIndex and Entries (a running node).
		return LogPage{}, fmt.Errorf("%w: %s's log from %d: %v; read again", ErrImpossible, node, from, err)
	}
	for _, e := range ents {
		p.Entries = append(p.Entries, EntryViewOf(e))
	}
	if hi <= uint64(p.Commit) {
		p.Next = core.LogIndex(hi)
	}
	return p, nil
}

// EntryReader is what LogTail reads of a node's storage: etcd Raft's
// Storage.Entries (a storage.MemStorage or the native cluster's WAL-backed
// store).
type EntryReader interface {
	Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error)
}

// LogTail returns the newest window entries of a log holding first to
// last (first > last: an empty log) as a view shows them (NodeView.Log),
// and how many entries before them the log holds (NodeView.LogOmitted).
// When st fails to read them (the log was compacted or truncated since
// first and last were read), the entries are left out until the next view
// but omitted still counts those before the window.
func LogTail(st EntryReader, first, last core.LogIndex, window int) (log []EntryView, omitted int) {
	log = []EntryView{}
	lo, hi := uint64(first), uint64(last)
	if hi >= lo && hi-lo+1 > uint64(max(window, 0)) {
		lo = hi - uint64(max(window, 0)) + 1
		omitted = int(lo - uint64(first))
	}
	if hi < lo {
		return log, omitted
	}
	ents, err := st.Entries(lo, hi+1, ^uint64(0))
	if err != nil {
		return log, omitted
	}
	for _, e := range ents {
		log = append(log, EntryViewOf(e))
	}
	return log, omitted
}
