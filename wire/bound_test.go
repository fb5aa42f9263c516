package wire_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/statemachine"
	"github.com/seshat-raft/seshat/wire"
)

// storeOf returns a state machine holding n keys k0000.. with values of
// valueBytes bytes.
func storeOf(t *testing.T, n, valueBytes int) *statemachine.StateMachine {
	t.Helper()
	sm := statemachine.New()
	for i := range n {
		op := statemachine.Set(fmt.Sprintf("k%04d", i), strings.Repeat("v", valueBytes))
		idx := uint64(i + 1)
		e := &pb.Entry{Term: new(uint64(1)), Index: &idx, Type: pb.EntryNormal.Enum(), Data: op.Encode()}
		if _, ok, err := sm.Apply(e); err != nil || !ok {
			t.Fatalf("apply %d: %v", i, err)
		}
	}
	return sm
}

func TestKVPagePagesAndCutsValues(t *testing.T) {
	sm := storeOf(t, 120, 300)
	v := wire.KVPage(sm, "", wire.DefaultKVLimit)
	if v.Count != 120 || len(v.Pairs) != wire.DefaultKVLimit || v.Next != "k0050" || v.From != "" || len(v.Digest) != 16 {
		t.Fatalf("first page: count %d, %d pairs, next %q, digest %q", v.Count, len(v.Pairs), v.Next, v.Digest)
	}
	if p := v.Pairs[0]; p.Key != "k0000" || len(p.Value) != wire.MaxKVBytes || !p.Cut {
		t.Fatalf("first pair %+v: want k0000 with its 300-byte value cut at %d", p, wire.MaxKVBytes)
	}
	last := wire.KVPage(sm, "k0100", wire.DefaultKVLimit)
	if len(last.Pairs) != 20 || last.Next != "" || last.Pairs[0].Key != "k0100" {
		t.Fatalf("last page: %d pairs from %q, next %q", len(last.Pairs), last.Pairs[0].Key, last.Next)
	}
	// The same page over a published sorted copy is the same.
	if got := wire.KVPageOf(sm.Pairs(), sm.DataDigest(), "k0100", wire.DefaultKVLimit); fmt.Sprint(got) != fmt.Sprint(last) {
		t.Fatalf("KVPageOf = %+v, KVPage = %+v", got, last)
	}
	// Equal stores, equal digests; a different store, another digest.
	if other := storeOf(t, 120, 300); wire.KVPage(other, "", 1).Digest != v.Digest {
		t.Fatal("equal stores show different digests")
	}
	if wire.KVPage(storeOf(t, 119, 300), "", 1).Digest == v.Digest {
		t.Fatal("different stores show equal digests")
	}
}

func TestViewOptionsCheckNamesWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		o    wire.ViewOptions
		want string
	}{
		{wire.ViewOptions{KVLimit: wire.MaxKVLimit + 1}, "kv_limit 501 is out of range"},
		{wire.ViewOptions{KVLimit: -1}, "kv_limit -1 is out of range"},
		{wire.ViewOptions{LogWindow: wire.MaxLogWindow + 1}, "log_window 1001 is out of range"},
		{wire.ViewOptions{KVFrom: strings.Repeat("k", 5000)}, "kv_from is 5000 bytes"},
	} {
		if err := tc.o.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
	if err := (wire.ViewOptions{LogWindow: wire.MaxLogWindow, KVLimit: wire.MaxKVLimit, KVFrom: "k"}).Check(); err != nil {
		t.Errorf("the largest options are refused: %v", err)
	}
}

func TestCutTextBoundsTexts(t *testing.T) {
	if s := wire.CutText(strings.Repeat("é", 1000)); len(s) > wire.MaxTextBytes || !strings.HasSuffix(s, "…") || !strings.HasPrefix(s, "éé") {
		t.Fatalf("cut text is %d bytes: %q...", len(s), s[:10])
	}
	if s := wire.CutText("short"); s != "short" {
		t.Fatalf("CutText(short) = %q", s)
	}
}

