// Nodes the harness plays (architecture: "Playing a node"): virtual nodes that answer like a
// correct SOSIMPLE node of a ring whose members the harness knows, so that every request a
// node under test sends them is seen, and the answers it gets are the oracle's. A played ring
// can stand alone (a node under test joins it: everything that node sends reaches the
// harness), or its members can sit inside a real ring among the nodes under test.
//
// A member answers node queries (200/404 at the owner, else a 302 to the owner), joins (200
// at the owner, which admits the joiner, else a 302), leaves, user REGISTERs and user queries
// (stored at the owner, copies marked `replica` stored anywhere), and lookups; every answer
// carries Require/Supported dht, its DHT-NodeID and DHT-Link P 1 and S 1–S 4.

import { followRedirects, type Chain } from '../../harness/net/redirects';
import { VirtualNode } from '../../harness/net/virtual-node';
import type { ServerTransaction, Reply } from '../../harness/net/server-transaction';
import type { Trace } from '../../harness/net/trace';
import type { RingInterval } from '../../harness/net/mining';
import { nodeIdOf, resourceIdOf } from '../../harness/overlay/id';
import { RingOracle } from '../../harness/overlay/oracle';
import { bigIntToId, RING_SIZE } from '../../harness/overlay/ring';
import { registerClass } from '../../harness/sip/check-sosimple';
import { dhtLinkValue, dhtNodeIdValue, nodeRegister, nodeUri, type Endpoint } from '../../harness/sip/craft';
import { contactsOf, headersNamed, headerValue, parseOptionTags } from '../../harness/sip/headers';
import { paramValue, parseNameAddr, type SipUri } from '../../harness/sip/uri';

export interface PlayedRingOptions {
  host: string;
  trace: Trace;
  /** Where each member's ID must lie (mined), or how many members, spread evenly round the ring. */
  members: number | RingInterval[];
  /**
   * Nodes under test already in the ring the members sit in (counted by the oracle). Members
   * of such a ring count only once they joined it (`join`); a ring of members alone is whole
   * from the start.
   */
  ring?: readonly Endpoint[];
  /** Exponents whose F i a member lists in its 200 to a join (SOS-JOIN-12 MAY). */
  joinFingers?: readonly number[];
  /** The expiry a member grants a node REGISTER, in seconds (default: what was asked). */
  grantExpires?: number;
  name?: string;
}

export interface SeenRequest {
  member: VirtualNode;
  st: ServerTransaction;
}

interface Binding {
  contact: string;
  replica?: number;
}

const key = (e: Endpoint): string => `${e.host}:${e.port}`;

/** The URI of To (parameters inside `<…>` and after it both read, SOS-WIRE-10). */
function toUri(st: ServerTransaction): { uri: SipUri; param: (name: string) => string | undefined } | undefined {
  const field = headersNamed(st.request, 'to')[0];
  const na = field ? parseNameAddr(field.value) : undefined;
  if (!na?.ok || !na.value.uri) return undefined;
  const all = [...na.value.uri.params, ...na.value.params];
  return { uri: na.value.uri, param: (name) => paramValue(all, name) };
}

function requestedExpiry(st: ServerTransaction, contact?: { params: { name: string; value?: string }[] }): number {
  const p = contact ? paramValue(contact.params, 'expires') : undefined;
  if (p !== undefined && /^\d+$/.test(p)) return Number(p);
  const h = headerValue(st.request, 'expires');
  return h !== undefined && /^\d+$/.test(h.trim()) ? Number(h) : 600;
}

export class PlayedRing {
  /** Every request that reached a member, in arrival order. */
  readonly seen: SeenRequest[] = [];
  /** Nodes under test the members admitted (by Node-ID). */
  readonly admitted = new Map<string, Endpoint>();
  /**
   * For each admitted node, the trace length when a member decided to admit it: its 200 is the
   * next entry out, so a message with a lower sequence number came before the 200.
   */
  readonly admissions = new Map<string, number>();
  /** Bindings the members hold, by Resource-ID. */
  readonly bindings = new Map<string, Binding[]>();
  private readonly byId = new Map<string, Endpoint>();
  /** Members counted in the ring: all of them alone, those that joined among nodes under test. */
  private readonly active = new Set<string>();

