import { PcapError, readCapture } from './reader';
import { writePcap, writePcapng } from './writer';
import { concat, enc, epb, idb, ngBlock, pcapFile, shb, spb } from './test/build';

const T = 1_700_000_000_123_456_789n;

function expectPcapError(bytes: Uint8Array, message: RegExp, offset: number): void {
  let thrown: unknown;
  try {
    readCapture(bytes);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(PcapError);
  expect((thrown as PcapError).message).toMatch(message);
  expect((thrown as PcapError).offset).toBe(offset);
}

describe('classic pcap', () => {
  const data = enc('abcdefgh');
  it.each([
    ['little-endian µs', true, false, T - (T % 1000n)],
    ['big-endian µs', false, false, T - (T % 1000n)],
    ['little-endian ns', true, true, T],
    ['big-endian (byte-swapped) ns', false, true, T],
  ])('%s', (_name, littleEndian, nano, expected) => {
    const file = pcapFile([{ timeNs: T, data }, { timeNs: T + 1_000_000_000n, data: data.subarray(0, 3) }], { littleEndian, nano, linkType: 1 });
    const c = readCapture(file);
    expect(c.format).toBe('pcap');
    expect(c.littleEndian).toBe(littleEndian);
    expect(c.resolution).toBe(nano ? 'ns' : 'us');
    expect(c.packets).toHaveLength(2);
    expect(c.packets[0]).toEqual({ index: 0, timeNs: expected, linkType: 1, interfaceId: 0, capturedLength: 8, originalLength: 8, data });
    expect(c.packets[1]!.timeNs).toBe(expected + 1_000_000_000n);
    expect(c.truncation).toBeUndefined();
  });

  it('reads what writePcap writes', () => {
    const file = writePcap([{ timeMs: 1_700_000_000_000.5, src: { ip: '10.0.0.1', port: 1 }, dst: { ip: '10.0.0.2', port: 2 }, transport: 'udp', payload: data }]);
    const c = readCapture(file);
    expect(c.packets[0]!.timeNs).toBe(1_700_000_000_000_500_000n);
    expect(c.packets[0]!.linkType).toBe(101);
    expect(c.packets[0]!.data.length).toBe(20 + 8 + 8);
  });

  it('keeps snaplen-cut packets as they are (captured < original)', () => {
    const c = readCapture(pcapFile([{ data, originalLength: 100 }]));
    expect(c.packets[0]).toMatchObject({ capturedLength: 8, originalLength: 100 });
  });

  it('a truncated final record keeps the packets before it and says where the cut is', () => {
    const file = pcapFile([{ data }, { data }, { data }]);
    const c = readCapture(file.subarray(0, file.length - 3));
    expect(c.packets).toHaveLength(2);
    expect(c.truncation).toEqual({ offset: 24 + 2 * 24, message: 'record 2 cut short: 5 of 8 bytes' });
    const headerCut = readCapture(file.subarray(0, 24 + 24 + 5));
    expect(headerCut.packets).toHaveLength(1);
    expect(headerCut.truncation?.message).toMatch(/record header cut short/);
  });

  it('errors: zero-length file, bad magic, truncated file header, captured > original', () => {
    expectPcapError(new Uint8Array(0), /not a pcap or pcapng file \(only 0 bytes/, 0);
    expectPcapError(enc('GET / HTTP/1.1\r\n'), /not a pcap or pcapng file \(magic 0x47455420\)/, 0);
    expectPcapError(pcapFile([]).subarray(0, 10), /truncated pcap file header: 10 of 24 bytes/, 0);
    const bad = pcapFile([{ data }]);
    new DataView(bad.buffer).setUint32(24 + 12, 4, true);
    expectPcapError(bad, /captures 8 bytes of a 4-byte packet/, 24);
  });
});

describe('pcapng', () => {
  const a = enc('first');
  const b = enc('second!');

  it('reads what writePcapng writes (nanoseconds)', () => {
    const file = writePcapng([{ timeMs: T, src: { ip: 'fd00::1', port: 1 }, dst: { ip: 'fd00::2', port: 2 }, transport: 'udp', payload: a }]);
    const c = readCapture(file);
    expect(c.format).toBe('pcapng');
    expect(c.packets).toHaveLength(1);
    expect(c.packets[0]).toMatchObject({ timeNs: T, linkType: 101, interfaceId: 0, capturedLength: 40 + 8 + 5 });
  });

  it('two interfaces with different link types and if_tsresol (decimal, binary) and if_tsoffset', () => {
    const file = concat(
      shb(),
      idb(1, { tsresol: 9 }), // ns
      idb(276, { tsresol: 0x80 | 10, tsoffset: 100n }), // 1/1024 s, +100 s
      epb(0, T, a),
      epb(1, 2048n, b),
      ngBlock(0x0bad, enc('unknown block skipped')),
      epb(0, T + 5n, b, { obsolete: true }),
    );
    const c = readCapture(file);
    expect(c.skippedBlocks).toBe(1);
    expect(c.packets.map((p) => [p.interfaceId, p.linkType, p.timeNs])).toEqual([
      [0, 1, T],
      [1, 276, 102_000_000_000n],
      [0, 1, T + 5n],
    ]);
    expect(c.packets[1]!.data).toEqual(b);
  });

  it('default resolution is microseconds; a Simple Packet Block takes its length from the snaplen', () => {
    const file = concat(shb(), idb(101, { snaplen: 4 }), epb(0, 1_000_000n, a), spb(b));
    const c = readCapture(file);
    expect(c.packets[0]!.timeNs).toBe(1_000_000_000n);
    expect(c.packets[1]).toMatchObject({ capturedLength: 4, originalLength: 7, timeNs: 1_000_000_000n });
    expect(c.packets[1]!.data).toEqual(b.subarray(0, 4));
  });

  it('a new section (here big-endian) resets the byte order and the interface table', () => {
    const file = concat(shb(), idb(1), epb(0, 1n, a), shb(false), idb(113, { le: false }), epb(0, 2n, b, { le: false }));
    const c = readCapture(file);
    expect(c.littleEndian).toBe(true);
    expect(c.packets.map((p) => [p.linkType, p.timeNs])).toEqual([
      [1, 1000n],
      [113, 2000n],
    ]);
    // Interface 1 does not exist in the second section even though the first had one.
    expectPcapError(concat(shb(), idb(1), shb(), idb(1), epb(1, 1n, a)), /interface 1, but the section declares 1/, 28 * 2 + 20 * 2);
  });

  it('a cut first section header is an error, like a cut pcap file header', () => {
    expectPcapError(shb().subarray(0, 20), /truncated pcapng section header: 20 bytes/, 0);
    expectPcapError(concat(shb(), idb(1)).subarray(0, 27), /truncated pcapng section header/, 0);
  });

  it('truncated final block: packets kept, cut reported', () => {
    const file = concat(shb(), idb(1), epb(0, 1n, a), epb(0, 2n, b));
    const c = readCapture(file.subarray(0, file.length - 1));
    expect(c.packets).toHaveLength(1);
    expect(c.truncation?.message).toMatch(/block of type 6 cut short/);
    expect(readCapture(file.subarray(0, file.length - 30)).truncation?.message).toMatch(/cut short/);
  });

  it('errors: inconsistent block lengths, bad byte-order magic, captured length beyond the block', () => {
    const good = concat(shb(), idb(1), epb(0, 1n, a));
    const trailer = Uint8Array.from(good);
    new DataView(trailer.buffer).setUint32(trailer.length - 4, 999, true);
    expectPcapError(trailer, /type 6 says 40 at its start and 999 at its end/, 48);
    const odd = Uint8Array.from(good);
    new DataView(odd.buffer).setUint32(48 + 4, 33, true);
    expectPcapError(odd, /block length inconsistent: type 6, total length 33/, 48);
    const magic = Uint8Array.from(good);
    magic[8] = 0;
    expectPcapError(magic, /bad byte-order magic/, 0);
    const caplen = Uint8Array.from(good);
    new DataView(caplen.buffer).setUint32(48 + 20, 64, true);
    expectPcapError(caplen, /64 captured bytes do not fit a 40-byte block/, 48);
  });
});
