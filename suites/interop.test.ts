// Interop (architecture: "Suites"): one ring of two implementations, A and B, alternating in
// ring order, so every successor and predecessor link crosses implementations. Virtual nodes
// join through A nodes and through B nodes, and their redirect chains cross from one to the
// other; every hop is judged by the oracle, whoever sent it. A user registered through one
// side is found through the other, and every message either side sent passes the harness's
// checker. Titles end with ` (A × B)` (the report's interop matrix reads it); checks of a
// capability only one side claims are not applicable.
//
// Targets: SOSIMPLE_TARGETS (see support/mixed-ring.ts). SOSIMPLE_FAULTS_B puts fault switches
// on the B nodes only (the self-test's proof that a check fails when one side is wrong).

import { readNeighbours } from '../harness/cluster/observe';
import { ringMismatches, waitForStableRing } from '../harness/cluster/ring';
import type { RingNode } from '../harness/cluster/cluster';
import { followRedirects, type Chain } from '../harness/net/redirects';
import { resourceIdOf } from '../harness/overlay/id';
import { checkMessage, type Role } from '../harness/sip/check';
import { nodeOptions, nodeQuery, userLookup, userRegister } from '../harness/sip/craft';
import { contactsOf, headersNamed, parseDhtLink } from '../harness/sip/headers';
import type { SipMessage } from '../harness/sip/types';
import { joinerOwnedBy, joinThrough, leaveAgain, type Join } from './support/joins';
import { interopPair, itInterop, pairSuffix, useMixedRing } from './support/mixed-ring';
import { ringSize } from './support/ring';

const SIZE = ringSize(4);
const PAIR = interopPair();
const A = PAIR.a.name;
const B = PAIR.b.name;

/** A message a node of the ring sent the harness, with what it answered, for the checker. */
interface Seen {
  side: 'A' | 'B';
  node: string;
  role: Role;
  what: string;
  message: SipMessage;
}

const status = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);
/** The slower of the two targets' declared repair bounds (SOS-MAINT-3). */
const repairBound = (): number => Math.max(PAIR.a.timing.repairMs, PAIR.b.timing.repairMs);

