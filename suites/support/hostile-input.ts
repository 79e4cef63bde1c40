// Sending hostile input to a node under test and judging what comes back (SOS-ERR-1, -6):
// which messages must get a 400, how torture fixtures are pointed at the harness, the raw
// UDP/TCP sends with their answers, and the liveness check that names the input a node
// died on. Pure helpers first, I/O at the end.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { RingNode } from '../../harness/cluster/cluster';
import type { VirtualNode } from '../../harness/net/virtual-node';
import type { NetEndpoint, NetTransport, Trace } from '../../harness/net/trace';
import { checkMessage } from '../../harness/sip/check';
import { nodeQuery } from '../../harness/sip/craft';
import { parseVia } from '../../harness/sip/headers';
import { parseMessage } from '../../harness/sip/parse';
import { StreamFramer } from '../../harness/sip/stream';
import type { ParseErrorCode, ParseResult, SipMessage } from '../../harness/sip/types';
import type { SuiteRing } from './ring';

// ------------------------------------------------------------------ what must get a 400

/** Parse errors that lie in the header section or its framing, after a good request line. */
const HEADER_SECTION_ERRORS: ReadonlySet<ParseErrorCode> = new Set<ParseErrorCode>([
  'bad-header-line',
  'bad-header-name',
  'illegal-character',
  'bare-line-feed',
  'no-header-end',
  'bad-content-length',
  'content-length-mismatch',
  'missing-content-length',
]);

const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) ([\x21-\x7e]+) SIP\/2\.0$/;

export interface Expectation {
  /** SOS-ERR-1: the node must answer 400. */
  expect400: boolean;
  /** Why (or why not), for failure messages. */
  why: string;
}

function headLines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return (end < 0 ? text : text.slice(0, end)).split(/\r?\n/);
}

/**
 * SOS-ERR-1 (RFC 3261 §21.4.1): a request whose request line parses and whose header section
 * is malformed gets 400 "when a response can be addressed", i.e. it carries a Via the
 * response can follow. Malformed means: the strict codec fails inside the header section, or
 * a base RFC 3261 rule on the header fields is broken (SOS-WIRE-1: a mandatory field missing,
 * a single-valued one repeated, a value that does not parse). Not counted: a missing
 * Max-Forwards, which RFC 3261 §16.3 lets pass; ACK, which is never answered; and a message
 * over the size bound (SOS-ERR-6 governs it).
 */
export function expectationFor(bytes: Uint8Array, transport: NetTransport): Expectation {
  const lines = headLines(bytes);
  const first = (lines[0] ?? '').replace(/\r$/, '');
  const rq = REQUEST_LINE.exec(first);
  if (!rq) return { expect400: false, why: 'no parseable request line' };
  if (rq[1] === 'ACK') return { expect400: false, why: 'an ACK is never answered' };
  const via = lines.slice(1).find((l) => /^(via|v)[ \t]*:/i.test(l));
  if (!via || !parseVia(via.slice(via.indexOf(':') + 1).trim()).ok) return { expect400: false, why: 'no Via a response could follow' };
  const parsed = parseMessage(bytes, { transport: transport === 'tcp' ? 'stream' : 'udp' });
  if (!parsed.ok) {
    const { code, message, at } = parsed.error;
    const why = `${code} at ${at.line}:${at.column}: ${message}`;
    // On a stream, a header section that never ends, or a body shorter than announced, is
    // an unfinished message, not a broken one: nothing can be answered yet.
    if (transport === 'tcp' && (code === 'no-header-end' || code === 'content-length-mismatch')) return { expect400: false, why: `unfinished on a stream: ${why}` };
    // RFC 3261 §18.3: on UDP, bytes beyond Content-Length are discarded; only a body shorter than announced is an error.
    if (transport === 'udp' && code === 'content-length-mismatch' && !bodyShorterThanAnnounced(bytes)) return { expect400: false, why: `extra bytes are discarded (RFC 3261 §18.3): ${why}` };
    if (HEADER_SECTION_ERRORS.has(code)) return { expect400: true, why };
    return { expect400: false, why };
  }
  const broken = syntaxFindings(parsed.message);
  if (broken.length > 0) return { expect400: true, why: broken.join('; ') };
  return { expect400: false, why: 'well-formed' };
}

function bodyShorterThanAnnounced(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(end < 0 ? text : text.slice(0, end));
  return end >= 0 && !!m && Number(m[1]) > bytes.length - end - 4;
}

