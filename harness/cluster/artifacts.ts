// What a test leaves behind for a person: each node's output and the harness's message trace
// as a capture to open in Wireshark. Written under artifacts/<test>/ (ARTIFACTS_DIR overrides).
// For the report, a ring also leaves trace.json and ring.json (formats: harness/report/evidence.ts).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Trace } from '../net/trace';
import type { VirtualNode } from '../net/virtual-node';
import { RingOracle } from '../overlay/oracle';
import { ringFile, traceFile, type RingNodeJson } from '../report/evidence';
import type { Cluster, RingNode } from './cluster';
import { readNeighbours } from './observe';

/** The folder every artifact of a run goes under: ARTIFACTS_DIR, default artifacts/. */
export function artifactsBase(): string {
  return process.env.ARTIFACTS_DIR ?? resolve(__dirname, '..', '..', 'artifacts');
}

export function artifactsDir(testName: string): string {
  const base = artifactsBase();
  const safe = testName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '').slice(0, 120) || 'test';
  return join(base, safe);
}

/** Writes `<node>.log` for every node the cluster started, and `trace.pcap`/`trace.txt`. */
export async function saveArtifacts(dir: string, cluster: Cluster, nodes: readonly RingNode[], traces: Trace[] = []): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const node of nodes) {
    const file = join(dir, `${node.name}.log`);
    writeFileSync(file, await cluster.logs(node).catch((e: unknown) => `(logs unavailable: ${e instanceof Error ? e.message : String(e)})\n`));
    written.push(file);
  }
  traces.forEach((trace, i) => {
    const stem = join(dir, traces.length > 1 ? `trace-${i + 1}` : 'trace');
    writeFileSync(`${stem}.pcap`, trace.toPcap());
    writeFileSync(`${stem}.txt`, trace.toText());
    written.push(`${stem}.pcap`, `${stem}.txt`);
  });
  return written;
}

export interface RingEvidence {
  cluster: Cluster;
  nodes: readonly RingNode[];
  trace: Trace;
  /** Reads each live node's P 1 and S 1 over the wire for ring.json; skipped when absent. */
  probe?: VirtualNode;
  /** The Jest test file that made the ring. */
  testPath?: string;
  target?: string;
}

// A node that no longer answers must not hold up the end of a suite for long.
const OBSERVE_TIMEOUT_MS = 1500;

async function observe(probe: VirtualNode, node: RingNode): Promise<RingNodeJson['observed']> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${OBSERVE_TIMEOUT_MS} ms`)), OBSERVE_TIMEOUT_MS);
  });
  try {
    const seen = await Promise.race([readNeighbours(probe, node), late]);
    return { status: seen.status, ...(seen.predecessor ? { predecessor: seen.predecessor } : {}), successors: seen.successors };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes `ring.json` (nodes, the oracle's neighbours and fingers over the live nodes, and
 * the neighbours each live node reports) and then `trace.json` (every trace entry, the
 * neighbour queries included). Call it before saveArtifacts so the pcap holds the same messages.
 */
export async function saveEvidence(dir: string, evidence: RingEvidence): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const artifact = dir.split(/[\\/]/).pop() ?? dir;
  const liveIds = new Set(evidence.cluster.nodes.map((n) => n.nodeId));
  const live = evidence.nodes.filter((n) => liveIds.has(n.nodeId));
  const observed = new Map<string, RingNodeJson['observed']>();
  if (evidence.probe) {
    const probe = evidence.probe;
    await Promise.all(live.map(async (n) => observed.set(n.nodeId, await observe(probe, n))));
  }
  const savedAt = Date.now();
  const common = { ...(evidence.testPath ? { testPath: evidence.testPath } : {}) };
  const ring = ringFile({
    artifact,
    nodes: evidence.nodes,
    live,
    ...(live.length ? { oracle: new RingOracle(live.map((n) => n.nodeId)) } : {}),
    observed,
    savedAt,
    driver: evidence.cluster.driver,
    ...(evidence.target ? { target: evidence.target } : {}),
    ...common,
  });
  const ringPath = join(dir, 'ring.json');
  const tracePath = join(dir, 'trace.json');
  writeFileSync(ringPath, JSON.stringify(ring, null, 1));
  writeFileSync(tracePath, JSON.stringify(traceFile(artifact, evidence.trace, savedAt, evidence.testPath)));
  return [ringPath, tracePath];
}
