// `npm run selftest`: the suites' own test. For every fault switch of the reference node, run
// the conformance suites against a ring where that fault is on (by default on one node only)
// and check two things:
//   caught     a test naming the broken requirement fails;
//   contained  no test of another requirement area fails, except the consequences listed in
//              CONSEQUENCES below, each with the reason it follows from the fault.
// A clean run (no fault) comes first: the reference node must pass everything, or no verdict
// below means anything. Prints the table fault -> failed tests; exit 0 only when the baseline
// is green, every fault is caught and every fault is contained. Writes reports/selftest.json.
//
//   npm run selftest [-- --faults a,b] [--suites join,wire] [--driver process|docker]
//                    [--placement one|all] [--scope focused|all] [--jobs N] [--no-baseline]
//
// --scope focused (default) runs, per fault, the suites that test its requirement plus the
// suites on the run's shared ring (they span most areas); --scope all runs every suite.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suiteTitles } from './coverage';

interface FaultRow {
  fault: string;
  requirement: string;
  failed: string[];
  caught: boolean;
  collateral: string[];
  seconds: number;
  note?: string;
}

const root = join(__dirname, '..');

/**
 * Failures outside a fault's own area that follow from the fault itself, not from noise.
 * Keys are fault switches; values are requirement IDs or whole areas (`SOS-RING`).
 */
export const CONSEQUENCES: Record<string, { allowed: string[]; why: string }> = {
  'uppercase-node-id': { allowed: ['SOS-JOIN-1', 'SOS-JOIN-8', 'SOS-LOOKUP-5', 'SOS-MAINT-2'], why: 'the checks of a 302, a join 200, a query 200 and a leave REGISTER each require the sender\'s DHT-NodeID and node URIs to be well formed, which an upper-case ID is not' },
  'node-id-ip-only': { allowed: ['SOS-WIRE', 'SOS-JOIN', 'SOS-RING', 'SOS-MAINT', 'SOS-REG', 'SOS-LOOKUP', 'SOS-PRES', 'SOS-ERR'], why: 'peers reject or misplace a node whose ID is not the hash of ip:port, so it never joins properly' },
  'no-require-dht': { allowed: ['SOS-JOIN', 'SOS-RING', 'SOS-MAINT', 'SOS-REG', 'SOS-LOOKUP', 'SOS-PRES', 'SOS-ERR'], why: 'peers refuse its P2P requests (421), so the ring does not form around it' },
  'no-dht-nodeid': { allowed: ['SOS-JOIN', 'SOS-RING', 'SOS-MAINT', 'SOS-REG', 'SOS-LOOKUP', 'SOS-PRES', 'SOS-ERR', 'SOS-ID'], why: 'without DHT-NodeID no peer can place the node, so the ring does not form around it' },
  'no-stabilize': { allowed: ['SOS-RING', 'SOS-JOIN', 'SOS-REG', 'SOS-LOOKUP', 'SOS-PRES'], why: 'without stabilization successors and predecessors stay wrong, and everything routed by them' },
  'wrong-successor': { allowed: ['SOS-JOIN', 'SOS-MAINT', 'SOS-LOOKUP'], why: 'a wrong S 1 is what joiners and stabilization read' },
  'fingers-off-by-one': { allowed: ['SOS-JOIN-4'], why: 'redirects follow the fingers' },
  'no-finger-refresh': { allowed: ['SOS-RING', 'SOS-JOIN-4'], why: 'without the periodic refresh, fingers stay stale after later joins, and redirects follow them' },
  'finger-refresh-stops-when-quiet': { allowed: ['SOS-MAINT-6'], why: 'a node that stops refreshing its fingers also misses the refresh MAINT-6 asks of every stabilization' },
};

/**
 * Faults that only show in a node a suite starts during a test (a joiner, the node hosting
 * the users), never in node 1 of a ring: these run with the fault on every node.
 */
export const EVERY_NODE: Record<string, string> = {
  'join-null-predecessor': 'breaks the joiner, a node the successor suite starts during the test',
  'no-replication': 'breaks the node hosting the users, which the successor suite starts during the test',
  'id-check-ignores-port': 'the node that must refuse a forged identity is whichever node owns that ID, not necessarily node 1',
};

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

/** `SOS-JOIN-3` -> `SOS-JOIN`: the catalogue's area of a requirement. */
export const areaOf = (id: string): string => id.replace(/-\d+$/, '');

