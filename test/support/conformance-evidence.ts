// Set-up file of the `conformance` Jest project (setupFilesAfterEnv): records when each test
// ran and when each beforeAll hook ran, so the report can show the messages a check was
// judged on. Written at the end of the file to
//   <ARTIFACTS_DIR>/evidence/<test file relative to the project, / as ->.json
// in the format of harness/report/evidence.ts (WindowsFile).
//
// A test's window spans its beforeEach and afterEach hooks (this file's hooks are the
// outermost). A beforeAll hook's window is kept with the describe titles around it, so a check
// whose messages were all sent in beforeAll still gets them as its set-up messages.
// describe.each blocks are not tracked by title: their hooks count for the enclosing block.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { artifactsBase } from '../../harness/cluster/artifacts';
import { WINDOWS_FOLDER, WINDOWS_FORMAT, type SetUpWindow, type TestWindow, type WindowsFile } from '../../harness/report/evidence';

const started = Date.now();
const tests: TestWindow[] = [];
const setUp: SetUpWindow[] = [];
let current: { fullName: string; start: number } | undefined;

// The describe titles around the code being collected right now.
const titles: string[] = [];

type Describe = (name: unknown, body: unknown, ...rest: unknown[]) => unknown;

function titleOf(name: unknown): string {
  return typeof name === 'function' ? name.name : String(name);
}

function tracked(original: Describe): Describe {
  const wrapped: Describe = (name, body, ...rest) =>
    original(
      name,
      typeof body === 'function'
        ? function (this: unknown, ...args: unknown[]) {
            titles.push(titleOf(name));
            try {
              return (body as (...a: unknown[]) => unknown).apply(this, args);
            } finally {
              titles.pop();
            }
          }
        : body,
      ...rest,
    );
  return Object.assign(wrapped, original);
}

const g = globalThis as unknown as Record<string, unknown> & { describe: Describe & { only: Describe; skip: Describe } };
const describeOnly = g.describe.only;
g.describe = Object.assign(tracked(g.describe), { only: tracked(describeOnly), skip: g.describe.skip });
if (typeof g.fdescribe === 'function') g.fdescribe = g.describe.only;

type Hook = (fn: jest.ProvidesHookCallback, timeout?: number) => void;
const originalBeforeAll = g.beforeAll as Hook;

// Each beforeAll is wrapped to time itself; a hook taking `done` keeps its callback form.
g.beforeAll = ((fn: jest.ProvidesHookCallback, timeout?: number) => {
  const describe = [...titles];
  const record = (start: number): void => {
    setUp.push({ describe, start, end: Date.now() });
  };
  const timed =
    fn.length > 0
      ? function (this: unknown, done: jest.DoneCallback) {
          const start = Date.now();
          const finish = Object.assign((...a: unknown[]) => {
            record(start);
            (done as (...x: unknown[]) => void)(...a);
          }, { fail: (e?: string | { message: string }) => {
            record(start);
            done.fail(e);
          } });
          return (fn as (cb: jest.DoneCallback) => unknown).call(this, finish as jest.DoneCallback);
        }
      : async function (this: unknown) {
          const start = Date.now();
          try {
            return await (fn as () => unknown).call(this);
          } finally {
            record(start);
          }
        };
  originalBeforeAll(timed as jest.ProvidesHookCallback, timeout);
}) as Hook;

beforeEach(() => {
  current = { fullName: expect.getState().currentTestName ?? '(unnamed test)', start: Date.now() };
});

afterEach(() => {
  if (current) tests.push({ ...current, end: Date.now() });
  current = undefined;
});

afterAll(() => {
  const testPath = expect.getState().testPath;
  if (!testPath) return;
  const root = resolve(__dirname, '..', '..');
  const stem = relative(root, testPath).replace(/[\\/]/g, '-').replace(/[^A-Za-z0-9._-]+/g, '-');
  const file: WindowsFile = { format: WINDOWS_FORMAT, version: 1, testPath, started, finished: Date.now(), tests, setUp };
  const dir = join(artifactsBase(), WINDOWS_FOLDER);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${stem}.json`), JSON.stringify(file, null, 1));
  } catch (e) {
    // The run's verdicts do not depend on the evidence; say why the report will lack it.
    console.warn(`conformance evidence not written to ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
});
