// One SOSIMPLE node: the routing table and binding store driven over a SIP endpoint. Joins
// through a bootstrap (SOS-JOIN), stabilizes and refreshes fingers (SOS-MAINT-4/5/6),
// detects failures (SOS-MAINT-3), hands registrations over (SOS-REG-6) and leaves (SOS-MAINT-2).
import * as sip from 'sip';
import { BindingStore, Registration } from './bindings';
import { ChainResult, followChain, linksOfResponse } from './chain';
import { Clock, TimerHandle, systemClock } from './clock';
import { linksOf } from './dht-headers';
import { Faults } from './faults';
import { NodeRef, nodeIdOf, sha1Hex } from './ids';
import { inOpenClosed } from './ring';
import { RoutingTable, allExponents } from './routing';
import { Effect, RuleEnv, handleLookup, handleRegister, isProbe } from './rules';
import { SipEndpoint } from './sip-endpoint';
import { MAX_MESSAGE_BYTES } from './raw-guard';
import { handOver } from './handover';
import { Maintenance } from './maintenance';
import { UserAgent, PresenceView } from './user-agent';
import { checkRequest } from './validate';
import { FinalResponse, WireContext, buildResponse, nodeRegister } from './wire';

export interface NodeLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: NodeLog = { debug() {}, info() {}, warn() {}, error() {} };

export interface NodeConfig {
  address: string;
  port: number;
  bootstrap?: { host: string; port: number };
  overlay: string;
  users: string[];
  buddies: string[];
  faults: Faults;
  stabilizeMs: number;
  fingerMs: number;
  failureTimeoutMs: number;
  joinRetryMs: number;
  /** Expiry of node and user registrations, seconds (SOS-WIRE-8: 600). */
  expires: number;
  fingerExponents?: number[];
  /** SOS-ERR-6: requests per second served per source address (default: sip-endpoint.ts). */
  floodPerSecond?: number;
}

export interface NodeState {
  self: NodeRef;
  joined: boolean;
  predecessor: NodeRef | null;
  successors: NodeRef[];
  fingers: Array<[number, NodeRef]>;
  bindings: Array<{ user: string; resourceId: string; contacts: string[] }>;
  presence: PresenceView;
}

export class SosimpleNode {
  readonly self: NodeRef;
  readonly routing: RoutingTable;
  readonly store: BindingStore;
  readonly ctx: WireContext;
  readonly ua: UserAgent;
  joined = false;
  /** Why the last join attempt failed (`493 from 127.0.0.2:5060`, `loop`…), for diagnostics. */
  lastJoinFailure: string | undefined;
  private stopped = false;
  private readonly endpoint: SipEndpoint;
  private readonly env: RuleEnv;
  private readonly timers = new Set<TimerHandle>();
  private readonly maintenance: Maintenance;
  private joinedWaiters: Array<() => void> = [];

