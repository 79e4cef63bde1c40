import * as sip from 'sip';
import { FloodLimiter, MAX_MESSAGE_BYTES, inspectDatagram } from './raw-guard';

const lines = (...l: string[]): Buffer => Buffer.from(l.join('\r\n'), 'latin1');
const good = [
  'OPTIONS sip:127.0.0.2:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-1',
  'To: <sip:127.0.0.2>',
  'From: <sip:x@127.0.0.9:5999>;tag=a',
  'Call-ID: c1',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '',
  '',
];

function rejected(buf: Buffer): sip.Message {
  const v = inspectDatagram(buf, 'tag9');
  if (v.kind !== 'reject') throw new Error(`expected reject, got ${v.kind}`);
  const rs = sip.parse(v.response);
  if (!rs) throw new Error('the 400 does not parse');
  return rs;
}

describe('SOS-ERR-1 raw datagram guard', () => {
  it('passes a well-formed request', () => {
    expect(inspectDatagram(lines(...good), 't')).toEqual({ kind: 'pass' });
  });

  it('SOS-ERR-1 answers LF-only framing with 400 carrying a To-tag', () => {
    const rs = rejected(Buffer.from(good.join('\n'), 'latin1'));
    expect(rs.status).toBe(400);
    expect(rs.headers.to?.params.tag).toBe('tag9');
    expect(rs.headers['call-id']).toBe('c1');
  });

  it.each([
    ['a missing Call-ID', good.filter((l) => !l.startsWith('Call-ID'))],
    ['a broken CSeq', good.map((l) => (l.startsWith('CSeq') ? 'CSeq: notanumber OPTIONS' : l))],
    ['a duplicate To', [...good.slice(0, 3), 'To: <sip:other@127.0.0.2>', ...good.slice(3)]],
    ['a line without colon', [...good.slice(0, 6), 'garbage line', ...good.slice(6)]],
    ['Content-Length beyond the body', good.map((l) => (l.startsWith('Content-Length') ? 'Content-Length: 50' : l))],
    ['a bad Max-Forwards', good.map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: many' : l))],
    ['a NUL in a header value', good.map((l) => (l.startsWith('From') ? l.replace('tag=a', 'tag=a\u0000b') : l))],
    ['a continuation line before the first header', [good[0], ' ;folded=nothing', ...good.slice(1)]],
    ['a header name that is not a token', [...good.slice(0, 6), 'Fo@o: bar', ...good.slice(6)]],
    ['a negative Content-Length', good.map((l) => (l.startsWith('Content-Length') ? 'Content-Length: -4' : l))],
    ['an Expires that is not a number', [...good.slice(0, 6), 'Expires: soon', ...good.slice(6)]],
  ])('SOS-ERR-1 answers %s with 400', (_what, msg) => {
    expect(rejected(lines(...msg)).status).toBe(400);
  });

  it('drops broken responses and ACKs (nothing can be answered) and oversized datagrams', () => {
    expect(inspectDatagram(Buffer.from('SIP/2.0 200 OK\nVia: x\n\n'), 't').kind).toBe('drop');
    const ack = good.map((l) => l.replace('OPTIONS', 'ACK')).filter((l) => !l.startsWith('Call-ID'));
    expect(inspectDatagram(lines(...ack), 't').kind).toBe('drop');
    expect(inspectDatagram(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 65), 't').kind).toBe('drop');
  });

  it('SOS-ERR-6 limits one source without touching another', () => {
    let now = 0;
    const l = new FloodLimiter(10, () => now);
    const a = Array.from({ length: 20 }, () => l.allow('10.0.0.1')).filter(Boolean).length;
    expect(a).toBe(10);
    expect(l.allow('10.0.0.2')).toBe(true);
    now += 1000;
    expect(l.allow('10.0.0.1')).toBe(true);
  });
});
