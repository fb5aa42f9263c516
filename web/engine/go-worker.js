// go-worker.js: what both workers that run Go compiled to WebAssembly
// share (worker.js, the engine; interop-worker.js, the interop module),
// loaded with importScripts: their fatal state and the start of a Go
// program, which registers one global the worker then calls.
/* global Go */
'use strict';

self.SeshatGoWorker = (() => {
  /** describe is an error's message, or the thrown value as text. */
  function describe(err) {
    return err && err.message ? err.message : String(err);
  }

  /**
   * fatality holds why the module is not running: die(message) records
   * the first reason and posts it to the page ({id: 0, fatal}); why() is
   * that reason, or null while the module runs.
   */
  function fatality() {
    let fatal = null;
    return {
      why: () => fatal,
      die(message) {
        if (fatal) return;
        fatal = message;
        self.postMessage({ id: 0, fatal });
      },
    };
  }

  /**
   * start loads wasm_exec.js from base, instantiates base's wasm with
   * instantiate(url, importObject), runs it, and resolves to the instance
   * once the program has registered globalThis[name]. The program's main
   * never returns, so its end is a crash: fate.die says so, naming what.
   */
  async function start({ base, wasm, name, what, instantiate, fate }) {
    importScripts(new URL('wasm_exec.js', base).href);
    const go = new Go();
    let exitCode = null;
    const exit = go.exit;
    go.exit = (code) => { exitCode = code; exit.call(go, code); };
    const { instance } = await instantiate(new URL(wasm, base).href, go.importObject);
    go.run(instance).then(
      () => fate.die(`${what} stopped (exit code ${exitCode}); reload the page`),
      (err) => fate.die(`${what} stopped: ${describe(err)}; reload the page`),
    );
    // main registers its global before it blocks, so it is there by now;
    // wait a little in case a future runtime starts main later.
    for (let i = 0; i < 100 && typeof self[name] === 'undefined' && !fate.why(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (typeof self[name] === 'undefined') throw new Error(`${wasm} started but did not register globalThis.${name}`);
    return instance;
  }

  return { describe, fatality, start };
})();
