// The ring of the interop suite: nodes of two targets, A and B, alternating in ring order
// (by node ID: each node's successor and predecessor run the other implementation), each
// joining through the node started before it, so the ring is built across implementations. Targets come from SOSIMPLE_TARGETS (comma-separated paths, set by `run
// --target a.yaml --target b.yaml`); with fewer than two, the reference node and its second
// build with other settings (targets/reference-alt.yaml) stand in.
//
// Faults for the self-test: SOSIMPLE_FAULTS as for every suite (on the nodes SOSIMPLE_FAULT_NODES
// picks, when their target lists the switch), and SOSIMPLE_FAULTS_B on every B node only, so
// a check can be seen to fail when just one implementation is wrong.

import { join, resolve } from 'node:path';
import type { Cluster, RingNode, StartOptions } from '../../harness/cluster/cluster';
import { DockerCluster } from '../../harness/cluster/docker-driver';
import { engineAnswers } from '../../harness/cluster/docker-env';
import { ProcessCluster } from '../../harness/cluster/process-driver';
import { startMixedRing, waitForStableRing } from '../../harness/cluster/ring';
import { artifactsDir, saveArtifacts, saveEvidence } from '../../harness/cluster/artifacts';
import { Trace } from '../../harness/net/trace';
import { VirtualNode } from '../../harness/net/virtual-node';
import { nodeIdOf } from '../../harness/overlay/id';
import { RingOracle } from '../../harness/overlay/oracle';
import { loadTarget } from '../../harness/targets/target';
import type { Capability, Target } from '../../harness/targets/schema';
import { faultNodes, suiteFaults, type SuiteRing } from './ring';

const TARGETS_DIR = join(__dirname, '..', '..', 'targets');

export interface InteropPair {
  a: Target;
  b: Target;
  /** True when reference × reference-alt stands in for two implementations. */
  standIn: boolean;
}

let pair: InteropPair | undefined;

