// The keeper of a run's shared ring: a process of its own that starts one ring for every
// suite that only queries a ring (wire, errors, join, redirect, messages, replay), so a run
// brings a ring up once instead of once per suite. It writes ring.json into its folder and
// keeps the ring until the run asks it to stop (a `stop` file), or the Jest process that
// started the run is gone; then it saves each node's log and removes everything it made.
//
//   node -r ts-node/register/transpile-only suites/support/ring-keeper.ts DIR
// env: the suites' own (SOSIMPLE_TARGET, SOSIMPLE_DRIVER, SOSIMPLE_FAULTS,
// SOSIMPLE_FAULT_NODES, SOSIMPLE_RING_SIZE), plus SOSIMPLE_RUN_PID (the Jest process).

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, RingNode } from '../../harness/cluster/cluster';
import { startRing, waitForStableRing } from '../../harness/cluster/ring';
import { VirtualNode } from '../../harness/net/virtual-node';
import { faultPlacement, makeCluster, sharedRingSize, suiteTarget } from './ring';
import { alive } from './shared-ring';

export interface SharedRingFile {
  driver: 'docker' | 'process';
  harnessAddress: string;
  keeperPid: number;
  nodes: RingNode[];
  /** P 1 / S 1 mismatches left when the ring was handed over (empty: stable). */
  unsettled: string[];
}

async function keep(dir: string): Promise<void> {
  const runPid = Number(process.env.SOSIMPLE_RUN_PID ?? process.ppid);
  const target = suiteTarget();
  const size = sharedRingSize();
  let cluster: Cluster | undefined;
  let closing = false;
  const close = async (code: number): Promise<never> => {
    if (!closing) {
      closing = true;
      if (cluster) {
        const logs = join(dir, 'logs');
        mkdirSync(logs, { recursive: true });
        for (const node of cluster.nodes) {
          writeFileSync(join(logs, `${node.name}.log`), await cluster.logs(node).catch((e: unknown) => `(logs unavailable: ${String(e)})\n`));
        }
        await cluster.close().catch(() => undefined);
      }
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void close(0));
  process.on('SIGINT', () => void close(0));
  try {
    cluster = await makeCluster(target, size);
    const nodes = await startRing(cluster, target, size, faultPlacement(size));
    const probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'keeper', defaultReply: 'silence' });
    const left = await waitForStableRing(probe, nodes, target.timing.stabilizeMs * 2);
    await new Promise((r) => setTimeout(r, target.timing.fingerRefreshMs));
    await probe.close();
    const file: SharedRingFile = {
      driver: cluster.driver,
      harnessAddress: cluster.harnessAddress,
      keeperPid: process.pid,
      nodes: nodes.map((n) => ({ ...n })),
      unsettled: left.map((m) => `${m.node} ${m.what}: expected ${m.expected ?? '-'} / actual ${m.actual ?? '-'}`),
    };
    writeFileSync(join(dir, 'ring.json.tmp'), JSON.stringify(file, null, 2));
    // Written whole, then renamed: a reader never sees half a file.
    renameSync(join(dir, 'ring.json.tmp'), join(dir, 'ring.json'));
  } catch (e) {
    writeFileSync(join(dir, 'error.txt'), e instanceof Error ? e.message : String(e));
    await close(1);
  }
  const timer = setInterval(() => {
    if (existsSync(join(dir, 'stop')) || !alive(runPid)) {
      clearInterval(timer);
      void close(0);
    }
  }, 300);
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: ring-keeper DIR');
    process.exit(2);
  }
  void keep(dir);
}
