import {
  CapturePacket,
  LINKTYPE_RAW,
  internetChecksum,
  parseIPv4,
  parseIPv6,
  toIpRecords,
  toNanoseconds,
  writePcap,
  writePcapng,
} from './writer';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

const A = { ip: '10.1.0.2', port: 5070 };
const B = { ip: '10.1.0.3', port: 5071 };

interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  caplen: number;
  len: number;
  data: Uint8Array;
}

/** A deliberately independent, minimal reader of what writePcap produces. */
function readPcap(file: Uint8Array): { header: DataView; records: PcapRecord[] } {
  const v = view(file);
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < file.length) {
    expect(off + 16).toBeLessThanOrEqual(file.length);
    const caplen = v.getUint32(off + 8, true);
    const rec: PcapRecord = {
      tsSec: v.getUint32(off, true),
      tsUsec: v.getUint32(off + 4, true),
      caplen,
      len: v.getUint32(off + 12, true),
      data: file.subarray(off + 16, off + 16 + caplen),
    };
    expect(rec.data.length).toBe(caplen);
    records.push(rec);
    off += 16 + caplen;
  }
  expect(off).toBe(file.length);
  return { header: new DataView(file.buffer, file.byteOffset, 24), records };
}

interface Ipv4 {
  totalLength: number;
  id: number;
  proto: number;
  src: string;
  dst: string;
  payload: Uint8Array;
}

function readIpv4(d: Uint8Array): Ipv4 {
  const v = view(d);
  expect(d[0]).toBe(0x45);
  // A correct header sums (with its checksum) to 0xffff, i.e. the checksum over it is 0.
  expect(internetChecksum(d.subarray(0, 20))).toBe(0);
  return {
    totalLength: v.getUint16(2),
    id: v.getUint16(4),
    proto: d[9]!,
    src: Array.from(d.subarray(12, 16)).join('.'),
    dst: Array.from(d.subarray(16, 20)).join('.'),
    payload: d.subarray(20),
  };
}

/** UDP/TCP checksum check: the sum over pseudo-header + segment must be 0. */
function l4ChecksumOk(ip: Ipv4, raw: Uint8Array): boolean {
  const pseudo = new Uint8Array(12);
  pseudo.set(raw.subarray(12, 20), 0);
  pseudo[9] = ip.proto;
  view(pseudo).setUint16(10, ip.payload.length);
  return internetChecksum(pseudo, ip.payload) === 0;
}

