import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKED_REQUIREMENTS, checkMessage, type CheckContext } from '../check';
import { registerClass } from '../check-sosimple';
import { parseMessage } from '../parse';
import { nodeQuery, nodeRegister, userRegister, dhtLinkValue, dhtNodeIdValue, responseTo, nodeUri } from '../craft';
import { MessageBuilder } from '../builder';
import { nodeIdOf } from '../../overlay/id';
import type { Finding } from '../types';

const J = { host: '10.0.0.14', port: 5060 };
const B = { host: '10.0.0.5', port: 5060 };
const R = { host: '10.0.0.3', port: 5070 };

function check(b: MessageBuilder, context: CheckContext = {}): Finding[] {
  const r = parseMessage(b.build());
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return checkMessage(r.message, context);
}
const errors = (f: Finding[]): string[] => [...new Set(f.filter((x) => x.severity === 'error').map((x) => x.requirement))].sort();
const warnings = (f: Finding[]): string[] => [...new Set(f.filter((x) => x.severity === 'warning').map((x) => x.requirement))].sort();

function joinOk(): MessageBuilder {
  const req = parseMessage(nodeRegister(J, R).build());
  if (!req.ok) throw new Error('bad join');
  return responseTo(req.message, 200, 'OK')
    .header('Contact', `<${nodeUri(J)}>`)
    .header('Expires', 600)
    .header('Require', 'dht')
    .header('Supported', 'dht')
    .header('DHT-NodeID', dhtNodeIdValue(R))
    .header('DHT-Link', dhtLinkValue('P', 1, B))
    .header('DHT-Link', dhtLinkValue('S', 1, { host: '10.0.0.10', port: 5060 }))
    .header('DHT-Link', dhtLinkValue('S', 2, { host: '10.0.0.11', port: 5060 }))
    .header('DHT-Link', dhtLinkValue('S', 3, { host: '10.0.0.12', port: 5060 }))
    .header('DHT-Link', dhtLinkValue('S', 4, { host: '10.0.0.13', port: 5060 }));
}

describe('checkMessage on correct messages', () => {
  it.each([
    ['join', () => nodeRegister(J, B)],
    ['join from a port other than 5060', () => nodeRegister(R, B)],
    ['leave', () => nodeRegister(J, B, { expires: 0 }).header('DHT-Link', dhtLinkValue('P', 1, B)).header('DHT-Link', dhtLinkValue('S', 1, R))],
    ['node query', () => nodeQuery(J, B, nodeIdOf('10.0.0.99', 5060))],
    ['user register', () => userRegister('alice', { host: '10.99.99.99', port: 5060 }, J, B)],
  ])('finds nothing wrong in a %s', (_name, make) => {
    expect(check(make())).toEqual([]);
  });

  it('finds nothing wrong in a 200 to a join', () => {
    expect(check(joinOk(), { role: 'join-ok' })).toEqual([]);
  });

  it('ignores plain SIP for the SOSIMPLE rules', () => {
    const b = MessageBuilder.request('OPTIONS', 'sip:bob@example.com')
      .header('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1').header('Max-Forwards', 70)
      .header('To', '<sip:bob@example.com>').header('From', '<sip:a@example.com>;tag=1')
      .header('Call-ID', 'c1').header('CSeq', '1 OPTIONS');
    expect(check(b)).toEqual([]);
  });
});

