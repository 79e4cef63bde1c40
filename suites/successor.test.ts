// Successor and predecessor under churn (catalogue §4–§6): nodes join one at a time and
// several at once, leave, are paused, cut off by a partition and killed. After each change,
// every live node's P 1 and S 1, read over the wire (SOS-LOOKUP-5), must equal the oracle of
// the live set within the bound the target declares (timing.stabilizeMs, timing.repairMs).
// The tests run in order on one ring that grows from the suite's size and shrinks again.

import { readNeighbours } from '../harness/cluster/observe';
import type { RingNode } from '../harness/cluster/cluster';
import { followRedirects } from '../harness/net/redirects';
import { VirtualNode } from '../harness/net/virtual-node';
import { resourceIdOf } from '../harness/overlay/id';
import { dhtNodeIdValue, nodeUri, userLookup } from '../harness/sip/craft';
import { contactsOf, headersNamed } from '../harness/sip/headers';
import { parseNameAddr } from '../harness/sip/uri';
import { ChurnRing, itWhenDriverCan } from './support/churn';
import { itIf, ringSize, suiteTarget, useRing, type SuiteRing } from './support/ring';
import { sweepWire } from './support/wire-sweep';

const SIZE = ringSize(4);
// A test waits up to a few declared bounds (settling before the change, then after it).
jest.setTimeout(60_000 + 4 * suiteTarget().timing.repairMs);
/** How many nodes join at once in the concurrent-join test. */
const AT_ONCE = 2;

