// The panels' drawing: one function per panel of ../panels.js's PANEL,
// each drawing from a snapshot of the page's state; the stage (ring and
// messages) drawn every frame; the selection's panels; and bringing the
// node panel into view.
import { PANEL } from '../panels.js';
import { nextKeysFrom } from '../logs.js';
import { nodeRadius } from '../geometry.js';
import { syncAskNode, syncNodeFilter } from '../controls/forms.js';
import { showDropped } from '../controls/engine-switch.js';
import { $ } from './dom.js';

/** panelSnapshot is what a pass of the panels draws, taken once for all of them. */
export function panelSnapshot(app) {
  return {
    frame: app.frame, view: app.view, model: app.model, selected: app.selected, selectedMsg: app.selectedMsg,
    playing: app.playing, dragging: app.dragging, speed: app.speed,
  };
}

/**
 * drawSelection draws the inspector and the message panel for what is
 * selected now and the newest view (not a panel snapshot's): a selection
 * draws them at once, and a later panel pass must not bring back an
 * older selection.
 */
export function drawSelection(app, { inspector, messages }) {
  inspector.draw(app.view, app.selected);
  messages.draw(app.view, app.selectedMsg, app.heldFilter);
}

/** drawStage draws the ring and the messages: every frame, it is cheap. */
export function drawStage(app, { ring, flights }, reducedMotion) {
  const v = app.view;
  ring.draw(v, app.selected);
  flights.draw(v, ring.positions(), nodeRadius(v.nodes.length), { selected: app.selectedMsg, reducedMotion, heldFilter: app.heldFilter });
}

/**
 * panelDrawers are the panels' drawing functions by PANEL name. app is the
 * App, page the page state, ui the event filter, r the renderers (chrome,
 * grid, kv, events, consoleView, inspector, messages, and diagram: the
 * Diagram view's controls/diagram.js, whose refresh replaces the list's
 * drawing while it is shown; why, controls/why.js's, is not drawn here).
 */
export function panelDrawers(app, page, ui, r) {
  return {
    [PANEL.CHROME]: (s) => {
      r.chrome.draw(s.frame, { playing: s.playing, dragging: s.dragging, markers: app.searchMarks.length ? s.model.markers.concat(app.searchMarks) : s.model.markers });
      const play = $('play');
      play.setAttribute('aria-pressed', String(s.playing));
      play.querySelector('.lbl').textContent = s.playing ? 'Pause' : 'Play';
      const speed = $('speed');
      if (speed.value !== String(s.speed)) speed.value = String(s.speed);
      if (page.realTime) showDropped(app.engine.dropped());
      if (page.lost) $('status-line').textContent = page.lost;
    },
    [PANEL.LOG_GRID]: (s) => r.grid.draw(s.view, s.selected),
    [PANEL.KV]: (s) => {
      r.kv.draw(s.view);
      $('kv-first').disabled = !app.kvFrom;
      $('kv-more').disabled = !nextKeysFrom(s.view);
    },
    [PANEL.EVENTS]: (s) => {
      if (r.diagram && r.diagram.shown()) { r.diagram.refresh(); return; }
      ui.node = syncNodeFilter(s.view.nodes.length, ui.node);
      r.events.draw(s.model, ui.filter, ui.node);
    },
    [PANEL.SELECTION]: (s) => {
      drawSelection(app, r);
      syncAskNode(s.view);
      r.consoleView.draw(s.model.console);
    },
  };
}

/**
 * revealInspector brings the node panel into view when it is off screen (on
 * a phone it is below the ring), its title clear of the sticky bars.
 */
export function revealInspector(reducedMotion) {
  const title = $('insp-title');
  const cover = Math.max(0, ...['.topbar', '.timeline'].map((sel) => {
    const el = document.querySelector(sel);
    return el && getComputedStyle(el).position === 'sticky' ? el.getBoundingClientRect().bottom : 0;
  }));
  const r = title.getBoundingClientRect();
  if (r.top >= cover && r.bottom <= window.innerHeight) return;
  title.style.scrollMarginTop = `${Math.ceil(cover) + 8}px`;
  title.scrollIntoView({ block: 'start', behavior: reducedMotion ? 'auto' : 'smooth' });
}
