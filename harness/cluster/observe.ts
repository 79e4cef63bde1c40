// Reading a node's routing state over the wire, as any peer could: a node query for its own
// ID (SOS-LOOKUP-5) answers with DHT-Link P 1 and S 1..S 4. Expected values come from the
// oracle; this only reads what the node says.

import { nodeQuery } from '../sip/craft';
import { headersNamed, parseDhtLink, type DhtLink } from '../sip/headers';
import type { VirtualNode } from '../net/virtual-node';
import type { SipMessage } from '../sip/types';

export interface Neighbours {
  status: number;
  predecessor?: string;
  successors: string[];
  links: DhtLink[];
  response: SipMessage;
}

export async function readNeighbours(probe: VirtualNode, node: { host: string; port: number; nodeId: string }, overlay?: string): Promise<Neighbours> {
  const { message } = await probe.request(node, nodeQuery(probe.endpoint, node, node.nodeId, overlay ? { overlay } : {}), { timeoutMs: 3000 });
  const links: DhtLink[] = [];
  for (const f of headersNamed(message, 'dht-link')) {
    const r = parseDhtLink(f.value);
    if (r.ok) links.push(r.value);
  }
  const of = (type: string, depth: number): string | undefined => links.find((l) => l.type === type && l.depth === depth)?.nodeId.toLowerCase();
  const successors: string[] = [];
  for (let d = 1; d <= 4; d++) {
    const s = of('S', d);
    if (s) successors.push(s);
  }
  const out: Neighbours = { status: message.startLine.kind === 'response' ? message.startLine.status : 0, successors, links, response: message };
  const p = of('P', 1);
  if (p) out.predecessor = p;
  return out;
}
