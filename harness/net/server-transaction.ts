// The server side of one request that reached a virtual node (RFC 3261 §17.2): the scripted
// or default reply, one To-tag for every response of the transaction, and retransmissions of
// the request absorbed by re-sending the last response (§17.2.2) instead of handling it again.

import { MessageBuilder } from '../sip/builder';
import { newTag } from '../sip/builder';
import { responseTo } from '../sip/craft';
import type { SipMessage } from '../sip/types';
import { transactionKey } from './correlate';
import type { TraceEntry } from './trace';

/** A response as a test writes it: a status (reason and To-tag filled in), a builder, or raw bytes. */
export type Reply =
  | {
      status: number;
      reason?: string;
      /** Added after the fields copied from the request (Via, From, To, Call-ID, CSeq). */
      headers?: ReadonlyArray<readonly [string, string | number]>;
      body?: string;
      contentType?: string;
    }
  | MessageBuilder
  | Uint8Array;

/**
 * What a request handler decides. A Reply or a list of them (e.g. 100 then 302) is sent;
 * 'silence' sends nothing; 'handled' means the handler answers through the transaction
 * itself, possibly later; undefined passes the request to the next handler (or the default).
 */
export type HandlerResult = Reply | readonly Reply[] | 'silence' | 'handled' | undefined | void;

export type RequestHandler = (request: ServerTransaction) => HandlerResult | Promise<HandlerResult>;

/** The default policy: reply with a status, stay silent, or decide per request. */
export type DefaultReply = { status: number; reason?: string } | 'silence' | ((request: ServerTransaction) => Reply | 'silence');

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  420: 'Bad Extension',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  488: 'Not Acceptable Here',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 200 ? 'Provisional' : status < 300 ? 'OK' : status < 400 ? 'Redirect' : 'Error');
}

export type SendResponse = (bytes: Uint8Array, retransmission: boolean) => void;

export class ServerTransaction {
  readonly request: SipMessage;
  /** The trace entry of the request's first arrival: time, transport, remote address. */
  readonly entry: TraceEntry;
  readonly key: string | undefined;
  /** One To-tag for every response of this transaction, so a provisional and the final agree. */
  readonly toTag = newTag();
  /** Retransmissions of the request absorbed (and the ACKs of a non-2xx INVITE answer). */
  readonly retransmissions: TraceEntry[] = [];
  readonly acks: TraceEntry[] = [];
  /** The bytes of every response sent, in order, re-sends excluded. */
  readonly responsesSent: Uint8Array[] = [];
  private readonly sendBytes: SendResponse;

  constructor(request: SipMessage, entry: TraceEntry, send: SendResponse) {
    this.request = request;
    this.entry = entry;
    this.key = transactionKey(request);
    this.sendBytes = send;
  }

  get method(): string {
    return this.request.startLine.kind === 'request' ? this.request.startLine.method : '';
  }

  get responded(): boolean {
    return this.responsesSent.length > 0;
  }

  /** The status of the last response sent, or undefined. */
  get lastStatus(): number | undefined {
    const last = this.responsesSent[this.responsesSent.length - 1];
    return last && Number(/^SIP\/2\.0 (\d{3})/i.exec(Buffer.from(last.subarray(0, 16)).toString('latin1'))?.[1]);
  }

  /** A response built from the request with responseTo; edit it before it is sent, if needed. */
  build(status: number, reason = reasonPhrase(status)): MessageBuilder {
    return responseTo(this.request, status, reason, this.toTag);
  }

  respond(reply: Reply): void {
    if (this.method === 'ACK') throw new Error('an ACK gets no response (RFC 3261 §17.1.1.3): do not answer it');
    const bytes = this.render(reply);
    this.responsesSent.push(bytes);
    this.sendBytes(bytes, false);
  }

  /** §17.2.2: a retransmitted request gets the last response again, or nothing if none went out yet. */
  absorb(entry: TraceEntry): void {
    entry.retransmission = true;
    this.retransmissions.push(entry);
    const last = this.responsesSent[this.responsesSent.length - 1];
    if (last) this.sendBytes(last, true);
  }

  private render(reply: Reply): Uint8Array {
    if (reply instanceof Uint8Array) return reply;
    if (reply instanceof MessageBuilder) return reply.build();
    const b = this.build(reply.status, reply.reason);
    for (const [name, value] of reply.headers ?? []) b.header(name, value);
    if (reply.body !== undefined) b.body(reply.body, reply.contentType);
    return b.build();
  }
}
