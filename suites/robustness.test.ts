// Robustness (catalogue §8, SOS-ERR-1 and SOS-ERR-6): one node of a small ring takes every
// torture fixture (over UDP, and over TCP when the target claims it), fuzzed SOSIMPLE
// requests, a message over the size bound and a flood from one address. It must answer 400
// where it can, never die, bound what is too big or too much, and the ring must still work
// afterwards. A node that dies fails the test with the last inputs it was sent.
//
// SOSIMPLE_FUZZ_RUNS (default 150) sets the number of fuzzed requests; SOSIMPLE_SEED picks them.
// SOSIMPLE_FLOOD_RATE (default 1000 datagrams/s) sets the flood's rate.

import { join } from 'node:path';
import type { RingNode } from '../harness/cluster/cluster';
import { readNeighbours } from '../harness/cluster/observe';
import { waitForStableRing } from '../harness/cluster/ring';
import { followRedirects } from '../harness/net/redirects';
import type { NetTransport } from '../harness/net/trace';
import { VirtualNode } from '../harness/net/virtual-node';
import { resourceIdOf } from '../harness/overlay/id';
import { bigIntToId, idToBigInt } from '../harness/overlay/ring';
import { nodeQuery, userLookup, userRegister } from '../harness/sip/craft';
import { contactsOf } from '../harness/sip/headers';
import { parseMessage } from '../harness/sip/parse';
import { loadTortureFixtures, type TortureFixture } from '../harness/sip/torture';
import { describeMutation, fuzzCases, mutate } from './support/fuzz';
import {
  REFUSALS,
  RecentInputs,
  answersMarked,
  deadBecause,
  expectationFor,
  floodUdp,
  marker,
  retarget,
  sendTcp,
  sendUdp,
  type Answer,
  type Expectation,
} from './support/hostile-input';
import { itIf, ringSize, suiteSeed, useRing } from './support/ring';

const SIZE = ringSize(3);
const FUZZ_RUNS = positiveInt('SOSIMPLE_FUZZ_RUNS', 150);
const FLOOD_RATE = positiveInt('SOSIMPLE_FLOOD_RATE', 1000);
/** Node queries a peer at another address sends during the flood (process driver). */
const PEER_QUERIES = 20;
/** Inputs between two liveness checks; a dead node is reported with the inputs since the last good one. */
const CHECK_EVERY = 10;
/**
 * Each chunk of inputs takes at least this long, so the harness's own rate from one address
 * (about 70 messages/s) stays under a per-address flood bound (SOS-ERR-6) and is not cut by it.
 */
const CHUNK_MIN_MS = 150;
/** How long a request that must get 400 may take to get it; nothing is a timing claim. */
const ANSWER_WAIT_MS = 2000;

const TORTURE_DIR = join(__dirname, '..', 'fixtures', 'torture');
const TORTURE = loadTortureFixtures(TORTURE_DIR);
const label = (f: TortureFixture): string => f.path.slice(TORTURE_DIR.length + 1).replace(/\.sip$/, '');
const parseCode = (f: TortureFixture, transport: NetTransport): string => {
  const r = parseMessage(f.bytes, { transport: transport === 'tcp' ? 'stream' : 'udp', maxBytes: 16 * 1024 * 1024 });
  return r.ok ? 'ok' : r.error.code;
};
/** Over UDP: every fixture written for UDP and small enough to be a datagram (the rest is SOS-ERR-6's). */
const OVER_UDP = TORTURE.filter((f) => f.transport === 'udp' && f.parse !== 'too-large');
/**
 * Over TCP: fixtures written for TCP, and those whose verdict does not depend on the framing
 * (the codec says the same for a datagram and a stream). Content-Length cases written for
 * UDP mean something else on a stream and stay on UDP.
 */
const OVER_TCP = TORTURE.filter(
  (f) => f.parse !== 'too-large' && (f.transport === 'tcp' || (parseCode(f, 'udp') === parseCode(f, 'tcp') && f.parse !== 'content-length-mismatch')),
);
const TOO_LARGE = TORTURE.filter((f) => f.parse === 'too-large');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

/** An input pointed at the harness; `mark` is in its Via branch and Call-ID (hostile-input.ts, retarget). */
interface Input {
  label: string;
  bytes: Uint8Array;
  mark: string;
}

