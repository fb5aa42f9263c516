package native

import (
	"time"

	"github.com/seshat-raft/seshat/core"
)

// observe turns one Ready round into trace events (the node's
// wire.Narrator, as in the simulator), keeps the cluster's leader hint and
// the view's freshness up to date, and answers the requests the round
// completes.
func (in *incarnation) observe(u *core.Update) {
	n := in.n
	wasRole, wasTerm := in.Role, in.Term
	in.Observe(u, true, in.ev.add)
	if in.Term != wasTerm || u.RoleChanged {
		in.lastPublish = time.Time{} // publish the new role or term at once
	}
	if u.SnapshotInstalled != nil || len(u.Applied) > 0 {
		in.kvDirty = true
	}
	if in.Role != wasRole {
		if in.Role == core.RoleLeader {
			n.r.leaderHint.Store(uint64(n.id))
		} else if wasRole == core.RoleLeader {
			n.r.leaderHint.CompareAndSwap(uint64(n.id), 0)
		}
	}
	in.noteConfStates(u)
	in.answer(u)
	if wasRole == core.RoleLeader && in.Role != core.RoleLeader {
		in.failRequests(ErrLeadershipLost)
	}
}
