import { parseMessage, serializeMessage } from '../parse';
import { StreamFramer } from '../stream';
import { MessageBuilder } from '../builder';
import { nodeRegister } from '../craft';
import { headersNamed } from '../headers';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const join = { host: '10.0.0.14', port: 5060 };
const boot = { host: '10.0.0.5', port: 5060 };

function ok(bytes: Uint8Array) {
  const r = parseMessage(bytes);
  if (!r.ok) throw new Error(`unexpected parse error ${r.error.code}: ${r.error.message}`);
  return r.message;
}

describe('parseMessage', () => {
  it('parses a SOSIMPLE REGISTER and writes back the same bytes', () => {
    const bytes = nodeRegister(join, boot).build();
    const m = ok(bytes);
    expect(m.startLine).toMatchObject({ kind: 'request', method: 'REGISTER', uri: 'sip:10.0.0.5', version: 'SIP/2.0' });
    expect(m.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards', 'To', 'From', 'Contact', 'Expires', 'Call-ID', 'CSeq', 'Require', 'Supported', 'DHT-NodeID', 'Content-Length']);
    expect(Buffer.from(serializeMessage(m)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('keeps spelling, order and repeats; maps compact forms to keys', () => {
    const m = ok(enc('SIP/2.0 200 OK\r\nv: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\ndht-link: S 1 x y\r\nDHT-LINK: P 1 x y\r\ni: abc\r\nl: 0\r\n\r\n'));
    expect(m.headers.map((h) => [h.name, h.key])).toEqual([['v', 'via'], ['dht-link', 'dht-link'], ['DHT-LINK', 'dht-link'], ['i', 'call-id'], ['l', 'content-length']]);
    expect(headersNamed(m, 'DHT-Link').map((h) => h.value)).toEqual(['S 1 x y', 'P 1 x y']);
  });

  it('unfolds folded lines and maps value offsets back to line and column', () => {
    const text = 'OPTIONS sip:a@b SIP/2.0\r\nSubject: first  \r\n   second\r\n\tthird\r\nContent-Length: 0\r\n\r\n';
    const m = ok(enc(text));
    const subject = m.headers[0]!;
    expect(subject.value).toBe('first second third');
    expect(subject.raw).toBe('Subject: first  \r\n   second\r\n\tthird');
    expect(subject.valueAt).toEqual({ line: 2, column: 10 });
    expect(subject.positionOf(subject.value.indexOf('second'))).toEqual({ line: 3, column: 4 });
    expect(subject.positionOf(subject.value.indexOf('third'))).toEqual({ line: 4, column: 2 });
    expect(Buffer.from(serializeMessage(m)).toString()).toBe(text);
  });

  it('keeps bodies and UTF-8 text byte for byte', () => {
    const bytes = MessageBuilder.response(200, 'Ça va €').header('Call-ID', 'x').body('héllo €', 'text/plain').build();
    const m = ok(bytes);
    expect(m.startLine).toMatchObject({ status: 200, reason: 'Ça va €' });
    expect(Buffer.from(m.body).toString('utf8')).toBe('héllo €');
    expect(m.headers.find((h) => h.key === 'content-length')!.value).toBe(String(Buffer.byteLength('héllo €')));
    expect(Buffer.from(serializeMessage(m)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('keeps non-UTF-8 bytes byte for byte', () => {
    const bytes = Buffer.concat([enc('MESSAGE sip:a@b SIP/2.0\r\nSubject: '), Buffer.from([0xe9, 0xff]), enc('\r\nContent-Length: 0\r\n\r\n')]);
    const m = ok(bytes);
    expect(m.headerEncoding).toBe('latin1');
    expect(Buffer.from(serializeMessage(m)).equals(bytes)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['REGISTER sip:a SIP/2.0\r\nTo: a\r\n', 'no-header-end'],
    ['REGISTER sip:a SIP/2.0\nTo: a\n\n', 'bare-line-feed'],
    ['REGISTER sip:a SIP/2.0\r\nTo: a\rb\r\n\r\n', 'bare-line-feed'],
    ['REGISTER  sip:a SIP/2.0\r\n\r\n', 'bad-start-line'],
    ['REGISTER sip:a\r\n\r\n', 'bad-start-line'],
    ['REG@ISTER sip:a SIP/2.0\r\n\r\n', 'bad-start-line'],
    ['REGISTER sip:a SIP/3.0\r\n\r\n', 'bad-version'],
    ['SIP/2.0 2000 OK\r\n\r\n', 'bad-status-code'],
    ['SIP/2.0 099 OK\r\n\r\n', 'bad-status-code'],
    ['SIP/2.0 200\r\n\r\n', 'bad-start-line'],
    ['REGISTER sip:a SIP/2.0\r\nNo colon here\r\n\r\n', 'bad-header-line'],
    ['REGISTER sip:a SIP/2.0\r\n folded first\r\n\r\n', 'bad-header-line'],
    ['REGISTER sip:a SIP/2.0\r\nTo@x: a\r\n\r\n', 'bad-header-name'],
    ['REGISTER sip:a SIP/2.0\r\n: a\r\n\r\n', 'bad-header-name'],
    ['REGISTER sip:a SIP/2.0\r\nTo: a\u0000b\r\n\r\n', 'illegal-character'],
    ['REGISTER sip:a SIP/2.0\r\nContent-Length: x\r\n\r\n', 'bad-content-length'],
    ['REGISTER sip:a SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab', 'bad-content-length'],
    ['REGISTER sip:a SIP/2.0\r\nContent-Length: 5\r\n\r\nab', 'content-length-mismatch'],
    ['REGISTER sip:a SIP/2.0\r\nContent-Length: 1\r\n\r\nab', 'content-length-mismatch'],
  ])('rejects %j with %s', (text, code) => {
    const r = parseMessage(enc(text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('names the line and column of a structural error', () => {
    const r = parseMessage(enc('REGISTER sip:a SIP/2.0\r\nTo: a\r\nVia: x\u0001\r\n\r\n'));
    expect(r).toMatchObject({ ok: false, error: { code: 'illegal-character', at: { line: 3, column: 7 } } });
  });

  it('rejects a datagram over the size limit', () => {
    expect(parseMessage(new Uint8Array(100), { maxBytes: 50 })).toMatchObject({ ok: false, error: { code: 'too-large' } });
  });

  it('accepts a missing Content-Length on UDP only', () => {
    const text = enc('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n');
    expect(parseMessage(text).ok).toBe(true);
    expect(parseMessage(text, { transport: 'stream' })).toMatchObject({ ok: false, error: { code: 'missing-content-length' } });
  });
});

describe('StreamFramer', () => {
  const a = MessageBuilder.request('MESSAGE', 'sip:a@b').header('Call-ID', '1').body('hello').build();
  const b = MessageBuilder.response(200, 'OK').header('Call-ID', '2').build();

  it('cuts a stream into messages whatever the chunk boundaries', () => {
    const all = Buffer.concat([Buffer.from('\r\n\r\n'), a, b, Buffer.from('\r\n')]);
    for (let size = 1; size <= all.length; size += 7) {
      const f = new StreamFramer();
      const got: string[] = [];
      for (let i = 0; i < all.length; i += size) {
        for (const r of f.push(all.subarray(i, i + size))) {
          if (!r.ok) throw new Error(r.error.message);
          got.push(Buffer.from(r.message.raw).toString());
        }
      }
      expect(got).toEqual([Buffer.from(a).toString(), Buffer.from(b).toString()]);
      expect(f.end()).toBeUndefined();
      expect(f.keepAliveBytes).toBe(6);
    }
  });

  it('reports a message without Content-Length, and a stream that ends inside a body', () => {
    const f = new StreamFramer();
    expect(f.push(enc('OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n'))).toMatchObject([{ ok: false, error: { code: 'missing-content-length' } }]);
    expect(f.push(a.subarray(0, a.length - 2))).toEqual([]);
    expect(f.pending).toBe(a.length - 2);
    expect(f.end()).toMatchObject({ ok: false, error: { code: 'content-length-mismatch' } });
  });

  it('bounds what it buffers', () => {
    const f = new StreamFramer(64);
    expect(f.push(enc('OPTIONS sip:a SIP/2.0\r\nX: ' + 'y'.repeat(100)))).toMatchObject([{ ok: false, error: { code: 'too-large' } }]);
  });
});
