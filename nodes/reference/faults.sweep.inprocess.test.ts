// The fault switches behind the wire sweep and the maintenance, admission, registration,
// presence and error checks: each changes what the node sends or does, next to a healthy node
// given the same input, so the suite check built on it can be seen to fail.
import dgram = require('dgram');
import * as sip from 'sip';
import { Faults, FaultName } from './faults';
import { nodeIdOf, resourceIdOf } from './ids';
import { InProcessRing, loopbackAddress } from './inprocess';
import { SosimpleNode } from './node';
import { RoutingTable } from './routing';
import { successorOf } from './ring';
import { END, RawPeer, headerLines as lines, ringMismatches, waitFor } from './test-support';
import { UserRegistrar } from './user-registrar';
import { WireContext, buildResponse, nodeQuery, nodeRegister, selfUri } from './wire';

jest.setTimeout(40_000);

const rings: InProcessRing[] = [];
let nextAddress = 12_000;
function newRing(extra: Partial<ConstructorParameters<typeof InProcessRing>[0]> = {}): InProcessRing {
  const r = new InProcessRing({ port: 5070, firstAddress: nextAddress, stabilizeMs: 150, failureTimeoutMs: 900, joinRetryMs: 200, ...extra });
  nextAddress += 20;
  rings.push(r);
  return r;
}
const peer = new RawPeer(loopbackAddress(12_999), 5071);
beforeAll(() => peer.start());
afterAll(async () => {
  for (const r of rings) await r.close();
  await peer.close();
});

// ---- what the builders write (wire.ts) --------------------------------------------------
describe('fault switches in the messages a node builds', () => {
  const self = { id: nodeIdOf('127.0.9.1', 5070), host: '127.0.9.1', port: 5070 };
  const other = { id: nodeIdOf('127.0.9.2', 5071), host: '127.0.9.2', port: 5071 };
  const ctx = (fault?: FaultName): WireContext => {
    const routing = new RoutingTable(self);
    routing.setSuccessors(other, []);
    return { self, overlay: 'chat', faults: new Faults(fault ? [fault] : []), routing };
  };
  const text = (m: sip.Message): string => sip.stringify(m);
  const request = sip.parse(['OPTIONS sip:127.0.9.1:5070 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.9.2:5071;branch=z9hG4bK1', 'To: <sip:x@127.0.9.1>', 'From: <sip:y@127.0.9.2>;tag=1', 'Call-ID: c1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'))!;

  it('links-without-port changes the DHT-Link entries of a user REGISTER', () => {
    const written = (faults: FaultName[]): string[] => {
      const node = new SosimpleNode({ address: self.host, port: self.port, overlay: 'chat', users: ['ann'], buddies: [], faults: new Faults(faults), stabilizeMs: 1000, fingerMs: 1000, failureTimeoutMs: 500, joinRetryMs: 1000, expires: 600 });
      node.routing.setSuccessors(other, []);
      return lines(text(new UserRegistrar(node).build('ann', 600, other)), 'DHT-Link');
    };
    expect(written([])).toEqual([`DHT-Link: S 1 rsa-sha1 ${other.id} 127.0.9.2:5071`]);
    expect(written(['links-without-port'])).toEqual([`DHT-Link: S 1 rsa-sha1 ${other.id} 127.0.9.2`]);
  });

  it.each<[FaultName, (c: WireContext) => unknown]>([
    ['contact-without-user-node', (c) => lines(text(nodeRegister(c, other, 600, 'none')), 'Contact')[0]?.includes('user=node')],
    ['query-with-expires', (c) => lines(text(nodeQuery(c, other, other.id)), 'Expires').length],
    ['query-to-target-host', (c) => lines(text(nodeQuery(c, other, other.id)), 'To')[0]],
    ['ruri-with-overlay', (c) => nodeQuery(c, other, other.id).uri],
    ['dht-header-name-case', (c) => text(nodeQuery(c, other, other.id)).includes('\r\nDHT-NodeID: ')],
    ['overlay-name-param', (c) => selfUri(c)],
    ['alg-sha1-in-responses', (c) => lines(text(buildResponse(c, request, { status: 200, p2p: true })), 'DHT-NodeID')[0]],
  ])('%s changes what is written', (fault, observe) => {
    expect({ fault, observed: observe(ctx(fault)) }).not.toEqual({ fault, observed: observe(ctx()) });
  });
});

