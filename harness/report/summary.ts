// The verdict of a run: counts by requirement area, the overall verdict (every applicable
// MUST passed and every suite ran), and the interop matrix of a run with several targets.

import type { AreaSummary, CheckEntry, InteropCell, Results, SuiteEntry, Summary } from './results';

function emptyArea(area: string, title: string): AreaSummary {
  return { area, title, checks: 0, passed: 0, failed: 0, notApplicable: 0, mustFailed: 0, shouldFailed: 0, requirements: [], verdict: 'not-run' };
}

export function summarize(checks: readonly CheckEntry[], suites: readonly SuiteEntry[], areas: { area: string; title: string }[]): Summary {
  const byArea = new Map(areas.map((a) => [a.area, emptyArea(a.area, a.title)]));
  const s = { total: checks.length, passed: 0, failed: 0, notApplicable: 0, mustFailed: 0, shouldFailed: 0 };
  for (const c of checks) {
    let a = byArea.get(c.area);
    if (!a) {
      a = emptyArea(c.area, c.area === 'OTHER' ? 'Checks without a requirement ID' : c.area);
      byArea.set(c.area, a);
    }
    a.checks++;
    if (c.requirementId && !a.requirements.includes(c.requirementId)) a.requirements.push(c.requirementId);
    if (c.status === 'passed') {
      a.passed++;
      s.passed++;
    } else if (c.status === 'not-applicable') {
      a.notApplicable++;
      s.notApplicable++;
    } else {
      a.failed++;
      s.failed++;
      // A failure of a rule the catalogue does not rank counts as a MUST: never a silent pass.
      if (c.level === 'SHOULD' || c.level === 'MAY') {
        a.shouldFailed++;
        s.shouldFailed++;
      } else {
        a.mustFailed++;
        s.mustFailed++;
      }
    }
  }
  for (const a of byArea.values()) a.verdict = a.passed + a.failed === 0 ? 'not-run' : a.mustFailed > 0 ? 'fail' : 'pass';
  const suitesNotRun = suites.filter((x) => x.status === 'not-run').length;
  const applicable = s.passed + s.failed;
  const problems: string[] = [];
  if (s.mustFailed) problems.push(`${s.mustFailed} applicable MUST check${s.mustFailed === 1 ? '' : 's'} failed`);
  if (suitesNotRun) problems.push(`${suitesNotRun} suite${suitesNotRun === 1 ? '' : 's'} could not run`);
  if (applicable === 0) problems.push('no applicable check ran');
  const verdict = problems.length === 0 ? 'pass' : 'fail';
  const should = s.shouldFailed ? `; ${s.shouldFailed} SHOULD/MAY check${s.shouldFailed === 1 ? '' : 's'} failed` : '';
  const verdictText = verdict === 'pass' ? `Every applicable MUST passed${should}` : `Not every applicable MUST passed: ${problems.join(', ')}${should}`;
  // Areas with no check at all are kept (they show what the run did not cover), in catalogue order.
  return { ...s, suitesNotRun, verdict, verdictText, byArea: [...byArea.values()] };
}

export function interopOf(checks: readonly CheckEntry[], targets: { name: string }[]): Results['interop'] {
  if (targets.length < 2) return undefined;
  const names = targets.map((t) => t.name);
  const cells = new Map<string, InteropCell>();
  for (const c of checks) {
    if (!c.interop) continue;
    for (const n of [c.interop.a, c.interop.b]) if (!names.includes(n)) names.push(n);
    const key = `${c.interop.a}\n${c.interop.b}`;
    const cell = cells.get(key) ?? { a: c.interop.a, b: c.interop.b, passed: 0, failed: 0, notApplicable: 0 };
    if (c.status === 'passed') cell.passed++;
    else if (c.status === 'failed') cell.failed++;
    else cell.notApplicable++;
    cells.set(key, cell);
  }
  return { targets: names, cells: [...cells.values()] };
}
