// The page's controller: the model, what is selected, playback, and every
// engine call, each reported when it fails. It knows nothing of the DOM;
// main.js wires it to the drawing and the controls.
import { initialModel, applyFrame, isHalted, EVENT_KEEP } from './model.js';
import { advanceFor, nextSpeed } from './clock.js';
import { describeError } from './engine.js';
import { heldFilterOf, heldMessages, heldShown } from './held.js';
import { LIMITS } from './schema.js';

/** Steps of checkpoint building per frame call (time travel stays fast). */
const MAINTAIN_STEPS = 2000;

/** Overshoot (virtual ms) a slowdown lets stand rather than travel back for. */
const SLOWDOWN_SLACK_MS = 5;

/** What each command kind is called in error messages. */
function commandName(cmd) {
  const n = cmd.node ? ` n${cmd.node}` : '';
  switch (cmd.kind) {
    case 'set': return `Set ${cmd.key}`;
    case 'get': return `Get ${cmd.key}`;
    case 'del': return `Del ${cmd.key}`;
    case 'cut': return `Cut n${cmd.node}${cmd.one_way ? '→' : '–'}n${cmd.peer}`;
    case 'heal': return cmd.node ? `Heal n${cmd.node}–n${cmd.peer}` : 'Heal every link';
    case 'campaign': return `Force a timeout on${n}`;
    case 'transfer': return `Transfer leadership to${n}`;
    case 'deliver': case 'drop': case 'duplicate': return `${cmd.kind[0].toUpperCase()}${cmd.kind.slice(1)} message #${cmd.msg}`;
    case 'network': return 'Network settings';
    case 'manual': return `Manual delivery ${cmd.on ? 'on' : 'off'}`;
    case 'add-clients': return 'Add a client';
    case 'remove-clients': return 'Remove a client';
    default: return `${cmd.kind[0].toUpperCase()}${cmd.kind.slice(1)}${n}`;
  }
}

/** App holds the page's state and talks to the engine. */
export class App {
  /**
   * engine is a SerialEngine; hooks: onChange(mode) after every new frame,
   * onError(text) for every failed call, onSessionChange() after anything
   * that changes the session (to update the URL), and optionally onSelect()
   * as soon as the person selects a node or a message (so the controls that
   * act on the selection are redrawn at once, not with the next panels).
   */
  constructor(engine, hooks) {
    this.engine = engine;
    this.hooks = hooks;
    this.model = initialModel();
    this.selected = 1;
    this.selectedMsg = 0;
    // Which held messages the held list and the ring show (held.js).
    this.heldFilter = heldFilterOf('');
    this.playing = true;
    this.speed = 1;
    this.carry = 0;
    this.lastCallAt = 0;
    this.logWindow = 40;
    // kvFrom is the first key of the page of each store the page shows
    // (kv_from); "" shows the first keys.
    this.kvFrom = '';
    // forkNext, when armed (armFork), takes the next command to a fork.
    this.forkNext = null;
    // Which events the engine sends: "notable" until the event log shows
    // routine traffic (see detailFor in events.js).
    this.detail = 'notable';
    this.dragging = false;
    this.seekTarget = null;
    // seekGoal is the newest target asked for while seekLoop runs.
    this.seekGoal = 0;
    this.seekLoop = null;
    // unsaved counts the commands run since the cluster was created or
    // loaded, or the session last shared or exported (controls/session-link.js
    // resets it).
    this.unsaved = 0;
    // advancing settles when the newest playing step has landed (and been
    // rescaled, if the speed dropped meanwhile).
    this.advancing = null;
    // searchMarks are the events the last search found, as slider markers
    // ({key, at, cls: 'search', label}).
    this.searchMarks = [];
    // whyChain is the chain of events of the last causal answer ({seq, at,
    // node, text} each, oldest first), drawn on the space-time diagram.
    this.whyChain = [];
  }

  get frame() { return this.model.frame; }
  get view() { return this.model.view; }

  args(extra = {}) {
    return { since: this.model.lastSeq, log_window: this.logWindow, kv_from: this.kvFrom, events: this.detail, max_events: EVENT_KEEP, ...extra };
  }