// ---- what a lone node answers a raw peer -------------------------------------------------
describe('fault switches in what a lone node answers', () => {
  const at = (n: SosimpleNode) => ({ host: n.self.host, port: n.self.port });
  const register = (n: SosimpleNode, extra: string[] = []) =>
    peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b), `Contact: <${peer.uri}>`, 'Expires: 600', ...peer.dht(), ...extra, ...END]);
  const leave = (n: SosimpleNode) =>
    peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b), `Contact: <${peer.uri}>`, 'Expires: 0', ...peer.dht(), ...END]).catch(() => '');
  const status = (rs: string): string => rs.split(' ')[1] ?? rs;
  const ownQuery = (n: SosimpleNode, to: string, extra: string[] = [], from = peer.uri, dht = peer.dht()) =>
    peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b, 'PLACEHOLDER', from).map((l) => (l.startsWith('To: ') ? `To: ${to}` : l)), ...dht, ...extra, ...END]);

  type Case = [FaultName, (n: SosimpleNode) => Promise<unknown>];
  const cases: Case[] = [
    // SOS-WIRE-10: the P2P parameters after `>` are header parameters, read all the same.
    ['params-inside-only', async (n) => status(await ownQuery(n, `<sip:${n.self.id}@${peer.host}:${peer.port}>;user=node;alg=rsa-sha1;overlay=chat`))],
    // SOS-WIRE-12: a Node-ID hashed with 5060 while the URI says 5071 is refused.
    [
      'id-check-ignores-port',
      async (n) => {
        const id = nodeIdOf(peer.host, 5060);
        const uri = `sip:${id}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`;
        const dht = [`DHT-NodeID: rsa-sha1 ${id} ${peer.host}:${peer.port}`, 'Require: dht', 'Supported: dht'];
        return status(await peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b, uri, uri), `Contact: <${uri}>`, 'Expires: 600', ...dht, ...END]));
      },
    ],
    // SOS-WIRE-13: without a Contact a REGISTER is a query, whatever its Expires.
    ['expires-query-is-join', async (n) => status(await ownQuery(n, `<sip:${n.self.id}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat>`, ['Expires: 600']))],
    // SOS-ERR-8: a querier whose From is not the hash of its address gets 493.
    [
      'query-no-493',
      async (n) => {
        const forged = `sip:${nodeIdOf('10.9.9.9', 5060)}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`;
        const dht = [`DHT-NodeID: rsa-sha1 ${nodeIdOf('10.9.9.9', 5060)} ${peer.host}:${peer.port}`, 'Require: dht', 'Supported: dht'];
        return status(await ownQuery(n, `<sip:${n.self.id}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat>`, [], forged, dht));
      },
    ],
    // SOS-JOIN-7: a second join refreshes; one Contact comes back.
    ['rejoin-duplicate-contact', async (n) => (await register(n), (lines(await register(n), 'Contact')[0] ?? '').split('>,').length)],
    // SOS-MAINT-7: the refresh from P 1 is answered with P 1 and S 1.
    ['refresh-without-p1', async (n) => (await register(n), lines(await register(n), 'DHT-Link').map((l) => l.split(' ').slice(1, 3).join(' ')))],
    // SOS-JOIN-12: F entries in a join 200 (none from a healthy node).
    ['join-200-wrong-fingers', async (n) => lines(await register(n), 'DHT-Link').filter((l) => / F \d+ /.test(l)).length],
  ];

  it.each(cases)('%s changes the answer', async (fault, send) => {
    const healthy = await newRing().add();
    const faulty = await newRing().add({ faults: fault });
    const good = await send(healthy);
    await leave(healthy);
    const bad = await send(faulty);
    await leave(faulty);
    expect({ fault, observed: bad }).not.toEqual({ fault, observed: good });
  });
});

