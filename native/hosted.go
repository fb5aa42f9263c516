package native

import (
	"fmt"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/wire"
)

// memberCommands are the node commands a view says apply or not to a
// member hosted outside the process; "cut" stands for its links (cut,
// heal, partition).
var memberCommands = []wire.CommandKind{wire.CmdCrash, wire.CmdRestart, wire.CmdIsolate, wire.CmdCampaign, wire.CmdTransfer, wire.CmdCut}

// shownRemote returns the member hosted outside the process with id,
// present or departed, or nil if id is a native node's or was never given.
func (r *run) shownRemote(id core.NodeID) *Remote {
	if r.node(id) != nil {
		return nil
	}
	r.remoteMu.RLock()
	defer r.remoteMu.RUnlock()
	for _, rm := range r.allRemotes {
		if rm.id == id {
			return rm
		}
	}
	return nil
}

// memberRefusal says why the command kind cannot act on node id, a member
// hosted outside the process, or returns "" when it can or id is not such
// a member. Views show the same text on the member (NodeView.Unavailable)
// as the command is refused with.
func (r *run) memberRefusal(id core.NodeID, kind wire.CommandKind) string {
	rm := r.shownRemote(id)
	if rm == nil {
		return ""
	}
	if rm.left() {
		return fmt.Sprintf("%s left the cluster (%s); its id is never reused, and no command applies to it", id, rm.why())
	}
	outside := fmt.Sprintf("%s is a member hosted outside this server (by a page or a `devserver -join` process)", id)
	switch kind {
	case wire.CmdCrash, wire.CmdRestart:
		return outside + ": the server cannot crash or restart it; close or reload its page, or stop its process, and the cluster removes it"
	case wire.CmdIsolate, wire.CmdCut:
		return outside + ": the server cannot cut its links; isolate the native nodes around it instead"
	case wire.CmdCampaign:
		return outside + ": its host runs its election timer, and the server cannot force it"
	}
	return ""
}

// unavailable is the NodeView.Unavailable of member id: every command of
// memberCommands it refuses, with why.
func (r *run) unavailable(id core.NodeID) map[wire.CommandKind]string {
	out := map[wire.CommandKind]string{}
	for _, kind := range memberCommands {
		if why := r.memberRefusal(id, kind); why != "" {
			out[kind] = why
		}
	}
	return out
}
