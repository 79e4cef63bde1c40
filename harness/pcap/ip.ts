// IPv4 and IPv6: header walking and fragment reassembly, up to the transport payload.
//
// Fragments are kept per datagram (IPv4: src, dst, protocol, id — RFC 791; IPv6: src, dst, id
// — RFC 8200 §4.5) in any order, and the datagram is delivered when its pieces cover it from 0
// to the end the last fragment names. Fragments still held when the capture ends are counted
// by the caller as incomplete. Overlapping pieces are copied in arrival order (a later piece
// overwrites); that is what a capture of a well-behaved stack never shows anyway.

export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51;
const IPV6_DEST_OPTIONS = 60;
/** Datagrams being reassembled at once; beyond it the oldest is given up (counted). */
const MAX_PENDING_DATAGRAMS = 4096;
const MAX_DATAGRAM = 0xffff + 40;

export interface TransportSegment {
  kind: 'segment';
  family: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  /** The transport header and payload. */
  payload: Uint8Array;
  /** True when this came out of fragment reassembly. */
  reassembled: boolean;
}

export type IpResult = TransportSegment | { kind: 'fragment-held' } | { kind: 'skip'; reason: 'ip-malformed' | 'ip-truncated' };

const be16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;
const be32 = (d: Uint8Array, at: number): number => ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;

