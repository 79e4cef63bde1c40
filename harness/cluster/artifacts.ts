// What a test leaves behind for a person: each node's output and the harness's message trace
// as a capture to open in Wireshark. Written under artifacts/<test>/ (ARTIFACTS_DIR overrides).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Trace } from '../net/trace';
import type { Cluster, RingNode } from './cluster';

export function artifactsDir(testName: string): string {
  const base = process.env.ARTIFACTS_DIR ?? resolve(__dirname, '..', '..', 'artifacts');
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
