// TCP reassembly through extractSip, with segments written by hand in any order.
import fc from 'fast-check';
import { extractSipFromBytes } from './extract';
import { enc, ipv4, pcapFile, sip, tcp, TCP_FIN, TCP_PSH_ACK, TCP_RST, TCP_SYN } from './test/build';

const ISN = 0xfffffff0; // close to the wrap, so sequence arithmetic must be modular

interface Seg {
  seq: number;
  data?: string | Uint8Array;
  flags?: number;
  reverse?: boolean;
}

function capture(segs: Seg[]) {
  const frames = segs.map((s, i) => {
    const data = typeof s.data === 'string' ? enc(s.data) : (s.data ?? new Uint8Array(0));
    const [sp, dp, src, dst] = s.reverse ? [5060, 40000, '10.0.0.2', '10.0.0.1'] : [40000, 5060, '10.0.0.1', '10.0.0.2'];
    return { timeNs: BigInt(i + 1) * 1000n, data: ipv4(tcp(sp, dp, (s.seq >>> 0), data, s.flags ?? TCP_PSH_ACK), { src, dst, protocol: 6, id: i }) };
  });
  return extractSipFromBytes(pcapFile(frames));
}

/** Splits `text` into chunks at the given offsets, each with its sequence number from `isn`. */
function split(text: string, at: number[], isn = ISN): Seg[] {
  const bounds = [0, ...at, text.length];
  return bounds.slice(1).map((end, i) => ({ seq: (isn + bounds[i]!) >>> 0, data: text.slice(bounds[i]!, end) }));
}

const m1 = sip({ callId: 'tcp-1', body: 'hello' });
const m2 = sip({ callId: 'tcp-2', cseq: '2 REGISTER', branch: 'z9hG4bK-2' });

describe('TCP reassembly', () => {
  it('two pipelined messages split across segments, across the sequence wrap', () => {
    const x = capture(split(m1 + m2, [10, m1.length - 3, m1.length + 40]));
    expect(x.messages.map((m) => [m.callId, m.packetIndex, m.transport])).toEqual([
      ['tcp-1', 2, 'tcp'],
      ['tcp-2', 3, 'tcp'],
    ]);
    expect(x.messages[0]!.result.ok && new TextDecoder().decode(x.messages[0]!.result.message.body)).toBe('hello');
  });

  it('reordered segments are buffered; retransmissions and overlaps are dropped', () => {
    const [a, b, c, d] = split(m1 + m2, [50, 120, m1.length + 10]);
    const overlapC: Seg = { seq: c!.seq - 5, data: (m1 + m2).slice(115, m1.length + 10) };
    const x = capture([a!, c!, d!, a!, b!, overlapC, c!, d!]);
    expect(x.messages.map((m) => m.callId)).toEqual(['tcp-1', 'tcp-2']);
    expect(x.messages.every((m) => m.result.ok)).toBe(true);
    expect(x.summary.tcp).toMatchObject({ outOfOrder: 2, retransmissions: 4 });
  });

  it('partial overlap delivers only the new bytes', () => {
    const x = capture([{ seq: ISN, data: m1.slice(0, 30) }, { seq: ISN + 20, data: m1.slice(20) }]);
    expect(x.messages).toHaveLength(1);
    expect(x.messages[0]!.result.ok).toBe(true);
    expect(x.summary.tcp.overlaps).toBe(1);
  });

  it('a capture starting mid-message skips to the first start line', () => {
    const x = capture(split('ength: 0\r\n\r\n' + m2, [7], 12345));
    expect(x.messages.map((m) => m.callId)).toEqual(['tcp-2']);
    expect(x.summary.tcp.skippedBytes).toBe(12);
  });

  it('SYN seeds the sequence, FIN closes, data in both directions, CRLF keep-alives skipped', () => {
    const x = capture([
      { seq: 100, flags: TCP_SYN },
      { seq: 7000, flags: TCP_SYN | 0x10, reverse: true },
      { seq: 101, data: '\r\n\r\n' + m1 },
      { seq: 7001, data: m2, reverse: true },
      { seq: 101 + 4 + m1.length, flags: TCP_FIN | 0x10 },
      { seq: 101 + 4 + m1.length, data: 'late data after FIN' },
    ]);
    expect(x.messages.map((m) => [m.callId, m.src.port])).toEqual([
      ['tcp-1', 40000],
      ['tcp-2', 5060],
    ]);
    expect(x.summary.tcp.nonSipStreams).toBe(0);
  });

  it('a new SYN on the same 4-tuple starts a new stream; RST ends one (its partial message counted)', () => {
    const x = capture([
      { seq: 100, flags: TCP_SYN },
      { seq: 101, data: m1.slice(0, 40) },
      { seq: 141, flags: TCP_RST },
      { seq: 5000, flags: TCP_SYN },
      { seq: 5001, data: m2 },
    ]);
    expect(x.messages.map((m) => m.callId)).toEqual(['tcp-2']);
    expect(x.summary.tcp.unfinishedMessages).toBe(1);
  });

  it('garbage TCP that never frames is counted, not reported as messages', () => {
    const garbage = new Uint8Array(70 * 1024).map((_v, i) => (i * 7919) % 251);
    const x = capture([{ seq: 1, data: garbage.subarray(0, 40_000) }, { seq: 40_001, data: garbage.subarray(40_000) }, { seq: 9, data: 'HTTP/1.1 200 OK\r\n\r\n', reverse: true }]);
    expect(x.messages).toHaveLength(0);
    expect(x.summary.tcp.nonSipStreams).toBe(2);
  });

  it('a message that looks like SIP but does not frame gives its error, then the stream resynchronises', () => {
    const noLength = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK-o\r\nCall-ID: bad\r\nCSeq: 1 OPTIONS\r\n\r\n';
    const x = capture(split(noLength + m2, [noLength.length]));
    expect(x.messages.map((m) => (m.result.ok ? m.callId : m.result.error.code))).toEqual(['missing-content-length', 'tcp-2']);
    expect(x.summary.parseErrors).toBe(1);
  });

  it('a hole that never fills is counted at the end', () => {
    const x = capture([{ seq: 1, data: m1.slice(0, 60) }, { seq: 71, data: m1.slice(70) }]);
    expect(x.messages).toHaveLength(0);
    expect(x.summary.tcp.gapBytes).toBe(m1.length - 70);
    expect(x.summary.tcp.unfinishedMessages).toBe(1);
  });
});

describe('TCP reassembly, property', () => {
  it('any split, any order after the first segment, any duplicates: the same messages', () => {
    const text = m1 + '\r\n' + m2 + m1;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (cuts, order, dups) => {
          const segs = split(text, [...cuts].sort((a, b) => a - b));
          // Keep the first segment first (it seeds the sequence); shuffle the rest; repeat some.
          const rest = segs.slice(1);
          for (let i = rest.length - 1; i > 0; i--) {
            const j = (order[i] ?? 0) % (i + 1);
            [rest[i], rest[j]] = [rest[j]!, rest[i]!];
          }
          const dupes = dups.map((d) => segs[d % segs.length]!);
          const x = capture([segs[0]!, ...rest, ...dupes]);
          expect(x.messages.map((m) => m.callId)).toEqual(['tcp-1', 'tcp-2', 'tcp-1']);
          expect(x.messages.every((m) => m.result.ok)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});
