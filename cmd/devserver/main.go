// Command devserver serves Seshat's page on a local address.
//
// Usage:
//
//	devserver [-addr 127.0.0.1:8080] [-web DIR]
//
// It binds to loopback by default and warns when told to bind elsewhere.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/seshat-raft/seshat/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	webDir := flag.String("web", "", "serve the page from this directory instead of the embedded copy (for editing)")
	flag.Parse()

	var files fs.FS = web.Files
	if *webDir != "" {
		files = os.DirFS(*webDir)
	}
	ln, err := listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Seshat is running: open http://%s/\n", ln.Addr())
	srv := &http.Server{Handler: http.FileServerFS(files)}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// listen binds addr, warning when it is not a loopback address.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("devserver: -addr %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Printf("warning: binding %s exposes the dev server beyond this machine; it has no authentication", addr)
	}
	return net.Listen("tcp", addr)
}
