// What each message a node sent to the harness is for, as the checker needs to be told
// (catalogue, "Ambiguities recorded": the role comes from the exchange the harness observes).
// A request is classified from itself (SOS-WIRE-13 for REGISTERs); a response from the
// request the harness sent and its status. Pure: a list of traced messages in, one
// judgement per message a node sent out. The wire sweep (suites/support/wire-sweep.ts)
// runs the checker on each.

import { checkMessage, type CheckContext, type Role, type WireAddress } from './check';
import { registerClass, type RegisterClass } from './check-sosimple';
import { contactsOf, headersNamed, parseOptionTags, parseVia, parseCSeq } from './headers';
import type { ParseResult, SipMessage } from './types';
import { paramValue, parseNameAddr, parseSipUri } from './uri';

/** A message as the harness's trace holds it (harness/net/trace.ts TraceEntry fits). */
export interface TracedMessage {
  direction: 'in' | 'out';
  transport: 'udp' | 'tcp';
  /** The harness's own end. */
  local: WireAddress;
  remote: WireAddress;
  parsed: ParseResult;
  retransmission?: boolean;
}

export interface Judgement<T extends TracedMessage = TracedMessage> {
  entry: T;
  /** The checker's context; undefined for bytes that did not parse (the parse error is the finding). */
  context?: CheckContext;
  /** What the harness read the message as, for the failure listing. */
  reading: string;
}

const key = (a: WireAddress): string => `${a.host.toLowerCase()}:${a.port}`;

function namesDht(m: SipMessage, headers: readonly string[]): boolean {
  return headers.some((k) =>
    headersNamed(m, k).some((h) => {
      const r = parseOptionTags(h.value);
      return r.ok && r.value.some((t) => t.toLowerCase() === 'dht');
    }),
  );
}

/** The transaction a response answers: top Via branch, Call-ID and CSeq, as the client matches. */
function matchKey(m: SipMessage): string | undefined {
  const via = headersNamed(m, 'via')[0];
  const vias = via ? parseVia(via.value) : undefined;
  const branch = vias?.ok ? paramValue(vias.value[0]?.params ?? [], 'branch') : undefined;
  const callId = headersNamed(m, 'call-id')[0]?.value;
  const cseqField = headersNamed(m, 'cseq')[0];
  const cseq = cseqField ? parseCSeq(cseqField.value) : undefined;
  if (!branch || !callId || !cseq?.ok) return undefined;
  return `${branch} ${callId} ${cseq.value.seq} ${cseq.value.method}`;
}

/** `user@host:port` of a user (not node) URI, the form a Contact the harness gave is found by. */
function userUriKey(text: string): string | undefined {
  const na = parseNameAddr(text);
  const uri = na.ok ? na.value.uri : undefined;
  if (!uri || !uri.user) return undefined;
  const params = [...uri.params, ...(na.ok ? na.value.params : [])];
  if ((paramValue(params, 'user') ?? '').toLowerCase() === 'node') return undefined;
  return `${uri.user}@${uri.host.toLowerCase()}:${uri.port ?? 5060}`;
}

function hasToTag(m: SipMessage): boolean {
  const to = headersNamed(m, 'to')[0];
  const na = to ? parseNameAddr(to.value) : undefined;
  return !!na?.ok && na.value.params.some((p) => p.name.toLowerCase() === 'tag' && !!p.value);
}

type RequestKind = RegisterClass | 'lookup' | 'probe' | 'direct' | 'other';

/** What a request the harness sent was, for reading the answer to it. */
function kindOfSent(m: SipMessage): { kind: RequestKind; p2p: boolean; broken: boolean } {
  const broken = checkMessage(m, { sipOnly: true }).some((f) => f.severity === 'error');
  const requireDht = namesDht(m, ['require']);
  const supportedDht = namesDht(m, ['supported']);
  if (m.startLine.kind !== 'request') return { kind: 'other', p2p: false, broken };
  const method = m.startLine.method;
  if (method === 'REGISTER') return { kind: registerClass(m) ?? 'other', p2p: requireDht, broken };
  const ruri = parseSipUri(m.startLine.uri);
  const toNode = ruri.ok && (paramValue(ruri.value.params, 'user') ?? '').toLowerCase() === 'node';
  if (method === 'OPTIONS' && (toNode || (ruri.ok && ruri.value.user === undefined))) return { kind: 'probe', p2p: requireDht, broken };
  // SOS-WIRE-4 decision: the last hop to a user agent carries Supported: dht only; its answer
  // still names dht (a response carries Require: dht when its request named dht anywhere).
  if (!requireDht && supportedDht) return { kind: 'direct', p2p: true, broken };
  return { kind: requireDht ? 'lookup' : 'other', p2p: requireDht, broken };
}

function isNodeContact(m: SipMessage): boolean {
  return contactsOf(m).some((c) => {
    const e = c.entry;
    if (!e?.uri) return false;
    return (paramValue([...e.uri.params, ...e.params], 'user') ?? '').toLowerCase() === 'node';
  });
}

