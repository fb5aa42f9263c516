package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/seshat-raft/seshat/wire"
)

// Protocol is the bridge protocol's version, answered by hello.
const Protocol = 1

// request is one client message: {"id": n, "op": "...", "args": {...}}.
type request struct {
	ID   uint64          `json:"id"`
	Op   string          `json:"op"`
	Args json.RawMessage `json:"args"`
}

// answer is the engine protocol's reply envelope.
type answer struct {
	OK     bool           `json:"ok"`
	Result any            `json:"result,omitempty"`
	Error  string         `json:"error,omitempty"`
	Kind   wire.ErrorKind `json:"kind,omitempty"`
}

// reply is what the bridge sends back for one request.
type reply struct {
	ID    uint64 `json:"id"`
	Reply answer `json:"reply"`
}

// Hello is the result of hello.
type Hello struct {
	// Engine is "native": the dev server's native cluster.
	Engine string `json:"engine"`
	// Protocol is the bridge protocol's version (Protocol).
	Protocol int `json:"protocol"`
	// Config is the running cluster's configuration.
	Config wire.Config `json:"config"`
	// Join says whether the page may host a member (the join operation).
	Join bool `json:"join,omitempty"`
	// Refused maps each command kind the native cluster cannot carry out
	// (it runs in real time) to why, in the words it refuses the command
	// with (wire.RealTimeRefusals), so the page need not keep its own list.
	Refused map[wire.CommandKind]string `json:"refused"`
}

// viewArgs are the arguments of frame.
type viewArgs struct {
	Since     uint64 `json:"since"`
	LogWindow int    `json:"log_window"`
	KVFrom    string `json:"kv_from"`
	KVLimit   int    `json:"kv_limit"`
	Events    string `json:"events"`
	MaxEvents int    `json:"max_events"`
}

// subscribeArgs are the arguments of subscribe.
type subscribeArgs struct {
	IntervalMS int    `json:"interval_ms"`
	LogWindow  int    `json:"log_window"`
	KVFrom     string `json:"kv_from"`
	KVLimit    int    `json:"kv_limit"`
	Events     string `json:"events"`
}

// empty is the argument of hello and unsubscribe, and the result of
// subscribe and unsubscribe.
type empty struct{}

// encodeReply encodes the reply to request id: an error if err is set,
// else res.
func encodeReply(id uint64, err error, res ...any) []byte {
	a := answer{OK: true}
	if err != nil {
		a = answer{Error: err.Error(), Kind: kindOf(err)}
	} else if len(res) > 0 {
		a.Result = res[0]
	}
	b, merr := json.Marshal(reply{ID: id, Reply: a})
	if merr != nil {
		b, _ = json.Marshal(reply{ID: id, Reply: answer{Error: "bridge: cannot encode the reply: " + merr.Error(), Kind: wire.KindInternal}})
	}
	return b
}

// decodeStrict decodes exactly one JSON value from data into v, refusing
// unknown fields and anything after the value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// decodeArgs decodes op's arguments into v; absent arguments mean {}.
func decodeArgs(op string, args []byte, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		return nil
	}
	if err := decodeStrict(args, v); err != nil {
		return badRequest("%s: arguments: %v", op, err)
	}
	return nil
}

// checkTable refuses the arguments of a call of kind that the engine
// protocol's request table (wire.CheckRequest) refuses: in the bridge's
// name, in the table's words.
func checkTable(kind wire.RequestKind, args []byte) error {
	var re *wire.RequestError
	if err := wire.CheckRequest(kind, args); errors.As(err, &re) {
		return badRequest("%s", re.Reason())
	} else if err != nil {
		return err
	}
	return nil
}

// parseEvents reads an events field: "all" (or empty) or "notable".
func parseEvents(op, s string) (notable bool, err error) {
	switch s {
	case "", "all":
		return false, nil
	case "notable":
		return true, nil
	}
	return false, badRequest("%s: events %q must be \"all\" or \"notable\"", op, s)
}

