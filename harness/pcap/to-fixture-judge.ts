// pcap2fixture's judgement of one captured transaction: what the request is (its REGISTER
// class, SOS-WIRE-13, or a lookup), what the catalogue requires the answer to be, and whether
// the captured answer meets it. The expectation comes from the request and the catalogue,
// never from the captured answer: a capture of a faulty node still yields the correct
// expectation. The captured status is consulted only where the catalogue's answer depends on
// the ring (is the key the answerer's own? 302 or 404?), and then only to keep the key's
// relation to the answerer, never to accept a wrong status.

import { nodeIdOf } from '../overlay/id';
import { checkMessage, type Role } from '../sip/check';
import { contactsOf, headersNamed, headerValue, parseOptionTags } from '../sip/headers';
import type { Finding, SipMessage } from '../sip/types';
import { paramValue, parseNameAddr } from '../sip/uri';
import type { Address, ExtractedMessage } from './extract';

export type RequestClass = 'join' | 'leave' | 'node-query' | 'user-register' | 'user-query' | 'lookup' | 'probe' | 'other';

/** One captured transaction: its request, and its responses without retransmissions. */
export interface CapturedExchange {
  request: ExtractedMessage & { message: SipMessage };
  responses: (ExtractedMessage & { message: SipMessage })[];
  /** The first final response, if the capture holds one. */
  final?: ExtractedMessage & { message: SipMessage };
  /** Frames (1-based) of retransmitted copies left out. */
  retransmissions: number[];
}

/** A DHT-Link entry the answer must carry; `id` names the oracle's value to fill. */
export interface ExpectedLink {
  type: 'P' | 'S';
  depth: number;
  id?: 'successor' | 'predecessor';
}

/** What the catalogue requires of the answer to a request. */
export interface ExpectedAnswer {
  statuses: number[];
  role?: Role;
  links: ExpectedLink[];
  present: string[];
  /** The Contact must be a node URI (a redirect). */
  contactIsNode?: boolean;
  /** The answer echoes the request's Contact: its user part is the requester's Node-ID (a join 200). */
  contactIsRequester?: boolean;
  /** Unsupported must name these tags (420). */
  unsupported?: string[];
  /** Require must name dht (421). */
  requireDht?: boolean;
  /** The catalogue rules this expectation stands for. */
  requirements: string[];
  /** What the answer must be, in words, for the description and the note. */
  summary: string;
  capabilities: string[];
}

export interface Problem {
  requirement: string;
  text: string;
}

const idOf = (a: Address): string => nodeIdOf(a.ip, a.port);

function isNodeUriParam(params: { name: string; value?: string }[]): boolean {
  return params.some((p) => p.name.toLowerCase() === 'user' && p.value?.toLowerCase() === 'node');
}

/** The URI user part and whether it is a node URI, of To. */
function toOf(m: SipMessage): { user?: string; isNode: boolean } {
  const to = headerValue(m, 'to');
  const na = to === undefined ? undefined : parseNameAddr(to);
  if (!na?.ok || !na.value.uri) return { isNode: false };
  const out: { user?: string; isNode: boolean } = { isNode: isNodeUriParam([...na.value.uri.params, ...na.value.params]) };
  if (na.value.uri.user !== undefined) out.user = na.value.uri.user;
  return out;
}

function expiryIsZero(m: SipMessage): boolean {
  const c = contactsOf(m).find((x) => x.entry)?.entry;
  const p = c ? paramValue(c.params, 'expires') : undefined;
  return (p ?? headerValue(m, 'expires')) === '0';
}

/** The class of a request (SOS-WIRE-13 for REGISTER). */
export function requestClass(m: SipMessage): RequestClass {
  if (m.startLine.kind !== 'request') return 'other';
  const method = m.startLine.method;
  const to = toOf(m);
  const hasContact = headersNamed(m, 'contact').length > 0;
  if (method === 'REGISTER') {
    if (to.isNode) return !hasContact ? 'node-query' : expiryIsZero(m) ? 'leave' : 'join';
    return hasContact ? 'user-register' : 'user-query';
  }
  if (method === 'OPTIONS' && to.isNode) return 'probe';
  if (['INVITE', 'MESSAGE', 'SUBSCRIBE', 'OPTIONS'].includes(method)) return 'lookup';
  return 'other';
}

const CLASS_WORDS: Record<RequestClass, string> = {
  join: 'a join REGISTER',
  leave: 'a leave REGISTER (expiry 0)',
  'node-query': 'a node query',
  'user-register': 'a user REGISTER',
  'user-query': 'a user query',
  lookup: 'a lookup',
  probe: 'an OPTIONS probe',
  other: 'a request',
};

