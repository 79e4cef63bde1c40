// The hosted users (SOSIMPLE_USERS): registered once the node is admitted (SOS-REG-8, via
// user-registrar.ts), answered as their UA (MESSAGE, INVITE, BYE), and presence served and
// consumed over SUBSCRIBE/NOTIFY (SOS-PRES-1/2/4/5).
import * as sip from 'sip';
import type { SosimpleNode } from './node';
import { followChain } from './chain';
import { NodeRef, hostPort, resourceIdOf } from './ids';
import { UserRegistrar } from './user-registrar';
import { nameAddr, userUri } from './uris';
import { Inbound, headerText } from './validate';
import { buildRequest } from './wire';
import { newCallId, newTag } from './sip-endpoint';
import { buildPidf, readPidfBasic } from './pidf';

export interface NotifyRecord {
  from: string;
  basic: 'open' | 'closed' | 'unknown';
  state: string;
}

export interface PresenceView {
  registered: string[];
  subscribers: Array<{ user: string; subscriber: string }>;
  buddies: Array<{ buddy: string; basic: 'open' | 'closed' | 'unknown'; state: string }>;
  notifies: NotifyRecord[];
  messages: Array<{ to: string; from: string; body: string }>;
}

interface Subscription {
  user: string;
  callId: string;
  remoteUri: string;
  remoteTag: string;
  localTag: string;
  target: string;
  cseq: number;
  expiresAt: number;
}

interface Buddy {
  basic: 'open' | 'closed' | 'unknown';
  state: string;
  callId?: string;
}

const SUBSCRIPTION_SECONDS = 3600;

export class UserAgent {
  private readonly registered = new Set<string>();
  private readonly subs = new Map<string, Subscription>();
  private readonly buddies = new Map<string, Buddy>();
  private readonly byCallId = new Map<string, string>();
  private readonly notifies: NotifyRecord[] = [];
  private readonly messages: PresenceView['messages'] = [];
  private stopped = false;
  private leaving = false;

  private readonly registrar: UserRegistrar;

  constructor(private readonly node: SosimpleNode) {
    this.registrar = new UserRegistrar(node);
    for (const b of node.cfg.buddies) this.buddies.set(b, { basic: 'unknown', state: 'none' });
  }

  private aor(user: string): string {
    return this.registrar.aor(user);
  }

  /** Who subscribes when the node hosts no user: a name of its own, answered here too. */
  private get subscriberName(): string {
    return this.node.cfg.users[0] ?? `node-${this.node.self.id.slice(0, 8)}`;
  }

  /** After the join's 200: register every hosted user, then subscribe to every buddy. */
  async online(): Promise<void> {
    await Promise.all(this.node.cfg.users.map((u) => this.register(u, this.node.cfg.expires)));
    const refreshMs = Math.max(1000, (this.node.cfg.expires * 1000) / 2);
    const refresh = (): void => {
      void Promise.all(this.node.cfg.users.map((u) => this.register(u, this.node.cfg.expires))).finally(() => this.node.after(refreshMs, refresh));
    };
    this.node.after(refreshMs, refresh);
    const retry = (): void => {
      void this.subscribeBuddies().finally(() => this.node.after(this.node.cfg.stabilizeMs, retry));
    };
    // The `no-buddy-subscribe` fault never subscribes on its own, only back (SOS-PRES-5).
    if (!this.node.cfg.faults.has('no-buddy-subscribe')) retry();
  }

  /** Going offline by leave (SOS-PRES-2): last NOTIFY closed/terminated, then unregister. */
  async offline(): Promise<void> {
    this.leaving = true; // no new subscriptions, and the terminated NOTIFY stays the last one
    if (!this.node.cfg.faults.has('no-terminated-notify')) {
      await Promise.all([...this.subs.values()].map((s) => this.notify(s, 'closed', 'terminated;reason=noresource')));
    }
    this.subs.clear();
    await Promise.all([...this.registered].map((u) => this.register(u, 0)));
    this.stop();
  }

  stop(): void {
    this.stopped = true;
  }

  /** SOS-REG-2/4/7 through the registrar; a change of state goes to subscribers (SOS-PRES-2). */
  async register(user: string, expires: number): Promise<boolean> {
    const ok = await this.registrar.register(user, expires);
    if (!ok) return false;
    const was = this.registered.has(user);
    if (expires > 0) this.registered.add(user);
    else this.registered.delete(user);
    if (was !== expires > 0 && !this.leaving) await this.notifyAll(user);
    return true;
  }

  lookup(user: string): Promise<string[] | undefined> {
    return this.registrar.lookup(user);
  }

  /** The `register-before-join` fault only (SOS-REG-8): the users' REGISTERs straight to `t`. */
  registerThrough(t: NodeRef): Promise<void> {
    return this.registrar.registerThrough(t);
  }

