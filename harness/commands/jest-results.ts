// Reading Jest's --json results of a conformance run: the counts the CLI prints, one entry
// per check, and a ring that could not start because a node never answered or the
// environment failed (then the run is an environment error, exit 2, not a failure).

import { relative } from 'node:path';
import { oneLine } from './common';

export interface JestAssertion {
  title: string;
  fullName?: string;
  ancestorTitles?: string[];
  status: string;
  duration?: number | null;
  failureMessages?: string[];
}

export interface JestFileResult {
  name: string;
  status?: string;
  message?: string;
  assertionResults: JestAssertion[];
}

export interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  numRuntimeErrorTestSuites: number;
  testResults: JestFileResult[];
}

export type CheckStatus = 'passed' | 'failed' | 'not applicable';

export interface Check {
  /** The suite file, relative to the project. */
  file: string;
  /** The requirement ID the title starts with (SOS-JOIN-1), when it does. */
  requirement?: string;
  title: string;
  status: CheckStatus;
  durationMs?: number;
  /** The first lines of the failure, on one line. */
  failure?: string;
}

export interface RunSummary {
  passed: number;
  failed: number;
  notApplicable: number;
  /** Suite files that could not run at all (a syntax error, a throw outside any test). */
  broken: { file: string; message: string }[];
  checks: Check[];
}

const REQUIREMENT_RE = /^(SOS-[A-Z]+-\d+)\b/;

/** The first meaningful lines of a failure message (Jest's error text, stack left out). */
export function failureGist(message: string, lines = 3): string {
  const kept = message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^\d+ \|/.test(l));
  return oneLine(kept.slice(0, lines).join(' / '), 300);
}

export function summarise(results: JestResults, root: string): RunSummary {
  const checks: Check[] = [];
  const broken: RunSummary['broken'] = [];
  for (const file of results.testResults) {
    const rel = relative(root, file.name);
    if (file.assertionResults.length === 0 && file.message) broken.push({ file: rel, message: failureGist(file.message, 2) });
    for (const a of file.assertionResults) {
      const status: CheckStatus = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'not applicable';
      const check: Check = { file: rel, title: a.title, status };
      const id = REQUIREMENT_RE.exec(a.title)?.[1];
      if (id) check.requirement = id;
      if (typeof a.duration === 'number') check.durationMs = a.duration;
      if (status === 'failed' && a.failureMessages?.length) check.failure = failureGist(a.failureMessages[0]!);
      checks.push(check);
    }
  }
  return {
    passed: results.numPassedTests,
    failed: results.numFailedTests,
    notApplicable: results.numPendingTests + (results.numTodoTests ?? 0),
    broken,
    checks,
  };
}

/** A ring the suites could not start, for reasons that are the environment's, not the node's verdict. */
export type RingStartFailure = { kind: 'unreachable'; node: string; address: string; detail: string } | { kind: 'environment'; message: string };

// suites/support/ring.ts marks a ring start failure as `[sosimple:<error name>] <message>`.
const MARKER_RE = /\[sosimple:(NotReadyError|EnvironmentError)\] ([^\n]*)/;
// harness/cluster/readiness.ts: NotReadyError's two messages. Matched without the marker too,
// for rings started elsewhere (the run's shared ring) whose error reaches the suite as text.
const NOT_READY_RE = /node (\S+) \(([^,()\s]+)(?:, ID [^)]*)?\) (did not answer [^\n]*|exited before answering: [^\n]*)/;

/** Reads NotReadyError's text (harness/cluster/readiness.ts): which node, where, and what happened. */
export function describeNotReady(text: string): RingStartFailure | undefined {
  const m = NOT_READY_RE.exec(text);
  if (!m) return undefined;
  const [, node, address, rest] = m as unknown as [string, string, string, string];
  const detail = rest.startsWith('did not answer') ? rest : `did not answer (it ${rest})`;
  return { kind: 'unreachable', node, address, detail: oneLine(detail, 300) };
}

/** The first ring start failure in the results, if any. */
export function ringStartFailure(results: JestResults): RingStartFailure | undefined {
  const texts: string[] = [];
  for (const file of results.testResults) {
    for (const a of file.assertionResults) texts.push(...(a.failureMessages ?? []));
    if (file.message) texts.push(file.message);
  }
  for (const text of texts) {
    const marked = MARKER_RE.exec(text);
    if (marked?.[1] === 'NotReadyError') return describeNotReady(marked[2]!) ?? { kind: 'environment', message: oneLine(marked[2]!) };
    if (marked?.[1] === 'EnvironmentError') return { kind: 'environment', message: oneLine(marked[2]!) };
  }
  for (const text of texts) {
    const unmarked = describeNotReady(text);
    if (unmarked) return unmarked;
  }
  return undefined;
}

/** The one line the CLI prints for a ring start failure. */
export function describeRingStartFailure(f: RingStartFailure): string {
  return f.kind === 'unreachable' ? `node ${f.node} at ${f.address} ${f.detail}` : f.message;
}
