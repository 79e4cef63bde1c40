// The reference node's own numbers: join hop counts of its redirect logic on stable rings of
// 16…1024 nodes (its RoutingTable.nextHop, filled as stabilization leaves it), against the
// catalogue's bound ½·log2 N + 1 (SOS-JOIN-4); and node queries one node answers per second.
import { join } from 'node:path';
import type { Benchmark, BenchRow } from './harness';
import { RoutingTable } from '../nodes/reference/routing';
import { RingOracle } from '../harness/overlay/oracle';
import { nodeIdOf } from '../harness/overlay/id';
import { ProcessCluster } from '../harness/cluster/process-driver';
import { VirtualNode } from '../harness/net/virtual-node';
import { nodeQuery } from '../harness/sip/craft';
import { loadTarget } from '../harness/targets/target';

const SIZES = [16, 64, 256, 1024];
const JOINS = 500;

function hopCounts(n: number): { mean: number; max: number } {
  const refs = Array.from({ length: n }, (_, i) => {
    const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    return { id: nodeIdOf(host, 5060), host, port: 5060 };
  });
  const byId = new Map(refs.map((r) => [r.id, r]));
  const oracle = new RingOracle(refs.map((r) => r.id));
  const tables = new Map(
    refs.map((r) => {
      const t = new RoutingTable(r);
      t.predecessor = byId.get(oracle.predecessor(r.id)!)!;
      t.setSuccessors(byId.get(oracle.successor(r.id))!, oracle.successors(r.id, 4).slice(1).map((id) => byId.get(id)!));
      for (const i of t.exponents) t.fingers.set(i, byId.get(oracle.finger(r.id, i))!);
      return [r.id, t];
    }),
  );
  let total = 0;
  let max = 0;
  for (let j = 0; j < JOINS; j++) {
    const key = nodeIdOf(`192.168.${j >> 8}.${j & 255}`, 5060);
    let at = tables.get(refs[j % n]!.id)!;
    let hops = 0;
    while (!at.isResponsible(key)) {
      at = tables.get(at.nextHop(key).id)!;
      if (++hops > 160) throw new Error('redirect loop in the reference routing');
    }
    total += hops;
    max = Math.max(max, hops);
  }
  return { mean: total / JOINS, max };
}

async function queriesPerSecond(): Promise<number> {
  const cluster = new ProcessCluster({ net: '127.0.9' });
  // The node bounds what one address may send (SOS-ERR-6, 100 requests/s by default); the
  // benchmark measures the node's capacity, so it lifts that bound for its one virtual node.
  const before = process.env.SOSIMPLE_FLOOD_PER_SECOND;
  process.env.SOSIMPLE_FLOOD_PER_SECOND = '1000000';
  try {
    const node = await cluster.start(loadTarget(join(__dirname, '..', 'targets', 'reference.yaml')));
    const probe = await VirtualNode.start({ host: cluster.harnessAddress, defaultReply: 'silence' });
    try {
      const inFlight = 32;
      const until = performance.now() + 5000;
      let answered = 0;
      const worker = async (): Promise<void> => {
        while (performance.now() < until) {
          await probe.request(node, nodeQuery(probe.endpoint, node, node.nodeId), { timeoutMs: 2000 });
          answered++;
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: inFlight }, worker));
      return (answered * 1000) / (performance.now() - t0);
    } finally {
      await probe.close();
    }
  } finally {
    await cluster.close();
    if (before === undefined) delete process.env.SOSIMPLE_FLOOD_PER_SECOND;
    else process.env.SOSIMPLE_FLOOD_PER_SECOND = before;
  }
}

export const referenceBenchmark: Benchmark = {
  title: 'Reference node: redirect hops on stable rings, node queries answered',
  async run() {
    const rows: BenchRow[] = [];
    for (const n of SIZES) {
      const { mean, max } = hopCounts(n);
      const bound = 0.5 * Math.log2(n) + 1;
      rows.push({ name: `N=${n}: mean redirects per join`, value: mean, unit: 'hops', note: `max ${max}; bound ½·log2 N + 1 = ${bound.toFixed(1)}` });
    }
    rows.push({ name: 'node queries one node answers (32 in flight)', value: await queriesPerSecond(), unit: 'req/s', note: 'node and harness on their own core each' });
    return rows;
  },
};
