// User registration and lookup (catalogue §6): a user registers through any node, lookups
// from every node reach the node the oracle names, and it answers with the Contact.

import { checkMessage, type Role } from '../harness/sip/check';
import { userLookup, userRegister } from '../harness/sip/craft';
import { contactsOf } from '../harness/sip/headers';
import { resourceIdOf } from '../harness/overlay/id';
import { followRedirects, type Chain } from '../harness/net/redirects';
import type { Finding, SipMessage } from '../harness/sip/types';
import { useRing, ringSize } from './support/ring';

const SIZE = ringSize(6);
const errors = (m: SipMessage, role: Role, id: string): string[] =>
  checkMessage(m, { role }).filter((f: Finding) => f.severity === 'error' && f.requirement === id).map((f) => `${f.at.line}:${f.at.column} ${f.message}`);
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
});
