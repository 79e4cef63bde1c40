// SOSIMPLE rules of the checker (catalogue §1, §2 and the message-shape parts of §4–§6).

import { ALG_SHA1, DEFAULT_SIP_PORT, idProblem, nodeIdOf, resourceIdOf } from '../overlay/id';
import type { CheckContext, Findings, Role } from './check';
import { contactsOf, headersNamed, parseDeltaSeconds, parseDhtLink, parseDhtNodeId, parseOptionTags, type DhtLink, type DhtNodeId } from './headers';
import type { HeaderField, Position, SipMessage } from './types';
import { paramValue, parseNameAddr, type NameAddr, type Param, type SipUri } from './uri';

const START: Position = { line: 1, column: 1 };

/** A To/From/Contact URI with the P2P parameters found inside or outside `<...>` (SOS-WIRE-10). */
export interface P2pUri {
  na: NameAddr;
  uri: SipUri;
  field: HeaderField;
  isNode: boolean;
  alg?: string;
  overlay?: string;
  resourceId?: string;
  replica?: string;
  expires?: string;
}

function lookup(params: Param[], ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const v = paramValue(params, name);
    if (v !== undefined) return { name, value: v };
  }
  return undefined;
}

/** undefined for a URI that is not sip:/sips:, which cannot be a P2P URI. */
export function p2pUri(na: NameAddr, field: HeaderField, findings?: Findings): P2pUri | undefined {
  const uri = na.uri;
  if (!uri) return undefined;
  const all = [...uri.params, ...na.params];
  const pick = (canonical: string, variant?: string): string | undefined => {
    const hit = variant ? lookup(all, canonical, variant) : lookup(all, canonical);
    if (hit && variant && hit.name === variant) {
      findings?.add('SOS-WIRE-9', field.valueAt, `the parameter spelled ${canonical}`, hit.name, `${field.name}: "${variant}" is accepted but the draft spells it "${canonical}"`, 'warning');
    }
    return hit?.value;
  };
  const out: P2pUri = { na, uri, field, isNode: (lookup(all, 'user')?.value ?? '').toLowerCase() === 'node' };
  const alg = pick('alg');
  const overlay = pick('overlay', 'overlay-name');
  const resourceId = pick('resource-ID', 'resourceID');
  const replica = lookup(uri.params, 'replica')?.value;
  const expires = lookup(na.params, 'expires')?.value;
  if (alg !== undefined) out.alg = alg;
  if (overlay !== undefined) out.overlay = overlay;
  if (resourceId !== undefined) out.resourceId = resourceId;
  if (replica !== undefined) out.replica = replica;
  if (expires !== undefined) out.expires = expires;
  return out;
}

function uriOf(message: SipMessage, key: 'to' | 'from', findings: Findings): P2pUri | undefined {
  const field = headersNamed(message, key)[0];
  if (!field) return undefined;
  const na = parseNameAddr(field.value);
  return na.ok ? p2pUri(na.value, field, findings) : undefined;
}

function isP2p(message: SipMessage, uris: (P2pUri | undefined)[], role?: Role): boolean {
  if (role) return true;
  if (headersNamed(message, 'dht-nodeid').length > 0) return true;
  if (uris.some((u) => u?.isNode)) return true;
  return ['require', 'supported'].some((k) =>
    headersNamed(message, k).some((h) => {
      const r = parseOptionTags(h.value);
      return r.ok && r.value.some((t) => t.toLowerCase() === 'dht');
    }),
  );
}

/** The REGISTER class of SOS-WIRE-13, or the role the caller gave. */
function classify(message: SipMessage, to: P2pUri | undefined, context: CheckContext): Role | undefined {
  if (context.role) return context.role;
  if (message.startLine.kind !== 'request' || message.startLine.method !== 'REGISTER') return undefined;
  const hasContact = headersNamed(message, 'contact').length > 0;
  if (to?.isNode) {
    if (!hasContact) return 'node-query';
    return expiryOf(message) === 0 ? 'leave' : 'join';
  }
  return hasContact ? 'user-register' : 'user-query';
}

/** The expiry a registration asks for: the first Contact's `expires`, else Expires; undefined if none. */
function expiryOf(message: SipMessage): number | undefined {
  const first = contactsOf(message).find((c) => c.entry)?.entry;
  const param = first ? paramValue(first.params, 'expires') : undefined;
  if (param !== undefined && /^\d+$/.test(param)) return Number(param);
  const header = headersNamed(message, 'expires')[0];
  if (header) {
    const r = parseDeltaSeconds(header.value);
    if (r.ok) return r.value;
  }
  return undefined;
}