describe(`successor and predecessor under churn, from a ${SIZE}-node ring`, () => {
  const ring = useRing(SIZE, 'suite-successor');
  let churn: ChurnRing;
  let harnessBootstrap: VirtualNode | undefined;

  beforeAll(() => {
    churn = new ChurnRing(ring());
  });
  afterAll(async () => {
    await harnessBootstrap?.close();
  });

  /** Every check starts from a ring that is right; if it is not, the test says so first. */
  async function stableBefore(r: SuiteRing, what: string): Promise<void> {
    const left = await churn.settle(r.target.timing.repairMs);
    if (left.length) throw new Error(`the ring was not right before ${what}, even after the repair bound (${r.target.timing.repairMs} ms):\n${left.join('\n')}`);
  }

  /** A live node that started after the ring's first one, latest first: churn spares the bootstrap of the rest. */
  const latest = (): RingNode => {
    const live = churn.live();
    return [...live].reverse().find((n) => churn.positionOf(n) > 1) ?? live[live.length - 1]!;
  };

  /** The successor of the ring's first node, while that node is live. */
  const successorOfFirst = (): RingNode | undefined => {
    const first = churn.live().find((n) => churn.positionOf(n) === 1);
    return first ? churn.byId(churn.oracle().successor(first.nodeId)) : undefined;
  };

  it("SOS-JOIN-11 right after its 200, a joining node names the admitting node as S 1 and that node's former P 1 as P 1", async () => {
    const r = ring();
    await stableBefore(r, 'the join');
    // The harness is the joiner's bootstrap: seeing the joiner's ID in its REGISTER, it pauses
    // the admitting node's P 1 (which would otherwise find the joiner at its next
    // stabilization and correct it) and redirects the joiner to the admitting node.
    const bootstrap = await VirtualNode.start({ host: r.cluster.harnessAddress, name: 'bootstrap', trace: r.trace, defaultReply: 'silence' });
    harnessBootstrap = bootstrap;
    let plan: { admitting: RingNode; former?: RingNode } | undefined;
    bootstrap.onRequest(async (st) => {
      const rq = st.request;
      if (rq.startLine.kind !== 'request' || rq.startLine.method !== 'REGISTER' || contactsOf(rq).length === 0) return undefined;
      const to = parseNameAddr(headersNamed(rq, 'to')[0]?.value ?? '');
      const joinerId = to.ok ? to.value.uri?.user?.toLowerCase() : undefined;
      if (!joinerId || !/^[0-9a-f]{40}$/.test(joinerId)) return { status: 400 };
      if (!plan) {
        const o = churn.oracle();
        const admitting = churn.byId(o.responsibleNode(joinerId))!;
        const formerId = o.predecessor(admitting.nodeId);
        plan = { admitting, ...(formerId ? { former: churn.byId(formerId)! } : {}) };
        if (plan.former) await churn.pause(plan.former);
      }
      // A later join (a rejoin after isolation) goes to a live node, which redirects it on.
      const next = churn.live().includes(plan.admitting) ? plan.admitting : churn.live()[0]!;
      return {
        status: 302,
        headers: [
          ['Contact', `<${nodeUri(next)}>`],
          ['Require', 'dht'],
          ['Supported', 'dht'],
          ['DHT-NodeID', dhtNodeIdValue(bootstrap.endpoint)],
        ],
      };
    });
    let joiner: RingNode | undefined;
    let seen: Awaited<ReturnType<typeof readNeighbours>> | undefined;
    try {
      joiner = await churn.join(bootstrap.endpoint);
      seen = await readNeighbours(r.probe, joiner);
    } finally {
      if (plan?.former) await churn.unpause(plan.former);
    }
    if (!plan || !joiner || !seen) throw new Error('the joiner never sent its join REGISTER to the harness bootstrap');
    const problems: string[] = [];
    if (seen.successors[0] !== plan.admitting.nodeId) problems.push(`${joiner.name} S 1: expected ${churn.label(plan.admitting.nodeId)} / actual ${churn.label(seen.successors[0])}`);
    if (seen.predecessor !== plan.former?.nodeId) problems.push(`${joiner.name} P 1: expected ${churn.label(plan.former?.nodeId)} / actual ${churn.label(seen.predecessor)}`);
    expect(problems).toEqual([]);
  });

  it("SOS-JOIN-5 after a node joins through a node other than the first, every node's P 1 and S 1 match the oracle with it within one declared stabilization bound", async () => {
    const r = ring();
    await stableBefore(r, 'the join');
    await churn.join(latest());
    expect(await churn.settle(r.target.timing.stabilizeMs)).toEqual([]);
  });

  it(`SOS-JOIN-5 after ${AT_ONCE} nodes join at once through different bootstraps, every node's P 1 and S 1 match the oracle with them within one declared stabilization bound per joiner`, async () => {
    const r = ring();
    await stableBefore(r, 'the joins');
    const live = churn.live();
    const bootstraps = Array.from({ length: AT_ONCE }, (_, i) => live[(live.length - 1 - i + live.length) % live.length]!);
    await churn.joinAtOnce(bootstraps);
    // Joiners that land in one interval are found one per stabilization round (Chord).
    expect(await churn.settle(r.target.timing.stabilizeMs * AT_ONCE)).toEqual([]);
  });

  it('SOS-MAINT-3 a paused node (no answers) is searched around: the ring without it matches the oracle within the repair bound, and unpaused it is back within the repair bound', async () => {
    const r = ring();
    await stableBefore(r, 'the pause');
    // The first node's successor: the first node itself must search around it (a fault
    // switch placed on one node, SOSIMPLE_FAULT_NODES=1, sits on the first node).
    const paused = successorOfFirst() ?? latest();
    let whilePaused: string[];
    try {
      await churn.pause(paused);
      whilePaused = await churn.settle(r.target.timing.repairMs);
    } finally {
      await churn.unpause(paused);
    }
    const afterUnpause = await churn.settle(r.target.timing.repairMs);
    expect({ paused: paused.name, whilePaused, afterUnpause }).toEqual({ paused: paused.name, whilePaused: [], afterUnpause: [] });
  });

  itWhenDriverCan('disconnect')('SOS-MAINT-3 a minority cut off by a partition: the majority repairs without it within the repair bound, and after the heal every node is back within the repair bound', async () => {
    const r = ring();
    await stableBefore(r, 'the partition');
    const live = churn.live();
    const first = live[0]!;
    const wanted = live.length >= 5 ? 2 : 1;
    // The first node's successor first (as for the pause), never the first node. Each node
    // cut off joined through a node that stays reachable (a node of the majority, or the
    // harness's bootstrap), so an isolated one can join again through it after the heal.
    const s1 = successorOfFirst();
    const minority: RingNode[] = [];
    for (const n of [...(s1 ? [s1] : []), ...live.filter((x) => x !== s1)]) {
      if (minority.length === wanted) break;
      const through = churn.bootstrapOf(n);
      const throughNode = through ? churn.startedAt(through) : undefined;
      const reachable = !!through && (!throughNode || (throughNode !== n && live.includes(throughNode) && !minority.includes(throughNode)));
      const boots = minority.some((m) => churn.bootstrapOf(m)?.host === n.host && churn.bootstrapOf(m)?.port === n.port);
      if (n !== first && reachable && !boots) minority.push(n);
    }
    if (minority.length === 0 || minority.length * 2 >= live.length) throw new Error(`no minority to cut off among ${live.map((n) => n.name).join(', ')}`);
    const cut: RingNode[] = [];
    let whileCutOff: string[];
    try {
      for (const n of minority) {
        await churn.disconnect(n);
        cut.push(n);
      }
      whileCutOff = await churn.settle(r.target.timing.repairMs);
    } finally {
      for (const n of cut) await churn.reconnect(n);
    }
    const afterHeal = await churn.settle(r.target.timing.repairMs);
    expect({ cutOff: minority.map((n) => n.name), whileCutOff, afterHeal }).toEqual({ cutOff: minority.map((n) => n.name), whileCutOff: [], afterHeal: [] });
  });

  itIf('leave')('SOS-MAINT-2 a node that leaves (stop) tells both neighbours: right after it exits they name each other, and every P 1 and S 1 matches the oracle without it within one stabilization bound', async () => {
    const r = ring();
    await stableBefore(r, 'the leave');
    // The first node leaves (a switch placed on one node sits there); nothing after this
    // needs it as a bootstrap.
    const leaver = churn.live().find((n) => churn.positionOf(n) === 1) ?? latest();
    const o = churn.oracle();
    const pred = churn.byId(o.predecessor(leaver.nodeId)!)!;
    const succ = churn.byId(o.successor(leaver.nodeId))!;
    await churn.stop(leaver);
    // The neighbours answered the leave REGISTERs before the node exited (SOS-MAINT-2, -7).
    const [p, s] = await Promise.all([readNeighbours(r.probe, pred), readNeighbours(r.probe, succ)]);
    const rightAfter: string[] = [];
    if (pred !== succ && p.successors[0] !== succ.nodeId) rightAfter.push(`${pred.name} S 1: expected ${churn.label(succ.nodeId)} / actual ${churn.label(p.successors[0])}`);
    if (pred !== succ && s.predecessor !== pred.nodeId) rightAfter.push(`${succ.name} P 1: expected ${churn.label(pred.nodeId)} / actual ${churn.label(s.predecessor)}`);
    const withinBound = await churn.settle(r.target.timing.stabilizeMs);
    expect({ leaver: leaver.name, rightAfter, withinBound }).toEqual({ leaver: leaver.name, rightAfter: [], withinBound: [] });
  });

  describe('a node killed without a goodbye', () => {
    // A node hosting users joins the ring that is right, so its registrations (and, with
    // capability replication, their copies, SOS-REG-7) are made on the final ring. The node
    // killed is the owner of one of them; the host is neither it nor its successor. The host's
    // ID is known only once it runs, so it hosts enough users that one of them fits.
    const USERS = Array.from({ length: 16 }, (_, i) => `churn${i}`);
    let host: RingNode;
    let victim: RingNode;
    let user: string | undefined;
    let owners = '';
    let killedAt = 0;

    const lookupFrom = async (r: SuiteRing, node: RingNode, who: string) => {
      try {
        const chain = await followRedirects(
          r.probe,
          node,
          (to) => {
            // The harness sends only to nodes it started, whatever a 302 names.
            if (!churn.startedAt(to)) throw new Error(`redirected to ${to.host}:${to.port}, which is not a node of the ring`);
            return userLookup('INVITE', who, r.probe.endpoint, to);
          },
          { timeoutMs: 3000 },
        );
        const last = chain.hops[chain.hops.length - 1]!;
        return { status: last.status, contacts: contactsOf(last.response).map((c) => c.entry?.uri?.host ?? '?'), stopped: chain.stoppedBecause };
      } catch (e) {
        // A redirect to a node that no longer answers: the walk ends there.
        return { status: 0, contacts: [] as string[], stopped: e instanceof Error ? e.message.split('(')[0]!.trim() : String(e) };
      }
    };

    beforeAll(async () => {
      const r = ring();
      await churn.settle(r.target.timing.repairMs);
      host = await churn.join(latest(), { users: USERS });
      await churn.settle(r.target.timing.stabilizeMs);
      const o = churn.oracle();
      owners = USERS.map((u) => `${u} → ${churn.label(o.responsibleNode(resourceIdOf(u)))}`).join(', ');
      user = USERS.find((u) => {
        const owner = o.responsibleNode(resourceIdOf(u));
        return owner !== host.nodeId && o.successor(owner) !== host.nodeId;
      });
      victim = user ? churn.byId(o.responsibleNode(resourceIdOf(user)))! : churn.live().find((n) => n !== host && churn.positionOf(n) > 1)!;
      // The host registers its users right after its join; wait until every one is found.
      const deadline = Date.now() + r.target.timing.repairMs;
      for (;;) {
        const found = await Promise.all(USERS.map((u) => lookupFrom(r, churn.live()[0]!, u)));
        if (found.every((f) => f.status === 302 && f.contacts.includes(host.host)) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }, 120_000);

    it('SOS-MAINT-3 after a kill (no leave REGISTER), every node\'s P 1 and S 1 match the oracle without it within the repair bound', async () => {
      const r = ring();
      await stableBefore(r, 'the kill');
      await churn.kill(victim);
      killedAt = Date.now();
      expect({ killed: victim.name, left: await churn.settle(r.target.timing.repairMs) }).toEqual({ killed: victim.name, left: [] });
    });

    itIf('replication')('SOS-REG-5 one node failure loses no registration: after the owner of a user was killed, a lookup from every node still finds the Contact', async () => {
      const r = ring();
      if (!user) throw new Error(`no hosted user is owned by a node other than the host ${host.name} and its predecessor (${owners}); nothing to check`);
      await churn.settle(r.target.timing.repairMs);
      const live = churn.live();
      const lookups = (): Promise<Awaited<ReturnType<typeof lookupFrom>>[]> => Promise.all(live.map((n) => lookupFrom(r, n, user!)));
      // A lookup routed through a finger that still names the killed node gets no answer; that
      // says nothing about the registration, so it is asked again until the ring has had its
      // repair bound and then its finger refresh bound since the kill.
      const deadline = killedAt + r.target.timing.repairMs + r.target.timing.fingerRefreshMs;
      let found = await lookups();
      while (found.some((f) => f.status === 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        found = await lookups();
      }
      const actual = live.map((n, i) => ({ from: n.name, ...found[i]! }));
      const expected = live.map((n) => ({ from: n.name, status: 302, contacts: [host.host], stopped: undefined }));
      expect({ user, ownerKilled: victim.name, lookups: actual }).toEqual({ user, ownerKilled: victim.name, lookups: expected });
    });
  });

  sweepWire(ring);
});