describe('pcap writer', () => {
  const t0 = Date.UTC(2026, 10, 25, 12, 0, 0) + 0.25; // ms, with 250 µs

  it('writes a classic pcap: magic, version, snaplen, LINKTYPE_RAW', () => {
    const file = writePcap([]);
    expect(file.length).toBe(24);
    const v = view(file);
    expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect(Array.from(file.subarray(0, 4))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(v.getUint16(4, true)).toBe(2);
    expect(v.getUint16(6, true)).toBe(4);
    expect(v.getUint32(8, true)).toBe(0);
    expect(v.getUint32(12, true)).toBe(0);
    expect(v.getUint32(16, true)).toBe(65535);
    expect(v.getUint32(20, true)).toBe(LINKTYPE_RAW);
  });

  it('writes UDP records with IPv4 headers, correct checksums and record lengths', () => {
    const payloads = [enc('REGISTER sip:x SIP/2.0\r\n\r\n'), enc('SIP/2.0 302 Moved\r\n\r\n!')];
    const packets: CapturePacket[] = [
      { timeMs: t0, src: A, dst: B, transport: 'udp', payload: payloads[0]! },
      { timeMs: t0 + 1.5, src: B, dst: A, transport: 'udp', payload: payloads[1]! },
    ];
    const { records } = readPcap(writePcap(packets));
    expect(records).toHaveLength(2);
    records.forEach((rec, i) => {
      expect(rec.caplen).toBe(rec.len);
      expect(rec.len).toBe(20 + 8 + payloads[i]!.length);
      const ip = readIpv4(rec.data);
      expect(ip.totalLength).toBe(rec.len);
      expect(ip.proto).toBe(17);
      expect(ip.src).toBe(i === 0 ? A.ip : B.ip);
      expect(ip.dst).toBe(i === 0 ? B.ip : A.ip);
      const u = view(ip.payload);
      expect(u.getUint16(0)).toBe(i === 0 ? A.port : B.port);
      expect(u.getUint16(2)).toBe(i === 0 ? B.port : A.port);
      expect(u.getUint16(4)).toBe(8 + payloads[i]!.length);
      expect(l4ChecksumOk(ip, rec.data)).toBe(true);
      expect(Buffer.from(ip.payload.subarray(8)).equals(Buffer.from(payloads[i]!))).toBe(true);
    });
    expect(records[0]!.tsSec).toBe(Math.floor(t0 / 1000));
    expect(records[0]!.tsUsec).toBe(250);
    expect(records[1]!.tsUsec).toBe(1750);
    // IP identification counts up.
    expect(readIpv4(records[1]!.data).id).toBe(readIpv4(records[0]!.data).id + 1);
  });

  it('splits a large TCP payload into PSH|ACK segments with advancing sequence numbers', () => {
    const big = enc('M'.repeat(3000));
    const reply = enc('SIP/2.0 200 OK\r\n\r\n');
    const more = enc('next');
    const { records } = readPcap(
      writePcap([
        { timeMs: t0, src: A, dst: B, transport: 'tcp', payload: big },
        { timeMs: t0 + 1, src: B, dst: A, transport: 'tcp', payload: reply },
        { timeMs: t0 + 2, src: A, dst: B, transport: 'tcp', payload: more },
      ]),
    );
    expect(records.map((r) => r.len - 40)).toEqual([1400, 1400, 200, reply.length, more.length]);
    const tcp = records.map((r) => {
      const ip = readIpv4(r.data);
      expect(ip.proto).toBe(6);
      expect(l4ChecksumOk(ip, r.data)).toBe(true);
      const v = view(ip.payload);
      expect(ip.payload[12]).toBe(5 << 4); // data offset 20 bytes
      expect(ip.payload[13]).toBe(0x18); // PSH|ACK
      return { sport: v.getUint16(0), seq: v.getUint32(4), ack: v.getUint32(8), data: ip.payload.subarray(20) };
    });
    const [s1, s2, s3, r1, m1] = tcp as [typeof tcp[0], typeof tcp[0], typeof tcp[0], typeof tcp[0], typeof tcp[0]];
    expect(s2.seq).toBe((s1.seq + 1400) >>> 0);
    expect(s3.seq).toBe((s2.seq + 1400) >>> 0);
    expect(m1.seq).toBe((s1.seq + 3000) >>> 0);
    // The reply acknowledges all 3000 bytes; the next A→B segment acknowledges the reply.
    expect(r1.ack).toBe((s1.seq + 3000) >>> 0);
    expect(m1.ack).toBe((r1.seq + reply.length) >>> 0);
    expect(Buffer.concat([s1.data, s2.data, s3.data]).equals(Buffer.from(big))).toBe(true);
    expect(s1.sport).toBe(A.port);
    expect(r1.sport).toBe(B.port);
  });

  it('honours tcpSegmentSize and snapLength', () => {
    const payload = enc('x'.repeat(10));
    const recs = toIpRecords([{ timeMs: 0, src: A, dst: B, transport: 'tcp', payload }], { tcpSegmentSize: 4 });
    expect(recs.map((r) => r.data.length - 40)).toEqual([4, 4, 2]);
    const { records } = readPcap(writePcap([{ timeMs: 0, src: A, dst: B, transport: 'udp', payload }], { snapLength: 30 }));
    expect(records[0]!.caplen).toBe(30);
    expect(records[0]!.len).toBe(38);
  });

  it('writes IPv6 datagrams with a valid UDP checksum', () => {
    const payload = enc('OPTIONS sip:x SIP/2.0\r\n\r\n');
    const src = { ip: 'fd00::1', port: 5060 };
    const dst = { ip: 'fd00:0:0:0:0:0:0:2', port: 5060 };
    const [rec] = toIpRecords([{ timeMs: 0, src, dst, transport: 'udp', payload }]);
    const d = rec!.data;
    expect(d[0]! >> 4).toBe(6);
    expect(view(d).getUint16(4)).toBe(8 + payload.length);
    expect(d[6]).toBe(17);
    const pseudo = new Uint8Array(40);
    pseudo.set(d.subarray(8, 40), 0);
    view(pseudo).setUint32(32, 8 + payload.length);
    pseudo[39] = 17;
    expect(internetChecksum(pseudo, d.subarray(40))).toBe(0);
  });

  it('writes pcapng: SHB, IDB (raw IP, ns resolution) and one EPB per datagram', () => {
    const payload = enc('SIP/2.0 200 OK\r\n\r\n');
    const timeNs = 1_764_072_000_123_456_789n;
    const file = writePcapng([{ timeMs: timeNs, src: A, dst: B, transport: 'udp', payload }]);
    const v = view(file);
    const blocks: { type: number; body: Uint8Array }[] = [];
    let off = 0;
    while (off < file.length) {
      const type = v.getUint32(off, true);
      const len = v.getUint32(off + 4, true);
      expect(len % 4).toBe(0);
      expect(v.getUint32(off + len - 4, true)).toBe(len);
      blocks.push({ type, body: file.subarray(off + 8, off + len - 4) });
      off += len;
    }
    expect(off).toBe(file.length);
    expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6]);
    expect(view(blocks[0]!.body).getUint32(0, true)).toBe(0x1a2b3c4d);
    expect(view(blocks[1]!.body).getUint16(0, true)).toBe(LINKTYPE_RAW);
    // if_tsresol (code 9, length 1, value 9) is among the IDB options.
    const idbOpts = Buffer.from(blocks[1]!.body.subarray(8));
    expect(idbOpts.includes(Buffer.from([9, 0, 1, 0, 9]))).toBe(true);
    const epb = view(blocks[2]!.body);
    expect(epb.getUint32(0, true)).toBe(0);
    const ts = (BigInt(epb.getUint32(4, true)) << 32n) | BigInt(epb.getUint32(8, true));
    expect(ts).toBe(timeNs);
    expect(epb.getUint32(12, true)).toBe(28 + payload.length);
    expect(epb.getUint32(16, true)).toBe(28 + payload.length);
    readIpv4(blocks[2]!.body.subarray(20, 20 + 28 + payload.length));
  });

  it('converts times without losing precision', () => {
    // A double near 1.7e12 ms has a resolution of about 244 ns; the conversion must not add more error.
    const ns = toNanoseconds(1_764_072_000_123.456789);
    const err = ns - 1_764_072_000_123_456_789n;
    expect(err < 0n ? -err : err).toBeLessThan(250n);
    expect(toNanoseconds(1_764_072_000_123)).toBe(1_764_072_000_123_000_000n);
    expect(toNanoseconds(1.5)).toBe(1_500_000n);
    expect(toNanoseconds(7n)).toBe(7n);
    expect(() => toNanoseconds(-1)).toThrow(RangeError);
    expect(() => toNanoseconds(Number.NaN)).toThrow(RangeError);
  });

  it('parses addresses and rejects bad input', () => {
    expect(Array.from(parseIPv4('192.0.2.1'))).toEqual([192, 0, 2, 1]);
    expect(() => parseIPv4('256.0.0.1')).toThrow(RangeError);
    expect(() => parseIPv4('1.2.3')).toThrow(RangeError);
    expect(Array.from(parseIPv6('::1'))).toEqual([...new Array(15).fill(0), 1]);
    expect(Array.from(parseIPv6('[2001:db8::192.0.2.1]').subarray(12))).toEqual([192, 0, 2, 1]);
    expect(() => parseIPv6('1::2::3')).toThrow(RangeError);
    expect(() => parseIPv6('fe80::1%eth0')).toThrow(RangeError);
    const p = (ip: string, port = 5060): CapturePacket => ({
      timeMs: 0,
      src: { ip, port },
      dst: { ip: '10.0.0.1', port: 5060 },
      transport: 'udp',
      payload: new Uint8Array(0),
    });
    expect(() => writePcap([p('::1')])).toThrow(/family/);
    expect(() => writePcap([p('10.0.0.2', 70000)])).toThrow(/port/);
    expect(() =>
      writePcap([{ ...p('10.0.0.2'), payload: new Uint8Array(70000) }]),
    ).toThrow(RangeError);
  });
});
