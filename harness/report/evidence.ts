// The evidence a conformance run leaves for its report, and how it is read back.
//
// Under the artifacts folder (ARTIFACTS_DIR, default artifacts/):
//   <ring>/trace.json          every message of a ring's trace (written by useRing's afterAll)
//   <ring>/ring.json           the ring's nodes, their expected and observed neighbours, fingers
//   evidence/<test file>.json  per test file: each test's wall-clock window and the windows of
//                              its beforeAll hooks (test/support/conformance-evidence.ts)
// Readers validate every field they use; an error names the file and the field at fault.

import type { RingNode } from '../cluster/cluster';
import type { Trace, TraceEntry } from '../net/trace';
import { formatTime } from '../net/trace';
import type { RingOracle } from '../overlay/oracle';

export const TRACE_FORMAT = 'sosimple-trace';
export const RING_FORMAT = 'sosimple-ring';
export const WINDOWS_FORMAT = 'sosimple-test-windows';
/** The folder under the artifacts folder that holds the per-test-file window files. */
export const WINDOWS_FOLDER = 'evidence';

export interface EndpointJson {
  host: string;
  port: number;
}

export interface TraceEntryJson {
  seq: number;
  /** ISO-8601 with nanoseconds. */
  time: string;
  /** Milliseconds since the epoch, with a fraction. */
  timeMs: number;
  /** The virtual node (harness role) that sent or received it. */
  node: string;
  direction: 'in' | 'out';
  transport: 'udp' | 'tcp';
  local: EndpointJson;
  remote: EndpointJson;
  retransmission?: boolean;
  /** How `raw` decodes the bytes: UTF-8 when valid, else one character per byte. */
  encoding: 'utf8' | 'latin1';
  raw: string;
}

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  version: 1;
  /** The artifact folder's name (e.g. `suite-join`). */
  artifact: string;
  /** The Jest test file that made the ring (absolute path), when known. */
  testPath?: string;
  /** When the file was written, ms since the epoch. */
  savedAt: number;
  entries: TraceEntryJson[];
}

export interface RingNodeJson {
  name: string;
  nodeId: string;
  host: string;
  port: number;
  /** Still running when the ring was saved (not stopped or killed by a test). */
  live: boolean;
  /** The oracle's view over the live nodes. */
  expected: { predecessor?: string; successors: string[]; fingers: FingerJson[] };
  /** What the node said when queried for its own ID at the end (SOS-LOOKUP-5), or why not. */
  observed?: { status: number; predecessor?: string; successors: string[] } | { error: string };
}

/** A run of finger indexes with the same node: F i for i from `from` up to the next entry's `from` − 1. */
export interface FingerJson {
  from: number;
  nodeId: string;
}

export interface RingFile {
  format: typeof RING_FORMAT;
  version: 1;
  artifact: string;
  testPath?: string;
  savedAt: number;
  driver?: string;
  target?: string;
  nodes: RingNodeJson[];
}

export interface TestWindow {
  fullName: string;
  start: number;
  end: number;
}

export interface SetUpWindow {
  /** The describe titles enclosing the beforeAll hook (empty: the file's top level). */
  describe: string[];
  start: number;
  end: number;
}

export interface WindowsFile {
  format: typeof WINDOWS_FORMAT;
  version: 1;
  testPath: string;
  started: number;
  finished: number;
  tests: TestWindow[];
  setUp: SetUpWindow[];
}

// ---------------------------------------------------------------- writing

