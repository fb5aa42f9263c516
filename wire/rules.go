package wire

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
)

// This file is the one table of command rules: for each kind, the fields it
// reads, what it does, whether a cluster running in real time can do it
// (and why not), and how it is checked against a cluster's state. The
// simulator and the native cluster both check commands with CheckCommand,
// so the two refuse a command for the same reasons in the same words.

// CommandState is what checking a command needs to know of a cluster, as
// it is now. The simulator and the native cluster implement it.
type CommandState interface {
	// Nodes is how many nodes the cluster runs itself: ids 1 to Nodes.
	Nodes() int
	// Up reports whether node id (1 to Nodes) is running.
	Up(id core.NodeID) bool
	// Leader returns the node (1 to Nodes) that leads, 0 if none does.
	Leader() core.NodeID
	// Config is the cluster's configuration, as a network command changes
	// it.
	Config() Config
	// RealTime reports whether the cluster runs at wall-clock speed: it
	// refuses the kinds that have a RealTime reason.
	RealTime() bool
	// InFlight returns the destination of message msg in flight, ok false
	// if no such message is in flight.
	InFlight(msg uint64) (to core.NodeID, ok bool)
	// Clients is how many simulated clients are active.
	Clients() int
	// Hosted reports whether id is a present member hosted outside the
	// cluster's process (by a page or a `devserver -join` process).
	Hosted(id core.NodeID) bool
	// Refusal says why kind cannot act on node id (a member hosted
	// outside, or one that left), or "" when nothing stands in its way.
	// Partition and heal ask as CmdCut: they act on links.
	Refusal(id core.NodeID, kind CommandKind) string
	// Membership is the configuration in force on the leader (empty
	// without one) and the nodes removed so far.
	Membership() Membership
	// CheckConfChange returns why the leader would refuse cc now
	// (core.RaftNode.CheckConfChange: etcd's reason), nil if it would
	// accept it.
	CheckConfChange(cc pb.ConfChangeI) error
}

// CommandRule is what the table says of one kind of command.
type CommandRule struct {
	// Kind is the command kind.
	Kind CommandKind `json:"kind"`
	// Fields are the JSON fields of Command the kind reads, besides kind.
	Fields []string `json:"fields"`
	// Doc says what the kind does, in a line.
	Doc string `json:"doc"`
	// RealTime, when set, is why a cluster that runs in real time (the
	// native cluster) cannot carry the kind out, in the words it refuses
	// the command with.
	RealTime string `json:"real_time,omitempty"`
	// check checks a command of the kind against the state; c holds the
	// command and the error makers.
	check func(c *checker) error
	// describe returns the event that records a command of the kind, for
	// the kinds whose event depends on the command alone (CommandEvent).
	describe func(cmd Command, leader core.NodeID) Event
}

// Reasons a real-time cluster refuses a command.
const (
	realTimeMessages = "the native cluster runs in real time: its messages cannot be held, delivered, dropped or duplicated by hand"
	realTimeClients  = "the native cluster runs in real time and has no simulated clients; use set, get and del, or the HTTP API"
	realTimeSeed     = "the native cluster runs in real time: its randomness has no seed to change"
)

