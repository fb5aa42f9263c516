// The page's surface for browser tests (e2e/*.go) and the console:
// window.seshatPage. Keep its calls stable: the browser tests name them.
import { shownErrors } from './ui/page-state.js';

/**
 * exposeTestSurface sets window.seshatPage for the page: ready (the start
 * promise), app (ui/app.js), page (ui/page-state.js), kind (the engine's)
 * join (ui/join.js's flow), diagram (controls/diagram.js's, once bound)
 * flights (the message tags the stage drew last) and openPlayer (main.js's:
 * opens the etcd scripts player).
 */
export function exposeTestSurface({ ready, app, page, kind, join, diagram, flights, openPlayer }) {
  window.seshatPage = {
    ready,
    frame: () => app.frame,
    model: () => app.model,
    setSpeed: (s) => app.setSpeed(s),
    setPlaying: (on) => app.setPlaying(on),
    /** pause pauses, waits until no engine call is in flight, and resolves with the virtual time the page then shows (ms). */
    pause: async () => { app.setPlaying(false); await app.engine.idle(); return app.frame.view.time; },
    /** next runs to the next event and pauses, as the Next event button does; it resolves with the Frame. */
    next: () => app.next(),
    selectNode: (id) => app.select(id),
    /** command sends a Command (wire/command.go) as the controls do; it resolves with the Frame, or null after showing the error. */
    command: (cmd) => app.command(cmd),
    /** create starts a new cluster from a Config (wire/config.go; omitted fields keep their defaults). */
    create: (cfg) => app.create(cfg),
    /** seek travels to virtual time t (ms). */
    seek: (t) => app.seek(t),
    /** member is the view of the node this page hosts (Join from this page), or null. */
    member: () => join.view,
    /** joinFromPage clicks "Join from this page". */
    joinFromPage: () => join.join(),
    /** engineKind is the engine the page runs on: 'wasm', 'native' or 'fake'. */
    engineKind: () => kind,
    /** dropped is what the native cluster could not push to this tab ({frames, events}); null on other engines. */
    dropped: () => (app.engine ? app.engine.dropped() : null),
    wasmMemory: () => app.engine.memory(),
    /** shownErrors lists the error messages shown to the user (the newest 50); take empties the list. */
    shownErrors: (take = false) => shownErrors(page, take),
    /** firstLeaderAt is the page time (ms since navigation) a leader was first drawn. */
    firstLeaderAt: () => page.firstLeaderAt,
    /** engineAt is the page time the engine finished loading. */
    engineAt: () => page.engineAt,
    /**
     * tour is the guided tour's state once open: the chapter's id, the
     * step shown (from 0), its words, and what the engine's view does not
     * bear out of them ('' when it bears them out), the bug zoo's bugs
     * planted and whether a checker stopped the run; null before the tour
     * opens or once it is left.
     */
    tour: () => {
      const r = page.tour && page.tour.runner;
      return r ? { chapter: r.chapter.id, step: r.i, steps: r.chapter.steps.length, said: r.said, problem: r.problem, faults: r.faults, stopped: r.stopped } : null;
    },
    /**
     * etcdPlayer is the etcd scripts player's state once a script plays:
     * {name, step (from 0), steps, typedFrom (the first step typed, -1
     * before taking over), text (the script played), busy}; null before.
     */
    etcdPlayer: () => (page.player ? page.player.state() : null),
    /** openEtcdPlayer opens the player as its button does; it resolves true once a script plays. */
    openEtcdPlayer: () => openPlayer(),
    /** flights are the message tags the stage drew last: each message's id and centre (x, y). */
    flights: () => (flights() || []).map((d) => ({ id: d.ids[0], x: d.x, y: d.y })),
    /** diagram is what the space-time diagram drew last, with each mark's and message's point on its canvas (render/diagram.js drawn), or null. */
    diagram: () => { const d = diagram(); return d ? d.drawn() : null; },
    /** engineTiming is when the worker started, instantiated and was ready (page ms), if it says. */
    engineTiming: () => {
      const t = app.engine && app.engine.timing();
      if (!t) return null;
      const o = performance.timeOrigin;
      return { workerStart: t.start - o, instantiated: t.instantiated - o, ready: t.ready - o };
    },
    /** stampFrames turns on (or off) the labels of what each frame draws in Chrome's trace (page-state.js stamps). */
    stampFrames: (on) => { page.stamps = !!on; },
    /** measureFrames records animation frame times for ms and summarises the gaps. */
    measureFrames: (ms) => new Promise((resolve) => {
      page.frameTimes = [];
      page.drawTimes = [];
      let inFlight = 0, samples = 0;
      const sample = setInterval(() => { if (app.frame) { inFlight += app.view.messages.length; samples++; } }, 100);
      setTimeout(() => {
        clearInterval(sample);
        const t = page.frameTimes;
        const work = page.drawTimes.sort((a, b) => a - b);
        page.frameTimes = page.drawTimes = null;
        const gaps = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
        const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
        // p50/p95/max: gaps between animation frames; work*: the page's own
        // JavaScript per frame (engine calls run in the worker).
        resolve({ frames: gaps.length, p50: q(gaps, 0.5), p95: q(gaps, 0.95), max: gaps[gaps.length - 1], avgInFlight: samples ? inFlight / samples : 0,
          workP50: q(work, 0.5), workP95: q(work, 0.95), workMax: work[work.length - 1] });
      }, ms);
    }),
  };
}