interface Outcome {
  label: string;
  transport: NetTransport;
  expectation: Expectation;
  answers: Answer[];
}

/** One batch of hostile inputs to one node: what each got, and whether the node died. */
interface Batch {
  outcomes: Outcome[];
  /** Why the node is dead, with the inputs sent since it last answered. */
  died?: string;
  /** Not sent, and why (the node died in an earlier batch, or the target does not claim a transport). */
  skipped?: string;
}

describe(`robustness on a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-robustness');
  let hostile: VirtualNode;
  let serial = 0;
  const recent = new RecentInputs(CHECK_EVERY);
  let deathNotice: string | undefined;
  /** The node under fire: the second node, so the ring's first node (everyone's bootstrap) is spared. */
  const victim = (): RingNode => ring().nodes[1 % ring().nodes.length]!;

  beforeAll(async () => {
    const r = ring();
    hostile = await VirtualNode.start({ host: r.cluster.harnessAddress, name: 'hostile', trace: r.trace, defaultReply: 'silence' });
  });
  afterAll(async () => {
    await hostile?.close();
  });

  /**
   * Sends the inputs (already pointed at the harness) in chunks of CHECK_EVERY: a chunk goes
   * out at once, its answers are awaited together (at most ANSWER_WAIT_MS for those a 400 is
   * due to), then the node must still live. Stops at the first death, naming the chunk.
   */
  async function fire(inputs: Input[], transport: NetTransport): Promise<Batch> {
    const r = ring();
    const node = victim();
    if (deathNotice) return { outcomes: [], skipped: `not sent: ${deathNotice}` };
    const outcomes: Outcome[] = [];
    for (let first = 0; first < inputs.length; first += CHECK_EVERY) {
      const chunkStarted = Date.now();
      const chunk = inputs.slice(first, first + CHECK_EVERY).map((input) => ({ ...input, expectation: expectationFor(input.bytes, transport) }));
      recent.clear();
      for (const input of chunk) recent.push({ label: input.label, transport, bytes: input.bytes });
      if (transport === 'udp') outcomes.push(...(await fireUdp(chunk, node)));
      else {
        const sent = chunk.map((input) => sendTcp(r.trace, 'hostile-tcp', hostile.host, node, input.bytes, input.expectation.expect400 ? ANSWER_WAIT_MS : 100));
        const answers = await Promise.all(sent);
        chunk.forEach((input, i) => outcomes.push({ label: input.label, transport, expectation: input.expectation, answers: answers[i]!.answers }));
      }
      const dead = await deadBecause(r, node);
      if (dead) {
        deathNotice = `${node.name} died during ${transport.toUpperCase()} inputs ${chunk[0]!.label} … ${chunk[chunk.length - 1]!.label}`;
        return {
          outcomes,
          died: `${node.name}: expected it to keep running and answer a node query for its own ID / actual: ${dead}. The inputs it got since it last answered, in order:\n${recent.describe()}`,
        };
      }
      await new Promise((res) => setTimeout(res, Math.max(0, CHUNK_MIN_MS - (Date.now() - chunkStarted))));
    }
    return { outcomes };
  }

  /**
   * One UDP chunk: inputs whose marker survived go out back to back and are matched by it;
   * one that lost its marker (cut by a truncation) and is due a 400 goes alone, so an
   * unmarked answer can only be its own.
   */
  async function fireUdp(chunk: (Input & { expectation: Expectation })[], node: RingNode): Promise<Outcome[]> {
    const start = hostile.trace.entries.length;
    const alone = new Map<Input, Answer[]>();
    for (const input of chunk) {
      const lostMark = !Buffer.from(input.bytes).toString('latin1').includes(input.mark);
      if (lostMark && input.expectation.expect400) alone.set(input, await sendUdp(hostile, node, input.bytes, input.mark, ANSWER_WAIT_MS));
      else await hostile.send(node, input.bytes, 'udp');
    }
    const due = chunk.filter((input) => input.expectation.expect400 && !alone.has(input));
    const deadline = Date.now() + ANSWER_WAIT_MS;
    while (Date.now() < deadline && due.some((input) => answersMarked(hostile.trace, start, hostile.name, input.mark).length === 0)) {
      await new Promise((res) => setTimeout(res, 10));
    }
    return chunk.map((input) => ({
      label: input.label,
      transport: 'udp' as const,
      expectation: input.expectation,
      answers: alone.get(input) ?? answersMarked(hostile.trace, start, hostile.name, input.mark),
    }));
  }

  /** Fixtures pointed at the harness, each with a serial the answers are matched by. */
  function pointed(fixtures: TortureFixture[]): Input[] {
    return fixtures.map((f) => {
      const n = serial++;
      return { label: label(f), bytes: retarget(f.bytes, hostile.endpoint, n), mark: marker(n) };
    });
  }

  const missing400 = (batch: Batch): string[] => [
    ...(batch.skipped ? [batch.skipped] : []),
    ...batch.outcomes
      .filter((o) => o.expectation.expect400 && !o.answers.some((a) => a.status === 400))
      .map((o) => `${o.label} (${o.transport.toUpperCase()}): expected 400 for ${o.expectation.why} / actual: ${o.answers.length ? o.answers.map((a) => a.status || 'unparseable reply').join(', ') : 'no answer'}`),
  ];

  const survived = (batch: Batch): string[] => [...(batch.skipped ? [batch.skipped] : []), ...(batch.died ? [batch.died] : [])];

  describe(`the ${OVER_UDP.length} torture fixtures for UDP`, () => {
    let batch: Batch = { outcomes: [] };
    beforeAll(async () => {
      batch = await fire(pointed(OVER_UDP), 'udp');
    }, 240_000);

    it('SOS-ERR-1 the node keeps running through every torture fixture over UDP: it answers a node query afterwards and the driver reports it running', () => {
      expect(survived(batch)).toEqual([]);
    });

    it('SOS-ERR-1 every torture request over UDP with a parseable request line and a malformed header section gets 400', () => {
      expect(batch.outcomes.filter((o) => o.expectation.expect400).length).toBeGreaterThan(10);
      expect(missing400(batch)).toEqual([]);
    });
  });

  describe(`the ${OVER_TCP.length} torture fixtures that mean the same on a stream, over TCP`, () => {
    let batch: Batch = { outcomes: [] };
    beforeAll(async () => {
      if (!ring().target.capabilities.includes('tcp')) return;
      batch = await fire(pointed(OVER_TCP), 'tcp');
    }, 240_000);

    itIf('tcp')('SOS-ERR-1 the node keeps running through every torture fixture over TCP, each on its own connection', () => {
      expect(survived(batch)).toEqual([]);
    });

    itIf('tcp')('SOS-ERR-1 every torture request over TCP with a parseable request line and a malformed header section gets 400', () => {
      expect(batch.outcomes.filter((o) => o.expectation.expect400).length).toBeGreaterThan(10);
      expect(missing400(batch)).toEqual([]);
    });
  });

  describe(`${FUZZ_RUNS} fuzzed SOSIMPLE requests over UDP (seed ${suiteSeed()})`, () => {
    let batch: Batch = { outcomes: [] };
    beforeAll(async () => {
      const r = ring();
      const node = victim();
      const key = bigIntToId(idToBigInt(r.oracle.successor(node.nodeId)) + 1n);
      const fixed = { branch: 'z9hG4bK-fuzz', callId: 'fuzz@harness', tag: 'fuzz' };
      const ua = { host: r.cluster.harnessAddress, port: 5099 };
      const bases: { name: string; bytes: Uint8Array }[] = [
        { name: 'node query for its own ID', bytes: nodeQuery(hostile.endpoint, node, node.nodeId, fixed).build() },
        { name: 'node query for another key', bytes: nodeQuery(hostile.endpoint, node, key, fixed).build() },
        { name: 'user REGISTER', bytes: userRegister('fuzz-user', ua, hostile.endpoint, node, fixed).build() },
        { name: 'user query', bytes: userRegister('fuzz-user', ua, hostile.endpoint, node, fixed).remove('Contact').remove('Expires').build() },
        { name: 'MESSAGE lookup', bytes: userLookup('MESSAGE', 'alice', hostile.endpoint, node, fixed).build() },
      ];
      const inputs = fuzzCases(suiteSeed(), FUZZ_RUNS, bases.length).map((c, i) => {
        const base = bases[c.base]!;
        const n = serial++;
        return { label: `fuzz #${i + 1} ${base.name} ← ${c.mutations.map(describeMutation).join(', ')}`, bytes: mutate(retarget(base.bytes, hostile.endpoint, n, { addresses: false }), c.mutations), mark: marker(n) };
      });
      batch = await fire(inputs, 'udp');
    }, 240_000);

    it('SOS-ERR-1 the node keeps running through every fuzzed request: it answers a node query afterwards and the driver reports it running', () => {
      expect(survived(batch)).toEqual([]);
    });

    it('SOS-ERR-1 every fuzzed request with a parseable request line and a malformed header section gets 400', () => {
      expect(missing400(batch)).toEqual([]);
    });
  });

  itIf('tcp')(
    'SOS-ERR-6 a message over 64 KiB is bounded: it is not served, and the node still serves other peers (SHOULD; over TCP, as no UDP datagram can exceed 64 KiB)',
    async () => {
      const r = ring();
      const node = victim();
      expect(deathNotice).toBeUndefined();
      // 70,000 bytes of padding: the whole message is well over the bound of 65,536 bytes.
      const query = nodeQuery(hostile.endpoint, node, node.nodeId, { transport: 'TCP' }).header('X-Pad', 'x'.repeat(70_000)).build();
      const inputs = [{ label: 'node query padded to over 64 KiB', bytes: query, mark: '' }, ...pointed(TOO_LARGE)];
      const problems: string[] = [];
      for (const input of inputs) {
        const { answers, closed } = await sendTcp(r.trace, 'hostile-tcp', hostile.host, node, input.bytes, 5000);
        const served = answers.filter((a) => a.status >= 200 && !REFUSALS.has(a.status));
        if (served.length) {
          problems.push(`${input.label} (${input.bytes.length} bytes): expected no answer, ${[...REFUSALS].join('/')} or a closed connection / actual: served with ${served.map((a) => a.status).join(', ')}${closed ? ' (then closed)' : ''}`);
        }
      }
      // Other peers: a node query over UDP from the probe, and a normal one on a new TCP connection.
      const other = await deadBecause(r, node);
      if (other) problems.push(`after the oversized messages: ${other}`);
      const normal = await sendTcp(r.trace, 'hostile-tcp', hostile.host, node, nodeQuery(hostile.endpoint, node, node.nodeId, { transport: 'TCP' }).build(), 5000);
      if (!normal.answers.some((a) => a.status === 200)) {
        problems.push(`a normal node query on a new TCP connection afterwards: expected 200 / actual: ${normal.answers.map((a) => a.status).join(', ') || (normal.closed ? 'connection closed' : 'no answer')}`);
      }
      expect(problems).toEqual([]);
    },
    60_000,
  );

  it('SOS-ERR-6 a flood from one address is bounded without affecting other peers: the node\'s neighbours keep it, and a peer at another address is answered during the flood (SHOULD)', async () => {
    const r = ring();
    const node = victim();
    expect(deathNotice).toBeUndefined();
    const before = r.oracle.predecessor(node.nodeId)!;
    const after = r.oracle.successor(node.nodeId);
    const pred = r.nodes.find((n) => n.nodeId === before)!;
    const succ = r.nodes.find((n) => n.nodeId === after)!;
    // The flood: node queries for the victim's own ID from one harness socket, each a new
    // transaction, at FLOOD_RATE for at least one declared stabilization period, so the
    // neighbours' own stabilization with the victim happens while it lasts.
    const durationMs = Math.max(2000, r.target.timing.stabilizeMs);
    // A peer at another address (process driver: any 127/8 address is local; on Docker the
    // harness has one address, so there the neighbours are the only other peers observed).
    const peer =
      r.cluster.driver === 'process'
        ? await VirtualNode.start({ host: `127.254.${process.pid % 250}.${2 + (process.pid % 200)}`, name: 'other-peer', trace: r.trace, defaultReply: 'silence' })
        : undefined;
    const problems: string[] = [];
    let flooding = true;
    const started = Date.now();
    const queries = (from: { host: string; port: number }) => {
      const template = Buffer.from(nodeQuery(from, node, node.nodeId, { branch: 'z9hG4bK-flood-NNNNNNNN', callId: 'flood-NNNNNNNN@harness' }).build()).toString('latin1');
      return (i: number) => Buffer.from(template.replace(/NNNNNNNN/g, String(i).padStart(8, '0')), 'latin1');
    };
    const flood = floodUdp(r.cluster.harnessAddress, node, queries, FLOOD_RATE, durationMs).finally(() => {
      flooding = false;
    });
    const watch = (async () => {
      while (flooding) {
        const [p, s] = await Promise.all([readNeighbours(r.probe, pred).catch(() => undefined), readNeighbours(r.probe, succ).catch(() => undefined)]);
        const t = `${((Date.now() - started) / 1000).toFixed(1)} s into the flood`;
        if (p?.successors[0] !== node.nodeId) problems.push(`${t}: ${pred.name}'s S 1: expected ${node.nodeId.slice(0, 8)} (${node.name}) / actual: ${p ? p.successors[0]?.slice(0, 8) ?? 'none' : 'no answer'}`);
        if (s?.predecessor !== node.nodeId) problems.push(`${t}: ${succ.name}'s P 1: expected ${node.nodeId.slice(0, 8)} (${node.name}) / actual: ${s ? s.predecessor?.slice(0, 8) ?? 'none' : 'no answer'}`);
        await new Promise((res) => setTimeout(res, 300));
      }
    })();
    // The peer's queries are spread over the middle half of the flood, each sent once (no
    // retransmission): a query the node drops is never answered, however long one waits.
    const asked = (async () => {
      if (!peer) return;
      const spacing = durationMs / 2 / PEER_QUERIES;
      await new Promise((res) => setTimeout(res, durationMs / 4));
      const pending: Promise<boolean>[] = [];
      for (let i = 0; i < PEER_QUERIES; i++) {
        pending.push(
          peer.request(node, nodeQuery(peer.endpoint, node, node.nodeId), { retransmit: false, timeoutMs: durationMs + 5000 }).then(
            () => true,
            () => false,
          ),
        );
        await new Promise((res) => setTimeout(res, spacing));
      }
      const answered = (await Promise.all(pending)).filter(Boolean).length;
      if (answered < PEER_QUERIES) problems.push(`a peer at ${peer.host} sent ${node.name} ${PEER_QUERIES} node queries during the flood, each once: expected all answered / actual: ${answered} answered`);
    })();
    let sent = 0;
    try {
      [sent] = await Promise.all([flood, watch, asked]);
    } finally {
      await peer?.close();
    }
    const dead = await deadBecause(r, node);
    if (dead) problems.push(`after the flood of ${sent} requests: ${dead}`);
    expect(problems).toEqual([]);
  }, 90_000);

  it('SOS-RING-2 afterwards the ring still matches the oracle: every node\'s P 1 and S 1', async () => {
    const r = ring();
    const left = await waitForStableRing(r.probe, r.nodes, r.target.timing.repairMs);
    expect(left.map((m) => `${m.node} ${m.what}: expected ${m.expected?.slice(0, 8) ?? 'none'} / actual: ${m.actual?.slice(0, 60) ?? 'none'}`)).toEqual([]);
  }, 60_000);

  it('SOS-REG-2 afterwards a user registered through one node is found through another (SOS-LOOKUP-2)', async () => {
    const r = ring();
    const user = 'robustness-smoke';
    const ua = { host: r.cluster.harnessAddress, port: 5099 };
    const owner = r.oracle.responsibleNode(resourceIdOf(user));
    const nodeAt = (to: { host: string; port: number }) => r.nodes.find((n) => n.host === to.host && n.port === to.port)?.nodeId;
    const registered = await followRedirects(r.probe, r.nodes[0]!, (to) => userRegister(user, ua, r.probe.endpoint, to), { timeoutMs: 3000 });
    const last = registered.hops[registered.hops.length - 1]!;
    const lookup = await followRedirects(r.probe, r.nodes[r.nodes.length - 1]!, (to) => userLookup('INVITE', user, r.probe.endpoint, to), { timeoutMs: 3000 });
    const byOwner = lookup.hops.find((h) => nodeAt(h.to) === owner);
    expect({
      registered: last.status,
      registeredAt: nodeAt(last.to)?.slice(0, 8),
      lookupAtOwner: byOwner?.status ?? 'owner never asked',
      contact: byOwner ? contactsOf(byOwner.response).map((c) => c.entry?.uri?.host) : [],
    }).toEqual({ registered: 200, registeredAt: owner.slice(0, 8), lookupAtOwner: 302, contact: [ua.host] });
  }, 60_000);
});