  take(frame, mode) {
    this.model = applyFrame(this.model, frame, mode);
    const n = frame.view.nodes.length;
    const reselect = this.selected > n;
    if (reselect) this.selected = 1;
    if (isHalted(frame)) this.playing = false;
    // A new cluster or session: the last search's and causal answer's
    // events belong to another run.
    if (mode === 'fresh') { this.searchMarks = []; this.whyChain = []; }
    this.hooks.onChange(mode);
    if (reselect && this.hooks.onSelect) this.hooks.onSelect();
  }

  /** selectFirst selects n1 and no message (a new cluster or session). */
  selectFirst() {
    this.selected = 1;
    this.selectedMsg = 0;
    if (this.hooks.onSelect) this.hooks.onSelect();
  }

  /** call runs an engine call returning a Frame; on failure it reports and resolves null. */
  async call(op, args, mode, what) {
    if (!this.engine) {
      this.hooks.onError(`${what || op}: the engine is still starting`);
      return null;
    }
    try {
      const frame = await this.engine.call(op, args);
      this.take(frame, mode);
      return frame;
    } catch (err) {
      this.hooks.onError(describeError(what || op, err));
      return null;
    }
  }

  /**
   * tick runs once per animation frame: when playing, it asks the engine to
   * advance by the wall time since its last call times the speed. While a
   * call is still running the wall time is kept for the next one, so a busy
   * engine takes bigger steps instead of falling behind (up to MAX_WALL_MS
   * per call; past that the speed shown as actual drops).
   */
  tick(now) {
    if (!this.playing || this.dragging || !this.frame || isHalted(this.frame)) {
      this.lastCallAt = now;
      return;
    }
    if (this.engine.busy) return;
    const { advance, carry } = advanceFor(this.lastCallAt ? now - this.lastCallAt : 16, this.speed, this.carry);
    this.carry = carry;
    this.lastCallAt = now;
    if (advance <= 0) return;
    const from = this.view.time, speed = this.speed;
    this.advancing = this.call('frame', this.args({ advance_ms: advance, maintain_steps: MAINTAIN_STEPS }), 'continue', 'Advancing time').then((f) => {
      if (!f) { this.setPlaying(false); return null; }
      return this.rescale(f, from, advance, speed);
    });
  }

  /**
   * rescale undoes the part of a step the person did not ask for: a step of
   * advance ms sent at speed from time from, when the speed dropped before
   * it landed (100x to 0.1x would otherwise overshoot by up to 10 virtual
   * seconds), travels back to where the new speed would have gone.
   */
  rescale(f, from, advance, speed) {
    if (this.speed >= speed || this.frame !== f || this.seekLoop || !this.playing) return f;
    const want = from + Math.round(advance * this.speed / speed);
    if (f.view.time - want <= SLOWDOWN_SLACK_MS) return f;
    return this.seek(want);
  }

  /**
   * setEventDetail switches the events the engine sends ("all" or
   * "notable"). Switching to "all" fetches the newest events of every kind
   * at once, so the log is full straight away.
   */
  async setEventDetail(detail) {
    if (detail === this.detail) return null;
    this.detail = detail;
    if (detail !== 'all' || !this.engine || !this.frame) return null;
    return this.call('frame', this.args({ since: 0 }), 'refill', 'Loading the event log');
  }

  /**
   * setKvFrom shows the page of each node's store that starts at key from
   * ("" for the first keys): the engine is asked for a frame with that
   * kv_from, and later calls keep it.
   */
  async setKvFrom(from) {
    this.kvFrom = from;
    if (!this.engine || !this.frame) return null;
    return this.call('frame', this.args({ advance_ms: 0 }), 'continue', 'Loading keys');
  }

  setPlaying(on) {
    this.playing = !!on && !isHalted(this.frame);
    this.carry = 0;
    this.hooks.onChange('ui');
    if (!this.playing) this.hooks.onSessionChange();
  }

  setSpeed(s) {
    this.speed = s;
    this.carry = 0;
    this.hooks.onChange('ui');
  }

  faster(dir) { this.setSpeed(nextSpeed(this.speed, dir)); }

  select(id) {
    if (this.view && id >= 1 && id <= this.view.nodes.length) {
      this.selected = id;
      this.hooks.onChange('ui');
      if (this.hooks.onSelect) this.hooks.onSelect();
    }
  }

