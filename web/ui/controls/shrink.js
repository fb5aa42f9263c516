// Shrink this failure: when a checker has stopped the run, the engine
// searches for a smaller session that the same checker stops, and the page
// offers it to open here, as a link and as a file.
import { shrinkText } from '../engine.js';
import * as share from './share.js';
import { $, setText, show } from '../render/dom.js';

/** bindShrink wires the Shrink button and the box that offers what it found; link is the page's SessionLink. */
export function bindShrink(app, link) {
  const box = $('shrunk');
  let found = null;
  const close = () => { found = null; show(box, false); };
  $('shrink').addEventListener('click', async () => {
    close();
    app.setPlaying(false);
    const r = await app.shrink();
    if (!r) return;
    found = r;
    setText($('shrunk-text'), shrinkText(r));
    $('shrunk-link').href = await share.sessionURL(r.session);
    show(box, true);
    $('shrunk-open').focus();
  });
  $('shrunk-open').addEventListener('click', async () => {
    if (!found) return;
    const s = found.session;
    close();
    if (await app.load(s, undefined, 'The shrunk session')) link.schedule();
  });
  $('shrunk-download').addEventListener('click', () => { if (found) share.download(found.session); });
  $('shrunk-close').addEventListener('click', close);
}
