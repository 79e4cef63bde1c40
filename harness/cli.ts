// The command line: `sosimple-conformance <command>`. Exit codes: 0 every applicable check
// passed, 1 failures, 2 usage or environment error (one clear line on stderr).
//
// One module per command under harness/commands/; a new command is one register call here.

import { Command, CommanderError } from 'commander';
import { EnvironmentError } from './cluster/docker-env';
import { PcapError } from './pcap/capture';
import { TargetError } from './targets/target';
import { EXIT_FAILURES, EXIT_OK, EXIT_USAGE, UsageError, type OnExit } from './commands/common';
import { registerPcap } from './commands/pcap';
import { registerPcap2fixture } from './commands/pcap2fixture';
import { registerReport } from './commands/report';
import { registerRing } from './commands/ring';
import { registerRun } from './commands/run';
import { registerTargets } from './commands/targets';

export { EXIT_FAILURES, EXIT_OK, EXIT_USAGE, UsageError };
export { knownSuites, type RunOptions } from './commands/run';

export function buildProgram(onExit: OnExit): Command {
  const program = new Command('sosimple-conformance')
    .description('Conformance and interop tests for SOSIMPLE (draft-bryan-sipping-p2p-01) nodes')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRun(program, onExit);
  registerReport(program, onExit);
  registerRing(program, onExit);
  registerTargets(program, onExit);
  registerPcap(program, onExit);
  registerPcap2fixture(program, onExit);
  return program;
}

/** Errors a person can act on: one line, exit 2, no stack trace. */
function isEnvironmentOrUsage(e: unknown): e is Error {
  return e instanceof UsageError || e instanceof EnvironmentError || e instanceof PcapError || e instanceof TargetError;
}

export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  try {
    await buildProgram((c) => (code = c)).parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (isEnvironmentOrUsage(e)) {
      console.error(`sosimple-conformance: ${e.message.replace(/\s*\n\s*/g, ' ')}`);
      return EXIT_USAGE;
    }
    const detail = process.env.SOSIMPLE_DEBUG ? `\n${e instanceof Error ? e.stack : ''}` : ' (SOSIMPLE_DEBUG=1 shows the stack)';
    console.error(`sosimple-conformance: internal error: ${e instanceof Error ? e.message : String(e)}${detail}`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  // Exit as soon as the command is done: a hands-on ring's containers keep Docker connections
  // open that must not hold the command.
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
