// results.json: the report's own account of a run, built from Jest's JSON results plus the
// evidence the suites left (harness/report/evidence.ts). Pure: every input is plain data.
// index.html and junit.xml are rendered from this alone, so `report` can re-render them.

import { relative, sep } from 'node:path';
import type { Level, Requirement } from '../catalogue/catalogue';
import type { RingFile, TraceEntryJson, TraceFile, WindowsFile } from './evidence';
import { judgeTrace, type FindingEntry } from './findings';
import type { JestAssertion, JestFileResult, JestResults } from './jest-results';
import { interopOf, summarize } from './summary';
import { stripAnsi } from './text';

export const RESULTS_FORMAT = 'sosimple-conformance-results';

export type CheckStatus = 'passed' | 'failed' | 'not-applicable';

export interface AreaSummary {
  /** The catalogue's area code: `JOIN`, `WIRE`, … or `OTHER` for a title without an ID. */
  area: string;
  title: string;
  checks: number;
  passed: number;
  failed: number;
  notApplicable: number;
  /** Failed checks of MUST level (or of a requirement the catalogue does not know). */
  mustFailed: number;
  shouldFailed: number;
  /** Requirement IDs with at least one check. */
  requirements: string[];
  verdict: 'pass' | 'fail' | 'not-run';
}

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  notApplicable: number;
  mustFailed: number;
  shouldFailed: number;
  suitesNotRun: number;
  /** pass: every applicable MUST passed and every suite ran. */
  verdict: 'pass' | 'fail';
  verdictText: string;
  byArea: AreaSummary[];
}

export interface ArtifactLinks {
  /** The artifact folder's name (the key in `traces` and `rings`). */
  artifact?: string;
  /** Paths relative to the report folder, `/`-separated. */
  dir?: string;
  pcap?: string;
  text?: string;
  logs: { node: string; path: string }[];
}

export interface CheckMessages {
  /** test: sent or received while the test ran; set-up: in its describe blocks' beforeAll hooks. */
  window: 'test' | 'set-up' | 'none';
  /** Key into Results.traces. */
  trace?: string;
  /** Seq numbers of the trace's messages, in order. */
  seqs: number[];
}

export interface CheckEntry {
  /** Anchor in index.html: `check-1`, `check-2`, … in run order. */
  id: string;
  requirementId: string | null;
  level: Level | null;
  area: string;
  requirementText: string | null;
  sections: string[];
  title: string;
  fullName: string;
  describe: string[];
  /** Test file, relative to the project. */
  suite: string;
  status: CheckStatus;
  notApplicableReason?: string;
  durationMs: number | null;
  /** ISO-8601; absent for a test that did not run. */
  started?: string;
  failureMessage?: string;
  /** For interop titles ending in `(A × B)`. */
  interop?: { a: string; b: string };
  links: ArtifactLinks;
  messages: CheckMessages;
  findings: { errors: number; warnings: number };
}

export interface MessageEntry extends TraceEntryJson {
  /** The lifeline of the remote end: a ring node's name, or host:port. */
  peer: string;
  startLine: string;
  /** How the harness read a message a node sent: the role the checker was given. */
  reading?: string;
  findings: FindingEntry[];
}

export interface TraceResult extends ArtifactLinks {
  artifact: string;
  suite?: string;
  messages: MessageEntry[];
}

export interface SuiteEntry {
  file: string;
  status: 'passed' | 'failed' | 'not-run';
  /** Jest's message for the file (a set-up error, say), ANSI stripped. */
  error?: string;
  durationMs: number;
  checks: number;
  /** Artifact folders (keys of traces/rings) the file's rings left. */
  artifacts: string[];
}

export interface InteropCell {
  a: string;
  b: string;
  passed: number;
  failed: number;
  notApplicable: number;
}

export interface Results {
  format: typeof RESULTS_FORMAT;
  version: 1;
  tool: { name: string; version: string };
  started: string;
  finished: string;
  durationMs: number;
  targets: { name: string; path: string }[];
  driver: string;
  summary: Summary;
  suites: SuiteEntry[];
  checks: CheckEntry[];
  traces: Record<string, TraceResult>;
  rings: Record<string, RingFile>;
  interop?: { targets: string[]; cells: InteropCell[] };
  /** Evidence that could not be used, each naming its file (and field). */
  warnings: string[];
}

export interface TraceEvidence {
  /** Absolute folder of the artifact. */
  dir: string;
  trace: TraceFile;
  ring?: RingFile;
  /** File names in the folder (node logs, trace.pcap, …). */
  files: string[];
}

export interface Evidence {
  windows: WindowsFile[];
  traces: TraceEvidence[];
  warnings: string[];
}

export interface BuildInput {
  jest: JestResults;
  evidence: Evidence;
  catalogue: ReadonlyMap<string, Requirement>;
  /** Area codes with their titles, in catalogue order. */
  areas: { area: string; title: string }[];
  targets: { name: string; path: string }[];
  driver: string;
  /** The report folder; links are relative to it. */
  outDir: string;
  /** The project root; suite paths are relative to it. */
  rootDir: string;
  tool: { name: string; version: string };
  /** When the run ended (ms); default the last test file's end. */
  finished?: number;
}

