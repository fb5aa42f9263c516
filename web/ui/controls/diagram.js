// The space-time diagram's card, shown in place of the logs and events
// (the Events card's Diagram button, and Back), its window and heartbeat choices, asking the
// engine for the diagram (one call at a time: a pass that finds one
// running asks again once it ends), and what a pick or a scroll does: a
// message travels to its sending and selects it on the ring, a mark
// travels to its time and selects its node, the wheel moves through time.
import { DIAGRAM_SPANS, DIAGRAM_SPAN, diagramSummary, spanFor } from '../diagram.js';
import { DiagramView } from '../render/diagram.js';
import { $, setText, show } from '../render/dom.js';

/** diagramArgs is the engine call's argument for the chosen window and heartbeats. */
export function diagramArgs(span, heartbeats) {
  return { span, heartbeats };
}

/**
 * bindDiagram wires the Diagram view to app (the App); redraw asks for a
 * panel pass. It returns {shown(), refresh(), showChain(chain), drawn()}:
 * whether the diagram is shown (the Events panel then refreshes it
 * instead of the list), a refresh from the engine now, showing a causal
 * answer's chain (App.whyChain, drawn over the lines), and what was drawn
 * last (tests).
 */
export function bindDiagram(app, redraw) {
  const toggle = $('diagram-toggle'), box = $('diagram-box'), note = $('diagram-note'), canvas = $('diagram');
  const spanSel = $('diagram-span'), hb = $('diagram-heartbeats');
  for (const ms of DIAGRAM_SPANS) spanSel.append(new Option(`${ms / 1000} s`, String(ms), ms === DIAGRAM_SPAN, ms === DIAGRAM_SPAN));
  const view = new DiagramView(canvas, {
    onPick: async (hit) => {
      app.setPlaying(false);
      if (hit.message) {
        await app.seek(hit.message.sent);
        app.selectMessage(hit.message.id);
      } else {
        await app.seek(hit.mark.at);
        if (hit.mark.node) app.select(hit.mark.node);
      }
    },
    onScroll: (dms) => app.travel(dms),
  });
  new ResizeObserver((entries) => { view.resize(entries[0].contentRect.width, entries[0].contentRect.height); redraw(); }).observe($('diagram-wrap'));
  let on = false, busy = false, again = false;
  const refresh = async () => {
    if (!on || !app.engine) return;
    if (busy) { again = true; return; }
    busy = true;
    const heartbeats = hb.checked;
    try {
      const d = await app.engine.call('diagram', diagramArgs(Number(spanSel.value), heartbeats));
      if (on) {
        view.draw(d, app.selectedMsg, app.whyChain);
        setText(note, diagramSummary(d, heartbeats));
        canvas.setAttribute('aria-label', `Space-time diagram. ${diagramSummary(d, heartbeats)}`);
      }
    } catch (err) {
      setText(note, `No diagram: ${err && err.message ? err.message : err}`);
    } finally {
      busy = false;
    }
    if (again) { again = false; refresh(); }
  };
  const turn = (shown) => {
    on = shown;
    toggle.setAttribute('aria-pressed', String(on));
    show(box, on);
    document.querySelector('.layout').classList.toggle('diagram-on', on);
    (on ? $('diagram-close') : toggle).focus();
    redraw();
  };
  toggle.addEventListener('click', () => turn(true));
  $('diagram-close').addEventListener('click', () => turn(false));
  spanSel.addEventListener('change', refresh);
  hb.addEventListener('change', refresh);
  // A causal answer's chain, shown in a window wide enough to hold it.
  const showChain = (chain) => {
    if (chain.length && app.frame) spanSel.value = String(spanFor(app.frame.view.time - chain[0].at));
    turn(true);
    refresh();
  };
  return { shown: () => on, refresh, showChain, drawn: () => view.drawn() };
}
