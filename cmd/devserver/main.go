// Command devserver serves Seshat's page on a local address, and optionally
// runs native Raft nodes the page can watch and drive.
//
// Usage:
//
//	devserver [-addr 127.0.0.1:8080] [-web DIR] [-native N [-data-dir DIR]]
//	          [-allow-host NAME] [-require-token | -token TOKEN] [-max-conns 64]
//	devserver -join HOST:PORT|LINK [-token TOKEN] [-node-id N]
//
// The page and the WebAssembly engine are embedded (build the engine first:
// make run does). -web serves a directory from disk instead, re-read on
// every request, for editing the page. -native N starts N native Raft nodes
// at wall-clock speed on loopback and bridges them to the page over a
// websocket at /ws, with an HTTP API at /api/ (docs/bridge-protocol.md);
// open the page with ?engine=native. -data-dir DIR keeps each native
// node's Raft log in DIR/n<id>/, synced before any write is acknowledged,
// and restarts the nodes from it: killing the server, even with SIGKILL,
// loses no acknowledged write. -join runs, instead of a server, one
// Raft node in this process that joins the native cluster of the dev server
// at HOST:PORT (on this machine or another) as a voting member, through the
// same websocket bridge a page uses; it leaves when stopped. The server
// binds to loopback by default and stops cleanly on SIGINT or SIGTERM.
//
// Every request must name the server by a host it answers to (the
// listening address, localhost, 127.0.0.1, [::1], or -allow-host NAME), so
// DNS rebinding gets nowhere; websockets and state-changing API requests
// from another origin are refused. Bound beyond loopback (or with
// -require-token or -token), the server draws a random access token and
// prints a link carrying it (http://HOST:PORT/?token=...): opening the link
// sets a cookie, tools send "Authorization: Bearer TOKEN", and -join takes
// -token TOKEN or the link itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seshat-raft/seshat/core"
	"github.com/seshat-raft/seshat/internal/bridge"
	"github.com/seshat-raft/seshat/internal/devserver"
	"github.com/seshat-raft/seshat/native"
	"github.com/seshat-raft/seshat/web"
	"github.com/seshat-raft/seshat/wire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, log.Default()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		log.Fatalf("devserver: %v", err)
	}
}