// Evidence is matched to a Jest test file by path and by time (stale artifacts of an earlier
// run in the same folder are ignored); clocks of one machine, so a small slack suffices.
const SLACK_MS = 5000;
const ID_RE = /^(SOS-([A-Z]+)-\d+)\b/;
const NOT_APPLICABLE_RE = /\[not applicable: ([^\]]*)\]/;
const INTEROP_RE = /\(([^()×]+?)\s+×\s+([^()×]+?)\)\s*$/;

function posix(path: string): string {
  return path.split(sep).join('/');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function within(t: number, file: JestFileResult): boolean {
  if (!file.startTime || !file.endTime) return true;
  return t >= file.startTime - SLACK_MS && t <= file.endTime + SLACK_MS;
}

export function checkStatus(a: Pick<JestAssertion, 'status' | 'title'>): { status: CheckStatus; reason?: string } {
  if (a.status === 'passed') return { status: 'passed' };
  if (a.status === 'failed') return { status: 'failed' };
  const stated = NOT_APPLICABLE_RE.exec(a.title)?.[1];
  if (stated !== undefined) return { status: 'not-applicable', reason: stated };
  if (a.status === 'todo') return { status: 'not-applicable', reason: 'a test still to be written (todo)' };
  return { status: 'not-applicable', reason: 'skipped without a stated reason (filtered out, or it.skip)' };
}

export function interopPair(title: string): { a: string; b: string } | undefined {
  const m = INTEROP_RE.exec(title.replace(NOT_APPLICABLE_RE, '').trim());
  return m ? { a: m[1]!.trim(), b: m[2]!.trim() } : undefined;
}

function linksOf(t: TraceEvidence, outDir: string): ArtifactLinks {
  const rel = (name: string): string => posix(relative(outDir, `${t.dir}${sep}${name}`));
  const links: ArtifactLinks = { artifact: t.trace.artifact, dir: posix(relative(outDir, t.dir)) || '.', logs: [] };
  if (t.files.includes('trace.pcap')) links.pcap = rel('trace.pcap');
  if (t.files.includes('trace.txt')) links.text = rel('trace.txt');
  links.logs = t.files
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => ({ node: f.slice(0, -'.log'.length), path: rel(f) }));
  return links;
}

function messagesOf(t: TraceEvidence, ring: RingFile | undefined): MessageEntry[] {
  const verdicts = judgeTrace(t.trace.entries, (ring?.nodes ?? []).map((n) => ({ host: n.host, port: n.port })));
  const names = new Map((ring?.nodes ?? []).map((n) => [`${n.host}:${n.port}`, n.name]));
  return t.trace.entries.map((e) => {
    const v = verdicts.get(e.seq);
    const key = `${e.remote.host}:${e.remote.port}`;
    return { ...e, peer: names.get(key) ?? key, startLine: v?.startLine ?? '', ...(v?.reading ? { reading: v.reading } : {}), findings: v?.findings ?? [] };
  });
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((p, i) => of[i] === p);
}

function inWindows(entries: readonly TraceEntryJson[], windows: { start: number; end: number }[]): number[] {
  // A window's ends are whole ms from Date.now(); an entry stamped within the last ms belongs to it.
  return entries.filter((e) => windows.some((w) => e.timeMs >= w.start && e.timeMs < w.end + 1)).map((e) => e.seq);
}

interface Picked {
  trace: TraceEvidence;
  seqs: number[];
}

function pickTrace(traces: TraceEvidence[], windows: { start: number; end: number }[]): Picked | undefined {
  let best: Picked | undefined;
  for (const trace of traces) {
    const seqs = inWindows(trace.trace.entries, windows);
    if (seqs.length > 0 && (!best || seqs.length > best.seqs.length)) best = { trace, seqs };
  }
  return best;
}

