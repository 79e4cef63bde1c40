// The part of Jest's `--json` output the report reads: per test file its path, times and
// run-time error, per test its titles, status, start and duration, and failure messages.

import { Fields } from './evidence';

export type JestStatus = 'passed' | 'failed' | 'pending' | 'skipped' | 'todo' | 'disabled' | 'focused';

export interface JestAssertion {
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: JestStatus;
  /** ms; null for tests that did not run. */
  duration: number | null;
  /** ms since the epoch (Jest 30), when the test ran. */
  startAt?: number;
  failureMessages: string[];
}

export interface JestFileResult {
  /** Absolute path of the test file. */
  name: string;
  startTime: number;
  endTime: number;
  /** Jest's own message for the file: a run-time error when the file could not run. */
  message: string;
  assertionResults: JestAssertion[];
}

export interface JestResults {
  startTime: number;
  numRuntimeErrorTestSuites: number;
  testResults: JestFileResult[];
}

const STATUSES: JestStatus[] = ['passed', 'failed', 'pending', 'skipped', 'todo', 'disabled', 'focused'];

/** Reads and checks Jest's JSON; throws an EvidenceError naming the file and field at fault. */
export function readJestResults(file: string, json: unknown): JestResults {
  const f = Fields.root(file, json);
  return {
    startTime: f.number('startTime'),
    numRuntimeErrorTestSuites: f.optNumber('numRuntimeErrorTestSuites') ?? 0,
    testResults: f.objects('testResults').map((t) => ({
      name: t.string('name'),
      startTime: t.optNumber('startTime') ?? 0,
      endTime: t.optNumber('endTime') ?? 0,
      message: t.optString('message') ?? '',
      assertionResults: t.objects('assertionResults').map((a) => {
        const out: JestAssertion = {
          ancestorTitles: a.strings('ancestorTitles'),
          title: a.string('title'),
          fullName: a.string('fullName'),
          status: a.literal('status', ...STATUSES),
          duration: a.optNumber('duration') ?? null,
          failureMessages: a.has('failureMessages') ? a.strings('failureMessages') : [],
        };
        const startAt = a.optNumber('startAt');
        if (startAt !== undefined) out.startAt = startAt;
        return out;
      }),
    })),
  };
}