export function checkSosimple(message: SipMessage, context: CheckContext, findings: Findings): void {
  const to = uriOf(message, 'to', findings);
  const from = uriOf(message, 'from', findings);
  const contacts = contactsOf(message).flatMap((c) => {
    const u = c.entry && p2pUri(c.entry, c.field, findings);
    return u ? [u] : [];
  });
  if (!isP2p(message, [to, from, ...contacts], context.role)) return;
  const role = classify(message, to, context);

  checkOptionTags(message, findings, role === 'direct');
  const sender = checkDhtNodeId(message, findings);
  const links = checkDhtLinks(message, findings);
  // A response echoes the request's To and From (RFC 3261 §8.2.6.2): they describe the
  // requester, so only its own Contacts are judged. A node query's To holds the searched ID,
  // not an address's hash (SOS-WIRE-13); a user request's To is judged by SOS-WIRE-3 alone.
  const isResponse = message.startLine.kind === 'response';
  const userTo = role === 'lookup' || role === 'user-register' || role === 'user-query';
  if (!isResponse) {
    if (to) checkP2pUri(to, findings, role === 'node-query', userTo);
    if (from) checkP2pUri(from, findings);
  }
  for (const u of contacts) checkP2pUri(u, findings);

  switch (role) {
    case 'join':
    case 'leave':
      checkNodeRegister(message, role, to, from, contacts, sender, links, findings);
      break;
    case 'node-query':
      checkNodeQuery(message, to, from, findings);
      break;
    case 'user-register':
    case 'user-query':
      checkUserRequest(message, role, to, from, contacts, findings);
      break;
    case 'lookup':
      if (to?.isNode) findings.add('SOS-WIRE-3', to.field.valueAt, 'a user URI without user=node', 'user=node', 'a lookup is addressed to a user URI (§7.2)');
      break;
    case 'redirect':
      checkRedirect(message, contacts, links, findings);
      break;
    case 'join-ok':
      checkNeighbourLinks(links, 'SOS-JOIN-3', findings, true);
      if (contacts.length === 0) findings.add('SOS-JOIN-3', START, 'the request\'s Contact echoed', 'none', 'the 200 to a join carries no Contact (§6.3.2)');
      if (expiryOf(message) === undefined) findings.add('SOS-JOIN-3', START, 'an expiry', 'none', 'the 200 to a join states no expiry (§6.3.2)');
      break;
    case 'query-ok':
      checkNeighbourLinks(links, 'SOS-LOOKUP-5', findings, false);
      break;
    case 'register-ok':
      if (to?.isNode || contacts.some((c) => c.isNode)) {
        findings.add('SOS-REG-2', (to?.isNode ? to.field : contacts.find((c) => c.isNode)!.field).valueAt, 'no user=node', 'user=node', 'a user registration\'s 200 carries no node URI (§7.1.1)');
      }
      break;
    case 'lookup-contacts':
      if (contacts.length === 0) findings.add('SOS-LOOKUP-2', START, 'the user\'s registered Contact(s)', 'none', 'the lookup 302 lists no Contact (§7.2)');
      for (const c of contacts) if (c.isNode) findings.add('SOS-LOOKUP-2', c.field.valueAt, 'a user Contact', 'a node URI', 'the responsible node answers with the user\'s Contact, not a node (§8.3 msg 4)');
      checkNeighbourLinks(links, 'SOS-LOOKUP-2', findings, !isLoneNode(links, sender), false);
      break;
    default:
      break;
  }
}

function checkOptionTags(message: SipMessage, findings: Findings, lastHop: boolean): void {
  for (const key of lastHop ? (['supported'] as const) : (['require', 'supported'] as const)) {
    const fields = headersNamed(message, key);
    const tags = fields.flatMap((h) => {
      const r = parseOptionTags(h.value);
      return r.ok ? r.value : [];
    });
    const name = key === 'require' ? 'Require' : 'Supported';
    if (!tags.some((t) => t.toLowerCase() === 'dht')) {
      findings.add('SOS-WIRE-4', fields[0]?.valueAt ?? START, `${name}: dht`, fields.length ? JSON.stringify(tags.join(', ')) : `no ${name} header`, `a P2P message carries ${name}: dht (§5.1)`);
    } else if (!tags.includes('dht')) {
      findings.add('SOS-WIRE-4', fields[0]!.valueAt, 'the tag written dht', tags.find((t) => t.toLowerCase() === 'dht')!, 'the option tag is sent as "dht"', 'warning');
    }
  }
}