  /**
   * `onCrash` ends the process when the node runs as one (main.ts); in-process the node is
   * only killed. Only a fault switch (crash-on-bad-content-length) ever crashes it.
   */
  constructor(readonly cfg: NodeConfig, readonly clock: Clock = systemClock, readonly log: NodeLog = silentLog, private readonly onCrash: (why: string) => void = () => undefined) {
    // SOS-ID-2 (the `node-id-ip-only` fault hashes the IP alone, the -00 rule).
    const id = cfg.faults.has('node-id-ip-only') ? sha1Hex(cfg.address) : nodeIdOf(cfg.address, cfg.port);
    this.self = { id, host: cfg.address, port: cfg.port };
    this.routing = new RoutingTable(this.self, cfg.fingerExponents ?? allExponents());
    this.store = new BindingStore(clock);
    this.ctx = { self: this.self, overlay: cfg.overlay, faults: cfg.faults, routing: this.routing };
    this.env = { ctx: this.ctx, store: this.store };
    this.endpoint = new SipEndpoint({
      address: cfg.address,
      port: cfg.port,
      onRequest: (rq, remote) => this.onRequest(rq, remote),
      log,
      rejectMalformed: !cfg.faults.has('no-400'),
      ...(cfg.floodPerSecond ? { floodPerSecond: cfg.floodPerSecond } : {}),
      ...(cfg.faults.has('no-size-bound') ? { maxMessageBytes: 16 * MAX_MESSAGE_BYTES } : {}),
      ...(cfg.faults.has('flood-limit-shared') ? { sharedFloodBudget: true } : {}),
      ...(cfg.faults.has('crash-on-bad-content-length') ? { onBadContentLength: (why: string) => this.crash(why) } : {}),
    });
    this.ua = new UserAgent(this);
    this.maintenance = new Maintenance(this);
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.log.info({ id: this.self.id, address: `${this.self.host}:${this.self.port}` }, 'listening');
    if (this.cfg.bootstrap) {
      // The `register-before-join` fault announces the users before the join's 200 (SOS-REG-8).
      if (this.cfg.faults.has('register-before-join')) await this.ua.registerThrough({ id: nodeIdOf(this.cfg.bootstrap.host, this.cfg.bootstrap.port), ...this.cfg.bootstrap });
      void this.joinLoop(this.cfg.bootstrap);
    } else {
      this.routing.startOverlay(); // SOS-RING-6
      this.markJoined();
    }
    this.every(() => this.cfg.stabilizeMs, () => this.stabilize());
    // The `no-finger-refresh` fault (SOS-MAINT-6) has no periodic refresh; the
    // `finger-refresh-stops-when-quiet` fault (SOS-RING-4) ends it after 3 quiet rounds.
    if (!this.cfg.faults.has('no-finger-refresh')) {
      this.every(() => this.maintenance.fingerDelay, () => (this.cfg.faults.has('finger-refresh-stops-when-quiet') && this.maintenance.quietRounds >= 3 ? Promise.resolve() : this.fixFingers()));
    }
  }

  whenJoined(): Promise<void> {
    if (this.joined) return Promise.resolve();
    return new Promise((resolve) => this.joinedWaiters.push(resolve));
  }

  private markJoined(): void {
    this.joined = true;
    this.log.info({ predecessor: this.routing.predecessor?.id ?? null, successor: this.routing.successor.id }, 'joined');
    for (const w of this.joinedWaiters.splice(0)) w();
    void this.ua.online(); // SOS-REG-8: users only after the join's 200
  }

  // ---- timers -------------------------------------------------------------------------
  private every(ms: () => number, fn: () => Promise<void>): void {
    const tick = (): void => {
      if (this.stopped) return;
      void fn().finally(() => this.after(ms(), tick));
    };
    this.after(ms(), tick);
  }