// commandRules is the table, in the order of the Cmd constants.
var commandRules = []CommandRule{
	{Kind: CmdSet, Fields: []string{"key", "value", "node"}, Doc: "set key to value (node: the node asked, default the leader)", check: checkKV, describe: consoleEvent},
	{Kind: CmdDel, Fields: []string{"key", "node"}, Doc: "delete key", check: checkKV, describe: consoleEvent},
	{Kind: CmdGet, Fields: []string{"key", "node"}, Doc: "read key linearizably (ReadIndex)", check: checkKV, describe: consoleEvent},
	{Kind: CmdCrash, Fields: []string{"node"}, Doc: "crash node: its volatile state is lost, its storage survives", check: checkNodeCommand, describe: crashEvent},
	{Kind: CmdRestart, Fields: []string{"node"}, Doc: "restart a crashed node from its storage", check: checkNodeCommand},
	{Kind: CmdPartition, Fields: []string{"groups"}, Doc: "cut every link between the groups of nodes", check: checkPartition},
	{Kind: CmdHeal, Fields: []string{"node", "peer", "one_way"}, Doc: "heal the link node-peer (one_way: that direction only), or every link", check: checkLink, describe: linkEvent},
	{Kind: CmdCut, Fields: []string{"node", "peer", "one_way"}, Doc: "cut the link node-peer (one_way: node to peer only)", check: checkLink, describe: linkEvent},
	{Kind: CmdIsolate, Fields: []string{"node"}, Doc: "cut node off from every other node", check: checkNodeCommand, describe: isolateEvent},
	{Kind: CmdCampaign, Fields: []string{"node"}, Doc: "force node's election timeout", check: checkNodeCommand, describe: campaignEvent},
	{Kind: CmdTransfer, Fields: []string{"node"}, Doc: "ask the leader to hand leadership to node", check: checkTransfer, describe: transferEvent},
	{Kind: CmdDeliver, Fields: []string{"msg"}, Doc: "deliver message msg now", RealTime: realTimeMessages, check: checkMessage},
	{Kind: CmdDrop, Fields: []string{"msg"}, Doc: "lose message msg", RealTime: realTimeMessages, check: checkMessage},
	{Kind: CmdDuplicate, Fields: []string{"msg"}, Doc: "put a copy of message msg in flight", RealTime: realTimeMessages, check: checkMessage},
	{Kind: CmdNetwork, Fields: []string{"network"}, Doc: "set the latency, drop, duplicate and reorder settings", check: checkNetwork, describe: networkEvent},
	{Kind: CmdManual, Fields: []string{"on"}, Doc: "hold messages for deliver, drop and duplicate (on) or not", RealTime: realTimeMessages, check: func(*checker) error { return nil }},
	{Kind: CmdAddClients, Fields: []string{"count"}, Doc: "add count simulated clients", RealTime: realTimeClients, check: checkAddClients},
	{Kind: CmdRemoveClients, Fields: []string{"count"}, Doc: "remove count simulated clients", RealTime: realTimeClients, check: checkRemoveClients},
	{Kind: CmdAddNode, Fields: []string{"node"}, Doc: "add a new voter (node: the next unused id by default); it starts empty and catches up by log or snapshot", check: checkMembership},
	{Kind: CmdAddLearner, Fields: []string{"node"}, Doc: "add a new learner: it receives the log but does not vote", check: checkMembership},
	{Kind: CmdPromote, Fields: []string{"node"}, Doc: "make learner node a voter", check: checkMembership},
	{Kind: CmdRemoveNode, Fields: []string{"node"}, Doc: "remove node from the cluster (the leader too); its id is never reused", check: checkMembership},
	{Kind: CmdReplace, Fields: []string{"node", "peer"}, Doc: "replace voter node with a new voter (peer: the next unused id by default) through a joint configuration", check: checkMembership},
	{Kind: CmdChange, Fields: []string{"changes", "transition"}, Doc: "change several members at once (ConfChangeV2; transition auto, implicit or explicit)", check: checkMembership},
	{Kind: CmdLeaveJoint, Fields: []string{}, Doc: "leave the joint configuration (after a change with transition explicit)", check: checkMembership},
	{Kind: CmdReseed, Fields: []string{"seed"}, Doc: "draw the run's random numbers (latencies, losses, clients, election timeouts) from seed from now on", RealTime: realTimeSeed, check: checkReseed, describe: reseedEvent},
}

// CommandRules returns the table of command rules, one per kind, in a
// fixed order. The caller may not modify it.
func CommandRules() []CommandRule { return commandRules }

// RuleOf returns the rule of kind, ok false for a kind that does not exist.
func RuleOf(kind CommandKind) (CommandRule, bool) {
	return lookup(commandRules, kind, func(r CommandRule) CommandKind { return r.Kind })
}

// lookup returns the row of table whose key is k, ok false if none is.
func lookup[R any, K comparable](table []R, k K, key func(R) K) (row R, ok bool) {
	i := slices.IndexFunc(table, func(r R) bool { return key(r) == k })
	if i < 0 {
		return row, false
	}
	return table[i], true
}

// RealTimeRefusals maps each kind a cluster running in real time refuses
// to why, in the words of its refusal. Producers report it (the bridge's
// hello) so the page learns it from the engine.
func RealTimeRefusals() map[CommandKind]string {
	out := map[CommandKind]string{}
	for _, r := range commandRules {
		if r.RealTime != "" {
			out[r.Kind] = r.RealTime
		}
	}
	return out
}

// RealTimeRefusal returns the error a cluster running in real time refuses
// cmd with (wrapping ErrImpossible), or nil if it can carry cmd out.
func RealTimeRefusal(cmd Command) error {
	if r, ok := RuleOf(cmd.Kind); ok && r.RealTime != "" {
		return fmt.Errorf("%w: %s: %s", ErrImpossible, cmd.Kind, r.RealTime)
	}
	return nil
}

