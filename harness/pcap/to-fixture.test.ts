// pcap2fixture's pure part: captures written with our own writer (and the committed example)
// turned into fixtures that load, whose placeholders are consistent, and whose expectations
// are what the catalogue requires, whatever the captured node answered.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFixture } from '../fixtures/fixture';
import { catalogue } from '../catalogue/catalogue';
import { nodeIdOf, resourceIdOf } from '../overlay/id';
import { dhtLinkValue, dhtNodeIdValue, nodeQuery, nodeRegister, responseTo, userLookup, userRegister, type Endpoint } from '../sip/craft';
import type { MessageBuilder } from '../sip/builder';
import { parseMessage } from '../sip/parse';
import { extractSip, extractSipFromFile } from './extract';
import { readCapture } from './reader';
import { captureToFixture, CaptureToFixtureError, parseTime, type ToFixtureOptions } from './to-fixture';
import { writePcap, type CapturePacket } from './writer';

const KNOWN = new Set(catalogue().keys());
const TARGET: Endpoint = { host: '10.1.0.2', port: 5060 };
const OTHER: Endpoint = { host: '10.1.0.3', port: 5060 };
const HARNESS: Endpoint = { host: '10.1.0.1', port: 40100 };
const T0 = 1_764_000_000_000;

interface Sent {
  from: Endpoint;
  to: Endpoint;
  bytes: Uint8Array;
}

function capture(messages: Sent[]): Uint8Array {
  const packets: CapturePacket[] = messages.map((m, i) => ({ timeMs: T0 + i * 10, src: { ip: m.from.host, port: m.from.port }, dst: { ip: m.to.host, port: m.to.port }, transport: 'udp', payload: m.bytes }));
  return writePcap(packets);
}

const derive = (bytes: Uint8Array, o: Partial<ToFixtureOptions> = {}) => captureToFixture(extractSip(readCapture(bytes)), { source: 'test.pcap', knownRequirements: KNOWN, ...o });
const parsed = (b: MessageBuilder) => {
  const r = parseMessage(b.build());
  if (!r.ok) throw new Error(r.error.message);
  return r.message;
};
const sendBlock = (yaml: string): string => yaml.split('    send: |\n')[1]!.split('    expect:')[0]!;

/** The target's answer to a node query for its own ID, with or without S 1. */
function queryOk(query: MessageBuilder, withS1: boolean): MessageBuilder {
  const b = responseTo(parsed(query), 200, 'OK').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(TARGET)).header('DHT-Link', dhtLinkValue('P', 1, OTHER));
  if (withS1) b.header('DHT-Link', dhtLinkValue('S', 1, OTHER));
  return b;
}

describe('the committed example (fixtures/pcap)', () => {
  const root = join(__dirname, '..', '..');
  const name = 'fixtures/pcap/node-query-missing-s1';

  it('pcap2fixture of the committed capture reproduces the committed fixture and note, byte for byte', () => {
    const d = captureToFixture(extractSipFromFile(join(root, `${name}.pcap`)), { source: `${name}.pcap`, knownRequirements: KNOWN });
    expect(d.yaml).toBe(readFileSync(join(root, `${name}.yaml`), 'utf8'));
    expect(d.note).toBe(readFileSync(join(root, `${name}.note.md`), 'utf8'));
  });
});

