// Property tests: no input makes the reader or the extractor throw anything but a PcapError,
// or run for long. A hang would show as this file's Jest timeout.
import fc from 'fast-check';
import { extractSip } from './extract';
import { PcapError, readCapture } from './reader';
import { concat, enc, epb, ethernet, idb, ipv4, ipv6, ipv6Fragment, pcapFile, shb, sip, sll2, spb, tcp, udp } from './test/build';
import { writePcap, writePcapng } from './writer';
import { sampleTrace } from './test/sample';

/** Reads and extracts; returns 'error' for a PcapError and rethrows anything else. */
function run(bytes: Uint8Array): 'ok' | 'error' {
  try {
    const x = extractSip(readCapture(bytes));
    JSON.stringify(x.summary); // the summary is plain data
    return 'ok';
  } catch (e) {
    if (e instanceof PcapError) return 'error';
    throw e;
  }
}

const seeds: Uint8Array[] = [
  writePcap(sampleTrace(), { tcpSegmentSize: 300 }),
  writePcapng(sampleTrace(), { tcpSegmentSize: 300 }),
  concat(
    shb(),
    idb(1, { tsresol: 0x8a }),
    idb(276, { snaplen: 200 }),
    epb(0, 5n, ethernet(0x0800, ipv4(udp(1, 2, enc(sip()))), [0x8100])),
    epb(1, 6n, sll2(0x86dd, ipv6(udp(1, 2, enc(sip())).subarray(0, 40), { ext: [{ code: 44, bytes: ipv6Fragment(9, 0, true) }] }))),
    spb(ipv4(tcp(1, 2, 7, enc(sip())), { protocol: 6 })),
  ),
  pcapFile(
    [
      { data: ipv4(udp(1, 2, enc(sip())).subarray(0, 80), { id: 4, more: true }) },
      { data: ipv4(tcp(3, 4, 100, enc(sip({ body: 'b' }))), { protocol: 6 }) },
    ],
    { littleEndian: false, nano: true },
  ),
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 12, 13, 28) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(seed: Uint8Array, ms: Mutation[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(seed);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = m.value;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
    else if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, m.value, true);
  }
  return b;
}

describe('fuzzing the reader and the extractor', () => {
  it('arbitrary bytes: a result or a PcapError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => void run(bytes)), { numRuns: 400 });
  });

  it('arbitrary bytes behind each magic number', () => {
    const heads = [pcapFile([]), pcapFile([], { littleEndian: false, nano: true }), concat(shb(), idb(1)), concat(shb(false))];
    fc.assert(
      fc.property(fc.nat(heads.length - 1), fc.uint8Array({ maxLength: 600 }), (h, tail) => void run(concat(heads[h]!, tail))),
      { numRuns: 400 },
    );
  });

  it('mutated valid captures', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), (s, ms) => void run(mutate(seeds[s]!, ms))),
      { numRuns: 600 },
    );
  });

  it('the seeds themselves read cleanly', () => {
    expect(seeds.map(run)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});