// CheckCommand checks cmd against the cluster's state s without changing
// anything. Its error wraps ErrBadCommand (malformed: unknown kind, missing
// or out-of-range field), ErrUnknownNode, ErrUnknownMessage or
// ErrImpossible (well formed, but not now, or not on this cluster), and
// says what was wrong.
func CheckCommand(cmd Command, s CommandState) error {
	c := &checker{cmd: cmd, s: s}
	if cmd.Kind == "" {
		return c.bad("kind is missing")
	}
	r, ok := RuleOf(cmd.Kind)
	if !ok {
		return fmt.Errorf("%w: unknown kind %q", ErrBadCommand, cmd.Kind)
	}
	if s.RealTime() && r.RealTime != "" {
		return c.impossible("%s", r.RealTime)
	}
	return r.check(c)
}

// checker holds a command being checked and makes its errors.
type checker struct {
	cmd Command
	s   CommandState
}

func (c *checker) bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadCommand, c.cmd.Kind, fmt.Sprintf(format, args...))
}

func (c *checker) impossible(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrImpossible, c.cmd.Kind, fmt.Sprintf(format, args...))
}

// node checks that id, named by field, is a node the command can act on.
func (c *checker) node(id core.NodeID, field string) error {
	kind := c.cmd.Kind
	if kind == CmdHeal || kind == CmdPartition {
		kind = CmdCut
	}
	if why := c.s.Refusal(id, kind); why != "" {
		return fmt.Errorf("%w: %s: %s", ErrImpossible, c.cmd.Kind, why)
	}
	if id < 1 || int(id) > c.s.Nodes() {
		return fmt.Errorf("%w: %s: %s %d; nodes are 1 to %d", ErrUnknownNode, c.cmd.Kind, field, id, c.s.Nodes())
	}
	return nil
}

func checkKV(c *checker) error {
	cmd := c.cmd
	if cmd.Key == "" {
		return c.bad("key is empty")
	}
	if err := CheckKeyValue(cmd.Key, cmd.Value); err != nil {
		return c.bad("%v", err)
	}
	if cmd.Kind != CmdSet && cmd.Value != "" {
		return c.bad("takes no value")
	}
	if cmd.Node != 0 {
		if err := c.node(cmd.Node, "node"); err != nil {
			return err
		}
		if !c.s.Up(cmd.Node) {
			return c.impossible("%s is down", cmd.Node)
		}
		return nil
	}
	for id := core.NodeID(1); int(id) <= c.s.Nodes(); id++ {
		if c.s.Up(id) {
			return nil
		}
	}
	return c.impossible("every node is down")
}

// checkTransfer lets leadership go to a member hosted elsewhere from a
// leader the cluster runs; any other target is checked as a node command.
func checkTransfer(c *checker) error {
	if c.s.Hosted(c.cmd.Node) {
		if c.s.Leader() == 0 {
			return c.impossible("there is no native leader to hand leadership over")
		}
		return nil
	}
	return checkNodeCommand(c)
}

func checkNodeCommand(c *checker) error {
	cmd := c.cmd
	if err := c.node(cmd.Node, "node"); err != nil {
		return err
	}
	up := c.s.Up(cmd.Node)
	switch {
	case cmd.Kind == CmdRestart && up:
		return c.impossible("%s is running; crash it first", cmd.Node)
	case cmd.Kind != CmdRestart && cmd.Kind != CmdIsolate && !up:
		return c.impossible("%s is down; restart it first", cmd.Node)
	case cmd.Kind == CmdTransfer && c.s.Leader() == 0:
		return c.impossible("there is no leader to hand leadership over")
	case cmd.Kind == CmdTransfer && c.s.Leader() == cmd.Node:
		return c.impossible("%s is already the leader", cmd.Node)
	}
	return nil
}

func checkPartition(c *checker) error {
	if len(c.cmd.Groups) == 0 {
		return c.bad("groups is empty; give the groups of nodes that can still talk, e.g. [[1,2],[3,4,5]]")
	}
	seen := map[core.NodeID]bool{}
	for _, g := range c.cmd.Groups {
		for _, id := range g {
			if err := c.node(id, "node"); err != nil {
				return err
			}
			if seen[id] {
				return c.bad("%s is in two groups", id)
			}
			seen[id] = true
		}
	}
	return nil
}

func checkLink(c *checker) error {
	cmd := c.cmd
	if cmd.Kind == CmdHeal && cmd.Node == 0 && cmd.Peer == 0 {
		return nil
	}
	if err := c.node(cmd.Node, "node"); err != nil {
		return err
	}
	if err := c.node(cmd.Peer, "peer"); err != nil {
		return err
	}
	if cmd.Node == cmd.Peer {
		return c.bad("node and peer are both %s; a link joins two nodes", cmd.Node)
	}
	return nil
}

