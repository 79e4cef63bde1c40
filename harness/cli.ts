// The command line: `sosimple-conformance <command>`. Exit codes: 0 every applicable check
// passed, 1 failures, 2 usage or environment error (one clear line on stderr).

import { Command, CommanderError } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertEngine, EnvironmentError } from './cluster/docker-env';
import { loadTarget, TargetError } from './targets/target';
import { PcapError } from './pcap/capture';
import { extractSipFromFile } from './pcap/extract';
import { formatPcapTable, listMessages } from './pcap/list';

export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_USAGE = 2;

/** An error a person can act on: printed as one line, exit code 2. */
export class UsageError extends Error {}

const ROOT = resolve(__dirname, '..');
const SUITES_DIR = join(ROOT, 'suites');

export interface RunOptions {
  target: string;
  driver: string;
  suites?: string;
  out: string;
}

export function knownSuites(): string[] {
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''))
    .sort();
}

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numRuntimeErrorTestSuites: number;
  testResults: { name: string; message?: string; assertionResults: { title: string; status: string }[] }[];
}

async function run(options: RunOptions): Promise<number> {
  const targetPath = resolve(options.target);
  if (!existsSync(targetPath)) throw new UsageError(`target file not found: ${options.target}`);
  let target;
  try {
    target = loadTarget(targetPath);
  } catch (e) {
    throw new UsageError(e instanceof TargetError ? e.message : `cannot read the target file: ${(e as Error).message}`);
  }
  if (!['auto', 'docker', 'process'].includes(options.driver)) throw new UsageError(`--driver must be auto, docker or process, not "${options.driver}"`);
  if (options.driver === 'docker') await assertEngine();
  if (options.driver === 'process' && !target.command) throw new UsageError(`${options.target}: target ${target.name} has no command, so --driver process cannot run it`);
  const known = knownSuites();
  const chosen = options.suites ? options.suites.split(',').map((s) => s.trim()).filter(Boolean) : known;
  const unknown = chosen.filter((s) => !known.includes(s));
  if (unknown.length) throw new UsageError(`unknown suite(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);

  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const results = join(out, 'results.json');
  console.error(`sosimple-conformance: target ${target.name} (${options.target}), driver ${options.driver}, suites ${chosen.join(', ')}`);
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  const pattern = `suites/(${chosen.join('|')})\\.test\\.ts$`;
  // --forceExit: a node under test that misbehaves must not keep the run from ending once
  // every verdict is written.
  const r = spawnSync(process.execPath, [jest, '--selectProjects', 'conformance', '--forceExit', '--json', `--outputFile=${results}`, '--testPathPatterns', pattern], {
    cwd: ROOT,
    env: { ...process.env, SOSIMPLE_TARGET: targetPath, SOSIMPLE_DRIVER: options.driver, SOSIMPLE_FAULTS: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(results)) throw new EnvironmentError(`the suites did not run (jest exit ${r.status ?? r.signal}); see the output above`);
  const summary = JSON.parse(readFileSync(results, 'utf8')) as JestSummary;
  const broken = summary.testResults.filter((t) => t.assertionResults.length === 0 && t.message);
  console.log(`conformance: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests} not applicable; results in ${results}`);
  if (broken.length) console.log(`suites that could not run: ${broken.map((b) => b.name.replace(`${ROOT}/`, '')).join(', ')}`);
  return summary.numFailedTests > 0 || summary.numRuntimeErrorTestSuites > 0 ? EXIT_FAILURES : EXIT_OK;
}

export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('sosimple-conformance')
    .description('Conformance and interop tests for SOSIMPLE (draft-bryan-sipping-p2p-01) nodes')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run')
    .description('run the conformance suites against a target')
    .option('-t, --target <file>', 'target file', 'targets/reference.yaml')
    .option('-d, --driver <driver>', 'where nodes run: auto, docker or process', 'auto')
    .option('-s, --suites <list>', `comma-separated suites (default: all)`)
    .option('-o, --out <dir>', 'report folder', 'reports')
    .action(async (opts: RunOptions) => onExit(await run(opts)));
  const pcap = program.command('pcap').description('work with captures (pcap or pcapng)');
  pcap
    .command('ls')
    .description('list every SIP message in a capture: time, source, destination, transport, start line, Call-ID, CSeq')
    .argument('<file>', 'a pcap or pcapng file')
    .option('--json', 'one JSON object per message, as an array')
    .action((file: string, opts: { json?: boolean }) => onExit(pcapLs(file, opts.json === true)));
  return program;
}

function pcapLs(file: string, json: boolean): number {
  if (!existsSync(file)) throw new UsageError(`capture not found: ${file}`);
  let extraction;
  try {
    extraction = extractSipFromFile(file);
  } catch (e) {
    if (e instanceof PcapError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
  const entries = listMessages(extraction);
  if (json) console.log(JSON.stringify(entries, null, 2));
  else {
    console.log(formatPcapTable(entries));
    const s = extraction.summary as unknown as Record<string, unknown>;
    console.error(`${entries.length} SIP message(s); summary: ${JSON.stringify(s)}`);
  }
  return EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (e instanceof UsageError || e instanceof EnvironmentError || e instanceof PcapError) {
      console.error(`sosimple-conformance: ${e.message}`);
      return EXIT_USAGE;
    }
    console.error(`sosimple-conformance: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
