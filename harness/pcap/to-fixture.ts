// pcap2fixture, the pure part: from a capture's SIP messages (extract.ts) to a replayable
// scenario fixture (fixtures/README.md, "pcap2fixture") and a note of where it came from.
//
// 1. Choose the exchange: the transactions of one Call-ID, those whose request falls in a
//    time window, or the first failing transaction (the one whose failing answer was seen
//    first). A transaction *fails* when its captured
//    final answer does not meet the catalogue (to-fixture-judge.ts): its status is not the
//    one the catalogue requires for that request, or the harness's checker (sip/check.ts),
//    run with the role the request implies, reports an error-level finding on it. Requests
//    without a captured final answer, and messages that do not parse, are not judged.
// 2. Decide who plays what: the node under test is the endpoint that answers (or --target);
//    the harness plays every endpoint that talks to it (or --harness). Messages between
//    other endpoints are left out, and the note says so.
// 3. Write the harness's messages as templates (to-fixture-template.ts) and the target's
//    answers as expectations of what the catalogue requires, never copies of what it sent.

import { nodeIdOf } from '../overlay/id';
import type { Role } from '../sip/check';
import { headerValue } from '../sip/headers';
import type { SipMessage } from '../sip/types';
import { parseNameAddr } from '../sip/uri';
import type { Address, ExtractedMessage, Extraction } from './extract';
import { hostPortText, isoTimeNs } from './list';
import { classWords, expectedAnswer, problemsOf, requestClass, type CapturedExchange, type ExpectedAnswer, type Problem } from './to-fixture-judge';
import { renderNote } from './to-fixture-note';
import { bodyIsText, newTemplateContext, toTemplate, type RoleEndpoint, type TemplateContext } from './to-fixture-template';

export interface ToFixtureOptions {
  /** The capture as named in the note and in errors (a path as the user gave it). */
  source: string;
  callId?: string;
  /** A time window as written: ISO 8601, seconds since the epoch, or +seconds from the first packet. */
  window?: { from: string; to: string };
  /** The first failing transaction (the default when no other choice is made). */
  firstFailing?: boolean;
  /** Endpoints the harness plays: `ip:port`, or `ip` for every port of that address. */
  harness?: string[];
  /** The endpoint the node under test plays. */
  target?: string;
  /** The requirement IDs the fixture checks; default: inferred from the findings. */
  requirements?: string[];
  anonymize?: boolean;
  /** Requirement IDs of the catalogue, to refuse an unknown one early. */
  knownRequirements?: ReadonlySet<string>;
}

export interface DerivedFixture {
  yaml: string;
  note: string;
  requirements: string[];
  /** 1-based frame numbers of the messages the scenario was made from. */
  frames: number[];
}

/** A capture that cannot give a fixture: the file and why (the CLI's exit 2). */
export class CaptureToFixtureError extends Error {
  override name = 'CaptureToFixtureError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

type Parsed = ExtractedMessage & { message: SipMessage };
const frame = (m: ExtractedMessage): number => m.packetIndex + 1;
const sameAddress = (a: Address, b: Address): boolean => a.ip === b.ip && a.port === b.port;
const addressText = (a: Address): string => hostPortText(a.ip, a.port);
const statusOf = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);

