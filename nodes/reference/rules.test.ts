import * as sip from 'sip';
import { BindingStore } from './bindings';
import { ManualClock } from './clock';
import { parseFaults } from './faults';
import { NodeRef, nodeIdOf, resourceIdOf } from './ids';
import { successorOf, fingerStart } from './ring';
import { RoutingTable } from './routing';
import { RuleEnv, classifyRegister, handleLookup, handleRegister } from './rules';
import { checkRequest } from './validate';
import { FinalResponse, WireContext, buildResponse, linkEntries } from './wire';

// Four nodes on 10.0.0.1..4:5060; the tables hold the oracle's values.
const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'];
const nodes: NodeRef[] = addrs.map((h) => ({ id: nodeIdOf(h, 5060), host: h, port: 5060 })).sort((a, b) => (a.id < b.id ? -1 : 1));
const ids = nodes.map((n) => n.id);

function env(self: NodeRef, faults = ''): RuleEnv {
  const t = new RoutingTable(self);
  const at = ids.indexOf(self.id);
  t.predecessor = nodes[(at + 3) % 4];
  t.successors = [1, 2, 3].map((k) => nodes[(at + k) % 4]);
  for (const i of t.exponents) t.fingers.set(i, nodes[ids.indexOf(successorOf(fingerStart(self.id, i), ids))]);
  const ctx: WireContext = { self, overlay: 'chat', faults: parseFaults(faults), routing: t };
  return { ctx, store: new BindingStore(new ManualClock()) };
}

const nodeUri = (n: { id: string; host: string; port: number }): string => `sip:${n.id}@${n.host}${n.port === 5060 ? '' : ':' + n.port};user=node;alg=rsa-sha1;overlay=chat`;
const remote = (host: string): sip.Remote => ({ protocol: 'UDP', address: host, port: 5060 });

function msg(lines: string[]): sip.Message {
  const m = sip.parse(lines.join('\r\n') + '\r\n\r\n');
  if (!m) throw new Error('test message does not parse');
  return m;
}

function register(sender: NodeRef, to: string, extra: string[], from = nodeUri(sender)): sip.Message {
  return msg([
    `REGISTER sip:10.0.0.9 SIP/2.0`,
    `Via: SIP/2.0/UDP ${sender.host};branch=z9hG4bK-${Math.random()}`,
    `To: <${to}>`,
    `From: <${from}>;tag=1`,
    'Call-ID: t1',
    'CSeq: 1 REGISTER',
    'Max-Forwards: 70',
    `DHT-NodeID: rsa-sha1 ${sender.id} ${sender.host}`,
    ...extra,
  ]);
}

const joinOf = (j: NodeRef): string[] => [`Contact: <${nodeUri(j)}>`, 'Expires: 600', 'Require: dht', 'Supported: dht'];

function answer(e: RuleEnv, rq: sip.Message, from: string): FinalResponse {
  const c = checkRequest(rq, 'chat', e.ctx.faults);
  if (!c.ok) return c.refusal;
  return handleRegister(e, rq, c.inbound, remote(from)).response;
}

function contactOf(f: FinalResponse): string | undefined {
  return f.contact?.[0]?.uri;
}

