// "Join from this page" on the page: the button and status line of the
// member row, shown when the dev server can host a member of this page.
// The flow itself is ../join.js.
import { JoinFlow } from '../join.js';
import { $ } from '../render/dom.js';

/** loadMember loads the engine worker and the member relay only when a join is asked for. */
async function loadMember() {
  const [{ WasmEngine }, { PageMember, memberText }] = await Promise.all([import('../../engine/wasm-engine.js'), import('../../engine/page-member.js')]);
  return { startWorker: () => WasmEngine.start(), PageMember, memberText };
}

/** showJoin shows a step of the flow: the join button's state and text, and the status line. */
function showJoin({ disabled, button, status }) {
  const btn = $('join-page');
  if (disabled !== undefined) btn.disabled = disabled;
  if (button !== undefined) btn.textContent = button;
  if (status !== undefined) {
    const line = $('member-status');
    line.hidden = false;
    line.textContent = status;
  }
}

/**
 * newJoin is the page's join flow: native() is the native engine, hosted(id)
 * is told the node this page hosts, notice and error tell the person.
 */
export function newJoin({ native, hosted, notice, error }) {
  return new JoinFlow({ load: loadMember, native, show: showJoin, hosted, notice, error });
}

/** offerJoin shows "Join from this page" when the native engine's hello says the dev server can host a member. */
export function offerJoin(flow, native) {
  if (!native.hello || !native.hello.join) return;
  $('member-row').hidden = false;
  $('join-page').addEventListener('click', () => { flow.join(); });
}