/** `ip:port`, `[v6]:port`, or `ip` alone (any port). */
export function parseEndpoint(text: string): { ip: string; port?: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text) ?? /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an endpoint (ip:port, [ipv6]:port, or an address alone)`);
  return m[2] === undefined ? { ip: m[1]! } : { ip: m[1]!, port: Number(m[2]) };
}

const matches = (e: { ip: string; port?: number }, a: Address): boolean => e.ip === a.ip && (e.port === undefined || e.port === a.port);

/** A time as nanoseconds since the epoch: ISO 8601 (fractions to the nanosecond), epoch seconds, or +seconds after `startNs`. */
export function parseTime(text: string, startNs: bigint): bigint {
  const seconds = (s: string): bigint => {
    const [whole, fraction = ''] = s.split('.');
    return BigInt(whole!) * 1_000_000_000n + BigInt((fraction + '000000000').slice(0, 9));
  };
  if (/^\+\d+(\.\d+)?$/.test(text)) return startNs + seconds(text.slice(1));
  if (/^\d+(\.\d+)?$/.test(text)) return seconds(text);
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (iso) {
    const ms = Date.parse(`${iso[1]}Z`);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt(((iso[2] ?? '') + '000000000').slice(0, 9));
  }
  throw new Error(`"${text}" is not a time (ISO 8601 like 2026-11-25T12:00:00.5Z, seconds since the epoch, or +seconds from the first packet)`);
}

/** The transactions of the capture, each with its request, in the order their requests were seen. */
export function capturedExchanges(extraction: Extraction): CapturedExchange[] {
  const out: CapturedExchange[] = [];
  for (const t of extraction.transactions) {
    const msgs = t.messages.map((i) => extraction.messages[i]!).filter((m): m is Parsed => m.result.ok).map((m) => ({ ...m, message: (m.result as { message: SipMessage }).message }));
    const requests = msgs.filter((m) => m.message.startLine.kind === 'request' && (m.message.startLine as { method: string }).method !== 'ACK');
    const request = requests[0];
    if (!request) continue;
    const seen = new Set<string>([Buffer.from(request.message.raw).toString('latin1')]);
    const ex: CapturedExchange = { request, responses: [], retransmissions: [] };
    for (const m of msgs) {
      if (m === request || m.message.startLine.kind === 'request') {
        if (m !== request && (m.message.startLine as { method: string }).method !== 'ACK') ex.retransmissions.push(frame(m));
        continue;
      }
      const bytes = Buffer.from(m.message.raw).toString('latin1');
      if (seen.has(bytes)) {
        ex.retransmissions.push(frame(m));
        continue;
      }
      seen.add(bytes);
      ex.responses.push(m);
      if (!ex.final && statusOf(m.message) >= 200) ex.final = m;
    }
    out.push(ex);
  }
  return out.sort((a, b) => a.request.index - b.request.index);
}

export interface Judged {
  exchange: CapturedExchange;
  expected: ExpectedAnswer;
  problems: Problem[];
}

function judge(ex: CapturedExchange): Judged {
  const expected = expectedAnswer(ex.request.message, ex.request.dst, ex.final ? statusOf(ex.final.message) : undefined);
  return { exchange: ex, expected, problems: problemsOf(ex, expected) };
}

function select(extraction: Extraction, exchanges: CapturedExchange[], o: ToFixtureOptions, fail: (reason: string) => never): { chosen: CapturedExchange[]; how: string } {
  const modes = [o.callId !== undefined, o.window !== undefined, o.firstFailing === true].filter(Boolean).length;
  if (modes > 1) fail('choose the exchange one way: --call-id, --from/--to, or --first-failing');
  const callIds = [...new Set(extraction.messages.map((m) => m.callId).filter((c): c is string => !!c))];
  if (o.callId !== undefined) {
    const chosen = exchanges.filter((e) => e.request.callId === o.callId);
    if (chosen.length === 0) {
      const some = callIds.slice(0, 8).join(', ') + (callIds.length > 8 ? `, … (${callIds.length} in all)` : '');
      fail(`no SIP request with Call-ID ${o.callId} (Call-IDs in the capture: ${some || 'none'})`);
    }
    return { chosen, how: `Call-ID ${o.callId}` };
  }
  if (o.window !== undefined) {
    const start = extraction.messages[0]!.timeNs;
    let from: bigint;
    let to: bigint;
    try {
      from = parseTime(o.window.from, start);
      to = parseTime(o.window.to, start);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (to < from) fail(`the window ends (${isoTimeNs(to)}) before it starts (${isoTimeNs(from)})`);
    const chosen = exchanges.filter((e) => e.request.timeNs >= from && e.request.timeNs <= to);
    if (chosen.length === 0) {
      const last = extraction.messages[extraction.messages.length - 1]!.timeNs;
      fail(`no SIP request between ${isoTimeNs(from)} and ${isoTimeNs(to)} (the capture's SIP messages span ${isoTimeNs(start)} to ${isoTimeNs(last)})`);
    }
    return { chosen, how: `the requests between ${isoTimeNs(from)} and ${isoTimeNs(to)}` };
  }
  const target = o.target === undefined ? undefined : parseEndpoint(o.target);
  const harness = o.harness?.map(parseEndpoint);
  const candidates = exchanges.filter((e) => (!target || matches(target, e.request.dst)) && (!harness || harness.some((h) => matches(h, e.request.src))));
  // The first failure seen: the failing answer that arrived first.
  const failing = candidates
    .filter((e) => e.final)
    .sort((a, b) => a.final!.index - b.final!.index)
    .map(judge)
    .find((j) => j.problems.length > 0);
  if (!failing) {
    const answered = candidates.filter((e) => e.final).length;
    fail(`no failing transaction: ${answered} answered transaction(s) judged, every answer meets the catalogue; choose one with --call-id or --from/--to`);
  }
  return { chosen: [failing!.exchange], how: `the first failing transaction (${failing!.problems[0]!.requirement}: ${failing!.problems[0]!.text})` };
}

