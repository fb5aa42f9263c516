package sim

import "github.com/seshat-raft/seshat/core"

// hooks plant faults, to prove the checkers catch them. The faults a
// configuration names (wire.Config.Faults) set some of them (planted.go);
// tests in this package set the others. A nil hook does nothing.
type hooks struct {
	// crashed runs right after a node crashes; it may damage the node's
	// storage (n.store) to model a node that lost what it acknowledged.
	crashed func(c *Cluster, n *simNode)
	// processed runs after each Ready round of a node, before the checkers
	// and clients see it; it may damage the node's state machine.
	processed func(c *Cluster, n *simNode, u *core.Update)
	// localRead, if it returns true for a node, makes that node answer a
	// get from its own state machine at once, skipping ReadIndex (a stale
	// read bug).
	localRead func(c *Cluster, n *simNode) bool
	// checkLocalReads, if set, checks each get answered through localRead
	// at once (checkLocalRead). The planted fault sets it; the tests that
	// leave stale reads to the end-of-run checkers do not.
	checkLocalReads bool
	// roundFails, if it returns an error for a node, fails the node's next
	// Ready round with it, as a storage error would.
	roundFails func(c *Cluster, n *simNode) error
	// noHandOff, if set, keeps a removed leader from handing leadership on
	// (the stranding etcd-io/etcd#11038 describes).
	noHandOff bool
	// servesRemoved, if set, lets removed nodes serve clients.
	servesRemoved bool
	// noConfChangeCheck, if set, starts nodes without etcd Raft's check of
	// a proposed membership change, and the simulator proposes changes
	// without asking it (core.WithoutConfChangeValidation).
	noConfChangeCheck bool
	// skipWrite, if set, makes node 2's state machine skip the first write
	// it applies (statemachine.StateMachine.SkipNextWrite); simNode.skipped
	// records that it has.
	skipWrite bool
}