describe('checkMessage findings', () => {
  it('reports a missing mandatory header under SOS-WIRE-1', () => {
    const f = check(nodeRegister(J, B).remove('Max-Forwards'));
    expect(f).toEqual([expect.objectContaining({ requirement: 'SOS-WIRE-1', severity: 'error', found: 'none' })]);
  });

  it('reports an upper-case ID in DHT-NodeID at its line and column (SOS-ID-1)', () => {
    const upper = `rsa-sha1 ${nodeIdOf(J.host, J.port).toUpperCase()} ${J.host}`;
    const f = check(nodeRegister(J, B).set('DHT-NodeID', upper));
    expect(errors(f)).toEqual(['SOS-ID-1']);
    const line = Buffer.from(nodeRegister(J, B).build()).toString().split('\r\n').findIndex((l) => l.startsWith('DHT-NodeID')) + 1;
    expect(f[0]!.at).toEqual({ line, column: 'DHT-NodeID: rsa-sha1 '.length + 1 });
  });

  it('reports a Node-ID that is not the hash of its address (SOS-ID-2)', () => {
    const f = check(nodeRegister(J, B).set('DHT-NodeID', `rsa-sha1 ${nodeIdOf('10.0.0.15')} ${J.host}`));
    expect(errors(f)).toEqual(['SOS-ID-2']);
    expect(f[0]).toMatchObject({ expected: nodeIdOf(J.host), found: nodeIdOf('10.0.0.15') });
  });

  it('reports an unknown alg (SOS-ID-6)', () => {
    expect(errors(check(nodeRegister(J, B).set('DHT-NodeID', `md5 ${nodeIdOf(J.host)} ${J.host}`)))).toEqual(['SOS-ID-6']);
  });

  it('reports a missing Require: dht, and warns on "DHT" (SOS-WIRE-4)', () => {
    expect(errors(check(nodeRegister(J, B).remove('Require')))).toEqual(['SOS-WIRE-4']);
    const f = check(nodeRegister(J, B).set('Require', 'DHT'));
    expect(errors(f)).toEqual([]);
    expect(warnings(f)).toEqual(['SOS-WIRE-4']);
  });

  it('reports a missing or a second DHT-NodeID (SOS-WIRE-5)', () => {
    expect(errors(check(nodeRegister(J, B).remove('DHT-NodeID')))).toEqual(['SOS-WIRE-5']);
    expect(errors(check(nodeRegister(J, B).header('DHT-NodeID', dhtNodeIdValue(J))))).toEqual(['SOS-WIRE-5']);
  });

  it('reports DHT-Link grammar, range, duplicates and ID mismatches (SOS-WIRE-6), warns on lower case', () => {
    const ok = joinOk();
    expect(errors(check(ok.header('DHT-Link', `X 1 rsa-sha1 ${nodeIdOf(B.host)} ${B.host}`), { role: 'join-ok' }))).toEqual(['SOS-WIRE-6']);
    expect(errors(check(joinOk().header('DHT-Link', dhtLinkValue('F', 160, B)), { role: 'join-ok' }))).toEqual(['SOS-WIRE-6']);
    expect(errors(check(joinOk().header('DHT-Link', dhtLinkValue('S', 1, B)), { role: 'join-ok' }))).toEqual(['SOS-WIRE-6']);
    expect(errors(check(joinOk().header('DHT-Link', `F 2 rsa-sha1 ${nodeIdOf(B.host)} 10.0.0.6`), { role: 'join-ok' }))).toEqual(['SOS-WIRE-6']);
    const lower = check(joinOk().header('DHT-Link', dhtLinkValue('F', 2, B).replace(/^F/, 'f')), { role: 'join-ok' });
    expect([errors(lower), warnings(lower)]).toEqual([[], ['SOS-WIRE-6']]);
  });

  it('warns on odd header-name case (SOS-WIRE-7)', () => {
    const b = nodeRegister(J, B).remove('DHT-NodeID').header('dht-nodeid', dhtNodeIdValue(J));
    const f = check(b);
    expect([errors(f), warnings(f)]).toEqual([[], ['SOS-WIRE-7']]);
  });

  it('reads the P2P parameters as header parameters of a bare URI (SOS-WIRE-10)', () => {
    const bare = nodeUri(J);
    const b = nodeRegister(J, B).set('To', bare).set('From', `${bare};tag=9`).set('Contact', bare);
    expect(check(b)).toEqual([]);
  });

  it('reports a node URI without alg/overlay and a third-party join', () => {
    const noOverlay = `<sip:${nodeIdOf(J.host)}@${J.host};user=node;alg=rsa-sha1>`;
    expect(errors(check(nodeRegister(J, B).set('To', noOverlay).set('From', `${noOverlay};tag=1`).set('Contact', noOverlay)))).toEqual(['SOS-WIRE-2']);
    const other = `<${nodeUri({ host: '10.0.0.77', port: 5060 })}>;tag=1`;
    expect(errors(check(nodeRegister(J, B).set('From', other)))).toEqual(['SOS-JOIN-9']);
  });

  it('reports a node query that carries Expires, and a join without expiry (SOS-WIRE-8)', () => {
    expect(errors(check(nodeQuery(J, B, nodeIdOf('10.0.0.99')).header('Expires', 600)))).toEqual(['SOS-WIRE-8']);
    expect(errors(check(nodeRegister(J, B).remove('Expires')))).toEqual(['SOS-WIRE-8']);
  });

  it('reports a resource-ID that is not the hash of the username (SOS-WIRE-3)', () => {
    const b = userRegister('alice', { host: '10.99.99.99', port: 5060 }, J, B);
    const text = Buffer.from(b.build()).toString().replace(/resource-ID=[0-9a-f]+/, `resource-ID=${nodeIdOf('x')}`);
    const r = parseMessage(Buffer.from(text.replace(/Content-Length: \d+/, 'Content-Length: 0')));
    if (!r.ok) throw new Error(r.error.message);
    expect(errors(checkMessage(r.message))).toEqual(['SOS-WIRE-3']);
  });

  it('warns on the misspelled overlay-name, and reports it as the sender\'s error when judging the sender (SOS-WIRE-9)', () => {
    const uri = `<sip:${nodeIdOf(J.host)}@${J.host};user=node;alg=rsa-sha1;overlay-name=chat>`;
    const b = () => nodeRegister(J, B).set('To', uri).set('From', `${uri};tag=1`).set('Contact', uri);
    const f = check(b());
    expect([errors(f), warnings(f)]).toEqual([[], ['SOS-WIRE-9']]);
    const strict = check(b(), { sender: true });
    expect([errors(strict), warnings(strict)]).toEqual([['SOS-WIRE-9'], []]);
  });

  it('checks what a 200 to a join must carry (SOS-JOIN-3)', () => {
    expect(errors(check(joinOk().remove('DHT-Link'), { role: 'join-ok' }))).toEqual(['SOS-JOIN-3']);
    expect(errors(check(joinOk().remove('Contact'), { role: 'join-ok' }))).toEqual(['SOS-JOIN-3']);
  });

  it('checks a redirect: one node Contact (SOS-JOIN-1)', () => {
    const req = parseMessage(nodeRegister(J, B).build());
    if (!req.ok) throw new Error('bad');
    const redirect = () => responseTo(req.message, 302, 'Moved Temporarily')
      .header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(B))
      .header('DHT-Link', dhtLinkValue('P', 1, R)).header('DHT-Link', dhtLinkValue('S', 1, { host: '10.0.0.10', port: 5060 }));
    expect(check(redirect().header('Contact', `<${nodeUri(R)}>`), { role: 'redirect' })).toEqual([]);
    expect(errors(check(redirect().header('Contact', `<${nodeUri(R)}>, <${nodeUri(J)}>`), { role: 'redirect' }))).toEqual(['SOS-JOIN-1']);
    expect(errors(check(redirect().header('Contact', '<sip:alice@10.0.0.9>'), { role: 'redirect' }))).toEqual(['SOS-JOIN-1']);
    const noLinks = check(redirect().remove('DHT-Link').header('Contact', `<${nodeUri(R)}>`), { role: 'redirect' });
    expect([errors(noLinks), warnings(noLinks)]).toEqual([[], ['SOS-JOIN-1']]);
  });

  it('reports a final response without To-tag (RFC 3261 §8.2.6.2, SOS-WIRE-1)', () => {
    const f = check(joinOk().set('To', `<${nodeUri(J)}>`), { role: 'join-ok' });
    expect(f).toEqual([expect.objectContaining({ requirement: 'SOS-WIRE-1', expected: 'a tag parameter on To (RFC 3261 §8.2.6.2)' })]);
  });

  it('reports malformed base-SIP values with their position', () => {
    const f = check(nodeRegister(J, B).set('CSeq', '1 INVITE'));
    expect(f).toEqual([expect.objectContaining({ requirement: 'SOS-WIRE-1', expected: 'CSeq method REGISTER', found: 'INVITE' })]);
    expect(errors(check(nodeRegister(J, B).set('Via', 'SIP/2.0/UDP 10.0.0.14')))).toEqual(['SOS-WIRE-1']);
    expect(errors(check(nodeRegister(J, B).set('From', '"unterminated <sip:a@b>')))).toEqual(expect.arrayContaining(['SOS-WIRE-1']));
  });
});

