// Command devserver serves Seshat's page on a local address.
//
// Usage:
//
//	devserver [-addr 127.0.0.1:8080] [-web DIR]
//
// The page and the WebAssembly engine are embedded (build the engine first:
// make run does). -web serves a directory from disk instead, re-read on
// every request, for editing the page. The server binds to loopback by
// default and warns when told to bind elsewhere; it stops cleanly on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/seshat-raft/seshat/internal/devserver"
	"github.com/seshat-raft/seshat/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	webDir := flag.String("web", "", "serve the page from this directory instead of the embedded copy (for editing)")
	flag.Parse()

	var files fs.FS = web.Files
	cache := true
	if *webDir != "" {
		files, cache = os.DirFS(*webDir), false
	}
	if _, err := fs.Stat(files, "seshat.wasm"); err != nil {
		log.Printf("warning: seshat.wasm is missing: run `make run` (or `make wasm` before building) so the page has its engine")
	}
	if !devserver.IsLoopback(*addr) {
		log.Printf("warning: %s is not a loopback address: the dev server has no authentication and is now reachable from other machines", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("devserver: %v", err)
	}
	h := devserver.NewHandler(files, cache)
	if err := h.Prepare(); err != nil {
		log.Fatalf("devserver: %v", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("Seshat is running: open http://%s/\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("devserver: %v", err)
	}
	fmt.Println("Seshat stopped.")
}
