// Bringing up a ring of nodes and waiting until it is stable: every node's P 1 and S 1, read
// over the wire, equal the oracle's (SOS-RING-2). Used by suites and by `ring up`.

import { RingOracle } from '../overlay/oracle';
import type { VirtualNode } from '../net/virtual-node';
import type { Target } from '../targets/schema';
import type { Cluster, RingNode, StartOptions } from './cluster';
import { readNeighbours } from './observe';

export interface RingOptions extends Omit<StartOptions, 'bootstrap' | 'name'> {
  /** Which already-started node new nodes join through: 'first' (default) or 'previous'. */
  joinThrough?: 'first' | 'previous';
  /** Options for one node only (its hosted users, say), by start order from 0. */
  perNode?: (index: number) => Partial<StartOptions>;
  onProgress?: (message: string) => void;
}

/** Starts `size` nodes one after another: the first creates the overlay, the rest join. */
export async function startRing(cluster: Cluster, target: Target, size: number, options: RingOptions = {}): Promise<RingNode[]> {
  return startMixedRing(cluster, () => target, size, options);
}

/**
 * A ring whose nodes may come from different targets (interop): node i runs `targetOf(i)`,
 * and is named after its target (`reference-alt-2`). Otherwise as startRing.
 */
export async function startMixedRing(cluster: Cluster, targetOf: (index: number) => Target, size: number, options: RingOptions = {}): Promise<RingNode[]> {
  const nodes: RingNode[] = [];
  for (let i = 0; i < size; i++) {
    const target = targetOf(i);
    const through = i === 0 ? undefined : options.joinThrough === 'previous' ? nodes[i - 1] : nodes[0];
    const { perNode, joinThrough: _j, onProgress: _p, ...common } = options;
    const node = await cluster.start(target, { ...common, ...perNode?.(i), name: `${target.name}-${i + 1}`, ...(through ? { bootstrap: through } : {}) });
    nodes.push(node);
    options.onProgress?.(`node ${i + 1}/${size} ${node.host}:${node.port} answering (ID ${node.nodeId.slice(0, 10)}…)`);
  }
  return nodes;
}

export interface RingMismatch {
  node: string;
  what: 'P 1' | 'S 1' | 'unreachable';
  expected?: string;
  actual?: string;
}

/** What differs between the nodes' own P 1 / S 1 and the oracle's, right now. */
export async function ringMismatches(probe: VirtualNode, nodes: readonly RingNode[], overlay?: string): Promise<RingMismatch[]> {
  const oracle = new RingOracle(nodes.map((n) => n.nodeId));
  const out: RingMismatch[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      try {
        const seen = await readNeighbours(probe, n, overlay);
        const p = oracle.predecessor(n.nodeId);
        const s = oracle.successor(n.nodeId);
        if (seen.predecessor !== p) out.push({ node: n.name, what: 'P 1', ...(p ? { expected: p } : {}), ...(seen.predecessor ? { actual: seen.predecessor } : {}) });
        if (seen.successors[0] !== s) out.push({ node: n.name, what: 'S 1', expected: s, ...(seen.successors[0] ? { actual: seen.successors[0] } : {}) });
      } catch (e) {
        out.push({ node: n.name, what: 'unreachable', actual: e instanceof Error ? e.message : String(e) });
      }
    }),
  );
  return out;
}

/** Polls until the ring matches the oracle; resolves with the mismatches left at the deadline. */
export async function waitForStableRing(probe: VirtualNode, nodes: readonly RingNode[], timeoutMs: number, overlay?: string): Promise<RingMismatch[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await ringMismatches(probe, nodes, overlay);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}