  selectMessage(id) {
    this.selectedMsg = id || 0;
    this.hooks.onChange('ui');
    if (this.hooks.onSelect) this.hooks.onSelect();
  }

  /**
   * nodeCommand runs a node action (crash, restart, isolate, campaign,
   * transfer) on the node the person selected, read when the action is
   * asked for: never on the node a panel drew last (panels redraw late).
   */
  nodeCommand(kind) {
    return this.command({ kind, node: this.selected });
  }

  /** setHeldFilter chooses which held messages are shown (a HELD_FILTERS value). */
  setHeldFilter(filter) {
    this.heldFilter = heldFilterOf(filter);
    this.hooks.onChange('ui');
    if (this.hooks.onSelect) this.hooks.onSelect();
  }

  /** cycleMessage selects the previous (-1) or next (+1) message in flight, skipping held ones the filter hides. */
  cycleMessage(dir) {
    const msgs = this.view ? this.view.messages.filter((m) => m.deliver_at || heldShown(m, this.heldFilter)) : [];
    if (!msgs.length) { this.selectMessage(0); return; }
    const i = msgs.findIndex((m) => m.id === this.selectedMsg);
    const j = i < 0 ? (dir > 0 ? 0 : msgs.length - 1) : (i + dir + msgs.length) % msgs.length;
    this.selectMessage(msgs[j].id);
  }

  /**
   * command runs a Command. Turning manual delivery on pauses first: held
   * messages pile up by the hundred within seconds of playing, and the
   * cluster loses its leader before anyone can deliver one.
   */
  async command(cmd) {
    if (this.forkNext) {
      // Armed (armFork): this command goes to a fork of the run, not to it.
      const done = this.forkNext;
      this.forkNext = null;
      this.setPlaying(false);
      done(await this.fork(cmd), cmd, commandName(cmd));
      return null;
    }
    if (cmd.kind === 'manual' && cmd.on && this.playing) this.setPlaying(false);
    const f = await this.call('command', cmd, 'command', commandName(cmd));
    if (f) {
      this.unsaved++;
      this.hooks.onSessionChange();
    }
    return f;
  }

  /** messageCommand acts on the selected message (or, to deliver, the oldest held one the filter shows). */
  messageCommand(kind) {
    let id = this.selectedMsg;
    const v = this.view;
    if (!id && kind === 'deliver' && v) {
      const held = heldMessages(v, this.heldFilter)[0];
      if (held) id = held.id;
    }
    if (!id) { this.hooks.onError(`${kind[0].toUpperCase()}${kind.slice(1)}: no message selected (click one, or press [ or ])`); return null; }
    return this.command({ kind, msg: id });
  }

  async next() {
    this.setPlaying(false);
    return this.call('next', this.args(), 'continue', 'Next event');
  }

  /**
   * seek travels to virtual time t. While a seek runs, later targets
   * coalesce: the returned promise settles once the newest target is shown.
   */
  seek(t) {
    if (!this.frame) return Promise.resolve(null);
    this.seekTarget = Math.max(0, Math.min(Math.round(t), this.frame.horizon));
    this.seekGoal = this.seekTarget;
    if (!this.seekLoop) this.seekLoop = this.runSeeks().finally(() => { this.seekLoop = null; });
    return this.seekLoop;
  }

  async runSeeks() {
    let f = null;
    while (this.seekTarget !== null) {
      const target = this.seekTarget;
      this.seekTarget = null;
      f = await this.call('seek', this.args({ t: target, since: 0 }), 'reset', `Travel to ${(target / 1000).toFixed(3)} s`);
    }
    this.hooks.onSessionChange();
    return f;
  }

  /**
   * travel moves by dms of virtual time (keys ← →), pausing first. While a
   * seek runs it moves from that seek's target, so quick presses add up.
   */
  travel(dms) {
    if (!this.frame) return null;
    this.setPlaying(false);
    const from = this.seekLoop ? this.seekGoal : this.frame.view.time;
    return this.seek(from + dms);
  }

