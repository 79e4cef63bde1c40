// The iterative 302 chain (SOS-LOOKUP-4): send, follow the one node-URI Contact, stop at a
// final answer, a timeout (a failed node, SOS-MAINT-3), a loop or the hop bound.
import * as sip from 'sip';
import { DhtLink, parseDhtLinks, parseDhtNodeId } from './dht-headers';
import { NodeRef, isNodeIdSyntax } from './ids';

export const MAX_HOPS = 48;

export type ChainResult =
  | { kind: 'final'; response: sip.Message; responder: NodeRef; hops: number }
  | { kind: 'failed'; node: NodeRef; hops: number }
  | { kind: 'local'; hops: number }
  | { kind: 'loop'; hops: number };

/** The node named by a redirect's Contact, when it is a node URI. */
export function contactNode(rs: sip.Message): NodeRef | undefined {
  const c = Array.isArray(rs.headers.contact) ? rs.headers.contact[0] : undefined;
  const u = c && sip.parseUri(c.uri);
  if (!u || !u.user || !isNodeIdSyntax(u.user)) return undefined;
  const port = typeof u.port === 'number' && u.port > 0 ? u.port : 5060;
  return { id: u.user.toLowerCase(), host: u.host, port };
}

/** The answering node, from its DHT-NodeID (SOS-WIRE-5). */
export function responderOf(rs: sip.Message): NodeRef | undefined {
  const v = rs.headers['dht-nodeid'];
  if (typeof v !== 'string') return undefined;
  const p = parseDhtNodeId(v);
  return p.ok ? p.value.node : undefined;
}

export function linksOfResponse(rs: sip.Message): DhtLink[] {
  const v = rs.headers['dht-link'];
  const p = parseDhtLinks(typeof v === 'string' ? v : undefined);
  return p.ok ? p.value : [];
}

export async function followChain(
  first: NodeRef,
  self: NodeRef,
  send: (target: NodeRef) => Promise<sip.Message | undefined>,
  maxHops = MAX_HOPS,
): Promise<ChainResult> {
  // During churn a stale finger can send the chain back to a node whose state has moved on
  // since, so a node may be visited twice; a third visit is a loop.
  const visits = new Map<string, number>();
  let target = first;
  for (let hops = 1; hops <= maxHops; hops++) {
    if (target.id === self.id) return { kind: 'local', hops };
    const key = `${target.host}:${target.port}`;
    const seen = visits.get(key) ?? 0;
    if (seen >= 2) return { kind: 'loop', hops };
    visits.set(key, seen + 1);
    const rs = await send(target);
    if (!rs) return { kind: 'failed', node: target, hops };
    if (rs.status === 302) {
      const next = contactNode(rs);
      if (next) {
        target = next;
        continue;
      }
    }
    return { kind: 'final', response: rs, responder: responderOf(rs) ?? target, hops };
  }
  return { kind: 'loop', hops: maxHops };
}