  private constructor(
    readonly members: VirtualNode[],
    private readonly options: PlayedRingOptions,
  ) {
    for (const n of options.ring ?? []) this.byId.set(nodeIdOf(n.host, n.port), n);
    for (const m of members) this.adopt(m);
  }

  private adopt(m: VirtualNode): void {
    this.byId.set(m.nodeId, m.endpoint);
    if (!this.options.ring?.length) this.active.add(m.nodeId);
    m.onRequest((st) => this.answer(m, st));
  }

  /** One more member, its ID mined in `interval`; among nodes under test it counts once it joined. */
  async addMember(interval: RingInterval): Promise<VirtualNode> {
    const m = await VirtualNode.startMined(
      { host: this.options.host, name: `${this.options.name ?? 'played'}-${this.members.length + 1}`, trace: this.options.trace, defaultReply: { status: 200 } },
      interval,
      { exclude: this.members.map((x) => x.port) },
    );
    this.members.push(m);
    this.adopt(m);
    return m;
  }

  /**
   * A member joins the ring of nodes under test through `via` (SOS-JOIN flow); it counts from
   * the 200. While the ring still settles around an earlier change a chain may end early (a
   * loop); the join is tried again after `retryMs`, as a joining node would.
   */
  async join(member: VirtualNode, via: Endpoint, options: { attempts?: number; retryMs?: number } = {}): Promise<Chain> {
    for (let attempt = 1; ; attempt++) {
      const chain = await followRedirects(member, via, (to) => nodeRegister(member.endpoint, to), { timeoutMs: 4000 });
      if (chain.hops.at(-1)?.status === 200) {
        this.active.add(member.nodeId);
        return chain;
      }
      if (attempt >= (options.attempts ?? 3)) return chain;
      await new Promise((r) => setTimeout(r, options.retryMs ?? 1000));
    }
  }

  static async start(options: PlayedRingOptions): Promise<PlayedRing> {
    const intervals =
      typeof options.members === 'number'
        ? Array.from({ length: options.members }, (_, i) => {
            // Spread evenly: member i in the first eighth of the i-th arc, so no arc is wider than
            // about 1/n + 1/(8n) of the ring.
            const arc = RING_SIZE / BigInt(options.members as number);
            const lo = arc * BigInt(i);
            return { lo: bigIntToId(lo), hi: bigIntToId(lo + arc / 8n) };
          })
        : options.members;
    const members: VirtualNode[] = [];
    try {
      for (const [i, interval] of intervals.entries()) {
        members.push(
          await VirtualNode.startMined({ host: options.host, name: `${options.name ?? 'played'}-${i + 1}`, trace: options.trace, defaultReply: { status: 200 } }, interval, {
            exclude: members.map((m) => m.port),
          }),
        );
      }
    } catch (e) {
      await Promise.all(members.map((m) => m.close()));
      throw e;
    }
    return new PlayedRing(members, options);
  }

  /** The ring as the members see it: members, the nodes under test given, and those admitted. */
  oracle(): RingOracle {
    const ids = [...this.byId.keys()].filter((id) => this.active.has(id) || !this.members.some((m) => m.nodeId === id));
    return new RingOracle([...ids, ...this.admitted.keys()]);
  }

  endpointOf(id: string): Endpoint {
    const e = this.byId.get(id) ?? this.admitted.get(id);
    if (!e) throw new Error(`${id} is not a node of the played ring`);
    return e;
  }

  /** Requests from `from` (host:port) that reached any member, with a predicate. */
  requestsFrom(from: Endpoint, match: (st: ServerTransaction) => boolean = () => true): SeenRequest[] {
    return this.seen.filter((s) => key(s.st.entry.remote) === key(from) && match(s.st));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }

  private links(me: string, oracle: RingOracle, predecessor = oracle.predecessor(me)): [string, string][] {
    const out: [string, string][] = [];
    if (predecessor && predecessor !== me) out.push(['DHT-Link', dhtLinkValue('P', 1, this.endpointOf(predecessor))]);
    oracle.successors(me, 4).forEach((s, i) => out.push(['DHT-Link', dhtLinkValue('S', i + 1, this.endpointOf(s))]));
    return out;
  }