function checkId(id: string, at: Position, what: string, findings: Findings): boolean {
  const problem = idProblem(id);
  if (problem) findings.add('SOS-ID-1', at, '40 lower-case hex digits', JSON.stringify(id), `${what}: ${problem}`);
  return problem === undefined;
}

function checkAlg(alg: string | undefined, at: Position, what: string, findings: Findings): void {
  if (alg !== undefined && alg.toLowerCase() !== ALG_SHA1) findings.add('SOS-ID-6', at, ALG_SHA1, alg, `${what}: unknown alg (the harness knows rsa-sha1 only)`);
}

function checkDhtNodeId(message: SipMessage, findings: Findings): DhtNodeId | undefined {
  const fields = headersNamed(message, 'dht-nodeid');
  if (fields.length === 0) {
    findings.add('SOS-WIRE-5', START, 'one DHT-NodeID header', 'none', 'a P2P message carries the sender\'s DHT-NodeID (§6.3.1)');
    return undefined;
  }
  if (fields.length > 1) findings.add('SOS-WIRE-5', fields[1]!.at, 'exactly one DHT-NodeID', `${fields.length}`, 'more than one DHT-NodeID header');
  let first: DhtNodeId | undefined;
  for (const f of fields) {
    if (f.name !== 'DHT-NodeID') findings.add('SOS-WIRE-7', f.at, 'DHT-NodeID', f.name, 'header name written in another case');
    const r = parseDhtNodeId(f.value);
    if (!findings.addValue('SOS-WIRE-5', f, r, 'DHT-NodeID')) continue;
    const v = r.value;
    first ??= v;
    checkAlg(v.alg, f.valueAt, 'DHT-NodeID', findings);
    const idAt = f.positionOf(f.value.indexOf(v.nodeId, v.alg.length));
    if (checkId(v.nodeId, idAt, 'DHT-NodeID', findings)) {
      const expected = nodeIdOf(v.host, v.port ?? DEFAULT_SIP_PORT);
      if (v.nodeId !== expected) findings.add('SOS-ID-2', idAt, expected, v.nodeId, `DHT-NodeID: the ID is not SHA-1("${v.host}:${v.port ?? DEFAULT_SIP_PORT}")`);
    }
    if (v.port === DEFAULT_SIP_PORT) findings.add('SOS-WIRE-12', f.valueAt, 'the host alone on port 5060', `${v.host}:5060`, 'a node on port 5060 writes the host only', 'warning');
  }
  return first;
}

function checkDhtLinks(message: SipMessage, findings: Findings): DhtLink[] {
  const out: DhtLink[] = [];
  const seen = new Set<string>();
  for (const f of headersNamed(message, 'dht-link')) {
    if (f.name !== 'DHT-Link') findings.add('SOS-WIRE-7', f.at, 'DHT-Link', f.name, 'header name written in another case');
    const r = parseDhtLink(f.value);
    if (!findings.addValue('SOS-WIRE-6', f, r, 'DHT-Link')) continue;
    const v = r.value;
    if (v.typeRaw !== v.type) findings.add('SOS-WIRE-6', f.valueAt, v.type, v.typeRaw, 'senders write the link type in upper case', 'warning');
    if (v.type === 'F' && v.depth > 159) findings.add('SOS-WIRE-6', f.positionOf(f.value.indexOf(String(v.depth), 1)), 'an F depth from 0 to 159', String(v.depth), 'finger exponent out of range (§5.7)');
    const key = `${v.type}${v.depth}`;
    if (seen.has(key)) findings.add('SOS-WIRE-6', f.at, `one ${v.type} ${v.depth} entry`, 'a duplicate', `two DHT-Link entries ${v.type} ${v.depth}`);
    seen.add(key);
    checkAlg(v.alg, f.valueAt, 'DHT-Link', findings);
    const idAt = f.positionOf(f.value.lastIndexOf(v.nodeId));
    if (checkId(v.nodeId, idAt, 'DHT-Link', findings)) {
      const expected = nodeIdOf(v.host, v.port ?? DEFAULT_SIP_PORT);
      if (v.nodeId !== expected) findings.add('SOS-WIRE-6', idAt, expected, v.nodeId, `DHT-Link ${v.type} ${v.depth}: the ID is not SHA-1("${v.host}:${v.port ?? DEFAULT_SIP_PORT}")`);
    }
    out.push(v);
  }
  return out;
}

