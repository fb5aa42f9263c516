package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// validateTrace checks data against the trace-event format's rules, as far
// as WriteChromeTrace uses it: a JSON object with traceEvents and
// displayTimeUnit; every event has name, ph, ts, pid and tid; ph is one of
// the format's phases; "X" has dur >= 0; "i" has a scope; every flow "s"
// has exactly one "f" with its id, at the same time or later, and every
// "f" its "s". It returns the events by phase.
func validateTrace(data []byte) (map[string][]map[string]any, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	var unit string
	if err := json.Unmarshal(top["displayTimeUnit"], &unit); err != nil || (unit != "ms" && unit != "ns") {
		return nil, fmt.Errorf("displayTimeUnit is %s, want \"ms\" or \"ns\"", top["displayTimeUnit"])
	}
	var events []map[string]any
	dec := json.NewDecoder(bytes.NewReader(top["traceEvents"]))
	dec.UseNumber()
	if err := dec.Decode(&events); err != nil {
		return nil, fmt.Errorf("traceEvents: %w", err)
	}
	phases := map[string]bool{"B": true, "E": true, "X": true, "i": true, "I": true, "C": true, "b": true, "n": true, "e": true,
		"s": true, "t": true, "f": true, "P": true, "N": true, "O": true, "D": true, "M": true, "V": true, "v": true, "R": true, "c": true}
	byPh := map[string][]map[string]any{}
	starts := map[string]float64{}
	ends := map[string]float64{}
	for i, e := range events {
		for _, f := range []string{"name", "ph", "ts", "pid", "tid"} {
			if _, ok := e[f]; !ok {
				return nil, fmt.Errorf("event %d (%v) has no %s", i, e, f)
			}
		}
		ph, _ := e["ph"].(string)
		if !phases[ph] {
			return nil, fmt.Errorf("event %d has ph %q", i, e["ph"])
		}
		ts, err := e["ts"].(json.Number).Float64()
		if err != nil {
			return nil, fmt.Errorf("event %d: ts %v", i, e["ts"])
		}
		byPh[ph] = append(byPh[ph], e)
		switch ph {
		case "X":
			d, ok := e["dur"].(json.Number)
			if v, err := d.Float64(); !ok || err != nil || v < 0 {
				return nil, fmt.Errorf("event %d: X with dur %v", i, e["dur"])
			}
		case "i":
			if s := e["s"]; s != "t" && s != "p" && s != "g" {
				return nil, fmt.Errorf("event %d: instant with scope %v", i, s)
			}
		case "s", "f":
			id, ok := e["id"].(string)
			if !ok || id == "" {
				return nil, fmt.Errorf("event %d: flow with id %v", i, e["id"])
			}
			m := starts
			if ph == "f" {
				m = ends
				if e["bp"] != "e" {
					return nil, fmt.Errorf("event %d: flow end with bp %v", i, e["bp"])
				}
			}
			if _, dup := m[id]; dup {
				return nil, fmt.Errorf("event %d: a second %q with id %s", i, ph, id)
			}
			m[id] = ts
		}
	}
	for id, ts := range starts {
		te, ok := ends[id]
		if !ok {
			return nil, fmt.Errorf("flow %s starts and never ends", id)
		}
		if te < ts {
			return nil, fmt.Errorf("flow %s ends at %v before it starts at %v", id, te, ts)
		}
	}
	for id := range ends {
		if _, ok := starts[id]; !ok {
			return nil, fmt.Errorf("flow %s ends and never starts", id)
		}
	}
	return byPh, nil
}

