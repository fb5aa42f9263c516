// "Join from this page": one more Raft node runs in this page, in an engine
// worker, and the native cluster adds it through the websocket
// (engine/page-member.js relays; Go decides). This is the flow's state
// machine, DOM-free: controls/join.js shows it on the page.
//
//   idle --join--> starting --worker ready--> asking --added--> joined
//                      \                         \
//                       `------- failed <---------'   (join again retries,
//                                                      reusing the worker)

/** JOIN names the flow's states. */
export const JOIN = Object.freeze({ IDLE: 'idle', STARTING: 'starting', ASKING: 'asking', JOINED: 'joined', FAILED: 'failed' });

/** JoinFlow joins this page's node to the native cluster, once. */
export class JoinFlow {
  /**
   * load() resolves with {startWorker, PageMember, memberText} (loaded only
   * when asked: the worker holds a second engine); native() is the native
   * engine the member talks through; show(patch) shows the flow
   * ({disabled, button, status}, each key optional: the join button's
   * state and text, the status line); hosted(id) is told the node this
   * page hosts; notice(text) and error(text) tell the person.
   */
  constructor({ load, native, show, hosted = () => {}, notice = () => {}, error = () => {} }) {
    Object.assign(this, { load, native, show, hosted, notice, error });
    /** state is one of JOIN. */
    this.state = JOIN.IDLE;
    /** worker is the engine worker the member runs in, kept for a retry. */
    this.worker = null;
    /** member is the PageMember while it runs or joins, null otherwise. */
    this.member = null;
  }

  /** view is the hosted node's view, or null. */
  get view() { return this.member ? this.member.view : null; }

  /** join runs the flow from idle or failed; it resolves with whether the node joined. */
  async join() {
    if (this.state !== JOIN.IDLE && this.state !== JOIN.FAILED) return false;
    this.state = JOIN.STARTING;
    this.show({ disabled: true, status: 'Starting a Raft node in this page…' });
    try {
      const { startWorker, PageMember, memberText } = await this.load();
      this.worker = this.worker || await startWorker();
      this.member = new PageMember({
        native: this.native(),
        worker: this.worker,
        onView: (v) => {
          this.show({ status: memberText(v) });
          this.hosted(v.id);
        },
        onError: (err) => this.error(`The node in this page: ${err.message}`),
      });
      this.state = JOIN.ASKING;
      this.show({ status: 'Asking the native cluster to add this page\'s node…' });
      const joined = await this.member.start();
      this.state = JOIN.JOINED;
      this.show({ button: `n${joined.node} runs in this page` });
      const as = joined.learner
        ? ' as a learner: it receives the log but does not vote (the native nodes keep a quorum of their own)'
        : ' as a voter';
      this.notice(`n${joined.node} joined the native cluster from this page${as}; closing or reloading the page removes it.`);
      return true;
    } catch (err) {
      if (this.member) this.member.stop();
      this.member = null;
      this.state = JOIN.FAILED;
      this.show({ disabled: false, status: `Join from this page failed: ${err.message}` });
      this.error(`Join from this page: ${err.message}`);
      return false;
    }
  }

  /** stop stops the hosted node (the engine went away: the cluster removes it). */
  stop() {
    if (this.member) this.member.stop();
  }
}
