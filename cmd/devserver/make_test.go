package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMakeRunTakesADDR checks that `make run` and `make run-native` pass
// ADDR to the dev server's -addr (the port was fixed at 8080 before), and
// that the README says so.
func TestMakeRunTakesADDR(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	for _, target := range []string{"run", "run-native", "run-durable"} {
		// -n prints the recipes without running them.
		out, err := exec.Command("make", "-n", "-C", "../..", target, "ADDR=127.0.0.1:9123").CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", target, err, out)
		}
		if !strings.Contains(string(out), "./cmd/devserver -addr 127.0.0.1:9123") {
			t.Errorf("make %s ADDR=127.0.0.1:9123 does not pass it to -addr:\n%s", target, out)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"make run ADDR=", "-addr"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not mention %q", want)
		}
	}
}