/** Failed IDs outside the fault's area that CONSEQUENCES does not explain. */
export function collateralOf(fault: string, requirement: string, failed: readonly string[]): string[] {
  const allowed = CONSEQUENCES[fault]?.allowed ?? [];
  return failed.filter((id) => areaOf(id) !== areaOf(requirement) && !allowed.includes(id) && !allowed.includes(areaOf(id)));
}

interface SuiteRun {
  failed: string[];
  passed: number;
  error?: string;
}

/** Suites that run on the run's shared ring: cheap to add to every fault's run, and they span most areas. */
export function sharedRingSuites(): string[] {
  const dir = join(root, 'suites');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts') && /shared:\s*true|describeFixtures\(/.test(readFileSync(join(dir, f), 'utf8')))
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .sort();
}

/**
 * The suites a fault runs against: with scope `all`, every chosen suite; with `focused`, the
 * suites holding a test of the fault's requirement plus the shared-ring suites, where areas
 * the fault must not touch are checked.
 */
export function suitesFor(requirement: string, scope: string, chosen: readonly string[], shared: readonly string[]): string[] {
  if (scope === 'all') return [...chosen];
  const own = (suiteTitles().get(requirement) ?? []).map((f) => f.replace(/\.test\.ts$/, ''));
  return chosen.filter((s) => own.includes(s) || shared.includes(s));
}

