// The cluster drawing: nodes on a ring and the links between them, in SVG.
// Elements are created once per cluster size and updated in place.
import { ROLES, roleOf, electionTimer, nodeSummary, currentLeader } from '../roles.js';
import { ringPositions, nodeRadius, pointOnLink } from '../geometry.js';
import { cutSet, linkState, pairs } from '../links.js';
import { svg, setAttr, setText, setClass } from './dom.js';
import { shapePath, crossPath } from './shapes.js';
import { configOf, memberRole, MEMBER_ROLES } from '../membership.js';

/** MEMBER_TAGS are the short words under a node for its place in the configuration ('' for a plain voter). */
const MEMBER_TAGS = { voter: '', both: 'old & new', outgoing: 'old only', incoming: 'new only', learner: 'learner', removed: '', none: 'not a member' };

/** RingView draws links and nodes into two SVG groups. */
export class RingView {
  constructor(linksLayer, nodesLayer, labelsLayer, { onSelectNode }) {
    this.gLinks = linksLayer;
    this.gNodes = nodesLayer;
    this.gLabels = labelsLayer;
    this.onSelectNode = onSelectNode;
    // hosted is the id of the node this page runs (Join from this page), or 0.
    this.hosted = 0;
    this.count = -1;
    this.nodes = [];
    this.links = [];
    this.pos = [];
  }

  /** positions returns the node positions last drawn (for the messages layer). */
  positions() { return this.pos; }

  build(n) {
    this.gLinks.replaceChildren();
    this.gNodes.replaceChildren();
    this.gLabels.replaceChildren();
    this.count = n;
    this.pos = ringPositions(n);
    this.r = nodeRadius(n);
    this.links = pairs(n).map(([a, b]) => {
      const p = pointOnLink(this.pos[a - 1], this.pos[b - 1], 0, this.r + 5, 0);
      const q = pointOnLink(this.pos[a - 1], this.pos[b - 1], 1, this.r + 5, 0);
      const line = svg('line', { class: 'link', x1: p.x.toFixed(1), y1: p.y.toFixed(1), x2: q.x.toFixed(1), y2: q.y.toFixed(1), 'data-link': `${a}-${b}` }, this.gLinks);
      const title = svg('title', {}, line);
      return { a, b, line, title };
    });
    this.nodes = this.pos.map((p, i) => this.buildNode(i + 1, p));
    this.caption = svg('text', { class: 'caption', x: 240, y: n === 1 ? 330 : 244 }, this.gLabels);
  }

