// Readiness judged on the wire (target contract): a node is ready when it answers a node
// query for its own ID (SOS-LOOKUP-5) with a final response. No log line or health endpoint.

import { nodeQuery } from '../sip/craft';
import type { VirtualNode } from '../net/virtual-node';
import type { Received } from '../net/client-transaction';

export class NotReadyError extends Error {
  override name = 'NotReadyError';
}

/**
 * Sends node queries from `probe` to `node` until one gets a final response; rejects with a
 * NotReadyError naming the node and what was seen when `timeoutMs` passes.
 */
export async function waitUntilAnswering(
  probe: VirtualNode,
  node: { name: string; host: string; port: number; nodeId: string },
  options: { timeoutMs?: number; overlay?: string; isAlive?: () => string | undefined } = {},
): Promise<Received> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = options.isAlive?.();
    if (dead) throw new NotReadyError(`node ${node.name} (${node.host}:${node.port}) exited before answering: ${dead}`);
    attempts++;
    const query = nodeQuery(probe.endpoint, node, node.nodeId, options.overlay ? { overlay: options.overlay } : {});
    try {
      const wait = Math.min(1000, Math.max(100, deadline - Date.now()));
      return await probe.request(node, query, { timeoutMs: wait, retransmit: { t1Ms: 100, t2Ms: 400 } });
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
  }
  throw new NotReadyError(
    `node ${node.name} (${node.host}:${node.port}, ID ${node.nodeId.slice(0, 12)}…) did not answer a node query for its own ID within ${timeoutMs} ms (${attempts} attempts; last: ${last})`,
  );
}
