// Complete, correct SOSIMPLE messages for the harness to send (virtual nodes, probes,
// benchmarks). Each starts from a MessageBuilder, so a test can then break one thing.

import { ALG_SHA1, DEFAULT_SIP_PORT, nodeIdOf, resourceIdOf } from '../overlay/id';
import { MessageBuilder, newBranch, newCallId, newTag } from './builder';
import { hostPort } from './headers';

export interface Endpoint {
  host: string;
  port: number;
}

export interface CraftOptions {
  overlay?: string;
  transport?: 'UDP' | 'TCP';
  callId?: string;
  branch?: string;
  cseq?: number;
  tag?: string;
}

/** `host` on port 5060, else `host:port` (SOS-WIRE-12). */
export function wireHost(e: Endpoint): string {
  return e.port === DEFAULT_SIP_PORT ? e.host : hostPort(e.host, e.port);
}

/** A node URI with its parameters inside the brackets' URI (SOS-WIRE-10 sender form). */
export function nodeUri(e: Endpoint, overlay = 'chat', id = nodeIdOf(e.host, e.port)): string {
  return `sip:${id}@${wireHost(e)};user=node;alg=${ALG_SHA1};overlay=${overlay}`;
}

export function userUri(user: string, host: string, overlay = 'chat', withResourceId = true): string {
  const rid = withResourceId ? `;resource-ID=${resourceIdOf(user)}` : '';
  return `sip:${user}@${host};alg=${ALG_SHA1};overlay=${overlay}${rid}`;
}

export function dhtNodeIdValue(e: Endpoint): string {
  return `${ALG_SHA1} ${nodeIdOf(e.host, e.port)} ${wireHost(e)}`;
}

export function dhtLinkValue(type: 'P' | 'S' | 'F', depth: number, e: Endpoint): string {
  return `${type} ${depth} ${ALG_SHA1} ${nodeIdOf(e.host, e.port)} ${wireHost(e)}`;
}

function base(method: string, target: Endpoint, sender: Endpoint, o: CraftOptions): MessageBuilder {
  return MessageBuilder.request(method, `sip:${wireHost(target)}`)
    .header('Via', `SIP/2.0/${o.transport ?? 'UDP'} ${hostPort(sender.host, sender.port)};branch=${o.branch ?? newBranch()};rport`)
    .header('Max-Forwards', 70);
}

function p2pTail(b: MessageBuilder, sender: Endpoint, method: string, o: CraftOptions): MessageBuilder {
  return b
    .header('Call-ID', o.callId ?? newCallId(sender.host))
    .header('CSeq', `${o.cseq ?? 1} ${method}`)
    .header('Require', 'dht')
    .header('Supported', 'dht')
    .header('DHT-NodeID', dhtNodeIdValue(sender));
}

/** A join (or, with expires 0, a leave): To, From and Contact are the sender's node URI. */
export function nodeRegister(sender: Endpoint, target: Endpoint, o: CraftOptions & { expires?: number } = {}): MessageBuilder {
  const uri = nodeUri(sender, o.overlay);
  const b = base('REGISTER', target, sender, o)
    .header('To', `<${uri}>`)
    .header('From', `<${uri}>;tag=${o.tag ?? newTag()}`)
    .header('Contact', `<${uri}>`)
    .header('Expires', o.expires ?? 600);
  return p2pTail(b, sender, 'REGISTER', o);
}

/** A node query for `searchedId` (SOS-WIRE-13): To = searched ID at the sender's host; no Contact, no Expires. */
export function nodeQuery(sender: Endpoint, target: Endpoint, searchedId: string, o: CraftOptions = {}): MessageBuilder {
  const overlay = o.overlay ?? 'chat';
  const b = base('REGISTER', target, sender, o)
    .header('To', `<sip:${searchedId}@${wireHost(sender)};user=node;alg=${ALG_SHA1};overlay=${overlay}>`)
    .header('From', `<${nodeUri(sender, overlay)}>;tag=${o.tag ?? newTag()}`);
  return p2pTail(b, sender, 'REGISTER', o);
}

