// Fault switches of user registration and lookup routing: each changes what a three-node
// ring answers compared with a healthy ring given the same request, so the suite checks
// built on them (suites/redirect.test.ts) are known to have an input that fails them.
import { resourceIdOf } from './ids';
import { InProcessRing, loopbackAddress } from './inprocess';
import { SosimpleNode } from './node';
import { successorOf } from './ring';
import { END, RawPeer, headerLines, ringMismatches, waitFor } from './test-support';

jest.setTimeout(30_000);

const rings: InProcessRing[] = [];
const peer = new RawPeer(loopbackAddress(11_399), 5071);
beforeAll(() => peer.start());
afterAll(async () => {
  for (const r of rings) await r.close();
  await peer.close();
});

async function threeNodes(firstAddress: number, faults: string): Promise<SosimpleNode[]> {
  const ring = new InProcessRing({ port: 5070, firstAddress, stabilizeMs: 150, failureTimeoutMs: 400, joinRetryMs: 200 });
  rings.push(ring);
  for (let i = 0; i < 3; i++) await ring.add({ faults });
  await waitFor('a stable ring', () => ringMismatches(ring.states()).length === 0, 10_000);
  return ring.live();
}

const owner = (nodes: SosimpleNode[], user: string) => {
  const id = successorOf(resourceIdOf(user), nodes.map((n) => n.self.id));
  return nodes.find((n) => n.self.id === id)!;
};
const notOwner = (nodes: SosimpleNode[], user: string) => nodes.find((n) => n !== owner(nodes, user))!;
/** The owner's successor: a node whose lookups do not pass through itself on the way back. */
const afterOwner = (nodes: SosimpleNode[], user: string) => {
  const o = owner(nodes, user);
  return nodes.find((n) => n.self.id === o.routing.successor.id)!;
};
const at = (n: SosimpleNode) => ({ host: n.self.host, port: n.self.port });
const aor = (user: string) => `sip:${user}@p2psip.org;alg=rsa-sha1;overlay=chat`;
const status = (rs: string): number => Number(rs.split(' ')[1]);

/** A user REGISTER (with a Contact) or, without one, a user query (SOS-WIRE-13). */
const userRegister = (n: SosimpleNode, user: string, withContact = true) =>
  peer.exchange(at(n), (b) => [
    ...peer.head('REGISTER', at(n), b, aor(user), aor(user)),
    ...(withContact ? [`Contact: <sip:${user}@${peer.host}:${peer.port};alg=rsa-sha1;overlay=chat>`, 'Expires: 600'] : []),
    ...peer.dht(),
    ...END,
  ]);
const invite = (n: SosimpleNode, user: string) =>
  peer.exchange(at(n), (b) => [...peer.head('INVITE', at(n), b, aor(user), aor('caller')).map((l) => (l.startsWith('INVITE ') ? `INVITE sip:${user}@p2psip.org SIP/2.0` : l)), ...peer.dht(), ...END]);

type Observe = (nodes: SosimpleNode[]) => Promise<unknown>;
const cases: Array<[string, string, Observe]> = [
  ['register-200-not-responsible', 'SOS-REG-1', async (nodes) => status(await userRegister(notOwner(nodes, 'alice'), 'alice'))],
  ['lookup-404-not-responsible', 'SOS-LOOKUP-1', async (nodes) => status(await invite(notOwner(nodes, 'alice'), 'alice'))],
  [
    'user-query-no-contacts',
    'SOS-LOOKUP-7',
    async (nodes) => {
      await userRegister(owner(nodes, 'bob'), 'bob');
      return headerLines(await userRegister(owner(nodes, 'bob'), 'bob', false), 'Contact').length;
    },
  ],
  [
    'redirect-loop',
    'SOS-LOOKUP-4',
    // The node's own lookup gives up on the loop (undefined); a healthy ring answers 404 ([]).
    async (nodes) => afterOwner(nodes, 'carol').ua.lookup('carol'),
  ],
];

describe('routing fault switches on a three-node ring', () => {
  let healthy: SosimpleNode[];
  beforeAll(async () => {
    healthy = await threeNodes(11_300, '');
  });

  it.each(cases)('%s (%s) changes the answer', async (fault, _requirement, observe) => {
    const faulty = await threeNodes(11_310 + 10 * cases.findIndex((c) => c[0] === fault), fault);
    const good = await observe(healthy);
    const bad = await observe(faulty);
    expect({ fault, observed: bad }).not.toEqual({ fault, observed: good });
  });

  it('redirect-loop: the owner sends a lookup to its P 1, whose redirect comes straight back', async () => {
    const faulty = await threeNodes(11_390, 'redirect-loop');
    const o = owner(faulty, 'carol');
    const first = await invite(o, 'carol');
    expect(status(first)).toBe(302);
    expect(headerLines(first, 'Contact')[0]).toContain(`sip:${o.routing.predecessor!.id}@`);
    const back = await invite(faulty.find((n) => n.self.id === o.routing.predecessor!.id)!, 'carol');
    expect(headerLines(back, 'Contact')[0]).toContain(`sip:${o.self.id}@`);
  });
});
