// Ring bring-up with each driver (time until every node answers, then until P 1/S 1 match the
// oracle), and the harness's own cost per injected transaction (virtual node to virtual node).
import { join } from 'node:path';
import type { Benchmark, BenchRow } from './harness';
import type { Cluster } from '../harness/cluster/cluster';
import { DockerCluster } from '../harness/cluster/docker-driver';
import { engineAnswers } from '../harness/cluster/docker-env';
import { ProcessCluster } from '../harness/cluster/process-driver';
import { startRing, waitForStableRing } from '../harness/cluster/ring';
import { VirtualNode } from '../harness/net/virtual-node';
import { nodeQuery } from '../harness/sip/craft';
import { loadTarget } from '../harness/targets/target';

const SIZES = (process.env.BENCH_RING_SIZES ?? '4,8,16,32').split(',').map(Number);

async function bringUp(label: string, make: () => Promise<Cluster>, size: number): Promise<BenchRow[]> {
  const target = loadTarget(join(__dirname, '..', 'targets', 'reference.yaml'));
  const cluster = await make();
  try {
    const t0 = performance.now();
    const nodes = await startRing(cluster, target, size);
    const t1 = performance.now();
    const probe = await VirtualNode.start({ host: cluster.harnessAddress, defaultReply: 'silence' });
    const left = await waitForStableRing(probe, nodes, 120_000);
    const t2 = performance.now();
    await probe.close();
    const note = left.length ? `${left.length} mismatch(es) left` : undefined;
    return [
      { name: `${label}: ${size} nodes answering`, value: (t1 - t0) / 1000, unit: 's' },
      { name: `${label}: ${size} nodes stable (P 1/S 1 = oracle)`, value: (t2 - t0) / 1000, unit: 's', ...(note ? { note } : {}) },
    ];
  } finally {
    await cluster.close();
  }
}

async function transactionOverhead(): Promise<BenchRow[]> {
  const a = await VirtualNode.start({ host: '127.0.0.1', defaultReply: 'silence' });
  const b = await VirtualNode.start({ host: '127.0.0.1', defaultReply: { status: 200 } });
  try {
    const n = 2000;
    for (let i = 0; i < 200; i++) await a.request(b.endpoint, nodeQuery(a.endpoint, b.endpoint, b.nodeId));
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await a.request(b.endpoint, nodeQuery(a.endpoint, b.endpoint, b.nodeId));
    const us = ((performance.now() - t0) * 1000) / n;
    return [{ name: 'harness round trip per transaction (loopback UDP)', value: us, unit: 'µs', note: 'craft, send, parse, match, trace, both ends' }];
  } finally {
    await a.close();
    await b.close();
  }
}

export const ringBenchmark: Benchmark = {
  title: 'Rings of reference nodes (sequential joins through node 1)',
  async run() {
    const rows: BenchRow[] = [...(await transactionOverhead())];
    for (const size of SIZES) rows.push(...(await bringUp('process', async () => new ProcessCluster(), size)));
    if (await engineAnswers()) {
      for (const size of SIZES) rows.push(...(await bringUp('docker', () => DockerCluster.create(), size)));
    } else {
      rows.push({ name: 'docker rings', value: 0, unit: '-', note: 'skipped: no Docker engine answers' });
    }
    return rows;
  },
};