export interface Roles {
  target: Address;
  harness: Address[];
  names: RoleEndpoint[];
  kept: CapturedExchange[];
  left: CapturedExchange[];
}

function assignRoles(chosen: CapturedExchange[], o: ToFixtureOptions, fail: (reason: string) => never): Roles {
  const endpoints: Address[] = [];
  for (const e of chosen) for (const a of [e.request.src, e.request.dst]) if (!endpoints.some((x) => sameAddress(x, a))) endpoints.push(a);
  let target: Address | undefined;
  if (o.target !== undefined) {
    const t = parseEndpoint(o.target);
    const hits = endpoints.filter((a) => matches(t, a));
    if (hits.length === 0) fail(`the target ${o.target} takes no part in the chosen messages (endpoints: ${endpoints.map(addressText).join(', ')})`);
    if (hits.length > 1) fail(`the target ${o.target} is ambiguous (${hits.map(addressText).join(', ')}): give its port`);
    target = hits[0];
  } else {
    // The node under test is the endpoint that answers.
    target = (chosen.find((e) => e.final) ?? chosen[0]!).request.dst;
  }
  const wanted = o.harness?.map(parseEndpoint);
  const isHarness = (a: Address): boolean => !sameAddress(a, target!) && (!wanted || wanted.some((w) => matches(w, a)));
  const kept = chosen.filter((e) => (sameAddress(e.request.dst, target!) && isHarness(e.request.src)) || (sameAddress(e.request.src, target!) && isHarness(e.request.dst)));
  if (kept.length === 0) fail(`no chosen message passes between the target ${addressText(target!)} and ${wanted ? `the harness endpoints ${o.harness!.join(', ')}` : 'another endpoint'}`);
  const harness: Address[] = [];
  for (const e of kept) for (const a of [e.request.src, e.request.dst]) if (!sameAddress(a, target!) && !harness.some((x) => sameAddress(x, a))) harness.push(a);
  const names: RoleEndpoint[] = [{ role: 'target', address: target! }, ...harness.map((address, i) => ({ role: i === 0 ? 'self' : `peer${i + 1}`, address }))];
  return { target: target!, harness, names, kept, left: chosen.filter((e) => !kept.includes(e)) };
}

/** The rule behind a request the target sends on its own: stabilization, notify, leave. */
const SENT_BY_TARGET: Partial<Record<ReturnType<typeof requestClass>, string>> = {
  'node-query': 'SOS-MAINT-4',
  join: 'SOS-MAINT-5',
  leave: 'SOS-MAINT-2',
};

const REQUEST_ROLE: Partial<Record<ReturnType<typeof requestClass>, Role>> = {
  join: 'join',
  leave: 'leave',
  'node-query': 'node-query',
  'user-register': 'user-register',
  'user-query': 'user-query',
  lookup: 'lookup',
};

/** The To user of a request, when it is a 40-hex ID. */
function searchedId(m: SipMessage): string | undefined {
  const to = headerValue(m, 'to');
  const na = to === undefined ? undefined : parseNameAddr(to);
  const user = na?.ok ? na.value.uri?.user : undefined;
  return user && /^[0-9A-Fa-f]{40}$/.test(user) ? user.toLowerCase() : undefined;
}

const q = (s: string): string => JSON.stringify(s);

function expectationLines(e: ExpectedAnswer, roleOf: (a: Address) => string, requester: Address, refusal: boolean): string[] {
  const out = [`status: ${e.statuses.length === 1 ? e.statuses[0] : `[${e.statuses.join(', ')}]`}`];
  if (e.role) out.push(`role: ${e.role}`);
  if (!refusal) out.push('findings: none', 'answeredBy: "{{target.id}}"');
  const matchesLines: string[] = [];
  for (const tag of e.unsupported ?? []) matchesLines.push(`Unsupported: '(^|,)\\s*${tag.replace(/[.*+?^${}()|[\]\\']/g, '\\$&')}\\s*(,|$)'`);
  if (e.requireDht) matchesLines.push(`Require: '(^|,)\\s*dht\\s*(,|$)'`);
  if (e.present.length || matchesLines.length) {
    out.push('headers:');
    if (e.present.length) out.push(`  present: [${e.present.join(', ')}]`);
    if (matchesLines.length) out.push('  matches:', ...matchesLines.map((l) => `    ${l}`));
  }
  if (e.contactIsNode || e.contactIsRequester) {
    out.push('uris:', '  Contact:');
    if (e.contactIsRequester) out.push(`    user: "{{${roleOf(requester)}.id}}"`);
    out.push('    params: { user: node }');
  }
  if (e.links.length) {
    out.push('links:');
    for (const l of e.links) out.push(l.id ? `  - { type: ${l.type}, depth: ${l.depth}, id: "{{expected.${l.id}}}" }` : `  - ${l.type} ${l.depth}`);
  }
  return out;
}

