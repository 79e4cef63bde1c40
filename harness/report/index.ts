// Reports of a conformance run: results.json (our own format), junit.xml and index.html,
// written from Jest's JSON results plus the evidence the suites leave under the artifacts
// folder (message traces, ring snapshots, per-test time windows).
//
// writeReports: after a run, from Jest's JSON and the artifacts folder.
// renderReports: junit.xml and index.html again from an existing results.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { catalogue } from '../catalogue/catalogue';
import { Fields } from './evidence';
import { renderHtml, type HtmlOptions } from './html/page';
import { readJestResults } from './jest-results';
import { renderJunit } from './junit';
import { areaTitles, loadEvidence, readJsonFile, ReportInputError, toolInfo } from './load';
import { buildResults, RESULTS_FORMAT, type Results } from './results';

export { EvidenceError } from './evidence';
export { ReportInputError } from './load';
export type { Results, CheckEntry, CheckStatus, MessageEntry, Summary, AreaSummary } from './results';

export interface ReportInput {
  /** Jest's --json output of the conformance run. */
  jestResultsPath: string;
  /** Where the suites wrote their evidence and artifacts (ARTIFACTS_DIR of the run). */
  artifactsDir: string;
  /** The report folder: junit.xml, results.json and index.html are written here. */
  outDir: string;
  /** The target(s) the run used, as given on the command line. */
  targets: { name: string; path: string }[];
  driver: string;
  /** When the run ended, ms since the epoch; default: when the last test file ended. */
  finished?: number;
  /** Messages drawn per ladder in index.html (default 150); the rest stays in trace.txt. */
  maxLadderMessages?: number;
}

export interface ReportFiles {
  results: string;
  junit: string;
  html: string;
}

const ROOT = resolve(__dirname, '..', '..');

function writeRendered(results: Results, outDir: string, options: HtmlOptions): Omit<ReportFiles, 'results'> {
  mkdirSync(outDir, { recursive: true });
  const junit = join(outDir, 'junit.xml');
  const html = join(outDir, 'index.html');
  writeFileSync(junit, renderJunit(results));
  writeFileSync(html, renderHtml(results, options));
  return { junit, html };
}

/**
 * Builds results.json from Jest's JSON and the run's evidence, then junit.xml and index.html.
 * Throws EvidenceError / ReportInputError (naming the file and field) when Jest's JSON is
 * unusable; evidence that cannot be read becomes a warning inside the report instead.
 */
export function writeReports(input: ReportInput): ReportFiles {
  const jest = readJestResults(input.jestResultsPath, readJsonFile(input.jestResultsPath));
  const outDir = resolve(input.outDir);
  const results = buildResults({
    jest,
    evidence: loadEvidence(resolve(input.artifactsDir)),
    catalogue: catalogue(),
    areas: areaTitles(),
    targets: input.targets,
    driver: input.driver,
    outDir,
    rootDir: ROOT,
    tool: toolInfo(),
    ...(input.finished !== undefined ? { finished: input.finished } : {}),
  });
  mkdirSync(outDir, { recursive: true });
  const resultsPath = join(outDir, 'results.json');
  writeFileSync(resultsPath, JSON.stringify(results, null, 1));
  const options = input.maxLadderMessages !== undefined ? { maxLadderMessages: input.maxLadderMessages } : {};
  return { results: resultsPath, ...writeRendered(results, outDir, options) };
}

/**
 * Checks that a parsed file is a results.json of this tool, field by field where the
 * renderers depend on it. The message names the file and the field at fault.
 */
export function readResults(file: string, json: unknown): Results {
  const f = Fields.root(file, json);
  if (!f.has('format') && f.has('testResults')) {
    throw new ReportInputError(`${file}: field "format" is missing; this is Jest's --json output, not a results.json of sosimple-conformance (write one with writeReports first)`);
  }
  f.literal('format', RESULTS_FORMAT);
  f.literal('version', 1);
  f.object('tool').string('version');
  f.string('started');
  f.string('finished');
  f.number('durationMs');
  f.objects('targets').forEach((t) => (t.string('name'), t.string('path')));
  f.string('driver');
  const s = f.object('summary');
  for (const k of ['total', 'passed', 'failed', 'notApplicable', 'mustFailed', 'shouldFailed', 'suitesNotRun']) s.number(k);
  s.literal('verdict', 'pass', 'fail');
  s.string('verdictText');
  s.objects('byArea').forEach((a) => (a.string('area'), a.string('title'), a.strings('requirements'), a.literal('verdict', 'pass', 'fail', 'not-run')));
  f.objects('suites').forEach((x) => (x.string('file'), x.literal('status', 'passed', 'failed', 'not-run'), x.strings('artifacts')));
  f.objects('checks').forEach((c) => {
    c.string('id');
    c.string('title');
    c.string('suite');
    c.string('area');
    c.literal('status', 'passed', 'failed', 'not-applicable');
    c.strings('sections');
    c.strings('describe');
    const m = c.object('messages');
    m.literal('window', 'test', 'set-up', 'none');
    m.array('seqs');
    c.object('links').objects('logs');
    c.object('findings').number('errors');
  });
  const traces = f.object('traces');
  const rings = f.object('rings');
  for (const key of Object.keys(f.raw('traces') as object)) {
    const t = traces.object(key);
    t.objects('messages').forEach((m) => (m.number('seq'), m.string('raw'), m.string('peer'), m.string('node'), m.objects('findings')));
    t.objects('logs');
  }
  for (const key of Object.keys(f.raw('rings') as object)) rings.object(key).objects('nodes');
  f.strings('warnings');
  return json as Results;
}

/** The results with every artifact link made relative to another folder than results.json's. */
export function rebaseLinks(results: Results, fromDir: string, toDir: string): Results {
  if (resolve(fromDir) === resolve(toDir)) return results;
  const move = (p: string | undefined): string | undefined => (p === undefined ? undefined : relative(toDir, resolve(fromDir, p)).split(sep).join('/') || '.');
  const links = <T extends { dir?: string; pcap?: string; text?: string; logs: { node: string; path: string }[] }>(l: T): T => {
    const out = { ...l, logs: l.logs.map((g) => ({ ...g, path: move(g.path)! })) };
    for (const k of ['dir', 'pcap', 'text'] as const) if (l[k] !== undefined) out[k] = move(l[k]);
    return out;
  };
  return {
    ...results,
    checks: results.checks.map((c) => ({ ...c, links: links(c.links) })),
    traces: Object.fromEntries(Object.entries(results.traces).map(([k, t]) => [k, links(t)])),
  };
}

/**
 * Re-renders junit.xml and index.html into outDir from an existing results.json; links to
 * artifacts are rewritten when outDir is not the folder results.json is in.
 */
export function renderReports(resultsJsonPath: string, outDir: string): ReportFiles {
  const results = readResults(resultsJsonPath, readJsonFile(resultsJsonPath));
  const rebased = rebaseLinks(results, dirname(resolve(resultsJsonPath)), resolve(outDir));
  return { results: resolve(resultsJsonPath), ...writeRendered(rebased, resolve(outDir), {}) };
}
