// The ring a suite runs against: the target (SOSIMPLE_TARGET, default the reference node),
// the driver (SOSIMPLE_DRIVER: docker, process or auto), optional fault switches for the
// self-test (SOSIMPLE_FAULTS), the oracle built from the live IDs, and a probe virtual node
// whose trace records every message of the suite. One ring per describe (beforeAll/afterAll).

import { join, resolve } from 'node:path';
import type { Cluster, RingNode, StartOptions } from '../../harness/cluster/cluster';
import { DockerCluster } from '../../harness/cluster/docker-driver';
import { engineAnswers } from '../../harness/cluster/docker-env';
import { ProcessCluster } from '../../harness/cluster/process-driver';
import { startRing, waitForStableRing, type RingOptions } from '../../harness/cluster/ring';
import { artifactsDir, saveArtifacts, saveEvidence } from '../../harness/cluster/artifacts';
import { VirtualNode } from '../../harness/net/virtual-node';
import { Trace } from '../../harness/net/trace';
import { RingOracle } from '../../harness/overlay/oracle';
import { loadTarget } from '../../harness/targets/target';
import type { Capability, Target } from '../../harness/targets/schema';
import { attachSharedRing, sharedRingDir } from './shared-ring';

export interface SuiteRing {
  target: Target;
  cluster: Cluster;
  nodes: RingNode[];
  oracle: RingOracle;
  /** Sends the suite's requests; its trace holds every message in and out. */
  probe: VirtualNode;
  trace: Trace;
}

export function suiteTarget(): Target {
  return loadTarget(resolve(process.env.SOSIMPLE_TARGET ?? join(__dirname, '..', '..', 'targets', 'reference.yaml')));
}

// Process-driver rings of this Jest worker live in a loopback /24 of their own, derived from
// the worker's PID (all of 127/8 is the loopback interface on Linux), so parallel workers and
// parallel runs on one machine never collide; rings of one file take successive blocks.
const processNet = `127.${20 + ((process.pid >> 8) % 200)}.${process.pid % 256}`;
let processHostBase = 2;

export async function makeCluster(target: Target, size: number): Promise<Cluster> {
  const driver = process.env.SOSIMPLE_DRIVER ?? 'auto';
  if (driver === 'docker' || (driver === 'auto' && target.image && (await engineAnswers()))) return DockerCluster.create();
  if (driver !== 'process' && driver !== 'auto') throw new Error(`SOSIMPLE_DRIVER must be docker, process or auto, got "${driver}"`);
  if (processHostBase + size > 254) processHostBase = 2;
  const cluster = new ProcessCluster({ net: processNet, firstHost: processHostBase });
  processHostBase += size + 1;
  return cluster;
}

/**
 * The ring size a suite uses: its own default, or SOSIMPLE_RING_SIZE for the whole run
 * (`run --size N`). Suites must derive every count from this value, never from a literal.
 */
export function ringSize(defaultSize: number): number {
  const raw = process.env.SOSIMPLE_RING_SIZE;
  if (!raw) return defaultSize;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2 || n > 64) throw new Error(`SOSIMPLE_RING_SIZE must be a whole number from 2 to 64, got "${raw}"`);
  return n;
}

/**
 * The size of the run's shared ring (ring-keeper.ts): a suite that asks for the shared ring
 * uses this size, so its counts are right whether the ring is shared or its own.
 */
export function sharedRingSize(): number {
  return ringSize(8);
}

/**
 * The seed for every random choice of a run (fuzzed messages, chosen keys): SOSIMPLE_SEED
 * (`run --seed N`), else a fixed default so two runs send the same messages.
 */
export function suiteSeed(): number {
  const raw = process.env.SOSIMPLE_SEED;
  if (!raw) return 20260101;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`SOSIMPLE_SEED must be an integer, got "${raw}"`);
  return n;
}