  /**
   * runTo goes to virtual time t paused: by travelling when t is within
   * the session, else by running on from its end to t (what playing would
   * do, without the wait). It resolves with the last Frame, or null.
   */
  async runTo(t) {
    if (!this.frame) return null;
    this.setPlaying(false);
    if (t <= this.frame.horizon) return this.seek(t);
    let f = this.frame.view.time < this.frame.horizon ? await this.seek(this.frame.horizon) : this.frame;
    while (f && f.view.time < t && !isHalted(f)) {
      const step = Math.min(t - f.view.time, LIMITS.advance_ms);
      f = await this.call('frame', this.args({ advance_ms: step }), 'continue', `Run to ${(t / 1000).toFixed(3)} s`);
    }
    return f;
  }

  /** create starts a new cluster; what names it in an error ("New cluster", or where the config came from). */
  async create(cfg, what = 'New cluster') {
    // New cluster always works: a long import or seek stops first (cancel
    // goes around the queue; create is queued now, so whoever waits for
    // the engine to be idle waits for it too).
    if (this.engine && this.engine.cancel) this.engine.cancel();
    const f = await this.call('create', cfg, 'fresh', what);
    if (f) {
      this.unsaved = 0;
      this.selectFirst();
      this.hooks.onSessionChange();
    }
    return f;
  }

  /**
   * attach shows the cluster the engine already runs, without creating one
   * (the native cluster is the dev server's, shared by every page).
   */
  async attach() {
    const f = await this.call('frame', this.args({ since: 0 }), 'fresh', 'Connecting to the native cluster');
    if (f) this.selectFirst();
    return f;
  }

  /** load imports a session and, when t is given and earlier, travels back to it; what names it in an error. */
  async load(session, t, what = 'Import session') {
    const f = await this.call('import', session, 'fresh', what);
    if (!f) return null;
    this.unsaved = 0;
    this.selectFirst();
    this.setPlaying(false);
    if (t !== undefined && t < f.horizon) return this.seek(t);
    return f;
  }

  /** limits are the engine's session limits ({max_bytes, ...}), or null when it does not say. */
  async limits() {
    if (this.sessionLimits === undefined && this.engine) this.sessionLimits = await this.engine.call('limits').catch(() => null);
    return this.sessionLimits || null;
  }

  /**
   * ask makes an engine call that answers something other than a Frame
   * (what names it in an error): its answer, or null after saying why
   * there is none.
   */
  async ask(op, args, what) {
    if (!this.engine) return null;
    try {
      return await this.engine.call(op, args);
    } catch (err) {
      this.hooks.onError(describeError(what, err));
      return null;
    }
  }

  /**
   * shrink asks the engine for a smaller session that the checker that
   * halted this one halts too (a long call: its progress goes to the
   * engine's onProgress, Cancel stops it). It answers the engine's shrink
   * answer ({session, failure, before, after, runs, exhausted,
   * simplified}), or null after saying why there is none.
   */
  shrink() {
    return this.ask('shrink', {}, 'Shrink');
  }

  /**
   * why asks the engine a causal question ({about, node, index, msg}:
   * wire.WhyQuestion) about the cluster now, and answers the engine's
   * {text, chain}, or null after saying why there is none.
   */
  why(q) {
    return this.ask('why', q, 'Why');
  }

  /**
   * search asks the engine to search every event of the session (a long
   * call: progress and Cancel as for an import), and answers {events,
   * total}, or null after saying why there is none.
   */
  search(query) {
    return this.ask('search', { query }, 'Search');
  }

  /**
   * fork compares this run with a fork of it at the current point where
   * change (a Command) applies (a long call: progress and Cancel as for an
   * import), and answers the engine's fork answer (sim.ForkResult), or
   * null after saying why there is none.
   */
  fork(change) {
    return this.ask('fork', { change }, 'Fork');
  }

  /**
   * armFork sends the next command (from any control) to a fork of this
   * run instead of to it: then done(answer, command, name) is called with
   * the fork's answer (or null after an error). null disarms.
   */
  armFork(done) {
    this.forkNext = done || null;
  }

  /**
   * compare shows two runs side by side at virtual time at (ms): a fork's
   * base and session (a long call: progress and Cancel as for an import).
   * It answers the engine's answer (sim.ForkResult, views at at), or null
   * after saying why there is none.
   */
  compare(base, fork, at) {
    return this.ask('compare', { base, fork, at }, 'Compare the runs');
  }

  exportSession() {
    return this.ask('export', {}, 'Export');
  }
}