describe('templates: the same value is the same placeholder everywhere', () => {
  const query = nodeQuery(HARNESS, TARGET, nodeIdOf(TARGET.host, TARGET.port), { callId: 'abc123@10.1.0.1', branch: 'z9hG4bKfeedbeef', tag: 'tag77' });
  const bytes = capture([
    { from: HARNESS, to: TARGET, bytes: query.build() },
    { from: TARGET, to: HARNESS, bytes: queryOk(query, false).build() },
  ]);
  const d = derive(bytes);

  it('loads, and holds no captured address, ID, branch, tag or Call-ID', () => {
    expect(() => parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN })).not.toThrow();
    for (const s of ['10.1.0.1', '10.1.0.2', '40100', nodeIdOf(TARGET.host, 5060), nodeIdOf(HARNESS.host, HARNESS.port), 'z9hG4bKfeedbeef', 'tag77', 'abc123']) expect(sendBlock(d.yaml)).not.toContain(s);
    expect(sendBlock(d.yaml)).toBe(
      [
        'REGISTER sip:{{target.hostport}} SIP/2.0',
        'Via: SIP/2.0/UDP {{self.host}}:{{self.port}};branch={{branch}};rport',
        'Max-Forwards: 70',
        'To: <sip:{{target.id}}@{{self.hostport}};user=node;alg=rsa-sha1;overlay={{overlay}}>',
        'From: <{{self.uri}}>;tag={{tag}}',
        'Call-ID: {{callId}}',
        'CSeq: {{cseq}} REGISTER',
        'Require: dht',
        'Supported: dht',
        'DHT-NodeID: rsa-sha1 {{self.id}} {{self.hostport}}',
        'Content-Length: {{contentLength}}',
        '',
      ]
        .map((l) => (l ? `      ${l}` : l))
        .join('\n'),
    );
  });

  it('expects what the catalogue requires (S 1 and P 1 from the oracle), not the captured answer without S 1', () => {
    const f = parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN });
    expect(f.requirements).toEqual(['SOS-LOOKUP-5']);
    expect(f.steps[0]!.expect).toMatchObject({ status: [200], role: 'query-ok', findings: 'none', answeredBy: '{{target.id}}' });
    expect(f.steps[0]!.expect!.links.map((l) => [l.type, l.depth, l.id])).toEqual([
      ['S', 1, '{{expected.successor}}'],
      ['P', 1, '{{expected.predecessor}}'],
    ]);
    expect(d.note).toContain('| `z9hG4bKfeedbeef` | `{{branch}}` | Via branch |');
    expect(d.note).toContain(`| target | the node under test | 10.1.0.2:5060 | ${nodeIdOf(TARGET.host, TARGET.port)} |`);
  });

  it('uses the requirement the user names', () => {
    expect(derive(bytes, { requirements: ['SOS-RING-2'] }).requirements).toEqual(['SOS-RING-2']);
    expect(() => derive(bytes, { requirements: ['SOS-RING-99'] })).toThrow('test.pcap: SOS-RING-99 is not in the catalogue');
  });
});

describe('expectations come from the catalogue', () => {
  it('a node query for a foreign key answered 200 (the lookup-404-as-200 fault) expects 404, with the key as {{key}}', () => {
    const key = 'f'.repeat(40);
    const query = nodeQuery(HARNESS, TARGET, key);
    const d = derive(capture([
      { from: HARNESS, to: TARGET, bytes: query.build() },
      { from: TARGET, to: HARNESS, bytes: queryOk(query, true).build() },
    ]));
    const f = parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN });
    expect(f.steps[0]!.expect!.status).toEqual([404]);
    expect(f.steps[0]!.send!.text).toContain('To: <sip:{{key}}@{{self.hostport}};');
    expect(f.description).toContain('In the capture the node answered 200 OK (SOS-LOOKUP-5: answered SIP/2.0 200 OK; the catalogue requires 404).');
  });

  it('a REGISTER without Require: dht answered 200 (no-421) expects 421 naming dht', () => {
    const join = nodeRegister(HARNESS, TARGET).remove('Require');
    const ok = responseTo(parsed(join), 200, 'OK').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(TARGET));
    const f = parseFixture(derive(capture([{ from: HARNESS, to: TARGET, bytes: join.build() }, { from: TARGET, to: HARNESS, bytes: ok.build() }])).yaml, 'x.yaml', { knownRequirements: KNOWN });
    expect(f.requirements).toEqual(['SOS-ERR-7']);
    expect(f.steps[0]!.expect).toMatchObject({ status: [421], matches: [{ name: 'Require', pattern: '(^|,)\\s*dht\\s*(,|$)' }] });
    expect(f.steps[0]!.expect!.answeredBy).toBeUndefined();
  });

  it('an admitted join expects the Contact echoed with the joiner\'s ID and the oracle\'s P 1 and S 1', () => {
    const join = nodeRegister(HARNESS, TARGET);
    const ok = responseTo(parsed(join), 200, 'OK').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(TARGET)).header('Contact', `<sip:${nodeIdOf(HARNESS.host, HARNESS.port)}@10.1.0.1:40100;user=node;alg=rsa-sha1;overlay=chat>`).header('Expires', 600).header('DHT-Link', dhtLinkValue('S', 1, OTHER));
    const d = derive(capture([{ from: HARNESS, to: TARGET, bytes: join.build() }, { from: TARGET, to: HARNESS, bytes: ok.build() }]));
    const f = parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN });
    expect(f.requirements).toEqual(['SOS-JOIN-3']);
    expect(f.steps[0]!.send!.text).toContain('Contact: <{{self.uri}}>');
    expect(f.steps[0]!.expect).toMatchObject({ status: [200], role: 'join-ok', uris: [{ header: 'contact', user: '{{self.id}}', params: [{ name: 'user', value: 'node' }] }] });
  });
});

