// The client side of one request (RFC 3261 §17.1): send, retransmit over UDP on timer E
// (non-INVITE) or timer A (INVITE), collect every response matching branch + Call-ID + CSeq,
// settle on the final one or on the timeout. The socket work is the virtual node's; this
// class only decides when to transmit and what a reply means.

import type { SipMessage } from '../sip/types';
import { callIdOf, topViaBranch } from './correlate';
import type { NetEndpoint, NetTransport, TraceEntry } from './trace';

/** RFC 3261 §17.1.1.1 defaults. */
export const T1_MS = 500;
export const T2_MS = 4000;

export interface RetransmitTimers {
  t1Ms: number;
  t2Ms: number;
}

/** A message that arrived, with the trace entry that recorded it (time, addresses, bytes). */
export interface Received {
  message: SipMessage;
  entry: TraceEntry;
}

/** Timer functions, injectable so the retransmission schedule is tested with a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** `REGISTER sip:x to 127.0.0.2:5060 over UDP (Call-ID abc@h)`: how errors name a request. */
export function describeRequest(request: SipMessage, destination: NetEndpoint, transport: NetTransport): string {
  const line = request.startLine;
  const what = line.kind === 'request' ? `${line.method} ${line.uri}` : line.raw;
  return `${what} to ${destination.host}:${destination.port} over ${transport.toUpperCase()} (Call-ID ${callIdOf(request) ?? '(none)'})`;
}

export class TransactionTimeoutError extends Error {
  override readonly name = 'TransactionTimeoutError';
  constructor(
    readonly request: string,
    readonly waitedMs: number,
    readonly transmissions: number,
    readonly responses: readonly Received[],
    readonly malformed: readonly TraceEntry[],
  ) {
    const got = responses.length === 0 ? 'no response' : `only ${responses.map((r) => statusOf(r.message)).join(', ')}`;
    const bad = malformed.map((e) => (e.parsed.ok ? '' : `; malformed reply: ${e.parsed.error.code} at ${e.parsed.error.at.line}:${e.parsed.error.at.column}: ${e.parsed.error.message}`)).join('');
    super(`no final response to ${request} within ${waitedMs} ms (sent ${transmissions} time(s), got ${got}${bad})`);
  }
}

export class TransactionClosedError extends Error {
  override readonly name = 'TransactionClosedError';
  constructor(readonly request: string, node: string) {
    super(`virtual node ${node} closed while waiting for the final response to ${request}`);
  }
}

function statusOf(m: SipMessage): string {
  return m.startLine.kind === 'response' ? String(m.startLine.status) : m.startLine.raw;
}

export type ClientState = 'calling' | 'proceeding' | 'completed' | 'failed';

export interface ClientTransactionInit {
  request: SipMessage;
  destination: NetEndpoint;
  transport: NetTransport;
  timeoutMs: number;
  /** False (and always on TCP, §17.1.2.2): send once. */
  retransmit: RetransmitTimers | false;
  /** Puts the request on the wire; `retransmission` marks timer-driven resends in the trace. */
  transmit: (retransmission: boolean) => void;
  timers?: Timers;
}

export class ClientTransaction {
  readonly request: SipMessage;
  readonly destination: NetEndpoint;
  readonly transport: NetTransport;
  readonly branch: string | undefined;
  /** Every matching response in arrival order: provisional, final, and any retransmitted final after it. */
  readonly responses: Received[] = [];
  /** Unparseable replies whose bytes carry this request's branch (best effort: they cannot be parsed to match). */
  readonly malformed: TraceEntry[] = [];
  /** Resolves with the first final response; rejects on timeout, transport failure or close. */
  readonly final: Promise<Received>;
  state: ClientState = 'calling';
  /** How many times the request went on the wire, the first send included. */
  transmissions = 0;

  private readonly init: ClientTransactionInit;
  private readonly timers: Timers;
  private resolveFinal!: (r: Received) => void;
  private rejectFinal!: (e: Error) => void;
  private retransmitTimer: unknown;
  private timeoutTimer: unknown;
  private interval = 0;

  constructor(init: ClientTransactionInit) {
    this.init = init;
    this.request = init.request;
    this.destination = init.destination;
    this.transport = init.transport;
    this.branch = topViaBranch(init.request);
    this.timers = init.timers ?? realTimers;
    this.final = new Promise<Received>((resolve, reject) => {
      this.resolveFinal = resolve;
      this.rejectFinal = reject;
    });
    // A caller that only inspects `responses` must not turn a timeout into an unhandled rejection.
    this.final.catch(() => undefined);
  }

  get method(): string {
    return this.request.startLine.kind === 'request' ? this.request.startLine.method : '';
  }

  get description(): string {
    return describeRequest(this.request, this.destination, this.transport);
  }

  get provisional(): Received[] {
    return this.responses.filter((r) => r.message.startLine.kind === 'response' && r.message.startLine.status < 200);
  }

  get settled(): boolean {
    return this.state === 'completed' || this.state === 'failed';
  }

  start(): void {
    this.send(false);
    this.timeoutTimer = this.timers.setTimeout(() => {
      this.fail(new TransactionTimeoutError(this.description, this.init.timeoutMs, this.transmissions, [...this.responses], [...this.malformed]));
    }, this.init.timeoutMs);
    if (this.init.retransmit && this.transport === 'udp') {
      this.interval = this.init.retransmit.t1Ms;
      this.scheduleRetransmit();
    }
  }

  /** A response whose branch, Call-ID and CSeq match this request. */
  receive(r: Received): void {
    this.responses.push(r);
    if (this.settled || r.message.startLine.kind !== 'response') return;
    if (r.message.startLine.status < 200) {
      this.state = 'proceeding';
      // §17.1.1.2: an INVITE stops retransmitting on a provisional response; a non-INVITE
      // carries on at T2 (§17.1.2.2), rescheduled when the running timer fires.
      if (this.method === 'INVITE') this.stopRetransmitting();
      return;
    }
    this.state = 'completed';
    this.clearTimers();
    this.resolveFinal(r);
  }

  /** Ends the transaction with an error (timeout, connect failure, close). No effect once settled. */
  fail(error: Error): void {
    if (this.settled) return;
    this.state = 'failed';
    this.clearTimers();
    this.rejectFinal(error);
  }

  private send(retransmission: boolean): void {
    this.transmissions++;
    this.init.transmit(retransmission);
  }

  private scheduleRetransmit(): void {
    const timers = this.init.retransmit;
    if (!timers) return;
    this.retransmitTimer = this.timers.setTimeout(() => {
      if (this.settled) return;
      this.send(true);
      if (this.method === 'INVITE') this.interval *= 2; // timer A: doubles, no cap
      else this.interval = this.state === 'proceeding' ? timers.t2Ms : Math.min(this.interval * 2, timers.t2Ms); // timer E
      this.scheduleRetransmit();
    }, this.interval);
  }

  private stopRetransmitting(): void {
    if (this.retransmitTimer !== undefined) this.timers.clearTimeout(this.retransmitTimer);
    this.retransmitTimer = undefined;
  }

  private clearTimers(): void {
    this.stopRetransmitting();
    if (this.timeoutTimer !== undefined) this.timers.clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
  }
}
