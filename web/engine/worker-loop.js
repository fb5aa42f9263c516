// The engine worker's message loop (a classic script: worker.js loads it
// with importScripts; tests load it with node's vm). It runs one engine
// call at a time, in the order they came, and keeps answering the page
// while a long import or seek runs.
//
// A long call answers "pending" (docs/engine-protocol.md): the loop posts
// its progress to the page as {id, progress}, yields to the event loop (so
// the page's next messages are received) and calls resume for the next
// slice, until the call's own answer comes, which it posts as {id, reply}.
// Two ops are the loop's own and are answered at once, even mid-call:
//   '__cancel'  stops the running import or seek: that call is answered
//               with the engine's cancel answer (an import: kind
//               'cancelled', the cluster unchanged; a seek: the frame where
//               it got to); answers {cancelled: true|false, op}
//   '__status'  answers {busy, op, progress, queued}
// Other calls that come during a long one wait for it.
/* exported SeshatWorkerLoop */
'use strict';

(function (root) {
  /**
   * createLoop returns {receive(msg)}. call(op, argsJSON) runs one engine
   * call and returns its parsed answer; post(msg) sends to the page;
   * later(fn) runs fn after the event loop has had a turn.
   */
  function createLoop({ call, post, later }) {
    const queue = [];
    let job = null; // {id, op, progress} of the call running in slices
    let generation = 0; // a slice scheduled before a cancel does nothing

    function settle(id, op, reply) {
      if (reply && reply.ok && reply.pending) {
        job = { id, op, progress: reply.pending };
        post({ id, progress: reply.pending });
        const gen = ++generation;
        later(() => { if (gen === generation) slice(); });
        return;
      }
      job = null;
      post({ id, reply });
    }

    function slice() {
      settle(job.id, job.op, call('resume', '{}'));
      pump();
    }

    function pump() {
      while (!job && queue.length) {
        const { id, op, args } = queue.shift();
        settle(id, op, call(op, JSON.stringify(args === undefined || args === null ? {} : args)));
      }
    }

    function receive(msg) {
      if (!msg || typeof msg !== 'object') return;
      const { id, op } = msg;
      if (op === '__cancel') {
        const was = job;
        if (was) {
          generation++;
          job = null;
          post({ id: was.id, reply: call('cancel', '{}') });
        }
        post({ id, reply: { ok: true, result: { cancelled: !!was, op: was ? was.op : null } } });
        pump();
        return;
      }
      if (op === '__status') {
        post({ id, reply: { ok: true, result: { busy: !!job, op: job ? job.op : null, progress: job ? job.progress : null, queued: queue.length } } });
        return;
      }
      queue.push(msg);
      pump();
    }

    return { receive };
  }

  root.SeshatWorkerLoop = { createLoop };
})(typeof self !== 'undefined' ? self : globalThis);
