// Wire encoding (catalogue §1–§2) and node queries (SOS-LOOKUP-5/6): every node of a 6-node
// ring is asked for its own ID, for other nodes' IDs and for keys between nodes; every answer
// goes through the harness's conformance checker, and one test per rule reports its findings.

import { checkMessage, type Role } from '../harness/sip/check';
import { nodeQuery } from '../harness/sip/craft';
import { readNeighbours } from '../harness/cluster/observe';
import { bigIntToId, idToBigInt } from '../harness/overlay/ring';
import type { Finding, SipMessage } from '../harness/sip/types';
import { useRing, sharedRingSize } from './support/ring';
import { joinerOwnedBy } from './support/joins';

const SIZE = sharedRingSize();

interface Answer {
  from: string;
  key: string;
  role: Role;
  message: SipMessage;
}

describe(`wire encoding and node queries on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-wire', { shared: true });
  const answers: Answer[] = [];

  beforeAll(async () => {
    const r = ring();
    const keys = [...r.nodes.map((n) => n.nodeId), ...r.nodes.map((n) => bigIntToId(idToBigInt(n.nodeId) + 1n))];
    for (const node of r.nodes) {
      for (const key of keys) {
        const { message } = await r.probe.request(node, nodeQuery(r.probe.endpoint, node, key), { timeoutMs: 3000 });
        const status = message.startLine.kind === 'response' ? message.startLine.status : 0;
        answers.push({ from: node.nodeId, key, role: status === 302 ? 'redirect' : 'query-ok', message });
      }
    }
  }, 120_000);

  const findingsFor = (id: string): string[] =>
    answers.flatMap((a) =>
      checkMessage(a.message, { role: a.role })
        .filter((f: Finding) => f.severity === 'error' && f.requirement === id)
        .map((f) => `${a.from.slice(0, 8)} asked for ${a.key.slice(0, 8)}: ${f.at.line}:${f.at.column} ${f.message}; expected ${f.expected}, found ${f.found}`),
    );

  it.each([
    ['SOS-WIRE-1', 'every answer is valid RFC 3261: mandatory headers, To-tag, well-formed values'],
    ['SOS-ID-1', 'IDs are 40 lower-case hex digits'],
    ['SOS-ID-2', "each Node-ID is SHA-1 of the node's ip:port"],
    ['SOS-WIRE-4', 'every answer carries Require: dht and Supported: dht'],
    ['SOS-WIRE-5', "every answer carries exactly one DHT-NodeID with the sender's alg, ID and address"],
    ['SOS-WIRE-6', 'DHT-Link entries follow the grammar, without duplicates, each ID the hash of its address'],
    ['SOS-LOOKUP-5', 'answers at the responsible node carry DHT-NodeID, P 1 and S 1'],
  ])('%s %s', (id) => {
    expect(answers.length).toBe(SIZE * SIZE * 2);
    expect(findingsFor(id)).toEqual([]);
  });

  it('SOS-LOOKUP-5 the responsible node answers 200 for its own ID and 404 for any other key; others redirect', () => {
    const r = ring();
    const actual = answers.map((a) => ({ from: a.from.slice(0, 8), key: a.key.slice(0, 8), status: a.message.startLine.kind === 'response' ? a.message.startLine.status : 0 }));
    const expected = answers.map((a) => {
      const owner = r.oracle.responsibleNode(a.key);
      const status = owner !== a.from ? 302 : a.key === a.from ? 200 : 404;
      return { from: a.from.slice(0, 8), key: a.key.slice(0, 8), status };
    });
    expect(actual).toEqual(expected);
  });

  it('SOS-RING-2 every node reports the oracle\'s P 1 and S 1', async () => {
    const r = ring();
    const actual = await Promise.all(r.nodes.map(async (n) => {
      const seen = await readNeighbours(r.probe, n);
      return { node: n.name, p1: seen.predecessor, s1: seen.successors[0] };
    }));
    expect(actual).toEqual(r.nodes.map((n) => ({ node: n.name, p1: r.oracle.predecessor(n.nodeId), s1: r.oracle.successor(n.nodeId) })));
  });

  it('SOS-LOOKUP-6 a node query changes nothing at the receiver', async () => {
    const r = ring();
    const before = await Promise.all(r.nodes.map((n) => readNeighbours(r.probe, n)));
    // Each node is queried from an address whose ID lies in (P 1, self): a node that treated
    // the query as a notify would take the querier as its new P 1.
    for (const n of r.nodes) {
      const querier = await joinerOwnedBy(r, n);
      try {
        await querier.request(n, nodeQuery(querier.endpoint, n, n.nodeId), { timeoutMs: 3000 });
      } finally {
        await querier.close();
      }
    }
    const after = await Promise.all(r.nodes.map((n) => readNeighbours(r.probe, n)));
    const view = (s: { predecessor?: string; successors: string[] }) => ({ p1: s.predecessor, s1: s.successors[0] });
    expect(after.map(view)).toEqual(before.map(view));
  });
});