/** Fault switches for this run (the self-test sets them; a conformance run never does). */
export function suiteFaults(): string[] {
  return (process.env.SOSIMPLE_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Which nodes of a ring run the fault switches: SOSIMPLE_FAULT_NODES is `all` (default) or
 * 1-based start positions (`1`, `1,3`); the self-test puts a fault on one node so that areas
 * the fault does not touch can be seen to stay green.
 */
export function faultNodes(size: number): number[] {
  const raw = (process.env.SOSIMPLE_FAULT_NODES ?? 'all').trim();
  if (raw === 'all' || raw === '') return [...Array(size).keys()];
  const picked = raw.split(',').map((s) => Number(s.trim()));
  const bad = picked.filter((n) => !Number.isInteger(n) || n < 1);
  if (bad.length) throw new Error(`SOSIMPLE_FAULT_NODES must be "all" or 1-based node positions like "1,3", got "${raw}"`);
  return picked.filter((n) => n <= size).map((n) => n - 1);
}

/** startRing options placing this run's faults (suiteFaults) on faultNodes, merged with perNode. */
export function faultPlacement(size: number, perNode?: (index: number) => Partial<StartOptions>): RingOptions {
  const faults = suiteFaults();
  const on = new Set(faults.length ? faultNodes(size) : []);
  if (!perNode && on.size === 0) return {};
  return { perNode: (i) => ({ ...perNode?.(i), ...(on.has(i) ? { faults } : {}) }) };
}

/** Registers the ring's set-up and tear-down in the enclosing describe; call get() in tests. */
export function useRing(
  size: number,
  name: string,
  options: {
    perNode?: (index: number) => { users?: string[]; buddies?: string[] };
    /**
     * The suite only queries the ring and leaves it as it found it: it may run on the run's
     * shared ring (suites/support/shared-ring.ts), whose size is the run's, not `size`.
     */
    shared?: boolean;
  } = {},
): () => SuiteRing {
  let ring: SuiteRing | undefined;
  let releaseShared: (() => void) | undefined;
  beforeAll(async () => {
    const target = suiteTarget();
    const sharedDir = options.shared && !options.perNode ? sharedRingDir() : undefined;
    if (sharedDir) {
      const attached = await attachSharedRing(sharedDir, target);
      releaseShared = attached.release;
      ring = { target, cluster: attached.cluster, nodes: attached.nodes, oracle: attached.oracle, probe: attached.probe, trace: attached.trace };
      return;
    }
    const cluster = await makeCluster(target, size);
    try {
      const nodes = await startRing(cluster, target, size, faultPlacement(size, options.perNode));
      const trace = new Trace();
      const probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'harness', trace, defaultReply: 'silence' });
      ring = { target, cluster, nodes, oracle: new RingOracle(nodes.map((n) => n.nodeId)), probe, trace };
      // Let the ring settle before judging it; a ring that never settles fails in the ring checks.
      await waitForStableRing(probe, nodes, target.timing.stabilizeMs * 2);
      // Fingers are refreshed on their own period: wait the bound the target declares, so
      // that checks of a "stable ring with full finger tables" (SOS-JOIN-4) are fair.
      await new Promise((r) => setTimeout(r, target.timing.fingerRefreshMs));
    } catch (e) {
      await cluster.close();
      // A stable marker the CLI reads from Jest's results to exit 2 with one line (harness/commands/jest-results.ts).
      if (e instanceof Error && (e.name === 'NotReadyError' || e.name === 'EnvironmentError')) throw new Error(`[sosimple:${e.name}] ${e.message}`, { cause: e });
      throw e;
    }
  }, 180_000);
  afterAll(async () => {
    if (!ring) return;
    // trace.json and ring.json feed the report; written first so the pcap holds the same messages.
    const { testPath } = expect.getState();
    await saveEvidence(artifactsDir(name), { ...ring, target: ring.target.name, ...(testPath ? { testPath } : {}) }).catch(() => undefined);
    await saveArtifacts(artifactsDir(name), ring.cluster, ring.nodes, [ring.trace]).catch(() => undefined);
    await ring.probe.close();
    await ring.cluster.close();
  }, 60_000);
  afterAll(() => releaseShared?.());
  return () => {
    if (!ring) throw new Error('the ring did not start (see the beforeAll error above)');
    return ring;
  };
}

/**
 * `it` when the target claims the capability, otherwise a skipped test whose title says why:
 * never reported as passed.
 */
export function itIf(capability: Capability): jest.It {
  const target = suiteTarget();
  if (target.capabilities.includes(capability)) return it;
  const skip = ((title: string, fn?: jest.ProvidesCallback, timeout?: number) =>
    it.skip(`${title} [not applicable: target ${target.name} does not claim ${capability}]`, fn, timeout)) as unknown as jest.It;
  return skip;
}
