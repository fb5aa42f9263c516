// The etcd scripts player: a band above the cluster (like the tour's) that
// plays one of etcd raft's 28 datadriven scripts, or a script file of the
// person's own, in etcd's interpreter (the interop module), one directive
// per step: a slider with Back and Next (and the arrow keys), the
// directive and its line, etcd's expected output beside the output
// printed now with a mark in words, and every node's state after the step.
// Take over drops the rest of the script and opens a box for directives
// of one's own. Loaded only when the player opens (main.js).
import { ScriptPlayer, fileTooBig } from '../etcd-player.js';
import { stepView, narrate, summary, NODE_COLUMNS } from '../etcd-script.js';
import { $, html, setText, setAttr, show } from '../render/dom.js';

/** DEFAULT_SCRIPT is the script shown first, when etcd's index has it. */
const DEFAULT_SCRIPT = 'campaign';

/** mb formats bytes as megabytes for the download's progress. */
const mb = (n) => (n / 1e6).toFixed(1);

/**
 * bindPlayer builds the player's band after the tour's and wires it to
 * interop (ui/interop-lazy.js); its errors are shown in its band, in words
 * (an alert), not in the page's error box. It returns
 * {open(), close(), state()} for the page; open loads the module and
 * etcd's index on first use.
 */
export function bindPlayer(interop) {
  linkSheet();
  const el = buildBand();
  $('tour').after(el.band);
  let player = null;
  let index = null;
  let starting = null;

  const say = (text) => setText(el.said, text);
  const fail = (text) => {
    setText(el.error, text);
    show(el.error, Boolean(text));
  };

  const drawProgress = (done, total) => {
    show(el.progress, true);
    if (total > 0) {
      el.bar.max = total;
      el.bar.value = Math.min(done, total);
      setText(el.progressText, `Loading etcd's interpreter (WebAssembly): ${mb(done)} of ${mb(total)} MB`);
    } else {
      el.bar.removeAttribute('value');
      setText(el.progressText, done > 0 ? `Loading etcd's interpreter (WebAssembly): ${mb(done)} MB` : "Loading etcd's interpreter (WebAssembly)…");
    }
  };
  interop.onProgress(drawProgress);

  const draw = () => {
    show(el.body, Boolean(player && player.result));
    if (!player || !player.result) return;
    const r = player.result;
    const v = stepView(r, player.i, player.typedFrom);
    setText(el.title, `etcd's scripts: ${player.name}`);
    setText(el.summary, summary(r, player.typedFrom));
    el.slider.max = String(r.steps.length);
    el.slider.value = String(player.i + 1);
    setAttr(el.slider, 'aria-valuetext', `${v.place}: ${v.text}`);
    setText(el.place, v.place);
    el.back.disabled = player.i <= 0;
    el.next.disabled = player.i >= r.steps.length - 1;
    setText(el.line, `line ${v.line}`);
    setText(el.directive, v.text);
    setText(el.mark, v.markText);
    el.mark.dataset.mark = v.mark;
    setText(el.expected, v.expected);
    show(el.expected, v.mark !== 'yours');
    show(el.noExpected, v.mark === 'yours');
    setText(el.actual, v.actual);
    el.rows.replaceChildren(...v.nodes.map((n) => html('tr', { 'data-node': n.id, 'data-role': n.role, 'aria-label': n.label },
      ...n.cells.map((c, i) => html(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row', text: c } : { text: c, class: i === 1 ? `role ${n.role}` : null })))));
    show(el.noNodes, v.nodes.length === 0);
    setText(el.takeOver, player.takenOver ? 'Type from this step' : 'Take over here');
    show(el.typeForm, player.takenOver);
    say(narrate(r, player.i, player.typedFrom));
  };

  const go = (i) => {
    if (!player || !player.result) return;
    player.go(i);
    draw();
  };

  /** play opens a script (name, text); a refusal leaves what was shown. */
  const play = async (name, text) => {
    fail('');
    const err = await player.open(name, text);
    if (err) { fail(err); return false; }
    draw();
    return true;
  };

  const openEntry = async (name) => {
    const entry = index.scripts.find((s) => s.name === name);
    if (!entry) { fail(`etcd raft has no script ${JSON.stringify(name)}`); return false; }
    let text;
    try {
      text = await (await interop.module()).loadScript(entry);
    } catch (err) {
      fail(`${entry.name}: the script could not be fetched: ${err.message}`);
      return false;
    }
    const ok = await play(`${entry.name}.txt`, text);
    if (ok) el.menu.value = entry.name;
    else if (player.result) el.menu.value = player.name.replace(/\.txt$/, '');
    return ok;
  };

  const openFile = async (file) => {
    if (!file) return false;
    const big = fileTooBig(file.size);
    if (big) { fail(`${file.name} is not read: ${big}.`); return false; }
    let text;
    try {
      text = await file.text();
    } catch (err) {
      fail(`${file.name} could not be read: ${err.message}`);
      return false;
    }
    const ok = await play(file.name, text);
    if (ok) el.menu.value = '';
    return ok;
  };

  /** start loads the module and etcd's index once; it resolves false after saying why it could not. */
  const start = () => {
    starting ||= (async () => {
      drawProgress(0, 0);
      try {
        const client = await interop.get();
        await client.ready();
        const m = await interop.module();
        index = await m.loadScriptIndex(new URL('.', document.baseURI).href);
      } catch (err) {
        starting = null;
        show(el.progress, false);
        fail(`etcd's interpreter could not be loaded: ${err.message}`);
        return false;
      }
      show(el.progress, false);
      player = new ScriptPlayer(await interop.get());
      setText(el.source, `etcd raft ${index.version}'s own scripts (${index.module}, testdata/), played by etcd's interpreter, rafttest.InteractionEnv, compiled to WebAssembly.`);
      el.license.href = index.license;
      el.menu.replaceChildren(html('option', { value: '', text: 'a file of your own', disabled: true }),
        ...index.scripts.map((s) => html('option', { value: s.name, text: s.name })));
      const first = index.scripts.some((s) => s.name === DEFAULT_SCRIPT) ? DEFAULT_SCRIPT : index.scripts[0].name;
      return openEntry(first);
    })();
    return starting;
  };

  el.menu.addEventListener('change', () => { if (el.menu.value) openEntry(el.menu.value); });
  el.file.addEventListener('change', async () => {
    const f = el.file.files && el.file.files[0];
    el.file.value = '';
    if (player) await openFile(f);
  });
  el.band.addEventListener('dragover', (e) => { e.preventDefault(); el.band.dataset.drop = 'on'; });
  el.band.addEventListener('dragleave', () => { delete el.band.dataset.drop; });
  el.band.addEventListener('drop', (e) => {
    e.preventDefault();
    delete el.band.dataset.drop;
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (player && f) openFile(f);
  });
  el.slider.addEventListener('input', () => go(Number(el.slider.value) - 1));
  el.back.addEventListener('click', () => go(player.i - 1));
  el.next.addEventListener('click', () => go(player.i + 1));
  el.takeOver.addEventListener('click', () => {
    if (!player || !player.result) return;
    player.takeOver();
    draw();
    say(`You took over after step ${player.i + 1}: the rest of the script is dropped. Type a directive.`);
    el.typed.focus();
  });
  el.typeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!player) return;
    el.run.disabled = true;
    try {
      const err = await player.type(el.typed.value);
      if (err) { fail(err); draw(); return; }
      fail('');
      el.typed.value = '';
      draw();
    } finally {
      el.run.disabled = false;
    }
  });
  // Enter runs the directive; Shift+Enter starts its input on a new line.
  el.typed.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); el.typeForm.requestSubmit(); }
  });
  // The arrow keys (and Home, End) step through the script anywhere in the
  // band but in a text field; the page's own shortcuts never see them.
  el.band.addEventListener('keydown', (e) => {
    if (!player || !player.result || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest('textarea, select, input:not([type="range"])')) return;
    const to = { ArrowLeft: player.i - 1, ArrowDown: player.i - 1, ArrowRight: player.i + 1, ArrowUp: player.i + 1, Home: 0, End: player.steps - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    go(to);
  });
  el.close.addEventListener('click', () => {
    show(el.band, false);
    $('etcd-open').focus();
  });

  return {
    async open() {
      show(el.band, true);
      el.band.scrollIntoView({ block: 'nearest' });
      const ok = await start();
      if (ok && player.result) el.slider.focus();
      return ok;
    },
    close() { show(el.band, false); },
    /** state is what the browser tests read: the script, the step shown, the steps, the first typed step, the text played. */
    state() {
      if (!player || !player.result) return null;
      return { name: player.name, step: player.i, steps: player.steps, typedFrom: player.takenOver ? player.typedFrom : -1, text: player.text, busy: player.busy };
    },
    go,
    openFile,
  };
}

