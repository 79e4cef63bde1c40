// User registration and lookup (catalogue §6): a user registers through any node, lookups
// from every node reach the node the oracle names, and it answers with the Contact.

import { checkMessage, type Role } from '../harness/sip/check';
import { userLookup, userRegister } from '../harness/sip/craft';
import { contactsOf, headersNamed } from '../harness/sip/headers';
import { resourceIdOf } from '../harness/overlay/id';
import { followRedirects, type Chain } from '../harness/net/redirects';
import type { Finding, SipMessage } from '../harness/sip/types';
import type { RingNode } from '../harness/cluster/cluster';
import type { ServerTransaction } from '../harness/net/server-transaction';
import { paramValue, parseNameAddr } from '../harness/sip/uri';
import { itIf, suiteFaults, useRing, ringSize } from './support/ring';
import { PlayedRing } from './support/played-ring';
import { sweepWire } from './support/wire-sweep';

const SIZE = ringSize(6);
const errors = (m: SipMessage, role: Role, id: string): string[] =>
  checkMessage(m, { role }).filter((f: Finding) => f.severity === 'error' && f.requirement === id).map((f) => `${f.at.line}:${f.at.column} ${f.message}`);
/** Each finding of one rule as `line:col: expected … / actual … — message`. */
const findingLines = (m: SipMessage, role: Role, id: string): string[] =>
  checkMessage(m, { role }).filter((f: Finding) => f.severity === 'error' && f.requirement === id).map((f) => `${f.at.line}:${f.at.column}: expected ${f.expected} / actual ${f.found} — ${f.message}`);
const status = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);