function checkP2pUri(u: P2pUri, findings: Findings, searchedId = false, userRole = false): void {
  const what = `${u.field.name} URI`;
  checkAlg(u.alg, u.field.valueAt, what, findings);
  if (!u.isNode || userRole) return;
  const missing = [u.alg === undefined && 'alg', u.overlay === undefined && 'overlay'].filter(Boolean);
  if (missing.length) findings.add('SOS-WIRE-2', u.field.valueAt, 'user=node;alg=…;overlay=…', `no ${missing.join(', ')}`, `${what}: a node URI carries alg and overlay (§5.8.1)`);
  if (u.resourceId !== undefined) findings.add('SOS-WIRE-2', u.field.valueAt, 'no resource-ID on a node URI', `resource-ID=${u.resourceId}`, `${what}: node URIs never carry resource-ID (§5.8.1)`);
  const user = u.uri.user ?? '';
  if (checkId(user, u.field.valueAt, what, findings) && !searchedId) {
    const port = u.uri.port ?? DEFAULT_SIP_PORT;
    const expected = nodeIdOf(u.uri.host, port);
    if (user !== expected) findings.add('SOS-ID-2', u.field.valueAt, expected, user, `${what}: the Node-ID is not SHA-1("${u.uri.host}:${port}")`);
  }
}

function sameNode(a: P2pUri, b: P2pUri): boolean {
  const ua = a.uri;
  const ub = b.uri;
  return ua.user === ub.user && ua.host.toLowerCase() === ub.host.toLowerCase() && (ua.port ?? DEFAULT_SIP_PORT) === (ub.port ?? DEFAULT_SIP_PORT);
}

function checkNodeRegister(
  message: SipMessage,
  role: 'join' | 'leave',
  to: P2pUri | undefined,
  from: P2pUri | undefined,
  contacts: P2pUri[],
  sender: DhtNodeId | undefined,
  links: DhtLink[],
  findings: Findings,
): void {
  if (!to || !from) return;
  if (!to.isNode) findings.add('SOS-WIRE-2', to.field.valueAt, 'a node URI with user=node', 'a URI without user=node', `a ${role} REGISTER's To is the sender's node URI`);
  if (!from.isNode) findings.add('SOS-WIRE-2', from.field.valueAt, 'a node URI with user=node', 'a URI without user=node', `a ${role} REGISTER's From is the sender's node URI`);
  if (!sameNode(to, from)) {
    findings.add('SOS-JOIN-9', from.field.valueAt, to.na.uriText, from.na.uriText, 'third-party node registration: From differs from To (§6.3)');
  } else if (sender && sender.nodeId === nodeIdOf(sender.host, sender.port ?? DEFAULT_SIP_PORT) && (to.uri.user?.toLowerCase() !== sender.nodeId || to.uri.host.toLowerCase() !== sender.host.toLowerCase())) {
    // Compared only when DHT-NodeID is itself right; otherwise SOS-ID-2 already names it.
    findings.add('SOS-WIRE-2', to.field.valueAt, `${sender.nodeId}@${sender.host}`, to.na.uriText, 'To and From are the sender\'s own node URI, as its DHT-NodeID says (§6.3.1)');
  }
  const contact = contacts[0];
  if (contact && !contact.isNode) findings.add('SOS-WIRE-2', contact.field.valueAt, 'the sender\'s node URI with user=node', contact.na.uriText, `a ${role} REGISTER's Contact is a node URI (§6.3.1)`);
  else if (contact && !sameNode(contact, to)) findings.add('SOS-WIRE-2', contact.field.valueAt, to.na.uriText, contact.na.uriText, `a ${role} REGISTER's Contact is the sender's node URI`);
  const expiry = expiryOf(message);
  if (role === 'join' && expiry === undefined) findings.add('SOS-WIRE-8', START, 'an Expires header or a Contact expires parameter', 'none', 'a node registration carries a non-zero expiry (§6.3.1)');
  if (role === 'leave') {
    const has = (t: string, d: number): boolean => links.some((l) => l.type === t && l.depth === d);
    if (!has('P', 1) || !has('S', 1)) findings.add('SOS-MAINT-2', START, 'DHT-Link P 1 and S 1', links.map((l) => `${l.type} ${l.depth}`).join(', ') || 'none', 'a leave REGISTER carries the predecessor and successors (§6.7)');
  }
}

