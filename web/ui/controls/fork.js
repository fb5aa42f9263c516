// Forks: Fork with these (the network settings typed in the Network form),
// Fork with this seed (the run's random numbers from another seed) and
// Fork the next command (whatever command the person gives next, from
// any control) apply the change, from now, to a fork of this run instead
// of to it. The engine replays both and the page says where they first
// differ and shows the two clusters side by side there; the slider shows
// them side by side at any other time of the comparison (the engine's
// compare). It offers to travel there, to open the fork (whose link then
// reproduces it), to open it in a window of its own beside this one, or to
// copy the fork's link.
import { readNetworkForm, readReseed } from './forms.js';
import { describeNetwork, forkSummary, forkRows, compareCaption } from '../fork.js';
import { sessionURL, copyText } from './share.js';
import { $, html, setText, show } from '../render/dom.js';

const secs = (t) => `${(t / 1000).toFixed(3)} s`;
const NEXT_LABEL = 'Fork the next command';

/**
 * bindFork wires the fork controls to app (the App); error and notice show
 * messages, limits() answers the engine's ranges (for the seed).
 */
export function bindFork(app, { error, notice, limits }) {
  // last is the fork's answer; shown, the answer whose views the table
  // shows (last, or a comparison at another time).
  let last = null;
  let shown = null;
  const at = $('fork-at');

  const showViews = (r) => {
    shown = r;
    setText($('fork-caption'), compareCaption(r, last));
    $('fork-rows').replaceChildren(...forkRows(r).map((row) => html('tr', { class: row.differs ? 'differs' : '' },
      html('th', { scope: 'row', text: `n${row.id}` }), html('td', { text: row.here }), html('td', { text: row.fork }))));
    at.value = String(r.view_at);
    setText($('fork-at-text'), secs(r.view_at));
  };
  // A fork's answer: views at the difference, or, when the runs never
  // differ, both at the end of the comparison (asked for at once).
  const showFork = (res, change) => {
    last = res;
    shown = null;
    setText($('fork-text'), forkSummary(res, change));
    at.min = String(res.at);
    at.max = String(res.until);
    $('fork-rows').replaceChildren();
    setText($('fork-caption'), '');
    show($('fork-box'), true);
    if (res.original_view) showViews(res);
    else compareAt(res.until);
  };

  // Comparisons at the slider's time run one at a time; a time asked for
  // meanwhile is taken next (only the latest).
  let want = null;
  let busy = false;
  const compareAt = async (t) => {
    want = t;
    if (busy) return;
    busy = true;
    while (want !== null) {
      const fork = last;
      const t0 = want;
      want = null;
      setText($('fork-at-text'), `${secs(t0)}…`);
      const r = await app.compare(fork.base, fork.session, t0);
      if (r && fork === last) showViews(r);
    }
    busy = false;
  };
  at.addEventListener('input', () => setText($('fork-at-text'), secs(Number(at.value))));
  at.addEventListener('change', () => { if (last) compareAt(Number(at.value)); });

  $('network-fork').addEventListener('click', async () => {
    const r = readNetworkForm();
    if (r.error) { error(r.error); $(r.field).focus(); return; }
    app.setPlaying(false);
    const res = await app.fork({ kind: 'network', network: r.network });
    if (res) showFork(res, describeNetwork(r.network));
  });

  $('reseed-fork').addEventListener('click', async () => {
    const r = readReseed(limits && limits());
    if (r.error) { error(r.error); $(r.field).focus(); return; }
    app.setPlaying(false);
    const res = await app.fork(r.cmd);
    if (res) showFork(res, `seed ${r.cmd.seed} from now`);
  });

  const next = $('fork-next');
  const armed = (on) => {
    next.setAttribute('aria-pressed', String(on));
    setText(next, on ? 'Forking the next command (press to cancel)' : NEXT_LABEL);
  };
  next.addEventListener('click', () => {
    if (app.forkNext) {
      app.armFork(null);
      armed(false);
      notice('The next command goes to this run again.');
      return;
    }
    app.armFork((res, cmd, name) => {
      armed(false);
      if (res) {
        showFork(res, name);
        $('fork-box').scrollIntoView({ block: 'nearest' });
      }
    });
    armed(true);
    notice('The next command you give, from any control, goes to a fork of this run; this run is left as it is.');
  });

  // Travel, open and share at the time both runs are shown at.
  const shownAt = () => (shown ? shown.view_at : last.until);
  $('fork-travel').addEventListener('click', () => { if (last) app.runTo(shownAt()); });
  $('fork-open').addEventListener('click', () => { if (last) app.load(last.session, shownAt(), 'Open the fork'); });
  const forkURL = async () => new URL(await sessionURL(last.session, shownAt()), location.href).href;
  $('fork-window').addEventListener('click', async () => {
    if (!last) return;
    const url = await forkURL();
    // Not 'noopener' (window.open then answers null whatever happened): the
    // opener link is cut by hand, and null means the window was blocked.
    const w = window.open(url, '_blank');
    if (w) w.opener = null;
    else notice(`The browser kept the new window from opening: the fork's link is ${url}`);
  });
  $('fork-link').addEventListener('click', async () => {
    if (!last) return;
    const url = await forkURL();
    notice((await copyText(url)) ? `The fork's link is copied: it reproduces the fork, at ${secs(shownAt())}.` : `The fork's link: ${url}`);
  });
}