/** linkSheet links the player's style sheet (web/etcd-player.css), once. */
function linkSheet() {
  if (document.getElementById('etcd-player-css')) return;
  document.head.append(html('link', { id: 'etcd-player-css', rel: 'stylesheet', href: new URL('../../etcd-player.css', import.meta.url).href }));
}

/** buildBand makes the player's elements, hidden until open. */
function buildBand() {
  const el = {};
  const t = (id) => ({ 'data-testid': id });
  el.title = html('h2', { id: 'etcd-title', ...t('etcd-title'), text: "etcd's scripts" });
  el.menu = html('select', { id: 'etcd-script', ...t('etcd-script') });
  el.file = html('input', { type: 'file', accept: '.txt,text/plain', class: 'sr-only', ...t('etcd-file') });
  el.close = html('button', { type: 'button', class: 'btn', ...t('etcd-close'), text: 'Close' });
  el.source = html('span', t('etcd-source'));
  el.license = html('a', { href: 'etcd-raft/LICENSE.txt', ...t('etcd-license'), text: "etcd's licence (Apache 2.0)" });
  el.bar = html('progress', { 'aria-label': "etcd's interpreter loading" });
  el.progressText = html('span');
  el.progress = html('p', { class: 'etcd-progress', role: 'status', ...t('etcd-progress') }, el.bar, ' ', el.progressText);
  el.error = html('p', { class: 'etcd-error', role: 'alert', ...t('etcd-error'), hidden: true });
  el.summary = html('p', { class: 'etcd-summary', ...t('etcd-summary') });
  el.back = html('button', { type: 'button', class: 'btn', ...t('etcd-back'), text: 'Back' });
  el.next = html('button', { type: 'button', class: 'btn primary', ...t('etcd-next'), text: 'Next' });
  el.slider = html('input', { type: 'range', id: 'etcd-step', min: 1, max: 1, step: 1, value: 1, ...t('etcd-step'), 'aria-describedby': 'etcd-keys' });
  el.place = html('output', { for: 'etcd-step', ...t('etcd-place') });
  el.takeOver = html('button', { type: 'button', class: 'btn', ...t('etcd-take-over'), title: "Drop the rest of the script and type InteractionEnv's directives from this step", text: 'Take over here' });
  el.line = html('span', { class: 'etcd-line', ...t('etcd-line') });
  el.directive = html('code', t('etcd-directive'));
  el.mark = html('span', { class: 'etcd-mark', ...t('etcd-mark') });
  el.expected = html('pre', { class: 'etcd-out', tabindex: 0, 'aria-labelledby': 'etcd-expected-title', ...t('etcd-expected') });
  el.noExpected = html('p', { class: 'hint', text: 'None: you typed this directive.', hidden: true });
  el.actual = html('pre', { class: 'etcd-out', tabindex: 0, 'aria-labelledby': 'etcd-actual-title', ...t('etcd-actual') });
  el.rows = html('tbody', t('etcd-nodes'));
  el.noNodes = html('p', { class: 'hint', text: 'No nodes yet: a script adds them with add-nodes.', hidden: true });
  el.typed = html('textarea', { id: 'etcd-typed', rows: 2, spellcheck: 'false', autocomplete: 'off', ...t('etcd-typed'), 'aria-describedby': 'etcd-typed-help' });
  el.run = html('button', { type: 'submit', class: 'btn primary', ...t('etcd-run'), text: 'Run it' });
  el.typeForm = html('form', { class: 'etcd-type', ...t('etcd-type-form'), hidden: true },
    html('label', { for: 'etcd-typed', text: 'Your directive' }), el.typed, el.run,
    html('p', { id: 'etcd-typed-help', class: 'hint', text: "One of InteractionEnv's directives, e.g. campaign 1, stabilize, propose 1 v, deliver-msgs 2, tick-election 3, process-ready 1, status 1, raft-log 1. Enter runs it; Shift+Enter starts its input on a second line (propose-conf-change 1, then v4)." }));
  el.said = html('p', { class: 'sr-only', 'aria-live': 'polite', ...t('etcd-said') });
  el.body = html('div', { class: 'etcd-body', hidden: true },
    el.summary,
    html('div', { class: 'row etcd-nav', role: 'group', 'aria-label': 'Steps' }, el.back,
      html('label', { class: 'etcd-slider', for: 'etcd-step', text: 'Step' }), el.slider, el.place, el.next, el.takeOver),
    html('p', { id: 'etcd-keys', class: 'hint', text: 'A step per directive: the arrow keys go back and forward, Home and End to the first and last.' }),
    html('p', { class: 'etcd-directive' }, el.line, ' ', el.directive, ' ', el.mark),
    html('div', { class: 'etcd-outputs' },
      html('div', {}, html('h3', { id: 'etcd-expected-title', text: "etcd's expected output (from the file)" }), el.expected, el.noExpected),
      html('div', {}, html('h3', { id: 'etcd-actual-title', text: "What etcd's InteractionEnv printed now" }), el.actual)),
    html('div', { class: 'etcd-table', tabindex: 0, role: 'region', 'aria-labelledby': 'etcd-nodes-title' },
      html('table', {}, html('caption', { id: 'etcd-nodes-title', text: 'Every node after this step' }),
        html('thead', {}, html('tr', {}, ...NODE_COLUMNS.map((c) => html('th', { scope: 'col', text: c.head })))), el.rows)),
    el.noNodes,
    el.typeForm);
  el.band = html('section', { id: 'etcd-player', class: 'tour etcd-player', 'aria-labelledby': 'etcd-title', ...t('etcd-player'), hidden: true },
    html('div', { class: 'tour-head' }, el.title,
      html('label', {}, 'Script ', el.menu),
      html('label', { class: 'btn file' }, 'Open a script file', el.file),
      el.close),
    html('p', { class: 'hint etcd-about' }, el.source, ' ', el.license, '. Or drop a script file of your own on this band.'),
    el.progress, el.error, el.body, el.said);
  return el;
}
