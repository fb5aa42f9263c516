package export

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/anishathalye/porcupine"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// PorcupineTimeout is the most wall-clock time WritePorcupineHTML gives
// Porcupine to look for orders; past it the drawing shows the partial
// orders found so far.
const PorcupineTimeout = sim.PorcupineTimeout

// HTMLMaxOps is the most operations WritePorcupineHTML draws.
const HTMLMaxOps = sim.HTMLMaxOps

// FaultTag is the Porcupine annotation tag of faults that belong to no
// node (partitions, cuts, heals, network settings); a node's faults go on
// a row tagged with its name ("n1").
const FaultTag = "network"

// OpLink is the page link to the moment virtual time t (ms) of the session
// pageURL links to: pageURL must end in the page's session hash
// ("...#s=<packed session>", as SessionLink makes it), and any t parameter
// it has is replaced. It returns "" for a pageURL without a session hash:
// the page has no link to a time alone.
func OpLink(pageURL string, t int64) string {
	i := strings.Index(pageURL, "#"+wire.LinkSession+"=")
	if i < 0 {
		return ""
	}
	base, hash := pageURL[:i], pageURL[i+1:]
	var keep []string
	for p := range strings.SplitSeq(hash, "&") {
		if !strings.HasPrefix(p, wire.LinkTime+"=") {
			keep = append(keep, p)
		}
	}
	return fmt.Sprintf("%s#%s&%s=%d", base, strings.Join(keep, "&"), wire.LinkTime, max(t, 0))
}

// opDetail is the HTML WritePorcupineHTML adds to an operation's tooltip:
// when it was called and returned, and the link to its call in the page.
func opDetail(op sim.HistoryOp, pageURL string) string {
	s := fmt.Sprintf(", called at %d ms virtual time", op.Call)
	if op.Return >= 0 && !op.Unknown {
		s += fmt.Sprintf(", returned at %d ms", op.Return)
	}
	s = html.EscapeString(s)
	if link := OpLink(pageURL, op.Call); link != "" {
		s += fmt.Sprintf(`<br>in the page: <a href="%s">%s</a>`, html.EscapeString(link), html.EscapeString(link))
	}
	return s
}

// FaultAnnotations are the annotations WritePorcupineHTML adds for the
// faults in events: on a node's row (tagged "n1"...) a "down" span from
// each crash to its restart (or the end of events) and a point for each
// restart; on the FaultTag row a point for each partition, cut, heal and
// network change, described by the event's text. Times are virtual ms,
// the unit of the history.
func FaultAnnotations(events []wire.Event) []porcupine.Annotation {
	var out []porcupine.Annotation
	if len(events) == 0 {
		return out
	}
	end := events[len(events)-1].At
	down := map[core.NodeID]int{} // node -> index in out of its open "down" span
	for _, e := range events {
		switch e.Kind {
		case wire.EvCrash:
			down[e.Node] = len(out)
			out = append(out, porcupine.Annotation{Tag: e.Node.String(), Start: e.At, End: end,
				Description: "down", Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#f4c7c3"})
		case wire.EvRestart:
			if i, ok := down[e.Node]; ok {
				out[i].End = e.At
				out[i].Details += fmt.Sprintf("; restarted at %d ms", e.At)
				delete(down, e.Node)
			}
			out = append(out, porcupine.Annotation{Tag: e.Node.String(), Start: e.At,
				Description: "restart", Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#c8e6c9"})
		case wire.EvPartition, wire.EvHeal, wire.EvNetwork:
			out = append(out, porcupine.Annotation{Tag: FaultTag, Start: e.At,
				Description: string(e.Kind), Details: fmt.Sprintf("%d ms: %s", e.At, e.Text), BackgroundColor: "#fff3c4"})
		}
	}
	return out
}

// WritePorcupineHTML writes Porcupine's visualization of the client history
// h to w (self-contained HTML), annotated with the faults in events
// (FaultAnnotations). Each operation's tooltip names its request, its call
// and return in virtual ms and, when pageURL is a session link (see
// SessionLink and OpLink), the link to its call in the page; with any other
// pageURL, the times alone. Porcupine shows this text in a tooltip that
// follows the mouse, so the link is there to read and copy by hand, not to
// click.
//
// The operations drawn are sim.WriteHistoryHTML's (its model, its window
// of at most HTMLMaxOps operations around the first one no order explains,
// or the last ones); the orders come from Porcupine's search within
// PorcupineTimeout of wall-clock time.
func WritePorcupineHTML(w io.Writer, h []sim.HistoryOp, events []wire.Event, pageURL string) error {
	return sim.WriteHistoryHTMLWith(w, h, sim.HistoryHTMLOptions{
		Annotations: FaultAnnotations(events),
		Detail:      func(op sim.HistoryOp) string { return opDetail(op, pageURL) },
	})
}