func checkMessage(c *checker) error {
	to, ok := c.s.InFlight(c.cmd.Msg)
	if !ok {
		return fmt.Errorf("%w: %s: message %d is not in flight", ErrUnknownMessage, c.cmd.Kind, c.cmd.Msg)
	}
	if c.cmd.Kind == CmdDeliver && !c.s.Up(to) {
		return c.impossible("%s is down; the message can only be dropped", to)
	}
	return nil
}

func checkNetwork(c *checker) error {
	if c.cmd.Network == nil {
		return c.bad("network settings are missing")
	}
	cfg := c.s.Config()
	cfg.Network = *c.cmd.Network
	if err := cfg.Validate(); err != nil {
		return CommandConfigError(err)
	}
	return nil
}

func checkReseed(c *checker) error {
	if c.cmd.Seed > MaxSeed {
		return c.bad("seed %d must be 0 to %d (the largest whole number the page holds exactly)", c.cmd.Seed, uint64(MaxSeed))
	}
	return nil
}

func checkAddClients(c *checker) error {
	if n := c.s.Clients(); c.cmd.Count < 1 || n+c.cmd.Count > MaxClients {
		return c.bad("count %d must be at least 1 and keep the clients at most %d (now %d)", c.cmd.Count, MaxClients, n)
	}
	return nil
}

func checkRemoveClients(c *checker) error {
	n := c.s.Clients()
	if n == 0 {
		return c.bad("there are no clients to remove")
	}
	if c.cmd.Count < 1 || c.cmd.Count > n {
		return c.bad("count %d must be from 1 to the number of clients (%d)", c.cmd.Count, n)
	}
	return nil
}

// CommandEvent returns the event that records cmd, a checked command, as
// the cluster carries it out, ok false for the kinds whose event depends on
// more than the command (restart, partition, deliver, drop, duplicate,
// manual, add-clients, remove-clients: the producer describes those).
// leader is the leader a transfer asks. A producer emits it where it
// carries the command out, so both producers record a command alike.
func CommandEvent(cmd Command, leader core.NodeID) (Event, bool) {
	r, ok := RuleOf(cmd.Kind)
	if !ok || r.describe == nil {
		return Event{}, false
	}
	return r.describe(cmd, leader), true
}

// note is the EvCommand event of cmd with text.
func note(cmd Command, text string) Event {
	return Event{Kind: EvCommand, Node: cmd.Node, Type: string(cmd.Kind), Text: text}
}

func consoleEvent(cmd Command, _ core.NodeID) Event {
	return note(cmd, fmt.Sprintf("console: %s", DescribeOp(OpKind(cmd.Kind), cmd.Key, cmd.Value)))
}

func crashEvent(cmd Command, _ core.NodeID) Event {
	return Event{Kind: EvCrash, Node: cmd.Node, Text: fmt.Sprintf("%s crashed: its volatile state and messages in flight are lost, its storage survives", cmd.Node)}
}

func linkEvent(cmd Command, _ core.NodeID) Event {
	kind, verb := EvPartition, "cut"
	if cmd.Kind == CmdHeal {
		if cmd.Node == 0 {
			return Event{Kind: EvHeal, Text: "healed every link"}
		}
		kind, verb = EvHeal, "healed"
	}
	text := fmt.Sprintf("%s the link %s↔%s", verb, cmd.Node, cmd.Peer)
	if cmd.OneWay {
		text = fmt.Sprintf("%s the link %s→%s (one way)", verb, cmd.Node, cmd.Peer)
	}
	return Event{Kind: kind, Node: cmd.Node, Peer: cmd.Peer, Text: text}
}

func isolateEvent(cmd Command, _ core.NodeID) Event {
	return Event{Kind: EvPartition, Node: cmd.Node, Text: fmt.Sprintf("isolated %s from every other node", cmd.Node)}
}

func campaignEvent(cmd Command, _ core.NodeID) Event {
	return note(cmd, fmt.Sprintf("forced %s's election timeout", cmd.Node))
}

func transferEvent(cmd Command, leader core.NodeID) Event {
	return note(cmd, fmt.Sprintf("asked leader %s to hand leadership to %s", leader, cmd.Node))
}

func reseedEvent(cmd Command, _ core.NodeID) Event {
	return note(cmd, fmt.Sprintf("random numbers from seed %d from now on", cmd.Seed))
}

func networkEvent(cmd Command, _ core.NodeID) Event {
	net := cmd.Network
	return Event{Kind: EvNetwork, Text: fmt.Sprintf("network: latency %d-%d ms, drop %.0f%%, duplicate %.0f%%, reorder %.0f%%",
		net.MinLatencyMS, net.MaxLatencyMS, 100*net.DropRate, 100*net.DuplicateRate, 100*net.ReorderRate)}
}
