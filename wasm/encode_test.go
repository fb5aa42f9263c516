package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestFrameCacheWritesWhatEncodingJSONWrites runs a cluster through what
// changes log entries and messages in flight between frames (a partitioned
// leader whose entries are overwritten, crashes and restarts, manual
// delivery held and let go, dropped and duplicated messages, lost
// messages, keys and values that need escaping, other log windows, a
// seek, a new cluster) and checks that every frame's answer, written by
// the engine's frameCache from what it wrote before, is byte for byte what
// encoding/json writes for the same frame from scratch.
//
// Planted bugs it catches (each tried by hand): reusing a log entry found
// by its index alone (not ==: the entries the partitioned leader took are
// overwritten at the same indexes), a span off by one, the copy of the
// last answer not kept, reusing a message in flight found by its id alone
// (not ==: held messages get delivery times), a message's span off by one.
func TestFrameCacheWritesWhatEncodingJSONWrites(t *testing.T) {
	e := &Engine{}
	reused := 0
	check := func(op, args string) {
		t.Helper()
		res, err := e.call(op, []byte(args))
		if err != nil {
			t.Fatalf("%s %s: %v", op, args, err)
		}
		f, ok := res.(Frame)
		if !ok {
			t.Fatalf("%s %s answered %T, not a Frame", op, args, res)
		}
		want := encode(answer{OK: true, Result: f})
		before := len(e.frames.buf)
		got := e.frames.answer(f)
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("%s %s: the cached answer differs from encoding/json's at byte %d:\n got %s\nwant %s", op, args, i, excerpt(got, i), excerpt(want, i))
		}
		if before > 0 {
			reused++
		}
	}
	frames := func(n int, args string) {
		t.Helper()
		for range n {
			check("frame", args)
		}
	}
	check("create", `{"nodes": 5, "seed": 7, "network": {"min_latency_ms": 20, "max_latency_ms": 60, "drop_rate": 0.05, "duplicate_rate": 0.05}, "clients": {"count": 4, "rate_per_sec": 20, "keys": 4}}`)
	frames(30, `{"advance_ms": 100, "log_window": 30}`)
	leader := leaderOf(frameOf(t, reply{OK: true, Result: mustResult(t, e.frames.buf)}))
	if leader == 0 {
		t.Fatal("no leader after 3 s")
	}
	// The leader alone takes writes it cannot commit; the majority elects
	// another, whose entries overwrite them when the partition heals.
	others := []string{}
	for id := 1; id <= 5; id++ {
		if id != int(leader) {
			others = append(others, fmt.Sprint(id))
		}
	}
	check("command", fmt.Sprintf(`{"kind": "partition", "groups": [[%d], [%s]]}`, leader, strings.Join(others, ", ")))
	check("command", fmt.Sprintf(`{"kind": "set", "key": "<a&b>", "value": "\"q\" \\ é… \u2028", "node": %d}`, leader))
	frames(20, `{"advance_ms": 100}`)
	check("command", `{"kind": "heal"}`)
	frames(20, `{"advance_ms": 100, "events": "notable"}`)
	check("command", `{"kind": "set", "key": "tab\tkey", "value": "<script>&amp;"}`)
	frames(10, `{"advance_ms": 100, "log_window": 7}`)
	crashed := leaderOf(frameOf(t, reply{OK: true, Result: mustResult(t, e.frames.buf)}))
	check("command", fmt.Sprintf(`{"kind": "crash", "node": %d}`, crashed))
	frames(20, `{"advance_ms": 100, "log_window": 12}`)
	check("command", `{"kind": "manual", "on": true}`)
	frames(5, `{"advance_ms": 100}`)
	for _, kind := range []string{"deliver", "drop", "duplicate"} {
		f := frameOf(t, reply{OK: true, Result: mustResult(t, e.frames.buf)})
		if len(f.View.Messages) == 0 {
			t.Fatal("manual delivery holds no messages")
		}
		check("command", fmt.Sprintf(`{"kind": %q, "msg": %d}`, kind, f.View.Messages[len(f.View.Messages)/2].ID))
		check("step", `{"n": 3}`)
	}
	check("command", `{"kind": "manual", "on": false}`) // held messages get delivery times
	frames(10, `{"advance_ms": 50}`)
	check("command", fmt.Sprintf(`{"kind": "restart", "node": %d}`, crashed))
	frames(30, `{"advance_ms": 100, "log_window": 40}`)
	check("next", `{}`)
	check("seek", `{"t": 2500}`)
	frames(10, `{"advance_ms": 100}`)
	check("create", `{"nodes": 3, "seed": 7, "clients": {"count": 2, "rate_per_sec": 10}}`) // same ids, other entries
	frames(20, `{"advance_ms": 100}`)
	if reused < 150 {
		t.Fatalf("only %d answers were written from a previous one", reused)
	}
}

// mustResult returns the result of a JSON answer.
func mustResult(t *testing.T, answer []byte) []byte {
	t.Helper()
	var r reply
	if err := json.Unmarshal(answer, &r); err != nil || !r.OK {
		t.Fatalf("not an answer: %v %s", err, excerpt(answer, 0))
	}
	return r.Result
}

// excerpt is b around byte i.
func excerpt(b []byte, i int) string {
	lo, hi := max(i-80, 0), min(i+80, len(b))
	return string(b[lo:hi])
}
