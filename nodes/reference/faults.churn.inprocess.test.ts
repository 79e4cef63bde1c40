// Fault switches that show only when the ring changes (a join, a failure): each is run beside
// the healthy behaviour, so the suite check that catches it (suites/successor.test.ts) is
// known to have an input that fails it.
import { ManualClock } from './clock';
import { resourceIdOf } from './ids';
import { InProcessRing } from './inprocess';
import { SosimpleNode } from './node';
import { fromBig, successorOf, toBig } from './ring';
import { ringMismatches, waitFor } from './test-support';

jest.setTimeout(30_000);

const rings: InProcessRing[] = [];
function newRing(firstAddress: number, extra: Partial<ConstructorParameters<typeof InProcessRing>[0]> = {}): InProcessRing {
  const r = new InProcessRing({ port: 5070, firstAddress, stabilizeMs: 150, failureTimeoutMs: 400, joinRetryMs: 200, ...extra });
  rings.push(r);
  return r;
}
afterAll(async () => {
  for (const r of rings) await r.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stable = (ring: InProcessRing) => ringMismatches(ring.states()).length === 0;

/** P 1 or S 1 of some live node is `gone`. */
const mentions = (ring: InProcessRing, gone: SosimpleNode): boolean =>
  ring.states().some((s) => s.predecessor?.id === gone.self.id || s.successors[0]?.id === gone.self.id);

describe('join-null-predecessor (SOS-JOIN-11)', () => {
  it.each([
    ['healthy', '', 0],
    ['join-null-predecessor', 'join-null-predecessor', 1],
  ])('%s: right after its 200 the joiner names the admitting node\'s former P 1', async (_name, faults, slot) => {
    // A manual clock: nobody stabilizes between the 200 and the look at the joiner's table.
    const clock = new ManualClock(Date.now());
    const ring = newRing(11_000 + slot * 10, { stabilizeMs: 1000, clock });
    await ring.add({ faults });
    await ring.add({ faults });
    await waitFor('a stable two-node ring', async () => {
      clock.advance(1000);
      await sleep(20);
      return ring.states().every((s) => s.predecessor !== null);
    }, 10_000);
    const joiner = await ring.add({ faults });
    const ids = ring.live().map((n) => n.self.id);
    const admitting = successorOf(joiner.self.id, ids.filter((id) => id !== joiner.self.id));
    const former = ids.find((id) => id !== admitting && id !== joiner.self.id);
    const seen = joiner.snapshot();
    expect(seen.successors[0]?.id).toBe(admitting);
    expect(seen.predecessor?.id ?? null).toBe(faults ? null : former);
  });
});

describe('no-research (SOS-MAINT-3)', () => {
  it.each([
    ['healthy', '', 0, false],
    ['no-research', 'no-research', 1, true],
  ])('%s: after a node is killed, do its neighbours still name it?', async (_name, faults, slot, stillNamed) => {
    const ring = newRing(11_100 + slot * 10);
    for (let i = 0; i < 4; i++) await ring.add({ faults });
    await waitFor('a stable ring', () => stable(ring), 10_000);
    const victim = ring.live()[2] as SosimpleNode;
    ring.kill(victim);
    if (!stillNamed) await waitFor('the ring to drop the killed node', () => !mentions(ring, victim), 10_000);
    else await sleep(3000); // many times the failure timeout and the stabilization period
    expect(mentions(ring, victim)).toBe(stillNamed);
  });
});

describe('no-replication (SOS-REG-5)', () => {
  it.each([
    ['healthy', '', 0, 1],
    ['no-replication', 'no-replication', 1, 0],
  ])('%s: after the owner of a registration is killed, is the user still found?', async (_name, faults, slot, found) => {
    const ring = newRing(11_200 + slot * 10);
    for (let i = 0; i < 4; i++) await ring.add({ faults });
    await waitFor('a stable ring', () => stable(ring), 10_000);
    const [home, ...others] = ring.live() as SosimpleNode[];
    const ids = ring.live().map((n) => n.self.id);
    // A user whose owner is neither the registering node nor the node just before it.
    let user = '';
    for (let i = 0; !user; i++) {
      const owner = successorOf(resourceIdOf(`r${i}`), ids);
      const next = successorOf(fromBig(toBig(owner) + 1n), ids);
      if (owner !== home!.self.id && next !== home!.self.id) user = `r${i}`;
    }
    expect(await home!.ua.register(user, 600)).toBe(true);
    const owner = others.find((n) => n.self.id === successorOf(resourceIdOf(user), ids))!;
    ring.kill(owner);
    await waitFor('the ring to heal', () => stable(ring), 10_000);
    const contacts = await home!.ua.lookup(user);
    expect(contacts?.length).toBe(found);
  });
});