describe(`user registration and lookup on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-registration');
  const users = ['alice', 'bob', 'carol', 'dave'];
  const registrations = new Map<string, Chain>();
  // Where the users' agent is: the harness's own address, so nothing can leak even if a node
  // tried to reach it.
  const UA = { host: '', port: 5099 };

  beforeAll(async () => {
    const r = ring();
    UA.host = r.cluster.harnessAddress;
    for (const [i, user] of users.entries()) {
      const start = r.nodes[i % SIZE]!;
      registrations.set(user, await followRedirects(r.probe, start, (to) => userRegister(user, UA, r.probe.endpoint, to), { timeoutMs: 3000 }));
    }
  }, 60_000);

  const owner = (user: string): string => ring().oracle.responsibleNode(resourceIdOf(user));
  const nodeAt = (to: { host: string; port: number }): string | undefined => ring().nodes.find((n) => n.host === to.host && n.port === to.port)?.nodeId;

  it('SOS-REG-1 a node that is not responsible answers a user REGISTER with 302 toward a closer node', () => {
    const r = ring();
    const problems: string[] = [];
    for (const [user, chain] of registrations) {
      for (const hop of chain.hops.slice(0, -1)) {
        problems.push(...errors(hop.response, 'redirect', 'SOS-JOIN-1'));
        const p = r.oracle.redirectProblem(nodeAt(hop.to)!, hop.next?.nodeId ?? '?', resourceIdOf(user));
        if (p) problems.push(p);
      }
    }
    expect(problems).toEqual([]);
  });

  it('SOS-REG-2 the responsible node stores the binding and answers 200 with it', () => {
    const outcome = [...registrations].map(([user, chain]) => {
      const last = chain.hops[chain.hops.length - 1]!;
      return {
        user,
        status: last.status,
        answeredBy: nodeAt(last.to)?.slice(0, 8),
        contact: contactsOf(last.response).some((c) => c.entry?.uri?.user === user && c.entry.uri.host === UA.host),
        findings: errors(last.response, 'register-ok', 'SOS-REG-2'),
      };
    });
    expect(outcome).toEqual(users.map((user) => ({ user, status: 200, answeredBy: owner(user).slice(0, 8), contact: true, findings: [] })));
  });

  it('SOS-LOOKUP-2 an INVITE from every node reaches the responsible node, which answers 302 with the Contact', async () => {
    const r = ring();
    const outcome: unknown[] = [];
    const expected: unknown[] = [];
    for (const node of r.nodes) {
      const chain = await followRedirects(r.probe, node, (to) => userLookup('INVITE', 'alice', r.probe.endpoint, to), { timeoutMs: 3000 });
      // The walk ends at the 302 that names the user's agent instead of a node.
      const byOwner = chain.hops.find((h) => nodeAt(h.to) === owner('alice'));
      outcome.push({
        from: node.name,
        ownerAnswered: byOwner ? status(byOwner.response) : 'never asked',
        contact: byOwner ? contactsOf(byOwner.response).map((c) => c.entry?.uri?.host) : [],
        findings: byOwner ? errors(byOwner.response, 'lookup-contacts', 'SOS-LOOKUP-2') : [],
      });
      expected.push({ from: node.name, ownerAnswered: 302, contact: [UA.host], findings: [] });
    }
    expect(outcome).toEqual(expected);
  });

  it('SOS-LOOKUP-3 a lookup for a user nobody registered gets 404 from the responsible node', async () => {
    const r = ring();
    const chain = await followRedirects(r.probe, r.nodes[0]!, (to) => userLookup('INVITE', 'nobody-registered-this', r.probe.endpoint, to), { timeoutMs: 3000 });
    const last = chain.hops[chain.hops.length - 1]!;
    expect({ status: last.status, answeredBy: nodeAt(last.to) }).toEqual({ status: 404, answeredBy: owner('nobody-registered-this') });
  });

  it('SOS-REG-3 a resource-ID that is not the hash of the username gets 400', async () => {
    const r = ring();
    const target = r.nodes.find((n) => n.nodeId === owner('mallory'))!;
    const text = Buffer.from(userRegister('mallory', UA, r.probe.endpoint, target).build()).toString('utf8').replace(new RegExp(resourceIdOf('mallory'), 'g'), resourceIdOf('alice'));
    const { message } = await r.probe.request(target, Buffer.from(text, 'utf8'), { timeoutMs: 3000 });
    expect(status(message)).toBe(400);
  });

  it('SOS-REG-4 a REGISTER with expiry 0 removes the binding; a lookup then gets 404', async () => {
    const r = ring();
    const chain = await followRedirects(r.probe, r.nodes[0]!, (to) => userRegister('dave', UA, r.probe.endpoint, to, { expires: 0 }), { timeoutMs: 3000 });
    expect(chain.hops[chain.hops.length - 1]!.status).toBe(200);
    const lookup = await followRedirects(r.probe, r.nodes[1]!, (to) => userLookup('INVITE', 'dave', r.probe.endpoint, to), { timeoutMs: 3000 });
    expect(lookup.hops[lookup.hops.length - 1]!.status).toBe(404);
  });

  // A node under test joins a ring the harness plays, hosting users: every user REGISTER it
  // sends, and every copy, reaches a played node (SOS-REG-7/8/9, SOS-WIRE-3).
  describe('a node hosting users joins a ring the harness plays', () => {
    const hosted = ['ann', 'ben', 'cat', 'dan'];
    let played: PlayedRing;
    let node: RingNode;

    beforeAll(async () => {
      const r = ring();
      played = await PlayedRing.start({ host: r.cluster.harnessAddress, trace: r.trace, members: 5, name: 'played' });
      const faults = suiteFaults();
      node = await r.cluster.start(r.target, { name: 'hosting-users', bootstrap: played.members[0]!.endpoint, users: hosted, ...(faults.length ? { faults } : {}) });
      // The users are registered once the join got its 200; wait until each has reached its
      // owner and been copied on (SOS-REG-7), or the declared bound.
      const deadline = Date.now() + r.target.timing.joinSettleMs;
      const settled = () => hosted.every((u) => userRegisters().some((x) => x.user === u && x.atOwner) && copiesOf().some((x) => x.user === u));
      while (Date.now() < deadline && !settled()) await new Promise((res) => setTimeout(res, 100));
    }, 60_000);

    afterAll(async () => {
      if (node) await ring().cluster.stop(node).catch(() => undefined);
      await played?.close();
    });

    /** The user REGISTERs (expiry > 0) the node sent to played nodes, with what each is. */
    function userRegisters(): { user: string; st: ServerTransaction; member: string; atOwner: boolean; replica?: string; seq: number }[] {
      if (!node || !played) return [];
      const oracle = played.oracle();
      return played.requestsFrom(node).flatMap(({ st, member }) => {
        const field = headersNamed(st.request, 'to')[0];
        const na = field ? parseNameAddr(field.value) : undefined;
        const uri = na?.ok ? na.value.uri : undefined;
        if (st.method !== 'REGISTER' || !uri?.user || !na?.ok) return [];
        const params = [...uri.params, ...na.value.params];
        if ((paramValue(params, 'user') ?? '').toLowerCase() === 'node' || headersNamed(st.request, 'contact').length === 0) return [];
        if (/^\s*0\s*$/.test(headersNamed(st.request, 'expires')[0]?.value ?? '')) return [];
        const replica = paramValue(params, 'replica');
        return [{ user: uri.user, st, member: member.nodeId, atOwner: oracle.responsibleNode(resourceIdOf(uri.user)) === member.nodeId, seq: st.entry.seq, ...(replica !== undefined ? { replica } : {}) }];
      });
    }

    /**
     * The REGISTERs at a node that is not the owner once the owner has its own: the copies. Before
     * that, such a REGISTER is a hop of the 302 chain toward the owner (SOS-REG-1).
     */
    function copiesOf(): ReturnType<typeof userRegisters> {
      const oracle = played.oracle();
      const regs = userRegisters();
      const ownerSeq = (user: string): number =>
        Math.min(...regs.filter((x) => x.user === user && x.atOwner).map((x) => x.seq), oracle.responsibleNode(resourceIdOf(user)) === node.nodeId ? 0 : Infinity);
      return regs.filter((x) => !x.atOwner && x.seq > ownerSeq(x.user));
    }

    it('SOS-REG-8 the node sends user REGISTERs only after its join got 200', () => {
      const admittedAt = played.admissions.get(node.nodeId);
      const early = userRegisters().filter((x) => admittedAt === undefined || x.seq <= admittedAt).map((x) => `${x.user} (trace #${x.seq}) before the 200 to the join (after trace #${admittedAt ?? 'never'})`);
      expect({ registered: hosted.filter((u) => userRegisters().some((x) => x.user === u)), early }).toEqual({ registered: hosted, early: [] });
    });

    it('SOS-REG-9 each user Contact holds the unhashed username and the UA\'s address, with alg and overlay', () => {
      const regs = userRegisters();
      const bad = regs.flatMap((x) => {
        const contact = contactsOf(x.st.request)[0]?.entry?.uri;
        const problems = findingLines(x.st.request, 'user-register', 'SOS-REG-9');
        if (contact && contact.host !== node.host) problems.push(`Contact host: expected the UA's address ${node.host} / actual ${contact.host}`);
        return problems.map((p) => `${x.user} at ${x.member.slice(0, 8)}: ${p}`);
      });
      expect({ seen: regs.length > 0, bad }).toEqual({ seen: true, bad: [] });
    });

    it('SOS-WIRE-3 user REGISTERs put user URIs with alg and overlay, never user=node, in To and From', () => {
      const regs = userRegisters();
      const bad = regs.flatMap((x) => findingLines(x.st.request, 'user-register', 'SOS-WIRE-3').map((p) => `${x.user} at ${x.member.slice(0, 8)}: ${p}`));
      expect({ seen: regs.length > 0, bad }).toEqual({ seen: true, bad: [] });
    });

    itIf('replication')('SOS-REG-7 the node copies each user REGISTER to the owner\'s successors, marked replica=<rank>', () => {
      const oracle = played.oracle();
      const copies = copiesOf();
      const problems = copies.flatMap((x) => {
        const owner = oracle.responsibleNode(resourceIdOf(x.user));
        const rank = oracle.successors(owner, 4).indexOf(x.member) + 1;
        return x.replica === String(rank) ? [] : [`${x.user} at ${x.member.slice(0, 8)}: expected replica=${rank || '(not a successor of the owner)'} / actual ${x.replica === undefined ? 'no replica marker' : `replica=${x.replica}`}`];
      });
      const copied = hosted.filter((u) => copies.some((x) => x.user === u));
      expect({ copied, problems }).toEqual({ copied: hosted, problems: [] });
    });
  });

  sweepWire(ring);
});
