// The conformance project's evidence set-up file, loaded into this file as Jest loads it into
// each suite: the windows it writes at the end are read back by the last afterAll below
// (afterAll hooks of one block run in the order they were declared).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWindowsFile } from '../../harness/report/evidence';

const dir = mkdtempSync(join(tmpdir(), 'evidence-setup-'));
const saved = process.env.ARTIFACTS_DIR;
process.env.ARTIFACTS_DIR = dir;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../support/conformance-evidence');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('outer block', () => {
  beforeAll(async () => {
    await sleep(30);
  });

  describe('inner block', () => {
    beforeAll((done) => {
      setTimeout(done, 20);
    });
    it('first test', async () => {
      await sleep(15);
    });
  });

  it('second test', () => undefined);
});

afterAll(() => {
  try {
    const file = join(dir, 'evidence', 'test-report-evidence-setup.test.ts.json');
    const w = readWindowsFile(file, JSON.parse(readFileSync(file, 'utf8')));
    expect(w.testPath).toBe(__filename);
    expect(w.setUp.map((s) => s.describe)).toEqual([['outer block'], ['outer block', 'inner block']]);
    expect(w.setUp[0]!.end - w.setUp[0]!.start).toBeGreaterThanOrEqual(25);
    expect(w.setUp[1]!.end - w.setUp[1]!.start).toBeGreaterThanOrEqual(15);
    expect(w.tests.map((t) => t.fullName)).toEqual(['outer block inner block first test', 'outer block second test']);
    const [first, second] = w.tests;
    expect(first!.end - first!.start).toBeGreaterThanOrEqual(10);
    // Windows follow each other: set-up, then the tests in run order.
    expect(w.setUp[1]!.end).toBeLessThanOrEqual(first!.start);
    expect(first!.end).toBeLessThanOrEqual(second!.start);
    expect(w.started).toBeLessThanOrEqual(w.setUp[0]!.start);
  } finally {
    if (saved === undefined) delete process.env.ARTIFACTS_DIR;
    else process.env.ARTIFACTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