func TestBoundFrameTrimsEventsThenLogsThenKeys(t *testing.T) {
	nodes := make([]wire.NodeView, 3)
	for i := range nodes {
		nodes[i].Log = make([]wire.EntryView, 1000)
		for j := range nodes[i].Log {
			nodes[i].Log[j] = wire.EntryView{Index: 1, Op: strings.Repeat("o", 900)}
		}
		nodes[i].KV = wire.KVPage(storeOf(t, 500, 256), "", wire.MaxKVLimit)
	}
	events := make([]wire.Event, 5000)
	for i := range events {
		events[i] = wire.Event{Seq: uint64(i + 1), Text: strings.Repeat("e", 500)}
	}
	f := wire.Frame{View: wire.View{Nodes: nodes}, Events: events}
	size := wire.BoundFrame(&f, wire.FrameBudget)
	b, _ := json.Marshal(f)
	if size != len(b) || len(b) > wire.FrameBudget || !f.Trimmed {
		t.Fatalf("bounded frame: reported %d, JSON %d bytes (budget %d), trimmed %v", size, len(b), wire.FrameBudget, f.Trimmed)
	}
	if len(f.Events) != 0 {
		t.Fatalf("%d events kept although log windows were trimmed", len(f.Events))
	}
	n := f.View.Nodes[0]
	if len(n.Log) == 1000 || n.LogOmitted != 1000-len(n.Log) {
		t.Fatalf("log window %d entries, %d omitted", len(n.Log), n.LogOmitted)
	}
	// A small frame is left alone.
	small := wire.Frame{View: wire.View{Nodes: []wire.NodeView{{KV: wire.EmptyKV("")}}}, Events: events[:2]}
	wire.BoundFrame(&small, wire.FrameBudget)
	if small.Trimmed || len(small.Events) != 2 {
		t.Fatalf("a small frame was trimmed: %+v", small)
	}
	// Keys go last: with events and logs gone, the page shrinks and Next
	// says where the rest starts.
	keys := wire.Frame{View: wire.View{Nodes: []wire.NodeView{{KV: wire.KVPage(storeOf(t, 500, 256), "", wire.MaxKVLimit)}}}}
	wire.BoundFrame(&keys, 40<<10)
	kv := keys.View.Nodes[0].KV
	if !keys.Trimmed || len(kv.Pairs) >= wire.MaxKVLimit || kv.Next != fmt.Sprintf("k%04d", len(kv.Pairs)) || kv.Count != 500 {
		t.Fatalf("trimmed page: %d pairs, next %q, count %d", len(kv.Pairs), kv.Next, kv.Count)
	}
}

// TestSizeBoundIsAnUpperBound checks that the estimate BoundFrame trusts
// to skip encoding is never below the real size, on frames of a real run.
func TestSizeBoundIsAnUpperBound(t *testing.T) {
	c, err := sim.New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for range 400 {
		if _, err := c.Step(); err != nil {
			t.Fatal(err)
		}
	}
	f := wire.Frame{View: c.ViewWith(wire.ViewOptions{}), Events: c.EventsFiltered(0, false, 0)}
	f.Events = append(f.Events, wire.Event{Kind: wire.EvCommand, Type: "\x00<>&", Text: strings.Repeat("\xff<", 300)})
	f.View.Nodes[0].KV.Pairs = append(f.View.Nodes[0].KV.Pairs, wire.KVPair{Key: "\x01\x02", Value: "\"\\"})
	b, err := json.Marshal(f)
	if err != nil || len(f.Events) < 50 || len(f.View.Messages) == 0 {
		t.Fatalf("%d events, %d messages, %v", len(f.Events), len(f.View.Messages), err)
	}
	if got := wire.SizeBound(&f); got < len(b) {
		t.Fatalf("sizeBound %d < JSON %d bytes", got, len(b))
	}
	if got := wire.BoundFrame(&f, wire.FrameBudget); got < len(b) || f.Trimmed {
		t.Fatalf("BoundFrame of a small frame = %d, trimmed %v", got, f.Trimmed)
	}
}

// TestFormatDigestIsPaddedHex checks FormatDigest against fmt's %016x.
func TestFormatDigestIsPaddedHex(t *testing.T) {
	for _, d := range []uint64{0, 1, 0xf, 0xabc, 1 << 63, ^uint64(0), 0x0123456789abcdef, 0xfedcba9876543210} {
		if got, want := wire.FormatDigest(d), fmt.Sprintf("%016x", d); got != want {
			t.Errorf("FormatDigest(%#x) = %q, want %q", d, got, want)
		}
	}
}
