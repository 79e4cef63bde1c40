// Checks a raw datagram before the `sip` package sees it. The package drops broken input
// silently (notes, defect 4); SOS-ERR-1 wants a 400 whenever a response can be addressed.
import * as sip from 'sip';

export const MAX_MESSAGE_BYTES = 64 * 1024; // SOS-ERR-6

export type GuardVerdict =
  | { kind: 'pass' }
  | { kind: 'drop'; why: string }
  | { kind: 'reject'; why: string; response: string };

const REQUEST_LINE = /^([A-Za-z][\w.!%*+`'~-]*) (\S+) SIP\/2\.0$/;
const SINGLE = new Map<string, string>([
  ['to', 'to'], ['t', 'to'], ['from', 'from'], ['f', 'from'],
  ['call-id', 'call-id'], ['i', 'call-id'], ['cseq', 'cseq'],
  ['max-forwards', 'max-forwards'], ['content-length', 'content-length'], ['l', 'content-length'],
]);

export function inspectDatagram(data: Buffer, toTag: string, maxBytes = MAX_MESSAGE_BYTES): GuardVerdict {
  if (data.length > maxBytes) return { kind: 'drop', why: `message of ${data.length} bytes exceeds the bound` };
  const text = data.toString('latin1');
  const trimmed = text.replace(/^\s+/, '');
  if (trimmed === '') return { kind: 'drop', why: 'keep-alive' };
  const firstLineEnd = trimmed.search(/\r?\n/);
  const firstLine = firstLineEnd < 0 ? trimmed : trimmed.slice(0, firstLineEnd);
  const isResponse = /^SIP\/2\.0 /.test(firstLine);
  const rq = REQUEST_LINE.exec(firstLine);
  const problem = findProblem(trimmed, !!rq);
  if (!problem) return { kind: 'pass' };
  if (isResponse || !rq || rq[1] === 'ACK') return { kind: 'drop', why: problem };
  return { kind: 'reject', why: problem, response: badRequest(trimmed, problem, toTag) };
}

function findProblem(text: string, isRequest: boolean): string | undefined {
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0) return text.includes('\n\n') ? 'lines must end in CRLF' : 'no empty line after the headers';
  const lines = text.slice(0, sep).split(/\r\n(?![ \t])/);
  if (!isRequest && !/^SIP\/2\.0 \d{3} /.test(lines[0])) return `bad start line "${lines[0]}"`;
  const seen = new Map<string, number>();
  // RFC 3261 §7.3.1 and §25.1: no control character but HTAB in the header section, no
  // continuation line before the first header, header names are tokens, and the numeric
  // headers hold digits only (a negative Content-Length used to pass as a number).
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text.slice(0, sep))) return 'control character in the header section';
  if (/\r\n[ \t]/.test(lines[0])) return 'a continuation line before the first header';
  for (const line of lines.slice(1)) {
    const m = /^([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*:[ \t]*([\s\S]*)$/.exec(line);
    if (!m) return `header line without a token name and colon: "${line.slice(0, 60)}"`;
    const name = m[1].toLowerCase();
    const key = SINGLE.get(name);
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
    if (['content-length', 'l', 'expires'].includes(name) && !/^\d+[ \t]*$/.test(m[2])) return `malformed ${m[1]} "${m[2].slice(0, 20)}"`;
  }
  for (const [key, n] of seen) if (n > 1) return `${key} appears ${n} times`;
  const msg = sip.parse(text);
  if (!msg) return 'unparseable message';
  const h = msg.headers;
  if (!Array.isArray(h.via) || h.via.length === 0) return 'missing or malformed Via';
  if (!h['call-id']) return 'missing Call-ID';
  if (!h.to || !sip.parseUri(h.to.uri)) return 'missing or malformed To';
  if (!h.from || !sip.parseUri(h.from.uri)) return 'missing or malformed From';
  if (!h.cseq || !Number.isFinite(h.cseq.seq)) return 'missing or malformed CSeq';
  if (isRequest && h.cseq.method !== msg.method) return 'CSeq method differs from the request method';
  const mf = h['max-forwards'];
  if (mf !== undefined && !/^\s*\d{1,3}\s*$/.test(String(mf))) return 'malformed Max-Forwards';
  const body = text.slice(sep + 4);
  const cl = h['content-length'];
  if (cl !== undefined && (!Number.isFinite(cl) || cl > Buffer.byteLength(body, 'latin1'))) {
    return 'Content-Length larger than the body'; // RFC 3261 §18.3
  }
  return undefined;
}

/**
 * A Content-Length header whose value is not the body's length in bytes (not a number, or
 * another number). Only the `crash-on-bad-content-length` fault asks.
 */
export function contentLengthDisagrees(data: Buffer): boolean {
  const text = data.toString('latin1');
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0) return false;
  const m = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/im.exec(text.slice(0, sep));
  return !!m && (!/^\d+$/.test(m[1]) || Number(m[1]) !== data.length - sep - 4);
}

/** A 400 for a request the stream framing refused; undefined when it is not a request. */
export function rejectionFor(text: string, why: string, toTag: string): string | undefined {
  const trimmed = text.replace(/^\s+/, '');
  const firstLine = trimmed.split(/\r?\n/)[0] ?? '';
  const rq = REQUEST_LINE.exec(firstLine);
  return rq && rq[1] !== 'ACK' ? badRequest(trimmed, why, toTag) : undefined;
}

/** A 400 built from the request's own header lines, as far as they exist. */
function badRequest(text: string, why: string, toTag: string): string {
  const head = text.split(/\r?\n\r?\n/)[0];
  const lines = head.split(/\r?\n(?![ \t])/).slice(1);
  const copy = (names: string[]): string[] =>
    lines.filter((l) => {
      const m = /^([^\s:]+)\s*:/.exec(l);
      return !!m && names.includes(m[1].toLowerCase());
    });
  const via = copy(['via', 'v']);
  const to = copy(['to', 't']).slice(0, 1).map((l) => (/;\s*tag=/i.test(l) ? l : `${l};tag=${toTag}`));
  const out = [
    `SIP/2.0 400 Bad Request`,
    ...via,
    ...copy(['from', 'f']).slice(0, 1),
    ...to,
    ...copy(['call-id', 'i']).slice(0, 1),
    ...copy(['cseq']).slice(0, 1),
    `Warning: 399 - "${why.replace(/"/g, "'")}"`,
    'Content-Length: 0',
  ];
  return out.join('\r\n') + '\r\n\r\n';
}

/** SOS-ERR-6: a per-source budget, so one flooding address does not starve the others. */
export class FloodLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number, private readonly now: () => number) {}

  allow(source: string): boolean {
    const t = this.now();
    const b = this.buckets.get(source) ?? { tokens: this.perSecond, at: t };
    b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (this.buckets.size > 10000) this.buckets.clear();
    this.buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
