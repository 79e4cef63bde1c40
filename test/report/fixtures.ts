// A small conformance run as plain data for the report's tests: Jest's JSON for two suite
// files (one ran, one could not start), the windows the evidence set-up file records, and a
// ring of three nodes with a trace whose messages are shaped like the reference node's.
// One answer is broken on purpose (an upper-case ID in DHT-NodeID) so findings show.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeIdOf } from '../../harness/overlay/id';
import { RingOracle } from '../../harness/overlay/oracle';
import { RING_FORMAT, TRACE_FORMAT, WINDOWS_FORMAT, WINDOWS_FOLDER, fingerRuns, type RingFile, type TraceEntryJson, type TraceFile, type WindowsFile } from '../../harness/report/evidence';
import type { JestResults } from '../../harness/report/jest-results';

export const T0 = 1_790_000_000_000;
export const ROOT = '/project';
export const ALPHA = `${ROOT}/suites/alpha.test.ts`;
export const BETA = `${ROOT}/suites/beta.test.ts`;

export const NODES = [1, 2, 3].map((i) => ({ name: `ref-${i}`, host: `10.0.0.${i + 1}`, port: 5060, nodeId: nodeIdOf(`10.0.0.${i + 1}`, 5060) }));
const HARNESS = { host: '10.0.0.1', port: 40000 };
const HARNESS_ID = nodeIdOf(HARNESS.host, HARNESS.port);

function nodeUri(id: string, host: string, port?: number): string {
  return `sip:${id}@${host}${port ? `:${port}` : ''};user=node;alg=rsa-sha1;overlay=chat`;
}

