package schemajs

import (
	"encoding/json"
	"fmt"
	"strings"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// Template is the text of one error or event the engine gives, with
// {name} where a value goes, and its kind (an error kind or an event kind).
type Template struct {
	Name string
	Kind string
	Text string
}

// mID is a node id no real text holds (see the markers below).
const mID core.NodeID = 90001

// Marker values: numbers no real text contains, so each can be found in a
// message and replaced by its placeholder.
const (
	mNodes   = 90002 // the number of nodes
	mMsg     = 90003 // a message id
	mMin     = 50005 // a minimum latency (ms), above mMax
	mMax     = 50004 // a maximum latency (ms)
	mNow     = 90007 // the clients there are
	mCount   = 90009 // a count asked for
	mBytes   = 90011 // the size of a key or value
	mSeek    = 90013 // a time to seek to (ms)
	mVersion = 90015 // a session version
	mFrom    = 90025 // a log index to read from, past mCommit
	mFirst   = 90019 // the first index a log holds
	mCommit  = 90021 // a commit index
)

// stubLog is a node's storage with fixed answers (wire.LogStore), for
// making the texts of wire.CommittedLog's errors.
type stubLog struct{ first, commit uint64 }

func (s stubLog) InitialState() (*pb.HardState, *pb.ConfState, error) {
	return &pb.HardState{Commit: &s.commit}, &pb.ConfState{}, nil
}
func (s stubLog) FirstIndex() (uint64, error) { return s.first, nil }
func (s stubLog) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	return nil, fmt.Errorf("stub: no entries")
}

// stubState is a CommandState with fixed answers, for making the texts of
// CheckCommand's errors.
type stubState struct {
	nodes   int
	up      bool
	leader  core.NodeID
	flight  bool
	clients int
}

func (s stubState) Nodes() int                                   { return s.nodes }
func (s stubState) Up(core.NodeID) bool                          { return s.up }
func (s stubState) Leader() core.NodeID                          { return s.leader }
func (s stubState) Config() wire.Config                          { return wire.DefaultConfig() }
func (s stubState) RealTime() bool                               { return false }
func (s stubState) Clients() int                                 { return s.clients }
func (s stubState) Hosted(core.NodeID) bool                      { return false }
func (s stubState) Refusal(core.NodeID, wire.CommandKind) string { return "" }
func (s stubState) InFlight(uint64) (core.NodeID, bool)          { return mID, s.flight }
func (s stubState) Membership() wire.Membership                  { return wire.Membership{} }
func (s stubState) CheckConfChange(pb.ConfChangeI) error         { return nil }