  // ---- the UA role ----------------------------------------------------------------------
  handle(rq: sip.Message, inbound: Inbound): void {
    const node = this.node;
    const ruri = sip.parseUri(rq.uri ?? '');
    const user = ruri?.user ?? inbound.to?.user;
    // SOS-WIRE-4 Decision: a response names dht when its request did (Supported on the last hop).
    const p2p = inbound.requireDht || inbound.supportedDht;
    const plain = (status: number, extra: { headers?: Record<string, unknown>; content?: string; reason?: string } = {}): void =>
      node.respond(rq, { status, p2p, links: { links: 'none' }, ...extra });
    if (!user || !(node.cfg.users.includes(user) || user === this.subscriberName)) return plain(404);
    switch (rq.method) {
      case 'MESSAGE':
        this.messages.push({ to: user, from: rq.headers.from?.uri ?? '', body: rq.content ?? '' });
        return plain(200);
      case 'INVITE':
        return plain(200, {
          headers: { contact: [nameAddr(this.aor(user))], 'Content-Type': 'application/sdp' },
          content: `v=0\r\no=${user} 1 1 IN IP4 ${node.self.host}\r\ns=-\r\nc=IN IP4 ${node.self.host}\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n`,
        });
      case 'BYE':
      case 'CANCEL':
      case 'OPTIONS':
        return plain(200);
      case 'SUBSCRIBE':
        return this.onSubscribe(rq, user, p2p);
      case 'NOTIFY':
        return this.onNotify(rq, p2p);
      default:
        return plain(405, { headers: { Allow: 'INVITE, MESSAGE, SUBSCRIBE, NOTIFY, OPTIONS, BYE, CANCEL, ACK' } });
    }
  }

  /** SOS-PRES-1: accept, then NOTIFY with Subscription-State and a PIDF body. */
  private onSubscribe(rq: sip.Message, user: string, p2p: boolean): void {
    const node = this.node;
    const event = (headerText(rq, 'event') ?? headerText(rq, 'o') ?? '').split(';')[0].trim().toLowerCase();
    if (this.leaving) return node.respond(rq, { status: 480, p2p, links: { links: 'none' } });
    if (event !== 'presence') return node.respond(rq, { status: 489, p2p, links: { links: 'none' }, headers: { 'Allow-Events': 'presence' } });
    const callId = String(rq.headers['call-id']);
    const expiresText = headerText(rq, 'expires');
    const expires = expiresText !== undefined && /^\d+$/.test(expiresText.trim()) ? Math.min(Number(expiresText), SUBSCRIPTION_SECONDS) : SUBSCRIPTION_SECONDS;
    const from = rq.headers.from;
    const contact = Array.isArray(rq.headers.contact) ? rq.headers.contact[0]?.uri : undefined;
    const existing = this.subs.get(callId);
    const localTag = existing?.localTag ?? (rq.headers.to?.params.tag as string | undefined) ?? newTag();
    const to = rq.headers.to ? { ...rq.headers.to, params: { ...rq.headers.to.params, tag: localTag } } : undefined;
    node.respond(rq, { status: 200, p2p, links: { links: 'none' }, headers: { to, contact: [nameAddr(this.aor(user))], Expires: String(expires) } });
    if (!from || !contact) return;
    const sub: Subscription = existing ?? {
      user,
      callId,
      remoteUri: from.uri,
      remoteTag: String(from.params.tag ?? ''),
      localTag,
      target: contact,
      cseq: 0,
      expiresAt: 0,
    };
    sub.expiresAt = node.clock.now() + expires * 1000;
    if (expires === 0) {
      this.subs.delete(callId);
      void this.notify(sub, this.basicOf(user), 'terminated;reason=timeout');
      return;
    }
    this.subs.set(callId, sub);
    void this.notify(sub, this.basicOf(user), `active;expires=${expires}`);
    // SOS-PRES-4: a buddy we think offline subscribed to us, so it is back: subscribe back.
    const name = sip.parseUri(from.uri)?.user;
    const b = name ? this.buddies.get(name) : undefined;
    if (name && b && !b.callId && !this.stopped) void this.subscribe(name, b);
  }

  private basicOf(user: string): 'open' | 'closed' {
    return this.registered.has(user) ? 'open' : 'closed';
  }

  /** SOS-PRES-2: every change of a hosted user goes to its subscribers. */
  private async notifyAll(user: string): Promise<void> {
    const now = this.node.clock.now();
    const subs = [...this.subs.values()].filter((s) => s.user === user);
    await Promise.all(
      subs.map((s) => {
        if (s.expiresAt <= now) {
          this.subs.delete(s.callId);
          return this.notify(s, this.basicOf(user), 'terminated;reason=timeout');
        }
        return this.notify(s, this.basicOf(user), `active;expires=${Math.ceil((s.expiresAt - now) / 1000)}`);
      }),
    );
  }

