package devserver

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serveLimited serves h with short limits on a loopback listener.
func serveLimited(t *testing.T, h http.Handler, l Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, l)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin reads from c until the server closes it, failing if that
// takes longer than limit. It returns what was read.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	got, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return string(got)
}

func TestSlowBodyIsCutOff(t *testing.T) {
	read := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		read <- err
	})
	l := Limits{ReadHeader: time.Second, Read: 300 * time.Millisecond, Write: time.Second, Idle: time.Second}
	addr := serveLimited(t, h, l)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A header promising a body that never comes.
	if _, err := io.WriteString(c, "PUT /api/kv/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\nslow"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-read:
		if err == nil {
			t.Fatal("the handler read the whole body")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a body that never came held the handler for 10 s")
	}
	closedWithin(t, c, 10*time.Second)
}

func TestSlowHeaderAndIdleConnectionsAreClosed(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	l := Limits{ReadHeader: 200 * time.Millisecond, Read: time.Second, Write: time.Second, Idle: 200 * time.Millisecond}
	addr := serveLimited(t, h, l)

	// A header that never ends.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
	closedWithin(t, c, 10*time.Second)

	// One request, then silence: the kept-alive connection is closed.
	k, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	io.WriteString(k, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(k), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request: %v %v", resp, err)
	}
	closedWithin(t, k, 10*time.Second)
}

// Websockets are hijacked: the server's read and write timeouts must not
// end them (net/http clears the deadlines on hijack).
func TestWebsocketsOutliveTheServerTimeouts(t *testing.T) {
	up := websocket.Upgrader{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, data); err != nil {
				return
			}
		}
	})
	l := Limits{ReadHeader: 50 * time.Millisecond, Read: 100 * time.Millisecond, Write: 100 * time.Millisecond, Idle: 100 * time.Millisecond}
	addr := serveLimited(t, h, l)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Exchange messages for five times the longest limit.
	start := time.Now()
	for i := 0; time.Since(start) < 500*time.Millisecond; i++ {
		msg := strings.Repeat("x", i%100)
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatalf("after %v: %v", time.Since(start), err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != msg {
			t.Fatalf("after %v: %q %v", time.Since(start), got, err)
		}
		time.Sleep(20 * time.Millisecond) // pace the exchange; nothing is awaited
	}
}