// errorTemplates calls package wire with marker values and returns the
// texts of its errors as templates, in a fixed order.
func errorTemplates() ([]Template, error) {
	n := func(v any) string { return fmt.Sprint(v) }
	big := stubState{nodes: mNodes, up: true, leader: 1, flight: true, clients: mNow}
	down := big
	down.up = false
	logNode := func() error {
		c, err := sim.New(wire.DefaultConfig())
		if err != nil {
			return err
		}
		_, err = c.CommittedLog(mID, 0, 0)
		return err
	}
	logFrom := func(from uint64) error {
		_, err := wire.CommittedLog(mID, stubLog{first: mFirst, commit: mCommit}, core.LogIndex(from), 0)
		return err
	}
	logMarks := []string{n(mID), "n{id}", n(mFrom), "{from}", n(mFirst), "{first}", n(mCommit), "{commit}"}
	cases := []struct {
		name  string
		err   error
		marks []string // marker, placeholder, ...
	}{
		{"unknown_kind", wire.CheckCommand(wire.Command{Kind: "KIND_MARK"}, big), []string{"KIND_MARK", "{kind}"}},
		{"key_empty", wire.CheckCommand(wire.Command{Kind: wire.CmdGet}, big), []string{": get:", ": {kind}:"}},
		{"key_long", wire.CheckCommand(wire.Command{Kind: wire.CmdGet, Key: strings.Repeat("k", mBytes)}, big), []string{": get:", ": {kind}:", n(mBytes), "{bytes}"}},
		{"value_long", wire.CheckCommand(wire.Command{Kind: wire.CmdSet, Key: "k", Value: strings.Repeat("v", mBytes)}, big), []string{": set:", ": {kind}:", n(mBytes), "{bytes}"}},
		{"value_not_taken", wire.CheckCommand(wire.Command{Kind: wire.CmdGet, Key: "k", Value: "v"}, big), []string{": get:", ": {kind}:"}},
		{"all_down", wire.CheckCommand(wire.Command{Kind: wire.CmdGet, Key: "k"}, down), []string{": get:", ": {kind}:"}},
		{"unknown_node", wire.CheckCommand(wire.Command{Kind: wire.CmdCut, Node: 1, Peer: mID + 10}, stubState{nodes: mNodes, up: true}), []string{": cut:", ": {kind}:", "peer " + n(uint64(mID+10)), "{field} {id}", n(mNodes), "{nodes}"}},
		{"running", wire.CheckCommand(wire.Command{Kind: wire.CmdRestart, Node: mID}, big), []string{n(mID), "n{id}"}},
		{"down", wire.CheckCommand(wire.Command{Kind: wire.CmdCrash, Node: mID}, down), []string{": crash:", ": {kind}:", n(mID), "n{id}"}},
		{"no_leader", wire.CheckCommand(wire.Command{Kind: wire.CmdTransfer, Node: mID}, stubState{nodes: mNodes, up: true}), nil},
		{"already_leader", wire.CheckCommand(wire.Command{Kind: wire.CmdTransfer, Node: mID}, stubState{nodes: mNodes, up: true, leader: mID}), []string{n(mID), "n{id}"}},
		{"same_link", wire.CheckCommand(wire.Command{Kind: wire.CmdCut, Node: mID, Peer: mID}, big), []string{": cut:", ": {kind}:", n(mID), "n{id}"}},
		{"not_in_flight", wire.CheckCommand(wire.Command{Kind: wire.CmdDrop, Msg: mMsg}, stubState{nodes: mNodes}), []string{": drop:", ": {kind}:", n(mMsg), "{msg}"}},
		{"deliver_down", wire.CheckCommand(wire.Command{Kind: wire.CmdDeliver, Msg: mMsg}, down), []string{n(mID), "n{id}"}},
		{"network_missing", wire.CheckCommand(wire.Command{Kind: wire.CmdNetwork}, big), nil},
		{"network_latency", wire.CheckCommand(wire.Command{Kind: wire.CmdNetwork, Network: &wire.NetworkConfig{MinLatencyMS: mMin, MaxLatencyMS: mMax}}, big), []string{n(mMin), "{min}", n(mMax), "{max}"}},
		{"network_rate", wire.CheckCommand(wire.Command{Kind: wire.CmdNetwork, Network: &wire.NetworkConfig{MaxLatencyMS: 1, DropRate: 9.0006}}, big), []string{"drop_rate", "{rate}", "9.0006", "{value}"}},
		{"reseed_seed", wire.CheckCommand(wire.Command{Kind: wire.CmdReseed, Seed: wire.MaxSeed + 90041}, big), []string{n(wire.MaxSeed + 90041), "{seed}"}},
		{"add_clients", wire.CheckCommand(wire.Command{Kind: wire.CmdAddClients, Count: -mCount}, big), []string{n(-mCount), "{count}", n(mNow), "{now}"}},
		{"no_clients", wire.CheckCommand(wire.Command{Kind: wire.CmdRemoveClients, Count: 1}, stubState{nodes: mNodes}), nil},
		{"remove_clients", wire.CheckCommand(wire.Command{Kind: wire.CmdRemoveClients, Count: mCount}, big), []string{n(mCount), "{count}", n(mNow), "{now}"}},
		{"config_nodes", configError(func(c *wire.Config) { c.Nodes = mNodes }), []string{n(mNodes), "{nodes}"}},
		{"config_latency", configError(func(c *wire.Config) { c.Network = wire.NetworkConfig{MinLatencyMS: mMin, MaxLatencyMS: mMax} }), []string{n(mMin), "{min}", n(mMax), "{max}"}},
		{"halted", fmt.Errorf("%w: %s", wire.ErrHalted, "TEXT_MARK"), []string{"TEXT_MARK", "{text}"}},
		{"bad_session", fmt.Errorf("%w: %s", wire.ErrBadSession, "TEXT_MARK"), []string{"TEXT_MARK", "{text}"}},
		{"session_version", sim.Session{Version: mVersion, Config: wire.DefaultConfig()}.Check(), []string{n(mVersion), "{version}"}},
		{"seek", seekError(), []string{n(mSeek), "{t}", "0 to 0 ms", "0 to {horizon} ms"}},
		{"real_time", wire.RealTimeRefusal(wire.Command{Kind: wire.CmdDeliver}), []string{": deliver:", ": {kind}:", realTimeWhy(), "{why}"}},
		{"unknown_request", wire.UnknownRequest("OP_MARK"), []string{"OP_MARK", "{op}"}},
		{"unknown_field", wire.CheckRequest(wire.ReqFrame, []byte(`{"NAME_MARK": 0}`)), []string{`"NAME_MARK"`, "{name}", frameFields(), "{fields}", "engine: frame:", "engine: {op}:"}},
		{"before_create", wire.RequestRule{Kind: "OP_MARK", After: wire.ReqCreate}.TooEarly(), []string{"OP_MARK", "{op}"}},
		{"internal", wire.PanicError("OP_MARK", "DETAIL_MARK"), []string{"OP_MARK", "{op}", "DETAIL_MARK", "{detail}"}},
		{"log_unknown_node", logNode(), []string{n(uint64(mID)), "{id}", fmt.Sprintf("1 to %d", wire.DefaultConfig().Nodes), "1 to {nodes}"}},
		{"log_compacted", logFrom(mFirst - 1), []string{n(mFirst - 1), "{from}", n(mID), "n{id}", n(mFirst), "{first}", n(mCommit), "{commit}"}},
		{"log_past_commit", logFrom(mFrom), logMarks},
	}
	out := make([]Template, 0, len(cases))
	for _, c := range cases {
		if c.err == nil {
			return nil, fmt.Errorf("schemajs: error template %s: package wire accepted the call meant to fail", c.name)
		}
		text := c.err.Error()
		for i := 0; i+1 < len(c.marks); i += 2 {
			if !strings.Contains(text, c.marks[i]) {
				return nil, fmt.Errorf("schemajs: error template %s: %q does not hold the marker %q", c.name, text, c.marks[i])
			}
			text = strings.ReplaceAll(text, c.marks[i], c.marks[i+1])
		}
		out = append(out, Template{Name: c.name, Kind: string(wire.KindOf(c.err)), Text: text})
	}
	return out, nil
}

