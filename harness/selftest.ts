// `npm run selftest`: the suites' own test. For every fault switch of the reference node, run
// the conformance suites against a ring with that fault and check that a test naming the
// broken requirement fails. A fault no test catches fails the self-test. Prints a table
// fault -> requirement -> requirement IDs that failed; exit 0 only when no fault escapes.
//
//   npm run selftest [-- --faults a,b] [-- --driver process|docker] [-- --suites join,wire]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface FaultRow {
  fault: string;
  requirement: string;
  failed: string[];
  caught: boolean;
  note?: string;
}

const root = join(__dirname, '..');

function listFaults(): { fault: string; requirement: string }[] {
  const out = execFileSync(process.execPath, [join(root, 'dist', 'nodes', 'reference', 'main.js'), '--list-faults'], { encoding: 'utf8' });
  return out.trim().split('\n').map((line) => {
    const [fault, requirement] = line.split('\t');
    return { fault: fault!, requirement: requirement! };
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runSuites(fault: string, driver: string, suites: string[]): { failed: string[]; passed: number; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sosimple-selftest-'));
  const results = join(dir, 'results.json');
  try {
    const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
    // --forceExit: a faulty node can leave a suite with a transaction or socket still open;
    // the verdicts are already written, and the self-test must move on to the next fault.
    const r = spawnSync(process.execPath, [jest, '--selectProjects', 'conformance', '--forceExit', '--json', `--outputFile=${results}`, ...suites.map((s) => `suites/${s}.test.ts`)], {
      timeout: 15 * 60_000,
      cwd: root,
      env: { ...process.env, SOSIMPLE_FAULTS: fault, SOSIMPLE_DRIVER: driver },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const json = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; testResults: { assertionResults: { title: string; status: string }[]; message?: string }[] };
    const failed = new Set<string>();
    for (const file of json.testResults) {
      for (const t of file.assertionResults) {
        const id = /^(SOS-[A-Z]+-\d+)/.exec(t.title)?.[1];
        if (t.status === 'failed' && id) failed.add(id);
      }
    }
    const broken = json.testResults.find((f) => f.assertionResults.length === 0 && f.message);
    return { failed: [...failed].sort(), passed: json.numPassedTests, ...(broken ? { error: broken.message!.split('\n')[0] } : {}), ...(r.status === null ? { error: 'jest did not finish' } : {}) };
  } catch (e) {
    return { failed: [], passed: 0, error: e instanceof Error ? e.message : String(e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const driver = arg('driver') ?? 'process';
  const suites = (arg('suites') ?? '').split(',').filter(Boolean);
  const only = (arg('faults') ?? '').split(',').filter(Boolean);
  const known = listFaults();
  const unknownFaults = only.filter((f) => !known.some((k) => k.fault === f));
  const suiteNames = readdirSync(join(root, 'suites')).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, ''));
  const unknownSuites = suites.filter((x) => !suiteNames.includes(x));
  if (unknownFaults.length || unknownSuites.length) {
    // A misspelt name must not turn into an empty table that "passes".
    if (unknownFaults.length) console.error(`selftest: unknown fault switch(es): ${unknownFaults.join(', ')}; known: ${known.map((k) => k.fault).join(', ')}`);
    if (unknownSuites.length) console.error(`selftest: unknown suite(s): ${unknownSuites.join(', ')}; known: ${suiteNames.join(', ')}`);
    return 2;
  }
  const faults = known.filter((f) => only.length === 0 || only.includes(f.fault));
  const rows: FaultRow[] = [];
  for (const [i, f] of faults.entries()) {
    process.stderr.write(`[${i + 1}/${faults.length}] ${f.fault} (${f.requirement}) … `);
    const r = runSuites(f.fault, driver, suites);
    const caught = r.failed.includes(f.requirement);
    rows.push({ fault: f.fault, requirement: f.requirement, failed: r.failed, caught, ...(r.error ? { note: r.error } : {}) });
    process.stderr.write(`${caught ? 'caught' : 'ESCAPED'}${r.error ? ` (${r.error})` : ''}\n`);
  }
  const w = Math.max(...rows.map((r) => r.fault.length), 5);
  console.log(`\n${'fault'.padEnd(w)}  ${'breaks'.padEnd(13)}  verdict   tests that failed`);
  for (const r of rows) console.log(`${r.fault.padEnd(w)}  ${r.requirement.padEnd(13)}  ${r.caught ? 'caught ' : 'ESCAPED'}   ${r.failed.join(', ') || '-'}`);
  const escaped = rows.filter((r) => !r.caught);
  console.log(`\n${rows.length - escaped.length} of ${rows.length} fault switches caught by a test naming their requirement${escaped.length ? `; escaped: ${escaped.map((r) => r.fault).join(', ')}` : ''}`);
  return escaped.length ? 1 : 0;
}

process.exitCode = main();
