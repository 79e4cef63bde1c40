// Joining a ring as a virtual node: mine a port so the joiner's ID lands where a test needs
// it, follow the 302 chain, and leave again right after (SOS-MAINT-2) so the next test meets
// the same ring. Every hop is kept for the checks.

import { followRedirects, type Chain } from '../../harness/net/redirects';
import { VirtualNode } from '../../harness/net/virtual-node';
import { bigIntToId, idToBigInt } from '../../harness/overlay/ring';
import { dhtLinkValue, nodeRegister } from '../../harness/sip/craft';
import { headersNamed, parseDhtLink } from '../../harness/sip/headers';
import type { RingNode } from '../../harness/cluster/cluster';
import type { SuiteRing } from './ring';

export interface Join {
  joiner: VirtualNode;
  bootstrap: RingNode;
  chain: Chain;
  /** Node IDs of the nodes asked, in order (the bootstrap first). */
  asked: string[];
}

/** A virtual node whose ID lies in (pred(node), node]: `node` must admit it. */
export async function joinerOwnedBy(ring: SuiteRing, node: RingNode): Promise<VirtualNode> {
  const pred = ring.oracle.predecessor(node.nodeId) ?? node.nodeId;
  const lo = bigIntToId(idToBigInt(pred) + 1n);
  const hi = bigIntToId(idToBigInt(node.nodeId) + 1n);
  return VirtualNode.startMined({ host: ring.cluster.harnessAddress, name: `joiner-${node.name}`, trace: ring.trace, defaultReply: 'silence' }, { lo, hi });
}

export async function joinThrough(ring: SuiteRing, joiner: VirtualNode, bootstrap: RingNode): Promise<Join> {
  const chain = await followRedirects(joiner, bootstrap, (to) => nodeRegister(joiner.endpoint, to), { timeoutMs: 4000 });
  const asked = [bootstrap.nodeId, ...chain.hops.filter((h) => h.next?.nodeId).map((h) => h.next!.nodeId!)];
  return { joiner, bootstrap, chain, asked };
}

/** Leaves the ring again with an expiry-0 REGISTER to the admitting node, carrying P 1 and S 1. */
export async function leaveAgain(ring: SuiteRing, join: Join): Promise<void> {
  const last = join.chain.hops[join.chain.hops.length - 1];
  if (!last || last.status !== 200) return;
  const admitting = ring.nodes.find((n) => n.host === last.to.host && n.port === last.to.port);
  if (!admitting) return;
  const p1 = headersNamed(last.response, 'dht-link')
    .map((h) => parseDhtLink(h.value))
    .find((r) => r.ok && r.value.type === 'P' && r.value.depth === 1);
  const leave = nodeRegister(join.joiner.endpoint, admitting, { expires: 0 }).header('DHT-Link', dhtLinkValue('S', 1, admitting));
  if (p1?.ok) leave.header('DHT-Link', dhtLinkValue('P', 1, { host: p1.value.host, port: p1.value.port ?? 5060 }));
  await join.joiner.request(admitting, leave, { timeoutMs: 3000 }).catch(() => undefined);
}
