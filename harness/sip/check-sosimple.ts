// SOSIMPLE rules of the checker (catalogue §1, §2 and the message-shape parts of §4–§6).

import { ALG_SHA1, DEFAULT_SIP_PORT, ID_HEX_RE, idProblem, nodeIdOf, resourceIdOf } from '../overlay/id';
import type { CheckContext, Findings, Role } from './check';
import { contactsOf, headersNamed, parseDeltaSeconds, parseDhtLink, parseDhtNodeId, parseOptionTags, type DhtLink, type DhtNodeId } from './headers';
import type { HeaderField, Position, SipMessage } from './types';
import { paramValue, parseNameAddr, parseSipUri, type NameAddr, type Param, type SipUri } from './uri';

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

/**
 * undefined for a URI that is not sip:/sips:, which cannot be a P2P URI. `strict`: a variant
 * spelling is the sender's error (SOS-WIRE-9 MUST), not only a receiver's report.
 */
export function p2pUri(na: NameAddr, field: HeaderField, findings?: Findings, strict = false): P2pUri | undefined {
  const uri = na.uri;
  if (!uri) return undefined;
  const all = [...uri.params, ...na.params];
  const pick = (canonical: string, variant?: string): string | undefined => {
    const hit = variant ? lookup(all, canonical, variant) : lookup(all, canonical);
    if (hit && variant && hit.name === variant) {
      // Receivers accept the variant and report it (SOS-WIRE-9 decision); a sender that writes it breaks the MUST.
      findings?.add('SOS-WIRE-9', field.valueAt, `the parameter spelled ${canonical}`, hit.name, `${field.name}: "${variant}" is accepted, but senders spell it "${canonical}"`, strict ? 'error' : 'warning');
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

function uriOf(message: SipMessage, key: 'to' | 'from', findings: Findings, strict: boolean): P2pUri | undefined {
  const field = headersNamed(message, key)[0];
  if (!field) return undefined;
  const na = parseNameAddr(field.value);
  return na.ok ? p2pUri(na.value, field, findings, strict) : undefined;
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
  return registerClassOf(message, to);
}

function registerClassOf(message: SipMessage, to: P2pUri | undefined): RegisterClass | undefined {
  if (message.startLine.kind !== 'request' || message.startLine.method !== 'REGISTER') return undefined;
  const hasContact = headersNamed(message, 'contact').length > 0;
  if (to?.isNode) {
    if (!hasContact) return 'node-query';
    return expiryOf(message) === 0 ? 'leave' : 'join';
  }
  return hasContact ? 'user-register' : 'user-query';
}

export type RegisterClass = 'join' | 'leave' | 'node-query' | 'user-register' | 'user-query';

/**
 * SOS-WIRE-13: what a REGISTER is, read from the message alone (user=node, Contact, expiry).
 * undefined for any other message. Without a Contact a REGISTER is a query whatever its Expires.
 */
export function registerClass(message: SipMessage): RegisterClass | undefined {
  const field = headersNamed(message, 'to')[0];
  const na = field ? parseNameAddr(field.value) : undefined;
  const to = field && na?.ok ? p2pUri(na.value, field) : undefined;
  return registerClassOf(message, to);
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
  // A response echoes its request's To and From: their spelling is the requester's, not the sender's.
  const strict = !!context.sender;
  const echoing = strict && message.startLine.kind === 'response';
  const to = uriOf(message, 'to', findings, strict && !echoing);
  const from = uriOf(message, 'from', findings, strict && !echoing);
  const contacts = contactsOf(message).flatMap((c) => {
    const u = c.entry && p2pUri(c.entry, c.field, findings, strict && !context.echoedContacts?.includes(c.entry.uriText));
    return u ? [u] : [];
  });
  if (!isP2p(message, [to, from, ...contacts], context.role)) return;
  const role = classify(message, to, context);

  checkOptionTags(message, findings, role === 'direct');
  // The last hop to a user agent is plain SIP with Supported: dht (SOS-WIRE-4 decision): no
  // DHT-NodeID is due, though one that is written must be right.
  const sender = checkDhtNodeId(message, context, findings, role !== 'direct');
  const links = checkDhtLinks(message, context, findings);
  // A response echoes the request's To and From (RFC 3261 §8.2.6.2): they describe the
  // requester, so only its own Contacts are judged. A node query's To holds the searched ID,
  // not an address's hash (SOS-WIRE-13); a user request's To is judged by SOS-WIRE-3 alone.
  const isResponse = message.startLine.kind === 'response';
  const userTo = role === 'lookup' || role === 'user-register' || role === 'user-query';
  if (!isResponse) {
    if (to) checkP2pUri(to, context, findings, role === 'node-query', userTo);
    if (from) checkP2pUri(from, context, findings);
    if (role === 'join' || role === 'leave' || role === 'node-query' || role === 'user-register' || role === 'user-query') checkRequestUri(message, context, findings);
  }
  for (const u of contacts) if (!(isResponse && context.echoedContacts?.includes(u.na.uriText))) checkP2pUri(u, context, findings);

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
    case 'lookup':
      checkUserRequest(message, role, to, from, contacts, links, findings);
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
    case 'neighbour-ok':
      if (message.startLine.kind === 'response' && message.startLine.status !== 200) {
        findings.add('SOS-MAINT-7', START, '200', String(message.startLine.status), 'a neighbour REGISTER is answered 200, not redirected (§6.8)');
      }
      checkNeighbourLinks(links, 'SOS-MAINT-7', findings, true);
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

/**
 * SOS-WIRE-12: the port a node left out. An ID that is not the hash of host:5060 but is the
 * hash of host:P for a node the harness knows at host:P (or the UDP source) was written
 * without its port; that is the finding, rather than a wrong ID.
 */
function leftOutPort(id: string, host: string, context: CheckContext): number | undefined {
  const candidates = [...(context.knownNodes ?? []), ...(context.source && context.transport !== 'tcp' ? [context.source] : [])];
  return candidates.find((c) => c.port !== DEFAULT_SIP_PORT && c.host.toLowerCase() === host.toLowerCase() && nodeIdOf(c.host, c.port) === id)?.port;
}

function checkDhtNodeId(message: SipMessage, context: CheckContext, findings: Findings, required: boolean): DhtNodeId | undefined {
  const fields = headersNamed(message, 'dht-nodeid');
  if (fields.length === 0) {
    if (required) findings.add('SOS-WIRE-5', START, 'one DHT-NodeID header', 'none', 'a P2P message carries the sender\'s DHT-NodeID (§6.3.1)');
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
      const port = v.nodeId !== expected && v.port === undefined ? leftOutPort(v.nodeId, v.host, context) : undefined;
      if (port !== undefined) findings.add('SOS-WIRE-12', f.positionOf(f.value.lastIndexOf(v.host)), `${v.host}:${port}`, v.host, `DHT-NodeID: a node on port ${port} writes host:port`);
      else if (v.nodeId !== expected) findings.add('SOS-ID-2', idAt, expected, v.nodeId, `DHT-NodeID: the ID is not SHA-1("${v.host}:${v.port ?? DEFAULT_SIP_PORT}")`);
    }
    if (v.port === DEFAULT_SIP_PORT) findings.add('SOS-WIRE-12', f.valueAt, 'the host alone on port 5060', `${v.host}:5060`, 'a node on port 5060 writes the host only', 'warning');
  }
  return first;
}

function checkDhtLinks(message: SipMessage, context: CheckContext, findings: Findings): DhtLink[] {
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
      const port = v.nodeId !== expected && v.port === undefined ? leftOutPort(v.nodeId, v.host, context) : undefined;
      if (port !== undefined) findings.add('SOS-WIRE-12', f.positionOf(f.value.lastIndexOf(v.host)), `${v.host}:${port}`, v.host, `DHT-Link ${v.type} ${v.depth}: a node on port ${port} is written host:port`);
      else if (v.nodeId !== expected) findings.add('SOS-WIRE-6', idAt, expected, v.nodeId, `DHT-Link ${v.type} ${v.depth}: the ID is not SHA-1("${v.host}:${v.port ?? DEFAULT_SIP_PORT}")`);
    }
    out.push(v);
  }
  return out;
}

function checkP2pUri(u: P2pUri, context: CheckContext, findings: Findings, searchedId = false, userRole = false): void {
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
    const left = user !== expected && u.uri.port === undefined ? leftOutPort(user, u.uri.host, context) : undefined;
    if (left !== undefined) findings.add('SOS-WIRE-12', u.field.valueAt, `${u.uri.host}:${left}`, u.uri.host, `${what}: a node on port ${left} is written host:port`);
    else if (user !== expected) findings.add('SOS-ID-2', u.field.valueAt, expected, user, `${what}: the Node-ID is not SHA-1("${u.uri.host}:${port}")`);
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
  if (to && from && (to.uri.host.toLowerCase() !== from.uri.host.toLowerCase() || (to.uri.port ?? DEFAULT_SIP_PORT) !== (from.uri.port ?? DEFAULT_SIP_PORT))) {
    const own = from.uri.port === undefined ? from.uri.host : `${from.uri.host}:${from.uri.port}`;
    const written = to.uri.port === undefined ? to.uri.host : `${to.uri.host}:${to.uri.port}`;
    findings.add('SOS-WIRE-13', to.field.valueAt, `the searched ID at the sender's ${own}`, written, 'a node query\'s To is the searched ID at the sender\'s own host, in its SOS-WIRE-12 form (§6.4.1)');
  }
  if (from && !from.isNode) findings.add('SOS-WIRE-2', from.field.valueAt, 'the sender\'s node URI', from.na.uriText, 'a node query\'s From is the sender\'s node URI (§6.4.1)');
}

const missingAlgOverlay = (u: P2pUri): string[] => [u.alg === undefined ? 'alg' : '', u.overlay === undefined ? 'overlay' : ''].filter(Boolean);

function checkUserRequest(message: SipMessage, role: Role, to: P2pUri | undefined, from: P2pUri | undefined, contacts: P2pUri[], links: DhtLink[], findings: Findings): void {
  if (!to) return;
  const what = role === 'lookup' ? 'a lookup' : 'user requests';
  if (to.isNode) findings.add('SOS-WIRE-3', to.field.valueAt, 'a user URI without user=node', 'user=node', `${what} put a user URI in To (§5.8.2, §7.2)`);
  const missing = missingAlgOverlay(to);
  if (missing.length) findings.add('SOS-WIRE-3', to.field.valueAt, 'alg and overlay on the user URI', `no ${missing.join(', ')}`, 'user URIs carry alg and overlay (§5.8.2)');
  // A transfer's From is the sending node's URI (§6.6); any other From is a user URI.
  const fromMissing = from && !from.isNode ? missingAlgOverlay(from) : [];
  if (from && fromMissing.length) findings.add('SOS-WIRE-3', from.field.valueAt, 'alg and overlay on the user URI', `no ${fromMissing.join(', ')}`, 'user URIs carry alg and overlay (§5.8.2)');
  for (const u of [to, from, ...(role === 'lookup' ? [] : contacts)]) {
    if (!u || u.isNode || u.resourceId === undefined || !u.uri.user) continue;
    const expected = resourceIdOf(u.uri.user);
    if (u.resourceId !== expected) findings.add('SOS-WIRE-3', u.field.valueAt, expected, u.resourceId, `${u.field.name}: resource-ID is not SHA-1 of "${u.uri.user}" (SOS-ID-3)`);
  }
  if (role === 'user-register') {
    if (expiryOf(message) === undefined) findings.add('SOS-WIRE-8', START, 'an Expires header or a Contact expires parameter', 'none', 'a registration carries a non-zero expiry');
    for (const c of contacts) {
      if (c.isNode) {
        findings.add('SOS-REG-9', c.field.valueAt, 'the user\'s Contact', 'a node URI', 'a user registration\'s Contact holds the unhashed username (§7.1.1)');
        continue;
      }
      if (to.uri.user !== undefined && c.uri.user !== to.uri.user) {
        findings.add('SOS-REG-9', c.field.valueAt, `the unhashed username ${to.uri.user}`, c.uri.user ?? 'no user part', 'a user registration\'s Contact holds the username of its To (§7.1.1)');
      }
      const cMissing = missingAlgOverlay(c);
      if (cMissing.length) findings.add('SOS-REG-9', c.field.valueAt, 'alg and overlay on the Contact', `no ${cMissing.join(', ')}`, 'a user registration\'s Contact carries alg and overlay (§7.1.1)');
      else if (c.resourceId === undefined) findings.add('SOS-REG-9', c.field.valueAt, 'a resource-ID on the Contact', 'none', 'a user registration\'s Contact SHOULD carry resource-ID (§7.1.1)', 'warning');
    }
    const f = links.find((l) => l.type === 'F');
    if (f) findings.add('SOS-REG-9', START, 'no DHT-Link F entries', `F ${f.depth}`, 'a user REGISTER SHOULD NOT carry finger entries (§7.1.1)', 'warning');
  }
}

/**
 * SOS-WIRE-11 (SHOULD): a DHT REGISTER's Request-URI is sip: + the contacted node's address,
 * without P2P parameters; the node URI a 302 named is accepted too (RFC 3261 §21.3.3).
 */
function checkRequestUri(message: SipMessage, context: CheckContext, findings: Findings): void {
  if (message.startLine.kind !== 'request') return;
  const text = message.startLine.uri;
  const at: Position = { line: 1, column: message.startLine.raw.indexOf(text) + 1 };
  const r = parseSipUri(text);
  if (!r.ok) {
    findings.add('SOS-WIRE-11', at, 'sip: + the contacted node\'s address', text, 'the Request-URI is not a sip: URI');
    return;
  }
  const u = r.value;
  const isNodeUri = (paramValue(u.params, 'user') ?? '').toLowerCase() === 'node' && u.user !== undefined && ID_HEX_RE.test(u.user.toLowerCase());
  const p2pParams = u.params.filter((p) => ['user', 'alg', 'overlay', 'overlay-name', 'resource-id', 'resourceid', 'replica'].includes(p.name.toLowerCase()));
  const bare = `sip:${u.port === undefined ? u.host : `${u.host}:${u.port}`}`;
  if (isNodeUri) {
    const expected = nodeIdOf(u.host, u.port ?? DEFAULT_SIP_PORT);
    if (u.user!.toLowerCase() !== expected) findings.add('SOS-WIRE-11', at, `${bare} or the node URI of ${expected}`, text, 'the Request-URI names a node that is not at its address');
  } else if (u.user !== undefined || p2pParams.length > 0) {
    findings.add('SOS-WIRE-11', at, bare, text, 'a DHT REGISTER\'s Request-URI is the contacted node\'s address, without user part or P2P parameters (§6.3.1, §6.4.1)');
  }
  const d = context.destination;
  if (d && (u.host.toLowerCase() !== d.host.toLowerCase() || (u.port ?? DEFAULT_SIP_PORT) !== d.port)) {
    findings.add('SOS-WIRE-11', at, `sip:${d.port === DEFAULT_SIP_PORT ? d.host : `${d.host}:${d.port}`}`, text, 'the Request-URI names the node the REGISTER is sent to');
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
