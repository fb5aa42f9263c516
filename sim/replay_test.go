package sim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// A session whose until is 1e12 ms made the worker spin for ever: it is
// refused before any replay work, naming the field, its value and the limit.
func TestImportRefusesUntilPastLimit(t *testing.T) {
	for _, until := range []int64{1e12, MaxSessionUntilMS + 1, -1} {
		_, err := Import(Session{Version: SessionVersion, Config: wire.DefaultConfig(), Until: until})
		if !errors.Is(err, wire.ErrBadSession) {
			t.Fatalf("until %d: err %v, want ErrBadSession", until, err)
		}
		for _, want := range []string{"until", fmt.Sprint(until), fmt.Sprint(int64(MaxSessionUntilMS))} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("until %d: error %q does not say %q", until, err, want)
			}
		}
	}
	if _, err := StartImport(Session{Version: SessionVersion, Config: wire.DefaultConfig(), Until: MaxSessionUntilMS}); err != nil {
		t.Fatalf("until at the limit: %v", err)
	}
}

// A million commands froze the worker: more than MaxSessionCommands are
// refused before any replay work.
func TestImportRefusesTooManyCommands(t *testing.T) {
	cmds := make([]wire.LoggedCommand, MaxSessionCommands+1)
	for i := range cmds {
		cmds[i] = wire.LoggedCommand{Step: uint64(i), At: int64(i), Command: wire.Command{Kind: "heal"}}
	}
	_, err := StartImport(Session{Version: SessionVersion, Config: wire.DefaultConfig(), Commands: cmds, Until: int64(len(cmds))})
	if !errors.Is(err, wire.ErrBadSession) {
		t.Fatalf("err %v, want ErrBadSession", err)
	}
	for _, want := range []string{"commands", fmt.Sprint(MaxSessionCommands + 1), fmt.Sprint(MaxSessionCommands)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A command placed after more events than an import may replay is refused
// before any work.
func TestImportRefusesCommandPastEventsLimit(t *testing.T) {
	cmds := []wire.LoggedCommand{{Step: MaxSessionEvents + 1, At: 10, Command: wire.Command{Kind: "heal"}}}
	_, err := StartImport(Session{Version: SessionVersion, Config: wire.DefaultConfig(), Commands: cmds, Until: 100})
	if !errors.Is(err, wire.ErrBadSession) || !strings.Contains(err.Error(), fmt.Sprint(MaxSessionEvents)) {
		t.Fatalf("err %v, want ErrBadSession naming %d", err, MaxSessionEvents)
	}
}

// An 88 MB JSON array froze the page before its error: a session larger
// than MaxSessionBytes is refused before it is parsed.
func TestUnmarshalSessionRefusesTooManyBytes(t *testing.T) {
	data := append([]byte("["), bytes.Repeat([]byte("0,"), MaxSessionBytes/2)...)
	data = append(data, '0', ']')
	_, err := UnmarshalSession(data)
	if !errors.Is(err, wire.ErrBadSession) {
		t.Fatalf("err %v, want ErrBadSession", err)
	}
	for _, want := range []string{fmt.Sprint(len(data)), fmt.Sprint(MaxSessionBytes)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A replay run in small slices ends where Import ends, and reports its
// progress as it goes.
func TestReplayInSlicesMatchesImport(t *testing.T) {
	c := longRun(t, 2)
	s := c.Export()
	want, err := Import(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := StartImport(s)
	if err != nil {
		t.Fatal(err)
	}
	var last int64 = -1
	slices := 0
	for {
		done, err := r.Run(500)
		if err != nil {
			t.Fatal(err)
		}
		p := r.Progress()
		if p.At < last || p.Until != s.Until {
			t.Fatalf("progress %+v after %d ms", p, last)
		}
		last = p.At
		slices++
		if done {
			break
		}
	}
	if slices < 10 {
		t.Fatalf("only %d slices: the test does not slice", slices)
	}
	got := r.Cluster()
	if got.TraceHash() != want.TraceHash() || got.Now() != want.Now() || got.Steps() != want.Steps() {
		t.Fatalf("sliced replay: hash %x now %d steps %d; Import: %x %d %d", got.TraceHash(), got.Now(), got.Steps(), want.TraceHash(), want.Now(), want.Steps())
	}
}

// A seek back stopped half-way leaves the cluster between the checkpoint it
// started from and its target, and a later seek still works.
func TestSeekStoppedHalfWay(t *testing.T) {
	c := longRun(t, 2)
	end := c.Horizon()
	r, err := c.StartSeek(end - 1000)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := r.Run(300); done || err != nil {
		t.Fatalf("first slice: done %v err %v; want more to do", done, err)
	}
	if p := r.Progress(); p.At < p.From || p.At >= end-1000 || p.At != c.Now() {
		t.Fatalf("progress %+v, now %d: want from <= at < %d", p, c.Now(), end-1000)
	}
	if err := c.SeekTo(end); err != nil {
		t.Fatal(err)
	}
	if c.Now() != end {
		t.Fatalf("now %d, want %d", c.Now(), end)
	}
}

// A live session takes no more commands than an import accepts.
func TestApplyStopsAtTheCommandsLimit(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes = 1
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxSessionCommands; i++ {
		if err := c.Apply(wire.Command{Kind: wire.CmdHeal}); err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	err = c.Apply(wire.Command{Kind: wire.CmdHeal})
	if !errors.Is(err, wire.ErrImpossible) || !strings.Contains(err.Error(), fmt.Sprint(MaxSessionCommands)) {
		t.Fatalf("one more: %v", err)
	}
	if _, err := StartImport(c.Export()); err != nil {
		t.Fatalf("the session at the limit does not import: %v", err)
	}
}
