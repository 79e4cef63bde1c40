// Routing state and maintenance (catalogue §3, §5): successor lists, fingers read with the
// OPTIONS probe, and stabilization observed at a successor the harness plays itself.

import { readNeighbours } from '../harness/cluster/observe';
import { VirtualNode } from '../harness/net/virtual-node';
import type { ServerTransaction } from '../harness/net/server-transaction';
import { bigIntToId, idToBigInt } from '../harness/overlay/ring';
import { dhtLinkValue, dhtNodeIdValue, nodeOptions, nodeRegister } from '../harness/sip/craft';
import { contactsOf, headersNamed, headerValue, parseDhtLink, type DhtLink } from '../harness/sip/headers';
import { checkMessage } from '../harness/sip/check';
import { parseNameAddr } from '../harness/sip/uri';
import type { SipMessage } from '../harness/sip/types';
import { itIf, useRing, ringSize } from './support/ring';
import { sweepWire } from './support/wire-sweep';
import { joinThrough } from './support/joins';

const SIZE = ringSize(6);

function links(m: SipMessage): DhtLink[] {
  return headersNamed(m, 'dht-link').flatMap((h) => {
    const r = parseDhtLink(h.value);
    return r.ok ? [r.value] : [];
  });
}

describe(`routing state and maintenance on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-ring');

  async function probeOptions(node: { host: string; port: number; nodeId: string }): Promise<SipMessage> {
    const r = ring();
    const b = nodeOptions(r.probe.endpoint, node);
    return (await r.probe.request(node, b, { timeoutMs: 3000 })).message;
  }

  it('SOS-RING-1 each node keeps P 1 and the four successors S 1–S 4 (S 2–S 4 SHOULD)', async () => {
    const r = ring();
    const actual = await Promise.all(r.nodes.map(async (n) => ({ node: n.name, ...pick(await readNeighbours(r.probe, n)) })));
    expect(actual).toEqual(r.nodes.map((n) => ({ node: n.name, p1: r.oracle.predecessor(n.nodeId), successors: r.oracle.successors(n.nodeId, 4) })));
    function pick(s: { predecessor?: string; successors: string[] }) {
      return { p1: s.predecessor, successors: s.successors };
    }
  });

  itIf('probe')('SOS-RING-5 OPTIONS to a node\'s own URI gets 200 with its DHT-NodeID and DHT-Link entries, F included', async () => {
    const r = ring();
    const m = await probeOptions(r.nodes[0]!);
    const l = links(m);
    expect({ status: m.startLine.kind === 'response' ? m.startLine.status : 0, hasS1: l.some((x) => x.type === 'S' && x.depth === 1), fingers: l.filter((x) => x.type === 'F').length > 0 }).toEqual({ status: 200, hasS1: true, fingers: true });
  });

  itIf('probe')('SOS-RING-3 every finger F i a node lists is successor(n + 2^i)', async () => {
    const r = ring();
    const wrong: string[] = [];
    for (const n of r.nodes) {
      for (const f of links(await probeOptions(n)).filter((x) => x.type === 'F')) {
        const expected = r.oracle.finger(n.nodeId, f.depth);
        if (f.nodeId.toLowerCase() !== expected) wrong.push(`${n.name} F ${f.depth}: expected ${expected.slice(0, 8)}, actual ${f.nodeId.slice(0, 8)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  describe('with a harness-played successor', () => {
    let successor: VirtualNode;
    const seen: { at: number; request: SipMessage; kind: 'query' | 'register' }[] = [];

    beforeAll(async () => {
      const r = ring();
      const n = r.nodes[0]!;
      const oldS1 = r.nodes.find((x) => x.nodeId === r.oracle.successor(n.nodeId))!;
      // An ID strictly between n and its successor: n must adopt it as S 1 at stabilization.
      const lo = bigIntToId(idToBigInt(n.nodeId) + 1n);
      successor = await VirtualNode.startMined({ host: r.cluster.harnessAddress, name: 'successor', trace: r.trace, defaultReply: 'silence' }, { lo, hi: oldS1.nodeId });
      const self = successor.endpoint;
      const answer = (st: ServerTransaction) => {
        const req = st.request;
        if (req.startLine.kind !== 'request' || req.startLine.method !== 'REGISTER') return { status: 200 };
        const to = parseNameAddr(headersNamed(req, 'to')[0]?.value ?? '');
        const isQuery = contactsOf(req).length === 0;
        seen.push({ at: Date.now(), request: req, kind: isQuery ? 'query' : 'register' });
        const headers: [string, string][] = [
          ['Require', 'dht'],
          ['Supported', 'dht'],
          ['DHT-NodeID', dhtNodeIdValue(self)],
          ['DHT-Link', dhtLinkValue('P', 1, n)],
          ['DHT-Link', dhtLinkValue('S', 1, oldS1)],
        ];
        if (!isQuery) headers.push(['Contact', headersNamed(req, 'contact')[0]!.value], ['Expires', '600']);
        const own = to.ok && to.value.uri?.user?.toLowerCase() === successor.nodeId;
        return { status: isQuery && !own ? 404 : 200, headers };
      };
      successor.onRequest(answer);
      const join = await joinThrough(r, successor, n);
      expect(join.chain.hops[join.chain.hops.length - 1]!.status).toBe(200);
    }, 60_000);

    afterAll(async () => {
      const r = ring();
      const n = r.nodes[0]!;
      const oldS1 = r.nodes.find((x) => x.nodeId === r.oracle.successor(n.nodeId))!;
      for (const to of [n, oldS1]) {
        const leave = nodeRegister(successor.endpoint, to, { expires: 0 }).header('DHT-Link', dhtLinkValue('P', 1, n)).header('DHT-Link', dhtLinkValue('S', 1, oldS1));
        await successor.request(to, leave, { timeoutMs: 2000 }).catch(() => undefined);
      }
      await successor.close();
    });

    it('SOS-MAINT-5 its predecessor adopts it as S 1 and sends it a node REGISTER as if joining (notify)', async () => {
      const r = ring();
      const n = r.nodes[0]!;
      const st = await successor.waitForRequest((s) => s.request.startLine.kind === 'request' && contactsOf(s.request).length > 0 && fromHost(s.request) === n.host, r.target.timing.stabilizeMs * 3);
      expect(st.request.startLine).toMatchObject({ method: 'REGISTER' });
      expect((await readNeighbours(r.probe, n)).successors[0]).toBe(successor.nodeId);
    });

    it('SOS-MAINT-4 its predecessor queries it for its own ID within each declared stabilization period', async () => {
      const r = ring();
      const n = r.nodes[0]!;
      const isQuery = (s: ServerTransaction) => contactsOf(s.request).length === 0 && fromHost(s.request) === n.host && toUser(s.request) === successor.nodeId;
      const first = await successor.waitForRequest(isQuery, r.target.timing.stabilizeMs * 3);
      const t0 = Date.now();
      const second = await successor.waitForRequest(isQuery, r.target.timing.stabilizeMs * 2);
      expect(first.request.startLine).toMatchObject({ method: 'REGISTER' });
      expect(second.request.startLine).toMatchObject({ method: 'REGISTER' });
      expect(Date.now() - t0).toBeLessThanOrEqual(r.target.timing.stabilizeMs * 2);
    });

    itIf('leave')('SOS-MAINT-2 a leaving node sends its successor a REGISTER with expiry 0 carrying P 1 and S 1–S 4', async () => {
      const r = ring();
      const n = r.nodes[0]!;
      await r.cluster.stop(n);
      const isLeave = (s: ServerTransaction) => fromHost(s.request) === n.host && contactsOf(s.request).length > 0 && /^0$/.test(headerValue(s.request, 'expires') ?? '');
      const leave = await successor.waitForRequest(isLeave, 10_000);
      const got = links(leave.request).map((l) => `${l.type} ${l.depth}`).sort();
      expect(got).toEqual(expect.arrayContaining(['P 1', 'S 1']));
      expect(checkMessage(leave.request, { role: 'leave' }).filter((f) => f.severity === 'error')).toEqual([]);
    });
  });

  sweepWire(ring);
});

function fromHost(m: SipMessage): string | undefined {
  const r = parseNameAddr(headersNamed(m, 'from')[0]?.value ?? '');
  return r.ok ? r.value.uri?.host : undefined;
}

function toUser(m: SipMessage): string | undefined {
  const r = parseNameAddr(headersNamed(m, 'to')[0]?.value ?? '');
  return r.ok ? r.value.uri?.user?.toLowerCase() : undefined;
}
