// The guided tour's band: the chapter menu, the step's words (an ARIA live
// region), Back and Next, Restart, the chapter's link, and Leave the tour
// (the cluster goes on as a normal session; Learn Raft resumes the tour
// where it was left), and the bug zoo's switches for the chapters that
// offer planted bugs (off by default; a run with one says so in words). A
// chapter's task is judged on every frame from the engine's view and
// events. Loaded only when the tour opens.
import { CHAPTERS, chapterById, stepLabel, TourRunner } from '../tour.js';
import { FAULTS, LINK } from '../schema.js';
import { copyText } from './share.js';
import { $, setText, show } from '../render/dom.js';

/**
 * bindTour wires the tour's band to app (the App); error and notice show
 * messages. It returns {open(id), onFrame(), runner} for the page: open
 * starts a chapter by id (the first when absent, or resumes the one left)
 * and resolves false after saying why when there is none; onFrame judges
 * the task after each frame.
 */
export function bindTour(app, { error, notice }) {
  const menu = $('tour-chapter');
  for (const c of CHAPTERS) menu.append(new Option(c.title, c.id));
  let runner = null;
  let left = null; // {id, step} of a tour left, to resume
  let busy = false;

  const draw = () => {
    const c = runner.chapter;
    setText($('tour-title'), c.title);
    menu.value = c.id;
    setText($('tour-step'), stepLabel(runner.i, c));
    setText($('tour-text'), runner.said);
    const task = c.task && runner.last;
    show($('tour-task'), Boolean(task));
    if (task) setText($('tour-task'), `${c.task.goal} ${c.task.hint}`);
    show($('tour-verdict'), false);
    $('tour-back').disabled = runner.i <= 0;
    $('tour-next').disabled = runner.last;
    drawZoo();
    // A run a checker stopped makes no more frames: its verdict is told now.
    judge();
  };
  // The bug zoo: a switch per bug the chapter offers; switching one
  // restarts the chapter with the bugs on. A run with a bug says so in
  // words, above the cluster, as long as it lasts.
  let zooFor = '';
  const drawZoo = () => {
    const c = runner.chapter;
    const zoo = $('tour-zoo');
    show(zoo, Boolean(c.zoo && c.zoo.length));
    const key = `${c.id}:${runner.faults.join(',')}`;
    if (zooFor !== key) {
      zooFor = key;
      const list = $('tour-zoo-list');
      list.replaceChildren(...(c.zoo || []).map((kind) => {
        const f = FAULTS.find((x) => x.kind === kind);
        const label = document.createElement('label');
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.value = kind;
        box.checked = runner.faults.includes(kind);
        box.dataset.testid = `tour-bug-${kind}`;
        box.addEventListener('change', () => {
          const on = [...list.querySelectorAll('input:checked')].map((x) => x.value);
          start(c.id, 0, on);
        });
        label.append(box, ` ${kind}: ${f ? f.doc : 'unknown bug'} (caught by ${f ? f.caught.join(', ') : 'nothing'})`);
        return label;
      }));
      if (runner.faults.length) zoo.open = true;
    }
    const bug = $('tour-bug');
    show(bug, runner.faults.length > 0);
    setText(bug, runner.faults.length ? `Planted bug on: ${runner.faults.join(', ')}. This run is not etcd Raft as it is; switch the bug off in the bug zoo to see the real thing.` : '');
  };
  // judge shows the verdict on the chapter's task, once it can be told.
  const judge = () => {
    if (!runner || !runner.last || !runner.chapter.task) return;
    const v = runner.judge(app.model.notable);
    if (!v.done) return;
    const el = $('tour-verdict');
    if (el.hidden || el.textContent !== v.text) {
      setText(el, v.text);
      el.dataset.ok = String(v.ok);
      show(el, true);
    }
  };
  // One move at a time: a click while the engine runs to a step is ignored.
  const move = async (f) => {
    if (busy || !runner) return false;
    busy = true;
    try {
      const ok = await f();
      if (ok) draw();
      return ok;
    } finally {
      busy = false;
    }
  };
  const start = async (id, step = 0, faults = []) => {
    const chapter = chapterById(id);
    if (!chapter) {
      error(`The tour has no chapter ${JSON.stringify(id)}; its chapters are ${CHAPTERS.map((c) => c.id).join(', ')}`);
      return false;
    }
    show($('tour'), true);
    $('tour-open').textContent = 'Learn Raft';
    runner = new TourRunner(app, chapter, faults);
    left = null;
    return move(async () => {
      if (!(await runner.start())) return false;
      for (let i = 1; i <= step; i++) if (!(await runner.next())) return false;
      return true;
    });
  };

  menu.addEventListener('change', () => start(menu.value));
  $('tour-next').addEventListener('click', () => move(() => runner.next()));
  $('tour-back').addEventListener('click', () => move(() => runner.back()));
  $('tour-restart').addEventListener('click', () => start(runner.chapter.id, 0, runner.faults));
  $('tour-leave').addEventListener('click', () => {
    if (!runner) return;
    left = { id: runner.chapter.id, step: runner.i, faults: runner.faults };
    runner = null;
    show($('tour'), false);
    $('tour-open').textContent = 'Resume the tour';
    app.setPlaying(true);
    notice('The tour is left: the cluster goes on as a normal session. Resume the tour to go back to where you were.');
  });
  $('tour-link').addEventListener('click', async () => {
    if (!runner) return;
    const url = new URL(`#${LINK.tour}=${runner.chapter.id}`, location.href).href;
    notice((await copyText(url)) ? `This chapter's link is copied: ${url}` : `This chapter's link: ${url}`);
  });

  return {
    get runner() { return runner; },
    open(id) {
      if (!id && left) return start(left.id, left.step, left.faults);
      return start(id || CHAPTERS[0].id);
    },
    onFrame() {
      if (!busy) judge();
    },
  };
}
