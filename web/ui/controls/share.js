// The session outside the page: in the URL hash, in a downloaded JSON file,
// or read back from either.
import { encodeSession, decodeSession, parseHash, buildHash } from '../session-url.js';
import { sessionTooBig } from '../engine.js';

/** sessionURL is this page's URL holding the session seen at time t. */
export async function sessionURL(session, t) {
  const packed = await encodeSession(session);
  return `${location.pathname}${location.search}${buildHash(packed, t)}`;
}

/** setURL replaces the page's URL without a navigation; it returns the full URL. */
export function setURL(url) {
  history.replaceState(null, '', url);
  return location.href;
}

/** clearHash removes the session from the URL (it no longer shows what the page shows). */
export function clearHash() {
  if (location.hash) history.replaceState(null, '', `${location.pathname}${location.search}`);
}

/**
 * readHash returns what the URL asks for: {session, t} or {nodes, seed} or
 * {}; it throws an Error naming what is wrong with a bad link, and on a
 * session larger than limits.max_bytes before parsing it (limits: the
 * engine's, see parseHash).
 */
export async function readHash(limits) {
  const h = parseHash(location.hash, limits);
  if (h.session) return { session: await decodeSession(h.session, { maxBytes: (limits && limits.max_bytes) || Infinity }), t: h.t };
  return h;
}

/** download saves a session as a JSON file. */
export function download(session) {
  downloadText(JSON.stringify(session, null, 1), `seshat-seed${session.config.seed}-${(session.until / 1000).toFixed(1)}s.json`, 'application/json');
}

/** downloadText saves text as a file named filename, of type mime. */
export function downloadText(text, filename, mime) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: mime }));
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 2000);
}

/**
 * readFile parses a session file; it throws an Error that names the file,
 * at once, without reading it, when the file is larger than
 * limits.max_bytes (the engine's limits).
 */
export async function readFile(file, limits) {
  const big = sessionTooBig(file.size, limits);
  if (big) throw new Error(`${file.name} is not read: ${big}`);
  try {
    return JSON.parse(await file.text());
  } catch (err) {
    throw new Error(`${file.name} is not a session file: ${err.message}`);
  }
}

/** copyText copies text to the clipboard; it resolves false when the browser refuses. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
