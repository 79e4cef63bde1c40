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

export function inspectDatagram(data: Buffer, toTag: string): GuardVerdict {
  if (data.length > MAX_MESSAGE_BYTES) return { kind: 'drop', why: `message of ${data.length} bytes exceeds the bound` };
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
  for (const line of lines.slice(1)) {
    const m = /^([!-9;-~]+)[ \t]*:/.exec(line);
    if (!m) return `header line without a name and colon: "${line.slice(0, 60)}"`;
    const key = SINGLE.get(m[1].toLowerCase());
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
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
