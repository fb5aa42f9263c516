package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/seshat-raft/seshat/wire"
)

// TestKeyValueLimitsAreBytesAndReported checks that the key and value
// limits count UTF-8 bytes, that a refusal names the field, the limit and
// the unit, and that every view reports the limits (the page checks them
// before sending, and must not copy them).
func TestKeyValueLimitsAreBytesAndReported(t *testing.T) {
	c, err := New(wire.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.View(0).Limits; got != (wire.LimitsView{KeyBytes: wire.MaxKeyBytes, ValueBytes: wire.MaxValueBytes}) {
		t.Fatalf("view limits %+v, want %d and %d bytes", got, wire.MaxKeyBytes, wire.MaxValueBytes)
	}
	// 200 characters of two bytes each: within 256 characters, beyond 256 bytes.
	wide := strings.Repeat("é", 200)
	for _, tc := range []struct {
		cmd  wire.Command
		werr string
	}{
		{wire.Command{Kind: wire.CmdSet, Key: wide, Value: "v"}, "sim: invalid command: set: key is 400 bytes; it must be at most 256 bytes (UTF-8)"},
		{wire.Command{Kind: wire.CmdGet, Key: wide}, "sim: invalid command: get: key is 400 bytes; it must be at most 256 bytes (UTF-8)"},
		{wire.Command{Kind: wire.CmdSet, Key: "k", Value: strings.Repeat("é", 2049)}, "sim: invalid command: set: value is 4098 bytes; it must be at most 4096 bytes (UTF-8)"},
	} {
		err := c.Apply(tc.cmd)
		if err == nil || err.Error() != tc.werr || !errors.Is(err, wire.ErrBadCommand) {
			t.Errorf("%s: got %v, want %q", tc.cmd.Kind, err, tc.werr)
		}
	}
	if err := c.Apply(wire.Command{Kind: wire.CmdSet, Key: strings.Repeat("k", wire.MaxKeyBytes), Value: strings.Repeat("v", wire.MaxValueBytes)}); err != nil {
		t.Errorf("a key and a value at the limits: %v", err)
	}
}
