package etcdscript

// Normalize is the one place where an output is rewritten before a step's
// actual output is compared with the expected one (Step.Matches, the
// conformance test). The scripts run in etcd's own InteractionEnv, with its
// own logger, so there is nothing to rewrite: it returns s unchanged. A
// difference found later and understood belongs here, with its reason.
func Normalize(s string) string { return s }

// KnownDifferences returns the etcd scripts (by file name) whose output
// cannot match the file even after Normalize, each with the reason. The
// conformance test checks that it is exactly the set of scripts that
// differ, so it cannot go stale. It is empty: all 28 scripts of etcd raft
// v3.7.0 match.
func KnownDifferences() map[string]string { return map[string]string{} }