/** The two targets of the run: the first two of SOSIMPLE_TARGETS, else the stand-in pair. */
export function interopPair(): InteropPair {
  if (pair) return pair;
  const paths = (process.env.SOSIMPLE_TARGETS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  pair =
    paths.length >= 2
      ? { a: loadTarget(resolve(paths[0]!)), b: loadTarget(resolve(paths[1]!)), standIn: false }
      : { a: loadTarget(join(TARGETS_DIR, 'reference.yaml')), b: loadTarget(join(TARGETS_DIR, 'reference-alt.yaml')), standIn: true };
  return pair;
}

/** ` (A × B)`: every interop title ends with it; the HTML report's interop matrix reads it. */
export function pairSuffix(p: InteropPair = interopPair()): string {
  return ` (${p.a.name} × ${p.b.name})`;
}

/** Why a capability is not exercised (one of the two does not claim it), or undefined. */
export function notClaimedBy(capability: Capability, p: InteropPair = interopPair()): string | undefined {
  const missing = [p.a, p.b].filter((t) => !t.capabilities.includes(capability)).map((t) => t.name);
  return missing.length ? `${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not claim ${capability}` : undefined;
}

/**
 * `it` with the pair suffix; with a capability both must claim, a skipped test whose title
 * says why when one does not (never reported as passed). The reason goes before the suffix,
 * so the title still ends with ` (A × B)`.
 */
export function itInterop(capability?: Capability): (title: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  const reason = capability ? notClaimedBy(capability) : undefined;
  return (title, fn, timeout) => {
    if (reason) it.skip(`${title} [not applicable: ${reason}]${pairSuffix()}`, fn, timeout);
    else it(`${title}${pairSuffix()}`, fn, timeout);
  };
}

export interface MixedRing extends SuiteRing {
  pair: InteropPair;
  /** 'A' or 'B': which target a node of the ring runs. */
  sideOf(node: RingNode): 'A' | 'B';
}

// As in ring.ts: this worker's process rings live in a loopback /24 of their own.
const processNet = `127.${20 + ((process.pid >> 8) % 200)}.${process.pid % 256}`;

/**
 * Where the driver will put the node started i-th: the process driver uses <net>.<2 + i> (the
 * cluster is made here), the docker driver <network>.<10 + i> on the network whose gateway is
 * the harness address. Checked after the start, so a driver that places nodes otherwise is
 * reported instead of silently giving a ring that does not alternate.
 */
function plannedHost(cluster: Cluster, index: number): string {
  return cluster.driver === 'process' ? `${processNet}.${2 + index}` : cluster.harnessAddress.replace(/\.\d+$/, `.${10 + index}`);
}

/**
 * Which target each start position runs (true = B), so that in ring order (by node ID) the
 * sides alternate: the assignment with the fewest same-side neighbours, A taking the extra
 * node of an odd ring. Brute force over the C(size, size/2) assignments up to 16 nodes.
 */
export function alternatingSides(size: number, idOf: (index: number, side: 'A' | 'B') => string): boolean[] {
  if (size > 16) {
    // Too many to try: alternate along the order of the A-side IDs (exact when both use one port).
    const order = Array.from({ length: size }, (_, i) => i).sort((x, y) => (idOf(x, 'A') < idOf(y, 'A') ? -1 : 1));
    const out = new Array<boolean>(size).fill(false);
    order.forEach((index, rank) => (out[index] = rank % 2 === 1));
    return out;
  }
  let best: { b: boolean[]; same: number } | undefined;
  const bCount = Math.floor(size / 2);
  for (let mask = 0; mask < 1 << size; mask++) {
    const b = Array.from({ length: size }, (_, i) => ((mask >> i) & 1) === 1);
    if (b.filter(Boolean).length !== bCount) continue;
    const order = b.map((isB, i) => ({ isB, id: idOf(i, isB ? 'B' : 'A') })).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const same = order.filter((x, i) => x.isB === order[(i + 1) % order.length]!.isB).length;
    if (!best || same < best.same) best = { b, same };
  }
  return best?.b ?? Array.from({ length: size }, (_, i) => i % 2 === 1);
}

async function makeCluster(p: InteropPair): Promise<Cluster> {
  const driver = process.env.SOSIMPLE_DRIVER ?? 'auto';
  if (driver === 'docker' || (driver === 'auto' && p.a.image && p.b.image && (await engineAnswers()))) return DockerCluster.create();
  if (driver !== 'process' && driver !== 'auto') throw new Error(`SOSIMPLE_DRIVER must be docker, process or auto, got "${driver}"`);
  for (const t of [p.a, p.b]) if (!t.command) throw new Error(`${t.path}: target ${t.name} has no command, so the process driver cannot run it (use the docker driver)`);
  return new ProcessCluster({ net: processNet, firstHost: 2 });
}

/** Per-node options: B nodes take SOSIMPLE_FAULTS_B; SOSIMPLE_FAULTS goes where ring.ts would put it, if the node's target lists it. */
function faultOptions(p: InteropPair, size: number, isB: (index: number) => boolean): (index: number) => Partial<StartOptions> {
  const common = suiteFaults();
  const onlyB = (process.env.SOSIMPLE_FAULTS_B ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const placed = new Set(common.length ? faultNodes(size) : []);
  return (i) => {
    const target = isB(i) ? p.b : p.a;
    const wanted = [...(placed.has(i) ? common : []), ...(isB(i) ? onlyB : [])];
    const faults = [...new Set(wanted)].filter((f) => target.faults.includes(f));
    return faults.length ? { faults } : {};
  };
}

/** Registers the mixed ring's set-up and tear-down in the enclosing describe; call get() in tests. */
export function useMixedRing(size: number, name: string): () => MixedRing {
  let ring: MixedRing | undefined;
  beforeAll(async () => {
    const p = interopPair();
    const onlyB = (process.env.SOSIMPLE_FAULTS_B ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const unlisted = onlyB.filter((f) => !p.b.faults.includes(f));
    if (unlisted.length) throw new Error(`SOSIMPLE_FAULTS_B names ${unlisted.join(', ')}, which target ${p.b.name} (${p.b.path}) does not list under faults`);
    const cluster = await makeCluster(p);
    try {
      const sides = alternatingSides(size, (i, side) => nodeIdOf(plannedHost(cluster, i), (side === 'B' ? p.b : p.a).port));
      const isB = (i: number): boolean => sides[i]!;
      const targetOf = (i: number): Target => (isB(i) ? p.b : p.a);
      // Each node joins through the one started before it, so most joins cross implementations.
      const nodes = await startMixedRing(cluster, targetOf, size, { joinThrough: 'previous', perNode: faultOptions(p, size, isB) });
      const misplaced = nodes.map((n, i) => ({ n, want: plannedHost(cluster, i) })).filter(({ n, want }) => n.host !== want);
      if (misplaced.length) throw new Error(`the ${cluster.driver} driver placed ${misplaced.map(({ n, want }) => `${n.name} at ${n.host}, not ${want}`).join('; ')}, so the ring would not alternate ${p.a.name} and ${p.b.name}`);
      const trace = new Trace();
      const probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'harness', trace, defaultReply: 'silence' });
      const bSide = new Set(nodes.filter((_, i) => isB(i)));
      ring = { target: p.a, pair: p, cluster, nodes, oracle: new RingOracle(nodes.map((n) => n.nodeId)), probe, trace, sideOf: (n) => (bSide.has(n) ? 'B' : 'A') };
      // Settle on the slower of the two declared bounds; a ring that never settles fails in the ring checks.
      const slower = (k: 'stabilizeMs' | 'fingerRefreshMs'): number => Math.max(p.a.timing[k], p.b.timing[k]);
      await waitForStableRing(probe, nodes, slower('stabilizeMs') * 2);
      await new Promise((r) => setTimeout(r, slower('fingerRefreshMs')));
    } catch (e) {
      await cluster.close();
      throw e;
    }
  }, 180_000);
  afterAll(async () => {
    if (!ring) return;
    const { testPath } = expect.getState();
    const dir = artifactsDir(name);
    await saveEvidence(dir, { ...ring, target: `${ring.pair.a.name} × ${ring.pair.b.name}`, ...(testPath ? { testPath } : {}) }).catch(() => undefined);
    await saveArtifacts(dir, ring.cluster, ring.nodes, [ring.trace]).catch(() => undefined);
    await ring.probe.close();
    await ring.cluster.close();
  }, 60_000);
  return () => {
    if (!ring) throw new Error('the mixed ring did not start (see the beforeAll error above)');
    return ring;
  };
}