export function classWords(c: RequestClass, m?: SipMessage): string {
  const method = m?.startLine.kind === 'request' ? m.startLine.method : '';
  return c === 'lookup' || c === 'other' ? `${CLASS_WORDS[c]} (${method})` : CLASS_WORDS[c];
}

const errorsOf = (m: SipMessage, role?: Role): Finding[] => checkMessage(m, role ? { role } : {}).filter((f) => f.severity === 'error');

/** A request the catalogue says must be refused: the status and rule, or undefined. */
function refusal(m: SipMessage, cls: RequestClass): ExpectedAnswer | undefined {
  const base = { links: [], present: [], capabilities: [] };
  const findings = errorsOf(m);
  const has = (req: string, text?: RegExp): boolean => findings.some((f) => f.requirement === req && (!text || text.test(f.message)));
  if (has('SOS-WIRE-1')) return { ...base, statuses: [400], requirements: ['SOS-ERR-1'], summary: 'a syntactically broken request gets 400' };
  if (has('SOS-WIRE-5', /malformed/)) return { ...base, statuses: [400], requirements: ['SOS-ERR-5'], summary: 'a malformed DHT-NodeID gets 400' };
  if (has('SOS-ID-6')) return { ...base, statuses: [488], requirements: ['SOS-ERR-4'], summary: 'an unknown alg gets 488' };
  const tags = headersNamed(m, 'require').flatMap((h) => {
    const r = parseOptionTags(h.value);
    return r.ok ? r.value : [];
  });
  const unknown = tags.filter((t) => t.toLowerCase() !== 'dht');
  if (unknown.length) return { ...base, statuses: [420], present: ['Unsupported'], unsupported: unknown, requirements: ['SOS-ERR-2'], summary: `an unknown Require tag gets 420 with Unsupported naming ${unknown.join(', ')}` };
  if (m.startLine.kind === 'request' && m.startLine.method === 'REGISTER' && !tags.some((t) => t.toLowerCase() === 'dht')) {
    return { ...base, statuses: [421], requireDht: true, requirements: ['SOS-ERR-7'], summary: 'a REGISTER without Require: dht gets 421 naming dht in Require' };
  }
  if (has('SOS-JOIN-9')) return { ...base, statuses: [403], requirements: ['SOS-JOIN-9'], summary: 'a third-party node registration gets 403' };
  if ((cls === 'join' || cls === 'leave') && has('SOS-ID-2')) return { ...base, statuses: [493], requirements: ['SOS-JOIN-6'], summary: 'a node URI whose Node-ID is not the hash of its address gets 493' };
  if (cls === 'node-query' && has('SOS-ID-2')) return { ...base, statuses: [493], requirements: ['SOS-ERR-8'], summary: 'a node query from a node URI that fails SOS-ID-2 gets 493' };
  return undefined;
}

const NEIGHBOURS: ExpectedLink[] = [
  { type: 'S', depth: 1, id: 'successor' },
  { type: 'P', depth: 1, id: 'predecessor' },
];

/**
 * What the catalogue requires `answerer` to answer to `request`. `captured` is the captured
 * final status, used only where the right answer depends on the ring (see the file comment).
 */