// outgoing is one reply on its way to the writer. A reply carrying a
// frame is encoded by the writer, which knows which events the client has
// already been sent.
type outgoing struct {
	id   uint64
	data []byte      // the encoded reply, if it carries no frame
	fr   *frameReply // else the frame
}

// frameReply is the result of frame, command and create.
type frameReply struct {
	f   wire.Frame
	gen uint64 // the cluster generation f belongs to
	// fresh leaves out events the client has already been sent (command,
	// create); frame sends the events after its since, as asked.
	fresh bool
}

// encode encodes o for c and records the events it sends. Only c's writer
// (or a test standing in for it) calls it.
func (o outgoing) encode(c *client) []byte {
	if o.fr == nil {
		return o.data
	}
	f := o.fr.f
	if o.fr.fresh {
		f.Events = unseen(f.Events, c.seenIn(o.fr.gen))
	}
	c.noteSeen(o.fr.gen, f.View.Events)
	return encodeReply(o.id, nil, f)
}

// unseen returns the events (in seq order) with a larger seq than seen.
func unseen(ev []wire.Event, seen uint64) []wire.Event {
	if len(ev) == 0 || ev[0].Seq > seen {
		return ev
	}
	i := sort.Search(len(ev), func(i int) bool { return ev[i].Seq > seen })
	return ev[i:]
}

// handle answers one client message with exactly one reply. It never
// panics: a panic in the engine is answered with kind internal.
func (c *client) handle(data []byte) (out outgoing) {
	var req request
	defer func() {
		if r := recover(); r != nil {
			c.b.log.Printf("bridge: panic answering %q (a bug): %v", req.Op, r)
			out = outgoing{data: encodeReply(req.ID, fmt.Errorf("bridge: internal error in %q: %v (this is a bug; the bridge is still running)", req.Op, r))}
		}
	}()
	if err := decodeStrict(data, &req); err != nil {
		// Answer to the id if one can be read at all, so the page can
		// match the error to its request.
		var probe struct {
			ID uint64 `json:"id"`
		}
		if json.NewDecoder(bytes.NewReader(data)).Decode(&probe) != nil {
			probe.ID = 0
		}
		req = request{}
		return outgoing{data: encodeReply(probe.ID, badRequest("cannot read the message (%v): send JSON text {\"id\": n, \"op\": \"...\", \"args\": {...}}", err))}
	}
	res, err := c.call(req.Op, req.Args)
	if fr, ok := res.(*frameReply); ok && err == nil {
		return outgoing{id: req.ID, fr: fr}
	}
	return outgoing{data: encodeReply(req.ID, err, res)}
}

