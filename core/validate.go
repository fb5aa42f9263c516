package core

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Validate checks the whole configuration and returns every problem found,
// joined (errors.Join): each is a *ConfigError naming the field and the rule,
// and errors.Is(err, ErrConfig) holds. It returns nil for a valid config.
//
// Besides each part's own rules it checks that a bootstrapping node is one of
// the initial members.
func (c Config) Validate() error {
	var errs []error
	errs = append(errs, c.Node.validate()...)
	errs = append(errs, c.Cluster.validate()...)
	errs = append(errs, c.Raft.validate()...)
	if c.Cluster.Bootstrap && c.Node.ID != 0 && len(c.Cluster.InitialMembers) > 0 {
		found := false
		for _, m := range c.Cluster.InitialMembers {
			if m.ID == c.Node.ID {
				found = true
			}
		}
		if !found {
			errs = append(errs, &ConfigError{"cluster.initial_members", fmt.Sprintf("must include this node (node.id %d) when bootstrapping; to join an existing cluster set cluster.bootstrap to false", c.Node.ID)})
		}
	}
	return errors.Join(errs...)
}

// Validate checks the node's own settings: id > 0, addresses that parse as
// host:port, and a writable data_dir when one is set (it is created if missing).
func (n NodeConfig) Validate() error { return errors.Join(n.validate()...) }

func (n NodeConfig) validate() []error {
	var errs []error
	if n.ID == 0 {
		errs = append(errs, &ConfigError{"node.id", "must be greater than 0 (0 means \"no node\" in Raft)"})
	}
	for _, a := range []struct {
		field, addr string
		zeroPortOK  bool
	}{
		{"node.client_addr", n.ClientAddr, true},
		{"node.internal_addr", n.InternalAddr, true},
		{"node.advertise_addr", n.AdvertiseAddr, false},
	} {
		if a.addr == "" {
			continue
		}
		if err := checkAddr(a.addr, a.zeroPortOK); err != nil {
			errs = append(errs, &ConfigError{a.field, err.Error()})
		}
	}
	if n.DataDir != "" {
		if err := checkWritableDir(n.DataDir); err != nil {
			errs = append(errs, &ConfigError{"node.data_dir", err.Error()})
		}
	}
	return errs
}

// Validate checks the membership: at least 3 initial members (or exactly one
// with replication_factor 1), ids > 0, no duplicate ids or addresses, and a
// replication_factor matching the member count.
func (c ClusterConfig) Validate() error { return errors.Join(c.validate()...) }

func (c ClusterConfig) validate() []error {
	var errs []error
	n := len(c.InitialMembers)
	if c.ReplicationFactor < 0 {
		errs = append(errs, &ConfigError{"cluster.replication_factor", "must not be negative (0 means \"as many as initial_members\")"})
	}
	if c.Bootstrap && n == 0 {
		errs = append(errs, &ConfigError{"cluster.initial_members", "must list the founding members when cluster.bootstrap is true"})
	}
	if n > 0 {
		switch {
		case c.ReplicationFactor == 1 && n != 1:
			errs = append(errs, &ConfigError{"cluster.replication_factor", fmt.Sprintf("is 1 (a single-node cluster) but initial_members lists %d members", n)})
		case c.ReplicationFactor == 1:
			// An explicit single-node cluster.
		case n < 3 && c.AllowSmallCluster:
			// An explicit, fault-intolerant small cluster.
		case n < 3:
			errs = append(errs, &ConfigError{"cluster.initial_members", fmt.Sprintf("lists %d members; a fault-tolerant cluster needs at least 3 (set replication_factor to 1 for an explicit single-node cluster)", n)})
		case c.ReplicationFactor > 1 && c.ReplicationFactor != n:
			errs = append(errs, &ConfigError{"cluster.replication_factor", fmt.Sprintf("is %d but initial_members lists %d members; every initial member is a voter, so they must match (or leave replication_factor 0)", c.ReplicationFactor, n)})
		}
	}
	ids := make(map[NodeID]int, n)
	addrs := make(map[string]int, n)
	for i, m := range c.InitialMembers {
		field := fmt.Sprintf("cluster.initial_members[%d]", i)
		if m.ID == 0 {
			errs = append(errs, &ConfigError{field + ".id", "must be greater than 0"})
		} else if j, dup := ids[m.ID]; dup {
			errs = append(errs, &ConfigError{field + ".id", fmt.Sprintf("duplicates initial_members[%d].id (%d); ids must be unique", j, m.ID)})
		} else {
			ids[m.ID] = i
		}
		if m.Addr == "" {
			continue
		}
		if err := checkAddr(m.Addr, false); err != nil {
			errs = append(errs, &ConfigError{field + ".addr", err.Error()})
		} else if j, dup := addrs[m.Addr]; dup {
			errs = append(errs, &ConfigError{field + ".addr", fmt.Sprintf("duplicates initial_members[%d].addr (%q); addresses must be unique", j, m.Addr)})
		} else {
			addrs[m.Addr] = i
		}
	}
	return errs
}

