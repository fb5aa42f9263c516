package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/internal/member"
)

// How a member process talks to the dev server it joined.
const (
	memberWriteTimeout = 10 * time.Second
	memberJoinTimeout  = 30 * time.Second
	memberReportEvery  = 250 * time.Millisecond
)

// wsURL turns the -join argument (host:port, http://host:port, the link
// the server printed, http://host:port/?token=..., or ws://host:port/ws)
// into the bridge's websocket URL, without the link's query.
func wsURL(join string) (string, error) {
	if join == "" {
		return "", errors.New("-join: give the dev server's address, e.g. 127.0.0.1:8080")
	}
	u, err := url.Parse(join)
	if err != nil || u.Host == "" {
		if u, err = url.Parse("ws://" + join); err != nil || u.Host == "" {
			return "", fmt.Errorf("-join %q: not an address (host:port or ws://host:port/ws)", join)
		}
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("-join %q: scheme %q; use ws, wss, http or https", join, u.Scheme)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/ws"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// linkToken returns the token of a -join argument given as the link the
// server printed (http://host:port/?token=...), or "".
func linkToken(join string) string {
	u, err := url.Parse(join)
	if err != nil {
		return ""
	}
	return u.Query().Get("token")
}

// frame is one websocket message read from the dev server.
type frame struct {
	binary bool
	data   []byte
}

// runMember runs one Raft node in this process as a voting member of the
// native cluster served at join (another dev server, on this machine or
// another): it joins through the bridge, exchanges raftpb messages as
// binary websocket frames, ticks on the wall clock and reports its state so
// every page shows it. It leaves the cluster when ctx ends.
// id is the id it asks for (0: the next free one). token, or the one in a
// link given as join, is presented as "Authorization: Bearer TOKEN".
func runMember(ctx context.Context, join, token string, id core.NodeID, out io.Writer) error {
	target, err := wsURL(join)
	if err != nil {
		return err
	}
	if token == "" {
		token = linkToken(join)
	}
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	dctx, cancel := context.WithTimeout(ctx, memberJoinTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(dctx, target, header)
	if err != nil {
		if resp == nil {
			return fmt.Errorf("joining %s: %w", target, err)
		}
		said, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		switch resp.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%s: the dev server there runs no native nodes (start it with -native N)", target)
		case http.StatusUnauthorized:
			what := "needs its access token"
			if token != "" {
				what = "refused the token given"
			}
			return fmt.Errorf("%s %s: pass it with -token TOKEN, or give -join the link the server printed (http://HOST:PORT/?token=...): %s", target, what, bytes.TrimSpace(said))
		}
		return fmt.Errorf("joining %s: %s: %s", target, resp.Status, bytes.TrimSpace(said))
	}
	defer conn.Close()

	frames := make(chan frame, 256)
	readErr := make(chan error, 1)
	go func() {
		for {
			typ, data, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				close(frames)
				return
			}
			frames <- frame{binary: typ == websocket.BinaryMessage, data: data}
		}
	}()
	write := func(typ int, data []byte) error {
		_ = conn.SetWriteDeadline(time.Now().Add(memberWriteTimeout))
		return conn.WriteMessage(typ, data)
	}
	if err := write(websocket.TextMessage, fmt.Appendf(nil, `{"id":1,"op":"join","args":{"node":%d}}`, id)); err != nil {
		return fmt.Errorf("joining %s: %w", target, err)
	}

	// Wait for the join reply; Raft traffic may come before it.
	var early [][]byte
	var jr bridge.JoinReply
	joinWait := time.NewTimer(memberJoinTimeout)
	defer joinWait.Stop()
	for joined := false; !joined; {
		select {
		case f, ok := <-frames:
			if !ok {
				return fmt.Errorf("%s closed the connection before the join answered: %v", target, <-readErr)
			}
			if f.binary {
				early = append(early, f.data)
				continue
			}
			var w struct {
				ID    uint64         `json:"id"`
				Reply *replyEnvelope `json:"reply"`
			}
			if json.Unmarshal(f.data, &w) != nil || w.Reply == nil || w.ID != 1 {
				continue
			}
			if !w.Reply.OK {
				return fmt.Errorf("%s refused the join (%s): %s", target, w.Reply.Kind, w.Reply.Error)
			}
			if err := json.Unmarshal(w.Reply.Result, &jr); err != nil || jr.Node == 0 {
				return fmt.Errorf("%s answered the join with %s", target, w.Reply.Result)
			}
			joined = true
		case <-joinWait.C:
			return fmt.Errorf("%s did not answer the join in %v", target, memberJoinTimeout)
		case <-ctx.Done():
			return nil
		}
	}
	m, err := member.New(jr.Node, jr.Raft)
	if err != nil {
		return err
	}
	as := "a voter"
	if jr.Learner {
		as = "a learner (it replicates the log but does not vote: the cluster already has as many voters hosted outside as keep its native nodes a quorum of their own)"
	}
	fmt.Fprintf(out, "%s joined the native cluster at %s as %s (peers %v); stop with Ctrl-C to leave it\n", jr.Node, target, as, jr.Peers)

	send := func(msgs []*pb.Message) error {
		for _, msg := range msgs {
			data, err := member.Marshal(msg)
			if err != nil {
				return err
			}
			if err := write(websocket.BinaryMessage, data); err != nil {
				return fmt.Errorf("sending to %s: %w", target, err)
			}
		}
		return nil
	}
	say := func() {
		for _, e := range m.TakeEvents() {
			if e.Kind == "role" || e.Kind == "conf-change" || e.Kind == "snapshot" {
				fmt.Fprintln(out, e.Text)
			}
		}
	}
	step := func(data []byte) error {
		msgs, err := m.StepBytes(data)
		if errors.Is(err, member.ErrBadMessage) {
			return nil // not for this node: etcd Raft would ignore it too
		}
		if err != nil {
			return err
		}
		return send(msgs)
	}
	for _, data := range early {
		if err := step(data); err != nil {
			return err
		}
	}

	tick := time.NewTicker(time.Duration(max(jr.Raft.HeartbeatIntervalMS, 1)) * time.Millisecond)
	defer tick.Stop()
	report := time.NewTicker(memberReportEvery)
	defer report.Stop()
	reqID := uint64(1)
	for {
		select {
		case <-ctx.Done():
			// Closing the connection makes the dev server remove the member.
			_ = write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "leaving"))
			fmt.Fprintf(out, "%s left the cluster\n", jr.Node)
			return nil
		case f, ok := <-frames:
			if !ok {
				return fmt.Errorf("%s closed the connection: %v", target, <-readErr)
			}
			if f.binary {
				if err := step(f.data); err != nil {
					return err
				}
				say()
			}
		case <-tick.C:
			msgs, err := m.Tick()
			if err != nil {
				return err
			}
			if err := send(msgs); err != nil {
				return err
			}
			say()
		case <-report.C:
			reqID++
			v, err := json.Marshal(map[string]any{"id": reqID, "op": "report", "args": m.View().NodeView()})
			if err != nil {
				return err
			}
			if err := write(websocket.TextMessage, v); err != nil {
				return fmt.Errorf("reporting to %s: %w", target, err)
			}
		}
	}
}

// replyEnvelope is the bridge's answer envelope.
type replyEnvelope struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Kind   string          `json:"kind"`
}
