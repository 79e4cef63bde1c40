// The trace of a test: every message the harness's virtual nodes sent or received, in order,
// with time, direction, transport, both addresses, the raw bytes and the codec's verdict.
// Suites judge traces, not live state (conventions: quic-interop-runner), and a failing test
// leaves its trace as pcap/pcapng (harness/pcap/writer.ts) and as readable text.

import { writePcap, writePcapng, type CapturePacket, type WriteOptions } from '../pcap/writer';
import { parseMessage } from '../sip/parse';
import type { ParseResult } from '../sip/types';

export type Direction = 'in' | 'out';
export type NetTransport = 'udp' | 'tcp';

export interface NetEndpoint {
  host: string;
  port: number;
}

/** Nanoseconds since the Unix epoch. */
export type Clock = () => bigint;

// Wall-clock anchor taken once, so timestamps are monotonic (hrtime) yet comparable with logs.
const HRTIME_ANCHOR = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** The default clock: process.hrtime anchored to Date.now at module load. */
export const systemClock: Clock = () => HRTIME_ANCHOR + process.hrtime.bigint();

export interface TraceEntry {
  /** 1-based position in the trace. */
  seq: number;
  timeNs: bigint;
  /** The virtual node that sent or received it. */
  node: string;
  direction: Direction;
  transport: NetTransport;
  local: NetEndpoint;
  remote: NetEndpoint;
  /** One datagram, or one framed message of a stream (for a stream framing error: the chunk that broke it). */
  bytes: Uint8Array;
  parsed: ParseResult;
  /** Out: a timer E/A resend or a cached response re-sent. In: a retransmitted request absorbed. */
  retransmission?: boolean;
}

export type TraceRecord = Omit<TraceEntry, 'seq' | 'timeNs' | 'parsed'> & { parsed?: ParseResult };

export class Trace {
  private readonly list: TraceEntry[] = [];
  readonly now: Clock;

  constructor(options: { now?: Clock } = {}) {
    this.now = options.now ?? systemClock;
  }

  get entries(): readonly TraceEntry[] {
    return this.list;
  }

  /** Appends an entry stamped with the clock; parses the bytes when no verdict is given. */
  record(r: TraceRecord): TraceEntry {
    const parsed = r.parsed ?? parseMessage(r.bytes, { transport: r.transport === 'tcp' ? 'stream' : 'udp' });
    const entry: TraceEntry = { ...r, parsed, seq: this.list.length + 1, timeNs: this.now() };
    this.list.push(entry);
    return entry;
  }

  /** The entries as capture packets: src/dst follow the direction of each message. */
  toCapturePackets(): CapturePacket[] {
    return this.list.map((e) => {
      const local = { ip: e.local.host, port: e.local.port };
      const remote = { ip: e.remote.host, port: e.remote.port };
      const out = e.direction === 'out';
      return { timeMs: e.timeNs, src: out ? local : remote, dst: out ? remote : local, transport: e.transport, payload: e.bytes };
    });
  }

  toPcap(options?: WriteOptions): Uint8Array {
    return writePcap(this.toCapturePackets(), options);
  }

  toPcapng(options?: WriteOptions): Uint8Array {
    return writePcapng(this.toCapturePackets(), options);
  }

  /** A readable dump: one block per message, blank line between blocks. */
  toText(): string {
    const first = this.list[0]?.timeNs ?? 0n;
    return this.list.map((e) => formatEntry(e, first)).join('\n');
  }
}

/** ISO-8601 with nanoseconds: 2026-11-25T12:10:08.123456789Z. */
export function formatTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

function endpointText(e: NetEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** Shows control characters other than CRLF as \xNN so a broken message stays readable. */
function visible(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]|\r/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatEntry(e: TraceEntry, originNs = e.timeNs): string {
  const [src, dst] = e.direction === 'out' ? [e.local, e.remote] : [e.remote, e.local];
  const offsetMs = (Number(e.timeNs - originNs) / 1e6).toFixed(3);
  const flags = e.retransmission ? ' [retransmission]' : '';
  const head = `#${e.seq} ${formatTime(e.timeNs)} (+${offsetMs} ms) ${e.node} ${e.direction} ${e.transport.toUpperCase()} ${endpointText(src)} -> ${endpointText(dst)}${flags}`;
  const lines = [head];
  if (e.parsed.ok) {
    const m = e.parsed.message;
    lines.push(m.startLine.raw, ...m.headers.map((h) => h.raw.replace(/\r\n/g, '\n')));
    lines.push(m.body.length === 0 ? '(no body)' : `(body: ${m.body.length} bytes)\n${visible(Buffer.from(m.body).toString('utf8'))}`);
  } else {
    const { code, message, at } = e.parsed.error;
    lines.push(`! parse error ${code} at ${at.line}:${at.column}: ${message}`);
    lines.push(visible(Buffer.from(e.bytes).toString('latin1')).replace(/\n$/, ''));
  }
  return lines.join('\n') + '\n';
}