function checkNodeQuery(message: SipMessage, to: P2pUri | undefined, from: P2pUri | undefined, findings: Findings): void {
  for (const key of ['contact', 'expires']) {
    const f = headersNamed(message, key)[0];
    if (f) findings.add('SOS-WIRE-8', f.at, `no ${key} header in a node query`, f.name, 'a node query carries neither Contact nor Expires (§6.4.1)');
  }
  if (to && from && to.uri.host.toLowerCase() !== from.uri.host.toLowerCase()) {
    findings.add('SOS-WIRE-13', to.field.valueAt, `the searched ID at the sender's host ${from.uri.host}`, to.uri.host, 'a node query\'s To host is the sender\'s own (§6.4.1)');
  }
  if (from && !from.isNode) findings.add('SOS-WIRE-2', from.field.valueAt, 'the sender\'s node URI', from.na.uriText, 'a node query\'s From is the sender\'s node URI (§6.4.1)');
}

function checkUserRequest(message: SipMessage, role: Role, to: P2pUri | undefined, from: P2pUri | undefined, contacts: P2pUri[], findings: Findings): void {
  if (!to) return;
  if (to.isNode) findings.add('SOS-WIRE-3', to.field.valueAt, 'a user URI without user=node', 'user=node', 'user requests put a user URI in To (§5.8.2)');
  const missing = [to.alg === undefined && 'alg', to.overlay === undefined && 'overlay'].filter(Boolean);
  if (missing.length) findings.add('SOS-WIRE-3', to.field.valueAt, 'alg and overlay on the user URI', `no ${missing.join(', ')}`, 'user URIs carry alg and overlay (§5.8.2)');
  for (const u of [to, from, ...contacts]) {
    if (!u || u.isNode || u.resourceId === undefined || !u.uri.user) continue;
    const expected = resourceIdOf(u.uri.user);
    if (u.resourceId !== expected) findings.add('SOS-WIRE-3', u.field.valueAt, expected, u.resourceId, `${u.field.name}: resource-ID is not SHA-1 of "${u.uri.user}" (SOS-ID-3)`);
  }
  if (role === 'user-register') {
    if (expiryOf(message) === undefined) findings.add('SOS-WIRE-8', START, 'an Expires header or a Contact expires parameter', 'none', 'a registration carries a non-zero expiry');
    for (const c of contacts) {
      if (c.isNode) findings.add('SOS-REG-9', c.field.valueAt, 'the user\'s Contact', 'a node URI', 'a user registration\'s Contact holds the unhashed username (§7.1.1)');
    }
  }
}

/** S 1 is the sender itself: a lone node, whose NULL predecessor is shown by leaving P out (SOS-RING-6). */
function isLoneNode(links: DhtLink[], sender: DhtNodeId | undefined): boolean {
  const s1 = links.find((l) => l.type === 'S' && l.depth === 1);
  return !!s1 && !!sender && s1.nodeId.toLowerCase() === sender.nodeId.toLowerCase();
}

function checkNeighbourLinks(links: DhtLink[], requirement: string, findings: Findings, wantPredecessor: boolean, wantFourSuccessors = true): void {
  const has = (t: string, d: number): boolean => links.some((l) => l.type === t && l.depth === d);
  const found = links.map((l) => `${l.type} ${l.depth}`).join(', ') || 'none';
  if (!has('S', 1)) findings.add(requirement, START, 'DHT-Link S 1', found, 'the response names the sender\'s successor');
  if (wantPredecessor && !has('P', 1)) findings.add(requirement, START, 'DHT-Link P 1', found, 'the response names the sender\'s predecessor');
  const missing = [2, 3, 4].filter((d) => !has('S', d));
  if (wantFourSuccessors && has('S', 1) && missing.length) findings.add(requirement, START, 'DHT-Link S 2–S 4', found, 'the response SHOULD list four successors', 'warning');
}

function checkRedirect(message: SipMessage, contacts: P2pUri[], links: DhtLink[], findings: Findings): void {
  if (message.startLine.kind !== 'response' || message.startLine.status !== 302) {
    findings.add('SOS-JOIN-1', START, '302', message.startLine.kind === 'response' ? String(message.startLine.status) : message.startLine.method, 'a redirect is a 302');
  }
  if (contacts.length !== 1) findings.add('SOS-JOIN-1', START, 'exactly one Contact', `${contacts.length}`, 'a redirect names one node (§6.3.2)');
  for (const c of contacts) if (!c.isNode) findings.add('SOS-JOIN-1', c.field.valueAt, 'a node URI (user=node)', c.na.uriText, 'a redirect points at a node (§6.3.2)');
  const has = (t: string): boolean => links.some((l) => l.type === t && l.depth === 1);
  if (!has('P') || !has('S')) findings.add('SOS-JOIN-1', START, 'DHT-Link P 1 and S 1', links.map((l) => `${l.type} ${l.depth}`).join(', ') || 'none', 'a 302 SHOULD carry the sender\'s P 1 and S 1 (§8)', 'warning');
}