describe('REGISTER rules', () => {
  const joiner = { id: nodeIdOf('10.0.0.9', 5060), host: '10.0.0.9', port: 5060 };
  const owner = nodes[ids.indexOf(successorOf(joiner.id, ids))];
  const other = nodes.find((n) => n.id !== owner.id) as NodeRef;

  it('SOS-WIRE-13 classes: join, leave, node query, user registration, user query', () => {
    const cls = (extra: string[], to = nodeUri(joiner)): string => {
      const c = checkRequest(register(joiner, to, [...extra, 'Require: dht']), 'chat', parseFaults(''));
      if (!c.ok) throw new Error('refused');
      return classifyRegister(c.inbound);
    };
    expect(cls([`Contact: <${nodeUri(joiner)}>`, 'Expires: 600'])).toBe('join');
    expect(cls([`Contact: <${nodeUri(joiner)}>`])).toBe('join');
    expect(cls([`Contact: <${nodeUri(joiner)}>`, 'Expires: 0'])).toBe('leave');
    expect(cls(['Expires: 0'])).toBe('node-query');
    expect(cls([`Contact: <sip:alice@10.0.0.9>`], 'sip:alice@10.0.0.9;alg=rsa-sha1;overlay=chat')).toBe('user-register');
    expect(cls([], 'sip:alice@10.0.0.9;alg=rsa-sha1;overlay=chat')).toBe('user-query');
  });

  it('SOS-JOIN-1/3 the owner admits with 200 naming its former P 1; others answer 302 with one node Contact', () => {
    const eo = env(owner);
    const formerP = eo.ctx.routing.predecessor;
    const ok = answer(eo, register(joiner, nodeUri(joiner), joinOf(joiner)), joiner.host);
    expect(ok.status).toBe(200);
    expect(ok.links?.predecessor?.id).toBe(formerP?.id);
    expect(eo.ctx.routing.predecessor?.id).toBe(joiner.id);
    const rs = buildResponse(eo.ctx, register(joiner, nodeUri(joiner), joinOf(joiner)), ok);
    const text = sip.stringify(rs);
    expect(text).toMatch(/\r\nRequire: dht\r\n/);
    expect(text).toMatch(new RegExp(`\\r\\nDHT-NodeID: rsa-sha1 ${owner.id} ${owner.host}\\r\\n`));
    expect(text.match(/\r\nDHT-Link: /g)?.length).toBeGreaterThanOrEqual(2); // one line per entry
    expect(text).toMatch(/\r\nTo: <[^>]+>;tag=\w+\r\n/);

    const eOther = env(other);
    const redirect = answer(eOther, register(joiner, nodeUri(joiner), joinOf(joiner)), joiner.host);
    expect(redirect.status).toBe(302);
    expect(redirect.contact).toHaveLength(1);
    expect(contactOf(redirect)).toMatch(/;user=node;alg=rsa-sha1;overlay=chat$/);
  });

  it('SOS-JOIN-3 fault join-200-not-responsible admits where a 302 is due', () => {
    expect(answer(env(other, 'join-200-not-responsible'), register(joiner, nodeUri(joiner), joinOf(joiner)), joiner.host).status).toBe(200);
  });

  it('SOS-JOIN-6 a Node-ID that is not the hash of its address gets 493 (fault no-493 admits)', () => {
    const liar = { ...joiner, id: nodeIdOf('10.4.5.23', 5060) };
    expect(answer(env(owner), register(liar, nodeUri(liar), joinOf(liar)), liar.host).status).toBe(493);
    const withPort = { ...joiner, port: 5070 }; // the ID was hashed with 5060
    expect(answer(env(owner), register(joiner, nodeUri(withPort), joinOf(withPort), nodeUri(withPort)), joiner.host).status).toBe(493);
    expect(answer(env(owner, 'no-493'), register(liar, nodeUri(liar), joinOf(liar)), liar.host).status).not.toBe(493);
  });

  it('SOS-JOIN-9 a third-party node registration gets 403', () => {
    expect(answer(env(owner), register(joiner, nodeUri(joiner), joinOf(joiner), nodeUri(other)), joiner.host).status).toBe(403);
    expect(answer(env(owner), register(joiner, nodeUri(joiner), joinOf(joiner)), '10.0.0.66').status).toBe(403);
  });

  it('SOS-ERR-7/2/3/4/5: 421 without Require dht, 420 unknown tag, 488 overlay or alg, 400 bad DHT-NodeID', () => {
    const e = env(owner);
    const base = joinOf(joiner).filter((l) => !l.startsWith('Require'));
    expect(answer(e, register(joiner, nodeUri(joiner), base), joiner.host).status).toBe(421);
    expect(answer(e, register(joiner, nodeUri(joiner), [...base, 'Require: dht, foo']), joiner.host).status).toBe(420);
    expect(answer(e, register(joiner, nodeUri(joiner).replace('overlay=chat', 'overlay=other'), [...base, 'Require: dht']), joiner.host).status).toBe(488);
    expect(answer(e, register(joiner, nodeUri(joiner).replace('alg=rsa-sha1', 'alg=md5'), [...base, 'Require: dht']), joiner.host).status).toBe(488);
    const badId = register(joiner, nodeUri(joiner), [...base, 'Require: dht']);
    badId.headers['dht-nodeid'] = 'rsa-sha1 463av4b449 10.0.0.9';
    expect(answer(e, badId, joiner.host).status).toBe(400);
    expect(answer(e, register(joiner, nodeUri(joiner), [...base, 'Require: dht', `DHT-Link: S 1 md5 ${owner.id} ${owner.host}`]), joiner.host).status).toBe(488);
    expect(answer(e, register(joiner, nodeUri(joiner), [...base, 'Require: dht', `DHT-Link: S 1 rsa-sha1 ${owner.id}`]), joiner.host).status).toBe(400);
  });

  it('SOS-LOOKUP-5/6 node query: 200 on the exact ID, 404 otherwise, 302 on the way; no state change', () => {
    const q = (searched: string, e: RuleEnv): FinalResponse =>
      answer(e, register(joiner, `sip:${searched}@10.0.0.9;user=node;alg=rsa-sha1;overlay=chat`, ['Require: dht', 'Supported: dht']), joiner.host);
    const eo = env(owner);
    const before = eo.ctx.routing.predecessor?.id;
    expect(q(owner.id, eo).status).toBe(200);
    expect(q(joiner.id, eo).status).toBe(404);
    expect(eo.ctx.routing.predecessor?.id).toBe(before);
    expect(q(joiner.id, env(other)).status).toBe(302);
    expect(q(joiner.id, env(owner, 'lookup-404-as-200')).status).toBe(200);
  });

  it('SOS-REG-2/3 and SOS-LOOKUP-2/3: store at the owner, 400 on a wrong resource-ID, lookups 302/404', () => {
    const rid = resourceIdOf('alice');
    const uOwner = nodes[ids.indexOf(successorOf(rid, ids))];
    const e = env(uOwner);
    const aor = 'sip:alice@10.0.0.9;alg=rsa-sha1;overlay=chat';
    const reg = (to: string): sip.Message => register(joiner, to, ['Contact: <sip:alice@10.0.0.9:5070>', 'Expires: 600', 'Require: dht'], aor);
    expect(answer(e, reg(`${aor};resource-ID=${resourceIdOf('bob')}`), joiner.host).status).toBe(400);
    const ok = answer(e, reg(`${aor};resource-ID=${rid}`), joiner.host);
    expect(ok.status).toBe(200);
    expect(contactOf(ok)).toBe('sip:alice@10.0.0.9:5070');
    const lookup = (user: string, en: RuleEnv): FinalResponse => {
      const c = checkRequest(msg([`INVITE sip:${user}@p2p SIP/2.0`, 'Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-2', `To: <sip:${user}@p2p;alg=rsa-sha1;overlay=chat>`, `From: <${aor}>;tag=2`, 'Call-ID: t2', 'CSeq: 1 INVITE', `DHT-NodeID: rsa-sha1 ${joiner.id} 10.0.0.9`, 'Require: dht']), 'chat', en.ctx.faults);
      if (!c.ok) throw new Error('refused');
      return handleLookup(en, c.inbound).response;
    };
    expect(lookup('alice', e)).toMatchObject({ status: 302, contact: [{ uri: 'sip:alice@10.0.0.9:5070' }] });
    const other2 = env(nodes.find((n) => n.id !== uOwner.id) as NodeRef);
    expect(contactOf(lookup('alice', other2))).toMatch(/user=node/);
    const carolOwner = nodes[ids.indexOf(successorOf(resourceIdOf('carol'), ids))];
    expect(lookup('carol', env(carolOwner)).status).toBe(404);
    expect(lookup('carol', env(carolOwner, 'unregistered-480')).status).toBe(480);
  });
});