function runSuites(fault: string, driver: string, placement: string, suites: string[]): Promise<SuiteRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sosimple-selftest-'));
  const results = join(dir, 'results.json');
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  // --forceExit: a faulty node can leave a suite with a transaction or socket still open;
  // the verdicts are already written, and the self-test must move on to the next fault.
  const child = spawn(process.execPath, [jest, ...suites.map((s) => `suites/${s}.test.ts`), '--selectProjects', 'conformance', '--forceExit', '--json', `--outputFile=${results}`], {
    cwd: root,
    env: { ...process.env, SOSIMPLE_FAULTS: fault, SOSIMPLE_FAULT_NODES: placement === 'all' || EVERY_NODE[fault] ? 'all' : '1', SOSIMPLE_DRIVER: driver, ARTIFACTS_DIR: join(dir, 'artifacts') },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
  return new Promise((resolvePromise) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        if (!existsSync(results)) return resolvePromise({ failed: [], passed: 0, error: `jest wrote no results (exit ${code})` });
        const json = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; testResults: { assertionResults: { title: string; status: string }[]; message?: string; name: string }[] };
        const failed = new Set<string>();
        for (const file of json.testResults) {
          for (const t of file.assertionResults) {
            const id = /^(SOS-[A-Z]+-\d+)/.exec(t.title)?.[1];
            if (t.status === 'failed' && id) failed.add(id);
          }
        }
        const broken = json.testResults.filter((f) => f.assertionResults.length === 0 && f.message);
        const error = broken.length ? `suite(s) could not run: ${broken.map((b) => b.name.replace(/.*\/suites\//, '')).join(', ')}` : undefined;
        resolvePromise({ failed: [...failed].sort(), passed: json.numPassedTests, ...(error ? { error } : {}) });
      } catch (e) {
        resolvePromise({ failed: [], passed: 0, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function main(): Promise<number> {
  const driver = arg('driver') ?? 'process';
  const placement = arg('placement') ?? 'one';
  const scope = arg('scope') ?? 'focused';
  const jobs = Number(arg('jobs') ?? '2');
  const suites = (arg('suites') ?? '').split(',').filter(Boolean);
  const only = (arg('faults') ?? '').split(',').filter(Boolean);
  const known = listFaults();
  const unknownFaults = only.filter((f) => !known.some((k) => k.fault === f));
  const suiteNames = readdirSync(join(root, 'suites')).filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, ''));
  const unknownSuites = suites.filter((x) => !suiteNames.includes(x));
  if (unknownFaults.length || unknownSuites.length || !['one', 'all'].includes(placement) || !['process', 'docker'].includes(driver) || !['focused', 'all'].includes(scope) || !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 8)) {
    // A misspelt name must not turn into an empty table that "passes".
    if (unknownFaults.length) console.error(`selftest: unknown fault switch(es): ${unknownFaults.join(', ')}; known: ${known.map((k) => k.fault).join(', ')}`);
    if (unknownSuites.length) console.error(`selftest: unknown suite(s): ${unknownSuites.join(', ')}; known: ${suiteNames.join(', ')}`);
    if (!['one', 'all'].includes(placement)) console.error(`selftest: --placement must be one or all, not "${placement}"`);
    if (!['process', 'docker'].includes(driver)) console.error(`selftest: --driver must be process or docker, not "${driver}"`);
    if (!['focused', 'all'].includes(scope)) console.error(`selftest: --scope must be focused or all, not "${scope}"`);
    if (!(Number.isInteger(jobs) && jobs >= 1 && jobs <= 8)) console.error(`selftest: --jobs must be 1 to 8, not "${arg('jobs')}"`);
    return 2;
  }
  const chosen = suites.length ? suites : suiteNames;
  const faults = known.filter((f) => only.length === 0 || only.includes(f.fault));
  const shared = sharedRingSuites();
  console.error(`selftest: ${faults.length} fault(s); suites ${scope === 'all' ? chosen.join(', ') : `of the fault's requirement plus the shared-ring suites (${shared.join(', ')})`}; driver ${driver}; fault on ${placement === 'one' ? 'node 1 only' : 'every node'}; ${jobs} at a time`);

  let baseline: SuiteRun | undefined;
  if (!process.argv.includes('--no-baseline')) {
    process.stderr.write('[baseline] no fault … ');
    const t0 = Date.now();
    baseline = await runSuites('', driver, placement, chosen);
    process.stderr.write(`${baseline.failed.length || baseline.error ? `FAILED ${baseline.failed.join(', ')} ${baseline.error ?? ''}` : `green (${baseline.passed} passed)`} in ${Math.round((Date.now() - t0) / 1000)} s\n`);
  }

  const rows: FaultRow[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < faults.length) {
      const f = faults[next++]!;
      const t0 = Date.now();
      const r = await runSuites(f.fault, driver, placement, suitesFor(f.requirement, scope, chosen, shared));
      const caught = r.failed.includes(f.requirement);
      const collateral = collateralOf(f.fault, f.requirement, r.failed);
      const seconds = Math.round((Date.now() - t0) / 1000);
      rows.push({ fault: f.fault, requirement: f.requirement, failed: r.failed, caught, collateral, seconds, ...(r.error ? { note: r.error } : {}) });
      process.stderr.write(`[${++done}/${faults.length}] ${f.fault} (${f.requirement}): ${caught ? 'caught' : 'ESCAPED'}${collateral.length ? `, also failed outside its area: ${collateral.join(', ')}` : ''}${r.error ? ` (${r.error})` : ''} in ${seconds} s\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, faults.length) }, worker));
  rows.sort((a, b) => faults.findIndex((f) => f.fault === a.fault) - faults.findIndex((f) => f.fault === b.fault));

  const w = Math.max(...rows.map((r) => r.fault.length), 5);
  console.log(`\n${'fault'.padEnd(w)}  ${'breaks'.padEnd(13)}  verdict    tests that failed`);
  for (const r of rows) {
    const verdict = !r.caught ? 'ESCAPED ' : r.collateral.length ? 'SPILLED ' : 'caught  ';
    console.log(`${r.fault.padEnd(w)}  ${r.requirement.padEnd(13)}  ${verdict}   ${r.failed.join(', ') || '-'}${r.collateral.length ? `   [outside its area: ${r.collateral.join(', ')}]` : ''}`);
  }
  const escaped = rows.filter((r) => !r.caught);
  const spilled = rows.filter((r) => r.collateral.length > 0);
  const baselineBad = baseline !== undefined && (baseline.failed.length > 0 || baseline.error !== undefined);
  console.log(
    `\n${rows.length - escaped.length} of ${rows.length} fault switches caught by a test naming their requirement` +
      `${escaped.length ? `; escaped: ${escaped.map((r) => r.fault).join(', ')}` : ''}` +
      `; ${rows.length - spilled.length} of ${rows.length} contained to their area${spilled.length ? ` (spilled: ${spilled.map((r) => r.fault).join(', ')})` : ''}` +
      `${baseline ? `; baseline ${baselineBad ? `FAILED (${baseline.failed.join(', ')} ${baseline.error ?? ''})` : 'green'}` : ''}`,
  );
  const out = join(root, 'reports');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'selftest.json'), JSON.stringify({ driver, placement, scope, suites: chosen, baseline, rows, consequences: CONSEQUENCES }, null, 2));
  return escaped.length || spilled.length || baselineBad ? 1 : 0;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
