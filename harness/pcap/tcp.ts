// TCP stream reassembly for SIP over TCP (RFC 3261 §18.3), one byte stream per direction.
//
// - A direction is keyed by its 4-tuple. Its sequence state is seeded by a SYN, or, when the
//   capture starts mid-stream, by the first segment seen.
// - Segments ahead of the expected sequence number are buffered; segments wholly behind it are
//   retransmissions and dropped; a segment reaching back over delivered bytes is trimmed.
// - A stream is cut into messages by the harness's own StreamFramer. Until a SIP start line
//   has been seen the stream is "searching": bytes before the first start line (the tail of a
//   message the capture began in the middle of) are skipped. A framing error resets the
//   direction to searching, so one bad message does not hide the rest of the stream.
// - A stream that shows no start line within MAX_SEARCH_BYTES is not SIP and is ignored.

import { StreamFramer } from '../sip';
import type { ParseResult } from '../sip';
import { looksLikeSipStartLine, MAX_START_LINE } from './sip-detect';

const FLAG_FIN = 0x01;
const FLAG_SYN = 0x02;
const FLAG_RST = 0x04;
const MAX_SEARCH_BYTES = 64 * 1024;
/** Out-of-order bytes buffered per direction before further ones are dropped (counted). */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export interface StreamEndpoints {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

export interface StreamMessage extends StreamEndpoints {
  result: ParseResult;
  /** Time and index of the packet whose bytes completed the message. */
  timeNs: bigint;
  packetIndex: number;
}

export interface TcpCounters {
  segments: number;
  malformedSegments: number;
  retransmissions: number;
  overlaps: number;
  outOfOrder: number;
  /** Directions that carried bytes but never a SIP start line (garbage, or another protocol). */
  nonSipStreams: number;
  /** Bytes skipped before the first start line of a direction (capture began mid-message). */
  skippedBytes: number;
  /** Messages cut off by FIN, RST or the end of the capture. */
  unfinishedMessages: number;
  /** Bytes still waiting behind a hole in the sequence space when the capture ended. */
  gapBytes: number;
  /** Out-of-order bytes dropped because too many were buffered. */
  droppedBytes: number;
}

interface Direction extends StreamEndpoints {
  nextSeq?: number;
  /** The SYN's sequence number, when the connection's start was captured. */
  synSeq?: number;
  pending: Map<number, Uint8Array>;
  pendingBytes: number;
  finSeq?: number;
  closed: boolean;
  state: 'searching' | 'sip' | 'not-sip';
  search: Uint8Array;
  /** Where the next line to test starts in `search`. */
  searchLineStart: number;
  framer: StreamFramer;
  sawBytes: boolean;
}

const seqDiff = (a: number, b: number): number => (a - b) | 0;

export class TcpReassembler {
  private readonly directions = new Map<string, Direction>();
  readonly counters: TcpCounters = {
    segments: 0,
    malformedSegments: 0,
    retransmissions: 0,
    overlaps: 0,
    outOfOrder: 0,
    nonSipStreams: 0,
    skippedBytes: 0,
    unfinishedMessages: 0,
    gapBytes: 0,
    droppedBytes: 0,
  };
  private now = { timeNs: 0n, packetIndex: 0 };

  constructor(private readonly onMessage: (message: StreamMessage) => void) {}

  /** One TCP segment (header and payload) between two addresses. */
  segment(src: string, dst: string, tcp: Uint8Array, timeNs: bigint, packetIndex: number): void {
    const headerLength = tcp.length >= 13 ? (tcp[12]! >> 4) * 4 : 0;
    if (headerLength < 20 || headerLength > tcp.length) {
      this.counters.malformedSegments++;
      return;
    }
    this.counters.segments++;
    this.now = { timeNs, packetIndex };
    const srcPort = (tcp[0]! << 8) | tcp[1]!;
    const dstPort = (tcp[2]! << 8) | tcp[3]!;
    const seq = ((tcp[4]! << 24) | (tcp[5]! << 16) | (tcp[6]! << 8) | tcp[7]!) >>> 0;
    const flags = tcp[13]!;
    const data = tcp.subarray(headerLength);
    const key = `${src} ${srcPort} ${dst} ${dstPort}`;
    let dir = this.directions.get(key);
    if (!dir || (flags & FLAG_SYN && dir.nextSeq !== undefined && dir.synSeq !== seq)) {
      // A SYN with a new initial sequence number starts a new connection on the same 4-tuple.
      if (dir) this.close(dir);
      dir = newDirection({ src, srcPort, dst, dstPort });
      this.directions.set(key, dir);
    }
    if (flags & FLAG_RST) {
      this.close(dir);
      return;
    }
    if (dir.closed) return;
    let start = seq;
    if (flags & FLAG_SYN) {
      start = (seq + 1) >>> 0;
      dir.synSeq = seq;
      dir.nextSeq ??= start;
    } else {
      dir.nextSeq ??= seq;
    }
    if (flags & FLAG_FIN) dir.finSeq = (start + data.length) >>> 0;
    this.insert(dir, start, data);
    if (dir.finSeq !== undefined && dir.nextSeq === dir.finSeq) this.close(dir);
  }

  /** The capture has ended: account for whatever every direction still holds. */
  finish(): void {
    for (const dir of this.directions.values()) this.close(dir);
  }

  private insert(dir: Direction, seq: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const ahead = seqDiff(seq, dir.nextSeq!);
    if (ahead > 0) {
      this.counters.outOfOrder++;
      const held = dir.pending.get(seq);
      if (held && held.length >= data.length) return;
      if (dir.pendingBytes + data.length > MAX_PENDING_BYTES) {
        this.counters.droppedBytes += data.length;
        return;
      }
      dir.pending.set(seq, data);
      dir.pendingBytes += data.length - (held?.length ?? 0);
      return;
    }
    if (!this.take(dir, seq, data)) return;
    // Deliver whatever the buffered segments now continue.
    for (let progressed = true; progressed && dir.pending.size > 0; ) {
      progressed = false;
      for (const [pendingSeq, bytes] of dir.pending) {
        if (seqDiff(pendingSeq, dir.nextSeq!) > 0) continue;
        dir.pending.delete(pendingSeq);
        dir.pendingBytes -= bytes.length;
        this.take(dir, pendingSeq, bytes);
        progressed = true;
        break;
      }
    }
  }

  /** Delivers the part of a segment at or behind nextSeq that is new. False when nothing was. */
  private take(dir: Direction, seq: number, data: Uint8Array): boolean {
    const behind = -seqDiff(seq, dir.nextSeq!);
    if (behind >= data.length) {
      this.counters.retransmissions++;
      return false;
    }
    if (behind > 0) this.counters.overlaps++;
    const fresh = data.subarray(behind);
    dir.nextSeq = (dir.nextSeq! + fresh.length) >>> 0;
    this.deliver(dir, fresh);
    return true;
  }

  private deliver(dir: Direction, bytes: Uint8Array): void {
    if (dir.state === 'not-sip') return;
    if (bytes.some((b) => b !== 0x0d && b !== 0x0a)) dir.sawBytes = true;
    if (dir.state === 'searching') {
      const rest = this.search(dir, bytes);
      if (rest === undefined) return;
      bytes = rest;
    }
    for (const result of dir.framer.push(bytes)) {
      this.onMessage({ ...endpoints(dir), result, ...this.now });
      if (!result.ok) {
        // The framer has dropped its buffer: look for the next start line.
        dir.state = 'searching';
        dir.framer = new StreamFramer();
      }
    }
  }

  /** Looks for a start line; returns the bytes from it on once found. */
  private search(dir: Direction, bytes: Uint8Array): Uint8Array | undefined {
    const joined = new Uint8Array(dir.search.length + bytes.length);
    joined.set(dir.search, 0);
    joined.set(bytes, dir.search.length);
    let lineStart = dir.searchLineStart;
    for (let i = lineStart; i < joined.length; i++) {
      if (joined[i] !== 0x0a) continue;
      const end = i > lineStart && joined[i - 1] === 0x0d ? i - 1 : i;
      if (end - lineStart <= MAX_START_LINE) {
        const line = Buffer.from(joined.buffer, joined.byteOffset + lineStart, end - lineStart).toString('latin1');
        if (looksLikeSipStartLine(line)) {
          this.counters.skippedBytes += lineStart;
          dir.state = 'sip';
          dir.search = new Uint8Array(0);
          dir.searchLineStart = 0;
          return joined.subarray(lineStart);
        }
      }
      lineStart = i + 1;
    }
    if (joined.length > MAX_SEARCH_BYTES) {
      dir.state = 'not-sip';
      dir.search = new Uint8Array(0);
      this.counters.nonSipStreams++;
      return undefined;
    }
    dir.search = joined;
    dir.searchLineStart = lineStart;
    return undefined;
  }

  private close(dir: Direction): void {
    if (dir.closed) return;
    dir.closed = true;
    this.counters.gapBytes += dir.pendingBytes;
    dir.pending.clear();
    dir.pendingBytes = 0;
    if (dir.state === 'sip' && dir.framer.end() !== undefined) this.counters.unfinishedMessages++;
    // Bytes that never showed a start line (CRLF keep-alives alone do not count).
    if (dir.state === 'searching' && dir.sawBytes && !dir.search.every((b) => b === 0x0d || b === 0x0a)) {
      this.counters.nonSipStreams++;
    }
    dir.search = new Uint8Array(0);
  }
}

function newDirection(e: StreamEndpoints): Direction {
  return {
    ...e,
    pending: new Map(),
    pendingBytes: 0,
    closed: false,
    state: 'searching',
    search: new Uint8Array(0),
    searchLineStart: 0,
    framer: new StreamFramer(),
    sawBytes: false,
  };
}

function endpoints(d: Direction): StreamEndpoints {
  return { src: d.src, srcPort: d.srcPort, dst: d.dst, dstPort: d.dstPort };
}
