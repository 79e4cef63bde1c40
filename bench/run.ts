// `npm run bench [-- --json] [-- name...]`: runs the benchmarks and prints their numbers.
import { cpus } from 'node:os';
import type { Benchmark, BenchRow } from './harness';
import { codecBenchmark } from './codec.bench';
import { ringBenchmark } from './ring.bench';
import { pcapReaderBenchmark } from './pcap.bench';
import { referenceBenchmark } from './reference.bench';
import { fullRunBenchmark } from './full-run.bench';

const ALL: Record<string, Benchmark> = { codec: codecBenchmark, pcap: pcapReaderBenchmark, reference: referenceBenchmark, ring: ringBenchmark, 'full-run': fullRunBenchmark };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in ALL));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(ALL).join(', ')}`);
    process.exit(2);
  }
  const chosen = names.length ? names : Object.keys(ALL);
  const results: Record<string, BenchRow[]> = {};
  console.error(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`);
  for (const name of chosen) {
    const b = ALL[name]!;
    console.error(`running ${name}: ${b.title} …`);
    results[name] = await b.run();
    if (!json) {
      console.log(`\n${b.title}`);
      for (const r of results[name]!) console.log(`  ${r.name.padEnd(52)} ${(r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2)).padStart(12)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
    }
  }
  if (json) console.log(JSON.stringify(results, null, 2));
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
