import { catalogue } from '../../harness/catalogue/catalogue';
import { parseAreaTitles, areaTitles } from '../../harness/report/load';
import { buildResults, checkStatus, interopPair, type BuildInput, type CheckEntry, type Results } from '../../harness/report/results';
import { summarize } from '../../harness/report/summary';
import { ALPHA, BETA, DHT_NODEID_LINE, ROOT, T0, alphaRing, alphaTrace, alphaWindows, jestResults, staleWindows } from './fixtures';

function input(overrides: Partial<BuildInput> = {}): BuildInput {
  return {
    jest: jestResults(),
    evidence: {
      windows: [staleWindows(), alphaWindows()],
      traces: [{ dir: `${ROOT}/artifacts/suite-alpha`, trace: alphaTrace(), ring: alphaRing(), files: ['ref-1.log', 'ref-2.log', 'ref-3.log', 'ring.json', 'trace.json', 'trace.pcap', 'trace.txt'] }],
      warnings: [],
    },
    catalogue: catalogue(),
    areas: areaTitles(),
    targets: [{ name: 'ref', path: 'targets/reference.yaml' }],
    driver: 'process',
    outDir: `${ROOT}/reports`,
    rootDir: ROOT,
    tool: { name: 'sosimple-conformance', version: '9.9.9' },
    ...overrides,
  };
}

const byTitle = (r: Results, start: string): CheckEntry => {
  const c = r.checks.find((x) => x.title.startsWith(start));
  if (!c) throw new Error(`no check titled ${start}`);
  return c;
};

