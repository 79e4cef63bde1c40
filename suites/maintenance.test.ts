// Maintenance (catalogue §5) and the repair of fingers (SOS-RING-4), seen at nodes the harness
// plays inside a ring of nodes under test: a predecessor of node 1 (its refresh REGISTERs), a
// successor of node 1 (node 1's REGISTERs, and the expiry the harness grants them), a far finger
// of node 1 (its finger queries), and, last, a node that joins late so that a finger of node 1
// goes stale and must be repaired. Node 1 is observed because the self-test puts a fault switch
// on node 1 of a ring. Every request the nodes send the played nodes goes through the wire
// sweep (SOS-WIRE-2/8/11/12/13 among others).

import { readNeighbours } from '../harness/cluster/observe';
import type { RingNode } from '../harness/cluster/cluster';
import type { ServerTransaction } from '../harness/net/server-transaction';
import type { VirtualNode } from '../harness/net/virtual-node';
import { registerClass } from '../harness/sip/check-sosimple';
import { checkMessage } from '../harness/sip/check';
import { nodeOptions, nodeRegister } from '../harness/sip/craft';
import { headersNamed, parseDhtLink } from '../harness/sip/headers';
import { parseNameAddr } from '../harness/sip/uri';
import { bigIntToId, fingerStart, idToBigInt } from '../harness/overlay/ring';
import type { SipMessage } from '../harness/sip/types';
import { PlayedRing } from './support/played-ring';
import { itIf, useRing, ringSize } from './support/ring';
import { sweepWire } from './support/wire-sweep';

const SIZE = ringSize(5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusOf = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);
const toUser = (m: SipMessage): string | undefined => {
  const r = parseNameAddr(headersNamed(m, 'to')[0]?.value ?? '');
  return r.ok ? r.value.uri?.user?.toLowerCase() : undefined;
};
const from = (node: RingNode) => (st: ServerTransaction) => st.entry.remote.host === node.host && st.entry.remote.port === node.port;

