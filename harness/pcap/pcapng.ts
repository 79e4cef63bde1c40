// pcapng (draft-ietf-opsawg-pcapng): sections, interfaces and the three packet blocks.
//
// - Every Section Header Block restarts the byte order and the interface table, so a file made
//   by concatenating captures (mergecap -a, cat) reads correctly.
// - Timestamps are in units of the interface's if_tsresol (default microseconds) and shifted by
//   its if_tsoffset (seconds); packets carry nanoseconds.
// - A Simple Packet Block has no timestamp: it gets the previous packet's time (0 if none) so
//   the packet list stays in time order.

import { Capture, CapturedPacket, PcapError } from './capture';
import { PCAPNG_BLOCK_EPB, PCAPNG_BLOCK_IDB, PCAPNG_BLOCK_SHB, PCAPNG_BYTE_ORDER_MAGIC } from './writer';

// The block types and the byte-order magic the writer writes are the ones read here.
const BLOCK_SHB = PCAPNG_BLOCK_SHB;
const BLOCK_IDB = PCAPNG_BLOCK_IDB;
const BLOCK_PB = 2; // obsolete Packet Block
const BLOCK_SPB = 3;
const BLOCK_EPB = PCAPNG_BLOCK_EPB;
const BYTE_ORDER_MAGIC = PCAPNG_BYTE_ORDER_MAGIC;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp unit: 10^-n seconds (decimal) or 2^-n seconds (binary). */
  resolution: { base: 10 | 2; exponent: number };
  offsetSeconds: bigint;
}

/** Converts a timestamp in the interface's units to nanoseconds since the epoch. */
export function timestampToNs(units: bigint, resolution: Interface['resolution'], offsetSeconds: bigint): bigint {
  let ns: bigint;
  if (resolution.base === 2) {
    ns = (units * 1_000_000_000n) >> BigInt(resolution.exponent);
  } else if (resolution.exponent <= 9) {
    ns = units * 10n ** BigInt(9 - resolution.exponent);
  } else {
    ns = units / 10n ** BigInt(resolution.exponent - 9);
  }
  return ns + offsetSeconds * 1_000_000_000n;
}

interface Cursor {
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
}

/** Walks the options between `from` and `to`; stops quietly at an end marker or at a bad length. */
function readOptions(c: Cursor, from: number, to: number, visit: (code: number, at: number, length: number) => void): void {
  let at = from;
  while (at + 4 <= to) {
    const code = c.view.getUint16(at, c.le);
    const length = c.view.getUint16(at + 2, c.le);
    if (code === OPT_END || at + 4 + length > to) return;
    visit(code, at + 4, length);
    at += 4 + ((length + 3) & ~3);
  }
}

function readInterface(c: Cursor, offset: number, length: number): Interface {
  const iface: Interface = {
    linkType: c.view.getUint16(offset + 8, c.le),
    snapLength: c.view.getUint32(offset + 12, c.le),
    resolution: { base: 10, exponent: 6 },
    offsetSeconds: 0n,
  };
  readOptions(c, offset + 16, offset + length - 4, (code, at, len) => {
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const v = c.bytes[at]!;
      // High bit set: a negative power of 2; otherwise of 10. Wider than 2^-63 / 10^-18 is nonsense.
      iface.resolution = v & 0x80 ? { base: 2, exponent: Math.min(v & 0x7f, 63) } : { base: 10, exponent: Math.min(v, 18) };
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      iface.offsetSeconds = c.view.getBigInt64(at, c.le);
    }
  });
  return iface;
}

/** True when the file is too short for its first Section Header Block (of a known byte order). */
function firstHeaderCut(view: DataView): boolean {
  if (view.byteLength < 12) return true;
  const le = view.getUint32(8, true) === BYTE_ORDER_MAGIC;
  if (!le && view.getUint32(8, false) !== BYTE_ORDER_MAGIC) return false; // a bad magic, reported as such
  return view.byteLength < 28 || view.getUint32(4, le) > view.byteLength;
}

