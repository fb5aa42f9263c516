// Package simtest builds simulator sessions for tests in other packages:
// the engine's (wasm) and the browser's (e2e).
package simtest
