package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// traceEvent is one event of Chrome's trace (the JSON trace event format:
// times in microseconds).
type traceEvent struct {
	Name string  `json:"name"`
	Ph   string  `json:"ph"`
	Ts   float64 `json:"ts"`
	Dur  float64 `json:"dur"`
	Pid  int     `json:"pid"`
	Tid  int     `json:"tid"`
	Args struct {
		Name string `json:"name"` // a thread_name metadata event's
		Data struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
			Type         string `json:"type"`
			Message      string `json:"message"` // a TimeStamp's
		} `json:"data"`
	} `json:"args"`
}

// traceCategories are what the DevTools Performance panel records of the
// main thread: its tasks, the scripts, style, layout, paint and GC in them.
var traceCategories = []string{"toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute"}

// tracer records Chrome's trace of a page, one window at a time.
type tracer struct {
	p        *page
	mu       sync.Mutex
	on       bool
	events   []traceEvent
	raw      [][]byte // the events as Chrome sent them
	bad      int      // events that did not decode
	complete chan bool
}

// newTracer listens to the page's trace events (once per page).
func newTracer(p *page) *tracer {
	tr := &tracer{p: p, complete: make(chan bool, 1)}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if !tr.on {
				return
			}
			for _, v := range e.Value {
				var te traceEvent
				if json.Unmarshal(v, &te) != nil {
					tr.bad++
					continue
				}
				tr.events = append(tr.events, te)
				tr.raw = append(tr.raw, slices.Clone([]byte(v)))
			}
		case *tracing.EventTracingComplete:
			select {
			case tr.complete <- e.DataLossOccurred:
			default:
			}
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	return tr
}

