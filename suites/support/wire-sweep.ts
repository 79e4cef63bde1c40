// The wire sweep: every message a node under test sent to the harness during a suite (its
// answers, and the requests it sent to harness-played nodes) goes through the conformance
// checker, each with the role the exchange gives it (harness/sip/check-roles.ts). One test
// per requirement the checker reports, so a broken rule shows under its own ID.
//
//   sweepWire(ring);   // the last call inside the describe that called useRing
//
// A MUST rule fails on its errors; a SHOULD rule also on its warnings. Warnings of MUST rules
// (their SHOULD parts) are listed in reports, never failed here.

import { requirement } from '../../harness/catalogue/catalogue';
import { CHECKED_REQUIREMENTS, checkMessage } from '../../harness/sip/check';
import { judgeReceived, type Judgement } from '../../harness/sip/check-roles';
import type { Trace, TraceEntry } from '../../harness/net/trace';
import type { Finding } from '../../harness/sip/types';
import type { SuiteRing } from './ring';

/** At most this many lines per failing rule; the rest are counted. */
const SHOWN = 40;

export interface SweepOptions {
  /** Traces of virtual nodes that did not record into the ring's trace. */
  traces?: () => Trace[];
}

interface Swept {
  judgement: Judgement<TraceEntry>;
  node: string;
  findings: Finding[];
}

function sweep(ring: SuiteRing, options: SweepOptions): Swept[] {
  const harness = ring.cluster.harnessAddress;
  const traces = [ring.trace, ...(options.traces?.() ?? [])];
  const names = new Map(ring.nodes.map((n) => [`${n.host}:${n.port}`, n.name]));
  const nodes = ring.nodes.map((n) => ({ host: n.host, port: n.port }));
  return traces.flatMap((t) =>
    judgeReceived(t.entries, (a) => a.host === harness, nodes).map((judgement) => {
      const e = judgement.entry;
      const where = `${e.remote.host}:${e.remote.port}`;
      const node = names.has(where) ? `${names.get(where)} (${where})` : where;
      const findings: Finding[] = e.parsed.ok
        ? judgement.context
          ? checkMessage(e.parsed.message, judgement.context)
          : []
        : [{ requirement: 'SOS-WIRE-1', severity: 'error', at: e.parsed.error.at, expected: 'a message that parses (RFC 3261 §7)', found: e.parsed.error.code, message: e.parsed.error.message }];
      return { judgement, node, findings };
    }),
  );
}

function startLine(e: TraceEntry): string {
  return e.parsed.ok ? e.parsed.message.startLine.raw : Buffer.from(e.bytes.subarray(0, 60)).toString('latin1').split(/\r?\n/)[0]!;
}

/** `node → "start line" (reading) line:col: expected … / actual … — message`, one per finding. */
export function sweepFailures(swept: readonly Swept[], id: string): string[] {
  const should = requirement(id).level !== 'MUST';
  const lines = new Set<string>();
  for (const s of swept) {
    for (const f of s.findings) {
      if (f.requirement !== id || (f.severity !== 'error' && !should)) continue;
      lines.add(`${s.node} → "${startLine(s.judgement.entry)}" (${s.judgement.reading}) ${f.at.line}:${f.at.column}: expected ${f.expected} / actual ${f.found} — ${f.message}`);
    }
  }
  const all = [...lines];
  return all.length > SHOWN ? [...all.slice(0, SHOWN), `… and ${all.length - SHOWN} more`] : all;
}

/** Adds the sweep's tests to the enclosing describe; call it last, after the suite's own tests. */
export function sweepWire(ring: () => SuiteRing, options: SweepOptions = {}): void {
  let swept: Swept[] | undefined;
  const all = (): Swept[] => (swept ??= sweep(ring(), options));
  it.each(CHECKED_REQUIREMENTS.map((r) => [r.id, r.checks] as const))('%s every message the nodes sent in this suite %s', (id) => {
    expect(all().length).toBeGreaterThan(0);
    expect(sweepFailures(all(), id)).toEqual([]);
  });
}
