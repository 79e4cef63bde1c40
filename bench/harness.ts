// A tiny benchmark runner: each benchmark reports rows; `npm run bench` prints them as a
// table (and as JSON with --json). Numbers go to BENCHMARKS.md, never into tests.

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export interface Benchmark {
  title: string;
  run(): Promise<BenchRow[]> | BenchRow[];
}

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up; returns operations per second. */
export function opsPerSecond(fn: () => unknown, ms = 1500): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}