  private async notify(s: Subscription, basic: 'open' | 'closed', state: string): Promise<void> {
    if (this.node.cfg.faults.has('no-notify')) return;
    const node = this.node;
    const target = sip.parseUri(s.target);
    if (!target) return;
    const aor = this.aor(s.user);
    const rq = buildRequest(node.ctx, {
      method: 'NOTIFY',
      target: { host: target.host, port: target.port || 5060 },
      requestUri: s.target,
      to: nameAddr(s.remoteUri, { tag: s.remoteTag }),
      from: nameAddr(aor, { tag: s.localTag }),
      callId: s.callId,
      cseq: ++s.cseq,
      contact: [nameAddr(aor)],
      p2p: false,
      headers: { Event: 'presence', 'Subscription-State': state, 'Content-Type': 'application/pidf+xml' },
      content: buildPidf(aor, basic, aor),
    });
    await node.request(rq);
  }

  // ---- the subscriber side (SOS-PRES-5) -------------------------------------------------------
  private onNotify(rq: sip.Message, p2p: boolean): void {
    const callId = String(rq.headers['call-id']);
    const buddy = this.byCallId.get(callId);
    const state = (headerText(rq, 'subscription-state') ?? '').trim();
    const basic = readPidfBasic(rq.content ?? '');
    this.notifies.push({ from: rq.headers.from?.uri ?? '', basic, state });
    this.node.respond(rq, { status: buddy ? 200 : 481, p2p, links: { links: 'none' } });
    if (!buddy) return;
    const b = this.buddies.get(buddy);
    if (!b) return;
    b.basic = basic;
    b.state = state.split(';')[0].toLowerCase();
    if (b.state === 'terminated') {
      b.callId = undefined;
      this.byCallId.delete(callId);
    }
  }

  private async subscribeBuddies(): Promise<void> {
    for (const [name, b] of this.buddies) {
      if (this.stopped) return;
      if (!b.callId) await this.subscribe(name, b);
    }
  }

  /** Locate the buddy like a lookup (SOS-LOOKUP-1/2), then SUBSCRIBE its contact directly. */
  private async subscribe(name: string, b: Buddy): Promise<void> {
    const node = this.node;
    const rid = resourceIdOf(name);
    const myAor = this.aor(this.subscriberName);
    const buddyUri = userUri(name, node.cfg.overlay, 5060, node.cfg.overlay, rid);
    let contacts: string[] = [];
    if (node.routing.isResponsible(rid)) {
      contacts = node.store.get(rid).map((v) => v.contact);
    } else {
      const res = await followChain(node.routing.nextHop(rid), node.self, (t) =>
        node.request(
          buildRequest(node.ctx, {
            method: 'SUBSCRIBE',
            target: t,
            requestUri: `sip:${name}@${hostPort(t.host, t.port)}`,
            to: nameAddr(buddyUri),
            from: nameAddr(myAor, { tag: newTag() }),
            contact: [nameAddr(myAor)],
            headers: { Event: 'presence', Expires: String(SUBSCRIPTION_SECONDS) },
          }),
        ),
      );
      if (res.kind === 'local') contacts = node.store.get(rid).map((v) => v.contact);
      else if (res.kind === 'final' && res.response.status === 302 && Array.isArray(res.response.headers.contact)) {
        contacts = res.response.headers.contact.map((c) => c.uri);
      } else if (res.kind === 'failed') node.nodeFailed(res.node);
    }
    const target = contacts.map((c) => sip.parseUri(c)).find((u) => !!u);
    if (!target || target.host === node.self.host) return; // offline, or hosted here
    const callId = newCallId(node.self.host);
    this.byCallId.set(callId, name);
    b.callId = callId;
    const rs = await node.request(
      buildRequest(node.ctx, {
        method: 'SUBSCRIBE',
        target: { host: target.host, port: target.port || 5060 },
        requestUri: contacts[0],
        to: nameAddr(buddyUri),
        from: nameAddr(myAor, { tag: newTag() }),
        callId,
        contact: [nameAddr(myAor)],
        p2p: false,
        headers: { Event: 'presence', Expires: String(SUBSCRIPTION_SECONDS), Accept: 'application/pidf+xml' },
      }),
    );
    if (!rs || (rs.status !== 200 && rs.status !== 202)) {
      this.byCallId.delete(callId);
      b.callId = undefined;
    }
  }

  view(): PresenceView {
    return {
      registered: [...this.registered],
      subscribers: [...this.subs.values()].map((s) => ({ user: s.user, subscriber: s.remoteUri })),
      buddies: [...this.buddies.entries()].map(([buddy, b]) => ({ buddy, basic: b.basic, state: b.state })),
      notifies: [...this.notifies],
      messages: [...this.messages],
    };
  }
}
