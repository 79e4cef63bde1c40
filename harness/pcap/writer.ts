// Writes the harness's own trace as a capture file that Wireshark/tshark can open.
//
// Pure functions, no I/O: a list of application payloads (one SIP datagram or one chunk of a
// TCP stream each) becomes the bytes of a classic pcap file (magic 0xa1b2c3d4, microsecond
// timestamps, little-endian) or a pcapng file (SHB, IDB, EPB; nanosecond timestamps). Both use
// LINKTYPE_RAW (101): every record starts with an IPv4 or IPv6 header that we build here.
//
// - IPv4: header checksum computed; DF set; identification counts up per file.
// - UDP and TCP checksums are computed (over IPv4 a UDP checksum of 0 would also be legal;
//   over IPv6 it is not). tshark does not check them by default anyway.
// - TCP: no handshake. Each direction of a 4-tuple gets a deterministic initial sequence
//   number; every payload is sent as PSH|ACK segments of at most `tcpSegmentSize` bytes, the
//   sequence number advancing per direction and the ACK number acknowledging what the other
//   direction has sent so far.

import { IP_PROTO_TCP, IP_PROTO_UDP } from './ip';

export type Transport = 'udp' | 'tcp';

export interface Endpoint {
  /** An IPv4 dotted quad or an IPv6 address (no zone id). Both ends must be the same family. */
  ip: string;
  port: number;
}

export interface CapturePacket {
  /**
   * When the packet was seen. A `number` is milliseconds since the Unix epoch (fractions
   * allowed, e.g. `performance.timeOrigin + performance.now()`); a `bigint` is nanoseconds
   * since the Unix epoch (e.g. from `process.hrtime.bigint()` anchored to the wall clock).
   */
  timeMs: number | bigint;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  /** The application bytes: one UDP datagram, or the next bytes of the TCP stream src→dst. */
  payload: Uint8Array;
}

export interface WriteOptions {
  /** Largest TCP payload per segment; longer payloads are split. Default 1400. */
  tcpSegmentSize?: number;
  /** Snap length written in the file header / IDB. Default 65535 (no record is cut). */
  snapLength?: number;
}

/** One IP datagram ready to be written as a record. */
export interface IpRecord {
  timeNs: bigint;
  data: Uint8Array;
}

export const LINKTYPE_RAW = 101;
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAPNG_BLOCK_SHB = 0x0a0d0d0a;
export const PCAPNG_BLOCK_IDB = 0x00000001;
export const PCAPNG_BLOCK_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const TCP_FLAG_PSH = 0x08;
const TCP_FLAG_ACK = 0x10;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
const TCP_HEADER = 20;
const MAX_IP_LENGTH = 0xffff;

// ---------------------------------------------------------------------------------------------
// Addresses

/** Parses a dotted-quad IPv4 address into 4 bytes; throws RangeError when malformed. */
export function parseIPv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) {
      throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    }
    out[i] = Number(p);
  });
  return out;
}

