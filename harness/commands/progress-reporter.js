// The Jest reporter of `sosimple-conformance run`: instead of Jest's default output, one line
// on stderr per suite file started and finished and one per check (✓ passed, ✗ failed with
// the gist of why, - not applicable), with counts. Plain JavaScript on purpose: Jest loads
// reporters with require(), which does not read TypeScript.
//
// SOSIMPLE_PROGRESS=quiet makes it print nothing (the CLI's --quiet); the summary line is the
// CLI's own.
'use strict';

const path = require('node:path');

const REQUIREMENT_RE = /^(SOS-[A-Z]+-\d+)\b/;
const NOT_APPLICABLE_RE = /\s*\[not applicable: ([^\]]*)\]\s*$/;
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;

/** The first meaningful lines of a failure, on one line (stack frames and code frames left out). */
function gist(message, lines = 3) {
  const kept = String(message)
    .replace(ANSI_RE, '')
    // The marker suites/support/ring.ts puts on a ring start failure is for the CLI, not a person.
    .replace(/\[sosimple:\w+\] /g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !/^\d+ \|/.test(l) && !/^>?\s*\d+ \|/.test(l));
  const text = kept.slice(0, lines).join(' / ').replace(/\s+/g, ' ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function seconds(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** One line for one check. */
function checkLine(result) {
  const status = result.status;
  if (status === 'passed') return `  ✓ ${result.title}${typeof result.duration === 'number' ? ` (${seconds(result.duration)})` : ''}`;
  if (status === 'failed') return `  ✗ ${result.title}`;
  const na = NOT_APPLICABLE_RE.exec(result.title);
  const title = result.title.replace(NOT_APPLICABLE_RE, '');
  return `  - ${title} — not applicable${na ? ` (${na[1]})` : ''}`;
}

class ProgressReporter {
  constructor(globalConfig) {
    this.root = (globalConfig && globalConfig.rootDir) || process.cwd();
    this.quiet = process.env.SOSIMPLE_PROGRESS === 'quiet';
    this.out = (line) => {
      if (!this.quiet) process.stderr.write(`${line}\n`);
    };
    /** Per file: how many of its checks were printed, and the last failure reason shown. */
    this.files = new Map();
    this.totals = { passed: 0, failed: 0, notApplicable: 0 };
    this.error = undefined;
  }

  rel(file) {
    return path.relative(this.root, file);
  }

  file(file) {
    let f = this.files.get(file);
    if (!f) {
      f = { printed: new Set(), lastReason: undefined };
      this.files.set(file, f);
    }
    return f;
  }

  print(file, result) {
    const f = this.file(file);
    const key = `${(result.ancestorTitles || []).join(' > ')} > ${result.title}`;
    if (f.printed.has(key)) return;
    f.printed.add(key);
    this.out(checkLine(result));
    if (result.status === 'failed' && result.failureMessages && result.failureMessages.length) {
      // A ring that did not start fails every check of its describe with the same reason: say it once.
      const reason = gist(result.failureMessages[0]);
      if (reason !== f.lastReason) this.out(`      ${reason}`);
      f.lastReason = reason;
    }
  }

  onRunStart(results) {
    this.out(`running ${results.numTotalTestSuites} suite file(s)`);
  }

  onTestFileStart(test) {
    this.file(test.path);
    this.out(`▸ ${this.rel(test.path)}`);
  }

  onTestCaseResult(test, result) {
    this.print(test.path, result);
  }

  onTestFileResult(test, result) {
    for (const a of result.testResults) this.print(test.path, a);
    const passed = result.numPassingTests;
    const failed = result.numFailingTests;
    const notApplicable = result.numPendingTests + (result.numTodoTests || 0);
    this.totals.passed += passed;
    this.totals.failed += failed;
    this.totals.notApplicable += notApplicable;
    const took = result.perfStats && result.perfStats.end && result.perfStats.start ? `, ${seconds(result.perfStats.end - result.perfStats.start)}` : '';
    if (result.testExecError && result.testResults.length === 0) {
      this.out(`  ✗ ${this.rel(test.path)} could not run: ${gist(result.testExecError.message || String(result.testExecError), 2)}`);
    }
    const { passed: p, failed: f, notApplicable: n } = this.totals;
    this.out(`■ ${this.rel(test.path)}: ${passed} passed, ${failed} failed, ${notApplicable} not applicable${took} (so far: ${p} passed, ${f} failed, ${n} not applicable)`);
  }

  onRunComplete() {}

  getLastError() {
    return this.error;
  }
}

module.exports = ProgressReporter;
module.exports.checkLine = checkLine;
module.exports.gist = gist;