describe('results.json from Jest results and evidence', () => {
  const r = buildResults(input());

  it('keeps the run facts and one entry per test, in run order', () => {
    expect(r).toMatchObject({ format: 'sosimple-conformance-results', version: 1, tool: { version: '9.9.9' }, driver: 'process', started: new Date(T0).toISOString() });
    expect(r.checks.map((c) => c.id)).toEqual(r.checks.map((_, i) => `check-${i + 1}`));
    expect(r.checks).toHaveLength(9);
    expect(r.suites.map((s) => [s.file, s.status])).toEqual([
      ['suites/alpha.test.ts', 'failed'],
      ['suites/beta.test.ts', 'not-run'],
    ]);
  });

  it('takes level, area, text and cited sections from the catalogue', () => {
    const c = byTitle(r, 'SOS-JOIN-1 a node that is not');
    const req = catalogue().get('SOS-JOIN-1')!;
    expect(c).toMatchObject({ requirementId: 'SOS-JOIN-1', level: req.level, area: 'JOIN', requirementText: req.text, sections: req.sections, suite: 'suites/alpha.test.ts' });
    expect(c.sections.length).toBeGreaterThan(0);
  });

  it('reports "[not applicable: …]" and other skipped tests as not applicable, never passed', () => {
    expect(byTitle(r, 'SOS-PRES-1')).toMatchObject({ status: 'not-applicable', notApplicableReason: 'target ref does not claim presence', durationMs: null });
    expect(byTitle(r, 'SOS-ERR-1')).toMatchObject({ status: 'not-applicable', notApplicableReason: expect.stringMatching(/without a stated reason/) });
    expect(checkStatus({ status: 'todo', title: 'x' }).status).toBe('not-applicable');
    expect(checkStatus({ status: 'passed', title: 'x [not applicable: y]' }).status).toBe('passed');
  });

  it('strips ANSI codes from failure messages and keeps the suite that could not run', () => {
    const c = byTitle(r, 'SOS-JOIN-1 a node that is not');
    expect(c.failureMessage).toContain('expect(received).toEqual(expected)');
    expect(c.failureMessage).not.toContain('\u001b');
    expect(r.suites.find((s) => s.file === 'suites/beta.test.ts')!.error).toBe('● Test suite failed to run\n\n    the ring did not start: node ref-1 never answered');
  });

  it('gives a check the messages of its own window, else of its describe block\'s beforeAll', () => {
    expect(byTitle(r, 'SOS-WIRE-5').messages).toEqual({ window: 'test', trace: 'suite-alpha', seqs: [3, 4] });
    expect(byTitle(r, 'SOS-JOIN-1 a node that is not').messages).toEqual({ window: 'set-up', trace: 'suite-alpha', seqs: [1, 2] });
    // The ring snapshot's query after the last test belongs to no check.
    expect(r.checks.flatMap((c) => c.messages.seqs)).not.toContain(5);
    expect(byTitle(r, 'SOS-PRES-1').messages).toEqual({ window: 'none', seqs: [] });
  });

  it('falls back to Jest\'s start times when the evidence set-up file left nothing', () => {
    const bare = buildResults(input({ evidence: { ...input().evidence, windows: [] } }));
    expect(byTitle(bare, 'SOS-WIRE-5').messages.seqs).toEqual([3, 4]);
    expect(bare.warnings.join('\n')).toMatch(/suites\/alpha\.test\.ts: no test windows were recorded/);
  });

  it('ignores evidence of an earlier run in the same folder (matched by time)', () => {
    const old = buildResults(input({ evidence: { ...input().evidence, windows: [staleWindows()] } }));
    expect(byTitle(old, 'SOS-JOIN-1 a node that is not').messages.window).toBe('none');
    const stale = { ...alphaTrace(), savedAt: T0 - 3_600_000 };
    const noTrace = buildResults(input({ evidence: { ...input().evidence, traces: [{ dir: `${ROOT}/artifacts/suite-alpha`, trace: stale, files: [] }] } }));
    expect(Object.keys(noTrace.traces)).toEqual([]);
  });

  it('judges every message a node sent and keeps findings with line and column', () => {
    const answer = r.traces['suite-alpha']!.messages.find((m) => m.seq === 4)!;
    expect(answer).toMatchObject({ peer: 'ref-2', reading: expect.stringMatching(/query-ok$/), startLine: 'SIP/2.0 200 OK' });
    expect(answer.findings).toContainEqual(expect.objectContaining({ requirement: 'SOS-ID-1', severity: 'error', line: DHT_NODEID_LINE, column: 22 }));
    expect(r.traces['suite-alpha']!.messages.find((m) => m.seq === 3)!.findings).toEqual([]);
    expect(byTitle(r, 'SOS-WIRE-5').findings).toEqual({ errors: 1, warnings: 1 });
  });

  it('links the suite\'s pcap, text trace and node logs relative to the report folder', () => {
    expect(byTitle(r, 'SOS-WIRE-5').links).toEqual({
      artifact: 'suite-alpha',
      dir: '../artifacts/suite-alpha',
      pcap: '../artifacts/suite-alpha/trace.pcap',
      text: '../artifacts/suite-alpha/trace.txt',
      logs: ['ref-1', 'ref-2', 'ref-3'].map((node) => ({ node, path: `../artifacts/suite-alpha/${node}.log` })),
    });
    expect(r.rings['suite-alpha']!.nodes).toHaveLength(3);
  });

  it('sums up by area: a failed MUST fails the run, a failed SHOULD does not', () => {
    expect(r.summary).toMatchObject({ total: 9, passed: 4, failed: 3, notApplicable: 2, mustFailed: 2, shouldFailed: 1, suitesNotRun: 1, verdict: 'fail' });
    expect(r.summary.verdictText).toBe('Not every applicable MUST passed: 2 applicable MUST checks failed, 1 suite could not run; 1 SHOULD/MAY check failed');
    const join = r.summary.byArea.find((a) => a.area === 'JOIN')!;
    expect(join).toMatchObject({ checks: 4, passed: 1, failed: 3, mustFailed: 2, shouldFailed: 1, verdict: 'fail', requirements: ['SOS-JOIN-1', 'SOS-JOIN-4', 'SOS-JOIN-2'] });
    expect(r.summary.byArea.find((a) => a.area === 'MAINT')).toMatchObject({ checks: 0, verdict: 'not-run' });
    expect(r.summary.byArea.find((a) => a.area === 'OTHER')).toMatchObject({ checks: 1, passed: 1 });
    expect(r.warnings).toContainEqual('suites/alpha.test.ts: "SOS-NOPE-1 names a requirement the catalogue lacks" names SOS-NOPE-1, which is not in the requirement catalogue');
  });

  it('passes a run whose only failures are SHOULDs, and fails one where nothing applicable ran', () => {
    const should = { level: 'SHOULD', area: 'JOIN', status: 'failed', requirementId: 'SOS-JOIN-4' } as CheckEntry;
    const must = { level: 'MUST', area: 'JOIN', status: 'passed', requirementId: 'SOS-JOIN-1' } as CheckEntry;
    const areas = [{ area: 'JOIN', title: 'Node join' }];
    expect(summarize([should, must], [], areas)).toMatchObject({ verdict: 'pass', verdictText: 'Every applicable MUST passed; 1 SHOULD/MAY check failed' });
    expect(summarize([{ ...must, status: 'not-applicable' }], [], areas)).toMatchObject({ verdict: 'fail', verdictText: expect.stringMatching(/no applicable check ran/) });
    // A failure of an unranked rule counts against the verdict.
    expect(summarize([{ ...must, level: null, status: 'failed' }], [], areas).verdict).toBe('fail');
  });

  it('builds the interop matrix from titles ending in (A × B) when the run had several targets', () => {
    expect(interopPair('SOS-JOIN-1 joins (ref × other)')).toEqual({ a: 'ref', b: 'other' });
    expect(interopPair('SOS-JOIN-1 joins (ref × other) [not applicable: no tcp]')).toEqual({ a: 'ref', b: 'other' });
    expect(interopPair('SOS-JOIN-1 joins (x)')).toBeUndefined();
    expect(r.interop).toBeUndefined();
    const two = buildResults(input({ targets: [{ name: 'ref', path: 'a.yaml' }, { name: 'other', path: 'b.yaml' }] }));
    expect(two.interop).toEqual({
      targets: ['ref', 'other'],
      cells: [
        { a: 'ref', b: 'other', passed: 1, failed: 0, notApplicable: 0 },
        { a: 'other', b: 'ref', passed: 0, failed: 1, notApplicable: 0 },
      ],
    });
  });

  it('reads area titles from the catalogue\'s headings, one per ID prefix', () => {
    expect(parseAreaTitles('## 6. User registration and lookup (SOS-REG, SOS-LOOKUP)\n## 7. Presence (SOS-PRES) — capability `presence`\n## Ambiguities')).toEqual([
      { area: 'REG', title: 'User registration and lookup' },
      { area: 'LOOKUP', title: 'User registration and lookup' },
      { area: 'PRES', title: 'Presence' },
    ]);
    expect(areaTitles().map((a) => a.area)).toEqual(expect.arrayContaining(['ID', 'WIRE', 'RING', 'JOIN', 'MAINT', 'REG', 'LOOKUP', 'PRES', 'ERR']));
  });

  it('keeps suite paths relative to the project', () => {
    expect(new Set(r.checks.map((c) => c.suite))).toEqual(new Set([ALPHA.replace(`${ROOT}/`, '')]));
    expect(BETA.startsWith(ROOT)).toBe(true);
  });
});
