package wire

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/seshat-raft/seshat/core"
)

// CommandKind names what a command asks for: one of the Cmd constants.
type CommandKind string

// Command kinds: what a person (or a test) can ask a cluster to do.
const (
	CmdSet           CommandKind = "set"            // Key, Value; Node optional (default: the leader)
	CmdDel           CommandKind = "del"            // Key; Node optional
	CmdGet           CommandKind = "get"            // Key; Node optional (a linearizable read via ReadIndex)
	CmdCrash         CommandKind = "crash"          // Node
	CmdRestart       CommandKind = "restart"        // Node
	CmdPartition     CommandKind = "partition"      // Groups
	CmdHeal          CommandKind = "heal"           // Node and Peer to heal one link (OneWay: that direction only); neither: every link
	CmdCut           CommandKind = "cut"            // Node, Peer: cut the link (OneWay: Node -> Peer only)
	CmdIsolate       CommandKind = "isolate"        // Node: cut it off from every other node
	CmdCampaign      CommandKind = "campaign"       // Node: force its election timeout
	CmdTransfer      CommandKind = "transfer"       // Node: hand leadership to it
	CmdDeliver       CommandKind = "deliver"        // Msg: deliver it now
	CmdDrop          CommandKind = "drop"           // Msg: lose it
	CmdDuplicate     CommandKind = "duplicate"      // Msg: put a copy of it in flight
	CmdNetwork       CommandKind = "network"        // Network: new latency, drop, duplicate and reorder settings
	CmdManual        CommandKind = "manual"         // On: hold messages for deliver/drop/duplicate commands (true) or not
	CmdAddClients    CommandKind = "add-clients"    // Count
	CmdRemoveClients CommandKind = "remove-clients" // Count
	CmdAddNode       CommandKind = "add"            // Node optional (default: the next unused id): add a new voter
	CmdAddLearner    CommandKind = "add-learner"    // Node optional: add a new learner
	CmdPromote       CommandKind = "promote"        // Node: make a learner a voter
	CmdRemoveNode    CommandKind = "remove"         // Node: remove a member (the leader too)
	CmdReplace       CommandKind = "replace"        // Node, Peer optional: replace voter Node with a new voter Peer, through a joint configuration
	CmdChange        CommandKind = "change"         // Changes, Transition: several changes at once (ConfChangeV2)
	CmdLeaveJoint    CommandKind = "leave-joint"    // leave the joint configuration (after a change with transition explicit)
	CmdReseed        CommandKind = "reseed"         // Seed: the run's random numbers come from it from now on
)

// MaxSeed is the largest seed a configuration or a reseed command takes:
// the largest whole number the page's JavaScript holds exactly (2^53-1).
const MaxSeed = 1<<53 - 1

// Command is one instruction from outside the simulation. Which fields matter
// depends on Kind (see the Cmd constants). Its JSON form is what the page
// sends and what a session export stores.
type Command struct {
	Kind    CommandKind     `json:"kind"`
	Node    core.NodeID     `json:"node,omitempty"`
	Peer    core.NodeID     `json:"peer,omitempty"`
	OneWay  bool            `json:"one_way,omitempty"`
	Groups  [][]core.NodeID `json:"groups,omitempty"`
	Msg     uint64          `json:"msg,omitempty"`
	Key     string          `json:"key,omitempty"`
	Value   string          `json:"value,omitempty"`
	Network *NetworkConfig  `json:"network,omitempty"`
	On      bool            `json:"on,omitempty"`
	Count   int             `json:"count,omitempty"`
	// Changes and Transition are a change command's membership changes
	// and how etcd leaves the joint configuration (auto, implicit,
	// explicit; default auto).
	Changes    []MemberChange `json:"changes,omitempty"`
	Transition string         `json:"transition,omitempty"`
	// Seed is a reseed command's new seed.
	Seed uint64 `json:"seed,omitempty"`
}

// LoggedCommand is a command with the point in the run where it was applied:
// after Step events, at virtual time At.
type LoggedCommand struct {
	Step    uint64  `json:"step"`
	At      int64   `json:"at"`
	Command Command `json:"cmd"`
}

// ParseCommand decodes a command from JSON, refusing unknown fields.
func ParseCommand(data []byte) (Command, error) {
	var cmd Command
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cmd); err != nil {
		return Command{}, fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	return cmd, nil
}

// MaxKeyBytes and MaxValueBytes bound the key and the value of a set, get
// or del command, in bytes of UTF-8. Views report them (View.Limits) so
// the page can check its inputs without a copy of these numbers.
const (
	MaxKeyBytes   = 256
	MaxValueBytes = 4096
)

// LimitsView is what a view reports of the command limits.
type LimitsView struct {
	KeyBytes   int `json:"key_bytes"`
	ValueBytes int `json:"value_bytes"`
}

// CommandLimits returns MaxKeyBytes and MaxValueBytes as a LimitsView.
func CommandLimits() LimitsView {
	return LimitsView{KeyBytes: MaxKeyBytes, ValueBytes: MaxValueBytes}
}

// CheckKeyValue checks a command's key and value against MaxKeyBytes and
// MaxValueBytes; the error names the field, its size and the limit, in
// bytes.
func CheckKeyValue(key, value string) error {
	if len(key) > MaxKeyBytes {
		return fmt.Errorf("key is %d bytes; it must be at most %d bytes (UTF-8)", len(key), MaxKeyBytes)
	}
	if len(value) > MaxValueBytes {
		return fmt.Errorf("value is %d bytes; it must be at most %d bytes (UTF-8)", len(value), MaxValueBytes)
	}
	return nil
}