describe(`maintenance on a ${SIZE}-node ring with nodes the harness plays in it`, () => {
  const ring = useRing(SIZE, 'suite-maintenance');
  let played: PlayedRing;
  /** Between node 1's predecessor and node 1: node 1's P 1 once admitted. */
  let predecessor: VirtualNode;
  /** Between node 1 and its successor: node 1's S 1 once it stabilizes. */
  let successor: VirtualNode;
  /** successor(n + 2^i) for a node n of the ring and a high i (node 2 and 159 when they fit): n's F i. */
  let farFinger: VirtualNode;
  let farFingerOf: RingNode;
  /** The expiry the played nodes grant a node REGISTER: two declared stabilization periods. */
  let grantedS = 0;

  beforeAll(async () => {
    const r = ring();
    grantedS = Math.ceil((2 * r.target.timing.stabilizeMs) / 1000);
    played = await PlayedRing.start({ host: r.cluster.harnessAddress, trace: r.trace, members: [], ring: r.nodes, grantExpires: grantedS, name: 'played' });
    const n1 = r.nodes[0]!;
    const retry = { retryMs: r.target.timing.stabilizeMs };
    predecessor = await played.addMember({ lo: bigIntToId(idToBigInt(r.oracle.predecessor(n1.nodeId)!) + 1n), hi: n1.nodeId });
    expect((await played.join(predecessor, n1, retry)).hops.at(-1)?.status).toBe(200);
    successor = await played.addMember({ lo: bigIntToId(idToBigInt(n1.nodeId) + 1n), hi: r.oracle.successor(n1.nodeId) });
    expect((await played.join(successor, n1, retry)).hops.at(-1)?.status).toBe(200);
    await settle();
    // A far finger F i of some node n: before a node under test, not n's new successor or
    // predecessor (whose fingers it would reach without a query), and not right after the
    // played successor (which must keep a node under test as its own successor).
    const oracle = played.oracle();
    const startOf = (n: RingNode, i: number) => bigIntToId(fingerStart(idToBigInt(n.nodeId), i));
    const fits = ([n, i]: [RingNode, number]) => {
      const owner = oracle.responsibleNode(startOf(n, i));
      return owner !== n.nodeId && owner !== n1.nodeId && owner !== oracle.successor(n.nodeId) && owner !== oracle.successor(successor.nodeId) && r.nodes.some((x) => x.nodeId === owner);
    };
    const candidates = [159, 158, 157, 156].flatMap((i) => r.nodes.map((n) => [n, i] as [RingNode, number]));
    const [of, exponent] = candidates.find(fits) ?? [n1, 159];
    farFingerOf = of;
    farFinger = await played.addMember({ lo: startOf(of, exponent), hi: oracle.responsibleNode(startOf(of, exponent)) });
    expect((await played.join(farFinger, n1, retry)).hops.at(-1)?.status).toBe(200);
    await settle();
  }, 90_000);

  /** Waits (up to two declared stabilization periods) until P 1 and S 1 of every node are the oracle's. */
  async function settle(): Promise<void> {
    const r = ring();
    const oracle = played.oracle();
    const right = async () => {
      for (const n of r.nodes) {
        const seen = await readNeighbours(r.probe, n);
        if (seen.predecessor !== oracle.predecessor(n.nodeId) || seen.successors[0] !== oracle.successor(n.nodeId)) return false;
      }
      return true;
    };
    for (const end = Date.now() + r.target.timing.stabilizeMs * 2; !(await right()) && Date.now() < end; ) await sleep(250);
  }

  afterAll(() => played?.close());

  it('SOS-MAINT-7 a neighbour REGISTER from its P 1 gets 200 with DHT-NodeID, P 1 and S 1, and the receiver keeps it as P 1', async () => {
    const r = ring();
    const receiver = r.nodes[0]!;
    const { message } = await predecessor.request(receiver, nodeRegister(predecessor.endpoint, receiver), { timeoutMs: 3000 });
    const findings = checkMessage(message, { role: 'neighbour-ok' })
      .filter((f) => f.requirement === 'SOS-MAINT-7' && f.severity === 'error')
      .map((f) => `${f.at.line}:${f.at.column}: expected ${f.expected} / actual ${f.found}`);
    const p1 = (await readNeighbours(r.probe, receiver)).predecessor;
    expect({ status: statusOf(message), findings, p1: p1?.slice(0, 8) }).toEqual({ status: 200, findings: [], p1: predecessor.nodeId.slice(0, 8) });
  });

  it('SOS-MAINT-1 its predecessor re-sends its node REGISTER before the expiry the harness granted runs out (SHOULD)', async () => {
    const r = ring();
    const n1 = r.nodes[0]!;
    const since = successor.trace.entries.length;
    const isRegister = (st: ServerTransaction) => from(n1)(st) && st.entry.seq > since && registerClass(st.request) === 'join';
    const first = await successor.waitForRequest(isRegister, r.target.timing.stabilizeMs * 2).catch(() => undefined);
    const next = first && (await successor.waitForRequest((st) => isRegister(st) && st.entry.seq > first.entry.seq, grantedS * 1000).catch(() => undefined));
    expect({
      registerSeen: first ? 'yes' : `none within ${r.target.timing.stabilizeMs * 2} ms`,
      refreshed: next ? 'before the granted expiry' : `expected a refresh within the ${grantedS} s granted / actual none`,
    }).toEqual({ registerSeen: 'yes', refreshed: 'before the granted expiry' });
  }, 60_000);

  it('SOS-MAINT-6 each stabilization also refreshes the fingers: a node queries its finger starts n + 2^i again and again (SHOULD)', async () => {
    const r = ring();
    const n2 = farFingerOf;
    // The played node is successor(n + 2^i) for a high i; the query that finds it may be for a
    // lower start whose finger it also is (a node may reuse F i-1 for F i).
    const starts = new Set(Array.from({ length: 160 }, (_, i) => bigIntToId(fingerStart(idToBigInt(n2.nodeId), i))));
    const since = farFinger.trace.entries.length;
    const isRefresh = (st: ServerTransaction) => from(n2)(st) && st.entry.seq > since && registerClass(st.request) === 'node-query' && starts.has(toUser(st.request) ?? '');
    const bound = r.target.timing.fingerRefreshMs * 3;
    const first = await farFinger.waitForRequest(isRefresh, bound).catch(() => undefined);
    const again = first && (await farFinger.waitForRequest((st) => isRefresh(st) && st.entry.seq > first.entry.seq, bound).catch(() => undefined));
    expect({ first: !!first, again: !!again }).toEqual({ first: true, again: true });
  }, 60_000);

  itIf('probe')('SOS-RING-4 after a late join, every advertised F i is repaired to the oracle\'s within the declared period', async () => {
    const r = ring();
    // A node joins where it becomes F 159 of a node that is neither its successor nor its
    // predecessor: only that node's own refresh can find it.
    let oracle = played.oracle();
    const ownerOf = (n: RingNode) => oracle.responsibleNode(bigIntToId(fingerStart(idToBigInt(n.nodeId), 159)));
    // Never the node's new predecessor (admitting it would refresh that node's fingers at once),
    // and preferably not its new successor either.
    const pick = r.nodes.find((n) => ownerOf(n) !== n.nodeId && ownerOf(n) !== oracle.successor(n.nodeId)) ?? r.nodes.find((n) => ownerOf(n) !== n.nodeId);
    expect({ nodeWithAFarFinger: !!pick }).toEqual({ nodeWithAFarFinger: true });
    const start = bigIntToId(fingerStart(idToBigInt(pick!.nodeId), 159));
    const late = await played.addMember({ lo: start, hi: oracle.responsibleNode(start) });
    const joined = await played.join(late, r.nodes[0]!, { retryMs: r.target.timing.stabilizeMs });
    expect({ join: joined.hops.map((h) => h.status), stopped: joined.stoppedBecause }).toEqual({ join: [...joined.hops.slice(0, -1).map(() => 302), 200], stopped: undefined });
    oracle = played.oracle();
    // P 1 and S 1 settle first (stabilization), then the fingers get the declared period.
    await settle();
    let stale: string[] = [];
    for (const end = Date.now() + r.target.timing.fingerRefreshMs + r.target.timing.stabilizeMs; ; ) {
      stale = [];
      for (const n of r.nodes) {
        for (const f of fingers(await probe(n))) {
          const expected = oracle.finger(n.nodeId, f.depth);
          if (f.nodeId !== expected) stale.push(`${n.name} F ${f.depth}: expected ${expected.slice(0, 8)} / actual ${f.nodeId.slice(0, 8)}`);
        }
      }
      if (stale.length === 0 || Date.now() >= end) break;
      await sleep(500);
    }
    expect(stale).toEqual([]);
  }, 60_000);

  /** SOS-RING-5: OPTIONS with Require: dht to the node's own URI lists its F entries. */
  async function probe(node: RingNode): Promise<SipMessage> {
    const r = ring();
    const b = nodeOptions(r.probe.endpoint, node);
    return (await r.probe.request(node, b, { timeoutMs: 3000 })).message;
  }

  function fingers(m: SipMessage): { depth: number; nodeId: string }[] {
    return headersNamed(m, 'dht-link').flatMap((h) => {
      const l = parseDhtLink(h.value);
      return l.ok && l.value.type === 'F' ? [{ depth: l.value.depth, nodeId: l.value.nodeId.toLowerCase() }] : [];
    });
  }

  sweepWire(ring);
});
