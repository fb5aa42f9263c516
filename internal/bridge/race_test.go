//go:build race

package bridge

// raceEnabled is true when the race detector is on: tests that open
// hundreds of connections open fewer, as everything runs ten times slower.
const raceEnabled = true