  after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(h);
  }

  soon(): void {
    this.maintenance.fingerDelay = this.cfg.fingerMs;
    this.after(1, () => void this.stabilize().then(() => this.fixFingers()));
  }

  // ---- sending --------------------------------------------------------------------------
  async request(m: sip.Message): Promise<sip.Message | undefined> {
    const rs = await this.endpoint.request(m, this.cfg.failureTimeoutMs);
    const target = sip.parseUri(m.uri ?? '');
    if (rs && target) this.maintenance.answeredBy(`${target.host}:${target.port || 5060}`);
    return rs;
  }

  respond(rq: sip.Message, f: FinalResponse): void {
    this.endpoint.respond(buildResponse(this.ctx, rq, f));
  }

  // ---- join -----------------------------------------------------------------------------
  private async joinLoop(bootstrap: { host: string; port: number }): Promise<void> {
    const first: NodeRef = { id: nodeIdOf(bootstrap.host, bootstrap.port), ...bootstrap };
    while (!this.stopped && !this.joined) {
      const res = await followChain(first, this.self, (t) => this.request(nodeRegister(this.ctx, t, this.cfg.expires, 'none')));
      if (this.stopped) return;
      if (res.kind === 'final' && res.response.status === 200) {
        this.admittedBy(res.responder, res.response);
        return;
      }
      this.lastJoinFailure = describe(res);
      this.log.warn({ result: this.lastJoinFailure }, 'join failed; retrying');
      await new Promise<void>((resolve) => this.after(this.cfg.joinRetryMs, resolve));
    }
  }

  /** SOS-JOIN-11: S 1 = R, P 1 = R's former P 1; then stabilize and fix fingers at once. */
  private admittedBy(r: NodeRef, rs: sip.Message): void {
    const links = linksOfResponse(rs);
    const p = linksOf(links, 'P')[0];
    // The `join-null-predecessor` fault keeps Chord's NULL predecessor instead (breaks SOS-JOIN-11).
    this.routing.predecessor = p && p.id !== this.self.id && !this.cfg.faults.has('join-null-predecessor') ? p : null;
    this.routing.setSuccessors(r, linksOf(links, 'S'));
    this.routing.learnFinger(r);
    // The `adopt-join-fingers` fault copies the 200's F entries instead of searching (SOS-JOIN-10).
    const fingers = links.filter((l) => l.type === 'F');
    if (this.cfg.faults.has('adopt-join-fingers') && fingers.length) {
      for (const f of fingers) this.routing.fingers.set(f.depth, f.node);
      this.maintenance.fingersAdopted = true;
    }
    if (!this.joined) this.markJoined();
    this.soon();
  }

  /**
   * A joined node that lost every other node (all timed out, e.g. a partition) would stay an
   * island; it joins again through its bootstrap, one attempt per stabilization.
   */
  async rejoin(): Promise<void> {
    const b = this.cfg.bootstrap;
    if (!b || (b.host === this.self.host && b.port === this.self.port)) return;
    const first: NodeRef = { id: nodeIdOf(b.host, b.port), ...b };
    const res = await followChain(first, this.self, (t) => this.request(nodeRegister(this.ctx, t, this.cfg.expires, 'none')));
    if (res.kind === 'final' && res.response.status === 200 && this.routing.isAlone() && !this.stopped) {
      this.log.info({ via: `${b.host}:${b.port}` }, 'rejoined after isolation');
      this.admittedBy(res.responder, res.response);
    }
  }

  // ---- incoming -------------------------------------------------------------------------
  private onRequest(rq: sip.Message, remote: sip.Remote): void {
    if (this.stopped || rq.method === 'ACK') return;
    if (!this.joined) return; // readiness is judged on the wire: silent until admitted
    const checked = checkRequest(rq, this.cfg.overlay, this.cfg.faults);
    if (!checked.ok) {
      this.respond(rq, checked.refusal);
      return;
    }
    const inbound = checked.inbound;
    if (rq.method === 'REGISTER') {
      const out = handleRegister(this.env, rq, inbound, remote);
      this.respond(rq, out.response);
      out.effects.forEach((e) => this.apply(e));
      return;
    }
    if (rq.method === 'OPTIONS' && isProbe(rq, this.self)) {
      // SOS-RING-5 with Require: dht; without it a plain SIP ping of the node.
      const p2p = inbound.requireDht || inbound.supportedDht;
      this.respond(rq, { status: 200, p2p, links: { links: inbound.requireDht ? 'all' : 'none' }, headers: p2p ? {} : { Supported: 'dht' } });
      return;
    }
    if (!inbound.requireDht) {
      this.ua.handle(rq, inbound);
      return;
    }
    if (['INVITE', 'MESSAGE', 'SUBSCRIBE', 'OPTIONS'].includes(rq.method ?? '')) {
      this.respond(rq, handleLookup(this.env, inbound).response);
      return;
    }
    this.respond(rq, { status: 405, reason: 'Method Not Allowed', p2p: true, headers: { Allow: 'REGISTER, INVITE, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS, ACK, BYE, CANCEL' } });
  }

  private apply(e: Effect): void {
    this.log.debug({ effect: e.kind }, 'effect');
    if (e.kind === 'admitted') {
      // Keys in (former P 1, joiner] are the joiner's now; with a NULL former P 1 only what
      // this node owned (not replica copies of others' keys) moves.
      const former = e.former;
      const moved = (rid: string, reg: Registration): boolean =>
        !this.routing.isResponsible(rid) && (former ? inOpenClosed(rid, former.id, e.joiner.id) : BindingStore.hasPrimary(reg));
      if (!this.cfg.faults.has('no-handover')) void this.handOver(e.joiner, moved);
      this.soon();
    } else if (e.kind === 'neighbour-left') {
      this.soon();
    }
  }

  /** SOS-REG-6 (handover.ts): the matching registrations go to `to` as third-party REGISTERs. */
  handOver(to: NodeRef, match: (rid: string, reg: Registration) => boolean): Promise<void> {
    return handOver(this, to, match);
  }

  // ---- lookups and maintenance (maintenance.ts) ------------------------------------------
  findSuccessor(k: string): Promise<NodeRef | undefined> {
    return this.maintenance.findSuccessor(k);
  }

  nodeFailed(n: NodeRef): void {
    if (!this.stopped) this.maintenance.nodeFailed(n);
  }

  stabilize(): Promise<void> {
    return this.maintenance.stabilize();
  }

  fixFingers(): Promise<void> {
    return this.maintenance.fixFingers();
  }

  // ---- leaving ----------------------------------------------------------------------------
  /** SOS-MAINT-2: hand registrations to S 1, then expiry-0 REGISTERs to S 1 and P 1. */
  async leave(): Promise<void> {
    if (this.stopped) return;
    await this.ua.offline();
    this.stopTimers();
    const r = this.routing;
    const s1 = r.successor;
    if (this.joined && !r.isAlone()) {
      if (!this.cfg.faults.has('no-handover')) await this.handOver(s1, (rid, reg) => r.isResponsible(rid) || BindingStore.hasPrimary(reg));
      if (!this.cfg.faults.has('no-leave-register')) {
        const targets = [s1, r.predecessor].filter((x): x is NodeRef => !!x && x.id !== this.self.id);
        const unique = targets.filter((x, i) => targets.findIndex((y) => y.id === x.id) === i);
        await Promise.all(unique.map((t) => this.request(nodeRegister(this.ctx, t, 0, 'neighbours'))));
      }
    }
    this.endpoint.close();
    this.log.info({}, 'left the overlay');
  }

  /** The `crash-on-bad-content-length` fault: a crash on input (SOS-ERR-1 says keep running). */
  private crash(why: string): void {
    this.log.error({ why, fault: 'crash-on-bad-content-length' }, 'crashing');
    this.kill();
    this.onCrash(why);
  }

  /** A crash: no goodbye, sockets closed. */
  kill(): void {
    this.stopTimers();
    this.ua.stop();
    this.endpoint.close();
  }

  private stopTimers(): void {
    this.stopped = true;
    for (const h of this.timers) this.clock.clearTimeout(h);
    this.timers.clear();
    for (const w of this.joinedWaiters.splice(0)) w();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  snapshot(): NodeState {
    const r = this.routing;
    return {
      self: this.self,
      joined: this.joined,
      predecessor: r.predecessor,
      successors: [...r.successors],
      fingers: [...r.fingers.entries()].sort((a, b) => a[0] - b[0]),
      bindings: this.store.all().map((g) => ({ user: g.user, resourceId: g.resourceId, contacts: g.bindings.map((b) => b.contact) })),
      presence: this.ua.view(),
    };
  }
}

function describe(res: ChainResult): string {
  if (res.kind === 'final') return `${res.response.status} from ${res.responder.host}:${res.responder.port}`;
  if (res.kind === 'failed') return `no answer from ${res.node.host}:${res.node.port}`;
  return res.kind;
}
