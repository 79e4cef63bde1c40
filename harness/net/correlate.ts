// Correlation of messages into transactions and dialogs (RFC 3261 §17.1.3, §17.2.3, §12).
// Pure functions over parsed messages: the virtual nodes use them to route what arrives,
// and suites use them to read a trace.

import { headersNamed, headerValue, parseCSeq, parseVia } from '../sip/headers';
import type { SipMessage } from '../sip/types';
import { paramValue } from '../sip/uri';

/** The branch parameter of the top Via, or undefined when there is no parseable Via or no branch. */
export function topViaBranch(message: SipMessage): string | undefined {
  const top = headersNamed(message, 'via')[0];
  if (!top) return undefined;
  const vias = parseVia(top.value);
  if (!vias.ok || vias.value.length === 0) return undefined;
  const branch = paramValue(vias.value[0]!.params, 'branch');
  return branch === undefined || branch === '' ? undefined : branch;
}

export function cseqOf(message: SipMessage): { seq: number; method: string } | undefined {
  const value = headerValue(message, 'cseq');
  if (value === undefined) return undefined;
  const r = parseCSeq(value);
  return r.ok ? r.value : undefined;
}

export function callIdOf(message: SipMessage): string | undefined {
  return headerValue(message, 'call-id');
}

/**
 * The server-transaction key (RFC 3261 §17.2.3): top Via branch and CSeq method, where an
 * ACK is keyed as the INVITE it acknowledges. Branches are compared case-sensitively, as
 * the RFC compares them. Undefined when the message lacks a branch or a CSeq.
 */
export function transactionKey(message: SipMessage): string | undefined {
  const branch = topViaBranch(message);
  const cseq = cseqOf(message);
  if (branch === undefined || cseq === undefined) return undefined;
  const method = cseq.method === 'ACK' ? 'INVITE' : cseq.method;
  return `${branch} ${method}`;
}

/**
 * What a client transaction matches its responses on: top Via branch, Call-ID and the whole
 * CSeq. Stricter than §17.1.3 (branch + method) on purpose: a node that answers with the
 * right branch but a wrong Call-ID or CSeq number has not answered this request.
 */
export function clientMatchKey(message: SipMessage): string | undefined {
  const branch = topViaBranch(message);
  const callId = callIdOf(message);
  const cseq = cseqOf(message);
  if (branch === undefined || callId === undefined || cseq === undefined) return undefined;
  return `${branch} ${callId} ${cseq.seq} ${cseq.method}`;
}

/**
 * Groups items by the Call-ID of their message, keeping arrival order inside a group and the
 * order of first appearance between groups. Items without a parsed message or a Call-ID go
 * under the empty key ''.
 */
export function groupByCallId<T>(items: Iterable<T>, messageOf: (item: T) => SipMessage | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const m = messageOf(item);
    const key = (m && callIdOf(m)) ?? '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(item);
  }
  return groups;
}
