package export

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// No EDN library is in the module's reach, so the test reads EDN with the
// small reader below: maps, vectors, keywords, strings (with EDN's escapes
// and \uXXXX), integers, nil, true and false; commas are whitespace.

// keyword is an EDN keyword, without its colon.
type keyword string

// ednReader reads one EDN value at a time from s.
type ednReader struct {
	s   string
	pos int
}

func (r *ednReader) skip() {
	for r.pos < len(r.s) && strings.ContainsRune(" \t\n\r,", rune(r.s[r.pos])) {
		r.pos++
	}
}

func (r *ednReader) errorf(format string, a ...any) error {
	return fmt.Errorf("at %d: %s", r.pos, fmt.Sprintf(format, a...))
}

// read returns the next value: map[keyword]any, []any, keyword, string,
// int64, bool or nil.
func (r *ednReader) read() (any, error) {
	r.skip()
	if r.pos >= len(r.s) {
		return nil, r.errorf("end of input")
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		r.pos++
		m := map[keyword]any{}
		for {
			r.skip()
			if r.pos < len(r.s) && r.s[r.pos] == '}' {
				r.pos++
				return m, nil
			}
			k, err := r.read()
			if err != nil {
				return nil, err
			}
			kw, ok := k.(keyword)
			if !ok {
				return nil, r.errorf("map key %v is not a keyword", k)
			}
			if _, dup := m[kw]; dup {
				return nil, r.errorf("duplicate key %s", kw)
			}
			if m[kw], err = r.read(); err != nil {
				return nil, err
			}
		}
	case c == '[':
		r.pos++
		v := []any{}
		for {
			r.skip()
			if r.pos < len(r.s) && r.s[r.pos] == ']' {
				r.pos++
				return v, nil
			}
			e, err := r.read()
			if err != nil {
				return nil, err
			}
			v = append(v, e)
		}
	case c == '"':
		return r.str()
	case c == ':':
		return keyword(r.token()[1:]), nil
	default:
		tok := r.token()
		switch tok {
		case "nil":
			return nil, nil
		case "true", "false":
			return tok == "true", nil
		}
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			return nil, r.errorf("unknown token %q", tok)
		}
		return n, nil
	}
}

func (r *ednReader) token() string {
	start := r.pos
	for r.pos < len(r.s) && !strings.ContainsRune(" \t\n\r,{}[]\"", rune(r.s[r.pos])) {
		r.pos++
	}
	return r.s[start:r.pos]
}

func (r *ednReader) str() (string, error) {
	r.pos++ // the opening quote
	var b strings.Builder
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		r.pos++
		switch {
		case c == '"':
			return b.String(), nil
		case c < 0x20:
			return "", r.errorf("raw control character %#x in a string", c)
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		if r.pos >= len(r.s) {
			break
		}
		e := r.s[r.pos]
		r.pos++
		switch e {
		case '"', '\\':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if r.pos+4 > len(r.s) {
				return "", r.errorf("short \\u escape")
			}
			v, err := strconv.ParseUint(r.s[r.pos:r.pos+4], 16, 32)
			if err != nil {
				return "", r.errorf("bad \\u escape")
			}
			r.pos += 4
			b.WriteRune(rune(v))
		default:
			return "", r.errorf("unknown escape \\%c", e)
		}
	}
	return "", r.errorf("unterminated string")
}

// parseEDNLines parses each line of out as one EDN map.
func parseEDNLines(t *testing.T, out []byte) []map[keyword]any {
	t.Helper()
	var ops []map[keyword]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for line := 1; sc.Scan(); line++ {
		r := &ednReader{s: sc.Text()}
		v, err := r.read()
		if err != nil {
			t.Fatalf("line %d %q: %v", line, sc.Text(), err)
		}
		if r.skip(); r.pos != len(r.s) {
			t.Fatalf("line %d: more than one value", line)
		}
		m, ok := v.(map[keyword]any)
		if !ok {
			t.Fatalf("line %d is a %T, want a map", line, v)
		}
		ops = append(ops, m)
	}
	return ops
}