function syntaxFindings(m: SipMessage): string[] {
  return checkMessage(m)
    .filter((f) => f.severity === 'error' && f.requirement === 'SOS-WIRE-1' && !/no max-forwards header/.test(f.message) && !/To-tag/.test(f.message))
    .map((f) => `${f.at.line}:${f.at.column} ${f.message}`);
}

/** Statuses that do not serve a request: what a bounded node may answer a message over the size bound with. */
export const REFUSALS = new Set([400, 413, 513]);

// ------------------------------------------------------------------ pointing fixtures at the harness

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g;

/**
 * Rewrites a fixture for this ring: every IPv4 address in the header section becomes the
 * harness endpoint (so nothing is ever sent to the fixture's 10.0.0.x addresses, and a
 * response that follows Via comes back), and each Via branch and Call-ID gets the marker
 * `.q<serial>q` so answers can be matched to what was sent. Node IDs are left as written, so
 * a fixture join cannot admit the harness into the ring (the IDs no longer match the address,
 * SOS-JOIN-6). The body is untouched, so Content-Length stays as true or false as it was.
 * With `addresses: false` (messages the harness crafted for this ring) only the markers are added.
 */
export function retarget(bytes: Uint8Array, to: NetEndpoint, serial: number, options: { addresses?: boolean } = {}): Uint8Array {
  const raw = Buffer.from(bytes);
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headEnd = end < 0 ? text.length : end;
  const head = text
    .slice(0, headEnd)
    .replace(IPV4, (address) => ((options.addresses ?? true) ? `${to.host}:${to.port}` : address))
    .replace(/(branch=)([^;,\s]+)/gi, `$1$2${marker(serial)}`)
    .replace(/^((?:call-id|i)[ \t]*:[ \t]*)([^\r\n]*?)([ \t]*)$/gim, `$1$2${marker(serial)}$3`);
  return Buffer.concat([Buffer.from(head, 'latin1'), raw.subarray(headEnd)]);
}

export function marker(serial: number): string {
  return `.q${serial}q`;
}

// ------------------------------------------------------------------ what was sent, for failure messages

export interface Sent {
  label: string;
  transport: NetTransport;
  bytes: Uint8Array;
}

/** The last `limit` inputs sent to a node: a node that dies is reported with them. */
export class RecentInputs {
  private readonly list: Sent[] = [];
  constructor(private readonly limit = 10) {}

  push(s: Sent): void {
    this.list.push(s);
    if (this.list.length > this.limit) this.list.shift();
  }

  clear(): void {
    this.list.length = 0;
  }

  describe(): string {
    return this.list.map((s, i) => `  ${i + 1}. ${s.label} (${s.transport.toUpperCase()}, ${s.bytes.length} bytes): ${visible(s.bytes)}`).join('\n');
  }
}

