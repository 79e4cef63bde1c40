import { parseNameAddr, parseSipUri, serializeNameAddr, serializeSipUri, paramValue } from '../uri';
import {
  parseCSeq, parseContactList, parseDhtLink, parseDhtNodeId, parseOptionTags, parseVia,
  serializeContactList, serializeDhtLink, serializeDhtNodeId, serializeVia,
} from '../headers';
import { nodeIdOf } from '../../overlay/id';

const id = nodeIdOf('10.0.0.14', 5060);

describe('SIP URIs', () => {
  it.each([
    `sip:${id}@10.0.0.14;user=node;alg=rsa-sha1;overlay=chat`,
    'sip:alice@p2psip.org;alg=rsa-sha1;overlay=chat;resource-ID=522b276a356bdf39013dfabea2cd43e141ecc9e8',
    'sips:bob:secret@[2001:db8::1]:5071;transport=tcp;lr?subject=hi&priority=urgent',
    'sip:%61lice@example.com.',
    'sip:10.0.0.5',
    'sip:10.0.0.5:5070;replica=1',
  ])('round-trips %s', (text) => {
    const r = parseSipUri(text);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(serializeSipUri(r.value)).toBe(text);
  });

  it('types the SOSIMPLE parameters', () => {
    const r = parseSipUri(`sip:${id}@10.0.0.14:5070;user=node;alg=rsa-sha1;overlay=chat`);
    expect(r).toMatchObject({ ok: true, value: { user: id, host: '10.0.0.14', port: 5070 } });
    if (r.ok) expect(['user', 'alg', 'overlay'].map((n) => paramValue(r.value.params, n))).toEqual(['node', 'rsa-sha1', 'chat']);
  });

  it.each([
    ['http://x', 0],
    ['sip:a b@host', 4],
    ['sip:alice@300.1.1.1', 10],
    ['sip:alice@host:99999', 15],
    ['sip:alice@host;a=b c', 17],
    ['sip:alice@[::1', 10],
  ])('rejects %s at offset %d', (text, offset) => {
    const r = parseSipUri(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.offset).toBe(offset);
  });
});

describe('name-addr (To, From, Contact)', () => {
  it('reads params outside a bare URI as header params (RFC 3261 §20.10, SOS-WIRE-10)', () => {
    const r = parseNameAddr(`sip:${id}@10.0.0.14;user=node;alg=rsa-sha1;overlay=chat`);
    expect(r).toMatchObject({ ok: true, value: { bracketed: false, uri: { params: [] } } });
    if (r.ok) expect(r.value.params.map((p) => p.name)).toEqual(['user', 'alg', 'overlay']);
  });

  it('handles quoted display names with escapes, and unquoted ones', () => {
    const q = parseNameAddr('"Alice \\"A\\" White" <sip:alice@10.0.0.1>;tag=1');
    expect(q).toMatchObject({ ok: true, value: { displayName: 'Alice "A" White', params: [{ name: 'tag', value: '1' }] } });
    const u = parseNameAddr('Alice White <sip:alice@10.56.222.11>;alg=rsa-sha1;overlay=techtalk');
    expect(u).toMatchObject({ ok: true, value: { displayName: 'Alice White', bracketed: true } });
    if (u.ok) expect(serializeNameAddr(u.value)).toBe('Alice White <sip:alice@10.56.222.11>;alg=rsa-sha1;overlay=techtalk');
  });

  it('rejects an unterminated quote and a missing ">"', () => {
    expect(parseNameAddr('"Alice <sip:alice@a>')).toMatchObject({ ok: false, error: { offset: 0, expected: expect.stringMatching(/quote/) } });
    expect(parseNameAddr('<sip:alice@a;tag=1')).toMatchObject({ ok: false, error: { expected: expect.stringMatching(/>/) } });
  });

  it('splits Contact lists at top-level commas only', () => {
    const r = parseContactList('"a, b" <sip:a@h1>;expires=60, sip:b@h2;q=0.5 , <sip:c@h3>');
    expect(r.ok && !r.value.star && r.value.entries.map((e) => e.uri?.host)).toEqual(['h1', 'h2', 'h3']);
    if (r.ok) expect(serializeContactList(r.value)).toBe('"a, b" <sip:a@h1>;expires=60, sip:b@h2;q=0.5, <sip:c@h3>');
    expect(parseContactList(' * ')).toEqual({ ok: true, value: { star: true } });
  });
});

