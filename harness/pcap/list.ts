// What `sosimple-conformance pcap ls FILE [--json]` prints: one row per SIP message.

import { Extraction, ExtractedMessage, extractSipFromFile } from './extract';

export interface PcapListEntry {
  /** ISO 8601 UTC with nanoseconds, e.g. 2026-11-25T12:00:00.123456789Z. */
  time: string;
  /** Nanoseconds since the epoch, as a decimal string (JSON has no 64-bit integers). */
  timeNs: string;
  /** "ip:port", IPv6 in brackets: "[fd00::1]:5060". */
  src: string;
  dst: string;
  transport: 'udp' | 'tcp';
  /** The start line, or "(unparsable: …)" when the message does not parse. */
  startLine: string;
  callId: string | null;
  cseq: string | null;
  /** The parse error, when there is one. */
  error: string | null;
}

export function isoTimeNs(timeNs: bigint): string {
  const ms = timeNs / 1_000_000n;
  const fraction = ((timeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-25T12:00:00.123Z
  return `${iso.slice(0, 19)}.${fraction.toString().padStart(9, '0')}Z`;
}

export function hostPortText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function listEntry(m: ExtractedMessage): PcapListEntry {
  const error = m.result.ok ? null : `${m.result.error.code}: ${m.result.error.message}`;
  return {
    time: isoTimeNs(m.timeNs),
    timeNs: m.timeNs.toString(),
    src: hostPortText(m.src.ip, m.src.port),
    dst: hostPortText(m.dst.ip, m.dst.port),
    transport: m.transport,
    startLine: m.startLine ?? `(unparsable: ${error})`,
    callId: m.callId ?? null,
    cseq: m.cseq ?? null,
    error,
  };
}

/** The list for an extraction already made (pure). */
export function listMessages(extraction: Extraction): PcapListEntry[] {
  return extraction.messages.map(listEntry);
}

/** Reads a capture file and lists its SIP messages. Throws PcapError or a file-system error. */
export function pcapList(file: string): PcapListEntry[] {
  return listMessages(extractSipFromFile(file));
}

/** A plain text table: one line per message, columns padded, long start lines cut. */
export function formatPcapTable(entries: readonly PcapListEntry[], maxStartLine = 60): string {
  const header = ['#', 'TIME', 'TRANSPORT', 'SRC', 'DST', 'START LINE', 'CALL-ID', 'CSEQ'];
  const cut = (s: string): string => (s.length > maxStartLine ? `${s.slice(0, maxStartLine - 1)}…` : s);
  const rows = entries.map((e, i) => [
    String(i + 1),
    e.time,
    e.transport.toUpperCase(),
    e.src,
    e.dst,
    cut(e.startLine),
    e.callId ?? '-',
    e.cseq ?? '-',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
