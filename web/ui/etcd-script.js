// etcd raft's datadriven scripts as the player reads them: where each
// directive's block ends (to cut a script at a step), a directive a person
// types appended as a block of its own, and each step of a play
// (interop.play's PlayResult) turned into what the player shows. DOM-free
// and pure; the player (controls/etcd-player.js) is loaded on demand.
//
// A script is read by etcdscript.Parse in Go (datadriven's reading rules);
// blocks() follows the same rules only to find where each directive's
// block ends, so that the text up to a step is exactly the directives up
// to it with their expected output. The module remains the judge of what
// a directive means.
import { ROLES, roleOf, nodeSummary } from './roles.js';

/**
 * blocks returns, for each directive of text in order, {line, end}: line
 * is the 1-based line of its command (the line a play's step names) and
 * end the number of lines read once its expected output is read (the
 * block's last line, the blank line that closes it included), as
 * etcdscript.Parse reads them: "#" lines are comments, a line ending in
 * "\" continues on the next, the input runs to a "----" line and the
 * expected output to a blank line or, after "----" twice, to the next
 * "----" twice (and the line after it).
 */
export function blocks(text) {
  const lines = splitLines(text);
  const n = lines.length;
  const out = [];
  let i = 0;
  while (i < n) {
    const line = i + 1;
    let cmd = lines[i++].trim();
    if (cmd.startsWith('#')) continue;
    while (cmd.endsWith('\\') && i < n) cmd = `${cmd.slice(0, -1)} ${lines[i++].trim()}`;
    if (cmd === '') continue;
    let separator = false;
    while (i < n) {
      if (lines[i++] === '----') { separator = true; break; }
    }
    if (separator) i = expectedEnd(lines, i);
    out.push({ line, end: i });
  }
  return out;
}

/** expectedEnd returns the line index after the expected output that starts at lines[i] (just after "----"). */
function expectedEnd(lines, i) {
  const n = lines.length;
  if (i >= n) return i;
  let l = lines[i++];
  if (l === '----') {
    // Fenced: up to "----" twice, and the (blank) line after it.
    while (i < n) {
      l = lines[i++];
      if (l === '----' && i < n) {
        if (lines[i++] === '----') {
          if (i < n) i++;
          break;
        }
      }
    }
    return i;
  }
  while (l.trim() !== '' && i < n) l = lines[i++];
  return i;
}

/** splitLines splits text as Go's bufio.ScanLines does: no empty last line after a final newline, "\r" dropped at a line's end. */
function splitLines(text) {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * cutAt returns text up to the end of its k-th directive's block (k from
 * 1; its expected output included), every later directive dropped; 0
 * gives "". It throws when text has fewer than k directives.
 */
export function cutAt(text, k) {
  if (k === 0) return '';
  const b = blocks(text);
  if (k < 0 || k > b.length) throw new Error(`the script has ${b.length} directives, not ${k}`);
  const lines = text.split('\n');
  return `${lines.slice(0, b[k - 1].end).join('\n')}\n`;
}

/**
 * checkTyped returns why a directive a person typed cannot be appended to a
 * script, or '' when it can: its first line is the command (e.g.
 * "campaign 1"); later lines, if any, are its input (propose-conf-change's
 * changes). A "----" line, a blank line, a comment or a continuation would
 * change how the script reads, and are refused.
 */
export function checkTyped(directive) {
  const lines = String(directive).replace(/\r/g, '').trim().split('\n');
  if (lines[0].trim() === '') return 'Type a directive, such as campaign 1 or stabilize.';
  for (const [i, l] of lines.entries()) {
    const t = l.trim();
    const where = lines.length > 1 ? `line ${i + 1} of your directive` : 'your directive';
    if (t === '') return `${where} is blank: a blank line would end the directive.`;
    if (t === '----') return `${where} is "----", which separates a directive from its output: type the command (and its input) only.`;
    if (i === 0 && t.startsWith('#')) return 'Your directive starts with "#", which makes it a comment.';
    if (t.endsWith('\\')) return `${where} ends in "\\", which would join it to the next line.`;
  }
  return '';
}

/**
 * appendDirective returns text with directive appended as a block of its
 * own with no expected output ("DIRECTIVE\n----\n", the contract's), after
 * a blank line that closes the block before it. directive must pass
 * checkTyped.
 */
export function appendDirective(text, directive) {
  const d = String(directive).replace(/\r/g, '').trim().split('\n').map((l) => l.trim()).join('\n');
  let t = text;
  if (t !== '') {
    if (!t.endsWith('\n')) t += '\n';
    if (!t.endsWith('\n\n')) t += '\n';
  }
  return `${t}${d}\n----\n`;
}