// TestEDNReaderReadsEscapes: the test's reader reads what EDN's escapes
// mean, so the round trip below proves the writer's escaping.
func TestEDNReaderReadsEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`"a\"b"`, `a"b`}, {`"a\\b"`, `a\b`}, {`"\n\r\t"`, "\n\r\t"}, {`"\u0001é"`, "\x01é"},
	} {
		r := &ednReader{s: tc.in}
		got, err := r.read()
		if err != nil || got != tc.want {
			t.Errorf("read %s = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`"a`, `"\q"`, "\"a\nb\"", `{1 2}`, `{:a}`} {
		if v, err := (&ednReader{s: bad}).read(); err == nil {
			t.Errorf("read %q = %v, want an error", bad, v)
		}
	}
}

// TestEDNStringEscapes: every string ednString writes reads back as itself
// (invalid UTF-8 as U+FFFD).
func TestEDNStringEscapes(t *testing.T) {
	for _, s := range []string{"", "plain", `"`, `\`, "\n\r\t", "\x00\x1f\x7f", "é→∅", "a\xffb", `\u0041`} {
		got, err := (&ednReader{s: ednString(s)}).read()
		want := strings.ToValidUTF8(s, "\uFFFD")
		if err != nil || got != want {
			t.Errorf("ednString(%q) = %s reads back as %q, %v; want %q", s, ednString(s), got, err, want)
		}
	}
}

// TestEDNRoundTrip: the EDN history of a run with console requests, faults
// and workload clients parses, op by op, back into the history it came from.
func TestEDNRoundTrip(t *testing.T) {
	c := testRun(t)
	for _, h := range [][]sim.HistoryOp{c.History(), WithGiveUpTimes(c.History(), c.Events(0))} {
		var buf bytes.Buffer
		if err := WriteEDN(&buf, h); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(buf.Bytes()) {
			t.Fatal("the EDN is not UTF-8")
		}
		checkEDN(t, h, parseEDNLines(t, buf.Bytes()))
	}
}

// TestWithGiveUpTimes: every request given up on in the run gets the time
// of its client-return event, after its call; the others are unchanged.
func TestWithGiveUpTimes(t *testing.T) {
	c := testRun(t)
	h := c.History()
	gaveUp := map[uint64]int64{}
	for _, e := range c.Events(0) {
		if e.Kind == wire.EvClientReturn && (e.Outcome == wire.OutcomeUnknown || e.Outcome == wire.OutcomeFailed) {
			gaveUp[e.Msg] = e.At
		}
	}
	got := WithGiveUpTimes(h, c.Events(0))
	n := 0
	for i, op := range h {
		want := op
		if t, ok := gaveUp[op.ID]; ok {
			want.Return = t
			n++
		}
		if got[i] != want {
			t.Errorf("request %d: %+v, want %+v", op.ID, got[i], want)
		}
		if (op.Unknown || op.Failed) && got[i].Return < op.Call {
			t.Errorf("request %d given up on at %d ms, before its call at %d ms", op.ID, got[i].Return, op.Call)
		}
	}
	if n == 0 {
		t.Error("the run gave up on no request")
	}
	if h[0].Return != c.History()[0].Return {
		t.Error("WithGiveUpTimes modified its input")
	}
}

// checkEDN checks ops are the EDN history of h: two lines per operation,
// in time order, with Jepsen's process rules.
func checkEDN(t *testing.T, h []sim.HistoryOp, ops []map[keyword]any) {
	t.Helper()
	if len(ops) != 2*len(h) {
		t.Fatalf("%d EDN operations for %d history operations, want %d", len(ops), len(h), 2*len(h))
	}
	end := int64(0)
	for _, op := range h {
		end = max(end, op.Call, op.Return)
	}
	// A completion without a return time: at the client's next call.
	noReturn := map[int]int64{} // history index -> its completion's time
	for i, op := range h {
		if op.Return >= 0 {
			continue
		}
		noReturn[i] = end
		for _, o := range h[i+1:] {
			if op.Client != 0 && o.Client == op.Client {
				noReturn[i] = max(o.Call, op.Call)
				break
			}
		}
	}
	byReq := map[[2]int64][]map[keyword]any{}
	outstanding := map[int64]bool{}
	retired := map[int64]bool{}
	var prev int64
	counts := map[keyword]int{}
	for i, m := range ops {
		if m["index"] != int64(i) {
			t.Fatalf("line %d has :index %v", i, m["index"])
		}
		ts := m["time"].(int64)
		if ts < prev {
			t.Fatalf("line %d at %d ns is before the line above (%d ns)", i, ts, prev)
		}
		prev = ts
		p := m["process"].(int64)
		typ := m["type"].(keyword)
		counts[typ]++
		if retired[p] {
			t.Fatalf("line %d uses process %d after it ended with :info", i, p)
		}
		if typ == "invoke" {
			if outstanding[p] {
				t.Fatalf("line %d invokes on process %d, which has an operation outstanding", i, p)
			}
			outstanding[p] = true
		} else {
			if !outstanding[p] {
				t.Fatalf("line %d completes on process %d, which has nothing outstanding", i, p)
			}
			outstanding[p] = false
			retired[p] = typ == "info"
		}
		k := [2]int64{m["client"].(int64), m["req"].(int64)}
		byReq[k] = append(byReq[k], m)
	}
	for i, op := range h {
		pair := byReq[[2]int64{int64(op.Client), int64(op.ID)}]
		if len(pair) != 2 {
			t.Fatalf("request %d of client %d has %d lines, want 2", op.ID, op.Client, len(pair))
		}
		inv, done := pair[0], pair[1]
		wf := map[wire.OpKind]keyword{wire.OpGet: "read", wire.OpSet: "write", wire.OpDel: "delete"}[op.Kind]
		if inv["type"] != keyword("invoke") || inv["f"] != wf || done["f"] != wf || inv["process"] != done["process"] {
			t.Fatalf("request %d: invoke %v, completion %v", op.ID, inv, done)
		}
		if inv["time"] != op.Call*1e6 {
			t.Errorf("request %d: invoked at %v ns, want %d", op.ID, inv["time"], op.Call*1e6)
		}
		wtyp, wtime := keyword("ok"), op.Return
		switch {
		case op.Failed:
			wtyp = "fail"
		case op.Unknown || op.Return < 0:
			wtyp = "info"
		}
		if wtime < 0 {
			wtime = noReturn[i]
		}
		if done["type"] != wtyp || done["time"] != wtime*1e6 {
			t.Errorf("request %d (%+v): completion %v at %v, want %v at %d ms", op.ID, op, done["type"], done["time"], wtyp, wtime)
		}
		var winv, wdone any
		switch {
		case op.Kind == wire.OpSet:
			winv, wdone = op.Value, op.Value
		case op.Kind == wire.OpGet && wtyp == "ok" && op.Found:
			wdone = op.Output
		}
		for _, c := range []struct {
			m    map[keyword]any
			want any
		}{{inv, winv}, {done, wdone}} {
			v, ok := c.m["value"].([]any)
			if !ok || len(v) != 2 || v[0] != op.Key || v[1] != c.want {
				t.Errorf("request %d (%+v): %v :value %#v, want [%q %#v]", op.ID, op, c.m["type"], c.m["value"], op.Key, c.want)
			}
		}
		if op.Kind == wire.OpDel && wtyp == "ok" && done["removed"] != (op.Output == "1") {
			t.Errorf("request %d: :removed %v, output %q", op.ID, done["removed"], op.Output)
		}
	}
	if counts["invoke"] == 0 || counts["ok"] == 0 {
		t.Errorf("the run gave %v: want invocations and acknowledgements at least", counts)
	}
	t.Logf("EDN lines by type: %v", counts)
}

// TestEDNOutcomesAndProcesses: fail, info and never-returned requests, a
// console with overlapping requests, and a client after an :info, on a
// hand-made history.
func TestEDNOutcomesAndProcesses(t *testing.T) {
	h := []sim.HistoryOp{
		{Client: 0, ID: 1, Kind: wire.OpSet, Key: "a", Value: "1", Output: "OK", Call: 0, Return: 50},
		{Client: 0, ID: 2, Kind: wire.OpSet, Key: "a", Value: "2", Output: "OK", Call: 10, Return: 40},
		{Client: 2, ID: 3, Kind: wire.OpGet, Key: "a", Call: 10, Return: 30, Failed: true},
		{Client: 2, ID: 4, Kind: wire.OpSet, Key: "b", Value: "x", Call: 30, Return: 60, Unknown: true},
		{Client: 2, ID: 5, Kind: wire.OpDel, Key: "b", Output: "1", Call: 60, Return: 70},
		{Client: 2, ID: 6, Kind: wire.OpGet, Key: "b", Call: 70, Return: 75},
		{Client: 1, ID: 7, Kind: wire.OpDel, Key: "c", Call: 80, Return: -1},
	}
	var buf bytes.Buffer
	if err := WriteEDN(&buf, h); err != nil {
		t.Fatal(err)
	}
	ops := parseEDNLines(t, buf.Bytes())
	checkEDN(t, h, ops)
	procs := map[int64]int64{} // req -> process
	for _, m := range ops {
		procs[m["req"].(int64)] = m["process"].(int64)
	}
	// Console requests 1 and 2 overlap: 2 gets a fresh process. Client 2's
	// request 5 follows an :info: fresh too, and 6 reuses 5's.
	for req, wp := range map[int64]int64{1: 0, 2: 3, 3: 2, 4: 2, 5: 4, 6: 4, 7: 1} {
		if procs[req] != wp {
			t.Errorf("request %d on process %d, want %d", req, procs[req], wp)
		}
	}
}