// run parses the flags, serves until ctx ends, then shuts down: the HTTP
// server, every websocket, and the native nodes.
func run(ctx context.Context, args []string, out io.Writer, logger *log.Logger) error {
	fl := flag.NewFlagSet("devserver", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	webDir := fl.String("web", "", "serve the page from this directory instead of the embedded copy (for editing)")
	source := fl.Bool("source", false, "serve the page's JavaScript and CSS as written, not minified (minified files come with source maps, which browsers' developer tools read)")
	nodes := fl.Int("native", 0, fmt.Sprintf("run this many native Raft nodes (1 to %d) and bridge them to the page at /ws; 0: none", wire.MaxNodes))
	join := fl.String("join", "", "run one Raft node in this process as a member of the native cluster of the dev server at this address (host:port); it serves no page")
	nodeID := fl.Int("node-id", 0, "with -join: the id this node asks for, which must be the cluster's next (ids run from 1 without gaps and are never reused); 0: whatever is next")
	dataDir := fl.String("data-dir", "", "keep the native nodes' Raft logs in this directory (a subdirectory n<id> each) and restart from them; empty: memory only")
	var allowHosts []string
	fl.Func("allow-host", "also answer requests addressed to this host name (name or name:port; repeat or separate with commas), e.g. a name in /etc/hosts", func(v string) error {
		for h := range strings.SplitSeq(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				allowHosts = append(allowHosts, h)
			}
		}
		return nil
	})
	token := fl.String("token", "", "the access token: the server requires this one (at least 16 characters) instead of drawing one; with -join, the token to present")
	requireToken := fl.Bool("require-token", false, "require a random access token on loopback too (beyond loopback it is always required)")
	maxConns := fl.Int("max-conns", 64, "the most websocket connections open at once (pages and -join processes)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every option is a flag (-h lists them)", fl.Args())
	}
	if *nodes < 0 || *nodes > wire.MaxNodes {
		return fmt.Errorf("-native %d: must be 0 (no native nodes) to %d", *nodes, wire.MaxNodes)
	}
	if *join != "" {
		if *nodes > 0 || *webDir != "" || *source || *dataDir != "" || *requireToken || len(allowHosts) > 0 {
			return errors.New("-join runs one member node in memory and serves nothing: it cannot be combined with -native, -web, -source, -data-dir, -require-token or -allow-host")
		}
		if *nodeID < 0 || *nodeID > 64 {
			return fmt.Errorf("-node-id %d: must be 0 (the next free id) to 64", *nodeID)
		}
		return runMember(ctx, *join, *token, core.NodeID(*nodeID), out)
	}
	if *nodeID != 0 {
		return errors.New("-node-id names the node a -join process hosts: use it with -join")
	}
	if *dataDir != "" && *nodes == 0 {
		return fmt.Errorf("-data-dir %s: needs native nodes (-native N)", *dataDir)
	}
	if *maxConns < 1 {
		return fmt.Errorf("-max-conns %d: must be 1 or more", *maxConns)
	}
	if *token != "" && len(*token) < 16 {
		return errors.New("-token: give at least 16 characters (or leave it out: the server draws a random one)")
	}
	if *token == "" && (*requireToken || !devserver.IsLoopback(*addr)) {
		t, err := bridge.NewToken()
		if err != nil {
			return err
		}
		*token = t
	}

	var files fs.FS = web.Files
	cache := true
	if *webDir != "" {
		// os.Root keeps every file, symlinks included, inside the directory.
		root, err := os.OpenRoot(*webDir)
		if err != nil {
			return fmt.Errorf("-web %s: %w", *webDir, err)
		}
		defer root.Close()
		if st, err := root.Stat("."); err != nil || !st.IsDir() {
			return fmt.Errorf("-web %s: not a directory", *webDir)
		}
		files, cache = root.FS(), false
	}
	if _, err := fs.Stat(files, "seshat.wasm"); err != nil {
		logger.Printf("warning: seshat.wasm is missing: run `make run` (or `make wasm` before building) so the page has its engine")
	}
	if !devserver.IsLoopback(*addr) {
		logger.Printf("warning: %s is not a loopback address: the dev server is reachable from other machines; every request needs the access token in the link printed below", *addr)
	}
	// Listen first: a bad address fails at once, and connections wait in the
	// backlog while the files are compressed.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	h := devserver.NewHandler(files, devserver.Options{Cache: cache, Source: *source})
	if err := h.Prepare(); err != nil {
		return err
	}
	if _, err := fs.Stat(files, "seshat.wasm"); err == nil && !h.HasBrotli("seshat.wasm") {
		logger.Printf("warning: seshat.wasm.br is missing or older than seshat.wasm: browsers get the engine gzipped (larger); run `make wasm`")
	}
	here := ln.Addr().String()
	if host, _, err := net.SplitHostPort(*addr); err == nil && host != "" && net.ParseIP(host) == nil {
		allowHosts = append(allowHosts, host) // the name -addr gave
	}
	show, remote := here, "" // the host:port the printed links name
	if tcp := ln.Addr().(*net.TCPAddr); tcp.IP.IsUnspecified() {
		// Bound to every address: links name loopback, and this machine's
		// name for the others.
		port := strconv.Itoa(tcp.Port)
		show = net.JoinHostPort("127.0.0.1", port)
		if name, err := os.Hostname(); err == nil && name != "" {
			allowHosts = append(allowHosts, name)
			remote = net.JoinHostPort(name, port)
		}
	}
	guard, err := bridge.NewGuard(bridge.GuardOptions{Addr: here, Hosts: allowHosts, Token: *token, Logger: logger})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)

	var cluster *native.Cluster
	var br *bridge.Bridge
	if *nodes > 0 {
		cfg := wire.DefaultConfig()
		cfg.Nodes = *nodes
		if *dataDir != "" {
			cluster, err = native.StartDurable(cfg, *dataDir)
		} else {
			cluster, err = native.Start(cfg)
		}
		if err != nil {
			return err
		}
		opts := bridge.Options{Logger: logger, MaxConns: *maxConns}
		if *dataDir == "" {
			// A durable cluster keeps every voter's log in its data dir: a
			// node hosted elsewhere could not be restarted with it.
			opts.Join = joinNative(cluster)
			// Frames past what a member may send are dropped unread.
			opts.RaftFrameLimit = native.MaxMemberMessageBytes
		}
		br = bridge.New(cluster, opts)
		mux.HandleFunc("/ws", br.ServeWS)
		mux.Handle("/api/", br.API())
	}

	srv := devserver.NewServer(guard.Wrap(mux), devserver.DefaultLimits())
	link, native, curl := "http://"+show+"/", "http://"+show+"/?engine=native", "curl"
	if *token != "" {
		link += "?token=" + *token
		native += "&token=" + *token
		curl += " -H 'Authorization: Bearer " + *token + "'"
	}
	fmt.Fprintf(out, "Seshat is running: open %s\n", link)
	if remote != "" {
		fmt.Fprintf(out, "  from other machines: %s (or the same link with this machine's IP address)\n", strings.Replace(link, show, remote, 1))
	}
	if cluster != nil {
		fmt.Fprintf(out, "%d native nodes: open %s (API: %s -X PUT --data v http://%s/api/kv/k)\n", *nodes, native, curl, show)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if br != nil {
			br.Close() // websockets are hijacked: Shutdown does not wait for them
		}
		err = srv.Shutdown(shutdown)
		<-served
	}
	if br != nil {
		br.Close()
	}
	if cluster != nil {
		err = errors.Join(err, cluster.Stop())
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "Seshat stopped.")
	return nil
}