describe('choosing the exchange', () => {
  const q1 = nodeQuery(HARNESS, TARGET, nodeIdOf(TARGET.host, TARGET.port), { callId: 'good@x' });
  const q2 = nodeQuery(HARNESS, OTHER, nodeIdOf(OTHER.host, OTHER.port), { callId: 'bad@x' });
  const bad = responseTo(parsed(q2), 200, 'OK').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(OTHER));
  const bytes = capture([
    { from: HARNESS, to: TARGET, bytes: q1.build() },
    { from: TARGET, to: HARNESS, bytes: queryOk(q1, true).build() },
    { from: HARNESS, to: OTHER, bytes: q2.build() },
    { from: OTHER, to: HARNESS, bytes: bad.build() },
  ]);

  it('the first failing transaction by default: the answerer is the target', () => {
    const d = derive(bytes);
    expect(d.frames).toEqual([3, 4]);
    expect(d.note).toContain('| target | the node under test | 10.1.0.3:5060 |');
  });

  it('by Call-ID, even a passing one', () => {
    expect(derive(bytes, { callId: 'good@x' }).frames).toEqual([1, 2]);
  });

  it('by time window: ISO 8601, epoch seconds or +seconds from the first packet', () => {
    expect(derive(bytes, { window: { from: '+0', to: '+0.015' } }).frames).toEqual([1, 2]);
    expect(parseTime('2025-11-24T16:00:00.000000001Z', 0n)).toBe(1_764_000_000_000_000_001n);
    expect(parseTime('1764000000.5', 0n)).toBe(1_764_000_000_500_000_000n);
  });

  it('--target picks the failing transaction of that endpoint only; none failing is an error naming what to do', () => {
    expect(() => derive(bytes, { target: '10.1.0.2' })).toThrow(/test\.pcap: no failing transaction: 1 answered transaction\(s\) judged.*--call-id/);
  });

  it.each([
    ['an unknown Call-ID', { callId: 'nosuch' }, /^test\.pcap: no SIP request with Call-ID nosuch \(Call-IDs in the capture: good@x, bad@x\)$/],
    ['an empty window', { window: { from: '+5', to: '+6' } }, /^test\.pcap: no SIP request between .* \(the capture's SIP messages span .*\)$/],
    ['a bad time', { window: { from: 'yesterday', to: '+6' } }, /is not a time/],
    ['two ways of choosing', { callId: 'good@x', firstFailing: true }, /choose the exchange one way/],
    ['a target not in the exchange', { callId: 'good@x', target: '10.9.9.9:5060' }, /the target 10\.9\.9\.9:5060 takes no part/],
  ])('%s is an error naming the file and the reason', (_label, o, message) => {
    expect(() => derive(bytes, o as Partial<ToFixtureOptions>)).toThrow(message);
    expect(() => derive(bytes, o as Partial<ToFixtureOptions>)).toThrow(CaptureToFixtureError);
  });

  it('a capture without SIP is an error that says what the packets were', () => {
    const dns = writePcap([{ timeMs: T0, src: { ip: '10.1.0.1', port: 5353 }, dst: { ip: '10.1.0.2', port: 53 }, transport: 'udp', payload: new Uint8Array([1, 2, 3, 4]) }]);
    expect(() => derive(dns)).toThrow('test.pcap: no SIP messages in the capture (1 packet(s); skipped: udpNotSip 1)');
  });
});

describe('requests the target sends, answered by the harness', () => {
  // The target stabilizes: it queries its successor (played by the harness), which answers.
  const stab = nodeQuery(TARGET, HARNESS, nodeIdOf(HARNESS.host, HARNESS.port), { callId: 'stab@10.1.0.2', tag: 'ttag', branch: 'z9hG4bKstab' });
  const answer = responseTo(parsed(stab), 200, 'OK', 'htag').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(HARNESS)).header('DHT-Link', dhtLinkValue('P', 1, TARGET));
  const d = derive(capture([{ from: TARGET, to: HARNESS, bytes: stab.build() }, { from: HARNESS, to: TARGET, bytes: answer.build() }]), { callId: 'stab@10.1.0.2', target: '10.1.0.2:5060' });
  const f = parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN });

  it('becomes a step awaiting the request, then the harness\'s response as a template', () => {
    expect(f.steps.map((s) => [s.from, s.to])).toEqual([
      ['target', 'self'],
      ['self', 'target'],
    ]);
    expect(f.steps[0]!.expect).toMatchObject({ method: 'REGISTER', role: 'node-query', within: 'stabilizeMs', absent: ['Contact', 'Expires'], uris: [{ header: 'to', user: '{{self.id}}' }] });
    const response = f.steps[1]!.send!.text;
    expect(response.split('\n').slice(0, 4)).toEqual([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP {{target.host}}:{{target.port}};branch={{branch}};rport',
      'To: <sip:{{self.id}}@{{target.hostport}};user=node;alg=rsa-sha1;overlay={{overlay}}>',
      'From: <{{target.uri}}>;tag={{tag}}',
    ]);
    expect(response).not.toContain('htag');
  });
});

