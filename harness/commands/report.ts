// `sosimple-conformance report`: renders the JUnit and HTML reports again from a run's
// results.json (the report's own format, written by `run`), e.g. after the results were
// copied from a CI machine.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EXIT_OK, shown, UsageError, type OnExit } from './common';

export function registerReport(program: Command, onExit: OnExit): void {
  program
    .command('report')
    .description('render junit.xml and index.html from a run\'s results.json')
    .option('-r, --results <file>', 'results of a run (results.json)', 'reports/results.json')
    .option('-o, --out <dir>', 'where to write the reports (default: the folder of the results)')
    .action(async (opts: { results: string; out?: string }) => onExit(await report(opts.results, opts.out)));
}

export async function report(results: string, outDir?: string): Promise<number> {
  const resultsPath = resolve(results);
  if (!existsSync(resultsPath)) throw new UsageError(`results not found: ${results} (written by \`sosimple-conformance run --out DIR\` as DIR/results.json)`);
  const out = resolve(outDir ?? dirname(resultsPath));
  const { renderReports, ReportInputError, EvidenceError } = await import('../report/index');
  let files: { junit: string; html: string };
  try {
    files = renderReports(resultsPath, out);
  } catch (e) {
    // A results.json that is not one (Jest's JSON, a field missing): the message names file and field.
    if (e instanceof ReportInputError || e instanceof EvidenceError) throw new UsageError(e.message);
    throw e;
  }
  process.stdout.write(`report: ${shown(files.html)} (JUnit: ${shown(files.junit)})\n`);
  return EXIT_OK;
}
