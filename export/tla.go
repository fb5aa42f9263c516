package export

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
)

// TLAEvent is one event of etcd Raft's TLA+ trace: the fields, names and
// order of raft.TracingEvent in etcd's state_trace.go (v3.7.0), which a
// build of etcd Raft with the with_tla tag hands to its TraceLogger and
// tla/Traceetcdraft.tla reads. Ids are decimal strings, as etcd writes them.
type TLAEvent struct {
	Name    string      `json:"name"`
	NodeID  string      `json:"nid"`
	State   TLAState    `json:"state"`
	Role    string      `json:"role"`
	LogSize uint64      `json:"log"`
	Conf    [2][]string `json:"conf"`
	Message *TLAMessage `json:"msg,omitempty"`
	// ConfChange is never set: etcd declares it and puts the change in
	// Properties["cc"] instead.
	ConfChange *TLAConfChange `json:"cc,omitempty"`
	// Properties: "cc" (a *TLAConfChange) for ChangeConf and
	// ApplyConfChange; "match" and "next" (the sender's own progress, as
	// etcd reads it) for a SendAppendEntriesRequest of a MsgApp.
	Properties map[string]any `json:"prop,omitempty"`
}

// TLAState is a node's term, vote and commit index (raft.TracingState).
type TLAState struct {
	Term   uint64 `json:"term"`
	Vote   string `json:"vote"`
	Commit uint64 `json:"commit"`
}

// TLAMessage is a message sent or received (raft.TracingMessage). For a
// MsgSnap, EntryLength is the snapshot's index and Index and LogTerm are 0.
type TLAMessage struct {
	Type        string `json:"type"`
	Term        uint64 `json:"term"`
	From        string `json:"from"`
	To          string `json:"to"`
	EntryLength int    `json:"entries"`
	LogTerm     uint64 `json:"logTerm"`
	Index       uint64 `json:"index"`
	Commit      uint64 `json:"commit"`
	Vote        string `json:"vote"`
	Reject      bool   `json:"reject"`
	RejectHint  uint64 `json:"rejectHint"`
}

// TLAConfChange is a membership change (raft.TracingConfChange): the
// changes proposed (ChangeConf) or the voters after it (ApplyConfChange).
type TLAConfChange struct {
	Changes []TLASingleConfChange `json:"changes,omitempty"`
	NewConf []string              `json:"newconf,omitempty"`
}

// TLASingleConfChange is one change of a TLAConfChange
// (raft.SingleConfChange): Action is "AddNewServer", "RemoveServer" or
// "AddLearner".
type TLASingleConfChange struct {
	NodeID string `json:"nid"`
	Action string `json:"action"`
}

// TLALine is one line of the NDJSON file WriteTLA writes, shaped as the
// zap logger of etcd's tla/README.md writes it: Traceetcdraft.tla keeps
// the lines whose tag is "trace" and reads their event, and validate.sh
// sorts the lines by the text after their second colon, which is TS here.
// TS is therefore no time but the line's ordinal, from 1000000001 on, of
// one width so that sort keeps the order.
type TLALine struct {
	Level string    `json:"level"`
	TS    uint64    `json:"ts"`
	Msg   string    `json:"msg"`
	Tag   string    `json:"tag"`
	Event *TLAEvent `json:"event"`
}

// tlaFirstTS is the first line's TS; tlaMaxEvents bounds a trace, so TS
// keeps ten digits.
const (
	tlaFirstTS   = 1_000_000_001
	tlaMaxEvents = 8_000_000_000
)

// errTooManyTLAEvents stops a replay whose trace outgrows WriteTLA.
var errTooManyTLAEvents = fmt.Errorf("export: the run has more than %d TLA+ events", tlaMaxEvents)

// TLATrace replays session s (as sim.Import does, with the same checks)
// and returns the events etcd Raft's trace logger would have written for
// the same run, in the order etcd Raft would have written them: each
// node's TraceLogger called in turn as the simulator runs the nodes.
// Nodes started by the run (restarts, added members) begin with their
// InitState. A bad session is an error wrapping wire.ErrBadSession.
func TLATrace(s sim.Session) ([]TLAEvent, error) {
	t := newTLATracer()
	if _, err := sim.ImportWithOptions(s, core.WithRaftProbe(t.observe)); err != nil {
		return nil, err
	}
	if t.err != nil {
		return nil, t.err
	}
	return t.events, nil
}

// WriteTLA writes events as NDJSON, one TLALine a line: the trace file
// etcd's tla/validate.sh checks against tla/Traceetcdraft.tla.
func WriteTLA(w io.Writer, events []TLAEvent) error {
	if len(events) > tlaMaxEvents {
		return fmt.Errorf("export: %d TLA+ events; at most %d fit the trace's ordinals", len(events), tlaMaxEvents)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range events {
		line := TLALine{Level: "debug", TS: tlaFirstTS + uint64(i), Msg: "trace", Tag: "trace", Event: &events[i]}
		if err := enc.Encode(&line); err != nil {
			return err
		}
	}
	return nil
}
