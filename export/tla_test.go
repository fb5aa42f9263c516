package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// tlaStep is a command applied at a virtual time; Node 0 with CmdIsolate
// or CmdCrash picks the leader of the moment, with CmdRestart the node
// crashed last.
type tlaStep struct {
	at  int64
	cmd wire.Command
}

// tlaSession runs cfg with steps and returns the session, to replay.
func tlaSession(t testing.TB, cfg wire.Config, until int64, steps ...tlaStep) sim.Session {
	t.Helper()
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var crashed core.NodeID
	for _, s := range steps {
		if err := c.RunUntil(s.at); err != nil {
			t.Fatal(err)
		}
		if s.cmd.Node == 0 && (s.cmd.Kind == wire.CmdIsolate || s.cmd.Kind == wire.CmdCrash) {
			for _, n := range c.View(0).Nodes {
				if n.Up && n.Role == core.RoleLeader {
					s.cmd.Node = n.ID
				}
			}
		}
		if s.cmd.Kind == wire.CmdRestart && s.cmd.Node == 0 {
			s.cmd.Node = crashed
		}
		if s.cmd.Kind == wire.CmdCrash {
			crashed = s.cmd.Node
		}
		if err := c.Apply(s.cmd); err != nil {
			t.Fatalf("%v: %v", s.cmd, err)
		}
	}
	if err := c.RunUntil(until); err != nil {
		t.Fatal(err)
	}
	return c.Export()
}

func tlaConfig(seed uint64, nodes int) wire.Config {
	cfg := wire.DefaultConfig()
	cfg.Nodes = nodes
	cfg.Seed = seed
	cfg.Clients.Count = 0
	return cfg
}

// tlaSessions are the runs the TLA+ exporter is checked on: an election,
// writes, a partition and its heal, a crash and restart, snapshots sent to
// a follower that fell behind, membership changes (an added voter, a
// replacement through a joint configuration, a removal), pre-vote and
// check-quorum, a leadership transfer.
func tlaSessions(t testing.TB) map[string]sim.Session {
	t.Helper()
	out := map[string]sim.Session{}
	out["election"] = tlaSession(t, tlaConfig(1, 3), 1500)

	writes := tlaConfig(2, 3)
	writes.Clients.Count = 2
	out["writes"] = tlaSession(t, writes, 2500,
		tlaStep{1000, wire.Command{Kind: wire.CmdSet, Key: "x", Value: "1"}},
		tlaStep{1100, wire.Command{Kind: wire.CmdGet, Key: "x"}})

	part := tlaConfig(3, 5)
	part.Clients.Count = 1
	out["partition"] = tlaSession(t, part, 6000,
		tlaStep{1500, wire.Command{Kind: wire.CmdIsolate}},
		tlaStep{1600, wire.Command{Kind: wire.CmdSet, Key: "k", Value: "v"}},
		tlaStep{3500, wire.Command{Kind: wire.CmdPartition, Groups: [][]core.NodeID{{1, 2}, {3, 4, 5}}}},
		tlaStep{4500, wire.Command{Kind: wire.CmdHeal}})

	crash := tlaConfig(4, 3)
	crash.Clients.Count = 1
	out["crash-restart"] = tlaSession(t, crash, 5000,
		tlaStep{1500, wire.Command{Kind: wire.CmdCrash}},
		tlaStep{3000, wire.Command{Kind: wire.CmdRestart, Node: 0}})

	snap := tlaConfig(5, 3)
	snap.Clients.Count = 3
	snap.Raft.SnapshotIntervalEntries = 5
	snap.Raft.SnapshotCatchupEntries = 1
	out["snapshot"] = tlaSession(t, snap, 7000,
		tlaStep{1200, wire.Command{Kind: wire.CmdCrash, Node: 3}},
		tlaStep{4500, wire.Command{Kind: wire.CmdRestart, Node: 3}})

	member := tlaConfig(6, 3)
	member.Clients.Count = 1
	out["membership"] = tlaSession(t, member, 8000,
		tlaStep{1500, wire.Command{Kind: wire.CmdAddNode}},
		tlaStep{3000, wire.Command{Kind: wire.CmdReplace, Node: 2}},
		tlaStep{5000, wire.Command{Kind: wire.CmdRemoveNode, Node: 3}})

	pv := tlaConfig(7, 3)
	pv.Clients.Count = 1
	pv.Raft.PreVote, pv.Raft.CheckQuorum = true, true
	out["prevote-checkquorum"] = tlaSession(t, pv, 6000,
		tlaStep{1500, wire.Command{Kind: wire.CmdIsolate}},
		tlaStep{3500, wire.Command{Kind: wire.CmdHeal}},
		tlaStep{4500, wire.Command{Kind: wire.CmdTransfer, Node: 1}})
	return out
}

