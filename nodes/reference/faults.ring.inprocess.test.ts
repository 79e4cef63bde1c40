// Fault switches whose effect shows only in a ring: each run beside the healthy behaviour,
// so the check that catches the fault is shown to fail on it.
import { ManualClock } from './clock';
import { resourceIdOf } from './ids';
import { InProcessRing } from './inprocess';
import { SosimpleNode } from './node';
import { successorOf } from './ring';
import { ringMismatches, waitFor } from './test-support';

jest.setTimeout(30_000);

const rings: InProcessRing[] = [];
function newRing(firstAddress: number, extra: Partial<ConstructorParameters<typeof InProcessRing>[0]> = {}): InProcessRing {
  const r = new InProcessRing({ port: 5070, firstAddress, stabilizeMs: 150, failureTimeoutMs: 900, joinRetryMs: 200, ...extra });
  rings.push(r);
  return r;
}
afterAll(async () => {
  for (const r of rings) await r.close();
});

/** P 1 or S 1 of some node is `gone` (deeper successors heal at the next stabilization). */
const mentions = (ring: InProcessRing, gone: SosimpleNode): boolean =>
  ring.states().some((s) => s.predecessor?.id === gone.self.id || s.successors[0]?.id === gone.self.id);

/** A user name whose Resource-ID the given node owns in a ring of `ids`. */
function userOwnedBy(owner: SosimpleNode, ids: string[]): string {
  for (let i = 0; ; i++) if (successorOf(resourceIdOf(`u${i}`), ids) === owner.self.id) return `u${i}`;
}

describe('ring-level fault switches', () => {
  it('node-id-ip-only (SOS-ID-2): its join is refused with 493', async () => {
    const ring = newRing(10_600);
    await ring.add();
    const faulty = await ring.add({ faults: 'node-id-ip-only' }, undefined, false);
    await waitFor('a refused join', () => /^493 /.test(faulty.lastJoinFailure ?? ''), 5000);
    expect(faulty.joined).toBe(false);
  });

  it('no-leave-register (SOS-MAINT-2): neighbours still name the node right after it left', async () => {
    const ring = newRing(10_620);
    for (let i = 0; i < 3; i++) await ring.add();
    const faulty = await ring.add({ faults: 'no-leave-register' });
    const healthy = await ring.add();
    await waitFor('a stable ring', () => ringMismatches(ring.states()).length === 0, 10_000);
    await ring.leave(healthy);
    expect(mentions(ring, healthy)).toBe(false);
    await ring.leave(faulty);
    expect(mentions(ring, faulty)).toBe(true);
  });

  it.each([
    ['healthy', '', true],
    ['no-handover (SOS-REG-6)', 'no-handover', false],
  ])('%s: a leaving owner hands its registrations to S 1 as owned bindings', async (_name, faults, owned) => {
    const ring = newRing(faults ? 10_660 : 10_640);
    const a = await ring.add();
    const b = await ring.add({ faults });
    await waitFor('a stable ring', () => ringMismatches(ring.states()).length === 0, 10_000);
    const user = userOwnedBy(b, [a.self.id, b.self.id]);
    expect(await a.ua.register(user, 600)).toBe(true);
    expect(b.store.registration(resourceIdOf(user))).toBeDefined();
    await ring.leave(b);
    const reg = a.store.registration(resourceIdOf(user));
    expect(reg?.bindings.some((x) => x.replica === 0) ?? false).toBe(owned);
    expect(reg?.bindings.length).toBe(1); // the replica copy (SOS-REG-7) keeps it either way
  });

  it('no-terminated-notify (SOS-PRES-2): the watcher is not told the user went away', async () => {
    const ring = newRing(10_680);
    await ring.add();
    const alice = await ring.add({ users: ['alice'], buddies: ['bob', 'carol'] });
    const bob = await ring.add({ users: ['bob'] });
    const carol = await ring.add({ users: ['carol'], faults: 'no-terminated-notify' });
    const state = (b: string) => alice.snapshot().presence.buddies.find((x) => x.buddy === b)?.state;
    await waitFor('both subscriptions active', () => state('bob') === 'active' && state('carol') === 'active', 10_000);
    await ring.leave(bob);
    expect(state('bob')).toBe('terminated');
    await ring.leave(carol);
    expect(state('carol')).toBe('active');
  });

  it('no-notify (SOS-PRES-1): the subscription is accepted but no NOTIFY follows', async () => {
    const ring = newRing(10_720);
    await ring.add();
    const bob = await ring.add({ users: ['bob'], faults: 'no-notify' });
    await ring.add({ users: ['carol'] });
    const alice = await ring.add({ users: ['alice'], buddies: ['bob', 'carol'] });
    const buddy = (b: string) => alice.snapshot().presence.buddies.find((x) => x.buddy === b);
    await waitFor('carol open and bob subscribed to', () => buddy('carol')?.basic === 'open' && bob.snapshot().presence.subscribers.length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 200)); // a NOTIFY sent with the 200 would be here by now
    expect(buddy('bob')?.basic).toBe('unknown');
    expect(alice.snapshot().presence.notifies.some((n) => n.from.startsWith('sip:bob@'))).toBe(false);
  });

  it('no-stabilize (SOS-MAINT-4): the ring never converges however long the clock runs', async () => {
    const clock = new ManualClock(Date.now());
    const ring = newRing(10_700, { stabilizeMs: 1000, clock });
    for (let i = 0; i < 3; i++) await ring.add({ faults: 'no-stabilize' });
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20)); // let the fingers' queries, if any, complete
    }
    expect(ringMismatches(ring.states()).length).toBeGreaterThan(0);
  });
});