describe('checkMessage with what the exchange tells it', () => {
  const V = { host: '10.0.0.9', port: 40123 };

  it('reports a node on a port other than 5060 that leaves its port out (SOS-WIRE-12)', () => {
    const id = nodeIdOf(V.host, V.port);
    const f = check(nodeRegister(V, B).set('DHT-NodeID', `rsa-sha1 ${id} ${V.host}`), { source: V });
    expect(errors(f)).toEqual(['SOS-WIRE-12']);
    expect(f.find((x) => x.requirement === 'SOS-WIRE-12')).toMatchObject({ expected: `${V.host}:${V.port}`, found: V.host });
    // Without knowing the source the same ID is only a wrong hash.
    expect(errors(check(nodeRegister(V, B).set('DHT-NodeID', `rsa-sha1 ${id} ${V.host}`)))).toEqual(['SOS-ID-2']);
  });

  it('reports a DHT-Link or Contact naming a known node without its port (SOS-WIRE-12)', () => {
    const link = `S 1 rsa-sha1 ${nodeIdOf(V.host, V.port)} ${V.host}`;
    expect(errors(check(joinOk().set('DHT-Link', link), { role: 'join-ok', knownNodes: [V] }))).toEqual(expect.arrayContaining(['SOS-WIRE-12']));
    expect(errors(check(joinOk().set('DHT-Link', link), { role: 'join-ok', knownNodes: [V] }))).not.toContain('SOS-WIRE-6');
  });

  it('warns on a DHT REGISTER whose Request-URI carries P2P parameters or names another node (SOS-WIRE-11)', () => {
    const good = check(nodeQuery(J, B, nodeIdOf('10.0.0.99')), { destination: B });
    expect(good).toEqual([]);
    const params = check(nodeQuery(J, B, nodeIdOf('10.0.0.99')).startLine(`REGISTER sip:${B.host};overlay=chat SIP/2.0`), { destination: B });
    expect([errors(params), warnings(params)]).toEqual([[], ['SOS-WIRE-11']]);
    expect(params[0]!.at).toEqual({ line: 1, column: 'REGISTER '.length + 1 });
    const elsewhere = check(nodeQuery(J, B, nodeIdOf('10.0.0.99')), { destination: R });
    expect(warnings(elsewhere)).toEqual(['SOS-WIRE-11']);
    // The node URI a 302 named is accepted as the Request-URI.
    expect(check(nodeRegister(J, R).startLine(`REGISTER ${nodeUri(R)} SIP/2.0`), { destination: R })).toEqual([]);
  });

  it('reports a node query whose To names the sender\'s host with another port (SOS-WIRE-13)', () => {
    const q = nodeQuery(V, B, nodeIdOf('10.0.0.99')).set('To', `<sip:${nodeIdOf('10.0.0.99')}@${V.host};user=node;alg=rsa-sha1;overlay=chat>`);
    expect(errors(check(q))).toEqual(['SOS-WIRE-13']);
  });

  it('checks a user REGISTER\'s Contact: the username, alg and overlay; resource-ID and no F entries SHOULD (SOS-REG-9)', () => {
    const ua = { host: '10.99.99.99', port: 5060 };
    const base = () => userRegister('alice', ua, J, B);
    expect(check(base())).toEqual([]);
    expect(errors(check(base().set('Contact', '<sip:bob@10.99.99.99;alg=rsa-sha1;overlay=chat>')))).toEqual(['SOS-REG-9']);
    expect(errors(check(base().set('Contact', '<sip:alice@10.99.99.99;alg=rsa-sha1>')))).toEqual(['SOS-REG-9']);
    const noRid = check(base().set('Contact', '<sip:alice@10.99.99.99;alg=rsa-sha1;overlay=chat>'));
    expect([errors(noRid), warnings(noRid)]).toEqual([[], ['SOS-REG-9']]);
    const finger = check(base().header('DHT-Link', dhtLinkValue('F', 3, B)));
    expect([errors(finger), warnings(finger)]).toEqual([[], ['SOS-REG-9']]);
  });

  it('reports a user request whose From user URI lacks alg or overlay (SOS-WIRE-3)', () => {
    const b = userRegister('alice', { host: '10.99.99.99', port: 5060 }, J, B).set('From', '<sip:alice@p2psip.org;overlay=chat>;tag=1');
    expect(errors(check(b))).toEqual(['SOS-WIRE-3']);
  });

  it('judges a 200 to a neighbour REGISTER: 200 with P 1 and S 1 (SOS-MAINT-7)', () => {
    expect(check(joinOk(), { role: 'neighbour-ok' })).toEqual([]);
    expect(errors(check(joinOk().remove('DHT-Link'), { role: 'neighbour-ok' }))).toEqual(['SOS-MAINT-7']);
  });

  it('does not judge a response\'s Contact that echoes the requester\'s own', () => {
    const forged = `sip:${nodeIdOf('10.0.0.77')}@${J.host};user=node;alg=rsa-sha1;overlay=chat`;
    const echo = joinOk().set('Contact', `<${forged}>`);
    expect(errors(check(echo, { role: 'join-ok' }))).toEqual(['SOS-ID-2']);
    expect(check(echo, { role: 'join-ok', echoedContacts: [forged] })).toEqual([]);
  });

  it('does not ask the last hop to a user agent for a DHT-NodeID (SOS-WIRE-4 decision)', () => {
    const direct = userRegister('alice', J, J, B).remove('Require').remove('DHT-NodeID');
    expect(check(direct, { role: 'direct' })).toEqual([]);
    expect(errors(check(direct.header('DHT-NodeID', 'rsa-sha1 nothex 10.0.0.14'), { role: 'direct' }))).toEqual(['SOS-ID-1']);
  });

  it('judges base SIP only when told so', () => {
    expect(errors(check(nodeRegister(J, B).remove('DHT-NodeID').remove('Max-Forwards'), { sipOnly: true }))).toEqual(['SOS-WIRE-1']);
  });

  it('classifies REGISTERs by SOS-WIRE-13', () => {
    const parsed = (b: MessageBuilder) => {
      const r = parseMessage(b.build());
      if (!r.ok) throw new Error(r.error.message);
      return r.message;
    };
    expect([
      registerClass(parsed(nodeRegister(J, B))),
      registerClass(parsed(nodeRegister(J, B, { expires: 0 }))),
      registerClass(parsed(nodeQuery(J, B, nodeIdOf('10.0.0.99')))),
      registerClass(parsed(nodeQuery(J, B, nodeIdOf('10.0.0.99')).header('Expires', 600))),
      registerClass(parsed(userRegister('alice', J, J, B))),
      registerClass(parsed(userRegister('alice', J, J, B).remove('Contact'))),
    ]).toEqual(['join', 'leave', 'node-query', 'node-query', 'user-register', 'user-query']);
  });
});

describe('CHECKED_REQUIREMENTS', () => {
  it('names exactly the requirements the checker can report', () => {
    const source = ['check.ts', 'check-sosimple.ts'].map((f) => readFileSync(join(__dirname, '..', f), 'utf8')).join('\n');
    const reported = new Set([...source.matchAll(/(?:add|addValue)\('(SOS-[A-Z]+-\d+)'/g)].map((m) => m[1]!));
    for (const m of source.matchAll(/checkNeighbourLinks\(links, '(SOS-[A-Z]+-\d+)'/g)) reported.add(m[1]!);
    expect(CHECKED_REQUIREMENTS.map((r) => r.id).sort()).toEqual([...reported].sort());
  });
});