// TestChromeTraceValid: the trace of a run with faults is valid trace-event
// JSON, with one named track per node and the network, an arrow per
// delivered message, an instant per notable event, and role slices on
// every node.
func TestChromeTraceValid(t *testing.T) {
	c := testRun(t)
	events := c.Events(0)
	var buf bytes.Buffer
	if err := WriteChromeTrace(&buf, events, testNodes); err != nil {
		t.Fatal(err)
	}
	byPh, err := validateTrace(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	sends := map[uint64]bool{}
	wflows, winstants := 0, 0
	for _, e := range events {
		switch {
		case e.Kind == wire.EvSend || e.Kind == wire.EvDuplicate:
			sends[e.Msg] = true
		case e.Kind == wire.EvDeliver && sends[e.Msg]:
			wflows++
		}
		if InstantKind(e.Kind) {
			winstants++
		}
	}
	if wflows == 0 || len(byPh["s"]) != wflows || len(byPh["f"]) != wflows {
		t.Errorf("%d flow starts and %d ends, want %d of each (one per delivered message)", len(byPh["s"]), len(byPh["f"]), wflows)
	}
	if len(byPh["i"]) != winstants {
		t.Errorf("%d instants, want %d", len(byPh["i"]), winstants)
	}
	names := map[float64]string{}
	for _, m := range byPh["M"] {
		if m["name"] == "thread_name" {
			tid, _ := m["tid"].(json.Number).Float64()
			names[tid] = m["args"].(map[string]any)["name"].(string)
		}
	}
	if fmt.Sprint(names) != "map[0:network 1:n1 2:n2 3:n3]" {
		t.Errorf("tracks %v", names)
	}
	slices := map[string]int{}
	down := 0
	for _, x := range byPh["X"] {
		slices[fmt.Sprint(x["tid"])]++
		if x["name"] == "down" {
			down++
		}
	}
	if len(slices) != testNodes || down != 1 {
		t.Errorf("role slices by track %v with %d down, want slices on each of %d nodes and one down", slices, down, testNodes)
	}
	t.Logf("%d events: %d flows, %d instants, %d slices", len(events), wflows, winstants, len(byPh["X"]))
}

// TestChromeTraceValidatorCatchesPlantedBugs: the validator refuses a
// flow whose end has another id, one that ends before it starts, a slice
// of negative duration and an event without a tid.
func TestChromeTraceValidatorCatchesPlantedBugs(t *testing.T) {
	ok := `{"name":"x","ph":"X","ts":0,"dur":1,"pid":1,"tid":1}`
	for name, evs := range map[string]string{
		"flow ids differ":   `{"name":"m","ph":"s","ts":1,"pid":1,"tid":1,"id":"m1"},{"name":"m","ph":"f","bp":"e","ts":2,"pid":1,"tid":2,"id":"m2"}`,
		"flow back in time": `{"name":"m","ph":"s","ts":5,"pid":1,"tid":1,"id":"m1"},{"name":"m","ph":"f","bp":"e","ts":2,"pid":1,"tid":2,"id":"m1"}`,
		"negative dur":      `{"name":"x","ph":"X","ts":0,"dur":-1,"pid":1,"tid":1}`,
		"no tid":            `{"name":"x","ph":"i","s":"t","ts":0,"pid":1}`,
		"bad phase":         `{"name":"x","ph":"Q","ts":0,"pid":1,"tid":1}`,
	} {
		data := []byte(`{"displayTimeUnit":"ms","traceEvents":[` + ok + "," + evs + `]}`)
		if _, err := validateTrace(data); err == nil {
			t.Errorf("%s: the validator accepts it", name)
		}
	}
	if _, err := validateTrace([]byte(`{"displayTimeUnit":"ms","traceEvents":[` + ok + `]}`)); err != nil {
		t.Errorf("a valid trace: %v", err)
	}
}

// TestChromeTraceDeterministic: the same run gives the same bytes.
func TestChromeTraceDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteChromeTrace(&a, testRun(t).Events(0), testNodes); err != nil {
		t.Fatal(err)
	}
	if err := WriteChromeTrace(&b, testRun(t).Events(0), testNodes); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs of one session give different traces")
	}
}

// TestChromeTraceUnpairedMessages: a message whose send is not in the
// events (kept trace starts after it) or that was never delivered has no
// arrow; a node past nodes named in an event gets its track.
func TestChromeTraceUnpairedMessages(t *testing.T) {
	events := []wire.Event{
		{Seq: 1, At: 1, Kind: wire.EvDeliver, Node: 2, Peer: 1, Msg: 7, Type: "MsgApp"},
		{Seq: 2, At: 2, Kind: wire.EvSend, Node: 1, Peer: 4, Msg: 8, Type: "MsgApp"},
		{Seq: 3, At: 3, Kind: wire.EvSend, Node: 1, Peer: 2, Msg: 9, Type: "MsgApp"},
		{Seq: 4, At: 5, Kind: wire.EvDeliver, Node: 2, Peer: 1, Msg: 9, Type: "MsgApp"},
	}
	var buf bytes.Buffer
	if err := WriteChromeTrace(&buf, events, 3); err != nil {
		t.Fatal(err)
	}
	byPh, err := validateTrace(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(byPh["s"]) != 1 || byPh["s"][0]["id"] != "m9" || byPh["f"][0]["ts"] != json.Number("5000") {
		t.Errorf("flows %v %v, want one, m9, ending at 5000 µs", byPh["s"], byPh["f"])
	}
	threads := 0
	for _, m := range byPh["M"] {
		if m["name"] == "thread_name" {
			threads++
		}
	}
	if threads != 5 {
		t.Errorf("%d tracks, want the network and n1..n4", threads)
	}
}