export function formatIPv4(d: Uint8Array, at: number): string {
  return `${d[at]}.${d[at + 1]}.${d[at + 2]}.${d[at + 3]}`;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`. */
export function formatIPv6(d: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(be16(d, at + 2 * i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

interface PendingDatagram {
  pieces: { offset: number; data: Uint8Array }[];
  /** Known once the last fragment (more-fragments clear) has arrived. */
  total?: number;
  /** IPv6: the header that follows the Fragment header, from the offset-0 fragment. */
  nextHeader?: number;
}

/** Holds the fragments of datagrams being reassembled. */
class FragmentTable {
  private readonly pending = new Map<string, PendingDatagram>();
  /** Datagrams given up because too many were pending at once. */
  evicted = 0;

  /** Adds one fragment; returns the whole payload when this completed it. */
  add(key: string, offset: number, data: Uint8Array, more: boolean, nextHeader?: number): PendingDatagram & { whole?: Uint8Array } {
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= MAX_PENDING_DATAGRAMS) {
        this.pending.delete(this.pending.keys().next().value as string);
        this.evicted++;
      }
      entry = { pieces: [] };
      this.pending.set(key, entry);
    }
    entry.pieces.push({ offset, data });
    if (!more) entry.total = offset + data.length;
    if (offset === 0 && nextHeader !== undefined) entry.nextHeader = nextHeader;
    if (entry.total === undefined) return entry;
    const sorted = [...entry.pieces].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of sorted) {
      if (p.offset > covered) return entry; // a hole
      covered = Math.max(covered, p.offset + p.data.length);
    }
    if (covered < entry.total) return entry;
    const whole = new Uint8Array(entry.total);
    for (const p of entry.pieces) {
      // A piece beyond the end the last fragment named is junk; ignore it.
      if (p.offset < entry.total) whole.set(p.data.subarray(0, entry.total - p.offset), p.offset);
    }
    this.pending.delete(key);
    return { ...entry, whole };
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Decodes IP datagrams in capture order; keeps fragment state between calls. */
export class IpDecoder {
  private readonly fragments = new FragmentTable();

  /** Datagrams whose fragments never all arrived (call at the end of the capture). */
  incompleteDatagrams(): number {
    return this.fragments.size + this.fragments.evicted;
  }

  decode(family: 4 | 6, datagram: Uint8Array): IpResult {
    return family === 4 ? this.ipv4(datagram) : this.ipv6(datagram);
  }

  private ipv4(d: Uint8Array): IpResult {
    if (d.length < 20) return { kind: 'skip', reason: 'ip-truncated' };
    if (d[0]! >> 4 !== 4) return { kind: 'skip', reason: 'ip-malformed' };
    const headerLength = (d[0]! & 0x0f) * 4;
    // A total length of 0 is what a capture on a sender with TCP segmentation offload shows
    // for a segment the NIC will split: the datagram is what was captured (Wireshark does so too).
    const totalLength = be16(d, 2) === 0 ? d.length : be16(d, 2);
    if (headerLength < 20 || totalLength < headerLength) return { kind: 'skip', reason: 'ip-malformed' };
    if (totalLength > d.length) return { kind: 'skip', reason: 'ip-truncated' };
    // Trim to the total length: Ethernet pads short frames with trailing bytes.
    const payload = d.subarray(headerLength, totalLength);
    const src = formatIPv4(d, 12);
    const dst = formatIPv4(d, 16);
    const protocol = d[9]!;
    const flagsOffset = be16(d, 6);
    const more = (flagsOffset & 0x2000) !== 0;
    const offset = (flagsOffset & 0x1fff) * 8;
    if (!more && offset === 0) return { kind: 'segment', family: 4, src, dst, protocol, payload, reassembled: false };
    if (offset + payload.length > MAX_DATAGRAM) return { kind: 'skip', reason: 'ip-malformed' };
    const done = this.fragments.add(`4 ${src} ${dst} ${protocol} ${be16(d, 4)}`, offset, payload, more);
    if (!done.whole) return { kind: 'fragment-held' };
    return { kind: 'segment', family: 4, src, dst, protocol, payload: done.whole, reassembled: true };
  }

  private ipv6(d: Uint8Array): IpResult {
    if (d.length < 40) return { kind: 'skip', reason: 'ip-truncated' };
    if (d[0]! >> 4 !== 6) return { kind: 'skip', reason: 'ip-malformed' };
    const end = 40 + be16(d, 4);
    // A payload length of 0 with a hop-by-hop header means a jumbogram; not on a SIP capture.
    if (end > d.length) return { kind: 'skip', reason: 'ip-truncated' };
    const src = formatIPv6(d, 8);
    const dst = formatIPv6(d, 24);
    const walked = walkExtensions(d[6]!, d.subarray(40, end));
    if (walked.kind === 'skip') return walked;
    if (walked.kind === 'payload') {
      return { kind: 'segment', family: 6, src, dst, protocol: walked.protocol, payload: walked.payload, reassembled: false };
    }
    const f = walked.fragment;
    const done = this.fragments.add(`6 ${src} ${dst} ${f.id}`, f.offset, f.data, f.more, f.nextHeader);
    if (!done.whole) return { kind: 'fragment-held' };
    if (done.nextHeader === undefined) return { kind: 'skip', reason: 'ip-malformed' };
    // The reassembled part may itself start with more extension headers (destination options).
    const again = walkExtensions(done.nextHeader, done.whole);
    if (again.kind !== 'payload') return { kind: 'skip', reason: 'ip-malformed' };
    return { kind: 'segment', family: 6, src, dst, protocol: again.protocol, payload: again.payload, reassembled: true };
  }
}

type Walked =
  | { kind: 'payload'; protocol: number; payload: Uint8Array }
  | { kind: 'fragment'; fragment: { id: number; offset: number; more: boolean; nextHeader: number; data: Uint8Array } }
  | { kind: 'skip'; reason: 'ip-malformed' | 'ip-truncated' };

/** Follows IPv6 extension headers from `next` over `d` to the transport payload or a Fragment header. */
function walkExtensions(next: number, d: Uint8Array): Walked {
  let at = 0;
  // At most one of each header type may occur; 16 hops bound a hostile chain.
  for (let hops = 0; hops < 16; hops++) {
    switch (next) {
      case IPV6_HOP_BY_HOP:
      case IPV6_ROUTING:
      case IPV6_DEST_OPTIONS: {
        if (at + 2 > d.length) return { kind: 'skip', reason: 'ip-truncated' };
        const nextNext = d[at]!;
        at += (d[at + 1]! + 1) * 8;
        next = nextNext;
        break;
      }
      case IPV6_AH: {
        if (at + 2 > d.length) return { kind: 'skip', reason: 'ip-truncated' };
        const nextNext = d[at]!;
        at += (d[at + 1]! + 2) * 4;
        next = nextNext;
        break;
      }
      case IPV6_FRAGMENT: {
        if (at + 8 > d.length) return { kind: 'skip', reason: 'ip-truncated' };
        const offsetFlags = be16(d, at + 2);
        return {
          kind: 'fragment',
          fragment: { nextHeader: d[at]!, offset: offsetFlags & 0xfff8, more: (offsetFlags & 1) === 1, id: be32(d, at + 4), data: d.subarray(at + 8) },
        };
      }
      default:
        if (at > d.length) return { kind: 'skip', reason: 'ip-truncated' };
        return { kind: 'payload', protocol: next, payload: d.subarray(at) };
    }
  }
  return { kind: 'skip', reason: 'ip-malformed' };
}
