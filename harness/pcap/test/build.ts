// Test-only builders: raw headers at every layer and capture files in any shape, so tests can
// write what writer.ts never would (segments out of order, fragments, VLAN tags, SLL2, two
// interfaces, big-endian files, broken blocks).

import { internetChecksum, parseIPv4, parseIPv6 } from '../writer';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A SIP request or response with Content-Length, ready for UDP or TCP. */
export function sip(opts: { start?: string; callId?: string; cseq?: string; branch?: string; body?: string; extra?: string[] } = {}): string {
  const body = opts.body ?? '';
  return [
    opts.start ?? 'REGISTER sip:example.org SIP/2.0',
    `Via: SIP/2.0/UDP 10.0.0.1:5070;branch=${opts.branch ?? 'z9hG4bK-1'}`,
    'From: <sip:a@example.org>;tag=1',
    'To: <sip:a@example.org>',
    `Call-ID: ${opts.callId ?? 'call-1'}`,
    `CSeq: ${opts.cseq ?? '1 REGISTER'}`,
    'Max-Forwards: 70',
    ...(opts.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

// ------------------------------------------------------------------------------ IP and above

export function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, out.length);
  out.set(payload, 8);
  return out; // checksum 0: legal over IPv4, and nobody here checks it
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH_ACK = 0x18;

export function tcp(sport: number, dport: number, seq: number, payload: Uint8Array = new Uint8Array(0), flags = TCP_PSH_ACK): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, 1);
  out[12] = 5 << 4;
  out[13] = flags;
  v.setUint16(14, 0xffff);
  out.set(payload, 20);
  return out;
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  protocol?: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8). */
  offset?: number;
  more?: boolean;
  /** IP options bytes (padded to 4 by the caller). */
  options?: Uint8Array;
}

export function ipv4(payload: Uint8Array, o: Ipv4Options = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const headerLength = 20 + opts.length;
  const out = new Uint8Array(headerLength + payload.length);
  const v = new DataView(out.buffer);
  out[0] = 0x40 | (headerLength / 4);
  v.setUint16(2, out.length);
  v.setUint16(4, o.id ?? 1);
  v.setUint16(6, ((o.more ? 0x2000 : 0) | ((o.offset ?? 0) / 8)) & 0xffff);
  out[8] = 64;
  out[9] = o.protocol ?? 17;
  out.set(parseIPv4(o.src ?? '10.0.0.1'), 12);
  out.set(parseIPv4(o.dst ?? '10.0.0.2'), 16);
  out.set(opts, 20);
  v.setUint16(10, internetChecksum(out.subarray(0, headerLength)));
  out.set(payload, headerLength);
  return out;
}

/** IPv6 with the given extension headers (each: next-header code and its bytes) before the payload. */
export function ipv6(payload: Uint8Array, o: { src?: string; dst?: string; protocol?: number; ext?: { code: number; bytes: Uint8Array }[] } = {}): Uint8Array {
  const ext = o.ext ?? [];
  const chain = [...ext.map((e) => e.code), o.protocol ?? 17];
  const extBytes = ext.map((e, i) => {
    const b = Uint8Array.from(e.bytes);
    b[0] = chain[i + 1]!; // each extension header names the next
    return b;
  });
  const body = concat(...extBytes, payload);
  const out = new Uint8Array(40 + body.length);
  const v = new DataView(out.buffer);
  out[0] = 0x60;
  v.setUint16(4, body.length);
  out[6] = chain[0]!;
  out[7] = 64;
  out.set(parseIPv6(o.src ?? 'fd00::1'), 8);
  out.set(parseIPv6(o.dst ?? 'fd00::2'), 24);
  out.set(body, 40);
  return out;
}

/** An 8-byte IPv6 Destination Options / Hop-by-Hop header (PadN). */
export function ipv6Options(): Uint8Array {
  return Uint8Array.of(0, 0, 1, 4, 0, 0, 0, 0);
}

export function ipv6Fragment(id: number, offset: number, more: boolean): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(2, offset | (more ? 1 : 0));
  v.setUint32(4, id);
  return b;
}

// ------------------------------------------------------------------------------ link layers

export function ethernet(etherType: number, payload: Uint8Array, vlanTpids: number[] = []): Uint8Array {
  const tags = vlanTpids.map((tpid, i) => Uint8Array.of(tpid >> 8, tpid & 0xff, 0, 10 + i));
  const head = Uint8Array.of(2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1);
  return concat(head, ...tags, Uint8Array.of(etherType >> 8, etherType & 0xff), payload);
}