describe('DHT-NodeID and DHT-Link', () => {
  it('parses and serializes DHT-NodeID with and without port (SOS-WIRE-12)', () => {
    for (const text of [`rsa-sha1 ${id} 10.0.0.14`, `rsa-sha1 ${id} 10.0.0.14:5070`]) {
      const r = parseDhtNodeId(text);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      expect(serializeDhtNodeId(r.value)).toBe(text);
    }
    expect(parseDhtNodeId(`rsa-sha1\t ${id}   10.0.0.14`)).toMatchObject({ ok: true, value: { alg: 'rsa-sha1', nodeId: id, host: '10.0.0.14' } });
  });

  it('parses DHT-Link types, depths and hosts', () => {
    const r = parseDhtLink(`F 3 rsa-sha1 ${id} 10.0.0.14:5062`);
    expect(r).toMatchObject({ ok: true, value: { type: 'F', typeRaw: 'F', depth: 3, port: 5062 } });
    if (r.ok) expect(serializeDhtLink(r.value)).toBe(`F 3 rsa-sha1 ${id} 10.0.0.14:5062`);
    expect(parseDhtLink(`s 1 rsa-sha1 ${id} 10.0.0.14`)).toMatchObject({ ok: true, value: { type: 'S', typeRaw: 's' } });
  });

  it.each([
    [`X 1 rsa-sha1 ${id} 10.0.0.14`, 0, /type/],
    [`S one rsa-sha1 ${id} 10.0.0.14`, 2, /depth/],
    [`S 1 rsa-sha1 ${id}`, 53, /5 fields/],
    [`S 1 rsa-sha1 ${id} 10.0.0.14 extra`, 64, /5 fields/],
    [`S 1 rsa-sha1 ${id} 10.0.0.999`, 54, /host/],
  ])('rejects %s at offset %d', (text, offset, expected) => {
    const r = parseDhtLink(text);
    expect(r).toMatchObject({ ok: false, error: { offset, expected: expect.stringMatching(expected) } });
  });
});

describe('Via, CSeq, option tags', () => {
  it('parses Via with branch, received and rport, several per line', () => {
    const r = parseVia('SIP/2.0/UDP 10.0.0.14:5060;branch=z9hG4bK77;received=10.0.0.1;rport=5061, SIP/2.0/TCP [2001:db8::2];rport');
    expect(r).toMatchObject({ ok: true, value: [{ transport: 'UDP', host: '10.0.0.14', port: 5060 }, { transport: 'TCP', host: '[2001:db8::2]', params: [{ name: 'rport' }] }] });
    if (r.ok) expect(serializeVia(r.value[0]!)).toBe('SIP/2.0/UDP 10.0.0.14:5060;branch=z9hG4bK77;received=10.0.0.1;rport=5061');
    expect(parseVia('SIP/2.0/UDP').ok).toBe(false);
  });

  it('parses CSeq and option tags', () => {
    expect(parseCSeq('12 REGISTER')).toEqual({ ok: true, value: { seq: 12, method: 'REGISTER' } });
    expect(parseCSeq('REGISTER 12').ok).toBe(false);
    expect(parseOptionTags('dht, 100rel ,timer')).toEqual({ ok: true, value: ['dht', '100rel', 'timer'] });
    expect(parseOptionTags('dht;x').ok).toBe(false);
  });
});