/** A message as one readable line: CRLF as ⏎, other control bytes as \xNN, long ones cut. */
export function visible(bytes: Uint8Array, max = 400): string {
  const text = Buffer.from(bytes).toString('latin1');
  const shown = text
    .slice(0, max)
    .replace(/\r\n/g, '⏎')
    .replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${shown}… (${text.length - max} more bytes)` : shown;
}

// ------------------------------------------------------------------ liveness

/**
 * Why the node is not alive, or undefined: it must still run as far as the driver knows and
 * answer a node query for its own ID (SOS-LOOKUP-5). A slow answer is given a second chance,
 * so a busy machine is not taken for a crash.
 */
export async function deadBecause(r: SuiteRing, node: RingNode): Promise<string | undefined> {
  const running = r.cluster.nodes.includes(node);
  let lastError = '';
  for (const timeoutMs of [3000, 6000]) {
    try {
      await r.probe.request(node, nodeQuery(r.probe.endpoint, node, node.nodeId), { timeoutMs });
      return running ? undefined : `the ${r.cluster.driver} driver reports ${node.name} exited, yet it answered`;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
  }
  const exited = r.cluster.nodes.includes(node) ? 'the driver still reports it running' : `the ${r.cluster.driver} driver reports it exited`;
  return `no answer to a node query for its own ID (${lastError}); ${exited}`;
}

// ------------------------------------------------------------------ sending

export interface Answer {
  /** From the status line, even when the rest of the reply does not parse; 0 when there is none. */
  status: number;
  raw: Uint8Array;
  /** Why the codec refused the reply: an answer to a broken request may itself be broken. */
  unparseable?: string;
}

/** The status of a reply; undefined for a request. A reply the codec refuses keeps the status its status line names. */
function statusOf(bytes: Uint8Array, parsed: ParseResult): number | undefined {
  if (parsed.ok) return parsed.message.startLine.kind === 'response' ? parsed.message.startLine.status : undefined;
  const m = /^SIP\/2\.0 ([1-6]\d\d) /.exec(Buffer.from(bytes.subarray(0, 64)).toString('latin1'));
  return m ? Number(m[1]) : 0;
}

const ANY_MARKER = /\.q\d+q/;

/**
 * Final responses (and replies the codec refuses) in `trace` since `from` that carry `mark`;
 * with `orUnmarked`, also those that carry no marker at all (the input lost its own, say by
 * truncation, and is the only one waiting for an answer).
 */
export function answersMarked(trace: Trace, from: number, node: string, mark: string, orUnmarked = false): Answer[] {
  const out: Answer[] = [];
  for (const e of trace.entries.slice(from)) {
    if (e.direction !== 'in' || e.node !== node) continue;
    const text = Buffer.from(e.bytes).toString('latin1');
    if (!text.includes(mark) && !(orUnmarked && !ANY_MARKER.test(text))) continue;
    const status = statusOf(e.bytes, e.parsed);
    if (status === undefined || (status >= 100 && status < 200)) continue;
    out.push({ status, raw: e.bytes, ...(e.parsed.ok ? {} : { unparseable: `${e.parsed.error.code}: ${e.parsed.error.message}` }) });
  }
  return out;
}

/** Sends raw bytes over UDP from `from`; with `waitMs`, waits that long at most for an answer carrying `mark`. */
export async function sendUdp(from: VirtualNode, to: NetEndpoint, bytes: Uint8Array, mark: string, waitMs: number): Promise<Answer[]> {
  const start = from.trace.entries.length;
  await from.send(to, bytes, 'udp');
  const deadline = Date.now() + waitMs;
  const lostMark = !Buffer.from(bytes).toString('latin1').includes(mark);
  for (;;) {
    const got = answersMarked(from.trace, start, from.name, mark, lostMark && waitMs > 0);
    if (got.length > 0 || Date.now() >= deadline) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sends raw bytes on a connection of their own (a framing error cannot then spill into the
 * next message) and returns the final responses that came back within `waitMs`, or until
 * the node closed the connection. `closed` tells whether the node closed it.
 */
export function sendTcp(trace: Trace, name: string, fromHost: string, to: NetEndpoint, bytes: Uint8Array, waitMs: number): Promise<{ answers: Answer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const answers: Answer[] = [];
    const framer = new StreamFramer(16 * 1024 * 1024);
    let closed = false;
    let finished = false;
    const socket = connect({ host: to.host, port: to.port, localAddress: fromHost });
    const local = (): NetEndpoint => ({ host: socket.localAddress ?? fromHost, port: socket.localPort ?? 0 });
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers, closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', () => {
      trace.record({ node: name, direction: 'out', transport: 'tcp', local: local(), remote: to, bytes });
      socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const result of framer.push(new Uint8Array(chunk))) {
        const raw = result.ok ? result.message.raw : new Uint8Array(chunk);
        trace.record({ node: name, direction: 'in', transport: 'tcp', local: local(), remote: to, bytes: raw, parsed: result });
        const status = statusOf(raw, result);
        if (status !== undefined && (status >= 200 || status === 0)) answers.push({ status, raw, ...(result.ok ? {} : { unparseable: `${result.error.code}: ${result.error.message}` }) });
      }
      if (answers.some((a) => a.status >= 200)) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = !finished;
      finish();
    });
  });
}

/**
 * A flood from one address: datagrams(socket address)(i) for i = 0, 1, … at `rate` per
 * second from one UDP socket bound on `host`, until `durationMs` has passed. Not traced (it would swamp the trace)
 * and answers are read and dropped. Resolves with the number sent.
 */
export async function floodUdp(host: string, to: NetEndpoint, datagrams: (from: NetEndpoint) => (i: number) => Uint8Array, rate: number, durationMs: number): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port: 0 }, () => resolve());
  });
  socket.on('error', () => undefined);
  const datagram = datagrams({ host, port: socket.address().port });
  let sent = 0;
  const started = Date.now();
  try {
    for (let elapsed = 0; elapsed < durationMs; elapsed = Date.now() - started) {
      // Catch up with the schedule, so a late timer does not lower the rate.
      const due = Math.floor((elapsed / 1000) * rate);
      for (; sent < due; sent++) socket.send(datagram(sent), to.port, to.host);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return sent;
}
