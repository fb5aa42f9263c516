package core

import "strconv"

// NodeID identifies a Raft node in a cluster. Zero means "no node" (etcd Raft's
// raft.None); valid ids are > 0.
type NodeID uint64

// String formats the id as Seshat shows it everywhere: "n3".
func (id NodeID) String() string { return "n" + strconv.FormatUint(uint64(id), 10) }

// Term is a Raft term number. Terms start at 0 before the first election and
// never decrease on a node.
type Term uint64

// LogIndex is the position of an entry in the Raft log. The first real entry
// has index 1; 0 means "no entry".
type LogIndex uint64

// Role is the part a node plays in its current term.
type Role string

// The roles etcd Raft knows. PreCandidate appears only with PreVote enabled.
const (
	RoleFollower     Role = "follower"
	RolePreCandidate Role = "pre-candidate"
	RoleCandidate    Role = "candidate"
	RoleLeader       Role = "leader"
)

// NodeIDs converts etcd's node ids (a ConfState's voters, for instance),
// nil for none.
func NodeIDs(ids []uint64) []NodeID {
	if len(ids) == 0 {
		return nil
	}
	out := make([]NodeID, len(ids))
	for i, id := range ids {
		out[i] = NodeID(id)
	}
	return out
}