// during records the trace while run runs and returns its events. It saves
// the trace in the test's screenshot folder as NAME.trace.json, for
// DevTools' Performance panel (Load profile) or ui.perfetto.dev.
func (tr *tracer) during(name string, run func()) []traceEvent {
	t := tr.p.t
	t.Helper()
	tr.mu.Lock()
	tr.on, tr.events, tr.raw, tr.bad = true, nil, nil, 0
	tr.mu.Unlock()
	if _, err := chromedp.Call(tr.p.ctx, tracing.Start, tracing.StartParams{
		TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig:  &tracing.TraceConfig{IncludedCategories: traceCategories},
	}); err != nil {
		t.Fatalf("starting Chrome's trace: %v", err)
	}
	run()
	if _, err := chromedp.Call(tr.p.ctx, tracing.End, cdp.Empty{}); err != nil {
		t.Fatalf("ending Chrome's trace: %v", err)
	}
	select {
	case lost := <-tr.complete:
		if lost {
			t.Logf("Chrome's trace lost data (its buffer filled)")
		}
	case <-time.After(time.Minute): // a bound, not a wait: Chrome ends sooner
		t.Fatalf("Chrome's trace did not complete within a minute")
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.on = false
	if tr.bad > 0 {
		t.Logf("%d trace events did not decode", tr.bad)
	}
	dir, err := tr.p.shotDir()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".trace.json")
	doc := append([]byte(`{"traceEvents":[`), bytes.Join(tr.raw, []byte(","))...)
	if err := os.WriteFile(file, append(doc, "]}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("Chrome's trace: %s", file)
	return tr.events
}

// longTaskMs is the length of a long task (the Long Tasks API's): a task of
// the main thread that keeps it from answering for more than 50 ms.
const longTaskMs = 50.0

// stampPrefix starts the labels the page writes in the trace while
// seshatPage.stampFrames(true): "stage", "panel NAME", "took MODE".
const stampPrefix = "seshat "

// taskNames are the trace's names for one task of a thread's loop (the
// first is Chrome's current one).
var taskNames = []string{"RunTask", "ThreadControllerImpl::RunTask"}

// longTaskPhases finds the main thread's tasks over longTaskMs in a trace
// and says where their time went: each task's top-level parts (animation
// frame callbacks, a worker's message, style, layout, paint, GC, ...) and
// within those the biggest parts again, summed over every long task. It
// returns the tasks' lengths (ms) and the parts, biggest first, at most
// top of them; and what the page drew in them (the page's stamps, see
// stampPrefix), by the tasks' count and average length.
func longTaskPhases(events []traceEvent, top int) (tasks []float64, parts, during []string) {
	main := map[[2]int]bool{}
	for _, e := range events {
		if e.Ph == "M" && e.Name == "thread_name" && e.Args.Name == "CrRendererMain" {
			main[[2]int{e.Pid, e.Tid}] = true
		}
	}
	byThread := map[[2]int][]traceEvent{}
	stamps := map[[2]int][]traceEvent{}
	for _, e := range events {
		k := [2]int{e.Pid, e.Tid}
		if !main[k] {
			continue
		}
		if e.Name == "TimeStamp" && strings.HasPrefix(e.Args.Data.Message, stampPrefix) {
			stamps[k] = append(stamps[k], e)
		} else if e.Ph == "X" {
			byThread[k] = append(byThread[k], e)
		}
	}
	type sum struct {
		n  int
		ms float64
	}
	sums, drew := map[string]*sum{}, map[string]*sum{}
	add := func(sums map[string]*sum, label string, us float64) {
		s := sums[label]
		if s == nil {
			s = &sum{}
			sums[label] = s
		}
		s.n++
		s.ms += us / 1000
	}
	for k, evs := range byThread {
		// Outer events first: by start, then the longer of two that start together.
		sort.Slice(evs, func(i, j int) bool {
			if evs[i].Ts != evs[j].Ts {
				return evs[i].Ts < evs[j].Ts
			}
			return evs[i].Dur > evs[j].Dur
		})
		for i, task := range evs {
			if !slices.Contains(taskNames, task.Name) || task.Dur < longTaskMs*1000 || (i > 0 && inside(evs[i-1], task) && slices.Contains(taskNames, evs[i-1].Name)) {
				continue
			}
			tasks = append(tasks, task.Dur/1000)
			var within []traceEvent
			for _, e := range evs[i+1:] {
				if e.Ts >= task.Ts+task.Dur {
					break
				}
				if inside(task, e) && !slices.Contains(taskNames, e.Name) {
					within = append(within, e)
				}
			}
			covered := 0.0
			for _, child := range outermost(within) {
				label := traceLabel(child)
				add(sums, label, child.Dur)
				covered += child.Dur
				var inner []traceEvent
				for _, e := range within {
					if e != child && inside(child, e) {
						inner = append(inner, e)
					}
				}
				for _, g := range outermost(inner) {
					add(sums, label+" > "+traceLabel(g), g.Dur)
				}
			}
			add(sums, "(task itself: no traced part)", task.Dur-covered)
			var what []string
			for _, st := range stamps[k] {
				if st.Ts >= task.Ts && st.Ts <= task.Ts+task.Dur {
					what = append(what, strings.TrimPrefix(st.Args.Data.Message, stampPrefix))
				}
			}
			add(drew, orDefault(strings.Join(what, " + "), "nothing the page labelled"), task.Dur)
		}
	}
	biggest := func(sums map[string]*sum, top int, f func(l string, s *sum) string) []string {
		labels := make([]string, 0, len(sums))
		for l := range sums {
			labels = append(labels, l)
		}
		sort.Slice(labels, func(i, j int) bool { return sums[labels[i]].ms > sums[labels[j]].ms })
		var out []string
		for _, l := range labels[:min(top, len(labels))] {
			out = append(out, f(l, sums[l]))
		}
		return out
	}
	parts = biggest(sums, top, func(l string, s *sum) string { return fmt.Sprintf("%s: %.0f ms (%d)", l, s.ms, s.n) })
	during = biggest(drew, len(drew), func(l string, s *sum) string {
		return fmt.Sprintf("%s: %d tasks, %.0f ms on average", l, s.n, s.ms/float64(s.n))
	})
	return tasks, parts, during
}

// inside reports whether e lies within outer.
func inside(outer, e traceEvent) bool {
	return e.Ts >= outer.Ts && e.Ts+e.Dur <= outer.Ts+outer.Dur
}

// outermost returns the events of evs (sorted as longTaskPhases sorts them)
// that no other of them contains.
func outermost(evs []traceEvent) []traceEvent {
	var out []traceEvent
	for _, e := range evs {
		if len(out) > 0 && inside(out[len(out)-1], e) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// traceLabel names a trace event: a script by its function and file, an
// event by its type, anything else by the trace's name.
func traceLabel(e traceEvent) string {
	d := e.Args.Data
	switch {
	case e.Name == "FunctionCall" && (d.FunctionName != "" || d.URL != ""):
		return fmt.Sprintf("script %s (%s)", orDefault(d.FunctionName, "anonymous"), path.Base(d.URL))
	case e.Name == "EventDispatch" && d.Type != "":
		return "event " + d.Type
	case e.Name == "TimerFire":
		return "timer"
	}
	return e.Name
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// phasesText joins longTaskPhases' parts for a log line.
func phasesText(parts []string) string {
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
