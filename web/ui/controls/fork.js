// Fork with these: the network settings typed in the Network form applied,
// from now, to a fork of this run instead of to it; the engine replays
// both and the page says where they first differ, shows the two clusters
// side by side there, and offers to travel there, to open the fork (whose
// link then reproduces it), to open it in a window of its own beside this
// one, or to copy the fork's link.
import { readNetworkForm } from './forms.js';
import { describeNetwork, forkSummary, forkRows } from '../fork.js';
import { sessionURL, copyText } from './share.js';
import { $, html, setText, show } from '../render/dom.js';

/** bindFork wires Fork with these to app (the App); error and notice show messages. */
export function bindFork(app, { error, notice }) {
  let last = null;
  $('network-fork').addEventListener('click', async () => {
    const r = readNetworkForm();
    if (r.error) { error(r.error); $(r.field).focus(); return; }
    app.setPlaying(false);
    const res = await app.fork({ kind: 'network', network: r.network });
    if (!res) return;
    last = res;
    setText($('fork-text'), forkSummary(res, describeNetwork(r.network)));
    $('fork-rows').replaceChildren(...forkRows(res).map((row) => html('tr', { class: row.differs ? 'differs' : '' },
      html('th', { scope: 'row', text: `n${row.id}` }), html('td', { text: row.here }), html('td', { text: row.fork }))));
    $('fork-travel').disabled = !res.diverged;
    show($('fork-box'), true);
  });
  $('fork-travel').addEventListener('click', () => { if (last && last.diverged) app.runTo(last.time); });
  $('fork-open').addEventListener('click', () => { if (last) app.load(last.session, last.diverged ? last.time : undefined, 'Open the fork'); });
  const forkURL = async () => new URL(await sessionURL(last.session, last.diverged ? last.time : last.session.until), location.href).href;
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
    notice((await copyText(url)) ? 'The fork\'s link is copied: it reproduces the fork, at the difference.' : `The fork's link: ${url}`);
  });
}