describe('--anonymize', () => {
  const ua: Endpoint = { host: '10.1.0.1', port: 5099 };
  const reg = userRegister('alice', ua, HARNESS, TARGET);
  const text = Buffer.from(reg.build()).toString('utf8').replace('To: <', 'To: "Alice Liddell" <');
  const ok = responseTo(parsed(reg), 302, 'Moved Temporarily').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(TARGET)).header('Contact', `<sip:${nodeIdOf(OTHER.host, OTHER.port)}@10.1.0.3;user=node;alg=rsa-sha1;overlay=chat>`);
  const msg = userLookup('MESSAGE', 'alice', HARNESS, TARGET, { caller: 'bob' }).body('hello alice, from bob', 'text/plain');
  const notFound = responseTo(parsed(msg), 404, 'Not Found').header('Require', 'dht').header('Supported', 'dht').header('DHT-NodeID', dhtNodeIdValue(TARGET));
  const bytes = capture([
    { from: HARNESS, to: TARGET, bytes: Buffer.from(text, 'utf8') },
    { from: TARGET, to: HARNESS, bytes: ok.build() },
    { from: HARNESS, to: TARGET, bytes: msg.build() },
    { from: TARGET, to: HARNESS, bytes: notFound.build() },
  ]);

  it('replaces user names by {{user}} and user2, their Resource-IDs too, and drops display names and bodies', () => {
    const d = derive(bytes, { window: { from: '+0', to: '+1' }, anonymize: true });
    const f = parseFixture(d.yaml, 'x.yaml', { knownRequirements: KNOWN });
    const sends = f.steps.map((s) => s.send!.text).join('\n');
    expect(sends).not.toMatch(/alice|Alice|bob|hello/);
    expect(sends).not.toContain(resourceIdOf('alice'));
    expect(sends).toContain('To: <sip:{{user}}@p2psip.org;alg=rsa-sha1;overlay={{overlay}};resource-ID={{resourceId}}>');
    expect(sends).toContain(`From: <sip:user2@p2psip.org;alg=rsa-sha1;overlay={{overlay}};resource-ID=${resourceIdOf('user2')}>;tag={{tag}}`);
    expect(sends).not.toContain('Content-Type');
    expect(f.steps.map((s) => s.expect!.status)).toEqual([[302], [404]]);
  });

  it('keeps user names and bodies without it', () => {
    const d = derive(bytes, { window: { from: '+0', to: '+1' } });
    expect(d.yaml).toContain('"Alice Liddell" <sip:alice@p2psip.org');
    expect(d.yaml).toContain('      hello alice, from bob');
  });
});
