// Wire encoding (catalogue §1–§2) and node queries (SOS-LOOKUP-5/6): every node of a 6-node
// ring is asked for its own ID, for other nodes' IDs and for keys between nodes; every answer
// goes through the harness's conformance checker, and one test per rule reports its findings.

import { checkMessage, type Role } from '../harness/sip/check';
import { dhtLinkValue, nodeQuery, nodeRegister, userRegister, wireHost } from '../harness/sip/craft';
import { contactsOf, headersNamed, headerValue, parseDhtLink } from '../harness/sip/headers';
import { nodeIdOf, resourceIdOf } from '../harness/overlay/id';
import { readNeighbours } from '../harness/cluster/observe';
import { bigIntToId, idToBigInt } from '../harness/overlay/ring';
import type { Finding, SipMessage } from '../harness/sip/types';
import { useRing, sharedRingSize } from './support/ring';
import { joinerOwnedBy } from './support/joins';
import { sweepWire } from './support/wire-sweep';

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

  const statusOf = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);
  const hasS1 = (m: SipMessage): boolean => headersNamed(m, 'dht-link').some((h) => /^S\s+1\s/.test(h.value));

  it('SOS-WIRE-10 a node reads user=node, alg, overlay and resource-ID as header parameters as well as inside <…>', async () => {
    const r = ring();
    const n = r.nodes[0]!;
    const p = r.probe.endpoint;
    const params = ';user=node;alg=rsa-sha1;overlay=chat';
    const ask = async (to: string) => statusOf((await r.probe.request(n, nodeQuery(p, n, n.nodeId).set('To', to), { timeoutMs: 3000 })).message);
    // -01's bare form: RFC 3261 §20.10 reads every ;param of a bare URI as a header parameter.
    const bare = await r.probe.request(n, nodeQuery(p, n, n.nodeId).set('To', `sip:${n.nodeId}@${wireHost(p)}${params}`), { timeoutMs: 3000 });
    const after = await r.probe.request(n, nodeQuery(p, n, n.nodeId).set('To', `<sip:${n.nodeId}@${wireHost(p)}>${params}`), { timeoutMs: 3000 });
    const otherOverlay = await ask(`<sip:${n.nodeId}@${wireHost(p)}>;user=node;alg=rsa-sha1;overlay=not-this-overlay`);
    // A resource-ID after `>` that is not the hash of the username: the owner must see it and refuse it (SOS-REG-3).
    const user = 'wire10-outside';
    const owner = r.nodes.find((x) => x.nodeId === r.oracle.responsibleNode(resourceIdOf(user)))!;
    const ua = { host: r.cluster.harnessAddress, port: 5099 };
    const wrong = userRegister(user, ua, p, owner).set('To', `<sip:${user}@p2psip.org>;alg=rsa-sha1;overlay=chat;resource-ID=${resourceIdOf('someone-else')}`);
    const rid = statusOf((await r.probe.request(owner, wrong, { timeoutMs: 3000 })).message);
    if (rid === 200) await r.probe.request(owner, userRegister(user, ua, p, owner, { expires: 0 }), { timeoutMs: 3000 }).catch(() => undefined);
    expect({
      bareForm: { status: statusOf(bare.message), s1: hasS1(bare.message) },
      afterBracket: { status: statusOf(after.message), s1: hasS1(after.message) },
      overlayAfterBracket: otherOverlay,
      resourceIdAfterBracket: rid,
    }).toEqual({ bareForm: { status: 200, s1: true }, afterBracket: { status: 200, s1: true }, overlayAfterBracket: 488, resourceIdAfterBracket: 400 });
  });

  it('SOS-WIRE-12 a node hashes a node URI with the port it names: an ID hashed with 5060 at host:port is refused with 493', async () => {
    const r = ring();
    const p = r.probe.endpoint;
    // The probe claims the ID of its host on 5060 while its URIs and DHT-NodeID name its real port.
    const claimed = nodeIdOf(p.host, 5060);
    const uri = `sip:${claimed}@${wireHost(p)};user=node;alg=rsa-sha1;overlay=chat`;
    const admitting = r.nodes.find((x) => x.nodeId === r.oracle.responsibleNode(claimed))!;
    const forged = (expires: number) =>
      nodeRegister(p, admitting, { expires }).set('To', `<${uri}>`).set('From', `<${uri}>;tag=wire12`).set('Contact', `<${uri}>`).set('DHT-NodeID', `rsa-sha1 ${claimed} ${wireHost(p)}`);
    const { message } = await r.probe.request(admitting, forged(600), { timeoutMs: 3000 });
    if (statusOf(message) === 200) {
      // Admitted by mistake: leave again, so the ring is as this suite found it.
      const links = headersNamed(message, 'dht-link').map((h) => parseDhtLink(h.value)).flatMap((x) => (x.ok && x.value.type === 'P' && x.value.depth === 1 ? [x.value] : []));
      const leave = forged(0).header('DHT-Link', dhtLinkValue('S', 1, admitting));
      if (links[0]) leave.header('DHT-Link', dhtLinkValue('P', 1, { host: links[0].host, port: links[0].port ?? 5060 }));
      await r.probe.request(admitting, leave, { timeoutMs: 3000 }).catch(() => undefined);
    }
    expect({ status: statusOf(message) }).toEqual({ status: 493 });
  });

  it('SOS-WIRE-13 a node classes REGISTERs by user=node, Contact and expiry: no Contact is a query whatever its Expires; a Contact without expiry registers for 600 s', async () => {
    const r = ring();
    const n = r.nodes[0]!;
    const p = r.probe.endpoint;
    const before = await readNeighbours(r.probe, n);
    const query = (await r.probe.request(n, nodeQuery(p, n, n.nodeId).header('Expires', 600), { timeoutMs: 3000 })).message;
    const after = await readNeighbours(r.probe, n);
    const user = 'wire13-default-expiry';
    const owner = r.nodes.find((x) => x.nodeId === r.oracle.responsibleNode(resourceIdOf(user)))!;
    const ua = { host: r.cluster.harnessAddress, port: 5099 };
    const reg = (await r.probe.request(owner, userRegister(user, ua, p, owner).remove('Expires'), { timeoutMs: 3000 })).message;
    await r.probe.request(owner, userRegister(user, ua, p, owner, { expires: 0 }), { timeoutMs: 3000 }).catch(() => undefined);
    const contact = contactsOf(reg).find((c) => c.entry?.uri?.user === user)?.entry;
    const granted = contact?.params.find((x) => x.name.toLowerCase() === 'expires')?.value ?? headerValue(reg, 'expires');
    expect({
      queryWithExpires: { status: statusOf(query), s1: hasS1(query), p1Unchanged: after.predecessor === before.predecessor },
      contactWithoutExpiry: { status: statusOf(reg), expires: granted },
    }).toEqual({ queryWithExpires: { status: 200, s1: true, p1Unchanged: true }, contactWithoutExpiry: { status: 200, expires: '600' } });
  });

  sweepWire(ring);
});
