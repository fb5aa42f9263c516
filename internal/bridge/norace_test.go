//go:build !race

package bridge

// raceEnabled is true when the race detector is on.
const raceEnabled = false
