// Node join (catalogue §4): a virtual node joins an 8-node ring through every node in turn,
// at a place on the ring the test chooses; every hop is judged against the ring oracle.

import { checkMessage } from '../harness/sip/check';
import { nodeRegister, nodeUri } from '../harness/sip/craft';
import { nodeIdOf } from '../harness/overlay/id';
import { VirtualNode } from '../harness/net/virtual-node';
import type { Finding } from '../harness/sip/types';
import { useRing, sharedRingSize, type SuiteRing } from './support/ring';
import { sweepWire } from './support/wire-sweep';
import { joinerOwnedBy, joinThrough, leaveAgain, type Join } from './support/joins';

const SIZE = sharedRingSize();
const errorsOf = (findings: Finding[], id: string): string[] =>
  findings.filter((f) => f.severity === 'error' && f.requirement === id).map((f) => `${f.at.line}:${f.at.column} ${f.message}; expected ${f.expected}, found ${f.found}`);

describe(`node join on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-join', { shared: true });
  const joins: Join[] = [];

  // Joiner k belongs to node k; it joins through node k+3 (never the owner itself).
  beforeAll(async () => {
    const r: SuiteRing = ring();
    for (let k = 0; k < SIZE; k++) {
      const owner = r.nodes[k]!;
      const joiner = await joinerOwnedBy(r, owner);
      const join = await joinThrough(r, joiner, r.nodes[(k + 3) % SIZE]!);
      joins.push(join);
      await leaveAgain(r, join);
      await joiner.close();
    }
  }, 120_000);

  const redirects = () => joins.flatMap((j) => j.chain.hops.slice(0, -1).map((hop, i) => ({ join: j, hop, from: j.asked[i]! })));

  it('SOS-JOIN-1 a node that is not responsible answers 302 with one node-URI Contact and its DHT-NodeID', () => {
    const bad = redirects().flatMap(({ hop }) => errorsOf(checkMessage(hop.response, { role: 'redirect' }), 'SOS-JOIN-1'));
    expect(redirects().length).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });

  it('SOS-JOIN-2 every redirect names the responsible node or a node strictly closer to the joiner', () => {
    const r = ring();
    const problems = redirects()
      .map(({ join, hop, from }) => r.oracle.redirectProblem(from, hop.next?.nodeId ?? '(no node ID)', join.joiner.nodeId))
      .filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('SOS-JOIN-3 only the responsible node answers 200, with the Contact, an expiry, its DHT-NodeID, P 1 and S 1', () => {
    const r = ring();
    const outcomes = joins.map((j) => {
      const last = j.chain.hops[j.chain.hops.length - 1]!;
      const answeredBy = r.nodes.find((n) => n.host === last.to.host && n.port === last.to.port)?.nodeId;
      return {
        joiner: j.joiner.nodeId.slice(0, 8),
        status: last.status,
        answeredBy: answeredBy?.slice(0, 8),
        findings: errorsOf(checkMessage(last.response, { role: 'join-ok' }), 'SOS-JOIN-3'),
        stopped: j.chain.stoppedBecause,
      };
    });
    const expected = joins.map((j) => ({
      joiner: j.joiner.nodeId.slice(0, 8),
      status: 200,
      answeredBy: r.oracle.responsibleNode(j.joiner.nodeId).slice(0, 8),
      findings: [],
      stopped: undefined,
    }));
    expect(outcomes).toEqual(expected);
  });

  it('SOS-JOIN-4 on a stable ring each redirect is the finger whose interval covers the joiner (SHOULD)', () => {
    const r = ring();
    const off = redirects()
      .filter(({ join, hop, from }) => hop.next?.nodeId !== r.oracle.expectedRedirect(from, join.joiner.nodeId))
      .map(({ join, hop, from }) => `from ${from.slice(0, 8)} for ${join.joiner.nodeId.slice(0, 8)}: expected ${r.oracle.expectedRedirect(from, join.joiner.nodeId)?.slice(0, 8)}, actual ${hop.next?.nodeId?.slice(0, 8)}`);
    expect(off).toEqual([]);
  });

  it('SOS-LOOKUP-4 every chain ends at the responsible node without a loop, within the hop bound', () => {
    const r = ring();
    const bound = Math.ceil(Math.log2(SIZE)) + 1;
    for (const j of joins) {
      expect(j.chain.stoppedBecause).toBeUndefined();
      expect(j.chain.hops.length - 1).toBeLessThanOrEqual(bound);
    }
    const mean = joins.reduce((s, j) => s + j.chain.hops.length - 1, 0) / joins.length;
    expect(mean).toBeLessThanOrEqual(0.5 * Math.log2(r.nodes.length) + 1);
  });

  it('SOS-JOIN-6 every node, as the admitting node, refuses a Node-ID that is not the hash of the address with 493', async () => {
    const r = ring();
    const outcomes: { node: string; status: number | string }[] = [];
    for (const admitting of r.nodes) {
      // Claim the ID of another address that this node is responsible for, so it must judge it.
      let claimed = '';
      for (let i = 1; !claimed; i++) {
        const id = nodeIdOf(`10.255.${i >> 8}.${i & 255}`, 5060);
        if (r.oracle.responsibleNode(id) === admitting.nodeId) claimed = id;
      }
      const joiner = await joinerOwnedBy(r, admitting);
      try {
        const uri = nodeUri(joiner.endpoint, 'chat', claimed);
        const forged = nodeRegister(joiner.endpoint, admitting)
          .set('To', `<${uri}>`)
          .set('From', `<${uri}>;tag=forged`)
          .set('Contact', `<${uri}>`)
          .set('DHT-NodeID', `rsa-sha1 ${claimed} ${joiner.host}:${joiner.port}`);
        const { message } = await joiner.request(admitting, forged, { timeoutMs: 3000 });
        outcomes.push({ node: admitting.name, status: message.startLine.kind === 'response' ? message.startLine.status : 'a request' });
      } finally {
        await joiner.close();
      }
    }
    expect(outcomes).toEqual(r.nodes.map((n) => ({ node: n.name, status: 493 })));
  });

  it('SOS-JOIN-9 a third-party node registration (From differs from To) gets 403 from every node', async () => {
    const r = ring();
    const outcomes: { node: string; status: number | string }[] = [];
    for (const owner of r.nodes) {
      const joiner = await joinerOwnedBy(r, owner);
      const other = await VirtualNode.start({ host: r.cluster.harnessAddress, name: 'third-party', defaultReply: 'silence' });
      try {
        const request = nodeRegister(other.endpoint, owner).set('From', `<${nodeUri(joiner.endpoint)}>;tag=3p`);
        const { message } = await other.request(owner, request, { timeoutMs: 3000 });
        outcomes.push({ node: owner.name, status: message.startLine.kind === 'response' ? message.startLine.status : 'a request' });
      } finally {
        await joiner.close();
        await other.close();
      }
    }
    expect(outcomes).toEqual(r.nodes.map((n) => ({ node: n.name, status: 403 })));
  });

  sweepWire(ring);
});

describe('a lone first node', () => {
  const ring = useRing(1, 'suite-join-first');

  it('SOS-RING-6 answers a query for its own ID with 200, S 1 = itself and no P 1', async () => {
    const r = ring();
    const { readNeighbours } = await import('../harness/cluster/observe');
    const seen = await readNeighbours(r.probe, r.nodes[0]!);
    expect({ status: seen.status, s1: seen.successors[0], p1: seen.predecessor }).toEqual({ status: 200, s1: r.nodes[0]!.nodeId, p1: undefined });
  });

  it('SOS-JOIN-8 answers a join with 200', async () => {
    const r = ring();
    const joiner = await VirtualNode.start({ host: r.cluster.harnessAddress, name: 'second', trace: r.trace, defaultReply: 'silence' });
    try {
      const join = await joinThrough(r, joiner, r.nodes[0]!);
      expect(join.chain.hops.map((h) => h.status)).toEqual([200]);
      await leaveAgain(r, join);
    } finally {
      await joiner.close();
    }
  });
});
