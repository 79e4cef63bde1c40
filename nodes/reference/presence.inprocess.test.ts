// SOS-PRES-1/2/5: hosted users subscribe to their buddies once online, NOTIFYs carry PIDF,
// and a leave ends with closed + terminated;reason=noresource.
import { InProcessRing } from './inprocess';
import { SosimpleNode } from './node';
import { waitFor } from './test-support';

jest.setTimeout(30_000);

const ring = new InProcessRing({ port: 5070, firstAddress: 10_200, stabilizeMs: 150, failureTimeoutMs: 900 });
afterAll(() => ring.close());

const buddy = (n: SosimpleNode, name: string) => n.snapshot().presence.buddies.find((b) => b.buddy === name);

describe('presence between hosted users', () => {
  let aliceNode: SosimpleNode;
  let bobNode: SosimpleNode;

  it('SOS-PRES-1/5 each side subscribes to its buddy and gets an open PIDF NOTIFY', async () => {
    await ring.add();
    await ring.add();
    aliceNode = await ring.add({ users: ['alice'], buddies: ['bob'] });
    bobNode = await ring.add({ users: ['bob'], buddies: ['alice'] });
    await waitFor('alice to see bob open', () => buddy(aliceNode, 'bob')?.basic === 'open' && buddy(aliceNode, 'bob')?.state === 'active', 10_000);
    await waitFor('bob to see alice open', () => buddy(bobNode, 'alice')?.basic === 'open', 10_000);
    expect(aliceNode.snapshot().presence.notifies.some((n) => /^active;expires=\d+$/.test(n.state))).toBe(true);
    expect(bobNode.snapshot().presence.subscribers).toEqual([{ user: 'bob', subscriber: expect.stringMatching(/^sip:alice@/) }]);
  });

  it('SOS-PRES-2 a leave sends closed with Subscription-State terminated;reason=noresource', async () => {
    await ring.leave(bobNode);
    await waitFor('alice to see bob gone', () => buddy(aliceNode, 'bob')?.state === 'terminated', 10_000);
    expect(buddy(aliceNode, 'bob')?.basic).toBe('closed');
    expect(aliceNode.snapshot().presence.notifies.at(-1)).toEqual({ from: expect.stringMatching(/^sip:bob@/), basic: 'closed', state: 'terminated;reason=noresource' });
    expect(await aliceNode.ua.lookup('bob')).toEqual([]); // unregistered on leave
  });
});
