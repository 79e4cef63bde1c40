import { catalogue } from '../../harness/catalogue/catalogue';
import { renderJunit, suiteName } from '../../harness/report/junit';
import { areaTitles } from '../../harness/report/load';
import { buildResults } from '../../harness/report/results';
import { ROOT, alphaRing, alphaTrace, alphaWindows, jestResults } from './fixtures';
import { xmlProblem } from './xml-check';

function results() {
  return buildResults({
    jest: jestResults(),
    evidence: { windows: [alphaWindows()], traces: [{ dir: `${ROOT}/artifacts/suite-alpha`, trace: alphaTrace(), ring: alphaRing(), files: [] }], warnings: [] },
    catalogue: catalogue(),
    areas: areaTitles(),
    targets: [{ name: 'ref <&> "1"', path: 'targets/reference.yaml' }],
    driver: 'process',
    outDir: `${ROOT}/reports`,
    rootDir: ROOT,
    tool: { name: 'sosimple-conformance', version: '1' },
  });
}

describe('junit.xml', () => {
  const xml = renderJunit(results());

  it('is well-formed XML even with markup, ]]> and control characters in failure messages', () => {
    expect(xmlProblem(xml)).toBeUndefined();
    expect(xml).toContain('expected 302 / actual 200 &lt;at line 1&gt; &amp; "quotes" ]]&gt; \\x07bell');
    expect(xml).toContain('name="SOSIMPLE conformance: ref &lt;&amp;&gt; &quot;1&quot;"');
  });

  it('has one testcase per check, the requirement ID first in the name, classname suite.area', () => {
    const cases = [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    expect(cases).toContainEqual(['SOS-JOIN-1 a node that is not responsible answers 302', 'alpha.JOIN']);
    expect(cases).toContainEqual(['checks something without an ID', 'alpha.OTHER']);
    // Nine checks and the suite that could not run.
    expect(cases).toHaveLength(10);
  });

  it('marks not applicable checks as skipped with the reason, failures with the message, a suite that did not run as an error', () => {
    expect(xml).toContain('<skipped message="not applicable: target ref does not claim presence"/>');
    expect(xml).toMatch(/<failure message="expect\(received\)\.toEqual\(expected\)" type="MUST SOS-JOIN-1 failed">expect\(received\)/);
    expect(xml).toMatch(/type="SHOULD SOS-JOIN-4 failed"/);
    expect(xml).toMatch(/<testsuite name="beta" tests="1" failures="0" errors="1" skipped="0"/);
    expect(xml).toMatch(/<error message="● Test suite failed to run">/);
    expect(xml).toMatch(/<testsuites [^>]*tests="10" failures="3" errors="1" skipped="2"/);
  });

  it('names suites by their file', () => {
    expect(suiteName('suites/join.test.ts')).toBe('join');
  });
});