// configError is the error of the default configuration changed by edit.
func configError(edit func(*wire.Config)) error {
	c := wire.DefaultConfig()
	edit(&c)
	return c.Validate()
}

// seekError is the error of a seek past the horizon of a new cluster.
func seekError() error {
	c, err := sim.New(wire.DefaultConfig())
	if err != nil {
		return err
	}
	_, err = c.StartSeek(mSeek)
	return err
}

// realTimeWhy is why a real-time cluster refuses a deliver command.
func realTimeWhy() string {
	r, _ := wire.RuleOf(wire.CmdDeliver)
	return r.RealTime
}

// eventTemplates makes the texts of the events that record a command
// (wire.CommandEvent) as templates, in a fixed order: the fake engine
// records its commands in the same words.
func eventTemplates() ([]Template, error) {
	n := func(v any) string { return fmt.Sprint(v) }
	const a, b core.NodeID = 90031, 90032
	net := &wire.NetworkConfig{MinLatencyMS: 90033, MaxLatencyMS: 90034, DropRate: 900.35, DuplicateRate: 900.36, ReorderRate: 900.37}
	ids := []string{n(a), "{node}", n(b), "{peer}"}
	cases := []struct {
		name  string
		cmd   wire.Command
		marks []string
	}{
		{"console_set", wire.Command{Kind: wire.CmdSet, Key: "KEY_MARK", Value: "VALUE_MARK"}, []string{"KEY_MARK", "{key}", "VALUE_MARK", "{value}"}},
		{"console_read", wire.Command{Kind: wire.CmdGet, Key: "KEY_MARK"}, []string{"console: get", "console: {kind}", "KEY_MARK", "{key}"}},
		{"crash", wire.Command{Kind: wire.CmdCrash, Node: a}, ids},
		{"cut", wire.Command{Kind: wire.CmdCut, Node: a, Peer: b}, ids},
		{"cut_one_way", wire.Command{Kind: wire.CmdCut, Node: a, Peer: b, OneWay: true}, ids},
		{"heal", wire.Command{Kind: wire.CmdHeal, Node: a, Peer: b}, ids},
		{"heal_one_way", wire.Command{Kind: wire.CmdHeal, Node: a, Peer: b, OneWay: true}, ids},
		{"heal_all", wire.Command{Kind: wire.CmdHeal}, nil},
		{"isolate", wire.Command{Kind: wire.CmdIsolate, Node: a}, ids},
		{"campaign", wire.Command{Kind: wire.CmdCampaign, Node: a}, ids},
		{"transfer", wire.Command{Kind: wire.CmdTransfer, Node: a}, []string{n(a), "{node}", n(b), "{leader}"}},
		{"network", wire.Command{Kind: wire.CmdNetwork, Network: net}, []string{"90033", "{min}", "90034", "{max}", "90035", "{drop}", "90036", "{duplicate}", "90037", "{reorder}"}},
		{"reseed", wire.Command{Kind: wire.CmdReseed, Seed: 90043}, []string{"90043", "{seed}"}},
	}
	out := make([]Template, 0, len(cases))
	for _, c := range cases {
		ev, ok := wire.CommandEvent(c.cmd, b)
		if !ok {
			return nil, fmt.Errorf("schemajs: event template %s: wire.CommandEvent describes no %s command", c.name, c.cmd.Kind)
		}
		text := ev.Text
		for i := 0; i+1 < len(c.marks); i += 2 {
			if !strings.Contains(text, c.marks[i]) {
				if c.marks[i+1] == "{peer}" {
					continue // an event of one node names no peer
				}
				return nil, fmt.Errorf("schemajs: event template %s: %q does not hold the marker %q", c.name, text, c.marks[i])
			}
			text = strings.ReplaceAll(text, c.marks[i], c.marks[i+1])
		}
		out = append(out, Template{Name: c.name, Kind: string(ev.Kind), Text: text})
	}
	return out, nil
}