export function sll(protocol: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(16);
  h[1] = 4; // outgoing
  h[3] = 1; // ARPHRD_ETHER
  h[5] = 6;
  h[14] = protocol >> 8;
  h[15] = protocol & 0xff;
  return concat(h, payload);
}

export function sll2(protocol: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  h[0] = protocol >> 8;
  h[1] = protocol & 0xff;
  h[7] = 3; // ifindex
  h[9] = 1; // ARPHRD_ETHER
  h[11] = 6;
  return concat(h, payload);
}

// ------------------------------------------------------------------------------ files

export interface Record {
  timeNs?: bigint;
  data: Uint8Array;
  originalLength?: number;
}

export function pcapFile(records: Record[], o: { linkType?: number; littleEndian?: boolean; nano?: boolean } = {}): Uint8Array {
  const le = o.littleEndian ?? true;
  const h = new Uint8Array(24);
  const hv = new DataView(h.buffer);
  hv.setUint32(0, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  hv.setUint16(4, 2, le);
  hv.setUint16(6, 4, le);
  hv.setUint32(16, 65535, le);
  hv.setUint32(20, o.linkType ?? 101, le);
  const parts = records.map((r) => {
    const t = r.timeNs ?? 0n;
    const rec = new Uint8Array(16 + r.data.length);
    const v = new DataView(rec.buffer);
    v.setUint32(0, Number(t / 1_000_000_000n), le);
    v.setUint32(4, Number(o.nano ? t % 1_000_000_000n : (t % 1_000_000_000n) / 1000n), le);
    v.setUint32(8, r.data.length, le);
    v.setUint32(12, r.originalLength ?? r.data.length, le);
    rec.set(r.data, 16);
    return rec;
  });
  return concat(h, ...parts);
}

const pad4 = (n: number): number => (n + 3) & ~3;

export function ngBlock(type: number, body: Uint8Array, le = true): Uint8Array {
  const total = 12 + pad4(body.length);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  out.set(body, 8);
  v.setUint32(total - 4, total, le);
  return out;
}

function ngOption(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const out = new Uint8Array(4 + pad4(value.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, code, le);
  v.setUint16(2, value.length, le);
  out.set(value, 4);
  return out;
}

export function shb(le = true): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x1a2b3c4d, le);
  v.setUint16(4, 1, le);
  v.setBigInt64(8, -1n, le);
  return ngBlock(0x0a0d0d0a, b, le);
}

export function idb(linkType: number, o: { le?: boolean; tsresol?: number; tsoffset?: bigint; snaplen?: number } = {}): Uint8Array {
  const le = o.le ?? true;
  const fixed = new Uint8Array(8);
  const v = new DataView(fixed.buffer);
  v.setUint16(0, linkType, le);
  v.setUint32(4, o.snaplen ?? 0, le);
  const opts: Uint8Array[] = [];
  if (o.tsresol !== undefined) opts.push(ngOption(9, Uint8Array.of(o.tsresol), le));
  if (o.tsoffset !== undefined) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, o.tsoffset, le);
    opts.push(ngOption(14, b, le));
  }
  if (opts.length > 0) opts.push(new Uint8Array(4));
  return ngBlock(1, concat(fixed, ...opts), le);
}

export function epb(interfaceId: number, units: bigint, data: Uint8Array, o: { le?: boolean; originalLength?: number; obsolete?: boolean } = {}): Uint8Array {
  const le = o.le ?? true;
  const fixed = new Uint8Array(20);
  const v = new DataView(fixed.buffer);
  if (o.obsolete) v.setUint16(0, interfaceId, le);
  else v.setUint32(0, interfaceId, le);
  v.setUint32(4, Number(units >> 32n), le);
  v.setUint32(8, Number(units & 0xffffffffn), le);
  v.setUint32(12, data.length, le);
  v.setUint32(16, o.originalLength ?? data.length, le);
  return ngBlock(o.obsolete ? 2 : 6, concat(fixed, data), le);
}

export function spb(data: Uint8Array, le = true): Uint8Array {
  const fixed = new Uint8Array(4);
  new DataView(fixed.buffer).setUint32(0, data.length, le);
  return ngBlock(3, concat(fixed, data), le);
}