// call carries out one operation.
func (c *client) call(op string, args []byte) (any, error) {
	b := c.b
	switch op {
	case "hello":
		if err := decodeArgs(op, args, &empty{}); err != nil {
			return nil, err
		}
		return Hello{Engine: "native", Protocol: Protocol, Config: b.e.Config(), Join: b.opt.Join != nil, Refused: wire.RealTimeRefusals()}, nil
	case "join":
		return c.join(args)
	case "report":
		return c.report(args)
	case "create":
		cfg := wire.DefaultConfig()
		if len(bytes.TrimSpace(args)) > 0 {
			if err := decodeStrict(args, &cfg); err != nil {
				return nil, fmt.Errorf("%w: %v", wire.ErrBadConfig, err)
			}
		}
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
		if cfg.Manual {
			return nil, impossiblef("create: %s: %s", wire.CmdManual, wire.RealTimeRefusals()[wire.CmdManual])
		}
		if err := b.e.Create(cfg); err != nil {
			return nil, engineErr(err)
		}
		gen := b.gen.Add(1)
		f := b.frame(0, c.notable, c.maxEvents, c.view)
		return &frameReply{f: f, gen: gen, fresh: true}, nil
	case "frame":
		// The engine protocol's request table checks the ranges and words
		// (events, max_events) first, as the in-page engine does.
		if err := checkTable(wire.ReqFrame, args); err != nil {
			return nil, err
		}
		var a viewArgs
		if err := decodeArgs(op, args, &a); err != nil {
			return nil, err
		}
		notable, err := parseEvents(op, a.Events)
		if err != nil {
			return nil, err
		}
		o := wire.ViewOptions{LogWindow: a.LogWindow, KVFrom: a.KVFrom, KVLimit: a.KVLimit}
		if err := o.Check(); err != nil {
			return nil, badRequest("frame: %v", err)
		}
		if a.LogWindow > 0 {
			c.view.LogWindow = a.LogWindow
		}
		if a.KVLimit > 0 {
			c.view.KVLimit = a.KVLimit
		}
		c.view.KVFrom = a.KVFrom
		c.notable, c.maxEvents = notable, a.MaxEvents
		gen := b.gen.Load()
		f := b.frame(a.Since, c.notable, c.maxEvents, c.view)
		return &frameReply{f: f, gen: gen}, nil
	case "command":
		cmd, err := wire.ParseCommand(args)
		if err != nil {
			return nil, err
		}
		if err := wire.RealTimeRefusal(cmd); err != nil {
			return nil, err
		}
		if err := b.e.Apply(cmd); err != nil {
			return nil, engineErr(err)
		}
		// The frame carries the events the client has not been sent yet:
		// the command's own, and any a push has not delivered. (A push
		// written meanwhile may send some of them first: the writer leaves
		// those out.)
		gen := b.gen.Load()
		f := b.frame(c.seenIn(gen), c.notable, c.maxEvents, c.view)
		return &frameReply{f: f, gen: gen, fresh: true}, nil
	case "subscribe":
		var a subscribeArgs
		if err := decodeArgs(op, args, &a); err != nil {
			return nil, err
		}
		notable, err := parseEvents(op, a.Events)
		if err != nil {
			return nil, err
		}
		o := wire.ViewOptions{LogWindow: a.LogWindow, KVFrom: a.KVFrom, KVLimit: a.KVLimit}
		if err := o.Check(); err != nil {
			return nil, badRequest("subscribe: %v", err)
		}
		interval := b.opt.DefaultInterval
		if a.IntervalMS != 0 {
			lo, hi := b.opt.MinInterval.Milliseconds(), b.opt.MaxInterval.Milliseconds()
			if int64(a.IntervalMS) < lo || int64(a.IntervalMS) > hi {
				return nil, badRequest("subscribe: interval_ms %d must be %d to %d (0: %d)", a.IntervalMS, lo, hi, b.opt.DefaultInterval.Milliseconds())
			}
			interval = time.Duration(a.IntervalMS) * time.Millisecond
		}
		// Pushes start after the newest event the client was sent, or
		// from now if it was sent none.
		gen := b.gen.Load()
		since := c.seenIn(gen)
		if since == 0 {
			since = b.eventCount()
		}
		key := viewKey{view: o, notable: notable}
		b.hub.subscribe(c, &subscription{key: key, interval: interval, next: time.Now()}, since, gen)
		return empty{}, nil
	case "unsubscribe":
		if err := decodeArgs(op, args, &empty{}); err != nil {
			return nil, err
		}
		b.hub.unsubscribe(c)
		return empty{}, nil
	case "committed-log":
		// The engine protocol's request table checks the ranges first
		// (node and from are unsigned: a negative one is refused in its
		// words, not as JSON of the wrong type).
		if err := checkTable(wire.ReqCommittedLog, args); err != nil {
			return nil, err
		}
		var a wire.LogPageArgs
		if err := decodeArgs(op, args, &a); err != nil {
			return nil, err
		}
		p, err := b.e.CommittedLog(a.Node, a.From, a.Limit)
		if err != nil {
			return nil, engineErr(err)
		}
		return p, nil
	case "":
		return nil, badRequest("the message has no op; the operations are hello, create, frame, command, committed-log, subscribe, unsubscribe, join and report")
	}
	if r, ok := wire.RequestRuleOf(wire.RequestKind(op)); ok && r.Virtual {
		return nil, impossiblef("%s: the native cluster runs in real time and keeps no replayable history; time travel is for the in-browser engine", op)
	}
	return nil, badRequest("unknown operation %q; the operations are hello, create, frame, command, committed-log, subscribe, unsubscribe, join and report", op)
}
