// The page's own state, beside the App's (ui/app.js keeps the model, the
// selection and playback): every field is declared and documented here,
// and the objects are sealed, so no field is added on the fly. DOM-free.
import { initialAnnouncer } from './announce.js';
import { newPanelSchedule } from './panels.js';

/** SHOWN_ERRORS_KEEP is how many of the newest error messages shown the page keeps for tests. */
export const SHOWN_ERRORS_KEEP = 50;

/** newPageState is the state of a page that has not started; realTime: the engine runs at wall-clock speed. */
export function newPageState(realTime) {
  return Object.seal({
    /** realTime: the engine runs at wall-clock speed (native nodes): no session in the URL, no speed meter. */
    realTime: !!realTime,
    /** started: the first cluster is shown; from then on the URL follows the session. */
    started: false,
    /** lost is why the engine went away after it started (the dev server stopped), or ''. */
    lost: '',
    /** limits are the engine's ranges for a new cluster and a session (its limits call), or {} until known. */
    limits: {},

    /** version counts changes to what is drawn; a drawing is redone when it is older. */
    version: 0,
    /** drawnStage is the version the ring and the messages were last drawn at. */
    drawnStage: -1,
    /** panels is when each panel is drawn (ui/panels.js). */
    panels: newPanelSchedule(),

    /** pendingSaid are the model's sentences for screen readers not yet given to the announcer. */
    pendingSaid: [],
    /** announcer is the live region's state (ui/announce.js). */
    announcer: initialAnnouncer(),
    /** meter measures how fast virtual time really goes (ui/clock.js meterStep), null until playing. */
    meter: null,
    /** meterText is the actual speed shown beside the speed menu, '' when it keeps up. */
    meterText: '',

    /** shownErrors are the newest SHOWN_ERRORS_KEEP error messages shown, oldest first (for tests). */
    shownErrors: [],
    /** errorTimer hides the error box; noticeTimer the notice box (setTimeout ids). */
    errorTimer: 0,
    noticeTimer: 0,
    /** hashTimer puts the session in the URL after a pause (a setTimeout id). */
    hashTimer: 0,
    /** hashGen counts the writes of the URL: only the newest one writes. */
    hashGen: 0,

    /** tour is the guided tour's band once opened (controls/tour.js bindTour), null before. */
    tour: null,
    /** player is the etcd scripts player's band once opened (controls/etcd-player.js bindPlayer), null before. */
    player: null,

    /** firstLeaderAt is the page time (ms) a leader was first drawn, 0 before. */
    firstLeaderAt: 0,
    /** engineAt is the page time (ms) the engine finished loading, 0 before. */
    engineAt: 0,
    /** frameTimes and drawTimes record animation frames and their drawing time while measured (test surface), null otherwise. */
    frameTimes: null,
    drawTimes: null,
    /** stamps, while true (test surface), labels in Chrome's trace (console.timeStamp) what each animation frame draws and each engine answer taken, for the browser benchmark. */
    stamps: false,
  });
}

/**
 * newEventFilter is what the event log shows (controls/forms.js sets it):
 * filter is the group of events, node the node (0: every node), and
 * redraw() asks for the panels to be drawn again.
 */
export function newEventFilter(page) {
  return Object.seal({ filter: 'important', node: 0, redraw: () => { page.version++; } });
}

/** noteError records an error message shown, keeping the newest SHOWN_ERRORS_KEEP. */
export function noteError(page, text) {
  page.shownErrors.push(text);
  if (page.shownErrors.length > SHOWN_ERRORS_KEEP) page.shownErrors.shift();
}

/** shownErrors lists the error messages shown; take empties the list. */
export function shownErrors(page, take = false) {
  const out = page.shownErrors.slice();
  if (take) page.shownErrors.length = 0;
  return out;
}

/** noteSaid queues the model's sentences for the announcer. */
export function noteSaid(page, said) {
  if (said.length) page.pendingSaid = page.pendingSaid.concat(said);
}

/** takeSaid hands the queued sentences to the announcer, emptying the queue. */
export function takeSaid(page) {
  const out = page.pendingSaid;
  page.pendingSaid = [];
  return out;
}
