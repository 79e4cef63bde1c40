// The harness's checker run over every message a node sent, for the report. What each message
// is for comes from the exchange, exactly as the wire sweep reads it (harness/sip/check-roles.ts
// judgeReceived): a request by its own class, a response by the request the harness sent.
// Findings keep the line and column they concern, so the page can mark the line at fault.

import { checkMessage } from '../sip/check';
import { judgeReceived, type TracedMessage } from '../sip/check-roles';
import { parseMessage } from '../sip/parse';
import type { ParseResult } from '../sip/types';
import type { EndpointJson, TraceEntryJson } from './evidence';

export interface FindingEntry {
  requirement: string;
  severity: 'error' | 'warning';
  line: number;
  column: number;
  expected: string;
  found: string;
  message: string;
}

export interface MessageVerdict {
  /** The start line as sent, or the first line of bytes that did not parse. */
  startLine: string;
  /** How the harness read a message a node sent (`answer to REGISTER node-query, query-ok`). */
  reading?: string;
  findings: FindingEntry[];
}

export function entryBytes(e: Pick<TraceEntryJson, 'raw' | 'encoding'>): Buffer {
  return Buffer.from(e.raw, e.encoding === 'utf8' ? 'utf8' : 'latin1');
}

interface Traced extends TracedMessage {
  seq: number;
}

const key = (a: EndpointJson): string => `${a.host.toLowerCase()}:${a.port}`;

/**
 * Judges every message a node sent (direction `in`) in one trace; the harness's own messages
 * are not judged (suites send broken ones on purpose), nor retransmissions. Keyed by seq.
 * `nodes` are the ring's addresses, so entries naming a node without its port are caught.
 */
export function judgeTrace(entries: readonly TraceEntryJson[], nodes: readonly EndpointJson[] = []): Map<number, MessageVerdict> {
  const out = new Map<number, MessageVerdict>();
  const harness = new Set(entries.map((e) => key(e.local)));
  const traced: Traced[] = entries.map((e) => {
    const bytes = entryBytes(e);
    const parsed: ParseResult = parseMessage(bytes, { transport: e.transport === 'tcp' ? 'stream' : 'udp' });
    const startLine = parsed.ok ? parsed.message.startLine.raw : (bytes.toString('latin1').split(/\r?\n/, 1)[0] ?? '');
    out.set(e.seq, { startLine, findings: [] });
    return { seq: e.seq, direction: e.direction, transport: e.transport, local: e.local, remote: e.remote, parsed, ...(e.retransmission ? { retransmission: true } : {}) };
  });
  for (const j of judgeReceived(traced, (a) => harness.has(key(a)), nodes)) {
    const verdict = out.get(j.entry.seq)!;
    verdict.reading = j.reading;
    const parsed = j.entry.parsed;
    if (!parsed.ok) {
      const { code, message, at } = parsed.error;
      verdict.findings.push({ requirement: 'SOS-WIRE-1', severity: 'error', line: at.line, column: at.column, expected: 'a message that parses (RFC 3261 §7)', found: code, message: `parse error: ${message}` });
      continue;
    }
    verdict.findings = checkMessage(parsed.message, j.context ?? {}).map((f) => ({
      requirement: f.requirement,
      severity: f.severity,
      line: f.at.line,
      column: f.at.column,
      expected: f.expected,
      found: f.found,
      message: f.message,
    }));
  }
  return out;
}
