import { Trace } from '../../harness/net/trace';
import { RingOracle } from '../../harness/overlay/oracle';
import { EvidenceError, fingerRuns, readRingFile, readTraceFile, readWindowsFile, ringFile, traceFile } from '../../harness/report/evidence';
import { entryBytes, judgeTrace } from '../../harness/report/findings';
import { NODES, alphaTrace, alphaWindows, nodeQueryText } from './fixtures';

describe('evidence files', () => {
  it('trace.json keeps every entry with its exact bytes, time and endpoints', () => {
    let ns = 1_790_000_000_000_000_123n;
    const trace = new Trace({ now: () => (ns += 1_500_000n) });
    const n = NODES[0]!;
    const utf8 = Buffer.from(nodeQueryText(n, n.nodeId, 'u1'));
    const latin1 = Buffer.from([...Buffer.from('SIP/2.0 200 OK\r\nX: '), 0xff, 0xfe, ...Buffer.from('\r\n\r\n')]);
    trace.record({ node: 'harness', direction: 'out', transport: 'udp', local: { host: '10.0.0.1', port: 40000 }, remote: n, bytes: utf8 });
    trace.record({ node: 'harness', direction: 'in', transport: 'tcp', local: { host: '10.0.0.1', port: 40000 }, remote: n, bytes: latin1, retransmission: true });
    const file = traceFile('suite-x', trace, 42, '/p/suites/x.test.ts');
    const back = readTraceFile('trace.json', JSON.parse(JSON.stringify(file)));
    expect(back.entries.map((e) => [e.seq, e.encoding, e.transport, e.retransmission ?? false])).toEqual([
      [1, 'utf8', 'udp', false],
      [2, 'latin1', 'tcp', true],
    ]);
    expect(back.entries[0]!.time).toBe(`${new Date(1_790_000_000_001).toISOString().slice(0, 19)}.001500123Z`);
    expect(back.entries[0]!.timeMs).toBeCloseTo(Number((1_790_000_000_000_000_123n + 1_500_000n) / 1000n) / 1000, 3);
    expect(entryBytes(back.entries[0]!).equals(utf8)).toBe(true);
    expect(entryBytes(back.entries[1]!).equals(latin1)).toBe(true);
  });

  it('ring.json holds the oracle\'s neighbours over the live nodes and folds the 160 fingers', () => {
    const oracle = new RingOracle(NODES.slice(0, 2).map((n) => n.nodeId));
    const ring = ringFile({ artifact: 'suite-x', nodes: NODES.map((n) => ({ ...n, target: {} as never })), live: NODES.slice(0, 2).map((n) => ({ ...n, target: {} as never })), oracle, savedAt: 1 });
    const [a, b, gone] = ring.nodes;
    expect(a).toMatchObject({ live: true, expected: { predecessor: NODES[1]!.nodeId, successors: [NODES[1]!.nodeId] } });
    expect(b!.expected.fingers.length).toBeGreaterThan(0);
    expect(gone).toMatchObject({ live: false, expected: { successors: [], fingers: [] } });
    expect(fingerRuns(['a', 'a', 'b', 'b', 'a'])).toEqual([
      { from: 0, nodeId: 'a' },
      { from: 2, nodeId: 'b' },
      { from: 4, nodeId: 'a' },
    ]);
    expect(readRingFile('ring.json', JSON.parse(JSON.stringify(ring)))).toEqual(ring);
  });

  it('readers name the file and the field at fault', () => {
    const bad = { ...alphaTrace(), entries: [{ ...alphaTrace().entries[0], direction: 'sideways' }] };
    expect(() => readTraceFile('a/trace.json', bad)).toThrow(new EvidenceError('a/trace.json', 'entries[0].direction', 'must be "in" or "out", found "sideways"'));
    expect(() => readWindowsFile('w.json', { ...alphaWindows(), tests: [{ fullName: 'x', start: 'soon', end: 1 }] })).toThrow('w.json: field "tests[0].start" must be a number');
    expect(() => readRingFile('r.json', [])).toThrow('r.json: field "(top level)" must be a JSON object');
  });
});

describe('the checker over a trace', () => {
  it('reads each answer by the request the harness sent, as the wire sweep does', () => {
    const v = judgeTrace(alphaTrace().entries, NODES);
    expect(v.get(2)!.reading).toMatch(/node-query, redirect$/);
    expect(v.get(4)!.reading).toMatch(/node-query, query-ok$/);
    expect(v.get(4)!.findings).toContainEqual(expect.objectContaining({ requirement: 'SOS-ID-1', severity: 'error', line: 9, column: 22 }));
    expect(v.get(6)!.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('judges only what nodes sent, and turns a parse error into a finding at its place', () => {
    const entries = alphaTrace().entries.slice(0, 2);
    const broken = { ...entries[1]!, seq: 3, raw: 'SIP/2.0 200 OK\nVia: x\r\n\r\n' };
    const sentBroken = { ...entries[0]!, seq: 4, raw: 'garbage' };
    const v = judgeTrace([...entries, broken, sentBroken]);
    expect(v.get(1)!).toEqual({ startLine: entries[0]!.raw.split('\r\n')[0], findings: [] });
    expect(v.get(3)!.findings).toEqual([expect.objectContaining({ requirement: 'SOS-WIRE-1', severity: 'error', line: 1, found: 'bare-line-feed' })]);
    expect(v.get(4)!).toEqual({ startLine: 'garbage', findings: [] });
    // A retransmission is not judged again.
    const again = judgeTrace([...entries, { ...entries[1]!, seq: 3, retransmission: true }]);
    expect(again.get(3)!.reading).toBeUndefined();
  });
});
