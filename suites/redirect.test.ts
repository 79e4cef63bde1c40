// Redirects toward a user (catalogue §6): user REGISTERs, lookups (INVITE, MESSAGE,
// SUBSCRIBE, OPTIONS) and user queries are sent to every node of a stable ring and every
// 302 chain is followed. Each node that is not responsible must redirect toward a closer
// node (oracle), the responsible node must answer (the Contact, 200 with bindings, or 404),
// and no chain may loop or run past the hop bound. The users are picked so that every node
// owns one registered user and one nobody registered: every node answers as owner too.

import type { RingNode } from '../harness/cluster/cluster';
import { followRedirects, type Chain, type Hop } from '../harness/net/redirects';
import type { NetEndpoint } from '../harness/net/trace';
import { resourceIdOf } from '../harness/overlay/id';
import { checkMessage, type Role } from '../harness/sip/check';
import { userLookup, userRegister, type Endpoint } from '../harness/sip/craft';
import { contactsOf } from '../harness/sip/headers';
import type { MessageBuilder } from '../harness/sip/builder';
import { sharedRingSize, useRing, type SuiteRing } from './support/ring';
import { sweepWire } from './support/wire-sweep';

const SIZE = sharedRingSize();
const METHODS = ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'OPTIONS'] as const;
/** INVITE goes for every user; the other methods for the users of this many nodes. */
const OTHER_METHODS_NODES = 2;

interface Walk {
  kind: 'register' | 'lookup' | 'query';
  method: string;
  user: string;
  from: RingNode;
  chain: Chain;
}

/** A user query (SOS-WIRE-13, SOS-LOOKUP-7): a user REGISTER without Contact and Expires. */
function userQuery(user: string, sender: Endpoint, target: Endpoint): MessageBuilder {
  return userRegister(user, sender, sender, target).remove('Contact').remove('Expires');
}

const statusOf = (hop: Hop): string => `${hop.status}${hop.next ? ` → ${hop.next.host}:${hop.next.port}` : ''}`;