// tlaLines is each event as etcd's encoding/json writes it.
func tlaLines(t testing.TB, events []TLAEvent) []string {
	t.Helper()
	out := make([]string, len(events))
	for i := range events {
		b, err := json.Marshal(&events[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out
}

// tlaRequired are the event fields Traceetcdraft.tla reads of every line.
var tlaRequired = []string{"name", "nid", "state", "role", "log", "conf"}

func TestTLAOutputIsNDJSONTraceetcdraftReads(t *testing.T) {
	for name, s := range tlaSessions(t) {
		var buf bytes.Buffer
		if err := WriteSession(&buf, s, FormatTLA, ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) < 20 {
			t.Fatalf("%s: %d lines", name, len(lines))
		}
		names := map[string]int{}
		prevTS := ""
		for i, line := range lines {
			var l struct {
				TS    json.Number                `json:"ts"`
				Tag   string                     `json:"tag"`
				Event map[string]json.RawMessage `json:"event"`
			}
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber()
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("%s line %d: %v: %s", name, i+1, err, line)
			}
			if l.Tag != "trace" {
				t.Fatalf("%s line %d: tag %q", name, i+1, l.Tag)
			}
			// validate.sh sorts by the text after the second colon: the ts.
			third := strings.SplitN(line, ":", 3)[2]
			if third <= prevTS {
				t.Fatalf("%s line %d: sorts before the line above: %s", name, i+1, line)
			}
			prevTS = third
			for _, f := range tlaRequired {
				if _, ok := l.Event[f]; !ok {
					t.Fatalf("%s line %d: no event.%s: %s", name, i+1, f, line)
				}
			}
			var ev TLAEvent
			if err := json.Unmarshal(mustJSON(t, l.Event), &ev); err != nil {
				t.Fatal(err)
			}
			names[ev.Name]++
			// conf is two lists, never null (a joining node's are empty).
			if string(l.Event["conf"]) == "null" || ev.Conf[0] == nil || ev.Conf[1] == nil {
				t.Fatalf("%s line %d: conf %s", name, i+1, l.Event["conf"])
			}
			if strings.HasPrefix(ev.Name, "Send") || strings.HasPrefix(ev.Name, "Receive") {
				if ev.Message == nil {
					t.Fatalf("%s line %d: %s without msg", name, i+1, ev.Name)
				}
			}
		}
		if names[rsmInitState] == 0 || names[rsmBecomeLeader] == 0 || names[rsmSendAppendEntriesRequest] == 0 {
			t.Errorf("%s: events %v", name, names)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTLATraceDeterministic(t *testing.T) {
	s := tlaSessions(t)["crash-restart"]
	a, err := TLATrace(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TLATrace(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := tlaDiff(tlaLines(t, a), tlaLines(t, b)); diff != "" {
		t.Fatal(diff)
	}
}

func TestTLABadSession(t *testing.T) {
	s := tlaSessions(t)["election"]
	s.Config.Nodes = 0
	if _, err := TLATrace(s); !errors.Is(err, wire.ErrBadSession) {
		t.Fatalf("err = %v, want wire.ErrBadSession", err)
	}
	s = tlaSessions(t)["election"]
	s.Until = -5
	var buf bytes.Buffer
	if err := WriteSession(&buf, s, FormatTLA, ""); err == nil {
		t.Fatal("a negative horizon was exported")
	}
}

// tlaDiff describes the first difference between two traces, or "".
func tlaDiff(want, got []string) string {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			var b strings.Builder
			for j := max(0, i-3); j < i; j++ {
				b.WriteString("  same " + want[j] + "\n")
			}
			b.WriteString("  etcd " + want[i] + "\n  ours " + got[i])
			return "event " + itoa(i+1) + " differs:\n" + b.String()
		}
	}
	if len(want) != len(got) {
		return "etcd wrote " + itoa(len(want)) + " events, ours " + itoa(len(got))
	}
	return ""
}

func itoa(i int) string { return jsonInt(i) }

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

// Another etcd Raft, whose RawNode lacks a field the tracer reads, is an
// error naming the field, not a panic.
func TestTLARaftInternalsMissing(t *testing.T) {
	var rr rawReader
	v := rr.field(reflect.ValueOf(struct{ A int }{}), "msgs")
	if v.IsValid() || !errors.Is(rr.err, ErrRaftInternals) || !strings.Contains(rr.err.Error(), "msgs") {
		t.Fatalf("value %v, err %v", v, rr.err)
	}
	if got := rr.messages(rr.field(v, "x")); got != nil {
		t.Fatalf("messages of nothing: %v", got)
	}
}
