import { checkMessage, type CheckContext } from '../check';
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

  it('warns on the misspelled overlay-name (SOS-WIRE-9)', () => {
    const uri = `<sip:${nodeIdOf(J.host)}@${J.host};user=node;alg=rsa-sha1;overlay-name=chat>`;
    const f = check(nodeRegister(J, B).set('To', uri).set('From', `${uri};tag=1`).set('Contact', uri));
    expect([errors(f), warnings(f)]).toEqual([[], ['SOS-WIRE-9']]);
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
