// Pointers right after admission, before any stabilization (frozen with a ManualClock):
// SOS-RING-6 (first node), SOS-JOIN-8 (joining the first node), SOS-JOIN-11 (S 1 = R,
// P 1 = R's former P 1), and SOS-JOIN-3 (R takes the joiner as P 1, keeps its S 1).
import { ManualClock } from './clock';
import { InProcessRing } from './inprocess';
import { inOpenClosed } from './ring';
import { waitFor } from './test-support';

jest.setTimeout(20_000);

const clock = new ManualClock(Date.now());
const ring = new InProcessRing({ port: 5070, firstAddress: 10_800, stabilizeMs: 1000, clock });
afterAll(() => ring.close());

describe('admission, before stabilization', () => {
  it('SOS-RING-6 / SOS-JOIN-8 / SOS-JOIN-11 / SOS-JOIN-3 pointers follow the draft', async () => {
    const first = await ring.add();
    expect(first.snapshot()).toMatchObject({ predecessor: null, successors: [first.self] });

    const second = await ring.add({}, first);
    expect(second.snapshot().predecessor).toBeNull(); // the first node's P was NULL
    expect(second.snapshot().successors[0].id).toBe(first.self.id);
    expect(first.snapshot().predecessor?.id).toBe(second.self.id);
    expect(first.snapshot().successors[0].id).toBe(second.self.id); // lone first node, JOIN-8 Decision

    // Let the two settle, then admit a third node and look at once.
    await waitFor('the two to be each other\'s P 1 (JOIN-8)', () => {
      clock.advance(1000);
      return second.snapshot().predecessor?.id === first.self.id;
    }, 5000);
    const third = await ring.add({}, first);
    const s = third.snapshot();
    const r = [first, second].find((n) => n.self.id === s.successors[0].id);
    expect(r).toBeDefined();
    const other = r === first ? second : first;
    expect(inOpenClosed(third.self.id, other.self.id, r!.self.id)).toBe(true); // R owns the joiner's ID
    expect(s.predecessor?.id).toBe(other.self.id); // R's former P 1
    expect(r!.snapshot().predecessor?.id).toBe(third.self.id);
    expect(r!.snapshot().successors[0].id).toBe(other.self.id); // R keeps its S 1
  });
});
