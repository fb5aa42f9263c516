package devserver

import (
	"net/http"
	"time"
)

// Limits bound how long a client may hold the server's connections. A
// websocket is not bound by them once upgraded: net/http clears a
// connection's deadlines when it is hijacked, and the bridge sets its own
// (pings, write timeouts).
type Limits struct {
	// ReadHeader bounds reading a request's header; Read bounds reading the
	// whole request, body included (a slow body is cut off).
	ReadHeader, Read time.Duration
	// Write bounds writing the answer, counted from the end of the request
	// header; it must exceed the longest answer (the API's request timeout,
	// the engine over a slow link).
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
	// MaxHeaderBytes bounds a request's header.
	MaxHeaderBytes int
}

// DefaultLimits returns the dev server's limits: 10 s to send a header,
// 30 s for a whole request, 60 s to receive an answer, 2 minutes idle, and
// headers of at most 64 KiB.
func DefaultLimits() Limits {
	return Limits{
		ReadHeader:     10 * time.Second,
		Read:           30 * time.Second,
		Write:          60 * time.Second,
		Idle:           2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}

// NewServer returns an http.Server for h with the limits l.
func NewServer(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}