// argMarks are the invalid values an argument template is made with: a
// number below every range (each starts at 0 or more), and a word no
// field takes.
const (
	argNumberMark = "-90017"
	argWordMark   = `"WORD_MARK"`
)

// argTemplate makes the refusal of field a of a call of kind as a
// template, {value} where the value goes, by calling wire.CheckRequest
// with the field set to a marker and the call's other checked fields
// in range (their least value, or first word).
func argTemplate(kind wire.RequestKind, a wire.ArgRule) (Template, error) {
	r, _ := wire.RequestRuleOf(kind)
	fields := map[string]any{}
	for _, o := range r.AllArgs() {
		if len(o.Words) > 0 {
			fields[o.Name] = o.Words[0]
		} else {
			fields[o.Name] = o.Min
		}
	}
	mark := argNumberMark
	if len(a.Words) > 0 {
		mark = argWordMark
	}
	fields[a.Name] = json.RawMessage(mark)
	args, err := json.Marshal(fields)
	if err != nil {
		return Template{}, err
	}
	err = wire.CheckRequest(kind, args)
	if err == nil {
		return Template{}, fmt.Errorf("schemajs: %s.%s: package wire accepted %s", kind, a.Name, mark)
	}
	text := err.Error()
	if !strings.Contains(text, a.Name+" "+mark+" ") {
		return Template{}, fmt.Errorf("schemajs: %s.%s: %q does not refuse the field's marker %s", kind, a.Name, text, mark)
	}
	return Template{Name: a.Name, Kind: string(wire.KindOf(err)), Text: strings.Replace(text, a.Name+" "+mark+" ", a.Name+" {value} ", 1)}, nil
}

// frameFields are the fields of a frame call as wire.CheckRequest lists
// them in its refusal of an unknown one.
func frameFields() string {
	r, _ := wire.RequestRuleOf(wire.ReqFrame)
	return strings.Join(r.AllFields(), ", ")
}
