package export

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// porcupineData is the part of the data Porcupine embeds in its page that
// the test reads.
type porcupineData struct {
	Partitions []struct {
		History []struct {
			ClientId    int
			Description string
			Metadata    string
		}
	}
	Annotations []struct {
		Tag         string
		Description string
		Details     string
		Start, End  int
	}
}

// readPorcupineHTML returns the data embedded in Porcupine's page.
func readPorcupineHTML(t *testing.T, page []byte) porcupineData {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*const data = (.*)$`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data in the page")
	}
	var d porcupineData
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("the page's data: %v", err)
	}
	return d
}

// TestPorcupineHTMLAnnotated: the page of a run with faults holds an
// annotation for the crash (a down span to the restart), the restart, the
// partition, the isolation, the cut and both heals, and every operation's tooltip links
// to its call in the page.
func TestPorcupineHTMLAnnotated(t *testing.T) {
	c := testRun(t)
	link, err := SessionLink("https://seshat.example/", c.Export())
	if err != nil {
		t.Fatal(err)
	}
	h, events := c.History(), c.Events(0)
	var buf bytes.Buffer
	if err := WritePorcupineHTML(&buf, h, events, link); err != nil {
		t.Fatal(err)
	}
	d := readPorcupineHTML(t, buf.Bytes())
	var got []string
	for _, a := range d.Annotations {
		got = append(got, a.Tag+" "+a.Description)
	}
	want := "n1 down|n1 restart|network partition|network partition|network heal|network partition|network heal" // partition, isolate, heal, cut, heal
	if strings.Join(got, "|") != want {
		t.Errorf("annotations %q, want %q", strings.Join(got, "|"), want)
	}
	if len(d.Annotations) > 0 && (d.Annotations[0].End <= d.Annotations[0].Start || !strings.Contains(d.Annotations[0].Details, "restarted at 2500 ms")) {
		t.Errorf("the crash's annotation %+v does not span to the restart", d.Annotations[0])
	}
	ops := 0
	for _, p := range d.Partitions {
		for _, op := range p.History {
			ops++
			call := regexp.MustCompile(`called at (\d+) ms`).FindStringSubmatch(op.Metadata)
			if call == nil || !strings.Contains(op.Metadata, fmt.Sprintf(`<a href="%s&amp;t=%s">`, link, call[1])) {
				t.Errorf("operation %q: metadata %q has no link to its call", op.Description, op.Metadata)
			}
		}
	}
	wops := 0
	for _, op := range h {
		if !op.Failed && (op.Kind != wire.OpGet || (op.Return >= 0 && !op.Unknown)) {
			wops++ // failed requests and reads never answered are not drawn
		}
	}
	if ops != wops || wops == len(h) {
		t.Errorf("%d operations drawn, want %d of the history's %d", ops, wops, len(h))
	}
}

// TestOpLink: a time replaces any time in a session link; no session, no link.
func TestOpLink(t *testing.T) {
	for _, tc := range []struct {
		url  string
		t    int64
		want string
	}{
		{"https://x/#s=zAB", 12, "https://x/#s=zAB&t=12"},
		{"https://x/#s=zAB&t=5", 12, "https://x/#s=zAB&t=12"},
		{"#s=jQQ", 0, "#s=jQQ&t=0"},
		{"https://x/", 12, ""},
		{"", 12, ""},
	} {
		if got := OpLink(tc.url, tc.t); got != tc.want {
			t.Errorf("OpLink(%q, %d) = %q, want %q", tc.url, tc.t, got, tc.want)
		}
	}
}

// TestFaultAnnotationsCrashWithoutRestart: a node still down at the end
// is down to the last event.
func TestFaultAnnotationsCrashWithoutRestart(t *testing.T) {
	a := FaultAnnotations([]wire.Event{{At: 5, Kind: wire.EvCrash, Node: 2}, {At: 9, Kind: wire.EvCommit, Node: 1}})
	if len(a) != 1 || a[0].Tag != "n2" || a[0].Start != 5 || a[0].End != 9 {
		t.Errorf("annotations %+v", a)
	}
}

// TestSessionLinkRoundTrip: the hash SessionLink writes unpacks, as the
// page unpacks it (base64url, raw DEFLATE), to the session it packed.
func TestSessionLinkRoundTrip(t *testing.T) {
	s := testRun(t).Export()
	link, err := SessionLink("https://x/", s)
	if err != nil {
		t.Fatal(err)
	}
	packed, ok := strings.CutPrefix(link, "https://x/#s=z")
	if !ok {
		t.Fatalf("link %q", link)
	}
	raw, err := base64.RawURLEncoding.DecodeString(packed)
	if err != nil {
		t.Fatal(err)
	}
	js, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sim.UnmarshalSession(js)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sim.MarshalSession(s)
	if again, _ := sim.MarshalSession(got); !bytes.Equal(again, want) {
		t.Errorf("the link unpacks to %s, want %s", again, want)
	}
}

// TestWriteSessionLongLink: a session whose link is longer than
// MaxLinkBytes gives a Porcupine page with times and no links.
func TestWriteSessionLongLink(t *testing.T) {
	cfg := wire.DefaultConfig()
	cfg.Nodes, cfg.Clients.Count = 3, 0
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 120 {
		if err := c.RunFor(20); err != nil {
			t.Fatal(err)
		}
		v := fmt.Sprintf("%08x", uint32(i)*2654435761)
		if err := c.Apply(wire.Command{Kind: wire.CmdSet, Key: "k" + v[:2], Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RunFor(1000); err != nil {
		t.Fatal(err)
	}
	s := c.Export()
	if link, _ := SessionLink("https://x/", s); len(link) <= MaxLinkBytes {
		t.Fatalf("the link is %d bytes; the test wants one past %d", len(link), MaxLinkBytes)
	}
	var buf bytes.Buffer
	if err := WriteSession(&buf, s, FormatPorcupine, "https://x/"); err != nil {
		t.Fatal(err)
	}
	d := readPorcupineHTML(t, buf.Bytes())
	n := 0
	for _, p := range d.Partitions {
		for _, op := range p.History {
			n++
			if strings.Contains(op.Metadata, "href") || !strings.Contains(op.Metadata, "called at") {
				t.Fatalf("operation %q: metadata %q", op.Description, op.Metadata)
			}
		}
	}
	if n != 120 {
		t.Errorf("%d operations drawn, want 120", n)
	}
}
