// junit.xml for CI systems: one <testsuite> per suite file, one <testcase> per check named by
// its title (requirement ID first), classname `<suite>.<area>`; not applicable checks are
// <skipped message="not applicable: …"/>, never passes; a suite that could not run is an <error>.

import type { CheckEntry, Results, SuiteEntry } from './results';
import { xmlAttr, xmlText } from './text';

function seconds(ms: number | null | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

/** `suites/join.test.ts` → `join`. */
export function suiteName(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.test\.ts$/, '').replace(/\.[jt]s$/, '');
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? text;
}

function testcase(c: CheckEntry): string {
  const name = c.requirementId && !c.title.startsWith(c.requirementId) ? `${c.requirementId} ${c.title}` : c.title;
  const attrs = `name="${xmlAttr(name)}" classname="${xmlAttr(`${suiteName(c.suite)}.${c.area}`)}" time="${seconds(c.durationMs)}"`;
  if (c.status === 'passed') return `    <testcase ${attrs}/>`;
  if (c.status === 'not-applicable') return `    <testcase ${attrs}>\n      <skipped message="${xmlAttr(`not applicable: ${c.notApplicableReason ?? ''}`)}"/>\n    </testcase>`;
  const message = c.failureMessage ?? 'failed';
  const level = c.level ? `${c.level} ` : '';
  return `    <testcase ${attrs}>\n      <failure message="${xmlAttr(firstLine(message))}" type="${xmlAttr(`${level}${c.requirementId ?? 'check'} failed`)}">${xmlText(message)}</failure>\n    </testcase>`;
}

function testsuite(s: SuiteEntry, checks: CheckEntry[], timestamp: string): string {
  const failures = checks.filter((c) => c.status === 'failed').length;
  const skipped = checks.filter((c) => c.status === 'not-applicable').length;
  const errors = s.status === 'not-run' ? 1 : 0;
  const head = `  <testsuite name="${xmlAttr(suiteName(s.file))}" tests="${checks.length + errors}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(s.durationMs)}" timestamp="${xmlAttr(timestamp)}" file="${xmlAttr(s.file)}">`;
  const cases = checks.map(testcase);
  if (s.status === 'not-run') {
    const error = s.error ?? 'the suite could not run';
    cases.push(`    <testcase name="${xmlAttr(`${suiteName(s.file)} (the suite could not run)`)}" classname="${xmlAttr(suiteName(s.file))}" time="0">\n      <error message="${xmlAttr(firstLine(error))}">${xmlText(error)}</error>\n    </testcase>`);
  }
  return [head, ...cases, '  </testsuite>'].join('\n');
}

export function renderJunit(results: Results): string {
  const s = results.summary;
  const timestamp = results.started.replace(/\.\d+Z$/, '');
  const suites = results.suites.map((suite) => testsuite(suite, results.checks.filter((c) => c.suite === suite.file), timestamp));
  const targets = results.targets.map((t) => t.name).join(', ') || 'unknown target';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(`SOSIMPLE conformance: ${targets}`)}" tests="${s.total + s.suitesNotRun}" failures="${s.failed}" errors="${s.suitesNotRun}" skipped="${s.notApplicable}" time="${seconds(results.durationMs)}" timestamp="${xmlAttr(timestamp)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