/** A node query from the harness to `to` for `key` (SOS-LOOKUP-5). */
export function nodeQueryText(to: (typeof NODES)[number], key: string, callId: string): string {
  return [
    `REGISTER sip:${to.host} SIP/2.0`,
    `Via: SIP/2.0/UDP ${HARNESS.host}:${HARNESS.port};branch=z9hG4bK${callId};rport`,
    'Max-Forwards: 70',
    `To: <${nodeUri(key, HARNESS.host, HARNESS.port)}>`,
    `From: <${nodeUri(HARNESS_ID, HARNESS.host, HARNESS.port)}>;tag=h1`,
    `Call-ID: ${callId}@10.0.0.1`,
    'CSeq: 1 REGISTER',
    'Require: dht',
    'Supported: dht',
    `DHT-NodeID: rsa-sha1 ${HARNESS_ID} ${HARNESS.host}:${HARNESS.port}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The answer of `from`: 200 with its neighbours, or 302 toward `next`. */
export function answerText(from: (typeof NODES)[number], key: string, callId: string, options: { status: 200 | 302; next?: (typeof NODES)[number]; upperCaseId?: boolean }): string {
  const oracle = new RingOracle(NODES.map((n) => n.nodeId));
  const byId = (id: string) => NODES.find((n) => n.nodeId === id)!;
  const p1 = byId(oracle.predecessor(from.nodeId)!);
  const s1 = byId(oracle.successor(from.nodeId));
  const ownId = options.upperCaseId ? from.nodeId.toUpperCase() : from.nodeId;
  return [
    options.status === 200 ? 'SIP/2.0 200 OK' : 'SIP/2.0 302 Moved Temporarily',
    `Via: SIP/2.0/UDP ${HARNESS.host}:${HARNESS.port};branch=z9hG4bK${callId};rport=${HARNESS.port};received=${HARNESS.host}`,
    `To: <${nodeUri(key, HARNESS.host, HARNESS.port)}>;tag=n1`,
    `From: <${nodeUri(HARNESS_ID, HARNESS.host, HARNESS.port)}>;tag=h1`,
    `Call-ID: ${callId}@10.0.0.1`,
    'CSeq: 1 REGISTER',
    ...(options.next ? [`Contact: <${nodeUri(options.next.nodeId, options.next.host)}>`] : []),
    'Require: dht',
    'Supported: dht',
    `DHT-NodeID: rsa-sha1 ${ownId} ${from.host}`,
    `DHT-Link: P 1 rsa-sha1 ${p1.nodeId} ${p1.host}`,
    `DHT-Link: S 1 rsa-sha1 ${s1.nodeId} ${s1.host}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The line of the DHT-NodeID header in answerText (1-based), for findings. */
export const DHT_NODEID_LINE = 9;

function entry(seq: number, timeMs: number, direction: 'in' | 'out', node: (typeof NODES)[number], raw: string): TraceEntryJson {
  return {
    seq,
    time: new Date(timeMs).toISOString().replace('Z', '000000Z'),
    timeMs,
    node: 'harness',
    direction,
    transport: 'udp',
    local: HARNESS,
    remote: { host: node.host, port: node.port },
    encoding: 'utf8',
    raw,
  };
}

export function alphaTrace(): TraceFile {
  const [n1, n2, n3] = NODES as [(typeof NODES)[number], (typeof NODES)[number], (typeof NODES)[number]];
  const key = n3.nodeId;
  return {
    format: TRACE_FORMAT,
    version: 1,
    artifact: 'suite-alpha',
    testPath: ALPHA,
    savedAt: T0 + 9000,
    entries: [
      // Set-up (beforeAll at T0+1000..2000): a query answered by a redirect.
      entry(1, T0 + 1100.25, 'out', n1, nodeQueryText(n1, key, 'c1')),
      entry(2, T0 + 1101.5, 'in', n1, answerText(n1, key, 'c1', { status: 302, next: n3 })),
      // Test 1 (T0+3000..3100): a query answered with a broken DHT-NodeID.
      entry(3, T0 + 3010, 'out', n2, nodeQueryText(n2, n2.nodeId, 'c2')),
      entry(4, T0 + 3011, 'in', n2, answerText(n2, n2.nodeId, 'c2', { status: 200, upperCaseId: true })),
      // After every test: the ring snapshot's query.
      entry(5, T0 + 8000, 'out', n3, nodeQueryText(n3, n3.nodeId, 'c3')),
      entry(6, T0 + 8001, 'in', n3, answerText(n3, n3.nodeId, 'c3', { status: 200 })),
    ],
  };
}

export function alphaRing(): RingFile {
  const oracle = new RingOracle(NODES.map((n) => n.nodeId));
  return {
    format: RING_FORMAT,
    version: 1,
    artifact: 'suite-alpha',
    testPath: ALPHA,
    savedAt: T0 + 9000,
    driver: 'process',
    target: 'ref',
    nodes: NODES.map((n, i) => ({
      ...n,
      live: true,
      expected: { predecessor: oracle.predecessor(n.nodeId)!, successors: oracle.successors(n.nodeId), fingers: fingerRuns(oracle.fingers(n.nodeId)) },
      // Node ref-3 reports a wrong successor (itself), so the figure has a mismatch to draw.
      observed: i === 2 ? { status: 200, predecessor: oracle.predecessor(n.nodeId)!, successors: [n.nodeId] } : { status: 200, predecessor: oracle.predecessor(n.nodeId)!, successors: oracle.successors(n.nodeId) },
    })),
  };
}

const D = 'alpha ring';

export function alphaWindows(): WindowsFile {
  return {
    format: WINDOWS_FORMAT,
    version: 1,
    testPath: ALPHA,
    started: T0 + 500,
    finished: T0 + 9500,
    setUp: [{ describe: [D], start: T0 + 1000, end: T0 + 2000 }],
    tests: [
      { fullName: `${D} SOS-WIRE-5 every answer carries one DHT-NodeID`, start: T0 + 3000, end: T0 + 3100 },
      { fullName: `${D} SOS-JOIN-1 a node that is not responsible answers 302`, start: T0 + 3200, end: T0 + 3300 },
      { fullName: `${D} SOS-JOIN-4 each redirect is the covering finger (SHOULD)`, start: T0 + 3400, end: T0 + 3500 },
      { fullName: `${D} checks something without an ID`, start: T0 + 3600, end: T0 + 3610 },
      { fullName: `${D} SOS-NOPE-1 names a requirement the catalogue lacks`, start: T0 + 3700, end: T0 + 3710 },
      { fullName: `${D} SOS-JOIN-1 a node joins through another (ref × other)`, start: T0 + 3800, end: T0 + 3810 },
      { fullName: `${D} SOS-JOIN-2 redirects get closer (other × ref)`, start: T0 + 3900, end: T0 + 3910 },
    ],
  };
}

/** A window file of an earlier run in the same artifacts folder: it must be ignored. */
export function staleWindows(): WindowsFile {
  return { ...alphaWindows(), started: T0 - 3_600_000, finished: T0 - 3_590_000, tests: alphaWindows().tests.map((t) => ({ ...t, start: t.start - 3_600_000, end: t.end - 3_600_000 })) };
}

const FAILURE = '\u001b[2mexpect(\u001b[22m\u001b[31mreceived\u001b[39m\u001b[2m).toEqual(\u001b[22m\u001b[32mexpected\u001b[39m\u001b[2m)\u001b[22m\n\nexpected 302 / actual 200 <at line 1> & "quotes" ]]> \u0007bell';

function assertion(title: string, status: string, startAt: number, duration: number | null, failureMessages: string[] = []) {
  return { ancestorTitles: [D], title, fullName: `${D} ${title}`, status, duration, startAt, failureMessages, failureDetails: [], numPassingAsserts: 0, invocations: 1, location: null, retryReasons: [] };
}

export function jestResults(): JestResults & Record<string, unknown> {
  return {
    numFailedTests: 3,
    numPassedTests: 5,
    numPendingTests: 1,
    numRuntimeErrorTestSuites: 1,
    startTime: T0,
    success: false,
    testResults: [
      {
        name: ALPHA,
        startTime: T0 + 100,
        endTime: T0 + 9600,
        message: '',
        status: 'failed',
        assertionResults: [
          assertion('SOS-WIRE-5 every answer carries one DHT-NodeID', 'passed', T0 + 3001, 99),
          assertion('SOS-JOIN-1 a node that is not responsible answers 302', 'failed', T0 + 3201, 99, [FAILURE]),
          assertion('SOS-JOIN-4 each redirect is the covering finger (SHOULD)', 'failed', T0 + 3401, 99, ['Error: expected finger 1 / actual finger 2']),
          assertion('SOS-PRES-1 a SUBSCRIBE is answered [not applicable: target ref does not claim presence]', 'pending', T0 + 3550, null),
          assertion('checks something without an ID', 'passed', T0 + 3601, 9),
          assertion('SOS-NOPE-1 names a requirement the catalogue lacks', 'passed', T0 + 3701, 9),
          assertion('SOS-JOIN-1 a node joins through another (ref × other)', 'passed', T0 + 3801, 9),
          assertion('SOS-JOIN-2 redirects get closer (other × ref)', 'failed', T0 + 3901, 9, ['Error: no']),
          assertion('SOS-ERR-1 filtered out by -t', 'pending', T0 + 3950, null),
        ],
      },
      {
        name: BETA,
        startTime: T0 + 200,
        endTime: T0 + 700,
        message: '\u001b[1m\u001b[31m  ● \u001b[22m\u001b[39mTest suite failed to run\n\n    the ring did not start: node ref-1 never answered',
        status: 'failed',
        assertionResults: [],
      },
    ],
  } as unknown as JestResults & Record<string, unknown>;
}

/** Writes the run to disk as a real one leaves it: Jest's JSON and the artifacts folder. */
export function writeFixtureRun(dir: string): { jest: string; artifacts: string } {
  const artifacts = join(dir, 'artifacts');
  const alpha = join(artifacts, 'suite-alpha');
  mkdirSync(join(artifacts, WINDOWS_FOLDER), { recursive: true });
  mkdirSync(alpha, { recursive: true });
  writeFileSync(join(artifacts, WINDOWS_FOLDER, 'suites-alpha.test.ts.json'), JSON.stringify(alphaWindows()));
  writeFileSync(join(artifacts, WINDOWS_FOLDER, 'suites-old.test.ts.json'), JSON.stringify(staleWindows()));
  writeFileSync(join(alpha, 'trace.json'), JSON.stringify(alphaTrace()));
  writeFileSync(join(alpha, 'ring.json'), JSON.stringify(alphaRing()));
  writeFileSync(join(alpha, 'trace.pcap'), '');
  writeFileSync(join(alpha, 'trace.txt'), '');
  for (const n of NODES) writeFileSync(join(alpha, `${n.name}.log`), `${n.name} started\n`);
  // Another tool's ring.json (a shared ring's state file) is not evidence and is passed over.
  mkdirSync(join(artifacts, 'shared-ring'), { recursive: true });
  writeFileSync(join(artifacts, 'shared-ring', 'ring.json'), JSON.stringify({ driver: 'process', nodes: [] }));
  // A broken trace of this run: reported as a warning naming the file and field.
  mkdirSync(join(artifacts, 'suite-broken'), { recursive: true });
  writeFileSync(join(artifacts, 'suite-broken', 'trace.json'), JSON.stringify({ ...alphaTrace(), artifact: 'suite-broken', entries: [{ seq: 'one' }] }));
  const jest = join(dir, 'jest-results.json');
  writeFileSync(jest, JSON.stringify(jestResults()));
  return { jest, artifacts };
}
