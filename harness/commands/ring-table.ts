// The table `ring up` and `ring status` print: each node's name, the Node-ID the harness
// derives from its address (SOS-ID-2), its address, and its S 1 and P 1 as the node itself
// answers a node query for its own ID (read over the wire, SOS-LOOKUP-5); then what differs
// from the oracle (SOS-RING-2) and any node whose DHT-NodeID is not the expected one.

import type { VirtualNode } from '../net/virtual-node';
import { readNeighbours } from '../cluster/observe';
import { RingOracle } from '../overlay/oracle';
import { headerValue, parseDhtNodeId } from '../sip/headers';

export interface TableNode {
  name: string;
  host: string;
  port: number;
  /** The ID the harness expects: hash of the node's address (SOS-ID-2). */
  nodeId: string;
}

export interface NodeRow extends TableNode {
  successor?: string;
  predecessor?: string;
  /** The Node-ID in the node's own DHT-NodeID header. */
  reportedId?: string;
  /** Why the node's state could not be read (it did not answer a node query). */
  error?: string;
  /** The node is not running (its container exited or is paused): shown, but not in the oracle. */
  down?: string;
}

/** Queries every node from `probe`; a node that does not answer gets an `error`. */
export async function readRows(probe: VirtualNode, nodes: readonly TableNode[], overlay?: string): Promise<NodeRow[]> {
  return Promise.all(
    nodes.map(async (n): Promise<NodeRow> => {
      try {
        const seen = await readNeighbours(probe, n, overlay);
        const row: NodeRow = { ...n };
        if (seen.successors[0]) row.successor = seen.successors[0];
        if (seen.predecessor) row.predecessor = seen.predecessor;
        const own = headerValue(seen.response, 'dht-nodeid');
        const parsed = own === undefined ? undefined : parseDhtNodeId(own);
        if (parsed?.ok) row.reportedId = parsed.value.nodeId.toLowerCase();
        return row;
      } catch (e) {
        return { ...n, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

/**
 * What differs from the oracle, built from the IDs of every running node in the table (a
 * node that runs but does not answer is still one the others must point at).
 */
export function mismatches(rows: readonly NodeRow[]): string[] {
  const live = rows.filter((r) => r.down === undefined);
  if (live.length === 0) return [];
  const oracle = new RingOracle(live.map((r) => r.nodeId));
  const label = labeller(rows);
  const out: string[] = [];
  for (const r of live) {
    if (r.error) {
      out.push(`${r.name}: no answer (${r.error})`);
      continue;
    }
    if (r.reportedId && r.reportedId !== r.nodeId) out.push(`${r.name} Node-ID (SOS-ID-2): expected ${r.nodeId} / actual ${r.reportedId}`);
    const s = oracle.successor(r.nodeId);
    const p = oracle.predecessor(r.nodeId);
    if (r.successor !== s) out.push(`${r.name} S 1: expected ${label(s)} / actual ${label(r.successor)}`);
    if (r.predecessor !== p) out.push(`${r.name} P 1: expected ${label(p)} / actual ${label(r.predecessor)}`);
  }
  return out;
}

/** Shows an ID as the name of the node that has it, or its first 12 hex digits. */
function labeller(rows: readonly NodeRow[]): (id: string | undefined) => string {
  const names = new Map(rows.map((r) => [r.nodeId, r.name]));
  return (id) => (id === undefined ? '(none)' : (names.get(id) ?? `${id.slice(0, 12)}…`));
}

export function formatTable(rows: readonly NodeRow[]): string {
  const label = labeller(rows);
  const header = ['NODE', 'NODE-ID', 'ADDRESS', 'SUCCESSOR (S 1)', 'PREDECESSOR (P 1)'];
  const state = (r: NodeRow): string | undefined => (r.down !== undefined ? `(${r.down})` : r.error !== undefined ? '(no answer)' : undefined);
  const body = rows.map((r) => [r.name, r.nodeId, `${r.host}:${r.port}`, state(r) ?? label(r.successor), state(r) ?? label(r.predecessor)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [header, ...body].map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Rows in ring order (by Node-ID, clockwise from 0): each node's S 1 is the next row's node. */
export function byRingOrder<T extends { nodeId: string }>(a: T, b: T): number {
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}