  buildNode(id, p) {
    const r = this.r;
    const g = svg('g', { class: 'node', transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`, tabindex: 0, role: 'button', 'data-testid': `node-${id}` }, this.gNodes);
    const el = {
      g,
      halo: svg('circle', { class: 'halo', r: r + 13 }, g),
      // In a joint configuration: the old quorum's mark (dashed) and the
      // new one's (solid), so the two are told apart by line as well as colour.
      qold: svg('circle', { class: 'quorum old', r: r + 17 }, g),
      qnew: svg('circle', { class: 'quorum new', r: r + 20 }, g),
      track: svg('circle', { class: 'timer-track', r: r + 6 }, g),
      timer: svg('circle', { class: 'timer', r: r + 6, pathLength: 100, transform: 'rotate(-90)' }, g),
      due: svg('line', { class: 'timer-mark', x1: 0, y1: r + 3, x2: 0, y2: r + 9 }, g),
      body: svg('path', { class: 'body' }, g),
      cross: svg('path', { class: 'cross', d: crossPath(r) }, g),
      name: svg('text', { class: 'nid', y: 1 }, g),
      // Labels sit on a layer above the messages' canvas, so they stay readable.
      label: svg('text', { class: 'nrole', x: p.x.toFixed(1), y: (p.y + r + 24).toFixed(1) }, this.gLabels),
      vote: svg('text', { class: 'nvote', x: p.x.toFixed(1), y: (p.y + r + 37).toFixed(1) }, this.gLabels),
      title: svg('title', {}, g),
      key: '',
    };
    setText(el.name, `n${id}`);
    g.addEventListener('click', (e) => { e.stopPropagation(); this.onSelectNode(id); });
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); e.stopPropagation(); this.onSelectNode(id); }
    });
    return el;
  }

  /** draw updates the ring to the view; selected is the selected node id. */
  draw(view, selected) {
    if (view.nodes.length !== this.count) this.build(view.nodes.length);
    const cuts = cutSet(view);
    for (const l of this.links) {
      // A member that left a native cluster has no links any more.
      const gone = (view.nodes[l.a - 1] && view.nodes[l.a - 1].left) || (view.nodes[l.b - 1] && view.nodes[l.b - 1].left);
      setAttr(l.line, 'visibility', gone ? 'hidden' : null);
      const s = linkState(cuts, l.a, l.b);
      setClass(l.line, s.state === 'open' ? 'link' : s.state === 'cut' ? 'link cut' : 'link cut oneway');
      // One-way: an arrowhead at the end the cut direction points to.
      setAttr(l.line, 'marker-end', s.state === 'one-way' && s.ab ? 'url(#blocked)' : null);
      setAttr(l.line, 'marker-start', s.state === 'one-way' && s.ba ? 'url(#blocked)' : null);
      setText(l.title, s.text);
    }
    // Nodes a safety violation names are marked.
    const culprits = !view.safety.ok && view.safety.violation ? view.safety.violation.nodes || [] : [];
    const config = configOf(view);
    view.nodes.forEach((node, i) => this.drawNode(this.nodes[i], node, view.timing, selected === node.id, culprits.includes(node.id), node.id === this.hosted, memberRole(config, node)));
    setText(this.caption, caption(view));
  }

  drawNode(el, node, timing, selected, culprit, hosted = false, mrole = 'voter') {
    const role = roleOf(node);
    const info = ROLES[role];
    const t = electionTimer(node, timing);
    // Skip nodes whose drawn state did not change.
    const key = `${role}|${mrole}|${node.member}|${node.term}|${node.vote}|${selected}|${culprit}|${hosted}|${t ? `${t.elapsed}/${t.max}` : '-'}|${node.leader}|${node.commit}|${node.applied}`;
    if (key === el.key) return;
    el.key = key;
    setClass(el.g, `node ${role} m-${mrole}${selected ? ' selected' : ''}${culprit ? ' culprit' : ''}${hosted ? ' hosted' : ''}`);
    setAttr(el.g, 'data-member', mrole);
    const inOld = mrole === 'both' || mrole === 'outgoing', inNew = mrole === 'both' || mrole === 'incoming';
    el.qold.style.display = inOld ? '' : 'none';
    el.qnew.style.display = inNew ? '' : 'none';
    const tag = MEMBER_TAGS[mrole];
    const mtext = mrole === 'voter' || mrole === 'removed' ? '' : `; ${MEMBER_ROLES[mrole].text}`;
    setAttr(el.g, 'data-hosted', hosted ? 'page' : node.member ? 'member' : null);
    setAttr(el.g, 'data-role', role);
    setAttr(el.g, 'data-term', node.term);
    setAttr(el.g, 'data-up', node.up);
    setAttr(el.g, 'aria-pressed', selected);
    const here = hosted ? '; hosted in this page' : '';
    setAttr(el.g, 'aria-label', `${nodeSummary(node)}${mtext}${here}${t ? `; ${t.text}` : ''}`);
    setAttr(el.body, 'd', shapePath(info.shape, this.r));
    const where = hosted ? ' · this page' : node.member && !node.left ? ' · member' : '';
    setText(el.label, `${node.up && !node.left ? `${info.label} · T${node.term}` : node.left ? (node.member ? info.label : 'Removed') : `Crashed · T${node.term}`}${where}${tag ? ` · ${tag}` : ''}`);
    setClass(el.label, `nrole ${role}`);
    // Who it voted for in its term (a leader voted for itself: not shown).
    setText(el.vote, node.vote && node.role !== 'leader' && !node.left ? `voted n${node.vote}${node.up ? '' : ' (on disk)'}` : '');
    setText(el.title, `${nodeSummary(node)}${mtext ? `\n${MEMBER_ROLES[mrole].text}` : ''}${hosted ? '\nHosted in this page (WebAssembly)' : node.member && !node.left ? '\nA member hosted outside the server (a page or a devserver -join process)' : ''}${t ? `\n${t.text}` : ''}`);
    if (t) {
      setAttr(el.timer, 'stroke-dasharray', `${(t.remaining * 100).toFixed(1)} 100`);
      setClass(el.timer, t.due ? 'timer due' : 'timer');
    }
    const showTimer = t ? '' : 'none';
    for (const e of [el.timer, el.track, el.due]) if (e.style.display !== showTimer) e.style.display = showTimer;
  }
}

/** caption is the word at the ring's centre when the cluster has no leader. */
export function caption(view) {
  if (!view.safety.ok) return 'halted: safety violated';
  const up = view.nodes.filter((n) => n.up).length;
  if (!up) return 'every node is down';
  if (currentLeader(view)) return '';
  // Members that left a native cluster no longer count towards a majority.
  const members = view.nodes.filter((n) => !n.left).length;
  return up * 2 > members ? 'electing a leader…' : 'no majority up: no leader possible';
}