export function expectedAnswer(request: SipMessage, answerer: Address, captured: number | undefined): ExpectedAnswer {
  const cls = requestClass(request);
  const refused = refusal(request, cls);
  if (refused) return refused;
  const base = { links: [] as ExpectedLink[], present: ['DHT-NodeID'], capabilities: [] as string[] };
  const self = idOf(answerer);
  switch (cls) {
    case 'node-query': {
      const searched = toOf(request).user?.toLowerCase();
      if (searched === self) {
        return { ...base, statuses: [200], role: 'query-ok', links: NEIGHBOURS, requirements: ['SOS-LOOKUP-5'], summary: 'answered 200 by the target itself, with its DHT-NodeID, its P 1 and its S 1 (the oracle\'s predecessor and successor)' };
      }
      if (captured === 302) return { ...base, statuses: [302], role: 'redirect', present: ['DHT-NodeID', 'Contact'], contactIsNode: true, requirements: ['SOS-LOOKUP-5'], summary: 'redirected with 302 to a node URI, since the target does not own the key' };
      if (captured === 404 || captured === 200) {
        return { ...base, statuses: [404], role: 'query-ok', links: NEIGHBOURS, requirements: ['SOS-LOOKUP-5'], summary: 'answered 404 by the target that owns the key (it is not the target\'s ID), with its DHT-NodeID, P 1 and S 1' };
      }
      return { ...base, statuses: [302, 404], requirements: ['SOS-LOOKUP-5'], summary: 'answered 302 toward a closer node, or 404 by the owner' };
    }
    case 'join':
      if (captured === 200) {
        return { ...base, statuses: [200], role: 'join-ok', links: NEIGHBOURS, present: ['DHT-NodeID', 'Contact'], contactIsRequester: true, requirements: ['SOS-JOIN-3'], summary: 'admitted with 200 by the responsible target, echoing the Contact, with its DHT-NodeID, P 1 (its former predecessor) and S 1' };
      }
      if (captured === 302) return { ...base, statuses: [302], role: 'redirect', present: ['DHT-NodeID', 'Contact'], contactIsNode: true, requirements: ['SOS-JOIN-1'], summary: 'redirected with 302 and one node-URI Contact, since the target is not responsible for the joiner' };
      return { ...base, statuses: [200, 302], present: ['DHT-NodeID', 'Contact'], requirements: ['SOS-JOIN-1', 'SOS-JOIN-3'], summary: 'admitted with 200 by the responsible node or redirected with 302' };
    case 'leave':
      return { ...base, statuses: [200], links: [{ type: 'S', depth: 1 }, { type: 'P', depth: 1 }], requirements: ['SOS-MAINT-7'], summary: 'answered 200 with the target\'s DHT-NodeID, P 1 and S 1' };
    case 'user-register':
      if (captured === 302) return { ...base, statuses: [302], role: 'redirect', present: ['DHT-NodeID', 'Contact'], contactIsNode: true, requirements: ['SOS-REG-1'], summary: 'redirected with 302 to a node URI, since the target is not responsible for the user' };
      if (captured === 200) return { ...base, statuses: [200], role: 'register-ok', requirements: ['SOS-REG-2'], summary: 'accepted with 200 by the responsible target' };
      return { ...base, statuses: [200, 302], requirements: ['SOS-REG-1', 'SOS-REG-2'], summary: 'accepted with 200 by the responsible node or redirected with 302' };
    case 'user-query':
      return { ...base, statuses: captured === 302 || captured === 200 || captured === 404 ? [captured] : [200, 302, 404], requirements: ['SOS-LOOKUP-7'], summary: 'routed like a user REGISTER: 302 toward the owner, or 200 with the bindings or 404 at the owner' };
    case 'lookup':
      if (captured === 302) {
        return { ...base, statuses: [302], requirements: ['SOS-LOOKUP-1', 'SOS-LOOKUP-2'], present: ['DHT-NodeID', 'Contact'], summary: 'redirected with 302 toward a closer node or, at the owner, to the user\'s Contact' };
      }
      if (captured === 404 || (captured !== undefined && captured >= 400)) return { ...base, statuses: [404], requirements: ['SOS-LOOKUP-3'], summary: 'answered 404, the user being unregistered' };
      return { ...base, statuses: [302, 404], requirements: ['SOS-LOOKUP-1', 'SOS-LOOKUP-3'], summary: 'redirected with 302, or 404 for an unregistered user' };
    case 'probe':
      return { ...base, statuses: [200], requirements: ['SOS-RING-5'], capabilities: ['probe'], summary: 'answered 200 with the target\'s DHT-NodeID' };
    default:
      return { statuses: captured === undefined ? [] : [captured], links: [], present: [], requirements: [], capabilities: [], summary: `answered ${captured ?? '(no answer captured)'}, as captured (the catalogue has no rule for it)` };
  }
}

/** Why the captured answer does not meet the catalogue (empty: it does, or nothing was answered). */
export function problemsOf(exchange: CapturedExchange, expected: ExpectedAnswer): Problem[] {
  const final = exchange.final;
  if (!final) return [];
  const out: Problem[] = [];
  const status = final.message.startLine.kind === 'response' ? final.message.startLine.status : 0;
  if (expected.statuses.length > 0 && !expected.statuses.includes(status)) {
    // A wrong kind of answer is the failure; judging its details would only add noise.
    return [{ requirement: expected.requirements[0] ?? 'SOS-WIRE-1', text: `answered ${final.message.startLine.raw}; the catalogue requires ${expected.statuses.join(' or ')}` }];
  }
  for (const f of errorsOf(final.message, expected.role)) out.push({ requirement: f.requirement, text: `${f.message} (expected ${f.expected}, found ${f.found}; at ${f.at.line}:${f.at.column})` });
  return out;
}
