// Why?: causal questions about the selected node (its role, term, vote,
// commit index, applied index, an entry not committed) and the selected
// message, answered by the engine from its trace (wire.Why), with the
// chain of events that led there; each event travels to its time.
import { formatTime } from '../clock.js';
import { $, html, setText, show } from '../render/dom.js';

/** NODE_QUESTIONS are the questions the inspector's buttons ask of the selected node (wire.WhyRole ... wire.WhyApplied). */
const NODE_QUESTIONS = ['role', 'term', 'vote', 'commit', 'applied'];

/**
 * bindWhy wires the Why? buttons to app (the App); showChain(chain) shows
 * an answer's chain on the space-time diagram (controls/diagram.js). It
 * returns {askEntry(node, index)}: why that entry of that node is (not)
 * committed, as the form asks it (the log grid's cells ask it on a click).
 */
export function bindWhy(app, showChain) {
  const box = $('why-answer');
  const ask = async (q) => {
    const a = await app.why(q);
    if (!a) return;
    setText($('why-text'), a.text);
    $('why-chain').replaceChildren(...a.chain.map((step) => {
      const go = html('button', { type: 'button', class: 'btn small ghost', text: `${formatTime(step.at)} s`, title: `Travel to ${formatTime(step.at)} s` });
      go.addEventListener('click', () => app.seek(step.at));
      return html('li', { 'data-seq': String(step.seq) }, go, html('span', { text: step.text }));
    }));
    app.whyChain = a.chain;
    show(box, true);
  };
  $('why-diagram').addEventListener('click', () => showChain(app.whyChain));
  for (const about of NODE_QUESTIONS) {
    $(`why-${about}`).addEventListener('click', () => { app.setPlaying(false); ask({ about, node: app.selected }); });
  }
  $('why-entry-form').addEventListener('submit', (e) => {
    e.preventDefault();
    app.setPlaying(false);
    ask({ about: 'entry', node: app.selected, index: Number($('why-index').value) });
  });
  const askEntry = (node, index) => {
    app.setPlaying(false);
    app.select(node);
    $('why-index').value = String(index);
    return ask({ about: 'entry', node, index });
  };
  $('msg-why').addEventListener('click', () => {
    if (!app.selectedMsg) return;
    app.setPlaying(false);
    ask({ about: 'message', msg: app.selectedMsg });
  });
  return { askEntry };
}
