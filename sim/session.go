package sim

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seshat-raft/seshat/wire"
)

// SessionVersion is the version of the session export format.
const SessionVersion = 1

// Session is everything needed to reproduce a run exactly: the seed and
// configuration, the commands with the points where they were applied, and
// how far the run went. Its JSON form is compact and stable.
type Session struct {
	Version  int                  `json:"version"`
	Config   wire.Config          `json:"config"`
	Commands []wire.LoggedCommand `json:"commands"`
	// Until is the furthest virtual time the run reached (ms).
	Until int64 `json:"until"`
}

// Export returns the session: the initial configuration, every command
// (including those after the current point, if the cluster was seeked back)
// and the horizon.
func (c *Cluster) Export() Session {
	cmds := make([]wire.LoggedCommand, len(c.log))
	copy(cmds, c.log)
	return Session{Version: SessionVersion, Config: c.initial, Commands: cmds, Until: c.horizon}
}

// MarshalSession encodes a session as JSON.
func MarshalSession(s Session) ([]byte, error) { return json.Marshal(s) }

// UnmarshalSession decodes a session, refusing one larger than
// MaxSessionBytes (before reading it), unknown fields and versions.
func UnmarshalSession(data []byte) (Session, error) {
	if len(data) > MaxSessionBytes {
		return Session{}, fmt.Errorf("%w: the session is %d bytes; at most %d bytes (%d MiB, sim.MaxSessionBytes) are read", wire.ErrBadSession, len(data), MaxSessionBytes, MaxSessionBytes>>20)
	}
	var s Session
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Session{}, fmt.Errorf("%w: %v", wire.ErrBadSession, err)
	}
	if s.Version != SessionVersion {
		return Session{}, fmt.Errorf("%w: version %d; this build reads version %d", wire.ErrBadSession, s.Version, SessionVersion)
	}
	return s, nil
}

// Import rebuilds a cluster from a session and runs it to the session's
// horizon, re-applying every command where it was applied. The result has
// the same trace as the run that was exported. The session is checked
// against the limits (Session.Check) before any work starts; to run the
// replay in slices, use StartImport.
func Import(s Session) (*Cluster, error) {
	r, err := StartImport(s)
	if err != nil {
		return nil, err
	}
	if err := r.runAll(); err != nil {
		return nil, err
	}
	return r.Cluster(), nil
}

// SeekTo moves the cluster to virtual time t (0 <= t <= the horizon). Going
// back replays the session from the latest checkpoint at or before t (or
// from the start), so the state at t is exactly what it was; going forward
// runs on, re-applying recorded commands. The command
// log is kept: seeking back and then forward again returns to the same
// state, until a new command is applied, which replaces the recorded future.
func (c *Cluster) SeekTo(t int64) error {
	r, err := c.StartSeek(t)
	if err != nil {
		return err
	}
	return r.runAll()
}

// Horizon returns the furthest virtual time the session has reached: the end
// of the time-travel slider.
func (c *Cluster) Horizon() int64 { return c.horizon }
