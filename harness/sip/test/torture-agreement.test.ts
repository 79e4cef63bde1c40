// The codec agrees with every torture fixture's stated verdict: the structural parse result,
// the set of error-level findings and, where a fixture states them, the warnings.
import { join } from 'node:path';
import { loadTortureFixtures, type TortureFixture } from '../torture';
import { parseMessage } from '../parse';
import { StreamFramer } from '../stream';
import { checkMessage } from '../check';
import type { ParseResult } from '../types';

const fixtures = loadTortureFixtures(join(__dirname, '..', '..', '..', 'fixtures', 'torture'));

function parseAs(f: TortureFixture): ParseResult {
  if (f.transport === 'udp') return parseMessage(f.bytes);
  const framer = new StreamFramer();
  const results = framer.push(f.bytes);
  const tail = framer.end();
  if (tail) results.push(tail);
  if (results.length !== 1) throw new Error(`${f.path}: a TCP fixture holds one message, the framer cut ${results.length}`);
  return results[0]!;
}

const ids = (list: { requirement: string }[]): string[] => [...new Set(list.map((x) => x.requirement))].sort();

describe('torture fixtures', () => {
  it('are at least 60, covering valid, invalid and SOSIMPLE messages', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    expect(new Set(fixtures.map((f) => f.verdict))).toEqual(new Set(['valid', 'invalid']));
  });

  it.each(fixtures.map((f) => [f.path.replace(/^.*fixtures\//, 'fixtures/'), f] as const))('%s: the codec agrees with its verdict', (_p, f) => {
    const r = parseAs(f);
    const found = r.ok ? 'ok' : `${r.error.code} (${r.error.message} at ${r.error.at.line}:${r.error.at.column})`;
    expect(r.ok ? 'ok' : r.error.code).toBe(f.parse);
    if (!r.ok) {
      expect(found).toMatch(f.parse);
      return;
    }
    const findings = checkMessage(r.message, f.role ? { role: f.role, transport: f.transport } : { transport: f.transport });
    const detail = findings.map((x) => `${x.severity} ${x.requirement} ${x.at.line}:${x.at.column} ${x.message}; expected ${x.expected}, found ${x.found}`).join('\n');
    expect({ errors: ids(findings.filter((x) => x.severity === 'error')), detail }).toEqual({ errors: [...f.findings].sort(), detail: expect.any(String) });
    if (f.warnings) expect({ warnings: ids(findings.filter((x) => x.severity === 'warning')), detail }).toEqual({ warnings: [...f.warnings].sort(), detail: expect.any(String) });
    expect(f.verdict).toBe(f.findings.length === 0 ? 'valid' : 'invalid');
  });
});
