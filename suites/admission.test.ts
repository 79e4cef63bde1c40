// Admission beyond the first 200 (catalogue §4): a second join from the same address
// (SOS-JOIN-7), the F entries a join 200 may carry (SOS-JOIN-12), and what a node under test
// does right after its own 200, seen by joining it to a ring the harness plays (SOS-JOIN-10).

import type { RingNode } from '../harness/cluster/cluster';
import { readNeighbours } from '../harness/cluster/observe';
import type { ServerTransaction } from '../harness/net/server-transaction';
import { RingOracle } from '../harness/overlay/oracle';
import { bigIntToId, fingerStart, idToBigInt } from '../harness/overlay/ring';
import { registerClass } from '../harness/sip/check-sosimple';
import { nodeRegister, nodeUri } from '../harness/sip/craft';
import { contactsOf, headersNamed, headerValue, parseDhtLink } from '../harness/sip/headers';
import { parseNameAddr } from '../harness/sip/uri';
import type { SipMessage } from '../harness/sip/types';
import { joinerOwnedBy, joinThrough, leaveAgain } from './support/joins';
import { PlayedRing } from './support/played-ring';
import { suiteFaults, useRing, ringSize } from './support/ring';
import { sweepWire } from './support/wire-sweep';

const SIZE = ringSize(5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fingerEntries(m: SipMessage): { depth: number; nodeId: string }[] {
  return headersNamed(m, 'dht-link').flatMap((h) => {
    const l = parseDhtLink(h.value);
    return l.ok && l.value.type === 'F' ? [{ depth: l.value.depth, nodeId: l.value.nodeId.toLowerCase() }] : [];
  });
}

describe(`admission on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-admission');

  it('SOS-JOIN-7 a second join from the same address refreshes the entry: 200 again, the new expiry, one Contact, one P 1', async () => {
    const r = ring();
    // Node 1: the self-test puts a fault switch on node 1 of a ring.
    const owner = r.nodes[0]!;
    const joiner = await joinerOwnedBy(r, owner);
    try {
      const first = await joinThrough(r, joiner, owner);
      const { message: again } = await joiner.request(owner, nodeRegister(joiner.endpoint, owner, { expires: 300 }), { timeoutMs: 3000 });
      const contacts = contactsOf(again).map((c) => c.entry?.uriText ?? '(unparsed)');
      const granted = contactsOf(again)[0]?.entry?.params.find((p) => p.name.toLowerCase() === 'expires')?.value ?? headerValue(again, 'expires');
      const seen = await readNeighbours(r.probe, owner);
      await leaveAgain(r, first);
      expect({
        first: first.chain.hops.at(-1)?.status,
        again: again.startLine.kind === 'response' ? again.startLine.status : 0,
        contacts,
        expires: granted,
        p1: seen.predecessor?.slice(0, 8),
        // The joiner is the owner's P 1 once; in a small ring it may also be a successor, once.
        asPredecessor: seen.links.filter((l) => l.type === 'P' && l.nodeId.toLowerCase() === joiner.nodeId).map((l) => `${l.type} ${l.depth}`),
        asSuccessor: seen.links.filter((l) => l.type === 'S' && l.nodeId.toLowerCase() === joiner.nodeId).length <= 1,
      }).toEqual({ first: 200, again: 200, contacts: [nodeUri(joiner.endpoint)], expires: '300', p1: joiner.nodeId.slice(0, 8), asPredecessor: ['P 1'], asSuccessor: true });
    } finally {
      await joiner.close();
    }
  });

  it('SOS-JOIN-12 F entries in a join 200, if any, are the admitting node\'s fingers, each under its own exponent (MAY)', async () => {
    const r = ring();
    const wrong: string[] = [];
    for (const owner of r.nodes) {
      const joiner = await joinerOwnedBy(r, owner);
      try {
        const join = await joinThrough(r, joiner, owner);
        const last = join.chain.hops.at(-1)!;
        // Listed before or after the joiner was counted: either ring is the admitting node's.
        const withJoiner = new RingOracle([...r.oracle.ids, joiner.nodeId]);
        for (const f of last.status === 200 ? fingerEntries(last.response) : []) {
          const expected = [r.oracle.finger(owner.nodeId, f.depth), withJoiner.finger(owner.nodeId, f.depth)];
          if (!expected.includes(f.nodeId)) wrong.push(`${owner.name} F ${f.depth}: expected ${expected[0]!.slice(0, 8)} / actual ${f.nodeId.slice(0, 8)}`);
        }
        await leaveAgain(r, join);
      } finally {
        await joiner.close();
      }
    }
    expect(wrong).toEqual([]);
  });

  // A node under test joins a ring the harness plays, so every query it sends after its 200
  // reaches the harness. The admitting 200 lists F entries, which the node must not adopt
  // without querying (§6.5).
  describe('a node joining a ring the harness plays', () => {
    let played: PlayedRing;
    let node: RingNode;

    beforeAll(async () => {
      const r = ring();
      played = await PlayedRing.start({ host: r.cluster.harnessAddress, trace: r.trace, members: 5, joinFingers: [150, 151, 152, 153, 154, 155, 156, 157, 158, 159], name: 'played' });
      const faults = suiteFaults();
      node = await r.cluster.start(r.target, { name: 'joining-played', bootstrap: played.members[0]!.endpoint, ...(faults.length ? { faults } : {}) });
    }, 60_000);

    afterAll(async () => {
      if (node) await ring().cluster.stop(node).catch(() => undefined);
      await played?.close();
    });

    it('SOS-JOIN-10 after its 200 the joiner queries its successor\'s ID and its finger starts n + 2^i (SHOULD)', async () => {
      const r = ring();
      const admittedAt = played.admissions.get(node.nodeId) ?? Infinity;
      const s1 = played.oracle().successor(node.nodeId);
      const starts = new Set(Array.from({ length: 160 }, (_, i) => bigIntToId(fingerStart(idToBigInt(node.nodeId), i))));
      const searched = () =>
        played
          .requestsFrom(node, (st: ServerTransaction) => st.entry.seq > admittedAt && registerClass(st.request) === 'node-query')
          .map(({ st }) => {
            const to = parseNameAddr(headersNamed(st.request, 'to')[0]?.value ?? '');
            return to.ok ? (to.value.uri?.user ?? '').toLowerCase() : '';
          });
      const done = () => searched().includes(s1) && searched().some((k) => starts.has(k));
      for (const end = Date.now() + r.target.timing.stabilizeMs * 2 + r.target.timing.fingerRefreshMs; !done() && Date.now() < end; ) await sleep(200);
      expect({
        admitted: Number.isFinite(admittedAt),
        successorQueried: searched().includes(s1),
        fingerStartsQueried: searched().filter((k) => starts.has(k)).length > 0,
      }).toEqual({ admitted: true, successorQueried: true, fingerStartsQueried: true });
    }, 60_000);
  });

  sweepWire(ring);
});