function block(lines: string[], indent: string): string[] {
  return lines.map((l) => (l === '' ? '' : indent + l));
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** Derives the fixture. Throws CaptureToFixtureError with the file and the reason. */
export function captureToFixture(extraction: Extraction, o: ToFixtureOptions): DerivedFixture {
  const fail = (reason: string): never => {
    throw new CaptureToFixtureError(o.source, reason);
  };
  if (extraction.messages.length === 0) {
    const s = extraction.summary;
    const skipped = Object.entries(s.skipped).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    fail(`no SIP messages in the capture (${s.packets} packet(s)${skipped ? `; skipped: ${skipped}` : ''}${s.truncation ? `; ${s.truncation}` : ''})`);
  }
  const exchanges = capturedExchanges(extraction);
  if (exchanges.length === 0) fail(`no SIP request with a Via branch and CSeq in the capture (${extraction.messages.length} SIP message(s), ${extraction.summary.parseErrors} unparsable)`);
  const { chosen, how } = select(extraction, exchanges, o, fail);
  const roles = assignRoles(chosen, o, fail);
  const roleOf = (a: Address): string => roles.names.find((r) => sameAddress(r.address, a))!.role;
  const transports = new Set(roles.kept.map((e) => e.request.transport));
  if (transports.size > 1) fail('the chosen messages mix UDP and TCP; choose them per transport (--from/--to or --call-id)');

  const ctx: TemplateContext = newTemplateContext(roles.names, o.anonymize === true);
  const roleIds = new Set(roles.names.map((r) => nodeIdOf(r.address.ip, r.address.port)));
  const keys = roles.kept.filter((e) => sameAddress(e.request.dst, roles.target)).map((e) => searchedId(e.request.message)).filter((k): k is string => k !== undefined && !roleIds.has(k));
  if (keys[0] !== undefined) ctx.key = keys[0];

  const steps: string[] = [];
  const judged: Judged[] = [];
  const dropped: string[] = [];
  const capabilities = new Set<string>();
  const targetRules: string[] = [];
  let previousNs = roles.kept[0]!.request.timeNs;
  for (const ex of roles.kept) {
    const req = ex.request;
    const cls = requestClass(req.message);
    if (!bodyIsText(req.message) && !o.anonymize) fail(`the body of frame ${frame(req)} is not text a fixture can hold; use --anonymize to drop bodies, or a torture fixture`);
    const answer = ex.final ? ` -> ${frame(ex.final)}` : ' (no final answer captured)';
    if (ex.responses.some((r) => statusOf(r.message) < 200)) dropped.push(`provisional responses of frame ${frame(req)} (${ex.responses.filter((r) => statusOf(r.message) < 200).map(frame).join(', ')}): the player waits for the final one`);
    if (ex.retransmissions.length) dropped.push(`retransmissions in the transaction of frame ${frame(req)}: ${ex.retransmissions.join(', ')}`);
    if (sameAddress(req.dst, roles.target)) {
      const j = judge(ex);
      judged.push(j);
      for (const c of j.expected.capabilities) capabilities.add(c);
      const captured = ex.final ? `captured answer: ${ex.final.message.startLine.raw}${j.problems.length ? ` (${j.problems.map((p) => p.requirement).join(', ')})` : ''}` : 'no answer captured';
      steps.push(
        `  - from: ${roleOf(req.src)}`,
        '    to: target',
        `    note: ${q(`frames ${frame(req)}${answer}: ${classWords(cls, req.message)}; ${captured}`)}`,
        '    send: |',
        ...block(toTemplate(ctx, req.message).split('\n'), '      '),
        '    expect:',
        ...block(expectationLines(j.expected, roleOf, req.src, j.expected.role === undefined && !j.expected.present.includes('DHT-NodeID')), '      '),
      );
    } else {
      const role = REQUEST_ROLE[cls];
      const rule = SENT_BY_TARGET[cls];
      if (rule) targetRules.push(rule);
      const to = searchedId(req.message);
      const toRole = to === undefined ? undefined : roles.names.find((r) => nodeIdOf(r.address.ip, r.address.port) === to);
      const delayMs = Number(req.timeNs - previousNs) / 1e6;
      const within = cls === 'node-query' || cls === 'join' || cls === 'leave' ? 'stabilizeMs' : String(Math.max(1000, Math.ceil((2 * delayMs) / 500) * 500));
      steps.push(
        '  - from: target',
        `    to: ${roleOf(req.dst)}`,
        `    note: ${q(`frame ${frame(req)}: ${classWords(cls, req.message)} the target sends`)}`,
        '    expect:',
        `      method: ${(req.message.startLine as { method: string }).method}`,
        ...(role ? [`      role: ${role}`] : []),
        '      findings: none',
        '      answeredBy: "{{target.id}}"',
        `      within: ${within}`,
        ...(cls === 'node-query' ? ['      headers:', '        absent: [Contact, Expires]'] : []),
        ...(toRole ? ['      uris:', '        To:', `          user: "{{${toRole.role}.id}}"`] : []),
      );
      if (ex.final) {
        steps.push(
          `  - from: ${roleOf(req.dst)}`,
          '    to: target',
          `    note: ${q(`frame ${frame(ex.final)}: the harness answers as the capture did`)}`,
          '    send: |',
          ...block(toTemplate(ctx, ex.final.message, { response: true }).split('\n'), '      '),
        );
      }
    }
    previousNs = (ex.final ?? req).timeNs;
  }
  if (keys.length > 1 && new Set(keys).size > 1) dropped.push(`searched IDs other than the first (${[...new Set(keys)].slice(1).join(', ')}) are written as captured`);

  // Requirements: the user's, else those the failing answers break, else the rules the expectations stand for.
  let requirements = o.requirements ?? [];
  if (requirements.length === 0) requirements = [...new Set(judged.flatMap((j) => j.problems.map((p) => p.requirement)))];
  if (requirements.length === 0) requirements = [...new Set([...judged.flatMap((j) => j.expected.requirements), ...targetRules])];
  if (requirements.length === 0) fail('no catalogue rule covers the chosen exchange; name the requirement with --requirement SOS-…');
  const unknown = o.knownRequirements ? requirements.filter((r) => !o.knownRequirements!.has(r)) : [];
  if (unknown.length) fail(`${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the catalogue (spec/sosimple-requirements.md)`);

  const first = judged[0];
  const stepCount = steps.filter((l) => l.startsWith('  - ')).length;
  const firstEx = roles.kept[0]!;
  const description = first
    ? `Replayed from a capture: ${classWords(requestClass(first.exchange.request.message), first.exchange.request.message)} from the harness must be ${first.expected.summary}${stepCount > 1 ? ` (the first of ${stepCount} steps)` : ''}. In the capture the node answered ${first.exchange.final ? first.exchange.final.message.startLine.raw.replace(/^SIP\/2\.0 /, '') : 'nothing'}${first.problems[0] ? ` (${first.problems[0].requirement}: ${first.problems[0].text.replace(/ \(expected .*$/, '')})` : ''}.`
    : `Replayed from a capture: the target must send ${classWords(requestClass(firstEx.request.message), firstEx.request.message)} as it did in the capture.`;
  const frames = [...new Set(roles.kept.flatMap((e) => [e.request, ...e.responses].map(frame)))].sort((a, b) => a - b);
  const time = isoTimeNs(firstEx.request.timeNs);

  const yaml = [
    `# Derived by pcap2fixture from ${o.source}, frames ${frames.join(', ')} (${time});`,
    '# the note beside this file says what was replaced and what was left out.',
    `requirement: ${requirements.length === 1 ? requirements[0] : `[${requirements.join(', ')}]`}`,
    'description: >',
    ...wrap(description, 92).map((l) => `  ${l}`),
    ...(capabilities.size ? [`capabilities: [${[...capabilities].join(', ')}]`] : []),
    ...(transports.has('tcp') ? ['transport: tcp'] : []),
    ...(roles.names.length > 2 ? ['roles:', ...roles.names.map((r) => `  ${r.role}: ${r.role === 'target' ? 'target' : 'harness'}`)] : []),
    'steps:',
    ...steps,
    '',
  ].join('\n');

  const note = renderNote({ o, how, roles, judged, frames, time, ctx, dropped, requirements });
  return { yaml, note, requirements, frames };
}
