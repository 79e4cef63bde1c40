// Keeping the ring right (SOS-MAINT-3/4/5/6): find_successor over node queries, failure
// detection with strikes, stabilization with Chord's notify, and the finger refresh.
import type { SosimpleNode } from './node';
import { followChain, linksOfResponse, responderOf } from './chain';
import { linksOf } from './dht-headers';
import { sweepStrays } from './handover';
import { NodeRef } from './ids';
import { fingerStart, inOpenClosed, inOpenOpen } from './ring';
import { nodeQuery, nodeRegister } from './wire';

/** Timeouts in a row before a node is dropped: one late answer under load is not a death. */
export const FAILURE_STRIKES = 2;

export class Maintenance {
  /** Finger refresh backs off (up to 2x) while rounds change nothing; any change resets it. */
  fingerDelay: number;
  private readonly strikes = new Map<string, number>();
  private stabilizing = false;
  private fixing = false;
  /** Finger rounds in a row that changed nothing (the `finger-refresh-stops-when-quiet` fault reads it). */
  quietRounds = 0;
  /** The `adopt-join-fingers` fault took the join 200's F entries: no finger search follows. */
  fingersAdopted = false;
  /** The S 1 last sent a node REGISTER (the `no-register-refresh` fault sends it once). */
  private notified: string | undefined;

  constructor(private readonly node: SosimpleNode) {
    this.fingerDelay = node.cfg.fingerMs;
  }

  /** An answer from host:port clears its strikes. */
  answeredBy(hostPort: string): void {
    this.strikes.delete(hostPort);
  }

  // ---- lookups ----
  /** Chord's find_successor over node queries (SOS-LOOKUP-5), repairing on failures. */
  async findSuccessor(k: string): Promise<NodeRef | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = this.node.routing;
      if (r.isResponsible(k)) return this.node.self;
      if (inOpenClosed(k, this.node.self.id, r.successor.id)) return r.successor;
      const res = await followChain(r.nextHop(k), this.node.self, (t) => this.node.request(nodeQuery(this.node.ctx, t, k)));
      if (res.kind === 'final' && (res.response.status === 200 || res.response.status === 404)) return res.responder;
      if (res.kind === 'local') return this.node.self;
      if (res.kind === 'failed') this.nodeFailed(res.node);
      else return undefined;
    }
    return undefined;
  }

  /** SOS-MAINT-3: after FAILURE_STRIKES timeouts in a row, drop the node and re-search at once. */
  nodeFailed(n: NodeRef): void {
    if (this.node.cfg.faults.has('no-research')) return; // the fault: a dead node stays in the table
    const key = `${n.host}:${n.port}`;
    const strikes = (this.strikes.get(key) ?? 0) + 1;
    if (strikes < FAILURE_STRIKES) {
      this.strikes.set(key, strikes);
      return;
    }
    this.strikes.delete(key);
    this.node.log.info({ failed: n.id, at: `${n.host}:${n.port}` }, 'node failed');
    this.node.routing.applyFailure(n);
    this.node.soon();
  }

  /** SOS-MAINT-4/5: query S 1 for its own ID, adopt a P 1 inside (self, S 1), then notify. */
  async stabilize(): Promise<void> {
    if (this.node.isStopped || !this.node.joined || this.stabilizing || this.node.cfg.faults.has('no-stabilize')) return;
    this.stabilizing = true;
    try {
      await this.checkPredecessor();
      const r = this.node.routing;
      if (r.isAlone()) {
        if (r.predecessor) r.setSuccessors(r.predecessor, []);
        else return this.node.rejoin();
      }
      const s1 = r.successor;
      const rs = await this.node.request(nodeQuery(this.node.ctx, s1, s1.id));
      if (!rs) return this.nodeFailed(s1);
      if (rs.status !== 200 && rs.status !== 404) return;
      const links = linksOfResponse(rs);
      const x = linksOf(links, 'P')[0];
      if (x && x.id !== this.node.self.id && inOpenOpen(x.id, this.node.self.id, s1.id)) {
        r.setSuccessors(x, [s1, ...linksOf(links, 'S')]);
        this.fingerDelay = this.node.cfg.fingerMs; // the ring changed near here: refresh at full pace
      } else {
        r.setSuccessors(s1, linksOf(links, 'S'));
      }
      await this.notifySuccessor();
      if (!this.node.cfg.faults.has('no-handover')) await sweepStrays(this.node); // SOS-REG-6
    } finally {
      this.stabilizing = false;
    }
  }

  private async notifySuccessor(): Promise<void> {
    const s1 = this.node.routing.successor;
    if (s1.id === this.node.self.id) return;
    if (this.node.cfg.faults.has('no-register-refresh') && this.notified === s1.id) return;
    this.notified = s1.id;
    const rs = await this.node.request(nodeRegister(this.node.ctx, s1, this.node.cfg.expires, 'neighbours'));
    if (!rs) return this.nodeFailed(s1);
    if (rs.status === 200 && responderOf(rs)?.id === s1.id) this.node.routing.setSuccessors(s1, linksOf(linksOfResponse(rs), 'S'));
  }

  /** Chord's check_predecessor, over a node query for P 1's own ID. */
  private async checkPredecessor(): Promise<void> {
    const p = this.node.routing.predecessor;
    if (!p || p.id === this.node.self.id) return;
    const rs = await this.node.request(nodeQuery(this.node.ctx, p, p.id));
    if (!rs && this.node.routing.predecessor?.id === p.id) this.nodeFailed(p);
  }

  /** SOS-MAINT-6: F i = successor(n + 2^i), reusing F i-1 when it already covers the start. */
  async fixFingers(): Promise<void> {
    if (this.node.isStopped || !this.node.joined || this.fixing || this.fingersAdopted) return;
    this.fixing = true;
    try {
      const exps = [...this.node.routing.exponents].sort((a, b) => a - b);
      let changed = false;
      let prev: { start: string; node: NodeRef } | undefined;
      for (const i of exps) {
        if (this.node.isStopped) return;
        const start = fingerStart(this.node.self.id, i);
        let node: NodeRef | undefined;
        if (prev && prev.node.id !== this.node.self.id && (start === prev.node.id || (prev.start !== prev.node.id && inOpenClosed(start, prev.start, prev.node.id)))) node = prev.node;
        else node = await this.findSuccessor(start);
        if (!node) {
          changed = true;
          continue;
        }
        if (this.node.routing.fingers.get(i)?.id !== node.id) changed = true;
        this.node.routing.fingers.set(i, node);
        prev = { start, node };
      }
      this.fingerDelay = changed ? this.node.cfg.fingerMs : Math.min(this.fingerDelay * 2, this.node.cfg.fingerMs * 2);
      this.quietRounds = changed ? 0 : this.quietRounds + 1;
    } finally {
      this.fixing = false;
    }
  }
}
