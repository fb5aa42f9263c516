// The interop module (web/interop.wasm: etcd's script interpreter and the
// export formats) is loaded only when a person asks for it: the etcd
// scripts player or an Export format other than the session's JSON. One
// client serves both; its download's progress goes to whoever listens.
// DOM-free.

/**
 * lazyInterop returns {get(), module(), onProgress(fn)}: get resolves to
 * the one client (web/engine/interop.js's createInterop, imported and
 * made on the first call), module to that module (loadScriptIndex,
 * loadScript); onProgress(fn) calls fn(bytesLoaded, bytesTotal) while the
 * module downloads and returns a function that stops it. load imports
 * the client's module (a test passes a fake).
 */
export function lazyInterop(load = () => import('../engine/interop.js')) {
  let mod = null;
  let client = null;
  const listeners = new Set();
  return {
    async module() {
      mod ||= load();
      return mod;
    },
    async get() {
      const m = await this.module();
      client ||= m.createInterop({ onProgress: (done, total) => { for (const fn of listeners) fn(done, total); } });
      return client;
    },
    onProgress(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** loaded reports whether the client has been made. */
    get loaded() { return client !== null; },
  };
}