describe(`redirects toward a user on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-redirect', { shared: true });
  const walks: Walk[] = [];
  /** One registered user and one unknown user per node, in the nodes' start order. */
  const registered: string[] = [];
  const unknown: string[] = [];
  // The users' agent is the harness's own address: nothing leaks if a node tried to reach it.
  const UA = { host: '', port: 5099 };

  const nodeAt = (r: SuiteRing, to: NetEndpoint): RingNode | undefined => r.nodes.find((n) => n.host === to.host && n.port === to.port);
  const name = (r: SuiteRing, id: string | undefined): string => {
    const n = id ? r.nodes.find((x) => x.nodeId === id) : undefined;
    return n ? `${n.name} (${id!.slice(0, 8)})` : id ? `(${id.slice(0, 8)})` : 'none';
  };
  const owner = (r: SuiteRing, user: string): string => r.oracle.responsibleNode(resourceIdOf(user));
  const what = (w: Walk) => `${w.method} for ${w.user} sent to ${w.from.name}`;

  async function walk(r: SuiteRing, kind: Walk['kind'], method: string, user: string, from: RingNode, build: (to: NetEndpoint) => MessageBuilder): Promise<Walk> {
    let chain: Chain;
    try {
      chain = await followRedirects(
        r.probe,
        from,
        (to) => {
          // The harness sends only to the ring's own nodes, whatever a 302 names.
          if (!nodeAt(r, to)) throw new Error(`redirected to ${to.host}:${to.port}, which is not a node of the ring`);
          return build(to);
        },
        { timeoutMs: 3000 },
      );
    } catch (e) {
      chain = { hops: [], stoppedBecause: e instanceof Error ? e.message : String(e) };
    }
    return { kind, method, user, from, chain };
  }

  /** The first name `prefix<i>` whose Resource-ID the node owns (oracle). */
  function userOwnedBy(r: SuiteRing, node: RingNode, prefix: string): string {
    for (let i = 0; ; i++) if (owner(r, `${prefix}${i}`) === node.nodeId) return `${prefix}${i}`;
  }

  /** Sends `plan` from every node at once (each node's walks one after another), in node order. */
  async function fromEveryNode(r: SuiteRing, plan: (from: RingNode) => (() => Promise<Walk>)[]): Promise<void> {
    const perNode = await Promise.all(
      r.nodes.map(async (n) => {
        const out: Walk[] = [];
        for (const step of plan(n)) out.push(await step());
        return out;
      }),
    );
    walks.push(...perNode.flat());
  }

  beforeAll(async () => {
    const r = ring();
    UA.host = r.cluster.harnessAddress;
    const me = r.probe.endpoint;
    for (const n of r.nodes) {
      registered.push(userOwnedBy(r, n, 'user'));
      unknown.push(userOwnedBy(r, n, 'nobody'));
    }
    const everyone = [...registered, ...unknown];
    const fewer = [...registered.slice(0, OTHER_METHODS_NODES), ...unknown.slice(0, OTHER_METHODS_NODES)];
    // Registrations first: the lookups and queries after them expect the bindings.
    await fromEveryNode(r, (n) => registered.map((user) => () => walk(r, 'register', 'REGISTER', user, n, (to) => userRegister(user, UA, me, to))));
    await fromEveryNode(r, (n) => [
      ...METHODS.flatMap((method) => (method === 'INVITE' ? everyone : fewer).map((user) => () => walk(r, 'lookup', method, user, n, (to) => userLookup(method, user, me, to)))),
      ...everyone.map((user) => () => walk(r, 'query', 'REGISTER (query)', user, n, (to) => userQuery(user, me, to))),
    ]);
  }, 240_000);

  const of = (kind: Walk['kind']) => walks.filter((w) => w.kind === kind);

  /** SOS-JOIN-1/2 at every hop whose node is not responsible for the user. */
  function redirectProblems(r: SuiteRing, w: Walk): string[] {
    const key = resourceIdOf(w.user);
    const out: string[] = [];
    for (const hop of w.chain.hops) {
      const at = nodeAt(r, hop.to)!;
      if (at.nodeId === owner(r, w.user)) continue; // the owner's answer is judged by its own rule
      const where = `${what(w)}, at ${at.name}`;
      if (hop.status !== 302 || !hop.next) {
        out.push(`${where}: expected 302 with a node-URI Contact closer to ${key.slice(0, 8)} / actual ${statusOf(hop)}`);
        continue;
      }
      for (const f of checkMessage(hop.response, { role: 'redirect' }).filter((x) => x.severity === 'error' && x.requirement === 'SOS-JOIN-1')) {
        out.push(`${where}: expected ${f.expected} / actual ${f.found} (${f.at.line}:${f.at.column} ${f.message})`);
      }
      const p = r.oracle.redirectProblem(at.nodeId, hop.next.nodeId ?? '(no node ID)', key);
      if (p) out.push(`${where}: expected ${name(r, owner(r, w.user))} or a node closer to ${key.slice(0, 8)} / actual ${name(r, hop.next.nodeId)} (${p})`);
    }
    return out;
  }

  /** The hop the responsible node answered, if the chain got there. */
  const ownerHop = (r: SuiteRing, w: Walk): Hop | undefined => w.chain.hops.find((h) => nodeAt(r, h.to)?.nodeId === owner(r, w.user));
  const errors = (m: Hop['response'], role: Role, id: string) =>
    checkMessage(m, { role }).filter((f) => f.severity === 'error' && f.requirement === id).map((f) => `${f.at.line}:${f.at.column} ${f.message}`);
  const contactHosts = (hop: Hop) => contactsOf(hop.response).map((c) => `${c.entry?.uri?.host}:${c.entry?.uri?.port ?? 5060}`);
  const reached = (r: SuiteRing, w: Walk) => (w.chain.stoppedBecause ? `stopped: ${w.chain.stoppedBecause}` : `never reached ${name(r, owner(r, w.user))}`);

  it('SOS-REG-1 a user REGISTER sent to every node: each node not responsible for the user answers 302 with one node-URI Contact toward a closer node', () => {
    const r = ring();
    expect(of('register')).toHaveLength(registered.length * r.nodes.length);
    expect(of('register').flatMap((w) => redirectProblems(r, w))).toEqual([]);
  });

  it('SOS-LOOKUP-1 INVITE, MESSAGE, SUBSCRIBE and OPTIONS for a user, sent to every node: each node not responsible for the user answers 302 toward a closer node', () => {
    const r = ring();
    expect(new Set(of('lookup').map((w) => w.method))).toEqual(new Set(METHODS));
    expect(of('lookup').flatMap((w) => redirectProblems(r, w))).toEqual([]);
  });

  it('SOS-LOOKUP-2 every lookup for a registered user ends at the responsible node, which answers 302 with the registered Contact', () => {
    const r = ring();
    const problems = of('lookup')
      .filter((w) => registered.includes(w.user))
      .flatMap((w) => {
        const hop = ownerHop(r, w);
        const expected = `302 from ${name(r, owner(r, w.user))} with Contact ${UA.host}:${UA.port}`;
        if (!hop) return [`${what(w)}: expected ${expected} / actual ${reached(r, w)}`];
        const bad = errors(hop.response, 'lookup-contacts', 'SOS-LOOKUP-2');
        const hosts = contactHosts(hop);
        if (hop.status === 302 && hosts.length === 1 && hosts[0] === `${UA.host}:${UA.port}` && bad.length === 0) return [];
        return [`${what(w)}: expected ${expected} / actual ${hop.status} with Contact ${hosts.join(', ') || 'none'}${bad.length ? ` (${bad.join('; ')})` : ''}`];
      });
    expect(problems).toEqual([]);
  });

  it('SOS-LOOKUP-3 a lookup for a user nobody registered gets 404 from the responsible node, from whichever node it starts', () => {
    const r = ring();
    const problems = of('lookup')
      .filter((w) => unknown.includes(w.user))
      .flatMap((w) => {
        const hop = ownerHop(r, w);
        if (hop?.status === 404) return [];
        return [`${what(w)}: expected 404 from ${name(r, owner(r, w.user))} / actual ${hop ? statusOf(hop) : reached(r, w)}`];
      });
    expect(problems).toEqual([]);
  });

  it('SOS-LOOKUP-7 a user query (REGISTER without Contact) sent to every node is redirected like a registration; the responsible node answers 200 with the bindings, or 404 when there are none', () => {
    const r = ring();
    const problems = of('query').flatMap((w) => {
      const out = redirectProblems(r, w);
      const hop = ownerHop(r, w);
      const isRegistered = registered.includes(w.user);
      const expected = isRegistered ? `200 from ${name(r, owner(r, w.user))} with Contact ${UA.host}:${UA.port}` : `404 from ${name(r, owner(r, w.user))}`;
      if (!hop) return [...out, `${what(w)}: expected ${expected} / actual ${reached(r, w)}`];
      const hosts = contactHosts(hop);
      const ok = isRegistered ? hop.status === 200 && hosts.includes(`${UA.host}:${UA.port}`) : hop.status === 404;
      return ok ? out : [...out, `${what(w)}: expected ${expected} / actual ${hop.status} with Contact ${hosts.join(', ') || 'none'}`];
    });
    expect(of('query')).toHaveLength(2 * r.nodes.length * r.nodes.length);
    expect(problems).toEqual([]);
  });

  it('SOS-LOOKUP-4 every chain (registrations, lookups, user queries) from every node ends without a loop, within the hop bound', () => {
    const r = ring();
    // The hop bound is SOS-JOIN-4's: chains average at most ½·log2 N + 1 redirects; a single
    // chain, as in the join suite, at most ⌈log2 N⌉ + 1.
    const most = Math.ceil(Math.log2(r.nodes.length)) + 1;
    // A chain that ends early with a final answer from a node that is not responsible breaks
    // the per-hop rules (SOS-REG-1, SOS-LOOKUP-1/-7), not this one.
    const problems = walks.flatMap((w) => {
      const redirects = Math.max(0, w.chain.hops.length - 1);
      const out: string[] = [];
      if (w.chain.stoppedBecause) out.push(`${what(w)}: expected a finite chain ending at ${name(r, owner(r, w.user))} / actual stopped: ${w.chain.stoppedBecause}`);
      if (redirects > most) out.push(`${what(w)}: expected at most ${most} redirects / actual ${redirects}`);
      return out;
    });
    const mean = walks.reduce((s, w) => s + Math.max(0, w.chain.hops.length - 1), 0) / walks.length;
    const meanBound = 0.5 * Math.log2(r.nodes.length) + 1;
    if (mean > meanBound) problems.push(`mean redirects per chain: expected at most ${meanBound.toFixed(2)} / actual ${mean.toFixed(2)}`);
    expect(problems).toEqual([]);
  });

  sweepWire(ring);
});
