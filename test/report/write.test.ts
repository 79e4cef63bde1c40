import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebaseLinks, renderReports, writeReports, type Results } from '../../harness/report';
import { writeFixtureRun } from './fixtures';
import { xmlProblem } from './xml-check';

describe('writeReports and renderReports', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(): Results {
    const run = writeFixtureRun(dir);
    const files = writeReports({ jestResultsPath: run.jest, artifactsDir: run.artifacts, outDir: join(dir, 'out'), targets: [{ name: 'ref', path: 'targets/reference.yaml' }], driver: 'process' });
    expect(files).toEqual({ results: join(dir, 'out', 'results.json'), junit: join(dir, 'out', 'junit.xml'), html: join(dir, 'out', 'index.html') });
    return JSON.parse(readFileSync(files.results, 'utf8')) as Results;
  }

  it('reads the artifacts folder as a run leaves it and writes the three files', () => {
    const r = write();
    const wire5 = r.checks.find((c) => c.title.startsWith('SOS-WIRE-5'))!;
    expect(wire5.messages).toEqual({ window: 'test', trace: 'suite-alpha', seqs: [3, 4] });
    expect(wire5.links.pcap).toBe('../artifacts/suite-alpha/trace.pcap');
    expect(r.traces['suite-alpha']!.messages).toHaveLength(6);
    // Evidence of an earlier run is passed over; a broken trace.json is reported by file and field.
    expect(r.warnings).toContainEqual(`${join(dir, 'artifacts', 'suite-broken', 'trace.json')}: field "entries[0].seq" must be a number`);
    expect(r.warnings.join('\n')).not.toContain('shared-ring');
    expect(xmlProblem(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'))).toBeUndefined();
    expect(readFileSync(join(dir, 'out', 'index.html'), 'utf8')).toContain('id="areas"');
  });

  it('re-renders junit.xml and index.html from results.json, into another folder with links rebased', () => {
    write();
    const again = renderReports(join(dir, 'out', 'results.json'), join(dir, 'again'));
    expect(readFileSync(again.junit, 'utf8')).toBe(readFileSync(join(dir, 'out', 'junit.xml'), 'utf8'));
    expect(readFileSync(again.html, 'utf8')).toContain('id="areas"');
    const r = { checks: [{ links: { pcap: '../artifacts/a/trace.pcap', logs: [{ node: 'n', path: '../artifacts/a/n.log' }] } }], traces: {} } as unknown as Results;
    const moved = rebaseLinks(r, '/x/out', '/x/deeper/again');
    expect(moved.checks[0]!.links).toEqual({ pcap: '../../artifacts/a/trace.pcap', logs: [{ node: 'n', path: '../../artifacts/a/n.log' }] });
  });

  it('refuses Jest\'s own JSON or a broken results.json, naming the file and the field', () => {
    const run = writeFixtureRun(dir);
    expect(() => renderReports(run.jest, dir)).toThrow(`${run.jest}: field "format" is missing; this is Jest's --json output`);
    write();
    const path = join(dir, 'out', 'results.json');
    const r = JSON.parse(readFileSync(path, 'utf8')) as { checks: { status: string }[] };
    r.checks[1]!.status = 'green';
    writeFileSync(path, JSON.stringify(r));
    expect(() => renderReports(path, dir)).toThrow(`${path}: field "checks[1].status" must be "passed" or "failed" or "not-applicable", found "green"`);
    writeFileSync(path, '{');
    expect(() => renderReports(path, dir)).toThrow(`${path}: not valid JSON`);
    expect(() => writeReports({ jestResultsPath: join(dir, 'none.json'), artifactsDir: dir, outDir: dir, targets: [], driver: 'x' })).toThrow(`${join(dir, 'none.json')}: cannot read it (ENOENT)`);
  });
});
