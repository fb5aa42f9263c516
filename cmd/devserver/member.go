package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/internal/member"
	"github.com/seshat-raft/seshat/wire"
)

// How a member process talks to the dev server it joined.
const (
	memberJoinTimeout = 30 * time.Second
	memberReportEvery = 250 * time.Millisecond
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

// runMember runs one Raft node in this process as a voting member of the
// native cluster served at join (another dev server, on this machine or
// another): it joins through the bridge (a bridge.MemberClient), exchanges
// raftpb messages as binary websocket frames, ticks on the wall clock and
// reports its state so every page shows it. It leaves the cluster when ctx
// ends. id is the id it asks for (0: the next free one). token, or the one
// in a link given as join, is presented as "Authorization: Bearer TOKEN".
func runMember(ctx context.Context, join, token string, id core.NodeID, out io.Writer) error {
	target, err := wsURL(join)
	if err != nil {
		return err
	}
	if token == "" {
		token = linkToken(join)
	}
	c, err := bridge.DialMember(ctx, target, token)
	if err != nil {
		var de *bridge.DialError
		if !errors.As(err, &de) {
			return err
		}
		switch de.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%s: the dev server there runs no native nodes (start it with -native N)", target)
		case http.StatusUnauthorized:
			what := "needs its access token"
			if token != "" {
				what = "refused the token given"
			}
			return fmt.Errorf("%s %s: pass it with -token TOKEN, or give -join the link the server printed (http://HOST:PORT/?token=...): %s", target, what, de.Body)
		}
		return err
	}
	// Closing the connection (on return, or when ctx ends) makes the dev
	// server remove the member.
	defer c.Close()
	node, err := memberLoop(ctx, c, id, out)
	if ctx.Err() != nil {
		// Leaving: ctx's end closed the connection, perhaps under a write.
		if node != 0 {
			fmt.Fprintf(out, "%s left the cluster\n", node)
		}
		return nil
	}
	return err
}

// memberLoop joins through c and runs the member until ctx ends or the
// connection fails. node is the id it joined as, or 0.
func memberLoop(ctx context.Context, c *bridge.MemberClient, id core.NodeID, out io.Writer) (node core.NodeID, err error) {
	target := c.Target()
	jctx, cancel := context.WithTimeout(ctx, memberJoinTimeout)
	jr, early, err := c.Join(jctx, id)
	cancel()
	switch {
	case ctx.Err() != nil:
		return 0, nil
	case errors.Is(err, context.DeadlineExceeded):
		return 0, fmt.Errorf("%s did not answer the join in %v", target, memberJoinTimeout)
	case err != nil:
		return 0, err
	}
	m, err := member.New(jr.Node, jr.Raft)
	if err != nil {
		return 0, err
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
			if err := c.SendRaft(data); err != nil {
				return err
			}
		}
		return nil
	}
	say := func() {
		for _, e := range m.TakeEvents() {
			switch e.Kind {
			case wire.EvRole, wire.EvLeader, wire.EvConfChange, wire.EvSnapshotInstall:
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
			return jr.Node, err
		}
	}

	tick := time.NewTicker(time.Duration(max(jr.Raft.HeartbeatIntervalMS, 1)) * time.Millisecond)
	defer tick.Stop()
	report := time.NewTicker(memberReportEvery)
	defer report.Stop()
	for {
		select {
		case <-ctx.Done():
			return jr.Node, nil
		case f, ok := <-c.Frames():
			if !ok {
				return jr.Node, fmt.Errorf("%s closed the connection: %v", target, c.Err())
			}
			if f.Binary {
				if err := step(f.Data); err != nil {
					return jr.Node, err
				}
				say()
			}
		case <-tick.C:
			msgs, err := m.Tick()
			if err == nil {
				err = send(msgs)
			}
			if err != nil {
				return jr.Node, err
			}
			say()
		case <-report.C:
			if err := c.Report(m.View()); err != nil {
				return jr.Node, err
			}
		}
	}
}