describe('rule-level fault switches flip the answer', () => {
  const joiner = { id: nodeIdOf('10.0.0.9', 5060), host: '10.0.0.9', port: 5060 };
  const owner = nodes[ids.indexOf(successorOf(joiner.id, ids))];
  const other = nodes[(ids.indexOf(owner.id) + 2) % 4];

  it('accept-third-party (SOS-JOIN-9): no 403', () => {
    const rq = (): sip.Message => register(joiner, nodeUri(joiner), joinOf(joiner), nodeUri(other));
    expect(answer(env(owner), rq(), joiner.host).status).toBe(403);
    expect(answer(env(owner, 'accept-third-party'), rq(), joiner.host).status).not.toBe(403);
  });

  it('ignore-resource-id (SOS-REG-3): no 400', () => {
    const aor = 'sip:alice@10.0.0.9;alg=rsa-sha1;overlay=chat';
    const rq = (): sip.Message => register(joiner, `${aor};resource-ID=${resourceIdOf('bob')}`, ['Contact: <sip:alice@10.0.0.9>', 'Require: dht'], aor);
    expect(answer(env(owner), rq(), joiner.host).status).toBe(400);
    expect(answer(env(owner, 'ignore-resource-id'), rq(), joiner.host).status).not.toBe(400);
  });

  it('query-changes-state (SOS-LOOKUP-6): a query from a node in (P 1, self) moves P 1', () => {
    const q = (): sip.Message => register(joiner, `sip:${owner.id}@10.0.0.9;user=node;alg=rsa-sha1;overlay=chat`, ['Require: dht']);
    for (const [faults, moved] of [['', false], ['query-changes-state', true]] as const) {
      const e = env(owner, faults);
      answer(e, q(), joiner.host);
      expect(e.ctx.routing.predecessor?.id === joiner.id).toBe(moved);
    }
  });

  it('redirect-to-predecessor (SOS-JOIN-2): the 302 names P 1, never closer to the key', () => {
    const e = env(other);
    const healthy = contactOf(answer(e, register(joiner, nodeUri(joiner), joinOf(joiner)), joiner.host));
    const bad = contactOf(answer(env(other, 'redirect-to-predecessor'), register(joiner, nodeUri(joiner), joinOf(joiner)), joiner.host));
    const p = e.ctx.routing.predecessor as NodeRef;
    expect(healthy).not.toContain(p.id);
    expect(bad).toContain(p.id);
  });

  it.each([
    ['wrong-successor (SOS-RING-2)', 'wrong-successor'],
    ['dht-link-missing-s1 (SOS-JOIN-3)', 'dht-link-missing-s1'],
  ])('%s: S 1 is not the true successor', (_name, fault) => {
    const s1Of = (faults: string): string | undefined =>
      linkEntries(env(owner, faults).ctx, { links: 'neighbours' }).find((l) => l.type === 'S' && l.depth === 1)?.node.id;
    expect(s1Of('')).toBe(nodes[(ids.indexOf(owner.id) + 1) % 4].id);
    expect(s1Of(fault)).not.toBe(s1Of(''));
  });
});

describe('SOS-REG-7 replica copies', () => {
  it('SOS-REG-7 a copy marked `replica` is stored and answered 200 at a node that does not own the key', () => {
    const rid = resourceIdOf('alice');
    const notOwner = nodes[(ids.indexOf(successorOf(rid, ids)) + 1) % 4];
    const e = env(notOwner);
    const sender = { id: nodeIdOf('10.0.0.9', 5060), host: '10.0.0.9', port: 5060 };
    const aor = 'sip:alice@10.0.0.9;alg=rsa-sha1;overlay=chat';
    const rq = (to: string): sip.Message => register(sender, to, ['Contact: <sip:alice@10.0.0.9>', 'Expires: 600', 'Require: dht'], aor);
    expect(answer(e, rq(aor), sender.host).status).toBe(302);
    expect(answer(e, rq(`${aor};replica=1`), sender.host).status).toBe(200);
    const reg = e.store.registration(rid);
    expect(reg?.bindings.map((b) => b.replica)).toEqual([1]);
    expect(reg?.aor).toBe(aor); // the marker is not kept in the user's URI
  });
});