function answerRole(kind: RequestKind, status: number, refresh: boolean, m: SipMessage): Role {
  if (status < 200) return 'answer';
  if (status === 302) {
    if (kind === 'lookup') return isNodeContact(m) ? 'redirect' : 'lookup-contacts';
    if (kind === 'join' || kind === 'node-query' || kind === 'user-register' || kind === 'user-query') return 'redirect';
    return 'answer';
  }
  if (kind === 'node-query' && (status === 200 || status === 404)) return 'query-ok';
  if (status !== 200) return 'answer';
  if (kind === 'join') return refresh ? 'neighbour-ok' : 'join-ok';
  if (kind === 'user-register' || kind === 'user-query') return 'register-ok';
  return 'answer';
}

/**
 * One judgement per message a node sent to the harness (direction `in`, from an address that
 * is not the harness's own), retransmissions and keep-alives left out.
 *
 * Requests: a REGISTER by its SOS-WIRE-13 class; a request inside a dialog (To-tag), or one
 * sent to a Contact the harness itself handed out, is the last hop to a user agent
 * ('direct'); any other request naming dht is a lookup.
 *
 * Responses: by the request the harness sent and the status. A 200 to a join from an
 * address the node had already admitted (and not seen leave) answers a neighbour REGISTER
 * (SOS-MAINT-7). The answer to a request the harness broke on purpose (base SIP errors), or to
 * one that was no P2P operation (no dht named), is judged by base SIP alone.
 */
export function judgeReceived<T extends TracedMessage>(entries: readonly T[], isHarness: (a: WireAddress) => boolean, nodes: readonly WireAddress[] = []): Judgement<T>[] {
  const sent = new Map<string, SipMessage>();
  const givenContacts = new Set<string>();
  const admitted = new Set<string>();
  const known = new Map<string, WireAddress>();
  for (const n of nodes) known.set(key(n), n);
  for (const e of entries) if (e.direction === 'out' || isHarness(e.remote)) known.set(key(e.local), e.local);
  const knownNodes = [...known.values()];
  const out: Judgement<T>[] = [];

  for (const e of entries) {
    if (e.direction === 'out') {
      if (!e.parsed.ok) continue;
      const m = e.parsed.message;
      if (m.startLine.kind === 'request') {
        const k = matchKey(m);
        if (k) sent.set(k, m);
      }
      for (const c of headersNamed(m, 'contact')) {
        const u = userUriKey(c.value);
        if (u) givenContacts.add(u);
      }
      continue;
    }
    if (isHarness(e.remote) || e.retransmission) continue;
    if (!e.parsed.ok) {
      if (e.parsed.error.code !== 'empty') out.push({ entry: e, reading: 'bytes that do not parse' });
      continue;
    }
    const m = e.parsed.message;
    const wire: CheckContext = { transport: e.transport, sender: true, knownNodes, ...(e.transport === 'udp' ? { source: e.remote } : {}) };
    if (m.startLine.kind === 'request') {
      const method = m.startLine.method;
      if (method === 'ACK') {
        out.push({ entry: e, context: { ...wire, sipOnly: true }, reading: 'ACK' });
        continue;
      }
      let role: Role | undefined;
      if (method === 'REGISTER') role = registerClass(m);
      else {
        const ruri = parseSipUri(m.startLine.uri);
        const target = ruri.ok && ruri.value.user ? `${ruri.value.user}@${ruri.value.host.toLowerCase()}:${ruri.value.port ?? 5060}` : undefined;
        if (hasToTag(m) || (target && givenContacts.has(target))) role = 'direct';
        else if (namesDht(m, ['require', 'supported']) || headersNamed(m, 'dht-nodeid').length > 0) role = 'lookup';
      }
      out.push({ entry: e, context: { ...wire, destination: e.local, ...(role ? { role } : {}) }, reading: role ?? 'a request without dht' });
      continue;
    }
    const request = sent.get(matchKey(m) ?? '');
    if (!request || request.startLine.kind !== 'request') {
      out.push({ entry: e, context: wire, reading: 'a response to no request the harness sent' });
      continue;
    }
    const { kind, p2p, broken } = kindOfSent(request);
    const answers = `answer to ${request.startLine.method}${kind === 'other' ? '' : ` ${kind}`}`;
    if (broken || !p2p) {
      out.push({ entry: e, context: { ...wire, sipOnly: true }, reading: `${answers} (${broken ? 'broken on purpose' : 'no dht named'}: base SIP only)` });
      continue;
    }
    const status = m.startLine.status;
    const pair = `${key(e.local)}|${key(e.remote)}`;
    const role = answerRole(kind, status, admitted.has(pair), m);
    if (kind === 'join' && status === 200) admitted.add(pair);
    if (kind === 'leave' && status === 200) admitted.delete(pair);
    const echoed = contactsOf(request).flatMap((c) => (c.entry ? [c.entry.uriText] : []));
    out.push({ entry: e, context: { ...wire, role, ...(echoed.length ? { echoedContacts: echoed } : {}) }, reading: `${answers}, ${role}` });
  }
  return out;
}