function decode(bytes: Uint8Array): { encoding: 'utf8' | 'latin1'; raw: string } {
  try {
    return { encoding: 'utf8', raw: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { encoding: 'latin1', raw: Buffer.from(bytes).toString('latin1') };
  }
}

export function traceEntryJson(e: TraceEntry): TraceEntryJson {
  const out: TraceEntryJson = {
    seq: e.seq,
    time: formatTime(e.timeNs),
    timeMs: Number(e.timeNs / 1000n) / 1000,
    node: e.node,
    direction: e.direction,
    transport: e.transport,
    local: { host: e.local.host, port: e.local.port },
    remote: { host: e.remote.host, port: e.remote.port },
    ...decode(e.bytes),
  };
  if (e.retransmission) out.retransmission = true;
  return out;
}

export function traceFile(artifact: string, trace: Trace, savedAt: number, testPath?: string): TraceFile {
  return { format: TRACE_FORMAT, version: 1, artifact, ...(testPath ? { testPath } : {}), savedAt, entries: trace.entries.map(traceEntryJson) };
}

/** The distinct fingers of a node: 160 entries folded into runs of the same node. */
export function fingerRuns(fingers: readonly string[]): FingerJson[] {
  const out: FingerJson[] = [];
  fingers.forEach((nodeId, i) => {
    if (out[out.length - 1]?.nodeId !== nodeId) out.push({ from: i, nodeId });
  });
  return out;
}

export interface RingSnapshotInput {
  artifact: string;
  nodes: readonly RingNode[];
  live: readonly RingNode[];
  /** The oracle over the live nodes (absent when none is live). */
  oracle?: RingOracle;
  observed?: ReadonlyMap<string, RingNodeJson['observed']>;
  savedAt: number;
  testPath?: string;
  driver?: string;
  target?: string;
}

export function ringFile(input: RingSnapshotInput): RingFile {
  const liveIds = new Set(input.live.map((n) => n.nodeId));
  const nodes = input.nodes.map((n): RingNodeJson => {
    const oracle = liveIds.has(n.nodeId) ? input.oracle : undefined;
    const live = oracle !== undefined;
    const expected: RingNodeJson['expected'] = oracle
      ? { successors: oracle.successors(n.nodeId), fingers: fingerRuns(oracle.fingers(n.nodeId)) }
      : { successors: [], fingers: [] };
    const p = oracle?.predecessor(n.nodeId);
    if (p) expected.predecessor = p;
    const out: RingNodeJson = { name: n.name, nodeId: n.nodeId, host: n.host, port: n.port, live, expected };
    const seen = input.observed?.get(n.nodeId);
    if (seen) out.observed = seen;
    return out;
  });
  return {
    format: RING_FORMAT,
    version: 1,
    artifact: input.artifact,
    ...(input.testPath ? { testPath: input.testPath } : {}),
    savedAt: input.savedAt,
    ...(input.driver ? { driver: input.driver } : {}),
    ...(input.target ? { target: input.target } : {}),
    nodes,
  };
}

// ---------------------------------------------------------------- reading

/** A field of an evidence or results file is missing or of the wrong kind. */
export class EvidenceError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    what: string,
  ) {
    super(`${file}: field "${field}" ${what}`);
    this.name = 'EvidenceError';
  }
}

type Json = Record<string, unknown>;

/** Typed field access that names the file and the field path on any mismatch. */
export class Fields {
  constructor(
    readonly file: string,
    private readonly value: Json,
    private readonly path = '',
  ) {}