export function buildResults(input: BuildInput): Results {
  const { jest, evidence, catalogue, outDir, rootDir } = input;
  const warnings = [...evidence.warnings];
  const checks: CheckEntry[] = [];
  const suites: SuiteEntry[] = [];
  const traces: Record<string, TraceResult> = {};
  const rings: Record<string, RingFile> = {};

  const files = [...jest.testResults].sort((a, b) => a.startTime - b.startTime || a.name.localeCompare(b.name));
  for (const file of files) {
    const suite = posix(relative(rootDir, file.name));
    const windows = evidence.windows
      .filter((w) => w.testPath === file.name && within(w.started, file))
      .sort((a, b) => b.started - a.started)[0];
    const fileTraces = evidence.traces.filter((t) => t.trace.testPath === file.name && within(t.trace.savedAt, file)).sort((a, b) => a.trace.savedAt - b.trace.savedAt);
    for (const t of fileTraces) {
      if (traces[t.trace.artifact]) {
        warnings.push(`${t.dir}: a second artifact folder named ${t.trace.artifact} in this run; its messages are left out`);
        continue;
      }
      const messages = messagesOf(t, t.ring);
      traces[t.trace.artifact] = { ...linksOf(t, outDir), artifact: t.trace.artifact, suite, messages };
      if (t.ring) rings[t.trace.artifact] = t.ring;
    }
    const usable = fileTraces.filter((t) => traces[t.trace.artifact]?.dir === posix(relative(outDir, t.dir)) || false);
    if (file.assertionResults.length > 0 && !windows) warnings.push(`${suite}: no test windows were recorded (evidence/*.json under the artifacts folder), so its checks use Jest's start times`);

    // Windows recorded for one full name, in run order (it.each can repeat a name).
    const queue = new Map<string, { start: number; end: number }[]>();
    for (const w of windows?.tests ?? []) queue.set(w.fullName, [...(queue.get(w.fullName) ?? []), { start: w.start, end: w.end }]);

    let failedHere = false;
    for (const a of file.assertionResults) {
      const n = checks.length + 1;
      const { status, reason } = checkStatus(a);
      if (status === 'failed') failedHere = true;
      const idMatch = ID_RE.exec(a.title);
      const req = idMatch ? catalogue.get(idMatch[1]!) : undefined;
      if (idMatch && !req) warnings.push(`${suite}: "${a.title}" names ${idMatch[1]}, which is not in the requirement catalogue`);

      let window = queue.get(a.fullName)?.shift();
      if (!window && a.startAt !== undefined && a.duration !== null && status !== 'not-applicable') window = { start: a.startAt, end: a.startAt + a.duration };

      let picked: Picked | undefined;
      let kind: CheckMessages['window'] = 'none';
      if (window) {
        picked = pickTrace(usable, [window]);
        if (picked) kind = 'test';
      }
      if (!picked && status !== 'not-applicable') {
        const setUp = (windows?.setUp ?? []).filter((s) => isPrefix(s.describe, a.ancestorTitles));
        picked = pickTrace(usable, setUp);
        if (picked) kind = 'set-up';
      }
      // Links: the ring whose trace holds the messages, else the first saved after the test ended.
      const home = picked?.trace ?? (window ? usable.find((t) => t.trace.savedAt >= window.end) : undefined) ?? (usable.length === 1 ? usable[0] : undefined);
      const links: ArtifactLinks = home ? linksOf(home, outDir) : { logs: [] };
      const shown = picked ? traces[picked.trace.trace.artifact]! : undefined;
      const counted = { errors: 0, warnings: 0 };
      if (shown && picked) {
        const wanted = new Set(picked.seqs);
        for (const m of shown.messages) {
          if (!wanted.has(m.seq)) continue;
          for (const f of m.findings) counted[f.severity === 'error' ? 'errors' : 'warnings']++;
        }
      }
      const failure = a.failureMessages.map(stripAnsi).join('\n\n').trim();
      const interop = interopPair(a.title);
      const entry: CheckEntry = {
        id: `check-${n}`,
        requirementId: idMatch?.[1] ?? null,
        level: req?.level ?? null,
        area: req?.area ?? idMatch?.[2] ?? 'OTHER',
        requirementText: req?.text ?? null,
        sections: req?.sections ?? [],
        title: a.title,
        fullName: a.fullName,
        describe: a.ancestorTitles,
        suite,
        status,
        durationMs: status === 'not-applicable' ? null : a.duration,
        links,
        messages: { window: kind, ...(picked ? { trace: picked.trace.trace.artifact } : {}), seqs: picked?.seqs ?? [] },
        findings: counted,
      };
      if (reason !== undefined) entry.notApplicableReason = reason;
      if (window && status !== 'not-applicable') entry.started = iso(window.start);
      if (failure) entry.failureMessage = failure;
      if (interop) entry.interop = interop;
      checks.push(entry);
    }
    const error = stripAnsi(file.message ?? '').trim();
    const notRun = file.assertionResults.length === 0 && error !== '';
    suites.push({
      file: suite,
      status: notRun ? 'not-run' : failedHere ? 'failed' : 'passed',
      ...(error ? { error } : {}),
      durationMs: file.endTime && file.startTime ? file.endTime - file.startTime : 0,
      checks: file.assertionResults.length,
      artifacts: usable.map((t) => t.trace.artifact),
    });
  }

  const summary = summarize(checks, suites, input.areas);
  const finished = input.finished ?? Math.max(jest.startTime, ...jest.testResults.map((t) => t.endTime));
  const interop = interopOf(checks, input.targets);
  return {
    format: RESULTS_FORMAT,
    version: 1,
    tool: input.tool,
    started: iso(jest.startTime),
    finished: iso(finished),
    durationMs: Math.max(0, finished - jest.startTime),
    targets: input.targets,
    driver: input.driver,
    summary,
    suites,
    checks,
    traces,
    rings,
    ...(interop ? { interop } : {}),
    warnings,
  };
}
