// The session in the URL and in files: the link kept up to date as the
// session changes, Share link, Export and Import, a link pasted into the
// tab, and what the URL asks for when the page opens (share.js packs and
// reads them).
import * as share from './share.js';
import { SESSION_JSON, exportChoices } from '../export-formats.js';

/** HASH_DELAY_MS is how long the URL waits for the session to settle before it is rewritten. */
const HASH_DELAY_MS = 500;

/** SessionLink keeps the session and the URL together for app (the App) and page (the page state). */
export class SessionLink {
  /** error(text) and notice(text) tell the person. */
  /** tour(id), when given, opens a chapter of the guided tour (a #tour= link); it resolves true once the chapter runs. */
  /** interop (ui/interop-lazy.js) writes the export formats other than the session's JSON. */
  constructor(app, page, { error, notice, tour, interop }) {
    Object.assign(this, { app, page, error, notice, tour, interop });
  }

  /** schedule puts the session in the URL once it has not changed for HASH_DELAY_MS. */
  schedule() {
    clearTimeout(this.page.hashTimer);
    this.page.hashTimer = setTimeout(() => { this.update(); }, HASH_DELAY_MS);
  }

  /**
   * update puts the current session in the URL. Writes race (export and
   * compression are asynchronous): only the newest request writes.
   */
  async update() {
    const { app, page } = this;
    if (!app.frame) return null;
    const gen = ++page.hashGen;
    const s = await app.exportSession();
    if (!s) return null;
    try {
      const url = await share.sessionURL(s, Math.min(app.view.time, s.until));
      return gen === page.hashGen ? share.setURL(url) : null;
    } catch (err) {
      this.error(`Cannot put the session in the URL: ${err.message}`);
      return null;
    }
  }

  /** restore puts the session the page shows back in the URL, at once. */
  restore() {
    clearTimeout(this.page.hashTimer);
    share.clearHash();
    this.update();
  }

  /** clear takes the session out of the URL (a real-time engine has none to show). */
  clear() {
    share.clearHash();
  }

  /** shareLink puts the session in the URL now and copies the link. */
  async shareLink() {
    // The URL must not show an older session while this one is packed.
    clearTimeout(this.page.hashTimer);
    share.clearHash();
    const url = await this.update();
    if (!url) return;
    this.app.unsaved = 0;
    this.notice((await share.copyText(url)) ? 'Link copied: it reproduces exactly this session.' : 'The link is in the address bar: it reproduces exactly this session.');
  }

  /**
   * exportFile saves the session as a file in format (exportChoices'
   * values): its own JSON, or what the interop module writes (loaded on
   * first use), downloaded with the
   * filename and type it answers. A refusal is shown in its words.
   */
  async exportFile(format = SESSION_JSON) {
    const { interop } = this;
    const s = await this.app.exportSession();
    if (!s) return;
    if (format === SESSION_JSON) {
      share.download(s);
      this.app.unsaved = 0;
      return;
    }
    const label = (exportChoices().find((c) => c.value === format) || { label: format }).label;
    const loading = `Loading the export module (WebAssembly) for the ${label}`;
    const stop = interop.onProgress((done, total) => this.notice(`${loading}: ${(done / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`));
    try {
      if (!interop.loaded) this.notice(`${loading}…`);
      const client = await interop.get();
      const r = await client.exportSession(s, format);
      share.downloadText(r.text, r.filename, r.mime);
      this.notice(`Exported: ${r.filename}`);
    } catch (err) {
      this.error(`Export as ${label}: ${err.message}`);
    } finally {
      stop();
    }
  }

  /** importFile loads a session file, refusing one past the engine's limits before reading it. */
  async importFile(file) {
    let s;
    try { s = await share.readFile(file, await this.app.limits()); } catch (err) { this.error(`Import: ${err.message}`); return; }
    if (await this.app.load(s)) this.schedule();
  }

  /**
   * open opens what the URL asks for: a shared session, a new cluster
   * (#nodes=&seed=) or, on first load, the default cluster. A link that is
   * invalid or that the engine refuses shows its error and changes nothing:
   * on first load the default cluster runs, later the session that was open
   * stays, and the URL goes back to what the page shows.
   */
  async open(first) {
    const { app, page } = this;
    let want = {};
    try {
      want = await share.readHash(page.limits);
    } catch (err) {
      want = null;
      this.error(`This link cannot be opened: ${err.message}. ${first ? 'The default cluster runs instead.' : 'The session that was open stays.'}`);
    }
    let ok = null;
    if (want && want.tour && this.tour) {
      ok = await this.tour(want.tour);
      if (!ok) want = null;
    } else if (want && want.session) {
      ok = await app.load(want.session, want.t, 'The link\'s session');
    } else if (want && (want.nodes !== undefined || want.seed !== undefined)) {
      ok = await app.create({ nodes: want.nodes, seed: want.seed }, 'The link\'s cluster');
      if (ok) app.setPlaying(true);
    }
    if (ok) return;
    await app.engine.idle(); // a New cluster pressed during the load (which it cancelled)
    if (want && (want.session || want.nodes !== undefined || want.seed !== undefined)) want = null; // refused by the engine (its error is shown)
    if (first) {
      if (!want) share.clearHash();
      if (!app.frame) await app.create({}, 'New cluster');
    } else {
      this.restore();
    }
  }

  /** follow loads the run of a link pasted into this tab, asking first if the open session has unsaved commands. */
  async follow() {
    // A URL write still in flight belongs to the session being left.
    clearTimeout(this.page.hashTimer);
    this.page.hashGen++;
    if (!location.hash) return;
    const n = this.app.unsaved;
    if (n > 0 && !window.confirm(`Open the link? The session open now has ${n} command${n === 1 ? '' : 's'} not shared or exported; Cancel keeps it.`)) {
      this.restore();
      return;
    }
    await this.open(false);
  }
}
