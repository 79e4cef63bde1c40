// Presence and leaving (catalogue §5, §7): a user hosted by node 1 is watched with SUBSCRIBE;
// its NOTIFYs, and what happens to it and to its registrations when its node leaves.

import { VirtualNode } from '../harness/net/virtual-node';
import type { ServerTransaction } from '../harness/net/server-transaction';
import { followRedirects } from '../harness/net/redirects';
import { resourceIdOf } from '../harness/overlay/id';
import { userLookup, userRegister } from '../harness/sip/craft';
import { contactsOf, headerValue } from '../harness/sip/headers';
import type { SipMessage } from '../harness/sip/types';
import { itIf, suiteFaults, useRing, ringSize } from './support/ring';
import { parseSipUri } from '../harness/sip/uri';
import { sweepWire } from './support/wire-sweep';

const SIZE = ringSize(4);
const status = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);
const isNotify = (s: ServerTransaction): boolean => s.request.startLine.kind === 'request' && s.request.startLine.method === 'NOTIFY';
const body = (s: ServerTransaction): string => Buffer.from(s.request.body).toString('utf8');

describe(`presence and leave on a ${SIZE}-node ring, alice hosted by node 1`, () => {
  const ring = useRing(SIZE, 'suite-presence', { perNode: (i) => (i === 0 ? { users: ['alice'] } : {}) });
  let watcher: VirtualNode;

  beforeAll(async () => {
    const r = ring();
    watcher = await VirtualNode.start({ host: r.cluster.harnessAddress, name: 'watcher', trace: r.trace, defaultReply: { status: 200 } });
  });
  afterAll(() => watcher?.close());

  /** Locates alice like a lookup, then SUBSCRIBEs her contact directly (the last hop: Supported only). */
  async function subscribe(): Promise<{ answer: SipMessage }> {
    const r = ring();
    const chain = await followRedirects(watcher, r.nodes[2]!, (to) => userLookup('SUBSCRIBE', 'alice', watcher.endpoint, to), { timeoutMs: 3000 });
    const last = chain.hops[chain.hops.length - 1]!;
    const contact = contactsOf(last.response)[0]?.entry?.uri;
    if (last.status !== 302 || !contact) throw new Error(`the lookup for alice ended with ${last.status}, not a 302 with her contact`);
    const ua = { host: contact.host, port: contact.port ?? 5060 };
    if (!r.nodes.some((n) => n.host === ua.host)) throw new Error(`alice's contact ${ua.host} is not a node of the ring; the harness does not contact it`);
    const direct = userLookup('SUBSCRIBE', 'alice', watcher.endpoint, ua).remove('Require');
    const { message } = await watcher.request(ua, direct, { timeoutMs: 3000 });
    return { answer: message };
  }

  itIf('presence')('SOS-PRES-1 a SUBSCRIBE located like a lookup is accepted and followed by a NOTIFY with Subscription-State and PIDF', async () => {
    const r = ring();
    const { answer } = await subscribe();
    expect([200, 202]).toContain(status(answer));
    const notify = await watcher.waitForRequest(isNotify, r.target.timing.stabilizeMs * 2);
    expect({
      state: headerValue(notify.request, 'subscription-state')?.split(';')[0],
      type: headerValue(notify.request, 'content-type'),
      pidf: /<presence[\s>]/.test(body(notify)) && /<basic>open<\/basic>/.test(body(notify)),
    }).toEqual({ state: 'active', type: 'application/pidf+xml', pidf: true });
  });

  itIf('buddies')('SOS-PRES-5 a node coming online subscribes to every buddy it declares', async () => {
    const r = ring();
    const buddies = ['carol', 'dave'];
    // Both buddies are online, their user agent is the watcher.
    const register = (user: string, expires?: number) =>
      followRedirects(watcher, r.nodes[0]!, (to) => userRegister(user, watcher.endpoint, watcher.endpoint, to, expires === undefined ? {} : { expires }), { timeoutMs: 3000 });
    for (const b of buddies) expect((await register(b)).hops.at(-1)!.status).toBe(200);
    // The node observed is the one the test starts, so it carries the run's fault switches.
    const faults = suiteFaults();
    const node = await r.cluster.start(r.target, { name: 'with-buddies', bootstrap: r.nodes[0]!, users: ['erin'], buddies, ...(faults.length ? { faults } : {}) });
    const subscribed: string[] = [];
    try {
      const deadline = Date.now() + r.target.timing.joinSettleMs + r.target.timing.stabilizeMs * 2;
      const fromNode = (st: ServerTransaction) => st.method === 'SUBSCRIBE' && st.entry.remote.host === node.host;
      while (subscribed.length < buddies.length && Date.now() < deadline) {
        const st = await watcher.waitForRequest(fromNode, Math.max(1, deadline - Date.now())).catch(() => undefined);
        if (!st) break;
        const target = st.request.startLine.kind === 'request' ? parseSipUri(st.request.startLine.uri) : undefined;
        const buddy = target?.ok ? target.value.user : undefined;
        if (buddy && !subscribed.includes(buddy)) subscribed.push(buddy);
      }
    } finally {
      await r.cluster.stop(node).catch(() => undefined);
      for (const b of buddies) await register(b, 0).catch(() => undefined);
    }
    expect(subscribed.sort()).toEqual(buddies);
  }, 60_000);

  itIf('leave')('SOS-REG-6 registrations held by a leaving node move to its successor', async () => {
    const r = ring();
    // A user whose binding node 2 holds; node 2 then leaves and its successor must answer for it.
    const holder = r.nodes[1]!;
    const user = Array.from({ length: 500 }, (_, i) => `u${i + 1}`).find((u) => r.oracle.responsibleNode(resourceIdOf(u)) === holder.nodeId);
    expect(user).toBeDefined();
    const reg = await followRedirects(watcher, holder, (to) => userRegister(user!, watcher.endpoint, watcher.endpoint, to), { timeoutMs: 3000 });
    expect(reg.hops[reg.hops.length - 1]!.status).toBe(200);
    await r.cluster.stop(holder);
    const after = r.oracle.without(holder.nodeId);
    const heir = r.nodes.find((n) => n.nodeId === after.responsibleNode(resourceIdOf(user!)))!;
    const lookup = await followRedirects(watcher, heir, (to) => userLookup('INVITE', user!, watcher.endpoint, to), { timeoutMs: 3000 });
    const last = lookup.hops[lookup.hops.length - 1]!;
    expect({ status: last.status, contact: contactsOf(last.response)[0]?.entry?.uri?.host }).toEqual({ status: 302, contact: watcher.host });
  });

  itIf('presence')('SOS-PRES-2 when alice\'s node leaves, the last NOTIFY says closed and terminated;reason=noresource', async () => {
    const r = ring();
    await r.cluster.stop(r.nodes[0]!);
    const notifies: ServerTransaction[] = [];
    for (;;) {
      const n = await watcher.waitForRequest(isNotify, 5000).catch(() => undefined);
      if (!n) break;
      notifies.push(n);
    }
    const last = notifies[notifies.length - 1];
    expect({
      state: last && headerValue(last.request, 'subscription-state'),
      closed: last ? /<basic>closed<\/basic>/.test(body(last)) : false,
    }).toEqual({ state: 'terminated;reason=noresource', closed: true });
  }, 30_000);

  sweepWire(ring);
});