// Validate checks the Raft tuning: the timing rules explained on RaftConfig,
// positive snapshot thresholds, a log ceiling above the snapshot interval,
// flow control within bounds, and CheckQuorum when lease-based reads are on.
func (r RaftConfig) Validate() error { return errors.Join(r.validate()...) }

func (r RaftConfig) validate() []error {
	var errs []error
	hb, lo, hi := r.HeartbeatIntervalMS, r.ElectionTimeoutMinMS, r.ElectionTimeoutMaxMS
	if hb <= 0 {
		errs = append(errs, &ConfigError{"raft.heartbeat_interval_ms", fmt.Sprintf("is %d; must be greater than 0 (default %d)", hb, DefaultHeartbeatIntervalMS)})
	} else {
		if lo < 2*hb {
			errs = append(errs, &ConfigError{"raft.election_timeout_min_ms", fmt.Sprintf("is %d; must be at least 2 x heartbeat_interval_ms (%d), or followers time out between heartbeats", lo, 2*hb)})
		} else if lo%hb != 0 {
			errs = append(errs, &ConfigError{"raft.election_timeout_min_ms", fmt.Sprintf("is %d; must be a multiple of heartbeat_interval_ms (%d), since Raft counts time in heartbeat ticks", lo, hb)})
		}
	}
	if lo > 0 && hi != 2*lo {
		errs = append(errs, &ConfigError{"raft.election_timeout_max_ms", fmt.Sprintf("is %d; must be exactly 2 x election_timeout_min_ms (%d), because etcd Raft draws election timeouts from [min, 2 x min)", hi, 2*lo)})
	}
	if r.SnapshotIntervalEntries == 0 {
		errs = append(errs, &ConfigError{"raft.snapshot_interval_entries", fmt.Sprintf("must be greater than 0 (default %d)", DefaultSnapshotIntervalEntries)})
	}
	if r.SnapshotIntervalBytes == 0 {
		errs = append(errs, &ConfigError{"raft.snapshot_interval_bytes", fmt.Sprintf("must be greater than 0 (default %d)", DefaultSnapshotIntervalBytes)})
	}
	if r.MaxLogSizeBytes < r.SnapshotIntervalBytes {
		errs = append(errs, &ConfigError{"raft.max_log_size_bytes", fmt.Sprintf("is %d; must be at least snapshot_interval_bytes (%d), or the log would hit its ceiling before a regular snapshot", r.MaxLogSizeBytes, r.SnapshotIntervalBytes)})
	}
	if r.MaxInflightMsgs < 0 || r.MaxInflightMsgs > MaxMaxInflightMsgs {
		errs = append(errs, &ConfigError{"raft.max_inflight_msgs", fmt.Sprintf("is %d; must be 1 to %d (0: the default, %d)", r.MaxInflightMsgs, MaxMaxInflightMsgs, DefaultMaxInflightMsgs)})
	}
	if r.MaxSizePerMsg > MaxMaxSizePerMsg {
		errs = append(errs, &ConfigError{"raft.max_size_per_msg", fmt.Sprintf("is %d; must be at most %d bytes (0: the default, %d)", r.MaxSizePerMsg, MaxMaxSizePerMsg, DefaultMaxSizePerMsg)})
	}
	if r.ReadOnlyLeaseBased && !r.CheckQuorum {
		errs = append(errs, &ConfigError{"raft.read_only_lease_based", "requires check_quorum: a leader's lease is only valid if it steps down when it loses its quorum"})
	}
	return errs
}

// splitHostPort splits "host:port" or "[host]:port". It is written here
// rather than taken from package net, which would add 300 KB to the page's
// WebAssembly for one function.
func splitHostPort(addr string) (host, port string, err error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", "", errors.New("missing port")
	}
	host, port = addr[:i], addr[i+1:]
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return "", "", errors.New("missing ']' in address")
		}
		host = host[1 : len(host)-1]
	} else if strings.ContainsAny(host, ":[]") {
		return "", "", errors.New("too many colons; write IPv6 addresses in brackets")
	}
	return host, port, nil
}

// checkAddr checks that addr is host:port with a numeric port in range.
func checkAddr(addr string, zeroPortOK bool) error {
	_, port, err := splitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (%v); write e.g. \"127.0.0.1:2380\" or \"[::1]:2380\"", addr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return fmt.Errorf("%q has port %q; the port must be a number from 1 to 65535", addr, port)
	}
	if p == 0 && !zeroPortOK {
		return fmt.Errorf("%q has port 0; peers need a real port to dial", addr)
	}
	return nil
}

// checkWritableDir creates dir if needed and proves a file can be written in it.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %q: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, ".seshat-write-check-*")
	if err != nil {
		return fmt.Errorf("%q is not writable: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("%q: cannot remove the write check file: %v", dir, err)
	}
	return nil
}
