// The etcd script player's state: the script played, the play's steps
// (interop.play's PlayResult), the step shown, and taking over (the rest of
// the script dropped, directives typed by the person appended and the text
// played again). DOM-free: the client is anything with play(name, text)
// resolving to a PlayResult or rejecting with an Error that may carry
// .kind and .line (web/engine/interop.js, or a fake in tests). The drawing
// is controls/etcd-player.js.
import { cutAt, appendDirective, checkTyped, lineCount, lineWhere } from './etcd-script.js';
import { ETCD_SCRIPT } from './schema.js';

/**
 * fileTooBig says why a script file of size bytes is not read (over
 * etcdscript.MaxScriptBytes), or '' when it may be.
 */
export function fileTooBig(size) {
  const max = ETCD_SCRIPT.max_bytes;
  return size > max ? `it is ${size} bytes, and a script may have at most ${max} (${Math.round(max / 1024)} KiB)` : '';
}

/** errorText is an Error from the module in words that name the line where there is one. */
function errorText(err, where) {
  const msg = err && err.message ? err.message : String(err);
  const line = err && err.line ? where(err.line) : '';
  return line && !msg.includes(`:${err.line}:`) && !msg.includes(`line ${err.line}`) ? `${msg} (${line})` : msg;
}

/** ScriptPlayer holds one played script; every method leaves it unchanged when the module refuses. */
export class ScriptPlayer {
  /** client plays scripts (see above). */
  constructor(client) {
    this.client = client;
    this.name = '';
    this.text = '';
    this.result = null;
    this.i = 0; // the step shown, from 0
    this.typedFrom = Infinity; // the first step the person typed, once they take over
    this.own = 0; // lines of text that are the script's (before any typed directive)
    this.busy = false;
  }

  /** steps is the number of steps of the play shown (0 before one). */
  get steps() { return this.result ? this.result.steps.length : 0; }

  /** takenOver reports whether the person has taken over (the rest of the script dropped). */
  get takenOver() { return this.typedFrom !== Infinity; }

  /**
   * open plays the script name with text and shows its first step. It
   * resolves to '' or to the error in words (naming the line) and then
   * leaves the script shown before untouched.
   */
  async open(name, text) {
    let result;
    try {
      result = await this.run(name, text);
    } catch (err) {
      return `${name} cannot be played: ${errorText(err, (l) => `line ${l}`)}`;
    }
    if (!result.steps.length) return `${name} has no directive to play.`;
    Object.assign(this, { name, text, result, i: 0, typedFrom: Infinity, own: lineCount(text) });
    return '';
  }

  /** go shows step i (clamped to the play's steps); it returns the step shown. */
  go(i) {
    this.i = Math.max(0, Math.min(this.steps - 1, Math.trunc(Number(i) || 0)));
    return this.i;
  }

  /**
   * takeOver drops every directive after the step shown: the text is cut
   * at the end of its expected output (cutAt), and later steps are gone.
   * Directives typed next are appended after it.
   */
  takeOver() {
    if (!this.result) return;
    const keep = this.i + 1;
    this.text = cutAt(this.text, keep);
    this.result = { ...this.result, steps: this.result.steps.slice(0, keep) };
    this.typedFrom = Math.min(this.typedFrom, keep);
    this.own = Math.min(this.own, lineCount(this.text));
  }

  /**
   * type appends a directive the person typed (checkTyped) to the text, as
   * a block with no expected output, plays the text again and shows the
   * new step. It resolves to '' or to the error in words, and then leaves
   * the play as it was. Taking over first is implied.
   */
  async type(directive) {
    if (!this.result) return 'Open a script first.';
    if (!this.takenOver || this.i !== this.steps - 1) this.takeOver();
    const bad = checkTyped(directive);
    if (bad) return bad;
    const text = appendDirective(this.text, directive);
    let result;
    try {
      result = await this.run(this.name, text);
    } catch (err) {
      return `Your directive cannot be played: ${errorText(err, (l) => lineWhere(l, this.own))}`;
    }
    this.text = text;
    this.result = result;
    this.i = result.steps.length - 1;
    return '';
  }

  /** run plays text, one play at a time. */
  async run(name, text) {
    if (this.busy) throw new Error('a script is being played: wait for it to finish');
    this.busy = true;
    try {
      const r = await this.client.play(name, text);
      if (!r || !Array.isArray(r.steps)) throw new Error('the module answered no steps');
      return r;
    } finally {
      this.busy = false;
    }
  }
}
