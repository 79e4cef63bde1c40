// `sosimple-conformance run`: the conformance suites against one or more targets, in a child
// Jest with our progress reporter, then the reports (harness/report). Everything a run can
// find out before Jest starts (target files, suites, the engine, images) is checked first, so
// a usage or environment problem is one line and exit 2, not a page of failed tests.

import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertEngine, engineAnswers, EnvironmentError } from '../cluster/docker-env';
import type { Target } from '../targets/schema';
import {
  collect,
  defaultTargetPath,
  EXIT_FAILURES,
  EXIT_OK,
  EXIT_USAGE,
  loadTargetOrExplain,
  oneLine,
  parseDriver,
  parseRingSize,
  parseSeed,
  projectRoot,
  shown,
  UsageError,
  type OnExit,
} from './common';
import { assertTargetImages } from './images';
import { describeRingStartFailure, ringStartFailure, summarise, type JestResults, type RunSummary } from './jest-results';

export interface RunOptions {
  target?: string[];
  driver: string;
  suites?: string;
  size?: number;
  seed?: number;
  out: string;
  quiet?: boolean;
  json?: boolean;
}

export function knownSuites(): string[] {
  return readdirSync(join(projectRoot(), 'suites'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .sort();
}

export function registerRun(program: Command, onExit: OnExit): void {
  program
    .command('run')
    .description('run the conformance suites against a target (exit 0 all applicable checks passed, 1 failures, 2 usage or environment error)')
    .option('-t, --target <file>', 'target file; repeat for an interop run (the first is the ring\'s main target)', collect)
    .option('-d, --driver <driver>', 'where nodes run: auto, docker or process', 'auto')
    .option('-s, --suites <list>', 'comma-separated suites (default: all)')
    .option('-n, --size <n>', 'ring size for every suite, 2 to 64 (default: each suite\'s own)', parseRingSize)
    .option('--seed <n>', 'seed for every random choice of the run', parseSeed)
    .option('-o, --out <dir>', 'report folder', 'reports')
    .option('-q, --quiet', 'print only the final summary line and errors')
    .option('--json', 'print the results summary as JSON on stdout (nothing else on stdout)')
    .action(async (opts: RunOptions) => onExit(await run(opts)));
}

interface Prepared {
  targets: Target[];
  driver: 'docker' | 'process';
  suites: string[];
}

/** Everything that can be wrong before Jest starts; throws UsageError or EnvironmentError. */
async function prepare(options: RunOptions): Promise<Prepared> {
  const driverChoice = parseDriver(options.driver);
  const paths = options.target?.length ? options.target : [defaultTargetPath()];
  // SOSIMPLE_TARGETS is comma-separated.
  const withComma = paths.find((p) => resolve(p).includes(','));
  if (withComma) throw new UsageError(`target file paths must not contain a comma: ${withComma}`);
  const targets = paths.map((p) => loadTargetOrExplain(p));
  const known = knownSuites();
  const chosen = options.suites ? options.suites.split(',').map((s) => s.trim()).filter(Boolean) : known;
  const unknown = chosen.filter((s) => !known.includes(s));
  if (unknown.length || chosen.length === 0) throw new UsageError(`unknown suite(s): ${unknown.join(', ') || '(none given)'}; known: ${known.join(', ')}`);

  let driver: 'docker' | 'process';
  if (driverChoice === 'docker') {
    await assertEngine();
    driver = 'docker';
  } else if (driverChoice === 'process') driver = 'process';
  else driver = targets[0]!.image && (await engineAnswers()) ? 'docker' : 'process';

  if (driver === 'docker') await assertTargetImages(targets, { builtBySetup: true });
  else {
    const noCommand = targets.find((t) => !t.command);
    if (noCommand) {
      const why = driverChoice === 'process' ? '' : ' and no Docker engine answers';
      throw new UsageError(`${shown(noCommand.path)}: target ${noCommand.name} has no command${why}, so the process driver cannot run it${why ? ' (start an engine: scripts/docker-engine.sh start)' : ' (use --driver docker)'}`);
    }
  }
  return { targets, driver, suites: chosen };
}

/**
 * The environment of the suites: the main target (SOSIMPLE_TARGET) and every target
 * (SOSIMPLE_TARGETS, comma-separated absolute paths, read by the interop suite), the driver,
 * ring size and seed (suites/support/ring.ts), where artifacts go, and no fault switches.
 */
export function suiteEnv(
  base: NodeJS.ProcessEnv,
  run: { targets: readonly Target[]; driver: 'docker' | 'process'; artifacts: string; quiet: boolean; size?: number; seed?: number },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    SOSIMPLE_TARGET: resolve(run.targets[0]!.path),
    SOSIMPLE_TARGETS: run.targets.map((t) => resolve(t.path)).join(','),
    SOSIMPLE_DRIVER: run.driver,
    SOSIMPLE_FAULTS: '',
    ARTIFACTS_DIR: run.artifacts,
    SOSIMPLE_PROGRESS: run.quiet ? 'quiet' : 'normal',
  };
  if (run.size !== undefined) env.SOSIMPLE_RING_SIZE = String(run.size);
  if (run.seed !== undefined) env.SOSIMPLE_SEED = String(run.seed);
  return env;
}

/** Where Jest's output goes: to stderr as it comes, or kept for a diagnostic when quiet. */
class JestOutput {
  private readonly kept: string[] = [];
  private partial = '';
  private inConfigWarning = false;
  constructor(private readonly quiet: boolean) {}

  write(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  /** The last lines Jest wrote, for a run that produced no results. */
  tail(n = 3): string {
    return this.kept.filter((l) => l.trim()).slice(-n).join(' | ');
  }

  private line(line: string): void {
    this.kept.push(line);
    if (this.kept.length > 200) this.kept.shift();
    // Jest's own chatter around our reporter's lines: the project it selected, the results
    // file, --forceExit's advice, and ts-jest's notes on the project's Jest configuration.
    if (this.inConfigWarning && (line === '' || /^\s/.test(line))) return;
    this.inConfigWarning = /^ts-jest\[config\] \(WARN\)/.test(line);
    if (this.inConfigWarning || /^Running one project: |^Test results written to: |^Force exiting Jest: /.test(line)) return;
    if (!this.quiet) process.stderr.write(`${line}\n`);
  }
}

function runJest(args: string[], env: NodeJS.ProcessEnv, quiet: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: JestOutput }> {
  const root = projectRoot();
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const output = new JestOutput(quiet);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [jest, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Jest's stdout (global set-up messages) goes to our stderr: stdout is for results only.
    child.stdout.on('data', (c: Buffer) => output.write(c));
    child.stderr.on('data', (c: Buffer) => output.write(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      output.end();
      resolvePromise({ code, signal, output });
    });
  });
}

export async function run(options: RunOptions): Promise<number> {
  const root = projectRoot();
  const { targets, driver, suites } = await prepare(options);
  const out = resolve(options.out);
  const jestResults = join(out, 'jest-results.json');
  const artifacts = join(out, 'artifacts');
  mkdirSync(out, { recursive: true });
  // A previous run's results and artifacts must not be read as this run's.
  rmSync(jestResults, { force: true });
  rmSync(artifacts, { recursive: true, force: true });
  const quiet = options.quiet === true;
  const say = (line: string): void => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
  const names = targets.map((t) => `${t.name} (${shown(t.path)})`).join(', ');
  say(`sosimple-conformance: target${targets.length > 1 ? 's' : ''} ${names}, driver ${driver}, suites ${suites.join(', ')}${options.size ? `, ring size ${options.size}` : ''}${options.seed !== undefined ? `, seed ${options.seed}` : ''}`);

  const env = suiteEnv(process.env, { targets, driver, artifacts, quiet, ...(options.size !== undefined ? { size: options.size } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const reporter = join(root, 'harness', 'commands', 'progress-reporter.js');
  const pattern = `suites/(${suites.join('|')})\\.test\\.ts$`;
  // --forceExit: a node under test that misbehaves must not keep the run from ending once
  // every verdict is written.
  const jest = await runJest(['--selectProjects', 'conformance', '--forceExit', '--json', `--outputFile=${jestResults}`, `--reporters=${reporter}`, '--testPathPatterns', pattern], env, quiet);
  if (!existsSync(jestResults)) {
    const why = jest.output.tail();
    throw new EnvironmentError(`the suites did not run (jest ${jest.signal ? `killed by ${jest.signal}` : `exit ${jest.code}`})${why ? `: ${oneLine(why, 300)}` : ''}`);
  }
  const results = JSON.parse(readFileSync(jestResults, 'utf8')) as JestResults;
  const summary = summarise(results, root);

  let reports: { results: string; junit: string; html: string } | undefined;
  let reportError: string | undefined;
  try {
    // Loaded here: a report module that fails to load must not stop the verdicts from printing.
    const { writeReports } = await import('../report/index');
    reports = await writeReports({ jestResultsPath: jestResults, artifactsDir: artifacts, outDir: out, targets: targets.map((t) => ({ name: t.name, path: resolve(t.path) })), driver });
  } catch (e) {
    reportError = oneLine(e instanceof Error ? e.message : String(e), 300);
    process.stderr.write(`reports: not written (${reportError})\n`);
  }

  const failure = ringStartFailure(results);
  const code = failure ? EXIT_USAGE : summary.failed > 0 || results.numRuntimeErrorTestSuites > 0 || summary.broken.length > 0 ? EXIT_FAILURES : EXIT_OK;
  if (summary.broken.length) process.stderr.write(`suites that could not run: ${summary.broken.map((b) => `${b.file} (${b.message})`).join('; ')}\n`);

  if (options.json) {
    const json = jsonSummary(summary, { code, targets, driver, suites, options, out, jestResults, reports, reportError, ...(failure ? { error: describeRingStartFailure(failure) } : {}) });
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
  const line = `conformance: ${summary.passed} passed, ${summary.failed} failed, ${summary.notApplicable} not applicable; report: ${reports ? shown(reports.html) : 'not written'}`;
  // With --json, stdout holds the JSON alone.
  if (options.json) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
  if (failure) process.stderr.write(`sosimple-conformance: ${describeRingStartFailure(failure)}\n`);
  return code;
}

function jsonSummary(
  summary: RunSummary,
  run: {
    code: number;
    targets: Target[];
    driver: string;
    suites: string[];
    options: RunOptions;
    out: string;
    jestResults: string;
    reports: { results: string; junit: string; html: string } | undefined;
    reportError: string | undefined;
    error?: string;
  },
): Record<string, unknown> {
  return {
    exitCode: run.code,
    passed: summary.passed,
    failed: summary.failed,
    notApplicable: summary.notApplicable,
    ...(run.error ? { error: run.error } : {}),
    targets: run.targets.map((t) => ({ name: t.name, path: resolve(t.path) })),
    driver: run.driver,
    suites: run.suites,
    ...(run.options.size !== undefined ? { size: run.options.size } : {}),
    ...(run.options.seed !== undefined ? { seed: run.options.seed } : {}),
    out: run.out,
    jestResults: run.jestResults,
    reports: run.reports ?? null,
    ...(run.reportError ? { reportError: run.reportError } : {}),
    brokenSuites: summary.broken,
    checks: summary.checks,
  };
}
