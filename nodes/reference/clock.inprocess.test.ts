// The node's periodic work runs on the injected clock: with a ManualClock nothing is
// stabilized until the test moves time (SOS-MAINT-4/5 driven without sleeping on timers).
import { ManualClock } from './clock';
import { InProcessRing } from './inprocess';
import { ringMismatches, waitFor } from './test-support';

jest.setTimeout(20_000);

const clock = new ManualClock(Date.now());
const ring = new InProcessRing({ port: 5070, firstAddress: 10_500, stabilizeMs: 1000, clock });
afterAll(() => ring.close());

describe('injected clock', () => {
  it('SOS-MAINT-4 stabilization happens only when the clock moves, then the ring converges', async () => {
    for (let i = 0; i < 3; i++) await ring.add(); // three joins never need a retry (a retry waits on the clock)
    expect(ringMismatches(ring.states()).length).toBeGreaterThan(0);
    await waitFor(
      'the ring to converge as time moves',
      () => {
        clock.advance(1000);
        return ringMismatches(ring.states()).length === 0;
      },
      10_000,
      60,
    );
    expect(clock.pending()).toBeGreaterThan(0); // the periodic timers are re-armed on the clock
  });
});
