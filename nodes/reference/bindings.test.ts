import { BindingStore } from './bindings';
import { ManualClock } from './clock';
import { resourceIdOf } from './ids';

const rid = resourceIdOf('alice');
const aor = 'sip:alice@10.0.0.1;alg=rsa-sha1;overlay=chat';

describe('SOS-REG-4 bindings', () => {
  it('SOS-REG-4 refresh extends, expiry 0 removes, bindings lapse', () => {
    const clock = new ManualClock();
    const s = new BindingStore(clock);
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.1:5070', 10);
    expect(s.get(rid)).toEqual([{ contact: 'sip:alice@10.0.0.1:5070', expires: 10, replica: 0 }]);
    clock.advance(6000);
    expect(s.get(rid)[0].expires).toBe(4);
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.1:5070;alg=rsa-sha1', 10); // same URI, other params: a refresh
    expect(s.get(rid)).toHaveLength(1);
    clock.advance(9000);
    expect(s.get(rid)).toHaveLength(1);
    clock.advance(1001);
    expect(s.get(rid)).toHaveLength(0);
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.1:5070', 10);
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.2:5070', 10);
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.1:5070', 0);
    expect(s.get(rid).map((b) => b.contact)).toEqual(['sip:alice@10.0.0.2:5070']);
  });

  it('SOS-REG-6 take removes what moves; restore puts it back', () => {
    const s = new BindingStore(new ManualClock());
    s.put(rid, 'alice', aor, 'sip:alice@10.0.0.1', 600);
    s.put(resourceIdOf('bob'), 'bob', aor, 'sip:bob@10.0.0.1', 600, 1);
    const moved = s.take((r) => r === rid);
    expect(moved.map((m) => m.reg.user)).toEqual(['alice']);
    expect(s.get(rid)).toHaveLength(0);
    expect(BindingStore.hasPrimary(moved[0].reg)).toBe(true);
    expect(BindingStore.hasPrimary(s.all()[0])).toBe(false);
    s.restore(moved[0].reg);
    expect(s.get(rid)).toHaveLength(1);
  });
});