describe(`interop: ${A} and ${B} alternating on a ${SIZE}-node ring${PAIR.standIn ? ` (${B} stands in for a second implementation)` : ''}`, () => {
  const ring = useMixedRing(SIZE, 'suite-interop');
  const joins: Join[] = [];
  const seen: Seen[] = [];
  const sideName = (side: 'A' | 'B'): string => (side === 'A' ? A : B);
  const nodeAt = (to: { host: string; port: number }): RingNode | undefined => ring().nodes.find((n) => n.host === to.host && n.port === to.port);
  const who = (n: RingNode): string => `${n.name} (${sideName(ring().sideOf(n))})`;

  /** Keeps every answer of a chain: 302s as redirects, the last answer in `finalRole`. */
  function keepChain(chain: Chain, what: string, finalRole: Role): void {
    chain.hops.forEach((hop, i) => {
      const node = nodeAt(hop.to);
      if (!node) return;
      const last = i === chain.hops.length - 1;
      seen.push({ side: ring().sideOf(node), node: node.name, role: last && hop.status !== 302 ? finalRole : hop.status === 302 && !hop.next ? 'lookup-contacts' : 'redirect', what, message: hop.response });
    });
  }

  // For each node, a virtual joiner it must admit joins through the next two nodes in start
  // order: one of each side, and never the owner itself.
  beforeAll(async () => {
    const r = ring();
    for (let k = 0; k < SIZE; k++) {
      const owner = r.nodes[k]!;
      for (const step of [1, 2]) {
        const bootstrap = r.nodes[(k + step) % SIZE]!;
        if (bootstrap === owner) continue;
        const joiner = await joinerOwnedBy(r, owner);
        try {
          const join = await joinThrough(r, joiner, bootstrap);
          joins.push(join);
          keepChain(join.chain, `join of ${joiner.nodeId.slice(0, 8)} through ${bootstrap.name}`, 'join-ok');
          await leaveAgain(r, join);
        } finally {
          await joiner.close();
        }
      }
    }
  }, 180_000);

  const redirects = () =>
    joins.flatMap((j) =>
      j.chain.hops.slice(0, -1).map((hop, i) => ({ join: j, hop, from: nodeAt(hop.to)!, next: hop.next?.nodeId ? ring().nodes.find((n) => n.nodeId === hop.next!.nodeId) : undefined, index: i })),
    );

  it(`SOS-JOIN-1 every 302 from either implementation has one node-URI Contact and its DHT-NodeID${pairSuffix()}`, () => {
    const bad = redirects().flatMap(({ hop, from }) =>
      checkMessage(hop.response, { role: 'redirect' })
        .filter((f) => f.severity === 'error' && f.requirement === 'SOS-JOIN-1')
        .map((f) => `302 from ${who(from)}: ${f.at.line}:${f.at.column} ${f.message}; expected ${f.expected} / actual ${f.found}`),
    );
    expect(redirects().length).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });

  it(`SOS-JOIN-2 redirect chains cross implementations, and every hop names the responsible node or one strictly closer to the joiner${pairSuffix()}`, () => {
    const r = ring();
    const crossing = redirects().filter(({ from, next }) => next && r.sideOf(from) !== r.sideOf(next)).length;
    const problems = redirects()
      .map(({ join, hop, from }) => {
        const p = r.oracle.redirectProblem(from.nodeId, hop.next?.nodeId ?? '(no node ID)', join.joiner.nodeId);
        return p ? `${who(from)}: ${p}` : undefined;
      })
      .filter(Boolean);
    expect({ crossingHops: crossing > 0, problems }).toEqual({ crossingHops: true, problems: [] });
  });

  it(`SOS-JOIN-3 only the responsible node admits a joiner, whichever implementation it runs, and whichever the chain started at${pairSuffix()}`, () => {
    const r = ring();
    const actual = joins.map((j) => {
      const last = j.chain.hops[j.chain.hops.length - 1]!;
      const by = nodeAt(last.to);
      const findings = checkMessage(last.response, { role: 'join-ok' })
        .filter((f) => f.severity === 'error' && f.requirement === 'SOS-JOIN-3')
        .map((f) => `${f.at.line}:${f.at.column} ${f.message}`);
      return { through: who(j.bootstrap), status: last.status, admittedBy: by ? who(by) : `${last.to.host}:${last.to.port}`, findings, stopped: j.chain.stoppedBecause };
    });
    const expected = joins.map((j) => {
      const owner = r.nodes.find((n) => n.nodeId === r.oracle.responsibleNode(j.joiner.nodeId))!;
      return { through: who(j.bootstrap), status: 200, admittedBy: who(owner), findings: [], stopped: undefined };
    });
    expect(actual).toEqual(expected);
  });

  it(`SOS-LOOKUP-4 every join chain through either implementation ends without a loop within the hop bound${pairSuffix()}`, () => {
    const bound = Math.ceil(Math.log2(SIZE)) + 1;
    const actual = joins.map((j) => ({ through: j.bootstrap.name, stopped: j.chain.stoppedBecause, withinBound: j.chain.hops.length - 1 <= bound }));
    expect(actual).toEqual(joins.map((j) => ({ through: j.bootstrap.name, stopped: undefined, withinBound: true })));
  });

  it(`SOS-RING-2 the successor and predecessor every node reports, ${A} and ${B} alike, match the oracle${pairSuffix()}`, async () => {
    const r = ring();
    // "On a stable ring" (SOS-RING-2): the virtual joiners above left again, and a node that
    // learned of one may point at it until it repairs; wait the bound both targets declare.
    await waitForStableRing(r.probe, r.nodes, repairBound());
    const actual = await Promise.all(
      r.nodes.map(async (n) => {
        const s = await readNeighbours(r.probe, n);
        seen.push({ side: r.sideOf(n), node: n.name, role: 'query-ok', what: `node query for ${n.name}'s own ID`, message: s.response });
        return { node: who(n), p1: s.predecessor?.slice(0, 8), s1: s.successors[0]?.slice(0, 8) };
      }),
    );
    const name = (id: string | undefined) => (id ? `${id.slice(0, 8)}` : undefined);
    expect(actual).toEqual(r.nodes.map((n) => ({ node: who(n), p1: name(r.oracle.predecessor(n.nodeId)), s1: name(r.oracle.successor(n.nodeId)) })));
    // The ring alternates: each node's neighbours run the other implementation (one pair may not, in an odd ring).
    const sameSide = r.nodes.filter((n) => r.sideOf(n) === r.sideOf(r.nodes.find((m) => m.nodeId === r.oracle.successor(n.nodeId))!)).length;
    expect(sameSide).toBeLessThanOrEqual(SIZE % 2);
  }, 60_000);

  itInterop('probe')(`SOS-RING-3 every finger either implementation lists is successor(n + 2^i)`, async () => {
    const r = ring();
    const wrong: string[] = [];
    for (const n of r.nodes) {
      const probe = nodeOptions(r.probe.endpoint, n);
      const { message } = await r.probe.request(n, probe, { timeoutMs: 3000 });
      for (const h of headersNamed(message, 'dht-link')) {
        const l = parseDhtLink(h.value);
        if (!l.ok || l.value.type !== 'F') continue;
        const expected = r.oracle.finger(n.nodeId, l.value.depth);
        if (l.value.nodeId.toLowerCase() !== expected) wrong.push(`${who(n)} F ${l.value.depth}: expected ${expected.slice(0, 8)} / actual ${l.value.nodeId.slice(0, 8)}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 30_000);

  itInterop('tcp')(`SOS-LOOKUP-5 nodes of both implementations answer a node query for their own ID over TCP with 200`, async () => {
    const r = ring();
    const { VirtualNode } = await import('../harness/net/virtual-node');
    const tcp = await VirtualNode.start({ host: r.cluster.harnessAddress, tcp: true, name: 'harness-tcp', trace: r.trace, defaultReply: 'silence' });
    try {
      const actual = [];
      for (const n of r.nodes) actual.push({ node: who(n), status: status((await tcp.request(n, nodeQuery(tcp.endpoint, n, n.nodeId, { transport: 'TCP' }), { transport: 'tcp', timeoutMs: 3000 })).message) });
      expect(actual).toEqual(r.nodes.map((n) => ({ node: who(n), status: 200 })));
    } finally {
      await tcp.close();
    }
  }, 30_000);

  describe.each([
    ['A', 'B'],
    ['B', 'A'],
  ] as const)('a user registered through %s', (from, to) => {
    it(`SOS-LOOKUP-2 a user registered through a ${sideName(from)} node is found through a ${sideName(to)} node${pairSuffix()}`, async () => {
      const r = ring();
      const user = `interop-${from}-to-${to}`.toLowerCase();
      const ua = { host: r.cluster.harnessAddress, port: 5099 };
      const start = r.nodes.find((n) => r.sideOf(n) === from)!;
      const lookupAt = r.nodes.find((n) => r.sideOf(n) === to)!;
      const owner = r.nodes.find((n) => n.nodeId === r.oracle.responsibleNode(resourceIdOf(user)))!;
      const registered = await followRedirects(r.probe, start, (t) => userRegister(user, ua, r.probe.endpoint, t), { timeoutMs: 3000 });
      keepChain(registered, `REGISTER of ${user} through ${start.name}`, 'register-ok');
      const lookup = await followRedirects(r.probe, lookupAt, (t) => userLookup('INVITE', user, r.probe.endpoint, t), { timeoutMs: 3000 });
      keepChain(lookup, `INVITE for ${user} through ${lookupAt.name}`, 'lookup-contacts');
      const last = registered.hops[registered.hops.length - 1]!;
      const atOwner = lookup.hops.find((h) => nodeAt(h.to) === owner);
      expect({
        registeredThrough: who(start),
        registered: last.status,
        storedAt: nodeAt(last.to) ? who(nodeAt(last.to)!) : `${last.to.host}:${last.to.port}`,
        lookedUpThrough: who(lookupAt),
        ownerAnswered: atOwner ? status(atOwner.response) : 'never asked',
        contact: atOwner ? contactsOf(atOwner.response).map((c) => c.entry?.uri?.host) : [],
      }).toEqual({ registeredThrough: who(start), registered: 200, storedAt: who(owner), lookedUpThrough: who(lookupAt), ownerAnswered: 302, contact: [ua.host] });
    }, 60_000);
  });

  // The checker over everything either side sent in the tests above, one rule per test.
  it.each(['SOS-WIRE-1', 'SOS-WIRE-2', 'SOS-WIRE-4', 'SOS-WIRE-5', 'SOS-WIRE-6', 'SOS-ID-1', 'SOS-ID-2'])(`%s every message from ${A} and from ${B} passes the harness's checker${pairSuffix()}`, (id) => {
    const bySide = { A: 0, B: 0 };
    for (const s of seen) bySide[s.side]++;
    const findings = seen.flatMap((s) =>
      checkMessage(s.message, { role: s.role })
        .filter((f) => f.severity === 'error' && f.requirement === id)
        .map((f) => `${s.node} (${sideName(s.side)}), ${s.what}: ${f.at.line}:${f.at.column} ${f.message}; expected ${f.expected} / actual ${f.found}`),
    );
    expect({ fromA: bySide.A > 0, fromB: bySide.B > 0, findings }).toEqual({ fromA: true, fromB: true, findings: [] });
  });

  // Last: these change the ring.
  describe.each([['B'], ['A']] as const)('a node of %s leaves', (side) => {
    itInterop('leave')(`SOS-MAINT-2 a ${sideName(side)} node leaves and the mixed ring closes around it`, async () => {
      const r = ring();
      const live = r.cluster.nodes.filter((n) => r.nodes.includes(n));
      const leaving = live.find((n) => r.sideOf(n) === side);
      expect(leaving).toBeDefined();
      // Start from a stable ring, so what is judged is this leave alone.
      const before = await waitForStableRing(r.probe, live, repairBound());
      expect(before.map((m) => `before the leave, ${m.node} ${m.what}: expected ${m.expected?.slice(0, 8) ?? 'none'} / actual ${m.actual?.slice(0, 60) ?? 'none'}`)).toEqual([]);
      await r.cluster.stop(leaving!);
      const rest = live.filter((n) => n !== leaving);
      // A graceful stop returns once the node has exited, and it exits only after its
      // neighbours answered its expiry-0 REGISTERs: so they must skip it already, before any
      // failure detection could have repaired the ring (that is SOS-MAINT-3's business).
      const left = await ringMismatches(r.probe, rest);
      expect(left.map((m) => `${m.node} ${m.what} right after ${leaving!.name} left: expected ${m.expected?.slice(0, 8) ?? 'none'} / actual ${m.actual?.slice(0, 60) ?? 'none'}`)).toEqual([]);
    }, 60_000);
  });
});