export function readPcapng(bytes: Uint8Array): Capture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c: Cursor = { bytes, view, le: true };
  const packets: CapturedPacket[] = [];
  const capture: Capture = { format: 'pcapng', littleEndian: true, resolution: 'per-interface', packets, skippedBlocks: 0, warnings: [] };
  let interfaces: Interface[] = [];
  let lastTimeNs = 0n;
  let sections = 0;
  let offset = 0;

  const push = (interfaceId: number, units: bigint | undefined, capturedLength: number, originalLength: number, dataAt: number, blockAt: number): void => {
    const iface = interfaces[interfaceId];
    if (!iface) {
      throw new PcapError(`packet block for interface ${interfaceId}, but the section declares ${interfaces.length}`, blockAt);
    }
    if (units !== undefined) lastTimeNs = timestampToNs(units, iface.resolution, iface.offsetSeconds);
    packets.push({
      index: packets.length,
      timeNs: lastTimeNs,
      linkType: iface.linkType,
      interfaceId,
      capturedLength,
      originalLength,
      data: bytes.subarray(dataAt, dataAt + capturedLength),
    });
  };

  while (offset < bytes.length) {
    if (offset === 0 && firstHeaderCut(view)) {
      // Without a whole first section header there is no capture at all, as with a cut pcap file header.
      throw new PcapError(`truncated pcapng section header: ${bytes.length} bytes`, 0);
    }
    if (offset + 12 > bytes.length) {
      capture.truncation = { offset, message: `block header cut short: ${bytes.length - offset} bytes left` };
      break;
    }
    const type = view.getUint32(offset, c.le); // the SHB type reads the same in both orders
    if (type === BLOCK_SHB) {
      const magic = view.getUint32(offset + 8, true);
      if (magic === BYTE_ORDER_MAGIC) c.le = true;
      else if (view.getUint32(offset + 8, false) === BYTE_ORDER_MAGIC) c.le = false;
      else throw new PcapError(`section header with a bad byte-order magic 0x${magic.toString(16).padStart(8, '0')}`, offset);
      if (sections === 0) capture.littleEndian = c.le;
      sections++;
      interfaces = [];
    }
    const length = view.getUint32(offset + 4, c.le);
    const minimum = type === BLOCK_SHB ? 28 : 12;
    if (length < minimum || length % 4 !== 0) {
      throw new PcapError(`block length inconsistent: type ${type}, total length ${length}`, offset);
    }
    if (offset + length > bytes.length) {
      capture.truncation = { offset, message: `block of type ${type} cut short: ${bytes.length - offset} of ${length} bytes` };
      break;
    }
    const trailer = view.getUint32(offset + length - 4, c.le);
    if (trailer !== length) {
      throw new PcapError(`block length inconsistent: type ${type} says ${length} at its start and ${trailer} at its end`, offset);
    }
    const tooShort = (need: number): void => {
      if (length < need) throw new PcapError(`block length inconsistent: type ${type} needs ${need} bytes, has ${length}`, offset);
    };
    const capturedFits = (capturedLength: number, fixed: number): void => {
      if (fixed + capturedLength > length - 4) {
        throw new PcapError(`block length inconsistent: ${capturedLength} captured bytes do not fit a ${length}-byte block`, offset);
      }
    };
    switch (type) {
      case BLOCK_SHB: {
        const major = view.getUint16(offset + 12, c.le);
        if (major !== 1) throw new PcapError(`unsupported pcapng version ${major}`, offset);
        break;
      }
      case BLOCK_IDB:
        tooShort(20);
        interfaces.push(readInterface(c, offset, length));
        break;
      case BLOCK_EPB:
      case BLOCK_PB: {
        // Same layout, but the obsolete PB has a 16-bit interface ID (then a drops count).
        tooShort(32);
        const interfaceId = type === BLOCK_EPB ? view.getUint32(offset + 8, c.le) : view.getUint16(offset + 8, c.le);
        const capturedLength = view.getUint32(offset + 20, c.le);
        capturedFits(capturedLength, 28);
        const units = (BigInt(view.getUint32(offset + 12, c.le)) << 32n) | BigInt(view.getUint32(offset + 16, c.le));
        push(interfaceId, units, capturedLength, view.getUint32(offset + 24, c.le), offset + 28, offset);
        break;
      }
      case BLOCK_SPB: {
        tooShort(16);
        const originalLength = view.getUint32(offset + 8, c.le);
        const snap = interfaces[0]?.snapLength ?? 0;
        // The captured length is not stored: it is the original length cut at the snaplen
        // (0 = no limit), and the block cannot hold more than its body.
        let capturedLength = Math.min(originalLength, length - 16);
        if (snap > 0) capturedLength = Math.min(capturedLength, snap);
        push(0, undefined, capturedLength, originalLength, offset + 12, offset);
        break;
      }
      default:
        capture.skippedBlocks++;
    }
    offset += length;
  }
  return capture;
}