  static root(file: string, value: unknown): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EvidenceError(file, '(top level)', 'must be a JSON object');
    return new Fields(file, value as Json);
  }

  private name(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private fail(key: string, what: string): never {
    throw new EvidenceError(this.file, this.name(key), what);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  raw(key: string): unknown {
    return this.value[key];
  }

  string(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string') this.fail(key, v === undefined ? 'is missing' : 'must be a string');
    return v;
  }

  optString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  number(key: string): number {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, v === undefined ? 'is missing' : 'must be a number');
    return v;
  }

  optNumber(key: string): number | undefined {
    return this.has(key) ? this.number(key) : undefined;
  }

  boolean(key: string): boolean {
    const v = this.value[key];
    if (typeof v !== 'boolean') this.fail(key, v === undefined ? 'is missing' : 'must be true or false');
    return v;
  }

  literal<T extends string | number>(key: string, ...allowed: T[]): T {
    const v = this.value[key];
    if (!allowed.includes(v as T)) this.fail(key, `must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, found ${JSON.stringify(v) ?? 'nothing'}`);
    return v as T;
  }

  object(key: string): Fields {
    const v = this.value[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, v === undefined ? 'is missing' : 'must be an object');
    return new Fields(this.file, v as Json, this.name(key));
  }

  array(key: string): unknown[] {
    const v = this.value[key];
    if (!Array.isArray(v)) this.fail(key, v === undefined ? 'is missing' : 'must be an array');
    return v;
  }

  objects(key: string): Fields[] {
    return this.array(key).map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new EvidenceError(this.file, `${this.name(key)}[${i}]`, 'must be an object');
      return new Fields(this.file, item as Json, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    return this.array(key).map((item, i) => {
      if (typeof item !== 'string') throw new EvidenceError(this.file, `${this.name(key)}[${i}]`, 'must be a string');
      return item;
    });
  }
}

function endpoint(f: Fields): EndpointJson {
  return { host: f.string('host'), port: f.number('port') };
}

export function readTraceFile(file: string, json: unknown): TraceFile {
  const f = Fields.root(file, json);
  f.literal('format', TRACE_FORMAT);
  f.literal('version', 1);
  const entries = f.objects('entries').map((e): TraceEntryJson => {
    const out: TraceEntryJson = {
      seq: e.number('seq'),
      time: e.string('time'),
      timeMs: e.number('timeMs'),
      node: e.string('node'),
      direction: e.literal('direction', 'in', 'out'),
      transport: e.literal('transport', 'udp', 'tcp'),
      local: endpoint(e.object('local')),
      remote: endpoint(e.object('remote')),
      encoding: e.literal('encoding', 'utf8', 'latin1'),
      raw: e.string('raw'),
    };
    if (e.has('retransmission') && e.boolean('retransmission')) out.retransmission = true;
    return out;
  });
  const testPath = f.optString('testPath');
  return { format: TRACE_FORMAT, version: 1, artifact: f.string('artifact'), ...(testPath ? { testPath } : {}), savedAt: f.number('savedAt'), entries };
}

function optId(f: Fields, key: string): { [k: string]: string } {
  const v = f.optString(key);
  return v ? { [key]: v } : {};
}

export function readRingFile(file: string, json: unknown): RingFile {
  const f = Fields.root(file, json);
  f.literal('format', RING_FORMAT);
  f.literal('version', 1);
  const nodes = f.objects('nodes').map((n): RingNodeJson => {
    const ex = n.object('expected');
    const expected: RingNodeJson['expected'] = {
      ...optId(ex, 'predecessor'),
      successors: ex.strings('successors'),
      fingers: ex.objects('fingers').map((g) => ({ from: g.number('from'), nodeId: g.string('nodeId') })),
    };
    const out: RingNodeJson = { name: n.string('name'), nodeId: n.string('nodeId'), host: n.string('host'), port: n.number('port'), live: n.boolean('live'), expected };
    if (n.has('observed')) {
      const o = n.object('observed');
      out.observed = o.has('error') ? { error: o.string('error') } : { status: o.number('status'), ...optId(o, 'predecessor'), successors: o.strings('successors') };
    }
    return out;
  });
  return {
    format: RING_FORMAT,
    version: 1,
    artifact: f.string('artifact'),
    ...optId(f, 'testPath'),
    savedAt: f.number('savedAt'),
    ...optId(f, 'driver'),
    ...optId(f, 'target'),
    nodes,
  };
}

export function readWindowsFile(file: string, json: unknown): WindowsFile {
  const f = Fields.root(file, json);
  f.literal('format', WINDOWS_FORMAT);
  f.literal('version', 1);
  return {
    format: WINDOWS_FORMAT,
    version: 1,
    testPath: f.string('testPath'),
    started: f.number('started'),
    finished: f.number('finished'),
    tests: f.objects('tests').map((t) => ({ fullName: t.string('fullName'), start: t.number('start'), end: t.number('end') })),
    setUp: f.objects('setUp').map((s) => ({ describe: s.strings('describe'), start: s.number('start'), end: s.number('end') })),
  };
}
