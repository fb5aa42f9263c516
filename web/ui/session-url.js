// A session in the URL: "#s=<packed session>&t=<ms>". The session (the
// engine's export: seed, config, commands) is deflated and base64url-encoded
// ("z" prefix), or base64url JSON where CompressionStream is missing ("j").
// The parameters and the packing letters are the wire schema's (LINK, made
// from package wire), which Go's export.SessionLink writes too.
// DOM-free: uses only web-platform globals that node also has.

import { LINK } from './schema.js';

const { session: S, time: T, nodes: NODES, seed: SEED, tour: TOUR } = LINK;

/** toBase64url encodes bytes as base64url without padding. */
export function toBase64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** fromBase64url decodes what toBase64url encoded; it throws on other characters. */
export function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const s = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** encodeSession packs a session for the URL; compress false forces the plain form. */
export async function encodeSession(session, { compress = typeof CompressionStream !== 'undefined' } = {}) {
  const json = new TextEncoder().encode(JSON.stringify(session));
  if (compress) return LINK.deflate + toBase64url(await pipe(json, new CompressionStream('deflate-raw')));
  return LINK.plain + toBase64url(json);
}

/** tooBig is the error for a session past maxBytes bytes. */
function tooBig(what, maxBytes) {
  return new Error(`the session ${what} more than ${maxBytes.toLocaleString('en-US')} bytes (${(maxBytes / (1 << 20)).toFixed(1)} MiB), the most a session may be`);
}

/** inflate unpacks deflate-raw bytes, stopping with an error past maxBytes (a link cannot unpack to gigabytes). */
async function inflate(bytes, maxBytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooBig('unpacks to', maxBytes);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * decodeSession unpacks what encodeSession packed; it throws on anything
 * else, and on a session of more than maxBytes bytes of JSON (the engine's
 * limits call says max_bytes), before parsing it.
 */
export async function decodeSession(text, { maxBytes = Infinity } = {}) {
  if (!text) throw new Error('the link holds no session');
  if (text[0] === LINK.plain && ((text.length - 1) * 3) / 4 > maxBytes + 3) throw tooBig('holds', maxBytes);
  const body = fromBase64url(text.slice(1));
  let json;
  if (text[0] === LINK.deflate) json = await inflate(body, maxBytes);
  else if (text[0] === LINK.plain) json = body;
  else throw new Error('unknown session encoding');
  if (json.length > maxBytes) throw tooBig('holds', maxBytes);
  return JSON.parse(new TextDecoder().decode(json));
}


/** shown is a parameter's value as an error message quotes it: whole if short. */
function shown(text) {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * wholeNumber reads text as a whole number in range ({min, max}, as the
 * engine's limits call reports them; without one, 0 up to the largest
 * number JavaScript holds exactly). It compares digits, not rounded
 * numbers, so 2^53+1 is not taken for 2^53. It throws an Error naming name
 * and the range.
 */
export function wholeNumber(name, text, range) {
  const min = range ? range.min : 0, max = range ? range.max : Number.MAX_SAFE_INTEGER;
  const t = String(text).replace(/^0+(?=\d)/, '');
  // More digits than max has is out of range, however many (BigInt would take its time).
  if (!/^\d+$/.test(t) || t.length > String(max).length || BigInt(t) < BigInt(min) || BigInt(t) > BigInt(max)) {
    throw new Error(`${name} is ${shown(String(text))}; it must be a whole number from ${min} to ${max}`);
  }
  return Number(t);
}

/**
 * parseHash reads the page's URL hash: {session, t} for a shared session,
 * {nodes, seed} for a plain configuration link ("#nodes=7&seed=3"), {tour}
 * for a chapter of the guided tour ("#tour=election"), or {}.
 * limits ({nodes, seed}: ranges from the engine's limits call) bound nodes
 * and seed. Anything else (an unknown or repeated parameter, a value out of
 * range, s with nodes or seed) throws an Error naming the parameter and
 * what it may be: a link is either taken whole or refused.
 */
export function parseHash(hash, limits = {}) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const out = {};
  const seen = new Set();
  for (const k of params.keys()) {
    if (!LINK.params.includes(k)) throw new Error(`the link has an unknown parameter ${shown(k)}; a link holds ${S} and ${T} (a shared session), ${NODES} and ${SEED} (a new cluster) or ${TOUR} (a chapter of the tour)`);
    if (seen.has(k)) throw new Error(`the link has ${k} more than once`);
    seen.add(k);
  }
  if (seen.has(S) && (seen.has(NODES) || seen.has(SEED))) throw new Error(`the link has ${S} (a shared session, with its own nodes and seed) and ${NODES} or ${SEED}: it may hold one or the other`);
  if (seen.has(TOUR) && seen.size > 1) throw new Error(`the link has ${TOUR} (a chapter, with its own cluster) and other parameters: a tour link holds ${TOUR} alone`);
  if (seen.has(TOUR)) {
    if (!/^[a-z][a-z-]{0,39}$/.test(params.get(TOUR))) throw new Error(`the link's ${TOUR} ${shown(params.get(TOUR))} is not a chapter's name (lower-case letters and dashes)`);
    out.tour = params.get(TOUR);
  }
  if (seen.has(T) && !seen.has(S)) throw new Error(`the link has ${T} (a time in a shared session) but no session (${S})`);
  if (seen.has(S)) {
    if (!params.get(S)) throw new Error(`the link's session (${S}) is empty`);
    out.session = params.get(S);
  }
  if (seen.has(T)) out.t = wholeNumber(`${T} (ms)`, params.get(T));
  if (seen.has(NODES)) out.nodes = wholeNumber(NODES, params.get(NODES), limits.nodes);
  if (seen.has(SEED)) out.seed = wholeNumber(SEED, params.get(SEED), limits.seed);
  return out;
}

/** buildHash makes the URL hash for a packed session seen at time t. */
export function buildHash(packed, t) {
  return `#${S}=${packed}${t !== undefined && t !== null ? `&${T}=${Math.round(t)}` : ''}`;
}
