// The whole conformance run against a reference ring of 16 nodes, as a user runs it:
// `sosimple-conformance run --size 16` (every suite, the run's shared ring plus the rings of
// suites that change membership). Reports the wall time, the tests' outcome and each suite's
// own time. Needs what the run needs: a Docker engine with the reference image for the docker
// driver (BENCH_DRIVER=docker, default), or nothing for BENCH_DRIVER=process.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Benchmark, BenchRow } from './harness';

const ROOT = resolve(__dirname, '..');

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}

export const fullRunBenchmark: Benchmark = {
  title: 'Full conformance run (all suites, 16-node ring)',
  run(): BenchRow[] {
    const driver = process.env.BENCH_DRIVER ?? 'docker';
    const size = process.env.BENCH_RING_SIZE ?? '16';
    const out = mkdtempSync(join(tmpdir(), 'sosimple-bench-run-'));
    try {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'harness', 'cli.ts'), 'run', '--driver', driver, '--size', size, '--out', out, '--quiet'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30 * 60_000,
      });
      const wall = (performance.now() - t0) / 1000;
      const file = [join(out, 'jest-results.json'), join(out, 'results.json')].find((f) => existsSync(f));
      if (!file) throw new Error(`the run wrote no results (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      const json = JSON.parse(readFileSync(file, 'utf8')) as JestJson;
      const rows: BenchRow[] = [
        { name: `wall time, ${driver} driver, ${size} nodes`, value: wall, unit: 's', note: `exit ${r.status}` },
        { name: 'tests passed / failed / not applicable', value: json.numPassedTests, unit: 'passed', note: `${json.numFailedTests} failed, ${json.numPendingTests} not applicable` },
      ];
      for (const t of [...json.testResults].sort((a, b) => a.startTime - b.startTime)) {
        rows.push({ name: `  suite ${t.name.replace(/.*\/suites\//, '')}`, value: (t.endTime - t.startTime) / 1000, unit: 's' });
      }
      return rows;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
};
