package export

import (
	"bytes"
	"compress/flate"
	"encoding/base64"

	"github.com/seshat-raft/seshat/sim"
	"github.com/seshat-raft/seshat/wire"
)

// SessionLink is pageURL followed by the page's hash for session s,
// "#s=z<packed>", in the form the page's Share button writes: the session's
// JSON, deflated (raw DEFLATE) and base64url-encoded without padding, after
// a "z" (the parameter and the letter are wire.LinkSession and
// wire.LinkDeflate, which the page reads too). Opening it replays s in the page; OpLink adds a time. pageURL is
// the page's address ("" for the hash alone).
func SessionLink(pageURL string, s sim.Session) (string, error) {
	js, err := sim.MarshalSession(s)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(js); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return pageURL + "#" + wire.LinkSession + "=" + wire.LinkDeflate + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}