// ---- what a node does in a ring -----------------------------------------------------------
/** A user name whose Resource-ID the node `ownerId` holds in a ring of `ids`. */
function userOwnedBy(ownerId: string, ids: string[]): string {
  for (let i = 0; ; i++) if (successorOf(resourceIdOf(`w${i}`), ids) === ownerId) return `w${i}`;
}

/**
 * Once P 1 and S 1 are right: whether `stale` still lists fingers. A healthy ring gets up to
 * 10 s to repair them; a faulty one is judged after 2 s, since its stale entries never heal.
 */
async function settledFingers(ring: InProcessRing, stale: () => string[], faulty: boolean): Promise<boolean> {
  await waitFor('P 1 and S 1 right', () => ringMismatches(ring.states()).every((m) => / F \d+$/.test(m)), 10_000);
  if (faulty) await new Promise((r) => setTimeout(r, 2000));
  else await waitFor('fingers right', () => stale().length === 0, 10_000).catch(() => undefined);
  return stale().length > 0;
}

describe('fault switches in what a node does in a ring', () => {
  it.each<[string, string]>([
    ['healthy', ''],
    ['register-before-join (SOS-REG-8)', 'register-before-join'],
  ])('%s: the first thing a node sends its bootstrap', async (_name, faults) => {
    const sock = dgram.createSocket('udp4');
    const host = loopbackAddress(12_998);
    await new Promise<void>((r) => sock.bind(5072, host, () => r()));
    const first = new Promise<string>((r) => sock.once('message', (d) => r(d.toString('latin1'))));
    const ring = newRing();
    const n = new SosimpleNode({ ...ringConfig(ring), bootstrap: { host, port: 5072 }, users: ['alice'], faults: new Faults(faults ? [faults as FaultName] : []) });
    try {
      await n.start();
      const got = await first;
      expect(/^To: [^\r]*user=node/m.test(got)).toBe(!faults);
    } finally {
      n.kill();
      sock.close();
    }
  });

  /** A config for a node outside the ring helper, at the ring's next address. */
  function ringConfig(ring: InProcessRing): ConstructorParameters<typeof SosimpleNode>[0] {
    return {
      address: loopbackAddress((ring.opts.firstAddress ?? 0) + 19),
      port: 5070,
      overlay: 'chat',
      users: [],
      buddies: [],
      faults: new Faults(),
      stabilizeMs: 10_000,
      fingerMs: 10_000,
      failureTimeoutMs: 500,
      joinRetryMs: 10_000,
      expires: 600,
    };
  }

  it.each<[string, FaultName | '', (stores: ReturnType<SosimpleNode['snapshot']>['bindings'][], user: string) => unknown]>([
    ['healthy copies', '', (s, u) => s.flat().filter((b) => b.user === u).length],
    ['replica-unmarked (SOS-REG-7)', 'replica-unmarked', (s, u) => s.flat().filter((b) => b.user === u).length],
  ])('%s: a user REGISTER and its copy at the successor', async (_name, fault, count) => {
    const ring = newRing();
    const a = await ring.add();
    // The registering node owns the user, so the copy goes to a over the wire.
    const bId = nodeIdOf(loopbackAddress((ring.opts.firstAddress ?? 0) + 1), 5070);
    const b = await ring.add({ users: [userOwnedBy(bId, [a.self.id, bId])], faults: fault });
    expect(b.self.id).toBe(bId);
    const user = b.cfg.users[0]!;
    await waitFor('the user registered', () => b.ua.view().registered.includes(user), 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(count([a.snapshot().bindings, b.snapshot().bindings], user)).toBe(fault ? 1 : 2);
  });

  it.each<[FaultName, (reg: { aor: string; contacts: string[] }) => boolean]>([
    ['user-uri-no-alg', (reg) => reg.aor.includes('alg=')],
    ['user-contact-no-overlay', (reg) => reg.contacts.every((c) => c.includes('overlay='))],
  ])('%s changes what the owner stores', async (fault, observe) => {
    const seen: boolean[] = [];
    for (const faults of ['', fault]) {
      const ring = newRing();
      const a = await ring.add();
      const b = await ring.add({ users: ['carol'], faults });
      await waitFor('carol registered', () => b.ua.view().registered.includes('carol'), 5000);
      const owner = [a, b].find((n) => n.store.registration(resourceIdOf('carol')))!;
      const reg = owner.store.registration(resourceIdOf('carol'))!;
      seen.push(observe({ aor: reg.aor, contacts: reg.bindings.map((x) => x.contact) }));
    }
    expect(seen).toEqual([true, false]);
  });

  it('no-buddy-subscribe (SOS-PRES-5): alice never subscribes to bob on her own', async () => {
    const states: string[] = [];
    for (const faults of ['', 'no-buddy-subscribe']) {
      const ring = newRing();
      await ring.add({ users: ['bob'] });
      const alice = await ring.add({ users: ['alice'], buddies: ['bob'], faults });
      const state = () => alice.snapshot().presence.buddies.find((x) => x.buddy === 'bob')?.state ?? 'none';
      await waitFor('bob active', () => state() === 'active', faults ? 1500 : 8000).catch(() => undefined);
      states.push(state());
    }
    expect(states).toEqual(['active', 'none']);
  });

  it('no-register-refresh (SOS-MAINT-1): a successor that lost its P 1 never hears from it again', async () => {
    const seen: (string | null)[] = [];
    for (const faults of ['', 'no-register-refresh']) {
      const ring = newRing();
      const a = await ring.add();
      const b = await ring.add({ faults });
      await waitFor('a stable ring', () => ringMismatches(ring.states()).length === 0, 10_000);
      a.routing.predecessor = null; // as if the entry had expired at a
      await waitFor('a P 1 again', () => a.snapshot().predecessor !== null, 1500).catch(() => undefined);
      seen.push(a.snapshot().predecessor?.id === b.self.id ? 'b' : null);
    }
    expect(seen).toEqual(['b', null]);
  });

  it.each<[string, FaultName | '']>([
    ['healthy', ''],
    ['no-finger-refresh (SOS-MAINT-6)', 'no-finger-refresh'],
  ])('%s: the first node\'s fingers after seven more joins', async (_name, fault) => {
    const ring = newRing();
    const first = await ring.add({ faults: fault });
    for (let i = 0; i < 7; i++) await ring.add();
    const stale = () => ringMismatches(ring.states()).filter((m) => m.startsWith(`${first.self.host} F`));
    expect(await settledFingers(ring, stale, !!fault)).toBe(!!fault);
  });

  it.each<[string, FaultName | '']>([
    ['healthy', ''],
    ['finger-refresh-stops-when-quiet (SOS-RING-4)', 'finger-refresh-stops-when-quiet'],
  ])('%s: fingers after joins that come once the ring has been quiet', async (_name, fault) => {
    const ring = newRing();
    for (let i = 0; i < 3; i++) await ring.add({ faults: fault });
    await waitFor('a stable ring', () => ringMismatches(ring.states()).length === 0, 10_000);
    await new Promise((r) => setTimeout(r, 2500)); // more than 3 quiet rounds (150–300 ms each)
    for (let i = 0; i < 5; i++) await ring.add();
    expect(await settledFingers(ring, () => ringMismatches(ring.states()), !!fault)).toBe(!!fault);
  });

  it.each<[string, FaultName | '']>([
    ['healthy', ''],
    ['adopt-join-fingers (SOS-JOIN-10)', 'adopt-join-fingers'],
  ])('%s: a joiner admitted with F entries in the 200', async (_name, fault) => {
    const ring = newRing();
    await ring.add({ faults: 'join-200-wrong-fingers' });
    const joiner = await ring.add({ faults: fault });
    await ring.add();
    const stale = () => ringMismatches(ring.states()).filter((m) => m.startsWith(`${joiner.self.host} F`));
    expect(await settledFingers(ring, stale, !!fault)).toBe(!!fault);
  });
});
