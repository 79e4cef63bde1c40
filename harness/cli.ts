// The command line: `sosimple-conformance <command>`. Exit codes: 0 every applicable check
// passed, 1 failures, 2 usage or environment error.

import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_USAGE = 2;

/** An error a person can act on: printed as one line, exit code 2. */
export class UsageError extends Error {}

interface RunOptions {
  target: string;
  driver: 'auto' | 'docker' | 'process';
  suites?: string;
  out: string;
}

function run(options: RunOptions): number {
  const target = resolve(options.target);
  if (!existsSync(target)) throw new UsageError(`target file not found: ${options.target}`);
  const suites = options.suites ? options.suites.split(',') : ['all'];
  console.log('sosimple-conformance run would:');
  console.log(`  1. load the target ${options.target} and build or find its image`);
  console.log(`  2. start a ring of its nodes with the ${options.driver} driver`);
  console.log(`  3. run the suites: ${suites.join(', ')}`);
  console.log(`  4. write junit.xml, results.json and index.html to ${options.out}/`);
  throw new UsageError('the conformance run is not available yet: the ring drivers and the suites are still being built, so nothing was run and nothing passed');
}

export function buildProgram(): Command {
  const program = new Command('sosimple-conformance')
    .description('Conformance and interop tests for SOSIMPLE (draft-bryan-sipping-p2p-01) nodes')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program
    .command('run')
    .description('run the conformance suites against a target')
    .option('-t, --target <file>', 'target file', 'targets/reference.yaml')
    .option('-d, --driver <driver>', 'where nodes run: auto, docker or process', 'auto')
    .option('-s, --suites <list>', 'comma-separated suites (default: all)')
    .option('-o, --out <dir>', 'report folder', 'reports')
    .action((opts: RunOptions) => {
      process.exitCode = run(opts);
    });
  return program;
}

export function main(argv: string[]): number {
  try {
    buildProgram().parse(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (e instanceof UsageError) {
      console.error(`sosimple-conformance: ${e.message}`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
