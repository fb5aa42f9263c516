// Package loadtest holds the dev server's load test: a five-node native
// cluster on loopback taking writes from 64 writers while fifty pages watch
// it over the websocket bridge, with a partition and a crash in the middle.
// At the end a barrier write settles the log (writes of unknown outcome may
// commit after the writers stop, and views lag by up to 20 ms); once every
// node has applied it, every acknowledged write must be applied on every
// live node, and the client history must be linearizable (Porcupine), with
// writes answered unavailable left out as not applied.
//
// It runs with `make test` (target test-load) for 20 seconds and with `make
// load` for the full 60 (SESHAT_LOAD=1, SESHAT_LOAD_SECONDS), never under the
// race detector, whose slowdown would make the rate meaningless. It asserts
// correctness only, and logs the throughput, the write latency percentiles,
// each page's bytes per second and dropped views, and the server's memory
// afterwards. The throughput is a wall-clock figure that depends on the
// machine: `make load` holds it to 1,000 acknowledged writes a second
// (SESHAT_LOAD_TARGET; make's LOAD_TARGET), `make test` does not.
package loadtest