/**
 * An OPTIONS probe with `Require: dht` to `target`'s own node URI (SOS-RING-5: the answer
 * lists the node's F entries), from the node `sender`.
 */
export function nodeOptions(sender: Endpoint, target: Endpoint, o: { overlay?: string } = {}): MessageBuilder {
  const uri = nodeUri(target, o.overlay ?? 'chat');
  return MessageBuilder.request('OPTIONS', uri)
    .header('Via', `SIP/2.0/UDP ${sender.host}:${sender.port};branch=${newBranch()};rport`)
    .header('Max-Forwards', 70)
    .header('To', `<${uri}>`)
    .header('From', `<${nodeUri(sender, o.overlay ?? 'chat')}>;tag=${newTag()}`)
    .header('Call-ID', newCallId(sender.host))
    .header('CSeq', '1 OPTIONS')
    .header('Require', 'dht')
    .header('Supported', 'dht')
    .header('DHT-NodeID', dhtNodeIdValue(sender));
}

/** A user registration of `user` whose UA is at `contact`, sent by the node `sender`. */
export function userRegister(user: string, contact: Endpoint, sender: Endpoint, target: Endpoint, o: CraftOptions & { expires?: number; domain?: string } = {}): MessageBuilder {
  const overlay = o.overlay ?? 'chat';
  const aor = userUri(user, o.domain ?? 'p2psip.org', overlay);
  const b = base('REGISTER', target, sender, o)
    .header('To', `<${aor}>`)
    .header('From', `<${aor}>;tag=${o.tag ?? newTag()}`)
    .header('Contact', `<${userUri(user, wireHost(contact), overlay)}>`)
    .header('Expires', o.expires ?? 600);
  return p2pTail(b, sender, 'REGISTER', o);
}

/** A response to `request` built from its Via, To, From, Call-ID and CSeq (RFC 3261 §8.2.6). */
export function responseTo(request: { headers: { key: string; name: string; value: string }[] }, status: number, reason: string, toTag = newTag()): MessageBuilder {
  const b = MessageBuilder.response(status, reason);
  for (const h of request.headers) {
    if (['via', 'from', 'call-id', 'cseq'].includes(h.key)) b.header(h.name, h.value);
    if (h.key === 'to') b.header(h.name, /;\s*tag=/i.test(h.value) || status === 100 ? h.value : `${h.value};tag=${toTag}`);
  }
  return b;
}

/** A lookup (SOS-LOOKUP-1/2): INVITE, MESSAGE, SUBSCRIBE or OPTIONS for a user, sent by a node. */
export function userLookup(method: 'INVITE' | 'MESSAGE' | 'SUBSCRIBE' | 'OPTIONS', user: string, sender: Endpoint, target: Endpoint, o: CraftOptions & { domain?: string; caller?: string } = {}): MessageBuilder {
  const overlay = o.overlay ?? 'chat';
  const domain = o.domain ?? 'p2psip.org';
  const b = MessageBuilder.request(method, `sip:${user}@${domain}`)
    .header('Via', `SIP/2.0/${o.transport ?? 'UDP'} ${hostPort(sender.host, sender.port)};branch=${o.branch ?? newBranch()};rport`)
    .header('Max-Forwards', 70)
    .header('To', `<${userUri(user, domain, overlay)}>`)
    .header('From', `<${userUri(o.caller ?? 'harness', domain, overlay)}>;tag=${o.tag ?? newTag()}`)
    .header('Contact', `<${userUri(o.caller ?? 'harness', wireHost(sender), overlay, false)}>`);
  if (method === 'SUBSCRIBE') b.header('Event', 'presence').header('Expires', 600);
  return p2pTail(b, sender, method, o);
}
