package wire

// The page's link: the parameters of its URL hash, and how a session is
// packed into one ("#s=z<packed>&t=<ms>", "#nodes=7&seed=3",
// "#tour=election"). The page reads and writes links with them (web/ui/
// session-url.js, through the generated LINK), and Go writes links the page
// opens (export.SessionLink, export.OpLink). A parameter renamed here
// breaks links already shared.
const (
	// LinkSession is the parameter holding a shared session, packed: a
	// LinkDeflate or LinkPlain letter, then the session's JSON as
	// base64url without padding.
	LinkSession = "s"
	// LinkTime is the parameter holding the virtual time (whole ms) a
	// shared session opens at; it needs LinkSession.
	LinkTime = "t"
	// LinkNodes and LinkSeed are the parameters of a new cluster's size
	// and seed, without a session.
	LinkNodes = "nodes"
	LinkSeed  = "seed"
	// LinkTour is the parameter naming a chapter of the guided tour; a
	// tour link holds it alone.
	LinkTour = "tour"
	// LinkDeflate starts a session packed as raw DEFLATE (RFC 1951, no
	// zlib header) of its JSON.
	LinkDeflate = "z"
	// LinkPlain starts a session packed as its JSON alone, as a browser
	// without CompressionStream writes it.
	LinkPlain = "j"
)

// LinkParams are the parameters a page link may hold, in the order the
// page lists them.
func LinkParams() []string {
	return []string{LinkSession, LinkTime, LinkNodes, LinkSeed, LinkTour}
}
