package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestLongTaskPhases checks the reading of Chrome's trace on a made-up one:
// only the main thread's tasks over 50 ms count, their parts are named and
// summed, and the page's stamps say what each task drew.
func TestLongTaskPhases(t *testing.T) {
	ev := func(name string, ts, dur float64, tid int) traceEvent {
		return traceEvent{Name: name, Ph: "X", Ts: ts, Dur: dur, Pid: 1, Tid: tid}
	}
	thread := func(tid int, name string) traceEvent {
		e := traceEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: tid}
		e.Args.Name = name
		return e
	}
	stamp := func(msg string, ts float64) traceEvent {
		e := traceEvent{Name: "TimeStamp", Ph: "I", Ts: ts, Pid: 1, Tid: 1}
		e.Args.Data.Message = msg
		return e
	}
	loop := ev("FunctionCall", 1_000, 20_000, 1)
	loop.Args.Data.FunctionName, loop.Args.Data.URL = "loop", "http://x/main.js"
	events := []traceEvent{
		thread(1, "CrRendererMain"), thread(2, "DedicatedWorker thread"),
		// A long task on the main thread: a frame drawing the event log.
		ev("RunTask", 0, 60_000, 1), ev("FireAnimationFrame", 500, 21_000, 1), loop,
		ev("Layout", 2_000, 5_000, 1), ev("Layout", 30_000, 10_000, 1), ev("Paint", 45_000, 8_000, 1),
		stamp("seshat stage", 1_500), stamp("seshat panel events", 1_600),
		// Short tasks, and a long one on another thread: not counted.
		ev("RunTask", 70_000, 40_000, 1), ev("Layout", 71_000, 30_000, 1),
		ev("RunTask", 0, 900_000, 2),
	}
	tasks, parts, during := longTaskPhases(events, 10)
	if !slices.Equal(tasks, []float64{60}) {
		t.Fatalf("tasks %v, want [60]", tasks)
	}
	want := []string{
		"FireAnimationFrame: 21 ms (1)", "FireAnimationFrame > script loop (main.js): 20 ms (1)",
		"(task itself: no traced part): 21 ms (1)", "Layout: 10 ms (1)", "Paint: 8 ms (1)",
	}
	for _, w := range want {
		if !slices.Contains(parts, w) {
			t.Errorf("parts lack %q: %s", w, strings.Join(parts, "; "))
		}
	}
	if len(parts) != len(want) {
		t.Errorf("parts %q, want %q (the Layout inside the script counted once, under it)", parts, want)
	}
	if !slices.Equal(during, []string{"stage + panel events: 1 tasks, 60 ms on average"}) {
		t.Errorf("during %q", during)
	}
}
