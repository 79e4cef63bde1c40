// Property tests: round trips over generated valid messages and typed values, and a parser
// and checker that never throw on arbitrary bytes.
import fc from 'fast-check';
import { parseMessage, serializeMessage } from '../parse';
import { StreamFramer } from '../stream';
import { checkMessage, ROLES } from '../check';
import { parseDhtLink, parseDhtNodeId, serializeDhtLink, serializeDhtNodeId, type DhtLink } from '../headers';
import { parseSipUri, serializeSipUri, type SipUri } from '../uri';
import { nodeRegister, nodeQuery, userRegister } from '../craft';

const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~'.split(''));
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
const valueChar = fc.constantFrom(...' \tabcdefXYZ0123456789;:=,<>@"/\\%()[]{}?'.split(''), 'é', '€', '\u4e2d');
const headerValue = fc.string({ unit: valueChar, maxLength: 40 }).map((s) => s.trim()).filter((s) => !/^[ \t]|[ \t]$/.test(s));
const hex40 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 40, maxLength: 40 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });

interface GenHeader {
  name: string;
  value: string;
  folds: string[];
  spacing: string;
}
const genHeader: fc.Arbitrary<GenHeader> = fc.record({
  name: fc.oneof(token.filter((t) => t.toLowerCase() !== 'content-length' && t.toLowerCase() !== 'l'), fc.constantFrom('Via', 'v', 'To', 't', 'DHT-Link', 'dht-nodeid', 'i', 'o', 'X-Odd')),
  value: headerValue,
  folds: fc.array(headerValue.filter((v) => v.length > 0), { maxLength: 2 }),
  spacing: fc.constantFrom(': ', ':', ' : ', '\t:\t', ':   '),
});

const genMessage = fc.record({
  request: fc.boolean(),
  method: token,
  uri: fc.string({ unit: fc.constantFrom(...'sip:abc@10.0.0.1;=%'.split('')), minLength: 1, maxLength: 30 }),
  status: fc.integer({ min: 100, max: 699 }),
  reason: fc.string({ unit: valueChar, maxLength: 20 }),
  headers: fc.array(genHeader, { maxLength: 12 }),
  body: fc.uint8Array({ maxLength: 200 }),
  compactLength: fc.boolean(),
});

type GenMessage = typeof genMessage extends fc.Arbitrary<infer T> ? T : never;

function render(m: GenMessage): Buffer {
  const start = m.request ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`;
  const lines = [start];
  for (const h of m.headers) {
    lines.push(`${h.name}${h.spacing}${h.value}` + h.folds.map((f, i) => `\r\n${i % 2 ? '\t' : '   '}${f}`).join(''));
  }
  lines.push(`${m.compactLength ? 'l' : 'Content-Length'}: ${m.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), m.body]);
}

describe('codec properties', () => {
  it('serialize(parse(x)) == x for generated valid messages, with names and values kept', () => {
    fc.assert(
      fc.property(genMessage, (m) => {
        const bytes = render(m);
        const r = parseMessage(bytes);
        if (!r.ok) throw new Error(`${r.error.code} at ${JSON.stringify(r.error.at)}: ${r.error.message}`);
        expect(Buffer.from(serializeMessage(r.message)).equals(bytes)).toBe(true);
        expect(r.message.headers.map((h) => h.name)).toEqual([...m.headers.map((h) => h.name.trim()), m.compactLength ? 'l' : 'Content-Length']);
        m.headers.forEach((h, i) => expect(r.message.headers[i]!.value).toBe([h.value, ...h.folds].filter((x) => x.length > 0).join(' ')));
        expect(Buffer.from(r.message.body).equals(Buffer.from(m.body))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('serialize(parse(x)) == x for crafted SOSIMPLE messages, and the checker finds nothing', () => {
    const endpoint = fc.record({ host: ipv4, port: fc.integer({ min: 1024, max: 65535 }) });
    fc.assert(
      fc.property(endpoint, endpoint, hex40, fc.constantFrom('alice', 'bob', 'carl%20x'), (a, b, id, user) => {
        for (const builder of [nodeRegister(a, b), nodeQuery(a, b, id), userRegister(user, b, a, b)]) {
          const bytes = builder.build();
          const r = parseMessage(bytes);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(Buffer.from(serializeMessage(r.message)).equals(Buffer.from(bytes))).toBe(true);
          expect(checkMessage(r.message)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('typed DHT-Link and DHT-NodeID values round-trip', () => {
    const link = fc.record({
      type: fc.constantFrom('P', 'S', 'F' as const),
      lower: fc.boolean(),
      depth: fc.nat(200),
      alg: fc.constantFrom('rsa-sha1', 'md5'),
      nodeId: hex40,
      host: ipv4,
      port,
    });
    fc.assert(
      fc.property(link, (l) => {
        const v: DhtLink = { typeRaw: l.lower ? l.type.toLowerCase() : l.type, type: l.type, depth: l.depth, alg: l.alg, nodeId: l.nodeId, host: l.host };
        if (l.port !== undefined) v.port = l.port;
        expect(parseDhtLink(serializeDhtLink(v))).toEqual({ ok: true, value: v });
        const { typeRaw: _t, type: _y, depth: _d, ...node } = v;
        expect(parseDhtNodeId(serializeDhtNodeId(node))).toEqual({ ok: true, value: node });
      }),
    );
  });

  it('SIP URIs round-trip', () => {
    const param = fc.record({ name: token.filter((t) => !/[%`]/.test(t)), value: fc.option(token.filter((t) => !/[%`]/.test(t)), { nil: undefined }) }).map((p) => (p.value === undefined ? { name: p.name } : p));
    const uri = fc.record({ scheme: fc.constantFrom('sip', 'sips' as const), user: fc.option(hex40, { nil: undefined }), host: fc.oneof(ipv4, fc.constant('p2psip.org'), fc.constant('[2001:db8::1]')), port, params: fc.array(param, { maxLength: 4 }) });
    fc.assert(
      fc.property(uri, (u) => {
        const v: SipUri = { scheme: u.scheme, host: u.host, params: u.params };
        if (u.user !== undefined) v.user = u.user;
        if (u.port !== undefined) v.port = u.port;
        expect(parseSipUri(serializeSipUri(v))).toEqual({ ok: true, value: v });
      }),
    );
  });

  it('never throws on arbitrary bytes, nor on mutated valid messages, in any role', () => {
    const valid = Buffer.from(nodeRegister({ host: '10.0.0.14', port: 5060 }, { host: '10.0.0.5', port: 5060 }).build());
    const mutated = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }).map((edits) => {
      const b = Buffer.from(valid);
      for (const [i, v] of edits) b[i] = v;
      return new Uint8Array(b);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated), fc.constantFrom(undefined, ...ROLES), (bytes, role) => {
        const r = parseMessage(bytes);
        if (r.ok) checkMessage(r.message, role ? { role } : {});
        else expect(typeof r.error.code).toBe('string');
        const framer = new StreamFramer();
        for (const item of framer.push(bytes)) if (item.ok) checkMessage(item.message);
        framer.end();
      }),
      { numRuns: 2000 },
    );
  });
});
