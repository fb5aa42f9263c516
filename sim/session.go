package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// SessionVersion is the version of the session export format.
const SessionVersion = 1

// Session is everything needed to reproduce a run exactly: the seed and
// configuration, the commands with the points where they were applied, and
// how far the run went. Its JSON form is compact and stable.
type Session struct {
	Version  int             `json:"version"`
	Config   Config          `json:"config"`
	Commands []LoggedCommand `json:"commands"`
	// Until is the furthest virtual time the run reached (ms).
	Until int64 `json:"until"`
}

// Export returns the session: the initial configuration, every command
// (including those after the current point, if the cluster was seeked back)
// and the horizon.
func (c *Cluster) Export() Session {
	cmds := make([]LoggedCommand, len(c.log))
	copy(cmds, c.log)
	return Session{Version: SessionVersion, Config: c.initial, Commands: cmds, Until: c.horizon}
}

// MarshalSession encodes a session as JSON.
func MarshalSession(s Session) ([]byte, error) { return json.Marshal(s) }

// UnmarshalSession decodes a session, refusing unknown fields and versions.
func UnmarshalSession(data []byte) (Session, error) {
	var s Session
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Session{}, fmt.Errorf("%w: %v", ErrBadSession, err)
	}
	if s.Version != SessionVersion {
		return Session{}, fmt.Errorf("%w: version %d; this build reads version %d", ErrBadSession, s.Version, SessionVersion)
	}
	return s, nil
}

// Import rebuilds a cluster from a session and runs it to the session's
// horizon, re-applying every command where it was applied. The result has
// the same trace as the run that was exported.
func Import(s Session) (*Cluster, error) {
	if s.Version != SessionVersion {
		return nil, fmt.Errorf("%w: version %d; this build reads version %d", ErrBadSession, s.Version, SessionVersion)
	}
	var prev LoggedCommand
	for i, lc := range s.Commands {
		if lc.Step < prev.Step || lc.At < prev.At || lc.At > s.Until || lc.At < 0 {
			return nil, fmt.Errorf("%w: command %d (step %d, at %d ms) is out of order or past the end (%d ms)", ErrBadSession, i, lc.Step, lc.At, s.Until)
		}
		prev = lc
	}
	c, err := New(s.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSession, err)
	}
	c.log = append(c.log, s.Commands...)
	err = c.RunUntil(s.Until)
	if err != nil && c.halted == nil {
		return nil, err
	}
	return c, nil
}

// SeekTo moves the cluster to virtual time t (0 <= t <= the horizon). Going
// back replays the session from the latest checkpoint at or before t (or
// from the start), so the state at t is exactly what it was; going forward
// runs on, re-applying recorded commands. The command
// log is kept: seeking back and then forward again returns to the same
// state, until a new command is applied, which replaces the recorded future.
func (c *Cluster) SeekTo(t int64) error {
	if t < 0 || t > c.horizon {
		return fmt.Errorf("%w: seek to %d ms; the session spans 0 to %d ms", ErrImpossible, t, c.horizon)
	}
	if t >= c.now && c.halted == nil {
		return c.RunUntil(t)
	}
	r := c.takeCheckpoint(t)
	if r == nil {
		var err error
		if r, err = New(c.initial); err != nil {
			return err
		}
	}
	r.replica = false
	r.trace.resize(defaultTraceKeep)
	r.log, r.horizon, r.cps, r.hooks = c.log, c.horizon, c.cps, c.hooks
	*c = *r
	err := c.RunUntil(t)
	if c.halted != nil {
		return nil // the violation is the state at t; the page shows it
	}
	return err
}

// Horizon returns the furthest virtual time the session has reached: the end
// of the time-travel slider.
func (c *Cluster) Horizon() int64 { return c.horizon }