  private reply(member: VirtualNode, status: number, extra: [string, string][] = [], oracle = this.oracle(), predecessor?: string): Reply {
    const headers: [string, string][] = [['Require', 'dht'], ['Supported', 'dht'], ['DHT-NodeID', dhtNodeIdValue(member.endpoint)], ...extra];
    headers.push(...this.links(member.nodeId, oracle, predecessor ?? oracle.predecessor(member.nodeId)));
    return { status, headers };
  }

  private redirect(member: VirtualNode, owner: string): Reply {
    return this.reply(member, 302, [['Contact', `<${nodeUri(this.endpointOf(owner))}>`]]);
  }

  private answer(member: VirtualNode, st: ServerTransaction): Reply | 'silence' {
    this.seen.push({ member, st });
    const req = st.request;
    if (req.startLine.kind !== 'request') return 'silence';
    const method = req.startLine.method;
    const requireDht = headersNamed(req, 'require').some((h) => {
      const r = parseOptionTags(h.value);
      return r.ok && r.value.some((t) => t.toLowerCase() === 'dht');
    });
    if (!requireDht) return { status: 200 }; // the last hop to a user agent, or plain SIP
    const to = toUri(st);
    if (!to) return { status: 400 };
    const me = member.nodeId;
    const oracle = this.oracle();
    if (method !== 'REGISTER') {
      const rid = resourceIdOf(to.uri.user ?? '');
      const owner = oracle.responsibleNode(rid);
      if (owner !== me) return this.redirect(member, owner);
      const held = this.bindings.get(rid) ?? [];
      return held.length ? this.reply(member, 302, held.map((b) => ['Contact', `<${b.contact}>`])) : this.reply(member, 404);
    }
    const contacts = contactsOf(req).flatMap((c) => (c.entry ? [c.entry] : []));
    switch (registerClass(req)) {
      case 'node-query': {
        const k = (to.uri.user ?? '').toLowerCase();
        const owner = oracle.responsibleNode(k);
        if (owner !== me) return this.redirect(member, owner);
        return this.reply(member, k === me ? 200 : 404);
      }
      case 'join': {
        const id = (to.uri.user ?? '').toLowerCase();
        const joiner = { host: to.uri.host, port: to.uri.port ?? 5060 };
        const granted = this.options.grantExpires ?? requestedExpiry(st, contacts[0]);
        const echo: [string, string][] = [...(contacts[0] ? [['Contact', `<${contacts[0].uriText}>;expires=${granted}`] as [string, string]] : []), ['Expires', String(granted)]];
        // A node already in the ring refreshes (SOS-MAINT-7); a member that has not joined yet is a joiner.
        if (oracle.ids.includes(id)) return this.reply(member, 200, echo);
        const owner = oracle.responsibleNode(id);
        if (owner !== me) return this.redirect(member, owner);
        // Admitted: the 200 names this member's former P 1 (SOS-JOIN-11) and, if asked, F entries.
        const former = oracle.predecessor(me);
        this.admitted.set(id, joiner);
        this.admissions.set(id, this.options.trace.entries.length);
        const after = this.oracle();
        const fingers: [string, string][] = (this.options.joinFingers ?? []).map((i) => ['DHT-Link', dhtLinkValue('F', i, this.endpointOf(after.finger(me, i)))]);
        return this.reply(member, 200, [...echo, ...fingers], after, former);
      }
      case 'leave': {
        this.admitted.delete((to.uri.user ?? '').toLowerCase());
        return this.reply(member, 200, [['Expires', '0']]);
      }
      case 'user-register':
      case 'user-query': {
        const rid = resourceIdOf(to.uri.user ?? '');
        const replica = to.param('replica');
        if (!replica && oracle.responsibleNode(rid) !== me) return this.redirect(member, oracle.responsibleNode(rid));
        const held = (this.bindings.get(rid) ?? []).filter((b) => !contacts.some((c) => c.uriText === b.contact));
        for (const c of contacts) if (requestedExpiry(st, c) > 0) held.push({ contact: c.uriText, ...(replica ? { replica: Number(replica) } : {}) });
        if (contacts.length) this.bindings.set(rid, held);
        if (!contacts.length && held.length === 0) return this.reply(member, 404);
        return this.reply(member, 200, held.map((b) => ['Contact', `<${b.contact}>;expires=600`]));
      }
      default:
        return this.reply(member, 400);
    }
  }
}