/** Parses an IPv6 address (with `::` and an optional dotted-quad tail) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array {
  const bad = (): never => {
    throw new RangeError(`not an IPv6 address: ${JSON.stringify(text)}`);
  };
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes('%')) bad();
  const halves = s.split('::');
  if (halves.length > 2) bad();
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    items.forEach((item, i) => {
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        bad();
      }
    });
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (halves.length === 1 && head.length !== 8) bad();
  if (halves.length === 2 && head.length + tail.length > 7) bad();
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function parseAddress(text: string): Uint8Array {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

// ---------------------------------------------------------------------------------------------
// Checksums

/** The 16-bit ones'-complement sum of `chunks` (each padded to an even length), not inverted. */
function onesSum(chunks: Uint8Array[]): number {
  let sum = 0;
  for (const c of chunks) {
    for (let i = 0; i + 1 < c.length; i += 2) sum += (c[i]! << 8) | c[i + 1]!;
    if (c.length % 2 === 1) sum += c[c.length - 1]! << 8;
    // Fold now and then so the number stays exact.
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

/** The Internet checksum (RFC 1071) of the given bytes. */
export function internetChecksum(...chunks: Uint8Array[]): number {
  return ~onesSum(chunks) & 0xffff;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, proto: number, length: number): Uint8Array {
  if (src.length === 4) {
    const p = new Uint8Array(12);
    p.set(src, 0);
    p.set(dst, 4);
    p[9] = proto;
    p[10] = length >> 8;
    p[11] = length & 0xff;
    return p;
  }
  const p = new Uint8Array(40);
  p.set(src, 0);
  p.set(dst, 16);
  new DataView(p.buffer).setUint32(32, length);
  p[39] = proto;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Headers

function ipDatagram(
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  l4: Uint8Array,
  ipId: number,
): Uint8Array {
  if (src.length === 4) {
    const total = IPV4_HEADER + l4.length;
    if (total > MAX_IP_LENGTH) throw new RangeError(`IPv4 datagram of ${total} bytes is too large`);
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    out[0] = 0x45; // version 4, IHL 5
    v.setUint16(2, total);
    v.setUint16(4, ipId & 0xffff);
    v.setUint16(6, 0x4000); // DF, offset 0
    out[8] = 64; // TTL
    out[9] = proto;
    out.set(src, 12);
    out.set(dst, 16);
    v.setUint16(10, internetChecksum(out.subarray(0, IPV4_HEADER)));
    out.set(l4, IPV4_HEADER);
    return out;
  }
  if (l4.length > MAX_IP_LENGTH) throw new RangeError(`IPv6 payload of ${l4.length} bytes is too large`);
  const out = new Uint8Array(IPV6_HEADER + l4.length);
  const v = new DataView(out.buffer);
  out[0] = 0x60; // version 6, traffic class 0, flow label 0
  v.setUint16(4, l4.length);
  out[6] = proto;
  out[7] = 64; // hop limit
  out.set(src, 8);
  out.set(dst, 24);
  out.set(l4, IPV6_HEADER);
  return out;
}

function udpSegment(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const length = UDP_HEADER + payload.length;
  if (length > MAX_IP_LENGTH) throw new RangeError(`UDP datagram of ${length} bytes is too large`);
  const out = new Uint8Array(length);
  const v = new DataView(out.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, length);
  out.set(payload, UDP_HEADER);
  const sum = internetChecksum(pseudoHeader(src, dst, IP_PROTO_UDP, length), out);
  v.setUint16(6, sum === 0 ? 0xffff : sum);
  return out;
}

function tcpSegment(
  src: Uint8Array,
  dst: Uint8Array,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(TCP_HEADER + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, ack >>> 0);
  out[12] = (TCP_HEADER / 4) << 4;
  out[13] = TCP_FLAG_PSH | TCP_FLAG_ACK;
  v.setUint16(14, 0xffff); // window
  out.set(payload, TCP_HEADER);
  v.setUint16(16, internetChecksum(pseudoHeader(src, dst, IP_PROTO_TCP, out.length), out));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Time

/** Converts a packet time to nanoseconds since the epoch (see CapturePacket.timeMs). */
export function toNanoseconds(time: number | bigint): bigint {
  if (typeof time === 'bigint') {
    if (time < 0n) throw new RangeError(`negative time: ${time}`);
    return time;
  }
  if (!Number.isFinite(time) || time < 0) throw new RangeError(`bad time: ${time}`);
  // Split so that epoch milliseconds (~1.7e12) times 1e6 does not lose precision in a double.
  const whole = Math.floor(time);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((time - whole) * 1e6));
}

// ---------------------------------------------------------------------------------------------
// Packets → IP datagrams

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`bad ${what} port: ${port}`);
}

/** A deterministic initial sequence number for one direction of a TCP flow (FNV-1a of it). */
function initialSequence(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Turns packets into IP datagrams, in input order: one per UDP packet, one or more per TCP
 * payload (split at `tcpSegmentSize`). Throws RangeError on a bad address, port, family mix,
 * oversized datagram or bad time.
 */
export function toIpRecords(packets: readonly CapturePacket[], options: WriteOptions = {}): IpRecord[] {
  const mss = options.tcpSegmentSize ?? 1400;
  if (!Number.isInteger(mss) || mss < 1 || mss > MAX_IP_LENGTH - IPV6_HEADER - TCP_HEADER) {
    throw new RangeError(`bad tcpSegmentSize: ${mss}`);
  }
  const nextSeq = new Map<string, number>(); // direction key -> next sequence number to send
  const seqOf = (key: string): number => {
    let s = nextSeq.get(key);
    if (s === undefined) {
      s = initialSequence(key);
      nextSeq.set(key, s);
    }
    return s;
  };
  let ipId = 1;
  const records: IpRecord[] = [];
  for (const p of packets) {
    const src = parseAddress(p.src.ip);
    const dst = parseAddress(p.dst.ip);
    if (src.length !== dst.length) {
      throw new RangeError(`address family mismatch: ${p.src.ip} -> ${p.dst.ip}`);
    }
    checkPort(p.src.port, 'source');
    checkPort(p.dst.port, 'destination');
    const timeNs = toNanoseconds(p.timeMs);
    if (p.transport === 'udp') {
      const udp = udpSegment(src, dst, p.src.port, p.dst.port, p.payload);
      records.push({ timeNs, data: ipDatagram(src, dst, IP_PROTO_UDP, udp, ipId++) });
      continue;
    }
    if (p.transport !== 'tcp') throw new RangeError(`bad transport: ${String(p.transport)}`);
    const fwd = `tcp ${p.src.ip} ${p.src.port} ${p.dst.ip} ${p.dst.port}`;
    const rev = `tcp ${p.dst.ip} ${p.dst.port} ${p.src.ip} ${p.src.port}`;
    let seq = seqOf(fwd);
    const ack = seqOf(rev);
    const chunks: Uint8Array[] = [];
    for (let off = 0; off < p.payload.length; off += mss) chunks.push(p.payload.subarray(off, off + mss));
    if (chunks.length === 0) chunks.push(new Uint8Array(0));
    for (const chunk of chunks) {
      const tcp = tcpSegment(src, dst, p.src.port, p.dst.port, seq, ack, chunk);
      records.push({ timeNs, data: ipDatagram(src, dst, IP_PROTO_TCP, tcp, ipId++) });
      seq = (seq + chunk.length) >>> 0;
    }
    nextSeq.set(fwd, seq);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// File formats

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function snapLengthOf(options: WriteOptions): number {
  const snap = options.snapLength ?? 65535;
  if (!Number.isInteger(snap) || snap < 1 || snap > 0xffffffff) throw new RangeError(`bad snapLength: ${snap}`);
  return snap;
}

/**
 * A classic pcap file: 24-byte global header (magic 0xa1b2c3d4 little-endian, version 2.4,
 * microsecond timestamps, LINKTYPE_RAW), then one 16-byte record header + IP datagram per record.
 */
export function writePcap(packets: readonly CapturePacket[], options: WriteOptions = {}): Uint8Array {
  const snap = snapLengthOf(options);
  const records = toIpRecords(packets, options);
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  // thiszone 0, sigfigs 0
  hv.setUint32(16, snap, true);
  hv.setUint32(20, LINKTYPE_RAW, true);
  const parts: Uint8Array[] = [header];
  for (const r of records) {
    const seconds = r.timeNs / 1_000_000_000n;
    if (seconds > 0xffffffffn) throw new RangeError(`time ${r.timeNs} ns does not fit a pcap record`);
    const micros = (r.timeNs % 1_000_000_000n) / 1000n;
    const caplen = Math.min(r.data.length, snap);
    const rec = new Uint8Array(16 + caplen);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, Number(seconds), true);
    rv.setUint32(4, Number(micros), true);
    rv.setUint32(8, caplen, true);
    rv.setUint32(12, r.data.length, true);
    rec.set(r.data.subarray(0, caplen), 16);
    parts.push(rec);
  }
  return concat(parts);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One pcapng option (code, value padded to 32 bits). */
function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + pad4(value.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}

const END_OF_OPTIONS = new Uint8Array(4);

/** A pcapng block: type, total length, body (padded), total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  v.setUint32(total - 4, total, true);
  return out;
}

/**
 * A pcapng file (little-endian): one Section Header Block, one Interface Description Block
 * (LINKTYPE_RAW, if_tsresol = 9, i.e. nanoseconds) and one Enhanced Packet Block per record.
 */
export function writePcapng(packets: readonly CapturePacket[], options: WriteOptions = {}): Uint8Array {
  const snap = snapLengthOf(options);
  const records = toIpRecords(packets, options);
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  const shbFixed = new Uint8Array(16);
  const sv = new DataView(shbFixed.buffer);
  sv.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, true);
  sv.setUint16(4, 1, true); // major
  sv.setUint16(6, 0, true); // minor
  sv.setBigInt64(8, -1n, true); // section length unknown
  const shb = block(PCAPNG_BLOCK_SHB, concat([shbFixed, option(4, text('sosimple-conformance')), END_OF_OPTIONS]));

  const idbFixed = new Uint8Array(8);
  const iv = new DataView(idbFixed.buffer);
  iv.setUint16(0, LINKTYPE_RAW, true);
  iv.setUint32(4, snap, true);
  const idb = block(
    PCAPNG_BLOCK_IDB,
    concat([idbFixed, option(2, text('sosimple-trace')), option(9, Uint8Array.of(9)), END_OF_OPTIONS]),
  );

  const parts: Uint8Array[] = [shb, idb];
  for (const r of records) {
    if (r.timeNs > 0xffffffffffffffffn) throw new RangeError(`time ${r.timeNs} ns does not fit pcapng`);
    const caplen = Math.min(r.data.length, snap);
    const body = new Uint8Array(20 + pad4(caplen));
    const bv = new DataView(body.buffer);
    bv.setUint32(0, 0, true); // interface 0
    bv.setUint32(4, Number(r.timeNs >> 32n), true);
    bv.setUint32(8, Number(r.timeNs & 0xffffffffn), true);
    bv.setUint32(12, caplen, true);
    bv.setUint32(16, r.data.length, true);
    body.set(r.data.subarray(0, caplen), 20);
    parts.push(block(PCAPNG_BLOCK_EPB, body));
  }
  return concat(parts);
}