/**
 * Marks of a step: its output matches the file's, differs from it, or the
 * step is a directive a person typed (no expected output). Each has words
 * and a symbol, never a colour alone.
 */
export const MARKS = Object.freeze({
  match: { symbol: '✔', text: "matches etcd's expected output" },
  differs: { symbol: '✘', text: "differs from etcd's expected output" },
  yours: { symbol: '✎', text: 'your directive: there is no expected output to compare with' },
});

/**
 * markOf returns the mark of step (a PlayResult step): "yours" for a
 * directive the person typed (its index, from 0, at or past typedFrom),
 * else "match" or "differs" as the module compared them (step.matches).
 */
export function markOf(step, index, typedFrom = Infinity) {
  if (index >= typedFrom) return 'yours';
  return step.matches ? 'match' : 'differs';
}

/** The columns of the node table, in order: a heading and the text of a node's cell. */
export const NODE_COLUMNS = Object.freeze([
  { head: 'node', cell: (n) => `n${n.id}` },
  { head: 'role', cell: (n) => `${ROLES[roleOf(n)].short} ${ROLES[roleOf(n)].label}` },
  { head: 'term', cell: (n) => String(n.term) },
  { head: 'vote', cell: (n) => (n.vote ? `n${n.vote}` : '—') },
  { head: 'commit', cell: (n) => String(n.commit) },
  { head: 'applied', cell: (n) => String(n.applied) },
  { head: 'last index', cell: (n) => String(n.last_index) },
  { head: 'leader', cell: (n) => (n.leader ? `n${n.leader}` : '—') },
]);

/**
 * stepView is what the player shows of step i (from 0) of a PlayResult:
 * its place ("Step 3 of 12"), line, directive, expected and actual output,
 * mark (markOf) with its words, and a row per node ({role, cells, label}:
 * label is nodeSummary's line for assistive technology).
 */
export function stepView(result, i, typedFrom = Infinity) {
  const step = result.steps[i];
  const mark = markOf(step, i, typedFrom);
  return {
    index: i,
    place: `Step ${i + 1} of ${result.steps.length}`,
    line: step.line,
    text: step.text,
    expected: mark === 'yours' ? '' : step.expected,
    actual: step.actual,
    mark,
    markText: `${MARKS[mark].symbol} ${MARKS[mark].text}`,
    nodes: (step.nodes || []).map((n) => ({
      id: n.id,
      role: roleOf(n),
      cells: NODE_COLUMNS.map((c) => c.cell(n)),
      label: `${nodeSummary(n)}, vote ${n.vote ? `n${n.vote}` : 'none'}, last index ${n.last_index}`,
    })),
  };
}

/** leaderOf is the node a step's views show leading with the highest term, or null. */
export function leaderOf(nodes) {
  let best = null;
  for (const n of nodes || []) if (n.role === 'leader' && (!best || n.term > best.term)) best = n;
  return best;
}

/**
 * narrate is the one sentence the live region says for step i: where it is,
 * the directive, the mark, and the leader after it.
 */
export function narrate(result, i, typedFrom = Infinity) {
  const v = stepView(result, i, typedFrom);
  const l = leaderOf(result.steps[i].nodes);
  const who = l ? `n${l.id} leads term ${l.term}` : (result.steps[i].nodes || []).length ? 'no leader' : 'no nodes yet';
  const mark = v.mark === 'yours' ? 'your directive' : MARKS[v.mark].text;
  return `${v.place}, line ${v.line}: ${v.text}. It ${v.mark === 'yours' ? 'is ' : ''}${mark}. After it, ${who}.`;
}

/** summary says how many of a play's steps match the file's output, leaving out the person's own. */
export function summary(result, typedFrom = Infinity) {
  const file = result.steps.slice(0, Math.min(typedFrom, result.steps.length));
  const matched = file.filter((s) => s.matches).length;
  const yours = result.steps.length - file.length;
  const mine = yours ? `, then ${yours} directive${yours === 1 ? '' : 's'} of yours` : '';
  return `${matched} of ${file.length} directives match etcd's expected output${mine}.`;
}

/**
 * lineWhere says where a play's error at line lies for a text whose first
 * `own` lines are the script's: in the script ("line 12") or in the
 * directive the person typed.
 */
export function lineWhere(line, own) {
  if (!line) return '';
  return line > own ? 'in your directive' : `at line ${line}`;
}

/** lineCount is the number of lines of text, as blocks counts them. */
export function lineCount(text) {
  return splitLines(text).length;
}
