// Following a chain of 302 redirects, as a joining node or a lookup does (SOS-JOIN-1..4,
// SOS-LOOKUP-4): each hop is recorded so a test can judge it against the ring oracle.

import { contactsOf } from '../sip/headers';
import type { MessageBuilder } from '../sip/builder';
import type { SipMessage } from '../sip/types';
import type { VirtualNode } from './virtual-node';
import type { NetEndpoint } from './trace';

export interface Hop {
  /** Where the request went. */
  to: NetEndpoint;
  status: number;
  response: SipMessage;
  /** For a 302: the one Contact's address and the node ID in its user part. */
  next?: { host: string; port: number; nodeId?: string };
}

export interface Chain {
  hops: Hop[];
  /** Why the walk stopped early: a loop, too many hops, a 302 without a usable Contact. */
  stoppedBecause?: string;
}

/** Sends `request(to)` to `start` and to every node a 302 names, until a non-302 answer. */
export async function followRedirects(
  from: VirtualNode,
  start: NetEndpoint,
  request: (to: NetEndpoint) => MessageBuilder,
  options: { maxHops?: number; timeoutMs?: number } = {},
): Promise<Chain> {
  const maxHops = options.maxHops ?? 64;
  const hops: Hop[] = [];
  const seen = new Set<string>();
  let to = start;
  for (;;) {
    const key = `${to.host}:${to.port}`;
    if (seen.has(key)) return { hops, stoppedBecause: `redirect loop: ${key} was already asked` };
    if (hops.length >= maxHops) return { hops, stoppedBecause: `more than ${maxHops} hops` };
    seen.add(key);
    const { message } = await from.request(to, request(to), options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});
    const status = message.startLine.kind === 'response' ? message.startLine.status : 0;
    const hop: Hop = { to, status, response: message };
    hops.push(hop);
    if (status !== 302) return { hops };
    const contacts = contactsOf(message).filter((c) => c.entry?.uri);
    const entry = contacts[0]?.entry;
    const uri = entry?.uri;
    if (!entry || !uri) return { hops, stoppedBecause: 'a 302 without a sip: Contact' };
    // A 302 naming a user's agent rather than a node ends a lookup (SOS-LOOKUP-2): the harness
    // never contacts an address a node under test gave it that is not a node of the ring.
    const isNode = [...uri.params, ...entry.params].some((p) => p.name.toLowerCase() === 'user' && p.value?.toLowerCase() === 'node');
    if (!isNode) return { hops };
    hop.next = { host: uri.host, port: uri.port ?? 5060, ...(uri.user ? { nodeId: uri.user.toLowerCase() } : {}) };
    to = { host: hop.next.host, port: hop.next.port };
  }
}
