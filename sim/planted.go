package sim

import (
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/storage"
	"github.com/seshat-raft/seshat/wire"
)

// plantFaults puts the faults the configuration names (wire.Config.Faults)
// into the cluster's hooks, before any node starts: a run with a planted
// fault is replayed, seeked and shrunk with it, as the session says. The
// hooks hold no state of their own (checkpoint replicas share them): what a
// fault has done is kept on the nodes (simNode.skipped).
func (c *Cluster) plantFaults() {
	var forgetVote, forgetAll, loseLast bool
	for _, f := range c.cfg.Faults {
		switch f {
		case wire.FaultForgetVote:
			forgetVote = true
		case wire.FaultForgetHardState:
			forgetAll = true
		case wire.FaultAckBeforePersist:
			loseLast = true
		case wire.FaultNoConfChangeCheck:
			c.hooks.noConfChangeCheck = true
		case wire.FaultSkipEntry:
			c.hooks.skipWrite = true
		case wire.FaultLocalRead:
			c.hooks.localRead = func(_ *Cluster, n *simNode) bool { return n.rn.IsLeader() }
			c.hooks.checkLocalReads = true
		}
	}
	if forgetVote || forgetAll || loseLast {
		c.hooks.crashed = func(_ *Cluster, n *simNode) {
			if loseLast {
				n.store = loseLastEntry(n.store)
			}
			if forgetVote || forgetAll {
				hs := &pb.HardState{}
				if !forgetAll {
					hs, _, _ = n.store.InitialState()
					hs.Vote = nil
				}
				_ = n.store.SetHardState(hs)
			}
		}
	}
}

// loseLastEntry returns st without its last log entry, as a disk that
// acknowledged the entry before writing it leaves the log after a crash
// (wire.FaultAckBeforePersist), and with the commit index of its hard state
// lowered to the new last index. The entry before the last is appended
// again, which truncates the log after it (MemStorage.Append); a log of
// one entry is rebuilt from the snapshot before it. A log with no entry
// above its snapshot is left as it is, and so is st if it cannot be changed
// (the fault then does nothing).
func loseLastEntry(st *storage.MemStorage) *storage.MemStorage {
	first, _ := st.FirstIndex()
	last, _ := st.LastIndex()
	snap, err := st.Snapshot()
	if err != nil || last <= snap.GetMetadata().GetIndex() || last < first {
		return st
	}
	hs, _, _ := st.InitialState()
	if hs.GetCommit() >= last {
		hs.Commit = new(last - 1)
	}
	if last > first {
		prev, err := st.Entries(last-1, last, ^uint64(0))
		if err != nil || st.Append(prev) != nil {
			return st
		}
	} else {
		// The only entry: an empty log after the same snapshot.
		ns := storage.NewMemStorage()
		if snap.GetMetadata().GetIndex() != first-1 || ns.ApplySnapshot(snap) != nil {
			return st
		}
		st = ns
	}
	_ = st.SetHardState(hs) // never fails
	return st
}
